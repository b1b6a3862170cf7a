//! Reading spec files into the validated IR: JSON syntax → JSON Schema → semantic checks.
//! Every error of every file is collected; the IR is returned only when there are none.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use serde_json::{Map, Value};

use crate::error::{pointer_segment, SpecError};
use crate::ident;

mod crypto;
mod indexes;
mod keyspace;
mod tables;
use crate::ir::{self, Default, Kind, Literal, Number, Rules, Throughput, Type};

/// The JSON Schema every spec must satisfy (also shipped for editors via `$schema`).
pub const SCHEMA: &str = include_str!("../schema/model.schema.json");

/// A spec file's text, with the name it is reported under.
pub struct Source {
    pub name: String,
    pub text: String,
}

/// What a spec set holds once checked: its models (entities among them) and its table
/// files.
#[derive(Debug, Clone, PartialEq)]
pub struct Specs {
    pub models: Vec<ir::Model>,
    pub tables: Vec<ir::Table>,
}

/// Parse and check all sources together (names and tables must be unique across them;
/// entities are checked against their table files).
pub fn parse_all(sources: &[Source]) -> Result<Specs, Vec<SpecError>> {
    let validator = match serde_json::from_str::<Value>(SCHEMA)
        .map_err(|e| e.to_string())
        .and_then(|s| jsonschema::validator_for(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![SpecError::at(
                "model.schema.json",
                "",
                format!("the built-in schema is broken: {e}"),
            )])
        }
    };
    let mut errors = Vec::new();
    let vocabulary = schema_keys();
    // JSON and schema first; table files before models, which are checked against them.
    let mut read: Vec<(&Source, Value, Vec<SpecError>)> = Vec::new();
    for source in sources {
        match serde_json::from_str::<Value>(&source.text) {
            Ok(value) => {
                let schema_errors: Vec<SpecError> = validator
                    .iter_errors(&value)
                    .flat_map(|e| schema_error(&source.name, &e, &vocabulary))
                    .collect();
                read.push((source, value, schema_errors));
            }
            Err(e) => errors.push(SpecError {
                file: source.name.clone(),
                pointer: String::new(),
                position: Some((e.line(), e.column())),
                message: format!("invalid JSON: {e}"),
            }),
        }
    }
    let is_table = |v: &Value| v.is_object() && v.get("model").is_none();
    // Tables named by any file, valid or not: an entity of a table file that has errors
    // of its own, or a table file whose entities have, is not reported again.
    let named = |model: bool| -> Vec<String> {
        read.iter()
            .filter(|(_, v, _)| is_table(v) != model && (!model || v.get("keys").is_some()))
            .filter_map(|(_, v, _)| v.get("table").and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    let (declared, used) = (named(false), named(true));
    let mut tables: Vec<ir::Table> = Vec::new();
    let mut models = Vec::new();
    for pass_tables in [true, false] {
        for (source, value, schema_errors) in &read {
            if is_table(value) != pass_tables {
                continue;
            }
            // The file's own checks run too, so that a schema error does not hide the
            // rest; their errors inside a part the schema refused are left out (they
            // would only repeat it).
            let mut own = Vec::new();
            let mut cx = Cx {
                file: &source.name,
                errors: &mut own,
            };
            if pass_tables {
                let table = cx.table_file(value);
                if schema_errors.is_empty() {
                    tables.extend(table);
                }
            } else {
                let model = cx.model(value, &tables, &declared);
                if schema_errors.is_empty() {
                    models.extend(model);
                }
            }
            own.retain(|o| {
                !schema_errors.iter().any(|s| {
                    let (a, b) = (o.pointer.as_str(), s.pointer.as_str());
                    a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
                })
            });
            errors.extend(schema_errors.iter().cloned());
            errors.extend(own);
        }
    }
    check_unique(&models, &tables, &mut errors);
    tables::check_tables(&mut tables, &models, &used, &mut errors);
    crypto::check(&mut models, &tables, &mut errors);
    // Every entity knows its table's TTL attribute (its `create_table` enables it).
    for m in &mut models {
        if let Some(e) = &mut m.entity {
            e.table_ttl = tables
                .iter()
                .find(|t| t.name == m.table)
                .and_then(|t| t.ttl.clone());
        }
    }
    // What their items cost: derived once, from the checked models.
    for m in &mut models {
        m.sizes = crate::cost::sizes(m);
    }
    let collection_sizes: Vec<Vec<crate::cost::Bytes>> = tables
        .iter()
        .map(|t| {
            t.collections
                .iter()
                .map(|c| crate::cost::collection(c, t, &models))
                .collect()
        })
        .collect();
    for (t, sizes) in tables.iter_mut().zip(collection_sizes) {
        for (c, b) in t.collections.iter_mut().zip(sizes) {
            c.sizes = b;
        }
    }
    if errors.is_empty() {
        Ok(Specs { models, tables })
    } else {
        Err(errors)
    }
}

/// The spec's `throughput` (8/8 when absent, like dynamongo).
pub(crate) fn throughput(obj: &Map<String, Value>) -> Throughput {
    match obj.get("throughput") {
        None => Throughput::Provisioned { read: 8, write: 8 },
        Some(Value::String(_)) => Throughput::OnDemand,
        Some(t) => Throughput::Provisioned {
            read: t["read_units"].as_i64().unwrap_or(8),
            write: t["write_units"].as_i64().unwrap_or(8),
        },
    }
}

/// One schema violation in the words a spec's author needs: an unknown key located at the
/// key itself, and a misspelt key or value with the closest one the schema knows.
fn schema_error(
    file: &str,
    e: &jsonschema::ValidationError<'_>,
    vocabulary: &[String],
) -> Vec<SpecError> {
    use jsonschema::error::ValidationErrorKind as Kind;
    let at = e.instance_path().to_string();
    match e.kind() {
        Kind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                SpecError::at(
                    file,
                    &format!("{at}/{escaped}"),
                    format!("unknown key `{key}`{}", did_you_mean(key, vocabulary)),
                )
            })
            .collect(),
        Kind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|o| {
                    o.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let message = match e.instance().as_str() {
                Some(got) => format!(
                    "`{got}` is not one of {}{}",
                    list(&allowed),
                    did_you_mean(got, &allowed)
                ),
                None => format!("does not match the model schema: {e}"),
            };
            vec![SpecError::at(file, &at, message)]
        }
        _ => vec![SpecError::at(
            file,
            &at,
            format!("does not match the model schema: {e}"),
        )],
    }
}

