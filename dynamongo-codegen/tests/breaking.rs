//! The rules of `breaking` (DESIGN §11), one row each: a pair of spec sets, and the
//! finding the change must give (rule, class, pointer), plus the CLI's exit codes.

use dynamongo_codegen::{breaking, Class, Finding, Options};
use serde_json::{json, Value};

/// A plain model.
fn user() -> Value {
    json!({
        "model": "User", "table": "users", "hash_key": "email",
        "fields": {
            "email": { "type": "email", "required": true },
            "name": { "type": "string", "required": true, "max_length": 50 },
            "nick": { "type": "string" },
            "age": { "type": "int", "min_value": 0 },
            "plan": { "type": "enum", "values": ["free", "pro"], "default": "free" },
            "tags": { "type": "list", "items": { "type": "string" } }
        }
    })
}

/// A single-table design: a table file and an entity.
fn app() -> Value {
    json!({
        "table": "app", "hash_key": "pk", "range_key": "sk",
        "indexes": { "gsi1": { "hash_key": "gsi1pk", "range_key": "gsi1sk" } }
    })
}
fn note() -> Value {
    json!({
        "model": "Note", "table": "app", "entity": "note",
        "keys": { "pk": "ws#{ws}", "sk": "note#{id}" },
        "fields": {
            "ws": { "type": "string", "required": true },
            "id": { "type": "string", "required": true },
            "author": { "type": "email" }
        }
    })
}

fn set(specs: &[(&str, Value)]) -> Options {
    Options::from_sources(
        specs
            .iter()
            .map(|(n, v)| (format!("spec/{n}.json"), v.to_string())),
    )
}

fn findings(old: &[(&str, Value)], new: &[(&str, Value)]) -> Vec<Finding> {
    breaking(&set(old), &set(new)).unwrap_or_else(|e| panic!("spec sets are valid: {e}"))
}

/// Edits a spec: `path` is a JSON pointer to an object, `key` set to `value` (or removed
/// when `value` is null).
fn with(mut v: Value, path: &str, key: &str, value: Value) -> Value {
    let obj = v
        .pointer_mut(path)
        .and_then(Value::as_object_mut)
        .expect(path);
    if value.is_null() {
        obj.remove(key);
    } else {
        obj.insert(key.to_string(), value);
    }
    v
}

use Class::*;

