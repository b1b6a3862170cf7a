//! Random valid model specs with hostile names, and a valid JSON sample of each: the
//! property test of the generator. `build.rs` generates them (seed and count from
//! `DYNAMONGO_SPEC_SEED` / `DYNAMONGO_SPEC_COUNT`), the crate compiles them under
//! `#![deny(warnings)]` and clippy, and `tests/random_specs.rs` round-trips the samples.
//!
//! Names come from pools of what generated code could meet: prelude, std and runtime
//! type names for models, dicts and enums; keywords, the generator's locals and
//! parameters, and std method names for fields; odd DynamoDB attribute names.

use serde_json::{json, Map, Value};

/// A small deterministic generator (xorshift64*): the same seed gives the same specs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Type names that generated code must not be confused by.
pub const TYPE_NAMES: &[&str] = &[
    // First, so that every spec set has a model named after the runtime's `Strategy`
    // trait: rustc then always names the trait by its path in the compile-fail
    // expectations (tests/ui), whatever else the seed draws.
    "Strategy",
    "Option",
    "Result",
    "Vec",
    "String",
    "Box",
    "Default",
    "Some",
    "None",
    "Ok",
    "Err",
    "Item",
    "Model",
    "Document",
    "Field",
    "Rules",
    "Path",
    "Visitor",
    "Into",
    "From",
    "Clone",
    "Debug",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "Iterator",
    "ToString",
    "PartialEq",
    "Display",
    "Formatter",
    "Target",
    "Error",
    "Required",
    "Optional",
    "Bytes",
    "AttributeValue",
    "JsonReader",
    "Json",
    "Dm",
    "Core",
    "Std",
    "Value",
    "Map",
];

/// Field names: the generator's locals and parameters, keywords, std and runtime method
/// names, prelude function names.
pub const FIELD_NAMES: &[&str] = &[
    "value", "item", "out", "obj", "prefix", "updates", "json", "json_", "visitor", "dm", "self",
    "type", "key", "new", "into", "from", "path", "rules", "v", "k0", "some", "none", "ok", "err",
    "r#", "match", "async", "crate", "super", "fn", "loop", "yield", "clone", "deref", "child",
    "default", "next", "from_x", "into_x", "as_ref", "to_item", "field", "fields", "visit", "get",
    "set", "remove", "eq", "core", "std", "drop", "vec", "format", "std_", "_p", "x", "a1",
    "model", "table", "self_", "result", "option", "string", "box", "hash", "size", "index",
    "change",
];

/// Index names that meet generated names: `key` (the model's `<Model>Key`), a field's
/// handle, the runtime's words.
const INDEX_NAMES: &[&str] = &["key", "item", "new", "value", "change", "into"];
/// The sort key attribute of a table file's local index (no other key attribute has it).
const LOCAL_SORT: &str = "lsi 1.sk";

/// Leading literals of key templates that doc comments must escape: a tab, a new line and
/// a fence, backticks, non-ASCII text.
const LITERALS: &[&str] = &["t|", "a\t", "\n```\n", "`q` ", "ключ#", "x"];

/// Attribute names DynamoDB allows and Rust does not.
const ATTRIBUTES: &[&str] = &[
    "a.b", "my attr", "ключ", "#n0", ":v0", "[0]", "x-y", "\"q\"", "size",
];

/// Doc texts that look like code or markup.
const DOCS: &[&str] = &[
    "`Option<T>` and { braces } and [links](#)",
    "    fn main() { panic!() }\n    indented",
    "*/ /* ### heading\n\n- item",
    "\\ backslash \" quote",
];

/// Enum values with distinct variant names.
const ENUM_VALUES: &[&str] = &[
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "ALL",
    "VALUES",
    "in progress",
    "2fa",
    "as_str",
    "parse",
];

const SCALARS: &[&str] = &[
    "int",
    "float",
    "boolean",
    "string",
    "email",
    "url",
    "uuid",
    "ip_address",
    "datetime",
    "date",
    "timedelta",
    "string_set",
    "number_set",
    "binary",
    "binary_set",
    "enum",
];
const KEY_TYPES: &[&str] = &["string", "int", "email", "uuid", "date", "binary", "float"];
const REGEXES: &[(&str, &str)] = &[("^[A-Z]", "Xy"), ("ab+c", "abbc"), ("^\\d{2}", "42x")];

