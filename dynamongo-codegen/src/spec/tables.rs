//! Single-table design (DESIGN §10): table files, entities' key templates, and the checks
//! across a table's entities (keys proven distinct, collections' shared partitions,
//! unique entity names, one TTL attribute), every mistake located.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value};

use super::{did_you_mean, keyspace, str_of, Cx};
use crate::error::{pointer_segment, SpecError};
use crate::ident;
use crate::ir::{self, Format, Kind, Part, Template, Throughput};

/// Widest zero-padded int a key holds (i64's digits).
const MAX_WIDTH: usize = 18;

impl Cx<'_> {
    /// A table file (`"table"` without `"model"`).
    pub(crate) fn table_file(&mut self, value: &Value) -> Option<ir::Table> {
        let obj = value.as_object()?;
        let before = self.errors.len();
        let name = str_of(obj, "table")?.to_string();
        let module = ident::module_name(&name);
        if module.is_empty() || !ident::is_snake_ident(&module) {
            self.err(
                "/table",
                format!("table `{name}` gives no Rust module name (its snake_case is `{module}`)"),
            );
        }
        let hash_key = str_of(obj, "hash_key")?.to_string();
        let range_key = str_of(obj, "range_key").map(str::to_string);
        if range_key.as_deref() == Some(hash_key.as_str()) {
            self.err(
                "/range_key",
                format!("range key `{hash_key}` is also the hash key"),
            );
        }
        let entity_attribute = str_of(obj, "entity_attribute")
            .unwrap_or("entity")
            .to_string();
        let mut key_attrs: Vec<String> = std::iter::once(hash_key.clone())
            .chain(range_key.clone())
            .collect();
        if key_attrs.contains(&entity_attribute) {
            self.err(
                "/entity_attribute",
                format!(
                    "`{entity_attribute}` is a key attribute; the entity attribute must be another"
                ),
            );
        }
        let throughput = super::throughput(obj);
        let mut indexes = Vec::new();
        if let Some(Value::Object(specs)) = obj.get("indexes") {
            for (index_name, spec) in specs {
                let p = format!("/indexes/{}", pointer_segment(index_name));
                let Some(spec) = spec.as_object() else {
                    continue;
                };
                let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
                if !(3..=255).contains(&index_name.len()) || !index_name.chars().all(allowed) {
                    self.err(
                        &p,
                        format!("index name `{index_name}`: DynamoDB wants 3 to 255 letters, digits, `_`, `.` or `-`"),
                    );
                }
                let local = spec.get("local").and_then(Value::as_bool) == Some(true);
                let r = str_of(spec, "range_key");
                let listed = |key: &str| {
                    spec.get(key).and_then(Value::as_array).map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect::<Vec<String>>()
                    })
                };
                let own = spec.get("throughput").map(|t| Throughput::Provisioned {
                    read: t["read_units"].as_i64().unwrap_or(8),
                    write: t["write_units"].as_i64().unwrap_or(8),
                });
                if own.is_some() && throughput == Throughput::OnDemand {
                    self.err(
                        &format!("{p}/throughput"),
                        "an on-demand table's indexes are on demand too: leave out their throughput",
                    );
                }
                if local && listed("range_key").is_some() {
                    self.err(
                        &format!("{p}/range_key"),
                        "a local index sorts by one attribute (multi-attribute keys are for global indexes)",
                    );
                    continue;
                }
                // Lists of attributes: a multi-attribute key of the entities' own attributes.
                if let (Some(hash), false) = (listed("hash_key"), local) {
                    let range = match spec.get("range_key") {
                        None => Vec::new(),
                        Some(_) => match listed("range_key") {
                            Some(range) => range,
                            None => {
                                self.err(
                                    &format!("{p}/range_key"),
                                    "the hash key lists the entities' own attributes, so the range key lists them too (`[\"created_at\"]`)",
                                );
                                continue;
                            }
                        },
                    };
                    let mut seen: Vec<&String> = Vec::new();
                    for (k, attr) in hash.iter().chain(&range).enumerate() {
                        let at = format!("{p}/{}", natural_key_pointer(k, hash.len()));
                        if *attr == entity_attribute {
                            self.err(&at, format!("`{attr}` is the entity attribute; an index key attribute must be another"));
                        } else if seen.contains(&attr) {
                            self.err(
                                &at,
                                format!("`{attr}` comes twice in the keys of index `{index_name}`"),
                            );
                        }
                        seen.push(attr);
                    }
                    let typed = |attrs: &[String]| attrs.iter().map(|a| (a.clone(), "S")).collect();
                    indexes.push(ir::TableIndex {
                        name: index_name.clone(),
                        local: false,
                        hash_key: hash[0].clone(),
                        range_key: range.first().cloned(),
                        throughput: own,
                        natural: Some(ir::NaturalKey {
                            hash: typed(&hash),
                            range: typed(&range),
                        }),
                    });
                    continue;
                }
                if local {
                    // The table's hash key, a range key of its own, no capacity of its own.
                    for (option, why) in [
                        ("hash_key", "a local index has the table's hash key"),
                        ("throughput", "a local index uses the table's capacity"),
                    ] {
                        if spec.contains_key(option) {
                            self.err(&format!("{p}/{option}"), why);
                        }
                    }
                    let Some(r) = r else {
                        self.err(
                            &p,
                            format!("local index `{index_name}` needs \"range_key\""),
                        );
                        continue;
                    };
                    if r == entity_attribute || r == hash_key || Some(r) == range_key.as_deref() {
                        self.err(
                            &format!("{p}/range_key"),
                            format!("`{r}` is a key or the entity attribute of the table; a local index sorts by an attribute of its own"),
                        );
                    } else if !key_attrs.iter().any(|k| k == r) {
                        key_attrs.push(r.to_string());
                    }
                    indexes.push(ir::TableIndex {
                        name: index_name.clone(),
                        local: true,
                        hash_key: hash_key.to_string(),
                        range_key: Some(r.to_string()),
                        throughput: None,
                        natural: None,
                    });
                    continue;
                }
                let Some(h) = str_of(spec, "hash_key") else {
                    self.err(
                        &p,
                        format!("global index `{index_name}` needs \"hash_key\""),
                    );
                    continue;
                };
                for (attr, at) in
                    std::iter::once((h, "hash_key")).chain(r.map(|r| (r, "range_key")))
                {
                    if attr == entity_attribute {
                        self.err(
                            &format!("{p}/{at}"),
                            format!("`{attr}` is the entity attribute; an index key attribute must be another"),
                        );
                    } else if !key_attrs.iter().any(|k| k == attr) {
                        key_attrs.push(attr.to_string());
                    } else if attr == hash_key || Some(attr) == range_key.as_deref() {
                        self.err(
                            &format!("{p}/{at}"),
                            format!("`{attr}` is a key attribute of the table; give the index attributes of its own (an overloaded GSI's `gsi1pk`)"),
                        );
                    }
                }
                if Some(h) == r {
                    self.err(
                        &format!("{p}/range_key"),
                        format!("range key `{h}` is also the hash key"),
                    );
                }
                indexes.push(ir::TableIndex {
                    name: index_name.clone(),
                    local: false,
                    hash_key: h.to_string(),
                    range_key: r.map(str::to_string),
                    throughput: own,
                    natural: None,
                });
            }
            // A natural index's attributes are fields, never rendered keys.
            for i in &indexes {
                let Some(n) = &i.natural else { continue };
                for (k, (attr, _)) in n.hash.iter().chain(&n.range).enumerate() {
                    if key_attrs.contains(attr) {
                        let at = natural_key_pointer(k, n.hash.len());
                        self.err(
                            &format!("/indexes/{}/{at}", pointer_segment(&i.name)),
                            format!("`{attr}` is a key attribute the entities' templates render; index `{}` is keyed by the entities' own attributes", i.name),
                        );
                    }
                }
            }
            let locals = indexes.iter().filter(|i| i.local).count();
            if locals > 5 {
                self.err(
                    "/indexes",
                    format!("{locals} local indexes; DynamoDB allows 5 per table"),
                );
            }
            indexes.retain(|i| !i.local || locals <= 5);
            if indexes.iter().filter(|i| !i.local).count() > 20 {
                self.err(
                    "/indexes",
                    format!(
                        "{} global indexes; DynamoDB allows 20 per table",
                        indexes.iter().filter(|i| !i.local).count()
                    ),
                );
            }
        }
        let stream = match str_of(obj, "stream") {
            None => None,
            Some(view) => ir::StreamView::from_spec(view),
        };
        // The layout's errors stop the table file (its entities could not be checked
        // against it); a collection's are reported and the collection left out.
        let layout_ok = self.errors.len() == before;
        // Collections are read here; their members and partitions are checked once every
        // entity is known (`check_tables`).
        let mut collections = Vec::new();
        if let Some(Value::Object(specs)) = obj.get("collections") {
            for (cname, spec) in specs {
                let p = format!("/collections/{}", pointer_segment(cname));
                let Some(spec) = spec.as_object() else {
                    continue;
                };
                if !ident::is_snake_ident(cname) || ident::escaped(cname) != *cname {
                    self.err(
                        &p,
                        format!("collection name `{cname}` is not a snake_case Rust identifier (it names the generated function)"),
                    );
                }
                if cname == "create_table" {
                    self.err(&p, "`create_table` is the table module's own function; name the collection otherwise");
                }
                let index = match str_of(spec, "index") {
                    None => None,
                    Some(i) => match indexes.iter().position(|x| x.name == i) {
                        Some(n) => Some(n),
                        None => {
                            let known: Vec<String> =
                                indexes.iter().map(|x| x.name.clone()).collect();
                            self.err(
                                &format!("{p}/index"),
                                format!("collection `{cname}` reads index `{i}`, which the table file does not define{}", did_you_mean(i, &known)),
                            );
                            continue;
                        }
                    },
                };
                let members = spec
                    .get("entities")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(|m| (m.to_string(), String::new(), String::new()))
                            .collect()
                    })
                    .unwrap_or_default();
                let sort_prefix = str_of(spec, "sort_prefix").map(str::to_string);
                if let Some(text) = &sort_prefix {
                    if let Err(why) = prefix_segments(text) {
                        self.err(&format!("{p}/sort_prefix"), why);
                        continue;
                    }
                    let sorted = match index {
                        None => range_key.is_some(),
                        Some(i) => indexes[i].range_key.is_some(),
                    };
                    if !sorted {
                        self.err(
                            &format!("{p}/sort_prefix"),
                            format!(
                                "collection `{cname}` has a sort prefix, but {} has no sort key",
                                index.map_or("the table".to_string(), |i| format!(
                                    "index `{}`",
                                    indexes[i].name
                                ))
                            ),
                        );
                        continue;
                    }
                }
                collections.push(ir::Collection {
                    enum_name: format!("{}Item", cname.to_upper_camel_case()),
                    groups_name: String::new(),
                    name: cname.clone(),
                    doc: str_of(spec, "doc").map(str::to_string),
                    index,
                    members,
                    partition: Template {
                        attr: String::new(),
                        parts: Vec::new(),
                    },
                    sort_prefix,
                    sort: None,
                    fields: Vec::new(),
                    sizes: crate::cost::Bytes::default(),
                });
            }
        }
        // Collection enums are named after their collections (`note` → `NoteItem`); names
        // that meet after case conversion (`note`, `note_`) are numbered in spec order
        // (`NoteItem2`): a numbered name ends in a digit, so it meets no other.
        let mut enum_names = std::collections::BTreeSet::new();
        for c in &mut collections {
            let base = c.enum_name.clone();
            let mut n = 1;
            while !enum_names.insert(c.enum_name.clone()) {
                n += 1;
                c.enum_name = format!("{base}{n}");
            }
            // `NoteItem` → `NoteGroups`, `NoteItem2` → `NoteItem2Groups`: distinct too.
            let stem = c.enum_name.strip_suffix("Item").unwrap_or(&c.enum_name);
            c.groups_name = format!("{stem}Groups");
        }
        if !layout_ok {
            return None;
        }
        Some(ir::Table {
            source: self.file.to_string(),
            name,
            module,
            doc: str_of(obj, "doc").map(str::to_string),
            hash_key,
            range_key,
            entity_attribute,
            indexes,
            collections,
            throughput,
            stream,
            entities: Vec::new(),
            representative: 0,
            ttl: None,
            runtime: crate::DEFAULT_RUNTIME_PATH.to_string(),
            serde: false,
        })
    }

    /// The entity of a model spec with `"keys"`, checked against its table file.
    pub(crate) fn entity(
        &mut self,
        obj: &Map<String, Value>,
        model: &str,
        fields: &[ir::Field],
        table: &ir::Table,
    ) -> Option<ir::Entity> {
        let before = self.errors.len();
        for key in ["hash_key", "range_key", "indexes", "throughput", "stream"] {
            if obj.contains_key(key) {
                self.err(
                    &format!("/{key}"),
                    format!(
                        "an entity takes its {} from its table file ({}); leave out \"{key}\"",
                        key.replace('_', " "),
                        table.source
                    ),
                );
            }
        }
        let name = str_of(obj, "entity").map_or_else(|| model.to_snake_case(), str::to_string);
        let keys = obj.get("keys").and_then(Value::as_object)?;
        let key_attrs: Vec<&str> = table.key_attributes().collect();
        for (attr, _) in keys {
            if !key_attrs.contains(&attr.as_str()) {
                let known: Vec<String> = key_attrs.iter().map(|k| k.to_string()).collect();
                self.err(
                    &format!("/keys/{}", pointer_segment(attr)),
                    format!(
                        "`{attr}` is not a key attribute of table `{}` (its table file has {}){}",
                        table.name,
                        super::list(&known),
                        did_you_mean(attr, &known)
                    ),
                );
            }
        }
        // A field stored under a key attribute's name, or the entity attribute's, would be
        // overwritten by it.
        for f in fields {
            if key_attrs.contains(&f.attribute.as_str()) || f.attribute == table.entity_attribute {
                self.err(
                    &format!("/fields/{}", pointer_segment(&f.name)),
                    format!(
                        "field `{}` is stored as `{}`, an attribute table `{}` keeps for {}",
                        f.name,
                        f.attribute,
                        table.name,
                        if f.attribute == table.entity_attribute {
                            "the entity name"
                        } else {
                            "a key"
                        }
                    ),
                );
            }
        }
        let template = |cx: &mut Self, attr: &str, primary: bool| -> Option<Template> {
            let text = keys.get(attr)?.as_str()?;
            cx.template(attr, text, fields, primary)
        };
        let hash = match keys.get(&table.hash_key) {
            Some(_) => template(self, &table.hash_key, true),
            None => {
                self.err(
                    "/keys",
                    format!("no template for the table's hash key `{}`", table.hash_key),
                );
                None
            }
        };
        let range = match &table.range_key {
            Some(r) if !keys.contains_key(r) => {
                self.err(
                    "/keys",
                    format!("no template for the table's range key `{r}`"),
                );
                None
            }
            Some(r) => template(self, r, true),
            None => None,
        };
        let mut indexes = Vec::new();
        let mut natural = Vec::new();
        for index in &table.indexes {
            // A natural index: the entity is in it when it has a field stored under each
            // of its key attributes (items without a value are not in it: sparse).
            if let Some(n) = &index.natural {
                let found: Vec<Option<usize>> = n
                    .hash
                    .iter()
                    .chain(&n.range)
                    .map(|(a, _)| fields.iter().position(|f| f.attribute == *a))
                    .collect();
                for i in found.iter().flatten() {
                    let f = &fields[*i];
                    let p = format!("/fields/{}", pointer_segment(&f.name));
                    if f.ty.kind.key_type().is_none() {
                        self.err(&p, format!("field `{}` is stored as `{}`, a key attribute of index `{}`, but a `{}` cannot be a key (a string-like, number, enum, date, datetime or binary field can)", f.name, f.attribute, index.name, f.ty.kind.spec_name()));
                    } else if f.encrypt {
                        self.err(&p, format!("field `{}` is a key attribute of index `{}`; a key is never encrypted (DynamoDB must read it)", f.name, index.name));
                    }
                }
                if let Some(keys) = found.into_iter().collect::<Option<Vec<usize>>>() {
                    natural.push((index.name.clone(), keys));
                }
                continue;
            }
            // A local index: the entity is in it when it gives its sort key; its
            // partition is the table's.
            let attrs: Vec<&str> = std::iter::once(index.hash_key.as_str())
                .filter(|_| !index.local)
                .chain(index.range_key.as_deref())
                .collect();
            let given: Vec<&&str> = attrs.iter().filter(|a| keys.contains_key(**a)).collect();
            if given.is_empty() {
                continue;
            }
            for a in &attrs {
                if !keys.contains_key(*a) {
                    self.err(
                        &format!("/keys/{}", pointer_segment(given[0])),
                        format!(
                            "the entity is in index `{}` (it gives `{}`), but has no template for its key attribute `{a}`",
                            index.name, given[0]
                        ),
                    );
                }
            }
            let hash = if index.local {
                hash.clone()
            } else {
                template(self, &index.hash_key, false)
            };
            // `Some(None)`: the index has no sort key; `None`: its template has errors.
            let range = match index.range_key.as_deref() {
                None => Some(None),
                Some(r) => template(self, r, false).map(Some),
            };
            if let (Some(hash), Some(range)) = (hash, range) {
                indexes.push(ir::EntityIndex {
                    name: index.name.clone(),
                    hash,
                    range,
                });
            }
        }
        if self.errors.len() == before
            && hash
                .iter()
                .chain(&range)
                .all(|t| t.fields().next().is_none())
        {
            self.err(
                "/keys",
                "the key templates have no placeholder: every item of the entity would have the same key",
            );
        }
        if self.errors.len() != before {
            return None;
        }
        Some(ir::Entity {
            name,
            table_module: table.module.clone(),
            attribute: table.entity_attribute.clone(),
            hash: hash?,
            range,
            indexes,
            natural,
            table_ttl: None,
        })
    }

    /// One key template: literal text and `{field}` / `{field:08}` placeholders.
    fn template(
        &mut self,
        attr: &str,
        text: &str,
        fields: &[ir::Field],
        primary: bool,
    ) -> Option<Template> {
        let p = format!("/keys/{}", pointer_segment(attr));
        let mut parts: Vec<Part> = Vec::new();
        let mut rest = text;
        let before = self.errors.len();
        while !rest.is_empty() {
            let open = rest.find('{');
            let close = rest.find('}');
            match (open, close) {
                (None, None) => {
                    parts.push(Part::Lit(rest.to_string()));
                    rest = "";
                }
                (Some(o), c) if c.is_none_or(|c| o < c) => {
                    if o > 0 {
                        parts.push(Part::Lit(rest[..o].to_string()));
                    }
                    let Some(len) = rest[o..].find('}') else {
                        self.err(&p, format!("`{text}`: a `{{` is never closed"));
                        return None;
                    };
                    let inner = &rest[o + 1..o + len];
                    rest = &rest[o + len + 1..];
                    if inner.contains('{') {
                        self.err(&p, format!("`{text}`: placeholders do not nest"));
                        return None;
                    }
                    if let Some(part) = self.placeholder(&p, text, inner, fields, primary) {
                        parts.push(part);
                    }
                }
                // A `}` before any `{`.
                _ => {
                    self.err(
                        &p,
                        format!(
                            "`{text}`: a `}}` closes no placeholder (placeholders are `{{field}}`)"
                        ),
                    );
                    return None;
                }
            }
        }
        // Two placeholders with no literal between: the first must have a fixed width.
        for w in parts.windows(2) {
            if let [Part::Field {
                field,
                format: Format::Text,
            }, Part::Field { field: next, .. }] = w
            {
                self.err(
                    &p,
                    format!(
                        "`{text}`: `{{{}}}` is followed by `{{{}}}` with no literal between; where one ends would be unknown (put a separator between them)",
                        fields[*field].name, fields[*next].name
                    ),
                );
            }
        }
        (self.errors.len() == before).then(|| Template {
            attr: attr.to_string(),
            parts,
        })
    }

    fn placeholder(
        &mut self,
        p: &str,
        text: &str,
        inner: &str,
        fields: &[ir::Field],
        primary: bool,
    ) -> Option<Part> {
        let (name, width) = match inner.split_once(':') {
            Some((n, w)) => (n, Some(w)),
            None => (inner, None),
        };
        let Some(i) = fields.iter().position(|f| f.name == name) else {
            let known: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
            self.err(
                p,
                format!(
                    "`{text}`: `{{{name}}}` names no field in /fields{}",
                    did_you_mean(name, &known)
                ),
            );
            return None;
        };
        let f = &fields[i];
        let format = match (&f.ty.kind, width) {
            (Kind::Int, Some(w)) => {
                let digits =
                    w.len() > 1 && w.starts_with('0') && w[1..].chars().all(|c| c.is_ascii_digit());
                match w[1..].parse::<usize>() {
                    Ok(n) if digits && (1..=MAX_WIDTH).contains(&n) => Format::Int(n),
                    _ => {
                        self.err(p, format!("`{text}`: `{{{inner}}}`: the width of an int placeholder is written `{{{name}:08}}` (1 to {MAX_WIDTH} digits)"));
                        return None;
                    }
                }
            }
            (Kind::Int, None) => {
                self.err(p, format!("`{text}`: int field `{name}` needs a width, as in `{{{name}:08}}`: keys compare as text, so ints are zero-padded to sort in order"));
                return None;
            }
            (_, Some(_)) => {
                self.err(
                    p,
                    format!(
                        "`{text}`: a width is for int placeholders; `{name}` is a `{}`",
                        f.ty.kind.spec_name()
                    ),
                );
                return None;
            }
            (k, None) if k.is_text() || matches!(k, Kind::Enum(_)) => Format::Text,
            (Kind::Uuid, None) => Format::Fixed(36),
            (Kind::Date, None) => Format::Fixed(10),
            (Kind::DateTime, None) => Format::Fixed(31),
            (k, None) => {
                self.err(
                    p,
                    format!(
                        "`{text}`: `{name}` is a `{}`; a key placeholder is a string-like, uuid, enum, date, datetime or int field",
                        k.spec_name()
                    ),
                );
                return None;
            }
        };
        if f.version {
            self.err(
                p,
                format!(
                    "`{text}`: `{name}` is the version field; a key never changes, a version does"
                ),
            );
            return None;
        }
        if primary && !f.required {
            self.err(
                p,
                format!("`{text}`: `{name}` is optional, but every item has a primary key; make it required (a default may fill it in)"),
            );
            return None;
        }
        Some(Part::Field { field: i, format })
    }
}

