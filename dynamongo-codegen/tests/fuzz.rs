//! Property tests with shrinking (proptest) for spec parsing: any text, and any JSON shaped
//! like a spec (its keys, types and options drawn from the spec vocabulary), either
//! generates or is refused with errors that each name the file and a place in it — never a
//! panic. 256 cases each; `PROPTEST_CASES=20000 cargo test -p dynamongo-codegen --test fuzz`
//! runs longer, and a failure prints the shrunk spec.

use dynamongo_codegen::{generate, Error, Options};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "model",
        "table",
        "hash_key",
        "range_key",
        "fields",
        "type",
        "required",
        "default",
        "min_value",
        "max_value",
        "min_length",
        "max_length",
        "regex",
        "choices",
        "items",
        "values",
        "indexes",
        "projection",
        "local",
        "index_name",
        "throughput",
        "stream",
        "version",
        "attribute",
        "doc",
        "id",
        "email",
        "name",
        "when",
        "tags",
        "User",
        "T",
        "string",
        "int",
        "float",
        "boolean",
        "email",
        "url",
        "uuid",
        "datetime",
        "date",
        "list",
        "dict",
        "map",
        "enum",
        "ttl",
        "string_set",
        "number_set",
        "now",
        "uuid4",
        "all",
        "keys_only",
        "on_demand",
        "new_image",
    ])
    .prop_map(str::to_string)
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..3000).prop_map(Value::from),
        word().prop_map(Value::String),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A spec with the usual top level, whose parts are anything.
fn spec() -> impl Strategy<Value = Value> {
    (
        value(),
        proptest::collection::vec((word(), value()), 0..5),
        proptest::collection::vec((word(), value()), 0..3),
    )
        .prop_map(|(hash, fields, extra)| {
            let mut spec = json!({
                "model": "User",
                "table": "users",
                "hash_key": hash,
                "fields": fields.into_iter().collect::<Map<_, _>>(),
            });
            for (k, v) in extra {
                spec[k] = v;
            }
            spec
        })
}

fn check(text: String) -> Result<(), TestCaseError> {
    match generate(&Options::from_sources([("fuzz/spec.json", text)])) {
        Ok(generated) => prop_assert!(!generated.files.is_empty()),
        Err(Error::Spec(errors)) => {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert_eq!(&e.file, "fuzz/spec.json");
                prop_assert!(
                    e.position.is_some() || e.pointer.is_empty() || e.pointer.starts_with('/'),
                    "unlocated: {}",
                    e
                );
                prop_assert!(!e.message.is_empty());
            }
        }
        Err(other) => prop_assert!(false, "not a spec error: {}", other),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_text_is_a_spec_or_located_errors(text in ".{0,200}") {
        check(text)?;
    }

    #[test]
    fn any_spec_shaped_json_generates_or_has_located_errors(spec in spec()) {
        check(spec.to_string())?;
    }
}