/// One spec and a valid JSON sample of its model.
pub struct Generated {
    pub model: String,
    pub spec: Value,
    pub sample: Value,
}

struct Names {
    types: Vec<String>,
}

impl Names {
    fn claim(&mut self, rng: &mut Rng) -> String {
        loop {
            let base = *rng.pick(TYPE_NAMES);
            let name = if rng.chance(70) {
                base.to_string()
            } else {
                format!("{base}{}", rng.below(100))
            };
            let taken = |n: &str| self.types.iter().any(|t| t == n);
            if !taken(&name) && !taken(&format!("{name}Fields")) && !name.ends_with("Fields") {
                self.types.push(name.clone());
                self.types.push(format!("{name}Fields"));
                return name;
            }
        }
    }
}

/// A spec set: models (some of them entities of a single-table design) and the table
/// files of those entities (file name, spec).
pub struct Set {
    pub models: Vec<Generated>,
    pub tables: Vec<(String, Value)>,
}

/// `count` specs from `seed`. Model names are unique (a pool name, then numbered). About
/// a third become entities of single-table designs, two to a table file.
pub fn generate(seed: u64, count: usize) -> Set {
    let mut rng = Rng::new(seed);
    let mut models: Vec<Generated> = (0..count)
        .map(|i| {
            let base = TYPE_NAMES[i % TYPE_NAMES.len()];
            let model = if i < TYPE_NAMES.len() {
                base.to_string()
            } else {
                format!("{base}{i}")
            };
            one(&mut rng, &model, i)
        })
        .collect();
    let candidates: Vec<usize> = (0..models.len())
        .filter(|i| i % 3 == 1 && templatable(&models[*i].spec))
        .collect();
    let mut tables = Vec::new();
    for (t, group) in candidates.chunks(2).enumerate() {
        tables.push(single_table(&mut rng, t, group, &mut models));
    }
    Set { models, tables }
}

/// Key attribute names, entity attributes, collection and index names, hostile too.
const KEY_ATTRS: &[(&str, &str)] = &[
    ("pk", "sk"),
    ("PK#", "SK#"),
    ("p k", "s.k"),
    ("__pk", "__sk"),
];
const ENTITY_ATTRS: &[&str] = &["entity", "__edb_e__", "#type", ":kind"];
const SHARED_FIELDS: &[&str] = &["db", "partition", "dm", "item", "value", "type", "self_"];
const COLLECTIONS: &[&str] = &["dm", "db", "partition", "item", "new", "from_item", "into"];

/// Whether a model's key fields can be template placeholders.
fn templatable(spec: &Value) -> bool {
    let ok = |f: Option<&str>| match f {
        None => true,
        Some(f) => {
            let t = spec["fields"][f]["type"].as_str().unwrap_or("");
            ["string", "email", "uuid", "date", "int"].contains(&t)
        }
    };
    ok(spec["hash_key"].as_str()) && ok(spec["range_key"].as_str())
}

