//! The validated intermediate representation. Emitters only ever see these types:
//! every name in here is a valid Rust identifier, every key points at a scalar field,
//! every default fits its type.

/// One model: one spec file, one generated module.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The spec file as given (for the `@generated` header and messages).
    pub source: String,
    /// Rust type name, PascalCase (`User`).
    pub name: String,
    /// Module / file name, snake_case (`user`; `box` for the module `r#box`, `crate_` for a
    /// keyword that cannot be raw).
    pub module: String,
    pub table: String,
    pub doc: Option<String>,
    /// Index into `fields`.
    pub hash_key: usize,
    /// Index into `fields`.
    pub range_key: Option<usize>,
    pub throughput: Throughput,
    pub fields: Vec<Field>,
    /// Secondary indexes, in spec order.
    pub indexes: Vec<Index>,
    /// The table's stream (the spec's `"stream"`).
    pub stream: Option<StreamView>,
    /// Generate `Serialize` / `Deserialize` (the generator's `serde` option, not the spec's).
    pub serde: bool,
    /// The path generated code reaches the runtime by (the generator's `runtime_path`
    /// option; `::dynamongo_runtime` by default).
    pub runtime: String,
    /// Extra attributes on the model struct (the generator's `type_attribute`), each a
    /// checked outer attribute (`#[derive(Hash)]`).
    pub attributes: Vec<String>,
    /// The entity of a single-table design (a spec with `"keys"`): its keys are rendered
    /// from its fields by templates; `hash_key` / `range_key` then point at the first
    /// placeholder field of each primary template and are not key attributes.
    pub entity: Option<Entity>,
    /// Stored items go through the user's `dynamongo_runtime::Upgrade` impl before their
    /// fields are read (`"upgrade": true`).
    pub upgrade: bool,
    /// What its items cost: size bounds of the item and of its index entries.
    pub sizes: crate::cost::Sizes,
    /// The attribute actions of its table when the table is encrypted (the model, or an
    /// entity of its table file, has an `"encrypt": true` field), sorted by attribute;
    /// empty for a plaintext table.
    pub crypto: Vec<(String, CryptoAction)>,
    /// Its encrypted table still holds items stored before it was encrypted
    /// (`"plaintext_items": true`): they are read, and its backfill encrypts them.
    pub plaintext_items: bool,
}

/// An entity of a single-table design.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The entity name written on every item.
    pub name: String,
    /// The table file's module (`app`).
    pub table_module: String,
    /// The attribute that holds the entity name.
    pub attribute: String,
    /// The table's partition key template.
    pub hash: Template,
    /// The table's sort key template.
    pub range: Option<Template>,
    /// The templates of the table's indexes this entity is in.
    pub indexes: Vec<EntityIndex>,
    /// The natural indexes of its table (keyed by the entities' own attributes) it has
    /// every key field of: the index name and those fields (indexes into the model's
    /// fields), hash first.
    pub natural: Vec<(String, Vec<usize>)>,
    /// The table's TTL attribute, from whichever of its entities has a TTL field (filled
    /// in once every entity is read).
    pub table_ttl: Option<String>,
}

/// An entity's templates for one index of its table.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityIndex {
    /// The DynamoDB index name.
    pub name: String,
    pub hash: Template,
    pub range: Option<Template>,
}

/// A key template: the key attribute it renders, and literals and placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub attr: String,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    /// A placeholder: the field (index into the owner's fields) and how it is written.
    Field {
        field: usize,
        format: Format,
    },
}

/// How a placeholder's stored text is written into a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Variable width (string-like, enum).
    Text,
    /// Fixed width (uuid 36, date 10, datetime 31).
    Fixed(usize),
    /// A non-negative int zero-padded to this many digits.
    Int(usize),
}

impl Template {
    /// The placeholder fields, in order (indexes into the owner's fields).
    pub fn fields(&self) -> impl Iterator<Item = usize> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Field { field, .. } => Some(*field),
            Part::Lit(_) => None,
        })
    }

    /// The template as written (`ws#{workspace}`), given the owner's fields.
    pub fn text(&self, fields: &[Field]) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(l) => l.clone(),
                Part::Field {
                    field,
                    format: Format::Int(w),
                } => format!("{{{}:0{w}}}", fields[*field].name),
                Part::Field { field, .. } => format!("{{{}}}", fields[*field].name),
            })
            .collect()
    }
}