/// The checks across a table's entities, once every spec is read: each entity's table
/// gets its entities, TTL attribute and collections filled in.
pub(crate) fn check_tables(
    tables: &mut [ir::Table],
    models: &[ir::Model],
    used: &[String],
    errors: &mut Vec<SpecError>,
) {
    for t in tables.iter_mut() {
        // The table's entities, each with its entity part.
        let members: Vec<(&ir::Model, &ir::Entity)> = models
            .iter()
            .filter_map(|m| {
                let e = m.entity.as_ref()?;
                (e.table_module == t.module && m.table == t.name).then_some((m, e))
            })
            .collect();
        if members.is_empty() {
            if used.contains(&t.name) {
                // Its entities have errors of their own, reported there.
                continue;
            }
            errors.push(SpecError::at(&t.source, "/table", format!("no entity uses table `{}` (an entity is a model spec with \"table\": \"{}\" and \"keys\")", t.name, t.name)));
            continue;
        }
        t.entities = members
            .iter()
            .map(|(m, _)| (m.name.clone(), m.module.clone()))
            .collect();
        // Entity names, unique per table.
        let mut names: BTreeMap<String, &str> = BTreeMap::new();
        for (m, e) in &members {
            if let Some(other) = names.insert(e.name.clone(), &m.source) {
                errors.push(SpecError::at(
                    &m.source,
                    "/entity",
                    format!(
                        "entity name `{}` is also used in table `{}` by {other}",
                        e.name, t.name
                    ),
                ));
            }
        }
        // No two entities can render the same key: their sort templates (or, failing
        // that, their partition templates) are proven distinct (`keyspace`).
        for (k, (m, e)) in members.iter().enumerate() {
            for (o, oe) in &members[..k] {
                let partition = || keyspace::distinct((&oe.hash, &o.fields), (&e.hash, &m.fields));
                let (why, mine, theirs) = match (&e.range, &oe.range) {
                    (Some(b), Some(a)) => {
                        match keyspace::distinct((a, &o.fields), (b, &m.fields)) {
                            Ok(()) => continue,
                            Err(_) if partition().is_ok() => continue,
                            Err(why) => (why, b, a),
                        }
                    }
                    _ => match partition() {
                        Ok(()) => continue,
                        Err(why) => (why, &e.hash, &oe.hash),
                    },
                };
                errors.push(SpecError::at(
                    &m.source,
                    &format!("/keys/{}", pointer_segment(&mine.attr)),
                    format!(
                        "`{}` = `{}` is not provably distinct from {}'s `{}`: {why}; items of two entities could get one key. Make them differ in a literal at the same place, or put fixed-width placeholders (uuid, date, datetime, padded int) where they meet",
                        mine.attr,
                        mine.text(&m.fields),
                        o.source,
                        theirs.text(&o.fields)
                    ),
                ));
            }
        }
        // A natural index's attributes have one type across the entities stored there.
        for index in t.indexes.iter_mut() {
            let Some(n) = &mut index.natural else {
                continue;
            };
            for (attr, ty) in n.hash.iter_mut().chain(n.range.iter_mut()) {
                let mut first: Option<(&str, &'static str, &str)> = None;
                for (m, _) in &members {
                    let Some(f) = m.fields.iter().find(|f| f.attribute == *attr) else {
                        continue;
                    };
                    let Some(key_type) = f.ty.kind.key_type() else {
                        continue;
                    };
                    match first {
                        None => {
                            first = Some((&m.source, key_type, &f.name));
                            *ty = key_type;
                        }
                        Some((source, other, name)) if other != key_type => errors.push(SpecError::at(
                            &m.source,
                            &format!("/fields/{}", pointer_segment(&f.name)),
                            format!(
                                "field `{}` is stored as `{attr}`, a key attribute of index `{}`, as type {key_type}; {source}'s `{name}` stores it as {other}: a key attribute has one type",
                                f.name, index.name
                            ),
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
        // One TTL attribute per table.
        let mut ttl: Option<(String, &str)> = None;
        for (m, _) in &members {
            if let Some(f) = m.ttl_field() {
                match &ttl {
                    Some((attr, source)) if *attr != f.attribute => errors.push(SpecError::at(
                        &m.source,
                        &format!("/fields/{}", pointer_segment(&f.name)),
                        format!("the TTL field is stored as `{}`, but {source}'s as `{attr}`; a table has one TTL attribute", f.attribute),
                    )),
                    Some(_) => {}
                    None => ttl = Some((f.attribute.clone(), &m.source)),
                }
            }
        }
        t.ttl = ttl.map(|(a, _)| a);
        t.representative = members
            .iter()
            .position(|(m, _)| m.ttl_field().is_some())
            .unwrap_or(0);
        // Collections: members are entities of this table sharing one partition template.
        for c in t.collections.iter_mut() {
            let p = format!("/collections/{}", pointer_segment(&c.name));
            let attr = match c.index {
                None => t.hash_key.clone(),
                Some(i) => t.indexes[i].hash_key.clone(),
            };
            if let Some(i) = c.index.filter(|i| t.indexes[*i].natural.is_some()) {
                errors.push(SpecError::at(
                    &t.source,
                    &format!("{p}/index"),
                    format!("index `{}` is keyed by the entities' own attributes; a collection reads a partition of rendered keys (the table's, or an index of templates)", t.indexes[i].name),
                ));
                continue;
            }
            let mut resolved = Vec::new();
            let mut first: Option<(&ir::Model, Template)> = None;
            let mut sorts: Vec<(&ir::Model, Option<Template>, String)> = Vec::new();
            for (k, (model, ..)) in c.members.iter().enumerate() {
                let at = format!("{p}/entities/{k}");
                let Some((m, e)) = members.iter().find(|(m, _)| &m.name == model) else {
                    let known: Vec<String> = members.iter().map(|(m, _)| m.name.clone()).collect();
                    errors.push(SpecError::at(
                        &t.source,
                        &at,
                        format!(
                            "`{model}` is not an entity of table `{}`{}",
                            t.name,
                            did_you_mean(model, &known)
                        ),
                    ));
                    continue;
                };
                if model == "Unknown" {
                    errors.push(SpecError::at(&t.source, &at, "a member named `Unknown` would clash with the enum's variant for items of entities this code does not know; rename the model"));
                }
                if resolved
                    .iter()
                    .any(|(n, _, _): &(String, String, String)| n == model)
                {
                    errors.push(SpecError::at(
                        &t.source,
                        &at,
                        format!("`{model}` is listed twice"),
                    ));
                    continue;
                }
                let partition = match c.index {
                    None => Some(e.hash.clone()),
                    Some(i) => e
                        .indexes
                        .iter()
                        .find(|x| x.name == t.indexes[i].name)
                        .map(|x| x.hash.clone()),
                };
                let Some(partition) = partition else {
                    errors.push(SpecError::at(&t.source, &at, format!("`{model}` is not in index `{}` (its spec has no template for `{attr}`)", t.indexes[c.index.unwrap_or(0)].name)));
                    continue;
                };
                let sort = match c.index {
                    None => e.range.clone(),
                    Some(i) => e
                        .indexes
                        .iter()
                        .find(|x| x.name == t.indexes[i].name)
                        .and_then(|x| x.range.clone()),
                };
                sorts.push((*m, sort, at.clone()));
                match &first {
                    None => first = Some((m, partition)),
                    Some((fm, fp)) => {
                        if let Some(what) = partition_difference((fm, fp), (m, &partition)) {
                            errors.push(SpecError::at(
                                &t.source,
                                &at,
                                format!(
                                    "collection `{}`: `{model}`'s partition `{}` = `{}` differs from `{}`'s `{}`: {what}; members share their partition template (same literals, same fields and types)",
                                    c.name,
                                    attr,
                                    partition.text(&m.fields),
                                    fm.name,
                                    fp.text(&fm.fields)
                                ),
                            ));
                        }
                    }
                }
                resolved.push((m.name.clone(), m.module.clone(), e.name.clone()));
            }
            c.members = resolved;
            if let Some((m, template)) = first {
                // The collection's own copy of the partition fields, renumbered.
                let mut fields = Vec::new();
                let parts = template
                    .parts
                    .iter()
                    .map(|part| match part {
                        Part::Field { field, format } => {
                            fields.push(m.fields[*field].clone());
                            Part::Field {
                                field: fields.len() - 1,
                                format: *format,
                            }
                        }
                        lit => lit.clone(),
                    })
                    .collect();
                c.partition = Template {
                    attr: template.attr.clone(),
                    parts,
                };
                c.fields = fields;
            }
            if let Some(text) = c.sort_prefix.clone() {
                if let Some(sort) = sort_prefix(&t.source, &p, c, &text, &sorts, errors) {
                    c.sort = Some(sort);
                }
            }
        }
    }
}

/// Where the `k`th attribute of a natural index's keys (hash first, `hash` of them) is
/// written in its spec: `hash_key/1`, `range_key/0`.
fn natural_key_pointer(k: usize, hash: usize) -> String {
    match k.checked_sub(hash) {
        None => format!("hash_key/{k}"),
        Some(r) => format!("range_key/{r}"),
    }
}

/// A sub-collection's sort prefix (`issue#{issue}`), read.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Lit(String),
    /// A placeholder's name and an int's width (`{seq:08}`).
    Field(String, Option<usize>),
}

/// The literals and placeholders of a sort prefix, or what is wrong with its text.
fn prefix_segments(text: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match (rest.find('{'), rest.find('}')) {
            (None, None) => {
                out.push(Segment::Lit(rest.to_string()));
                rest = "";
            }
            (Some(o), Some(c)) if o < c => {
                if o > 0 {
                    out.push(Segment::Lit(rest[..o].to_string()));
                }
                let inner = &rest[o + 1..c];
                let (name, width) = match inner.split_once(':') {
                    None => (inner, None),
                    Some((n, w)) => match w.strip_prefix('0').map(str::parse::<usize>) {
                        Some(Ok(w)) if (1..=MAX_WIDTH).contains(&w) => (n, Some(w)),
                        _ => {
                            return Err(format!(
                                "`{text}`: `{{{inner}}}`: an int's width is written `{{{n}:08}}`"
                            ))
                        }
                    },
                };
                if name.is_empty() || name.contains('{') {
                    return Err(format!(
                        "`{text}`: `{{{inner}}}` is not a placeholder (`{{name}}`)"
                    ));
                }
                if out
                    .iter()
                    .any(|s| matches!(s, Segment::Field(n, _) if n == name))
                {
                    return Err(format!("`{text}`: `{{{name}}}` comes twice"));
                }
                out.push(Segment::Field(name.to_string(), width));
                rest = &rest[c + 1..];
            }
            (Some(_), None) => return Err(format!("`{text}`: a `{{` is never closed")),
            _ => {
                return Err(format!(
                    "`{text}`: a `}}` closes no placeholder (placeholders are `{{field}}`)"
                ))
            }
        }
    }
    Ok(out)
}

/// A piece of one member's sort template, cut where a sort prefix ends.
enum Cut {
    Lit(String),
    /// A placeholder of the prefix: its name there, the member's field, its format.
    Field(String, usize, Format),
}

/// One member's sort template cut where the prefix ends. `Err`: the template does not
/// begin with the prefix.
fn member_prefix(prefix: &[Segment], t: &Template) -> Result<Vec<Cut>, ()> {
    let mut out = Vec::new();
    let mut parts = t.parts.iter();
    let mut pending: &str = "";
    for seg in prefix {
        match seg {
            Segment::Lit(want) => {
                let mut need = want.as_str();
                while !need.is_empty() {
                    let cur = if pending.is_empty() {
                        match parts.next() {
                            Some(Part::Lit(l)) => l.as_str(),
                            _ => return Err(()),
                        }
                    } else {
                        pending
                    };
                    if let Some(rest) = cur.strip_prefix(need) {
                        out.push(Cut::Lit(need.to_string()));
                        pending = rest;
                        need = "";
                    } else if let Some(rest) = need.strip_prefix(cur) {
                        out.push(Cut::Lit(cur.to_string()));
                        pending = "";
                        need = rest;
                    } else {
                        return Err(());
                    }
                }
            }
            Segment::Field(name, width) => {
                if !pending.is_empty() {
                    return Err(());
                }
                match parts.next() {
                    Some(Part::Field { field, format })
                        if width.map_or(!matches!(format, Format::Int(_)), |w| {
                            *format == Format::Int(w)
                        }) =>
                    {
                        out.push(Cut::Field(name.clone(), *field, *format))
                    }
                    _ => return Err(()),
                }
            }
        }
    }
    Ok(out)
}

/// A sub-collection's sort prefix, checked against every member's sort template on the
/// collection's index: each begins with it, its placeholders are of one type and format
/// in all, and it selects whole values (a variable-width placeholder is followed by a
/// literal, so `issue#ab` never selects `issue#abc`'s items). Its fields are appended to
/// the collection's.
fn sort_prefix(
    source: &str,
    p: &str,
    c: &mut ir::Collection,
    text: &str,
    sorts: &[(&ir::Model, Option<Template>, String)],
    errors: &mut Vec<SpecError>,
) -> Option<Template> {
    let at = format!("{p}/sort_prefix");
    let segments = prefix_segments(text).ok()?;
    let mut first: Option<(&ir::Model, Vec<Cut>)> = None;
    let before = errors.len();
    for (m, sort, member_at) in sorts {
        let Some(sort) = sort else {
            continue;
        };
        let Ok(cut) = member_prefix(&segments, sort) else {
            errors.push(SpecError::at(
                source,
                member_at,
                format!(
                    "collection `{}`: `{}`'s `{}` = `{}` does not begin with the sort prefix `{text}` (literals alike, a placeholder where it has one, ints of the same width)",
                    c.name,
                    m.name,
                    sort.attr,
                    sort.text(&m.fields)
                ),
            ));
            continue;
        };
        match &first {
            None => first = Some((m, cut)),
            Some((fm, fcut)) => {
                for (x, y) in fcut.iter().zip(&cut) {
                    if let (Cut::Field(name, f, ff), Cut::Field(_, g, gf)) = (x, y) {
                        let (f, g) = (&fm.fields[*f], &m.fields[*g]);
                        if !same_kind(&f.ty.kind, &g.ty.kind) || ff != gf {
                            errors.push(SpecError::at(
                                source,
                                member_at,
                                format!(
                                    "collection `{}`: the sort prefix's `{{{name}}}` is `{}` here, {} written {}, and `{}` in `{}`, {} written {}; a placeholder of the prefix has one type",
                                    c.name,
                                    g.name,
                                    describe(&g.ty.kind),
                                    describe_format(*gf),
                                    f.name,
                                    fm.name,
                                    describe(&f.ty.kind),
                                    describe_format(*ff)
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    let (m, cut) = first?;
    for (k, part) in cut.iter().enumerate() {
        if let Cut::Field(name, _, Format::Text) = part {
            if !matches!(cut.get(k + 1), Some(Cut::Lit(_))) {
                errors.push(SpecError::at(
                    source,
                    &at,
                    format!(
                        "`{text}`: `{{{name}}}` has a variable width and ends the prefix, so the prefix for `ab` would also select the items of `abc`; end the prefix with the literal that follows it in the templates, or use a fixed-width field (uuid, date, datetime, padded int)"
                    ),
                ));
            }
        }
    }
    let mut parts = Vec::new();
    for part in cut {
        match part {
            Cut::Lit(lit) => match parts.last_mut() {
                Some(Part::Lit(l)) => l.push_str(&lit),
                _ => parts.push(Part::Lit(lit)),
            },
            Cut::Field(name, field, format) => {
                if c.fields
                    .iter()
                    .any(|f| f.name == name || f.attribute == name)
                {
                    errors.push(SpecError::at(
                        source,
                        &at,
                        format!(
                            "`{text}`: `{{{name}}}` is also a partition field of collection `{}`; name the prefix's placeholders otherwise (they name the read's arguments)",
                            c.name
                        ),
                    ));
                    continue;
                }
                let mut f = m.fields[field].clone();
                f.attribute = name.clone();
                f.name = name;
                c.fields.push(f);
                parts.push(Part::Field {
                    field: c.fields.len() - 1,
                    format,
                });
            }
        }
    }
    (errors.len() == before).then(|| Template {
        attr: sorts
            .iter()
            .find_map(|(_, s, _)| s.as_ref().map(|s| s.attr.clone()))
            .unwrap_or_default(),
        parts,
    })
}

/// Where two members' partition templates differ, said of the second (`b`): literals,
/// placeholders' fields, their formats and their types (an enum by its stored values, so
/// two members that each declare the same unnamed enum agree); `None` when they agree.
fn partition_difference(
    (a, at): (&ir::Model, &Template),
    (b, bt): (&ir::Model, &Template),
) -> Option<String> {
    for (x, y) in at.parts.iter().zip(&bt.parts) {
        match (x, y) {
            (Part::Lit(l), Part::Lit(r)) if l == r => {}
            (
                Part::Field {
                    field: f,
                    format: ff,
                },
                Part::Field {
                    field: g,
                    format: gf,
                },
            ) => {
                let (f, g) = (&a.fields[*f], &b.fields[*g]);
                if f.name != g.name || f.attribute != g.attribute {
                    return Some(format!(
                        "`{}` (stored as `{}`) stands where `{}` has `{}` (stored as `{}`)",
                        g.name, g.attribute, a.name, f.name, f.attribute
                    ));
                }
                if !same_kind(&f.ty.kind, &g.ty.kind) {
                    return Some(format!(
                        "`{}` is {} here and {} in `{}`",
                        g.name,
                        describe(&g.ty.kind),
                        describe(&f.ty.kind),
                        a.name
                    ));
                }
                if ff != gf {
                    return Some(format!(
                        "`{}` is written {} here and {} in `{}`",
                        g.name,
                        describe_format(*gf),
                        describe_format(*ff),
                        a.name
                    ));
                }
            }
            (Part::Lit(_), Part::Field { .. }) | (Part::Field { .. }, Part::Lit(_)) => {
                return Some(MISALIGNED.to_string());
            }
            (Part::Lit(l), Part::Lit(r)) => {
                return Some(format!(
                    "the literal `{r}` stands where `{}` has `{l}`",
                    a.name
                ))
            }
        }
    }
    (at.parts.len() != bt.parts.len()).then(|| MISALIGNED.to_string())
}

/// Two partition templates whose literals and placeholders differ in order or number.
const MISALIGNED: &str = "their literals and placeholders do not line up";

/// Whether two placeholder types render the same text: equal kinds, or enums with the same
/// stored values (their generated names may differ).
fn same_kind(a: &Kind, b: &Kind) -> bool {
    match (a, b) {
        (Kind::Enum(x), Kind::Enum(y)) => x
            .variants
            .iter()
            .map(|v| &v.1)
            .eq(y.variants.iter().map(|v| &v.1)),
        _ => a == b,
    }
}

/// A placeholder type as the spec says it (`an enum of `x`, `y``, `a string`).
fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Enum(e) => {
            let values: Vec<String> = e.variants.iter().map(|v| format!("`{}`", v.1)).collect();
            format!("an enum of {}", values.join(", "))
        }
        Kind::Int => "an int".to_string(),
        k => format!("a {}", k.spec_name()),
    }
}

fn describe_format(f: Format) -> String {
    match f {
        Format::Text => "as text".to_string(),
        Format::Fixed(w) => format!("{w} characters wide"),
        Format::Int(w) => format!("zero-padded to {w} digits"),
    }
}