/// Turns the models of `group` into entities of one table file: a shared partition field,
/// sort templates with leading literals of their own, an index on the first entity, a
/// collection of all of them.
fn single_table(
    rng: &mut Rng,
    t: usize,
    group: &[usize],
    models: &mut [Generated],
) -> (String, Value) {
    // The first tables meet the generated modules' names: `models` (the folder the modules
    // are in) and `mod` (the index file's name).
    let table = match t {
        0 => "models".to_string(),
        1 => "mod".to_string(),
        _ => format!("random-st-{t}"),
    };
    // Every other table's partition is a literal only (no partition argument to read its
    // collection); the first is streamed (an entity's `<Model>Change` meets a field
    // `change`).
    let literal_partition = t % 2 == 1;
    let streamed = t == 0;
    let (lit, sort_lit) = (*rng.pick(LITERALS), *rng.pick(LITERALS));
    // The index's DynamoDB name: any DynamoDB allows, one that meets generated names too.
    let index = *rng.pick(&["by-x.1_", "key", "Item.Index-0", "INDEXES"]);
    let (pk, sk) = *rng.pick(KEY_ATTRS);
    let (gpk, gsk) = (format!("g1{pk}"), format!("g1{sk}"));
    let entity_attr = *rng.pick(ENTITY_ATTRS);
    let shared = loop {
        let name = *rng.pick(SHARED_FIELDS);
        // Free in every entity (`self` would escape to `self_` too).
        let free =
            |f: &Value| f.get(name).is_none() && !(name == "self_" && f.get("self").is_some());
        if group.iter().all(|i| free(&models[*i].spec["fields"])) {
            break name;
        }
    };
    let placeholder = |spec: &Value, field: &str| -> String {
        match spec["fields"][field]["type"].as_str() {
            Some("int") => format!("{{{field}:06}}"),
            _ => format!("{{{field}}}"),
        }
    };
    // The shared partition field: text, or an enum (whose type the collection's read
    // names through the member's module).
    let enum_free = group
        .iter()
        .all(|i| !models[*i].spec.to_string().contains("SharedPart"));
    // Named, or declared the same in each entity with no name (each entity's enum gets a
    // name of its own; the collection accepts them as one partition type).
    let (shared_spec, shared_sample) = if enum_free && rng.chance(35) {
        (
            json!({"type": "enum", "values": ["Some", "a b|c"], "name": "SharedPart", "required": true}),
            json!("a b|c"),
        )
    } else if rng.chance(50) {
        (
            json!({"type": "enum", "values": ["Some", "a b|c"], "required": true}),
            json!("a b|c"),
        )
    } else {
        (json!({"type": "string", "required": true}), json!("acme"))
    };
    // A local index (on the table's partition, a sort key of its own) that the first
    // entity is in, on some tables.
    let local_index = rng.chance(50);
    let mut ttl_taken = false;
    let mut members = Vec::new();
    let mut sub_prefix = String::new();
    for (j, i) in group.iter().enumerate() {
        let g = &mut models[*i];
        let spec = g.spec.as_object_mut().expect("a spec is an object");
        let hash = spec
            .remove("hash_key")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let range = spec
            .remove("range_key")
            .and_then(|v| v.as_str().map(str::to_string));
        spec.remove("throughput");
        spec.remove("stream");
        // An entity's indexes are its table file's.
        spec.remove("indexes");
        // Entities of one table would give a shared attribute two actions, and a key
        // placeholder is never encrypted: encrypted entities are tests/specs/valid/clinic_*.
        spec.remove("plaintext_items");
        if let Some(fields) = spec.get_mut("fields").and_then(Value::as_object_mut) {
            for f in fields.values_mut().filter_map(Value::as_object_mut) {
                f.remove("encrypt");
                f.remove("signed");
            }
        }
        // One TTL attribute per table: a second entity's TTL field goes.
        let fields = spec["fields"].as_object_mut().expect("fields");
        let ttl: Vec<String> = fields
            .iter()
            .filter(|(_, f)| f["type"] == "ttl")
            .map(|(n, _)| n.clone())
            .collect();
        for n in ttl {
            if ttl_taken {
                let attr = fields[&n]["attribute"].as_str().unwrap_or(&n).to_string();
                fields.remove(&n);
                if let Some(sample) = g.sample.as_object_mut() {
                    sample.remove(&attr);
                }
            } else {
                ttl_taken = true;
            }
        }
        fields.insert(shared.to_string(), shared_spec.clone());
        if let Some(sample) = g.sample.as_object_mut() {
            sample.insert(shared.to_string(), shared_sample.clone());
        }
        // A large entity (a collection's variants are boxed): a dozen more text fields.
        if j + 1 == group.len() {
            for _ in 0..12 {
                let fields = spec["fields"].as_object().expect("fields");
                let name = pick_field_name(rng, fields);
                spec["fields"][&name] = json!({"type": "string"});
            }
        }
        // A field `change` of an unnamed type, where the table is streamed.
        if streamed
            && j == 0
            && !spec["fields"]
                .as_object()
                .is_some_and(|f| f.contains_key("change"))
        {
            spec["fields"]["change"] = json!({"type": "enum", "values": ["x", "y"]});
        }
        let spec_value = Value::Object(spec.clone());
        let mut sort = format!("e{j}{sort_lit}|{}", placeholder(&spec_value, &hash));
        if let Some(r) = &range {
            sort.push_str(&format!("|{}", placeholder(&spec_value, r)));
        }
        // The first entity's sub-collection: its sort keys up to the hash key's value (a
        // prefix placeholder named as no field is; ints as they are written).
        if j == 0 {
            sub_prefix = match &range {
                Some(_) => {
                    let name = *rng.pick(&["r#x", "ключ 2", "Self", "super"]);
                    let ph = placeholder(&spec_value, &hash).replacen(hash.as_str(), name, 1);
                    format!("e0{sort_lit}|{ph}|")
                }
                None => format!("e0{sort_lit}|"),
            };
        }
        let partition = if literal_partition {
            format!("{lit}all")
        } else {
            format!("{lit}{{{shared}}}")
        };
        let mut keys = json!({ pk: partition, sk: sort });
        if j == 0 {
            keys[&gpk] = json!(format!("g|{}", placeholder(&spec_value, &hash)));
            keys[&gsk] = json!(format!("e{j}|{{{shared}}}"));
            if local_index {
                keys[LOCAL_SORT] = json!(format!("l|{}", placeholder(&spec_value, &hash)));
            }
        }
        spec.insert("table".into(), json!(table));
        spec.insert("keys".into(), keys);
        if rng.chance(50) {
            spec.insert("entity".into(), json!(format!("e{j} \"ключ\"")));
        }
        members.push(json!(g.model));
    }
    // Three collections whose enums meet after case conversion (`x`, `x_`, `x__`:
    // `XItem`): the table's partition, the index's (of the first entity), and a
    // sub-collection of the first entity's sort keys.
    let collection = *rng.pick(COLLECTIONS);
    let index_collection = format!("{collection}_");
    let sub_collection = format!("{collection}__");
    let mut spec = json!({
        "table": table,
        "doc": rng.pick(DOCS),
        "hash_key": pk,
        "range_key": sk,
        "entity_attribute": entity_attr,
        "indexes": { index: { "hash_key": gpk, "range_key": gsk } },
        "collections": {
            collection: { "entities": members },
            index_collection: { "index": index, "entities": [members[0].clone()] },
            sub_collection: { "entities": [members[0].clone()], "sort_prefix": sub_prefix },
        },
        "throughput": "on_demand",
    });
    if streamed {
        spec["stream"] = json!("new_and_old_images");
    }
    if local_index {
        spec["indexes"]["by-local.1"] = json!({ "local": true, "range_key": LOCAL_SORT });
    }
    // An index keyed by the entities' own attribute (the shared field), on some tables.
    if rng.chance(50) {
        spec["indexes"]["by-own.2"] = json!({ "hash_key": [shared] });
    }
    (format!("{table}.json"), spec)
}

