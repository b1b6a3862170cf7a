//! Every field type through the embedded store and back; awkward attribute names;
//! items that do not fit the model.

use std::collections::{BTreeMap, BTreeSet};

use dynamongo_runtime::field::AttributeValue;
use dynamongo_runtime::prelude::*;
use dynamongo_runtime::{chrono, field::Bytes};
use dynamongo_tests::models::everything::{
    self, Everything, EverythingAddressGeo, EverythingStatus, Pet,
};
use dynamongo_tests::models::user::User;

fn full() -> Everything {
    let mut e = Everything::new("item-1", 3);
    e.count = 7;
    e.token = dynamongo_runtime::uuid::Uuid::from_u128(42);
    e.ratio = Some(0.25);
    e.title = Some("Hello".into());
    e.contact = Some("a@b.io".into());
    e.homepage = Some("https://example.com/x".into());
    e.address_ip = Some("2001:db8::1".into());
    e.seen_at = Some(chrono::DateTime::from_timestamp(1_600_000_000, 123_456_000).unwrap());
    e.born_on = Some(chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap());
    e.timeout = chrono::TimeDelta::seconds(90);
    e.tags = vec!["x".into(), "y".into()];
    e.size = Some("M".into());
    e.address.street = Some("Moi Ave".into());
    e.address.geo = EverythingAddressGeo {
        lat: Some(-1.28),
        lon: Some(36.82),
    };
    e.pets = vec![
        Pet {
            name: "Rex".into(),
            age: Some(3),
        },
        Pet::new("Tom"),
    ];
    e.labels = BTreeSet::from(["a".to_string(), "b".to_string()]);
    e.scores = BTreeSet::from([1, 5, 9]);
    e.avatar = Some(Bytes(vec![0, 1, 2, 255]));
    e.keys = BTreeSet::from([Bytes(vec![1]), Bytes(vec![2, 3])]);
    e.limits = BTreeMap::from([("daily".to_string(), 10), ("weekly".to_string(), 50)]);
    e.status = EverythingStatus::InProgress;
    e.r#type = Some("keyword".into());
    e.my_attr = Some("space".into());
    e.a_b = Some("dot".into());
    e.key_ru = Some("unicode".into());
    e.data = Some("reserved".into());
    e
}

#[tokio::test]
async fn every_type_round_trips_through_the_store() {
    let db = Db::embedded().await.unwrap();
    Everything::create_table(&db).await.unwrap();
    let e = full();
    Everything::save_one(&db, e.clone()).await.unwrap();
    let back = Everything::get_one(&db, ("item-1", 3)).await.unwrap();
    assert_eq!(back, e);
    // JSON round trip too.
    assert_eq!(Everything::from_json(e.to_json()).unwrap(), e);
}

#[tokio::test]
async fn awkward_attribute_names_work_in_items_conditions_and_updates() {
    let db = Db::embedded().await.unwrap();
    Everything::create_table(&db).await.unwrap();
    Everything::save_one(&db, full()).await.unwrap();
    let raw = db
        .client()
        .get_item()
        .table_name("everything")
        .key("id", AttributeValue::S("item-1".into()))
        .key("version", AttributeValue::N("3".into()))
        .send()
        .await
        .unwrap();
    let item = raw.item().unwrap();
    for name in ["size", "data", "type", "a.b", "my attr", "ключ", "status"] {
        assert!(
            item.contains_key(name),
            "attribute `{name}` stored under its own name"
        );
    }
    assert_eq!(item["status"], AttributeValue::S("in progress".into()));
    let key = || everything::id().eq("item-1") & everything::version().eq(3);
    let c = key()
        & everything::size().eq("M")
        & everything::data().eq("reserved")
        & everything::r#type().eq("keyword")
        & everything::a_b().eq("dot")
        & everything::my_attr().begins_with("sp")
        & everything::key_ru().eq("unicode")
        & everything::address().city().eq("Nairobi")
        & everything::address().geo().lat().lt(0.0);
    assert_eq!(Everything::get_one(&db, c).await.unwrap(), full());
    let e = Everything::update_one(
        &db,
        ("item-1", 3),
        [
            everything::size().set("L"),
            everything::a_b().set("dot2"),
            everything::key_ru().remove(),
            everything::address().city().set("Mombasa"),
            everything::labels().add(["c"]),
            everything::scores().delete([5]),
            everything::count().add(3),
        ],
    )
    .await
    .unwrap();
    assert_eq!(e.size.as_deref(), Some("L"));
    assert_eq!(e.a_b.as_deref(), Some("dot2"));
    assert_eq!(e.key_ru, None);
    assert_eq!(e.address.city, "Mombasa");
    assert!(e.labels.contains("c"));
    assert_eq!(e.scores, BTreeSet::from([1, 9]));
    assert_eq!(e.count, 10);
}