/// A table file of a single-table design: the physical layout its entities share.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub source: String,
    /// The DynamoDB table name (and the name entities give in `"table"`).
    pub name: String,
    /// Module / file name, snake_case.
    pub module: String,
    pub doc: Option<String>,
    pub hash_key: String,
    pub range_key: Option<String>,
    pub entity_attribute: String,
    pub indexes: Vec<TableIndex>,
    pub collections: Vec<Collection>,
    pub throughput: Throughput,
    pub stream: Option<StreamView>,
    /// Its entities (model names and modules), in spec-file order; at least one.
    pub entities: Vec<(String, String)>,
    /// The entity whose model `create_table` and collection reads go through: one with a
    /// TTL field when there is one (all TTL fields of a table share their attribute).
    pub representative: usize,
    /// The TTL attribute its entities share.
    pub ttl: Option<String>,
    pub runtime: String,
    /// Generate `Serialize` for its collections' grouped form (the generator's `serde`
    /// option).
    pub serde: bool,
}

impl Table {
    /// Every rendered key attribute of the table and of its indexes, in order (an
    /// attribute two indexes share comes twice; a natural index's are fields).
    pub fn key_attributes(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.hash_key.as_str())
            .chain(self.range_key.as_deref())
            .chain(
                self.indexes
                    .iter()
                    .filter(|i| i.natural.is_none())
                    .flat_map(|i| {
                        std::iter::once(i.hash_key.as_str()).chain(i.range_key.as_deref())
                    }),
            )
    }
}

/// An index of a table file (key attributes are S, every attribute projected): global, or
/// local (`local`: its hash key is the table's).
#[derive(Debug, Clone, PartialEq)]
pub struct TableIndex {
    pub name: String,
    pub local: bool,
    /// The (first) hash key attribute.
    pub hash_key: String,
    /// The (first) range key attribute.
    pub range_key: Option<String>,
    pub throughput: Option<Throughput>,
    /// A global index keyed by the entities' own attributes (the spec lists them: a
    /// multi-attribute key), not by rendered templates.
    pub natural: Option<NaturalKey>,
}

/// The key of a global index whose key attributes are the entities' own (up to four for
/// the partition, up to four for the sort key), with their DynamoDB types.
#[derive(Debug, Clone, PartialEq)]
pub struct NaturalKey {
    /// The partition's attributes and types (`S`, `N`, `B`), in key order.
    pub hash: Vec<(String, &'static str)>,
    /// The sort key's attributes and types, in key order.
    pub range: Vec<(String, &'static str)>,
}

/// A collection: entities that share a partition, read with one Query.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// Snake_case: the generated function.
    pub name: String,
    /// The generated enum (`WorkspaceItem`).
    pub enum_name: String,
    /// The generated grouped form (`WorkspaceGroups`).
    pub groups_name: String,
    pub doc: Option<String>,
    /// Index into the table's indexes; `None`: the table.
    pub index: Option<usize>,
    /// (model name, module, entity name) of each member.
    pub members: Vec<(String, String, String)>,
    /// The partition template the members share; its placeholders index `fields`.
    pub partition: Template,
    /// A sub-collection's sort-key prefix as the spec writes it (`issue#{issue}`).
    pub sort_prefix: Option<String>,
    /// The sort-key prefix the members share (a sub-collection: one `begins_with` Query);
    /// its placeholders index `fields`, after the partition's.
    pub sort: Option<Template>,
    /// The partition's fields (as the first member declares them), then the sort
    /// prefix's (named as the prefix names them).
    pub fields: Vec<Field>,
    /// The size bounds of an item read (the widest of its members', in the table or the
    /// index it is read from).
    pub sizes: crate::cost::Bytes,
}

/// What a table's stream records hold (DynamoDB's `StreamViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamView {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl StreamView {
    /// From the spec's name (`"new_and_old_images"`).
    pub fn from_spec(name: &str) -> Option<Self> {
        Some(match name {
            "keys_only" => StreamView::KeysOnly,
            "new_image" => StreamView::NewImage,
            "old_image" => StreamView::OldImage,
            "new_and_old_images" => StreamView::NewAndOldImages,
            _ => return None,
        })
    }