fn one(rng: &mut Rng, model: &str, i: usize) -> Generated {
    let mut names = Names {
        types: vec![model.to_string(), format!("{model}Key")],
    };
    let mut fields = Map::new();
    let mut sample = Map::new();
    let hash = pick_field_name(rng, &fields);
    let hash_ty = *rng.pick(KEY_TYPES);
    add_field(
        rng,
        &mut names,
        &mut fields,
        &mut sample,
        &hash,
        Some(hash_ty),
        0,
    );
    let range = rng.chance(50).then(|| {
        let range = pick_field_name(rng, &fields);
        let ty = *rng.pick(KEY_TYPES);
        add_field(
            rng,
            &mut names,
            &mut fields,
            &mut sample,
            &range,
            Some(ty),
            0,
        );
        range
    });
    for _ in 0..2 + rng.below(9) {
        let name = pick_field_name(rng, &fields);
        add_field(rng, &mut names, &mut fields, &mut sample, &name, None, 0);
    }
    // Optimistic locking and TTL, under hostile names too.
    if rng.chance(25) {
        let name = pick_field_name(rng, &fields);
        if rng.chance(50) {
            sample.insert(name.clone(), json!(rng.below(5)));
        }
        fields.insert(name, json!({"type": "int", "version": true}));
    }
    if rng.chance(25) {
        let name = pick_field_name(rng, &fields);
        let required = rng.chance(50);
        if required || rng.chance(50) {
            let when = if rng.chance(50) {
                json!(4_102_444_800i64 + rng.below(1000) as i64)
            } else {
                json!("2099-12-31T23:59:59+00:00")
            };
            sample.insert(name.clone(), when);
        }
        fields.insert(name, json!({"type": "ttl", "required": required}));
    }
    // Declared evolutions: renamed fields (an old attribute no field has), aliased enum
    // values, and an Upgrade impl (the build script writes a no-op one for the test).
    let attributes: Vec<String> = fields
        .iter()
        .map(|(n, f)| f["attribute"].as_str().unwrap_or(n).to_string())
        .collect();
    for (k, spec) in fields.values_mut().enumerate() {
        if spec.get("version").is_none() && rng.chance(15) {
            let old = format!("{} (v1 {k})", rng.pick(ATTRIBUTES));
            if !attributes.contains(&old) {
                spec["renamed_from"] = json!(old);
            }
        }
        if spec["type"] == "enum" && rng.chance(40) {
            let first = spec["values"][0].clone();
            spec["aliases"] = json!({ format!("gone {k}"): first });
        }
    }
    // Read-only scalar fields (their handles have no set()), under hostile names too.
    for spec in fields.values_mut() {
        let scalar = spec["type"].as_str().is_some_and(|t| {
            ![
                "list",
                "dict",
                "map",
                "string_set",
                "number_set",
                "binary_set",
            ]
            .contains(&t)
        });
        if scalar && spec.get("version").is_none() && rng.chance(15) {
            spec["read_only"] = json!(true);
        }
    }
    let mut spec = json!({
        "model": model,
        "table": format!("random-{i}"),
        "hash_key": hash,
        "fields": fields,
    });
    if let Some(r) = range {
        spec["range_key"] = json!(r);
    }
    if rng.chance(20) {
        spec["upgrade"] = json!(true);
    }
    if rng.chance(50) {
        spec["doc"] = json!(rng.pick(DOCS));
    }
    if rng.chance(30) {
        spec["throughput"] = json!("on_demand");
    }
    // A stream names a type of its own (`<Model>Change`), unless a dict has that name; a
    // field `change` of an unnamed type then gets another.
    if rng.chance(30) && !names.types.contains(&format!("{model}Change")) {
        let views = ["keys_only", "new_image", "old_image", "new_and_old_images"];
        spec["stream"] = json!(rng.pick(&views));
        if spec["fields"].get("change").is_none() {
            spec["fields"]["change"] = if rng.chance(50) {
                json!({"type": "enum", "values": ["x", "y"]})
            } else {
                json!({"type": "dict", "fields": {"a": {"type": "int"}}})
            };
        }
    }
    // A global index named like generated items (`key`: the projection's type would be
    // `<Model>Key`), on a text or number field that is not a key.
    if i % 4 == 2 || rng.chance(20) {
        let keys = [spec["hash_key"].clone(), spec["range_key"].clone()];
        let on = spec["fields"].as_object().and_then(|fields| {
            fields
                .iter()
                .find(|(n, f)| {
                    !keys.contains(&json!(n))
                        && f.get("version").is_none()
                        && ["string", "int", "uuid", "date", "email"]
                            .contains(&f["type"].as_str().unwrap_or(""))
                })
                .map(|(n, _)| n.clone())
        });
        let name = *rng.pick(INDEX_NAMES);
        let free = spec["fields"].get(name).is_none();
        if let (Some(on), true) = (on, free) {
            let projection = if rng.chance(70) {
                json!("keys_only")
            } else {
                json!("all")
            };
            spec["indexes"] = json!({ name: { "hash_key": on, "projection": projection } });
        }
    }
    encryption(rng, &mut spec);
    Generated {
        model: model.to_string(),
        spec,
        sample: Value::Object(sample),
    }
}