/// `"a", "b" or "c"`.
pub(crate) fn list(options: &[String]) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "the allowed values".to_string(),
    }
}

/// `; did you mean `string_set`?` when a known word is close to `got`.
pub(crate) fn did_you_mean(got: &str, known: &[String]) -> String {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(got, k), k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

/// Every key the schema names (its `properties`, at any depth): what a misspelt key is
/// compared with.
fn schema_keys() -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::Object(props)) = o.get("properties") {
                    out.extend(props.keys().cloned());
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(schema) = serde_json::from_str::<Value>(SCHEMA) {
        walk(&schema, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn check_unique(models: &[ir::Model], table_files: &[ir::Table], errors: &mut Vec<SpecError>) {
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    // Module name → what is written there ("the table file x.json").
    let mut modules: BTreeMap<&str, String> = BTreeMap::new();
    let mut tables: BTreeMap<&str, &str> = BTreeMap::new();
    for t in table_files {
        if let Some(other) = tables.insert(&t.name, &t.source) {
            errors.push(SpecError::at(
                &t.source,
                "/table",
                format!("table `{}` is also defined by {other}", t.name),
            ));
        }
        if let Some(other) = modules.insert(&t.module, format!("the table file {}", t.source)) {
            errors.push(SpecError::at(
                &t.source,
                "/table",
                format!(
                    "table `{}` would be written to `{}.rs`, as is {other}",
                    t.name, t.module
                ),
            ));
        }
    }
    for m in models {
        if let Some(other) = names.insert(&m.name, &m.source) {
            errors.push(SpecError::at(
                &m.source,
                "/model",
                format!("model name `{}` is also used by {other}", m.name),
            ));
        } else if let Some(other) = modules.insert(&m.module, format!("the model of {}", m.source))
        {
            errors.push(SpecError::at(
                &m.source,
                "/model",
                format!(
                    "model `{}` would be written to `{}.rs`, as is {other}",
                    m.name, m.module
                ),
            ));
        }
        if m.entity.is_some() {
            continue;
        }
        if let Some(other) = tables.insert(&m.table, &m.source) {
            errors.push(SpecError::at(
                &m.source,
                "/table",
                format!("table `{}` is also used by {other}", m.table),
            ));
        }
    }
}

pub(crate) struct Cx<'a> {
    file: &'a str,
    errors: &'a mut Vec<SpecError>,
}

/// What the index checks need of the table.
pub(crate) struct TableKeys {
    pub hash: usize,
    pub range: Option<usize>,
    pub throughput: Throughput,
}

pub(crate) fn str_of<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    obj.get(key).and_then(Value::as_str)
}

impl Cx<'_> {
    pub(crate) fn err(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(SpecError::at(self.file, pointer, message));
    }

    fn model(
        &mut self,
        value: &Value,
        tables: &[ir::Table],
        declared: &[String],
    ) -> Option<ir::Model> {
        let obj = value.as_object()?;
        let before = self.errors.len();
        let name = str_of(obj, "model")?.to_string();
        if !ident::is_pascal_ident(&name) {
            self.err(
                "/model",
                format!("`{name}` is not a PascalCase Rust type name"),
            );
        }
        let module = ident::module_name(&name);
        let table = str_of(obj, "table")?.to_string();
        let doc = str_of(obj, "doc").map(str::to_string);
        let throughput = throughput(obj);
        let mut types = TypeNames::default();
        types.reserve_named(obj.get("fields"));
        let _ = types.claim(self, "/model", &name);
        let _ = types.claim(self, "/model", &format!("{name}Key"));
        // The stream's event type is claimed before any derived name (a field `change`'s
        // dict or enum is then named otherwise); an entity's stream is its table's.
        let streamed = if obj.contains_key("keys") {
            let table = str_of(obj, "table");
            tables
                .iter()
                .any(|t| Some(t.name.as_str()) == table && t.stream.is_some())
        } else {
            obj.contains_key("stream")
        };
        if streamed {
            let _ = types.claim(self, "/stream", &format!("{name}Change"));
        }
        let mut fields = self.fields(obj.get("fields")?, "/fields", &name, &mut types);
        for (what, is) in [
            (
                "version field (\"version\": true)",
                (|f: &ir::Field| f.version) as fn(&ir::Field) -> bool,
            ),
            ("`ttl` field", |f: &ir::Field| f.ty.kind == Kind::Ttl),
        ] {
            let mut found = fields.iter().filter(|f| is(f));
            if let (Some(first), Some(second)) = (found.next(), found.next()) {
                self.err(
                    &format!("/fields/{}", pointer_segment(&second.name)),
                    format!(
                        "a model has at most one {what}; `{}` is one already",
                        first.name
                    ),
                );
            }
        }

        if obj.contains_key("keys") {
            return self.entity_model(obj, name, module, doc, fields, (tables, declared), before);
        }
        let hash_name = str_of(obj, "hash_key")?;
        let hash_key = self.key(&mut fields, hash_name, "/hash_key", "hash");
        let range_key = match str_of(obj, "range_key") {
            Some(r) if r == hash_name => {
                self.err(
                    "/range_key",
                    format!("range key `{r}` is also the hash key"),
                );
                None
            }
            Some(r) => self.key(&mut fields, r, "/range_key", "range"),
            None => None,
        };
        let stream = match str_of(obj, "stream") {
            None => None,
            Some(view) => {
                let v = ir::StreamView::from_spec(view);
                if v.is_none() {
                    self.err(
                        "/stream",
                        format!("unknown stream view `{view}`; one of keys_only, new_image, old_image, new_and_old_images"),
                    );
                }
                v
            }
        };
        let indexes = match (obj.get("indexes"), hash_key) {
            (Some(Value::Object(specs)), Some(hash)) => {
                let table_keys = TableKeys {
                    hash,
                    range: range_key,
                    throughput,
                };
                self.indexes(specs, &fields, table_keys, &name, &mut types)
            }
            _ => Vec::new(),
        };
        crypto::check_model(
            self,
            &crypto::Shape {
                fields: &fields,
                hash: hash_key,
                range: range_key,
                indexes: &indexes,
                entity: None,
            },
        );
        if self.errors.len() != before {
            return None;
        }
        Some(ir::Model {
            source: self.file.to_string(),
            name,
            module,
            table,
            doc,
            hash_key: hash_key?,
            range_key,
            throughput,
            fields,
            indexes,
            stream,
            serde: false,
            runtime: crate::DEFAULT_RUNTIME_PATH.to_string(),
            attributes: Vec::new(),
            entity: None,
            upgrade: obj.get("upgrade").and_then(Value::as_bool) == Some(true),
            plaintext_items: obj.get("plaintext_items").and_then(Value::as_bool) == Some(true),
            sizes: crate::cost::Sizes::default(),
            crypto: Vec::new(),
        })
    }

    /// An entity of a single-table design: its keys are its table file's, rendered from
    /// its fields by the templates of `"keys"`.
    #[allow(clippy::too_many_arguments)]
    fn entity_model(
        &mut self,
        obj: &Map<String, Value>,
        name: String,
        module: String,
        doc: Option<String>,
        fields: Vec<ir::Field>,
        (tables, declared): (&[ir::Table], &[String]),
        before: usize,
    ) -> Option<ir::Model> {
        let table_name = str_of(obj, "table")?;
        let Some(table) = tables.iter().find(|t| t.name == table_name) else {
            if declared.iter().any(|d| d == table_name) {
                // Its table file has errors of its own, reported there.
                return None;
            }
            let known: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
            self.err(
                "/table",
                format!(
                    "no table file defines table `{table_name}` (an entity's \"table\" names a table file: a spec with \"table\" and no \"model\"){}",
                    did_you_mean(table_name, &known)
                ),
            );
            return None;
        };
        let entity = self.entity(obj, &name, &fields, table);
        if let Some(e) = &entity {
            crypto::check_model(
                self,
                &crypto::Shape {
                    fields: &fields,
                    hash: None,
                    range: None,
                    indexes: &[],
                    entity: Some(e),
                },
            );
        }
        if self.errors.len() != before {
            return None;
        }
        let entity = entity?;
        let mut fields = fields;
        for i in entity.primary().flat_map(ir::Template::fields) {
            fields[i].key = true;
        }
        let hash_key = entity.primary().flat_map(ir::Template::fields).next()?;
        Some(ir::Model {
            source: self.file.to_string(),
            name,
            module,
            table: table.name.clone(),
            doc,
            hash_key,
            range_key: None,
            throughput: table.throughput,
            fields,
            indexes: Vec::new(),
            stream: table.stream,
            serde: false,
            runtime: crate::DEFAULT_RUNTIME_PATH.to_string(),
            attributes: Vec::new(),
            entity: Some(entity),
            upgrade: obj.get("upgrade").and_then(Value::as_bool) == Some(true),
            plaintext_items: obj.get("plaintext_items").and_then(Value::as_bool) == Some(true),
            sizes: crate::cost::Sizes::default(),
            crypto: Vec::new(),
        })
    }

    fn key(
        &mut self,
        fields: &mut [ir::Field],
        name: &str,
        pointer: &str,
        role: &str,
    ) -> Option<usize> {
        let Some(index) = fields.iter().position(|f| f.name == name) else {
            self.err(
                pointer,
                format!("{role} key `{name}` names no field in /fields"),
            );
            return None;
        };
        let field = &mut fields[index];
        if field.version {
            self.err(
                pointer,
                format!(
                    "{role} key `{name}` is the version field; a key never changes, a version does"
                ),
            );
            return None;
        }
        if field.ty.kind.key_type().is_none() {
            self.err(
                &format!("/fields/{}/type", pointer_segment(name)),
                format!(
                    "{role} key `{name}` has type `{}`; a key must be a string, number or binary scalar",
                    field.ty.kind.spec_name()
                ),
            );
            return None;
        }
        // Key attributes always exist: they are required whatever the spec says.
        field.required = true;
        Some(index)
    }

    fn fields(
        &mut self,
        value: &Value,
        pointer: &str,
        owner: &str,
        types: &mut TypeNames,
    ) -> Vec<ir::Field> {
        let Some(obj) = value.as_object() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut attributes: BTreeMap<String, String> = BTreeMap::new();
        let mut idents: BTreeSet<String> = BTreeSet::new();
        for (name, spec) in obj {
            let p = format!("{pointer}/{}", pointer_segment(name));
            if !ident::is_snake_ident(name) {
                self.err(
                    &p,
                    format!(
                        "field name `{name}` is not a snake_case Rust identifier; name the field \
                         in snake_case and keep the DynamoDB name with \"attribute\": {}",
                        serde_json::to_string(name).unwrap_or_default()
                    ),
                );
                continue;
            }
            if !idents.insert(ident::escaped(name)) {
                self.err(
                    &p,
                    format!(
                        "field `{name}` collides with another field once escaped as `{}`",
                        ident::escaped(name)
                    ),
                );
            }
            let Some(spec) = spec.as_object() else {
                continue;
            };
            let attribute = str_of(spec, "attribute").unwrap_or(name).to_string();
            if let Some(other) = attributes.insert(attribute.clone(), name.clone()) {
                self.err(
                    &p,
                    format!("attribute `{attribute}` is also used by field `{other}`"),
                );
            }
            let type_prefix = format!("{owner}{}", name.to_upper_camel_case());
            let Some(ty) = self.ty(spec, &p, &type_prefix, types) else {
                continue;
            };
            let required = spec
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let default = spec
                .get("default")
                .and_then(|d| self.default(d, &ty, &format!("{p}/default")));
            let version = spec.get("version").and_then(Value::as_bool) == Some(true);
            let read_only = spec.get("read_only").and_then(Value::as_bool) == Some(true);
            if read_only {
                if !is_model_field(&p) {
                    self.err(
                        &format!("{p}/read_only"),
                        "read_only is for fields of the model itself, not of a dict",
                    );
                } else if ty.kind.key_type().is_none()
                    && ty.kind != Kind::Ttl
                    && ty.kind != Kind::Boolean
                {
                    self.err(
                        &format!("{p}/read_only"),
                        format!(
                            "read_only is for scalar fields; `{name}` is a `{}`",
                            ty.kind.spec_name()
                        ),
                    );
                } else if version {
                    self.err(
                        &format!("{p}/read_only"),
                        "the version field is the server's already (every update adds one)",
                    );
                }
            }
            let encrypt = spec.get("encrypt").and_then(Value::as_bool) == Some(true);
            let signed = spec.get("signed").and_then(Value::as_bool) != Some(false);
            for (option, set) in [("encrypt", encrypt), ("signed", !signed)] {
                if set && !is_model_field(&p) {
                    self.err(
                        &format!("{p}/{option}"),
                        format!(
                            "{option} is for fields of the model itself, not of a dict: the \
                             encryption SDK encrypts and signs whole top-level attributes"
                        ),
                    );
                }
            }
            if encrypt && !signed {
                self.err(
                    &format!("{p}/signed"),
                    "an encrypted field is always signed; \"signed\": false is for plaintext \
                     fields updated in place (counters)",
                );
            }
            let renamed_from = str_of(spec, "renamed_from").map(str::to_string);
            if let Some(old) = &renamed_from {
                if *old == attribute {
                    self.err(
                        &format!("{p}/renamed_from"),
                        format!("`{old}` is the field's attribute already; renamed_from names the one items were stored under before"),
                    );
                } else if let Some(other) = obj.iter().find(|(n, f)| {
                    *n != name && f.get("attribute").and_then(Value::as_str).unwrap_or(n) == old
                }) {
                    self.err(
                        &format!("{p}/renamed_from"),
                        format!("`{old}` is the attribute of field `{}`; reading it as `{name}` would read that field", other.0),
                    );
                }
            }
            let mut field = ir::Field {
                name: name.clone(),
                attribute,
                renamed_from,
                required,
                default,
                doc: str_of(spec, "doc").map(str::to_string),
                ty,
                version,
                read_only,
                key: false,
                encrypt,
                signed,
                attributes: Vec::new(),
            };
            if version {
                self.version_field(&mut field, spec, &p);
            }
            out.push(field);
        }
        out
    }

    /// Checks a `"version": true` field and makes it what locking needs: a top-level `int`,
    /// always present, 0 for a copy never saved, never negative.
    fn version_field(&mut self, field: &mut ir::Field, spec: &Map<String, Value>, pointer: &str) {
        if !is_model_field(pointer) {
            self.err(
                &format!("{pointer}/version"),
                "the version is a field of the model itself, not of a dict",
            );
        }
        if field.ty.kind != Kind::Int {
            self.err(
                &format!("{pointer}/version"),
                format!(
                    "the version field `{}` has type `{}`; it must be an `int`",
                    field.name,
                    field.ty.kind.spec_name()
                ),
            );
        }
        for option in ["required", "default"] {
            if spec.contains_key(option) {
                self.err(
                    &format!("{pointer}/{option}"),
                    format!(
                        "the version field takes no \"{option}\": it is always there, 0 until the item is first saved"
                    ),
                );
            }
        }
        field.required = true;
        field.default = Some(Default::Value(Literal::Int(0)));
        field.ty.rules.min_value = Some(Number::Int(0));
    }

    /// The type at `pointer` (a field or an `items` object).
    fn ty(
        &mut self,
        spec: &Map<String, Value>,
        pointer: &str,
        type_name: &str,
        types: &mut TypeNames,
    ) -> Option<Type> {
        let type_str = str_of(spec, "type")?;
        let kind = match type_str {
            "int" => Kind::Int,
            "float" => Kind::Float,
            "boolean" => Kind::Boolean,
            "string" => Kind::String,
            "email" => Kind::Email,
            "url" => Kind::Url,
            "uuid" => Kind::Uuid,
            "ip_address" => Kind::IpAddress,
            "datetime" => Kind::DateTime,
            "ttl" => {
                if !is_model_field(pointer) {
                    self.err(
                        &format!("{pointer}/type"),
                        "a `ttl` is a field of the model itself, not of a dict, list or map",
                    );
                    return None;
                }
                Kind::Ttl
            }
            "date" => Kind::Date,
            "timedelta" => Kind::Timedelta,
            "string_set" => Kind::StringSet,
            "number_set" => Kind::NumberSet,
            "binary" => Kind::Binary,
            "binary_set" => Kind::BinarySet,
            "list" | "map" => {
                let Some(items) = spec.get("items").and_then(Value::as_object) else {
                    self.err(
                        pointer,
                        format!("a `{type_str}` needs \"items\": the type of its elements"),
                    );
                    return None;
                };
                let item_name = format!("{type_name}Item");
                let item = self.ty(items, &format!("{pointer}/items"), &item_name, types)?;
                if type_str == "list" {
                    Kind::List(Box::new(item))
                } else {
                    Kind::Map(Box::new(item))
                }
            }
            "dict" => {
                // A dict's struct and its handles' type (`<name>Fields`).
                let (name, fresh) = match str_of(spec, "name") {
                    Some(name) => (name.to_string(), self.type_name(name, pointer, types)),
                    None => (types.derive(type_name, "Dict", &["Fields"]), false),
                };
                let Some(fields) = spec.get("fields") else {
                    self.err(pointer, "a `dict` needs \"fields\"");
                    return None;
                };
                let fields = self.fields(fields, &format!("{pointer}/fields"), &name, types);
                if fresh {
                    types.claim(self, pointer, &format!("{name}Fields"));
                }
                Kind::Dict(ir::Dict {
                    name,
                    doc: str_of(spec, "doc").map(str::to_string),
                    fields,
                    attributes: Vec::new(),
                })
            }
            "enum" => {
                let name = match str_of(spec, "name") {
                    Some(name) => {
                        let _ = self.type_name(name, pointer, types);
                        name.to_string()
                    }
                    None => types.derive(type_name, "Enum", &[]),
                };
                let Some(values) = spec.get("values").and_then(Value::as_array) else {
                    self.err(pointer, "an `enum` needs \"values\": the strings it stores");
                    return None;
                };
                let mut variants: Vec<(String, String)> = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    let text = v.as_str().unwrap_or_default();
                    let vp = format!("{pointer}/values/{i}");
                    match ident::variant_name(text) {
                        None => self.err(
                            &vp,
                            format!(
                                "enum value `{text}` has no letters or digits to name a variant"
                            ),
                        ),
                        Some(variant) => {
                            if let Some((other, _)) =
                                variants.iter().find(|(o, s)| *o == variant || s == text)
                            {
                                self.err(
                                    &vp,
                                    format!(
                                        "enum value `{text}` collides with the variant `{other}`"
                                    ),
                                );
                            } else {
                                variants.push((variant, text.to_string()));
                            }
                        }
                    }
                }
                // Values items were stored with that the enum no longer has.
                let mut aliases = Vec::new();
                if let Some(Value::Object(map)) = spec.get("aliases") {
                    for (old, new) in map {
                        let ap = format!("{pointer}/aliases/{}", pointer_segment(old));
                        let new = new.as_str().unwrap_or_default();
                        if variants.iter().any(|(_, s)| s == old) {
                            self.err(&ap, format!("`{old}` is still a value of the enum; an alias names one it no longer has"));
                        } else if let Some((variant, _)) = variants.iter().find(|(_, s)| s == new) {
                            aliases.push((old.clone(), variant.clone()));
                        } else {
                            self.err(
                                &ap,
                                format!(
                                    "`{old}` is read as `{new}`, which is not a value of the enum"
                                ),
                            );
                        }
                    }
                }
                Kind::Enum(ir::Enum {
                    name,
                    doc: str_of(spec, "doc").map(str::to_string),
                    variants,
                    aliases,
                })
            }
            other => {
                self.err(
                    &format!("{pointer}/type"),
                    format!("unknown type `{other}`"),
                );
                return None;
            }
        };
        for option in ["items", "fields", "values", "aliases", "name"] {
            let allowed = match option {
                "items" => matches!(kind, Kind::List(_) | Kind::Map(_)),
                "fields" => matches!(kind, Kind::Dict(_)),
                "values" | "aliases" => matches!(kind, Kind::Enum(_)),
                _ => matches!(kind, Kind::Dict(_) | Kind::Enum(_)),
            };
            if !allowed && spec.contains_key(option) {
                self.err(
                    &format!("{pointer}/{option}"),
                    format!("\"{option}\" does not apply to a `{type_str}`"),
                );
            }
        }
        let rules = self.rules(spec, pointer, &kind);
        Some(Type { kind, rules })
    }

    fn type_name(&mut self, name: &str, pointer: &str, types: &mut TypeNames) -> bool {
        if !ident::is_pascal_ident(name) {
            self.err(
                &format!("{pointer}/name"),
                format!("`{name}` is not a PascalCase Rust type name"),
            );
        }
        types.claim(self, pointer, name)
    }

    fn rules(&mut self, spec: &Map<String, Value>, pointer: &str, kind: &Kind) -> Rules {
        let mut rules = Rules::default();
        let type_name = kind.spec_name();
        let number = |v: &Value| -> Option<Number> {
            match kind {
                Kind::Int => v.as_i64().map(Number::Int),
                _ => v.as_f64().map(Number::Float),
            }
        };
        for (key, slot) in [("min_value", 0), ("max_value", 1)] {
            let Some(v) = spec.get(key) else { continue };
            let p = format!("{pointer}/{key}");
            if !kind.is_number() {
                self.err(
                    &p,
                    format!("\"{key}\" applies to int and float fields, not to a `{type_name}`"),
                );
                continue;
            }
            match number(v) {
                Some(n) if slot == 0 => rules.min_value = Some(n),
                Some(n) => rules.max_value = Some(n),
                None => self.err(
                    &p,
                    format!("\"{key}\" of an int field must be a whole number, not {v}"),
                ),
            }
        }
        if let (Some(min), Some(max)) = (rules.min_value, rules.max_value) {
            if num(min) > num(max) {
                self.err(
                    &format!("{pointer}/min_value"),
                    format!(
                        "min_value {} is greater than max_value {}",
                        num(min),
                        num(max)
                    ),
                );
            }
        }
        let has_length = kind.is_text()
            || matches!(
                kind,
                Kind::List(_)
                    | Kind::Map(_)
                    | Kind::StringSet
                    | Kind::NumberSet
                    | Kind::Binary
                    | Kind::BinarySet
            );
        for (key, slot) in [("min_length", 0), ("max_length", 1)] {
            let Some(v) = spec.get(key).and_then(Value::as_u64) else {
                continue;
            };
            if !has_length {
                self.err(
                    &format!("{pointer}/{key}"),
                    format!("\"{key}\" does not apply to a `{type_name}`"),
                );
            } else if slot == 0 {
                rules.min_length = Some(v);
            } else {
                rules.max_length = Some(v);
            }
        }
        if let (Some(min), Some(max)) = (rules.min_length, rules.max_length) {
            if min > max {
                self.err(
                    &format!("{pointer}/min_length"),
                    format!("min_length {min} is greater than max_length {max}"),
                );
            }
        }
        if let Some(re) = str_of(spec, "regex") {
            let p = format!("{pointer}/regex");
            if !kind.is_text() {
                self.err(
                    &p,
                    format!("\"regex\" applies to text fields, not to a `{type_name}`"),
                );
            } else if let Err(e) = regex::Regex::new(re) {
                self.err(
                    &p,
                    format!("invalid regex: {}", e.to_string().replace('\n', " ")),
                );
            } else {
                rules.regex = Some(re.to_string());
            }
        }
        if let Some(choices) = spec.get("choices").and_then(Value::as_array) {
            let p = format!("{pointer}/choices");
            if !(kind.is_text() || kind.is_number()) {
                self.err(
                    &p,
                    format!(
                        "\"choices\" applies to text and number fields, not to a `{type_name}`"
                    ),
                );
            } else {
                let ty = Type {
                    kind: kind.clone(),
                    rules: Rules::default(),
                };
                let parsed: Vec<Literal> = choices
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| self.literal(c, &ty, &format!("{p}/{i}")))
                    .collect();
                rules.choices = Some(parsed);
            }
        }
        rules
    }

    fn default(&mut self, value: &Value, ty: &Type, pointer: &str) -> Option<Default> {
        match (&ty.kind, value.as_str()) {
            (Kind::DateTime, Some("now")) => return Some(Default::Now),
            (Kind::Date, Some("today")) => return Some(Default::Today),
            (Kind::Uuid, Some("uuid4")) => return Some(Default::Uuid4),
            (Kind::Uuid, Some("uuid7")) => return Some(Default::Uuid7),
            (Kind::Dict(_), _) => {
                self.err(
                    pointer,
                    "a `dict` takes its defaults from its fields; give them there",
                );
                return None;
            }
            (Kind::Binary | Kind::BinarySet | Kind::Ttl, _) => {
                self.err(
                    pointer,
                    format!("a `{}` cannot have a default", ty.kind.spec_name()),
                );
                return None;
            }
            _ => {}
        }
        let lit = self.literal(value, ty, pointer)?;
        self.check_rules(&lit, &ty.rules, pointer);
        Some(Default::Value(lit))
    }

    /// A default must also keep the field's own rules.
    fn check_rules(&mut self, lit: &Literal, rules: &Rules, pointer: &str) {
        let n = match lit {
            Literal::Int(i) => Some(*i as f64),
            Literal::Float(f) => Some(*f),
            _ => None,
        };
        if let (Some(n), Some(min)) = (n, rules.min_value) {
            if n < num(min) {
                self.err(
                    pointer,
                    format!("default {n} is below min_value {}", num(min)),
                );
            }
        }
        if let (Some(n), Some(max)) = (n, rules.max_value) {
            if n > num(max) {
                self.err(
                    pointer,
                    format!("default {n} is above max_value {}", num(max)),
                );
            }
        }
        if let Some(choices) = &rules.choices {
            if !choices.contains(lit) {
                self.err(pointer, "default is not one of the field's choices");
            }
        }
        if let (Literal::Text(t), Some(re)) = (lit, &rules.regex) {
            if regex::Regex::new(re)
                .map(|r| !r.is_match(t))
                .unwrap_or(false)
            {
                self.err(
                    pointer,
                    format!("default `{t}` does not match the field's regex"),
                );
            }
        }
    }

    /// A JSON constant checked against a type.
    fn literal(&mut self, value: &Value, ty: &Type, pointer: &str) -> Option<Literal> {
        let name = ty.kind.spec_name();
        let mismatch = |cx: &mut Self| {
            cx.err(pointer, format!("{value} is not a valid `{name}` value"));
            None
        };
        match (&ty.kind, value) {
            (Kind::Int, Value::Number(n)) => {
                n.as_i64().map(Literal::Int).or_else(|| mismatch(self))
            }
            (Kind::Float, Value::Number(n)) => {
                n.as_f64().map(Literal::Float).or_else(|| mismatch(self))
            }
            (Kind::Timedelta, Value::Number(n)) => {
                n.as_i64().map(Literal::Seconds).or_else(|| mismatch(self))
            }
            (Kind::Boolean, Value::Bool(b)) => Some(Literal::Bool(*b)),
            (Kind::String, Value::String(s)) => Some(Literal::Text(s.clone())),
            (Kind::Email, Value::String(s)) if looks_like_email(s) => {
                Some(Literal::Text(s.clone()))
            }
            (Kind::Url, Value::String(s)) if s.contains("://") => Some(Literal::Text(s.clone())),
            (Kind::IpAddress, Value::String(s)) if s.parse::<std::net::IpAddr>().is_ok() => {
                Some(Literal::Text(s.clone()))
            }
            (Kind::Uuid, Value::String(s)) => match uuid::Uuid::parse_str(s) {
                Ok(u) => Some(Literal::Text(u.hyphenated().to_string())),
                Err(_) => mismatch(self),
            },
            (Kind::DateTime, Value::String(s)) => match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(d) => Some(Literal::Text(d.with_timezone(&chrono::Utc).to_rfc3339())),
                Err(_) => mismatch(self),
            },
            (Kind::Date, Value::String(s)) => {
                match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => Some(Literal::Text(d.format("%Y-%m-%d").to_string())),
                    Err(_) => mismatch(self),
                }
            }
            (Kind::Enum(e), Value::String(s)) if e.variants.iter().any(|(_, v)| v == s) => {
                Some(Literal::Text(s.clone()))
            }
            (Kind::List(item), Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, v) in items.iter().enumerate() {
                    out.push(self.literal(v, item, &format!("{pointer}/{i}"))?);
                }
                Some(Literal::List(out))
            }
            (Kind::StringSet, Value::Array(items)) => {
                let set: Option<BTreeSet<String>> = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect();
                set.map(|s| Literal::StrSet(s.into_iter().collect()))
                    .or_else(|| mismatch(self))
            }
            (Kind::NumberSet, Value::Array(items)) => {
                let set: Option<BTreeSet<i64>> = items.iter().map(Value::as_i64).collect();
                set.map(|s| Literal::NumSet(s.into_iter().collect()))
                    .or_else(|| mismatch(self))
            }
            (Kind::Map(item), Value::Object(entries)) => {
                let mut out = Vec::new();
                for (k, v) in entries {
                    out.push((
                        k.clone(),
                        self.literal(v, item, &format!("{pointer}/{}", pointer_segment(k)))?,
                    ));
                }
                Some(Literal::Map(out))
            }
            _ => mismatch(self),
        }
    }
}