    /// DynamoDB's name (`NEW_AND_OLD_IMAGES`), and the runtime's variant.
    pub fn dynamodb_name(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    pub fn variant(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KeysOnly",
            StreamView::NewImage => "NewImage",
            StreamView::OldImage => "OldImage",
            StreamView::NewAndOldImages => "NewAndOldImages",
        }
    }
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The spec's key: the handle name (snake_case).
    pub name: String,
    /// The DynamoDB index name (`index_name`, or `name`).
    pub index_name: String,
    /// A local secondary index.
    pub local: bool,
    /// The hash key's fields (indexes into the model's fields): one, or up to four for a
    /// global index's multi-attribute key.
    pub hash_keys: Vec<usize>,
    /// The range key's fields, in key order (none, one, or up to four).
    pub range_keys: Vec<usize>,
    pub projection: Projection,
    /// The generated struct of what a query on the index returns, when it does not hold
    /// every attribute (`OrderByCoupon`).
    pub projection_type: Option<String>,
    /// Provisioned capacity of a global index, when it gives its own.
    pub throughput: Option<Throughput>,
}

impl Model {
    /// The fields of what a query on `index` returns when it does not hold every
    /// attribute: the table's keys, the index's keys and the included fields, in spec
    /// order; keys are always there.
    pub fn projected_fields(&self, index: &Index) -> Vec<Field> {
        let keys: Vec<usize> = [Some(self.hash_key), self.range_key]
            .into_iter()
            .flatten()
            .chain(index.hash_keys.iter().chain(&index.range_keys).copied())
            .collect();
        let included: &[usize] = match &index.projection {
            Projection::Include(fields) => fields,
            _ => &[],
        };
        self.fields
            .iter()
            .enumerate()
            .filter(|(i, _)| keys.contains(i) || included.contains(i))
            .map(|(i, f)| {
                let mut f = f.clone();
                if keys.contains(&i) {
                    f.required = true;
                    f.default = None;
                }
                f
            })
            .collect()
    }
}

/// What an index holds besides the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    All,
    KeysOnly,
    /// Indexes into the model's fields.
    Include(Vec<usize>),
}

impl Model {
    /// Whether its table is encrypted client-side (its writes go through the encryption
    /// SDK: signed attributes are written whole, never by an update expression).
    pub fn encrypted_table(&self) -> bool {
        !self.crypto.is_empty()
    }

    pub fn hash(&self) -> &Field {
        &self.fields[self.hash_key]
    }
    pub fn range(&self) -> Option<&Field> {
        self.range_key.map(|i| &self.fields[i])
    }
    /// The key fields in order (hash, then range); for an entity, the placeholder fields
    /// of its primary-key templates, each once, in template order.
    pub fn key_fields(&self) -> Vec<&Field> {
        if let Some(e) = &self.entity {
            let mut seen: Vec<usize> = Vec::new();
            for f in e.primary().flat_map(Template::fields) {
                if !seen.contains(&f) {
                    seen.push(f);
                }
            }
            return seen.into_iter().map(|i| &self.fields[i]).collect();
        }
        let mut v = vec![self.hash()];
        v.extend(self.range());
        v
    }

    /// Whether field `i` is a key field (a placeholder of an entity's primary key).
    pub fn is_key_field(&self, i: usize) -> bool {
        match &self.entity {
            Some(e) => e.primary().any(|t| t.fields().any(|f| f == i)),
            None => i == self.hash_key || Some(i) == self.range_key,
        }
    }
    /// The version field, if the model has one.
    pub fn version_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.version)
    }
    /// The TTL field, if the model has one.
    pub fn ttl_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.ty.kind == Kind::Ttl)
    }
    pub fn key_name(&self) -> String {
        format!("{}Key", self.name)
    }
    /// The type of the model's stream events (`UserChange`).
    pub fn change_name(&self) -> String {
        format!("{}Change", self.name)
    }
    /// The module as Rust code names it (`r#box` for the module in `box.rs`).
    pub fn module_path(&self) -> String {
        crate::ident::escaped(&self.module)
    }
}