/// Client-side encryption, under hostile names too: some top-level fields encrypted (never
/// a key, an index key, the version or a TTL field, as the generator requires), another
/// unsigned, and every index projecting all attributes.
fn encryption(rng: &mut Rng, spec: &mut Value) {
    // Not entities: the entities of one table would give one attribute two actions (a
    // build error, tests/specs/invalid/encryption_tables).
    if spec.get("keys").is_some() || !rng.chance(30) {
        return;
    }
    let mut keys = vec![spec["hash_key"].clone(), spec["range_key"].clone()];
    if let Some(indexes) = spec["indexes"].as_object() {
        keys.extend(indexes.values().map(|i| i["hash_key"].clone()));
    }
    let Some(fields) = spec["fields"].as_object_mut() else {
        return;
    };
    let eligible: Vec<String> = fields
        .iter()
        .filter(|(n, f)| {
            !keys.contains(&json!(n)) && f.get("version").is_none() && f["type"] != "ttl"
        })
        .map(|(n, _)| n.clone())
        .collect();
    let mut encrypted = false;
    for name in &eligible {
        if rng.chance(40) {
            fields[name]["encrypt"] = json!(true);
            encrypted = true;
        } else if rng.chance(15) {
            fields[name]["signed"] = json!(false);
        }
    }
    if !encrypted {
        for f in fields.values_mut() {
            if let Some(o) = f.as_object_mut() {
                o.remove("signed");
            }
        }
        return;
    }
    if let Some(indexes) = spec.get_mut("indexes").and_then(Value::as_object_mut) {
        for i in indexes.values_mut() {
            i["projection"] = json!("all");
        }
    }
    if rng.chance(30) {
        spec["plaintext_items"] = json!(true);
    }
}

