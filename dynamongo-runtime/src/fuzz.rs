//! Property tests with shrinking (proptest) for what reads untrusted input: page cursors
//! (a web API's clients hand them back), datetime text, JSON bodies (`from_json`) and
//! stored items (`from_item`, an item any other writer may have stored). None may panic;
//! what is accepted round-trips. 256 cases each by default, so the suite stays quick;
//! `PROPTEST_CASES=100000 cargo test -p dynamongo-runtime fuzz` runs longer, and a failure
//! prints the shrunk input.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::Value;

use crate::codegen::example::order::Order;
use crate::codegen::example::user::User;
use crate::cursor::{self, CursorKeys, Position};
use crate::document::Document;
use crate::model::Model;
use crate::value::{format_datetime, parse_datetime, Item};

fn keys() -> CursorKeys {
    CursorKeys::new(b"the fuzzing key, 32 bytes long!!".to_vec(), Vec::new()).unwrap()
}

fn scalar() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        ".{0,20}".prop_map(AttributeValue::S),
        any::<i64>().prop_map(|n| AttributeValue::N(n.to_string())),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|b| AttributeValue::B(b.into())),
    ]
}

/// Any attribute value, nested a few levels.
fn attribute() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        scalar(),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null(true)),
        "-?[0-9]{1,4}(\\.[0-9]{1,3})?(e-?[0-9])?".prop_map(AttributeValue::N),
        proptest::collection::vec(".{0,6}", 1..4).prop_map(AttributeValue::Ss),
        proptest::collection::vec("[0-9]{1,3}", 1..4).prop_map(AttributeValue::Ns),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
            proptest::collection::hash_map(name(), inner, 0..4).prop_map(AttributeValue::M),
        ]
    })
}

/// Attribute names: the models' own, and others.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "email",
            "name",
            "year_of_birth",
            "cities_visited",
            "created_at",
            "customer",
            "order_id",
            "status",
            "placed_at",
            "total",
            "coupon",
            "city",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
    ]
}

fn item() -> impl Strategy<Value = Item> {
    proptest::collection::hash_map(name(), attribute(), 0..8)
}

/// Any JSON value, nested a few levels, with the models' field names among its keys.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,16}".prop_map(Value::String),
        "[a-z]{1,8}@[a-z]{1,8}\\.(io|com)".prop_map(Value::String),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(\\+0000|Z|[+-][01][0-9]:[0-5][0-9])?"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((name(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn position() -> impl Strategy<Value = Position> {
    (
        0usize..1000,
        proptest::option::of(proptest::collection::hash_map("[a-z]{1,6}", scalar(), 1..4)),
    )
        .prop_map(|(part, start)| Position { part, start })
}

proptest! {
    #[test]
    fn cursor_decoding_never_panics_and_refuses_what_it_did_not_sign(text in ".{0,400}") {
        prop_assert!(cursor::decode(&keys(), &text, "fingerprint").is_err());
    }

    #[test]
    fn cursors_round_trip_and_every_change_is_refused(
        pos in position(),
        at in any::<prop::sample::Index>(),
        with in "[A-Za-z0-9_.-]",
    ) {
        let k = keys();
        let c = cursor::encode(&k, "fp", &pos);
        prop_assert_eq!(cursor::decode(&k, &c, "fp").unwrap(), pos);
        prop_assert!(cursor::decode(&k, &c, "another").is_err());
        let i = at.index(c.len());
        let mut changed = c.clone();
        changed.replace_range(i..i + 1, &with);
        if changed != c {
            prop_assert!(cursor::decode(&k, &changed, "fp").is_err(), "accepted {}", changed);
        }
    }

    #[test]
    fn datetime_parsing_never_panics(text in ".{0,40}") {
        let _ = parse_datetime(&text);
    }

    #[test]
    fn stored_datetimes_round_trip(seconds in -62_000_000_000i64..250_000_000_000, micros in 0u32..1_000_000) {
        let t: DateTime<Utc> = DateTime::from_timestamp(seconds, micros * 1000).unwrap();
        prop_assert_eq!(parse_datetime(&format_datetime(&t)), Some(t));
    }

    #[test]
    fn from_json_never_panics_and_what_it_accepts_round_trips(value in json()) {
        if let Ok(u) = User::from_json(value.clone()) {
            prop_assert!(u.validate().is_ok());
            prop_assert_eq!(User::from_json(u.to_json()).unwrap(), u);
        }
        if let Ok(o) = Order::from_json(value) {
            prop_assert_eq!(Order::from_json(o.to_json()).unwrap(), o);
        }
    }

    #[test]
    fn from_json_of_an_object_with_the_model_fields(
        fields in proptest::collection::hash_map(name(), json(), 0..8)
    ) {
        let value = Value::Object(fields.into_iter().collect());
        let _ = User::from_json(value.clone());
        let _ = Order::from_json(value);
    }

    #[test]
    fn from_item_never_panics_and_what_it_accepts_round_trips(item in item()) {
        if let Ok(u) = User::from_item(&item) {
            prop_assert_eq!(User::from_item(&u.to_item()).unwrap(), u);
        }
        if let Ok(o) = Order::from_item(&item) {
            prop_assert_eq!(Order::from_item(&o.to_item()).unwrap(), o);
        }
    }
}

/// The generators reach the interesting cases: an item with the right attributes decodes.
#[test]
fn a_well_formed_item_decodes() {
    let item: HashMap<String, AttributeValue> = HashMap::from([
        ("email".to_string(), AttributeValue::S("a@b.io".into())),
        ("name".to_string(), AttributeValue::S("A".into())),
    ]);
    assert!(User::from_item(&item).is_ok());
}