impl Entity {
    /// The primary-key templates: partition, then sort.
    pub fn primary(&self) -> impl Iterator<Item = &Template> {
        std::iter::once(&self.hash).chain(&self.range)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throughput {
    Provisioned { read: i64, write: i64 },
    OnDemand,
}

/// A named field of a model or of a dict.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust field name as written in the spec (snake_case identifier, unescaped).
    pub name: String,
    /// DynamoDB attribute name (the `attribute` override or `name`).
    pub attribute: String,
    /// The attribute items were stored under before a rename (`renamed_from`): read when
    /// `attribute` is absent.
    pub renamed_from: Option<String>,
    pub required: bool,
    pub default: Option<Default>,
    pub doc: Option<String>,
    pub ty: Type,
    /// The version field of optimistic locking (`"version": true`; a top-level `int`,
    /// required, 0 by default, at least 0).
    pub version: bool,
    /// Set by its default or by code when the item is made, never by an update or a
    /// client (`"read_only": true`; a top-level scalar): its handle is `dm::ReadOnly`.
    pub read_only: bool,
    /// A placeholder of an entity's primary-key template: a key never changes, so its
    /// handle is `dm::ReadOnly` too (but input may give it).
    pub key: bool,
    /// Encrypted and signed client-side (`"encrypt": true`; a top-level field, never a
    /// key, index key, key-template placeholder, version or TTL): its handle builds no
    /// condition, filter or update.
    pub encrypt: bool,
    /// Whether the field is signed when its model's table is encrypted (`"signed": false`
    /// makes it the SDK's DoNothing: updated in place, e.g. a counter).
    pub signed: bool,
    /// Extra attributes on the struct field (the generator's `field_attribute`).
    pub attributes: Vec<String>,
}

/// What the AWS Database Encryption SDK does with one attribute of an encrypted table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CryptoAction {
    EncryptAndSign,
    SignOnly,
    DoNothing,
}

impl CryptoAction {
    /// The runtime's variant (`dm::CryptoAction::SignOnly`).
    pub fn variant(self) -> &'static str {
        match self {
            CryptoAction::EncryptAndSign => "EncryptAndSign",
            CryptoAction::SignOnly => "SignOnly",
            CryptoAction::DoNothing => "DoNothing",
        }
    }

    /// How the spec says it (`"encrypt": true`, signed, `"signed": false`).
    pub fn spec_words(self) -> &'static str {
        match self {
            CryptoAction::EncryptAndSign => "encrypted (\"encrypt\": true)",
            CryptoAction::SignOnly => "signed",
            CryptoAction::DoNothing => "unsigned (\"signed\": false)",
        }
    }
}

impl Field {
    /// Whether the struct holds `Option<T>` for this field. Lists, dicts, maps and sets
    /// are always present (an empty collection stands for "nothing"), like dynamongo, and
    /// so is a field with a default: it always has a value (an item stored without the
    /// attribute reads as the default, as the seed reads it).
    pub fn is_optional(&self) -> bool {
        !self.required && self.default.is_none() && !self.ty.kind.always_present()
    }

    /// Whether a required value may still be empty and must be refused (text, binary).
    pub fn refuses_empty(&self) -> bool {
        self.required && (self.ty.kind.is_text() || self.ty.kind == Kind::Binary)
    }

    /// Whether values of this field have rules to check (declared as a `Rules` constant).
    pub fn has_rules(&self) -> bool {
        self.refuses_empty() || self.ty.has_rules()
    }

    /// Whether a value must be passed to the constructor (no default, no empty form).
    pub fn needs_arg(&self) -> bool {
        self.default.is_none()
            && !self.is_optional()
            && match &self.ty.kind {
                Kind::Dict(d) => d.fields.iter().any(Field::needs_arg),
                k => !k.always_present(),
            }
    }
}

impl Type {
    /// Whether the spec gives rules for values of this type (or of its elements); a text
    /// format (email, url, ip_address) counts as a rule.
    pub fn has_rules(&self) -> bool {
        !self.rules.is_empty()
            || matches!(self.kind, Kind::Email | Kind::Url | Kind::IpAddress)
            || matches!(&self.kind, Kind::List(t) | Kind::Map(t) if t.has_rules())
    }
}