fn pick_field_name(rng: &mut Rng, taken: &Map<String, Value>) -> String {
    loop {
        let n = rng.pick(FIELD_NAMES).trim_end_matches('#').to_string();
        let n = if n == "r" || taken.contains_key(&n) {
            format!("{}_{}", n.trim_end_matches('_'), rng.below(1000))
        } else {
            n
        };
        // `self` and `self_` would both become `self_`.
        let clash = (n == "self" && taken.contains_key("self_"))
            || (n == "self_" && taken.contains_key("self"));
        if !taken.contains_key(&n) && !clash {
            return n;
        }
    }
}

/// Adds a field (a key field when `key_ty` is given) and, when it is required or by
/// chance, a valid value for it to the sample.
fn add_field(
    rng: &mut Rng,
    names: &mut Names,
    fields: &mut Map<String, Value>,
    sample: &mut Map<String, Value>,
    name: &str,
    key_ty: Option<&str>,
    depth: usize,
) {
    let (mut spec, value) = match key_ty {
        Some(t) => scalar(rng, names, t, true),
        None => any_type(rng, names, depth),
    };
    let key = key_ty.is_some();
    let required = key || (rng.chance(30) && spec.get("default").is_none());
    if required {
        spec["required"] = json!(true);
    }
    if rng.chance(15) {
        spec["doc"] = json!(rng.pick(DOCS));
    }
    let attribute = if rng.chance(20) {
        let a = format!("{}{}", rng.pick(ATTRIBUTES), fields.len());
        spec["attribute"] = json!(a);
        a
    } else {
        name.to_string()
    };
    // An absent dict is read as `{}`, which its required fields refuse: always give one.
    if required || spec["type"] == "dict" || rng.chance(60) {
        sample.insert(attribute, value);
    }
    fields.insert(name.to_string(), spec);
}

fn any_type(rng: &mut Rng, names: &mut Names, depth: usize) -> (Value, Value) {
    match rng.below(10) {
        0 if depth < 2 => dict(rng, names, depth),
        1 => {
            let (items, v) = element(rng, names, depth);
            (
                json!({"type": "list", "items": items}),
                json!([v.clone(), v]),
            )
        }
        2 => {
            let (items, v) = element(rng, names, depth);
            (
                json!({"type": "map", "items": items}),
                json!({"k": v, "k.2": v}),
            )
        }
        _ => {
            let t = *rng.pick(SCALARS);
            scalar(rng, names, t, false)
        }
    }
}

/// An element type of a list or map (no sets, no defaults on elements).
fn element(rng: &mut Rng, names: &mut Names, depth: usize) -> (Value, Value) {
    if depth < 2 && rng.chance(30) {
        return dict(rng, names, depth);
    }
    let t = *rng.pick(&[
        "int", "float", "string", "email", "uuid", "datetime", "enum", "boolean",
    ]);
    let (mut spec, v) = scalar(rng, names, t, false);
    if let Some(o) = spec.as_object_mut() {
        o.remove("default");
    }
    (spec, v)
}