/// The same loose check the runtime applies (local@domain.tld).
/// Whether `pointer` is a field of the model itself (`/fields/<name>`, one segment deep)
/// rather than of a dict or a collection's items.
fn is_model_field(pointer: &str) -> bool {
    pointer
        .strip_prefix("/fields/")
        .is_some_and(|rest| !rest.contains('/'))
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

fn num(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    }
}

/// The Rust type names one model module defines, to catch collisions: those claimed so
/// far, and the names the spec gives its dicts and enums (`"name"`), which derived names
/// keep clear of wherever they are declared.
#[derive(Default)]
pub(crate) struct TypeNames(BTreeSet<String>, BTreeSet<String>);

impl TypeNames {
    /// A name for a type the spec does not name (a dict or enum after its field, an
    /// index's projection after the index): `base` when it and `base` + each of `with` are
    /// free, else `base` + `kind` (`AlphaChangeDict` where the stream has `AlphaChange`),
    /// else numbered; all of them claimed. A schema-valid spec never meets a collision
    /// here, only the names the spec gives can.
    pub(crate) fn derive(&mut self, base: &str, kind: &str, with: &[&str]) -> String {
        let taken = |n: &str| self.0.contains(n) || self.1.contains(n);
        let free = |n: &str| !taken(n) && with.iter().all(|w| !taken(&format!("{n}{w}")));
        let mut name = base.to_string();
        let mut n = 1;
        while !free(&name) {
            n += 1;
            name = if n == 2 {
                format!("{base}{kind}")
            } else {
                format!("{base}{kind}{n}")
            };
        }
        self.0.insert(name.clone());
        for w in with {
            self.0.insert(format!("{name}{w}"));
        }
        name
    }

    /// Notes every name the spec gives a dict or enum (and a dict's handles' type), at any
    /// depth of `fields`.
    pub(crate) fn reserve_named(&mut self, fields: Option<&Value>) {
        fn walk(v: &Value, out: &mut BTreeSet<String>) {
            match v {
                Value::Object(o) => {
                    let ty = o.get("type").and_then(Value::as_str);
                    if let (Some(t @ ("dict" | "enum")), Some(name)) =
                        (ty, o.get("name").and_then(Value::as_str))
                    {
                        out.insert(name.to_string());
                        if t == "dict" {
                            out.insert(format!("{name}Fields"));
                        }
                    }
                    o.values().for_each(|x| walk(x, out));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        if let Some(f) = fields {
            walk(f, &mut self.1);
        }
    }

    pub(crate) fn claim(&mut self, cx: &mut Cx<'_>, pointer: &str, name: &str) -> bool {
        let fresh = self.0.insert(name.to_string());
        if !fresh {
            cx.err(
                pointer,
                format!("type name `{name}` is generated twice in this model; set \"name\" to tell them apart"),
            );
        }
        fresh
    }
}