/// A type with the rules that apply to its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    pub kind: Kind,
    pub rules: Rules,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Int,
    Float,
    Boolean,
    String,
    Email,
    Url,
    Uuid,
    IpAddress,
    DateTime,
    /// A `DateTime<Utc>` stored as N epoch seconds for DynamoDB's Time to Live (one
    /// top-level field per model, never a key).
    Ttl,
    Date,
    Timedelta,
    List(Box<Type>),
    Dict(Dict),
    StringSet,
    NumberSet,
    Binary,
    BinarySet,
    Map(Box<Type>),
    Enum(Enum),
}

impl Kind {
    pub fn always_present(&self) -> bool {
        matches!(
            self,
            Kind::List(_)
                | Kind::Dict(_)
                | Kind::Map(_)
                | Kind::StringSet
                | Kind::NumberSet
                | Kind::BinarySet
        )
    }

    /// Text types: stored as S, have lengths, regexes and `begins_with`.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Kind::String | Kind::Email | Kind::Url | Kind::IpAddress
        )
    }

    /// Whether the Rust type is `Copy` (so it is not `.clone()`d).
    pub fn is_copy(&self) -> bool {
        matches!(
            self,
            Kind::Int
                | Kind::Float
                | Kind::Boolean
                | Kind::Uuid
                | Kind::DateTime
                | Kind::Ttl
                | Kind::Date
                | Kind::Timedelta
                | Kind::Enum(_)
        )
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Kind::Int | Kind::Float)
    }

    /// The DynamoDB scalar type letter when this kind can be a key attribute.
    pub fn key_type(&self) -> Option<&'static str> {
        match self {
            Kind::Int | Kind::Float | Kind::Timedelta => Some("N"),
            Kind::String
            | Kind::Email
            | Kind::Url
            | Kind::Uuid
            | Kind::IpAddress
            | Kind::DateTime
            | Kind::Date
            | Kind::Enum(_) => Some("S"),
            Kind::Binary => Some("B"),
            _ => None,
        }
    }

    pub fn spec_name(&self) -> &'static str {
        match self {
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Boolean => "boolean",
            Kind::String => "string",
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Uuid => "uuid",
            Kind::IpAddress => "ip_address",
            Kind::DateTime => "datetime",
            Kind::Ttl => "ttl",
            Kind::Date => "date",
            Kind::Timedelta => "timedelta",
            Kind::List(_) => "list",
            Kind::Dict(_) => "dict",
            Kind::StringSet => "string_set",
            Kind::NumberSet => "number_set",
            Kind::Binary => "binary",
            Kind::BinarySet => "binary_set",
            Kind::Map(_) => "map",
            Kind::Enum(_) => "enum",
        }
    }
}

/// A dict: a nested struct with its own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Dict {
    /// Rust type name of the nested struct.
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
    /// Extra attributes on the dict's struct (the generator's `type_attribute`).
    pub attributes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub name: String,
    pub doc: Option<String>,
    /// (Rust variant name, stored string).
    pub variants: Vec<(String, String)>,
    /// (a value items were stored with that the enum no longer has, the variant it reads
    /// as): the spec's `aliases`.
    pub aliases: Vec<(String, String)>,
}

/// Value rules from the spec. Numbers are kept as written (f64 for floats, i64 for ints).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rules {
    pub min_value: Option<Number>,
    pub max_value: Option<Number>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub regex: Option<String>,
    pub choices: Option<Vec<Literal>>,
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// A constant of a field's type, already checked against it.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Text of a string-like, uuid, datetime, date or enum value (normalised).
    Text(String),
    /// Seconds of a timedelta.
    Seconds(i64),
    List(Vec<Literal>),
    StrSet(Vec<String>),
    NumSet(Vec<i64>),
    Map(Vec<(String, Literal)>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Default {
    Value(Literal),
    /// `"now"` on a datetime.
    Now,
    /// `"today"` on a date.
    Today,
    /// `"uuid4"` on a uuid.
    Uuid4,
    /// `"uuid7"` on a uuid: time-ordered (RFC 9562), so ids sort by creation time.
    Uuid7,
}