fn dict(rng: &mut Rng, names: &mut Names, depth: usize) -> (Value, Value) {
    let mut fields = Map::new();
    let mut sample = Map::new();
    for _ in 0..1 + rng.below(4) {
        let n = pick_field_name(rng, &fields);
        add_field(rng, names, &mut fields, &mut sample, &n, None, depth + 1);
    }
    let mut spec = json!({"type": "dict", "fields": fields});
    // Unnamed, the generator names it after its field (and keeps clear of its other names).
    if rng.chance(60) {
        spec["name"] = json!(names.claim(rng));
    }
    (spec, Value::Object(sample))
}

/// A scalar field of type `t` with random rules, maybe a default, and a valid value.
fn scalar(rng: &mut Rng, names: &mut Names, t: &str, key: bool) -> (Value, Value) {
    let mut spec = json!({"type": t});
    let value = match t {
        "int" => {
            if rng.chance(40) {
                spec["min_value"] = json!(-5);
                spec["max_value"] = json!(50);
            } else if rng.chance(20) {
                spec["choices"] = json!([1, 2, 3]);
                if !key && rng.chance(50) {
                    spec["default"] = json!(2);
                }
                return (spec, json!(3));
            }
            if !key && rng.chance(30) {
                spec["default"] = json!(7);
            }
            json!(12)
        }
        "float" => {
            if rng.chance(40) {
                spec["min_value"] = json!(-1.5);
                spec["max_value"] = json!(99);
            }
            if !key && rng.chance(30) {
                spec["default"] = json!(0.25);
            }
            json!(2.5)
        }
        "boolean" => {
            if rng.chance(30) {
                spec["default"] = json!(false);
            }
            json!(true)
        }
        "string" => {
            if rng.chance(30) {
                let (re, ok) = *rng.pick(REGEXES);
                spec["regex"] = json!(re);
                return (spec, json!(ok));
            }
            if rng.chance(30) {
                spec["min_length"] = json!(1);
                spec["max_length"] = json!(12);
            }
            if rng.chance(20) {
                spec["choices"] = json!(["a b", "ключ", "x"]);
                return (spec, json!("ключ"));
            }
            if !key && rng.chance(30) {
                spec["default"] = json!("dflt \"q\"");
            }
            json!("text")
        }
        "email" => json!("someone@example.com"),
        "url" => json!("https://example.com/a?b=c"),
        "ip_address" => json!("10.1.2.3"),
        "uuid" => {
            if !key && rng.chance(30) {
                spec["default"] = json!("uuid4");
            }
            json!("67e55044-10b1-426f-9247-bb680e5fe0c8")
        }
        "datetime" => {
            if !key && rng.chance(30) {
                spec["default"] = json!(if rng.chance(50) {
                    "now"
                } else {
                    "2020-01-02T03:04:05Z"
                });
            }
            json!("2020-01-02T03:04:05.678901+0000")
        }
        "date" => {
            if !key && rng.chance(30) {
                spec["default"] = json!("today");
            }
            json!("2021-02-03")
        }
        "timedelta" => {
            if rng.chance(30) {
                spec["default"] = json!(60);
            }
            json!(3600)
        }
        "string_set" => {
            if rng.chance(30) {
                spec["max_length"] = json!(5);
            }
            json!(["a", "b"])
        }
        "number_set" => {
            if rng.chance(30) {
                spec["default"] = json!([1, 2]);
            }
            json!([3, 4])
        }
        "binary" => {
            if rng.chance(30) {
                spec["max_length"] = json!(16);
            }
            json!([0, 1, 255])
        }
        "binary_set" => json!([[1, 2], [3]]),
        _ => {
            // enum
            let mut values: Vec<&str> = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let v = *rng.pick(ENUM_VALUES);
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            spec["values"] = json!(values);
            if rng.chance(60) {
                spec["name"] = json!(names.claim(rng));
            }
            if rng.chance(30) {
                spec["default"] = json!(values[0]);
            }
            json!(values[values.len() - 1])
        }
    };
    (spec, value)
}