/// A spec set: (file stem, spec).
type Set = Vec<(&'static str, Value)>;
/// A row: name, old set, new set, and the finding (rule, class, pointer).
type Row = (&'static str, Set, Set, &'static str, Class, &'static str);

#[test]
fn every_row_of_the_table_has_its_finding() {
    let u = user;
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("table renamed", vec![("u", u())], vec![("u", with(u(), "", "table", json!("people")))], "table-renamed", Breaking, "/table"),
        ("hash key changed", vec![("u", u())], vec![("u", with(u(), "", "hash_key", json!("name")))], "key-changed", Breaking, "/hash_key"),
        ("key field's attribute", vec![("u", u())], vec![("u", with(u(), "/fields/email", "attribute", json!("mail")))], "key-changed", Breaking, "/hash_key"),
        ("key field's type", vec![("u", u())], vec![("u", with(u(), "/fields/email", "type", json!("int")))], "key-type-changed", Breaking, "/fields/email"),
        ("range key added", vec![("u", u())], vec![("u", with(u(), "", "range_key", json!("name")))], "key-changed", Breaking, "/range_key"),
        ("primary-key template", vec![("a", app()), ("n", note())], vec![("a", app()), ("n", with(note(), "/keys", "sk", json!("n#{id}")))], "key-template-changed", Breaking, "/keys/sk"),
        ("entity name", vec![("a", app()), ("n", note())], vec![("a", app()), ("n", with(note(), "", "entity", json!("memo")))], "entity-renamed", Breaking, "/entity"),
        ("entity attribute", vec![("a", app()), ("n", note())], vec![("a", with(app(), "", "entity_attribute", json!("kind"))), ("n", note())], "entity-attribute-changed", Breaking, "/entity_attribute"),
        ("index template changed",
            vec![("a", app()), ("n", with(with(note(), "/keys", "gsi1pk", json!("a#{author}")), "/keys", "gsi1sk", json!("x")))],
            vec![("a", app()), ("n", with(with(note(), "/keys", "gsi1pk", json!("by#{author}")), "/keys", "gsi1sk", json!("x")))],
            "index-template-changed", Breaking, "/keys/gsi1pk"),
        ("plain index key changed",
            vec![("u", with(u(), "", "indexes", json!({"by_name": {"hash_key": "name"}})))],
            vec![("u", with(u(), "", "indexes", json!({"by_name": {"hash_key": "nick"}})))],
            "index-key-changed", Breaking, "/indexes/by_name"),
        ("field type: int to string", vec![("u", u())], vec![("u", with(with(u(), "/fields/age", "type", json!("string")), "/fields/age", "min_value", Value::Null))], "field-type-changed", Breaking, "/fields/age/type"),
        ("field type: list to string_set", vec![("u", u())], vec![("u", with(u(), "/fields", "tags", json!({"type": "string_set"})))], "field-type-changed", Breaking, "/fields/tags/type"),
        ("new required field", vec![("u", u())], vec![("u", with(u(), "/fields", "city", json!({"type": "string", "required": true})))], "field-added-required", Breaking, "/fields/city"),
        ("optional to required", vec![("u", u())], vec![("u", with(u(), "/fields/nick", "required", json!(true)))], "field-now-required", Breaking, "/fields/nick/required"),
        ("a rename without renamed_from",
            vec![("u", u())],
            vec![("u", with(with(u(), "/fields", "name", Value::Null), "/fields", "full_name", json!({"type": "string", "required": true})))],
            "field-renamed-undeclared", Breaking, "/fields/full_name"),
        ("a required field's attribute", vec![("u", u())], vec![("u", with(u(), "/fields/name", "attribute", json!("n")))], "attribute-renamed", Breaking, "/fields/name/attribute"),
        ("enum value removed", vec![("u", u())], vec![("u", with(u(), "/fields/plan", "values", json!(["free"])))], "enum-value-removed", Breaking, "/fields/plan/values"),
        ("LSI added",
            vec![("u", with(u(), "", "range_key", json!("name")))],
            vec![("u", with(with(u(), "", "range_key", json!("name")), "", "indexes", json!({"by_age": {"local": true, "range_key": "age"}})))],
            "lsi-added", Breaking, "/indexes/by_age"),
        ("table-file LSI added",
            vec![("a", app()), ("n", note())],
            vec![("a", with(app(), "/indexes", "lsi1", json!({"local": true, "range_key": "lsi1sk"}))), ("n", note())],
            "lsi-added", Breaking, "/indexes/lsi1"),
        ("optional field swapped (maybe a rename)",
            vec![("u", u())],
            vec![("u", with(with(u(), "/fields", "nick", Value::Null), "/fields", "alias", json!({"type": "string"})))],
            "field-maybe-renamed", Warning, "/fields/alias"),
        ("an optional field's attribute", vec![("u", u())], vec![("u", with(u(), "/fields/nick", "attribute", json!("nk")))], "field-maybe-renamed", Warning, "/fields/nick/attribute"),
        ("field removed", vec![("u", u())], vec![("u", with(u(), "/fields", "tags", Value::Null))], "field-removed", Warning, "/fields/tags"),
        ("validation tightened", vec![("u", u())], vec![("u", with(u(), "/fields/name", "max_length", json!(20)))], "validation-tightened", Warning, "/fields/name"),
        ("optional to required with a default", vec![("u", u())], vec![("u", with(with(u(), "/fields/nick", "required", json!(true)), "/fields/nick", "default", json!("x")))], "validation-tightened", Warning, "/fields/nick/required"),
        ("enum value added", vec![("u", u())], vec![("u", with(u(), "/fields/plan", "values", json!(["free", "pro", "team"])))], "enum-value-added", Warning, "/fields/plan/values"),
        ("a GSI with templated keys added",
            vec![("a", app()), ("n", note())],
            vec![("a", app()), ("n", with(with(note(), "/keys", "gsi1pk", json!("a#{author}")), "/keys", "gsi1sk", json!("n#{id}")))],
            "gsi-added-templated", Warning, "/keys/gsi1pk"),
        ("GSI over plain fields added", vec![("u", u())], vec![("u", with(u(), "", "indexes", json!({"by_name": {"hash_key": "name"}})))], "gsi-added", Safe, "/indexes/by_name"),
        ("GSI removed", vec![("u", with(u(), "", "indexes", json!({"by_name": {"hash_key": "name"}})))], vec![("u", u())], "index-removed", Safe, "/indexes/by_name"),
        ("table-file GSI no entity uses", vec![("a", with(app(), "", "indexes", json!({}))), ("n", note())], vec![("a", app()), ("n", note())], "gsi-added", Safe, "/indexes/gsi1"),
        ("throughput", vec![("u", u())], vec![("u", with(u(), "", "throughput", json!("on_demand")))], "throughput", Safe, "/throughput"),
        ("stream", vec![("u", u())], vec![("u", with(u(), "", "stream", json!("new_image")))], "stream", Safe, "/stream"),
        ("TTL field added", vec![("u", u())], vec![("u", with(u(), "/fields", "expires", json!({"type": "ttl"})))], "ttl-added", Safe, "/fields/expires"),
        ("version field added", vec![("u", u())], vec![("u", with(u(), "/fields", "version", json!({"type": "int", "version": true})))], "version-added", Safe, "/fields/version"),
        ("new optional field", vec![("u", u())], vec![("u", with(u(), "/fields", "city", json!({"type": "string"})))], "field-added-optional", Safe, "/fields/city"),
        ("new required field with a default", vec![("u", u())], vec![("u", with(u(), "/fields", "city", json!({"type": "string", "required": true, "default": "Nairobi"})))], "field-added-default", Safe, "/fields/city"),
        ("new model", vec![("u", u())], vec![("u", u()), ("a", app()), ("n", note())], "model-added", Safe, "/model"),
        ("model renamed, same table and keys", vec![("u", u())], vec![("u", with(u(), "", "model", json!("Person")))], "model-renamed", Safe, "/model"),
        ("model removed", vec![("u", u()), ("a", app()), ("n", note())], vec![("a", app()), ("n", note())], "model-removed", Warning, "/model"),
        ("entity model renamed: its default entity name goes with it", vec![("a", app()), ("n", note())],
            vec![("a", app()), ("n", with(with(note(), "", "model", json!("Memo")), "", "entity", Value::Null))],
            "model-added", Safe, "/model"),
        ("validation loosened", vec![("u", u())], vec![("u", with(u(), "/fields/name", "max_length", json!(80)))], "validation-loosened", Safe, "/fields/name"),
        ("doc", vec![("u", u())], vec![("u", with(u(), "", "doc", json!("People.")))], "doc", Safe, "/doc"),
        // Declared evolutions.
        ("renamed_from", vec![("u", u())],
            vec![("u", with(with(u(), "/fields", "name", Value::Null), "/fields", "full_name", json!({"type": "string", "required": true, "renamed_from": "name"})))],
            "field-renamed", Warning, "/fields/full_name"),
        ("renamed in code, stored attribute kept", vec![("u", u())],
            vec![("u", with(with(u(), "/fields", "name", Value::Null), "/fields", "full_name", json!({"type": "string", "required": true, "max_length": 50, "attribute": "name"})))],
            "field-renamed-in-code", Safe, "/fields/full_name"),
        ("renamed_from of an optional field", vec![("u", u())],
            vec![("u", with(with(u(), "/fields", "nick", Value::Null), "/fields", "alias", json!({"type": "string", "renamed_from": "nick"})))],
            "field-renamed", Safe, "/fields/alias"),
        ("int to float: forward", vec![("u", u())], vec![("u", with(u(), "/fields/age", "type", json!("float")))], "field-type-widened", Warning, "/fields/age/type"),
        ("email to string", vec![("u", u())], vec![("u", with(u(), "/fields/email", "type", json!("string")))], "field-type-widened", Safe, "/fields/email/type"),
        ("enum alias", vec![("u", u())],
            vec![("u", with(with(u(), "/fields/plan", "values", json!(["free", "team"])), "/fields/plan", "aliases", json!({"pro": "team"})))],
            "enum-value-aliased", Safe, "/fields/plan/aliases"),
        ("upgrade covers a field-level row", vec![("u", u())],
            vec![("u", with(with(u(), "", "upgrade", json!(true)), "/fields", "city", json!({"type": "string", "required": true})))],
            "field-added-required", Warning, "/fields/city"),
        // Client-side encryption: an item is read with the actions it was written with.
        ("a plaintext table encrypted", vec![("u", u())], vec![("u", with(u(), "/fields/nick", "encrypt", json!(true)))], "table-encrypted", Breaking, "/fields/nick/encrypt"),
        ("a plaintext table encrypted, its stored items declared", vec![("u", u())],
            vec![("u", with(with(u(), "/fields/nick", "encrypt", json!(true)), "", "plaintext_items", json!(true)))],
            "table-encrypted", Warning, "/fields/nick/encrypt"),
        ("plaintext items no longer read",
            vec![("u", with(with(u(), "/fields/nick", "encrypt", json!(true)), "", "plaintext_items", json!(true)))],
            vec![("u", with(u(), "/fields/nick", "encrypt", json!(true)))],
            "plaintext-items-removed", Warning, "/plaintext_items"),
        ("a signed field encrypted", vec![("u", with(u(), "/fields/nick", "encrypt", json!(true)))],
            vec![("u", with(with(u(), "/fields/nick", "encrypt", json!(true)), "/fields/tags", "encrypt", json!(true)))],
            "attribute-action-upgraded", Breaking, "/fields/tags/encrypt"),
        ("an encrypted field downgraded to signed",
            vec![("u", with(with(u(), "/fields/nick", "encrypt", json!(true)), "/fields/tags", "encrypt", json!(true)))],
            vec![("u", with(u(), "/fields/nick", "encrypt", json!(true)))],
            "attribute-action-downgraded", Breaking, "/fields/tags/encrypt"),
        ("a signed field made unsigned", vec![("u", with(u(), "/fields/nick", "encrypt", json!(true)))],
            vec![("u", with(with(u(), "/fields/nick", "encrypt", json!(true)), "/fields/age", "signed", json!(false)))],
            "attribute-action-downgraded", Breaking, "/fields/age/signed"),
        ("an encrypted table decrypted", vec![("u", with(u(), "/fields/nick", "encrypt", json!(true)))], vec![("u", u())], "table-decrypted", Breaking, ""),
        ("upgrade does not cover keys", vec![("u", u())],
            vec![("u", with(with(u(), "", "upgrade", json!(true)), "", "hash_key", json!("name")))],
            "key-changed", Breaking, "/hash_key"),
    ];
    let mut wrong = Vec::new();
    for (name, old, new, rule, class, pointer) in rows {
        let got = findings(&old, &new);
        let hit = got.iter().find(|f| f.rule == rule && f.pointer == pointer);
        match hit {
            Some(f) if f.class == class => {
                // Every finding explains itself: what happens, and what to do.
                assert!(f.message.len() > 20, "{name}: {f}");
            }
            _ => wrong.push(format!(
                "{name}: want {rule} {class:?} at {pointer}, got:\n    {}",
                got.iter()
                    .map(|f| format!("{f} [{}]", f.rule))
                    .collect::<Vec<_>>()
                    .join("\n    ")
            )),
        }
        // Breaking-class rows never pass quietly.
        if class == Breaking {
            assert!(got.iter().any(|f| f.class == Breaking), "{name}");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_change_no_finding() {
    assert!(findings(
        &[("u", user()), ("a", app()), ("n", note())],
        &[("u", user()), ("a", app()), ("n", note())]
    )
    .is_empty());
}

#[test]
fn a_finding_reads_as_the_design_says() {
    let got = findings(
        &[("user", user())],
        &[(
            "user",
            with(
                user(),
                "/fields",
                "city",
                json!({"type": "string", "required": true}),
            ),
        )],
    );
    assert_eq!(
        got[0].to_string(),
        "spec/user.json: /fields/city: breaking: items stored before this change have no \"city\"; give it a default or make it optional"
    );
    assert_eq!(got[0].to_json()["class"], "breaking");
}