#[tokio::test]
async fn refuses_what_dynamodb_would_refuse() {
    let db = Db::embedded().await.unwrap();
    Everything::create_table(&db).await.unwrap();
    let mut e = full();
    e.ratio = Some(f64::NAN);
    e.title = Some("lowercase".into());
    e.tags.push(String::new());
    e.pets.push(Pet {
        name: String::new(),
        age: Some(-1),
    });
    let err = Everything::save_one(&db, e).await.unwrap_err();
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    for p in ["ratio", "title", "tags[2]", "pets[2].name", "pets[2].age"] {
        assert!(paths.contains(&p), "{p} missing in {err}");
    }
    let mut big = full();
    big.title = Some(format!("T{}", "x".repeat(79)));
    big.tags = vec!["y".repeat(1000); 500];
    let err = Everything::save_one(&db, big).await.unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
    let err = Everything::update_one(&db, ("item-1", 3), [everything::ratio().set(f64::INFINITY)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
}

#[tokio::test]
async fn foreign_items_that_do_not_fit_are_decode_errors() {
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    db.client()
        .put_item()
        .table_name("users")
        .item("email", AttributeValue::S("x@y.io".into()))
        .item("name", AttributeValue::S("X".into()))
        .item("year_of_birth", AttributeValue::S("nineteen ninety".into()))
        .send()
        .await
        .unwrap();
    let err = User::get_one(&db, "x@y.io").await.unwrap_err();
    match &err {
        Error::Decode { source, .. } => {
            assert_eq!(source.path(), "year_of_birth");
            assert!(
                err.to_string().contains("expected N (integer), found S"),
                "{err}"
            );
        }
        other => panic!("expected a decode error, got {other}"),
    }
    db.client()
        .put_item()
        .table_name("users")
        .item("email", AttributeValue::S("z@y.io".into()))
        .item(
            "cities_visited",
            AttributeValue::L(vec![AttributeValue::N("1".into())]),
        )
        .send()
        .await
        .unwrap();
    let err = User::get_one(&db, "z@y.io").await.unwrap_err();
    assert!(
        err.to_string().contains("cities_visited[0]") || err.to_string().contains("name"),
        "{err}"
    );
}

/// `tests/specs/valid/hostile.json`: a model named `Option` with dicts named `Result`,
/// `Vec`, `String`, `Box`, `Default` and `Into`, enums named `Some` and `Item`, and fields
/// named after every local and method the generator writes.
#[tokio::test]
async fn hostile_names_work_end_to_end() {
    use dynamongo_tests::edge::option::{self as hostile, Option as Hostile, Some as Status};
    let db = Db::embedded().await.unwrap();
    Hostile::create_table(&db).await.unwrap();
    let h = Hostile::from_json(serde_json::json!({
        "value": "v1", "item": 1, "json_": "a@b.io", "type": "a", "self": "me",
        "result": {"child": "c", "clone": 2, "vec": {"string": {}}},
        "default": [{"ok": 1}], "boxes": {"k": {"err": "e"}}, "kind": "Field"
    }))
    .unwrap();
    assert_eq!(h.status, Status::None);
    assert_eq!(h.json, "j");
    assert_eq!(h.result.vec.string.r#box, 1);
    let saved = Hostile::save_one(&db, h.clone()).await.unwrap();
    assert_eq!(Hostile::get_one(&db, ("v1", 1)).await.unwrap(), saved);
    let updated = Hostile::update_one(
        &db,
        ("v1", 1),
        [
            hostile::out().set("o"),
            hostile::result().clone().add(1),
            hostile::self_().remove(),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        (updated.out.as_deref(), updated.result.clone),
        (Some("o"), Some(3))
    );
    assert_eq!(updated.self_, None);
    let updated = Hostile::update_from_json(
        &db,
        serde_json::json!({"value": "v1", "item": 1, "updates": 2.5, "out": null}),
    )
    .await
    .unwrap();
    assert_eq!((updated.updates, updated.out), (2.5, None));
    // Every problem at once, at its path.
    let err = Hostile::from_json(serde_json::json!({
        "item": "x", "json_": "bad", "type": "c", "result": {"clone": 0}, "nope": 1
    }))
    .unwrap_err();
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "nope",
            "value",
            "item",
            "json_",
            "type",
            "result.clone",
            "result.child"
        ],
        "{err}"
    );
}
