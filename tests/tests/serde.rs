//! The codegen's `serde` option: `Serialize` / `Deserialize` written out for each model.
//! Serialising gives the model's JSON (`to_json`); deserialising validates exactly as
//! `from_json` does, so a web framework's `Json<User>` extractor refuses invalid input
//! with every violation listed.

use dynamongo_runtime::field::Document;
use dynamongo_runtime::Model;
use dynamongo_tests::serde_models::order::{Order, OrderStatus};
use dynamongo_tests::serde_models::session::Session;
use dynamongo_tests::serde_models::user::User;
use serde::Deserialize;

#[test]
fn serialize_is_to_json_and_deserialize_is_from_json() {
    let mut u = User::new("john@example.com", "John");
    u.year_of_birth = Some(1990);
    u.cities_visited = vec!["Nairobi".into()];
    let json = serde_json::to_value(&u).unwrap();
    assert_eq!(json, u.to_json());
    let back: User = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, u);
    assert_eq!(back, User::from_json(json).unwrap());
    // Defaults apply as from_json applies them.
    let o: Order =
        serde_json::from_str(r#"{"customer": "c@example.com", "order_id": "o-1"}"#).unwrap();
    assert_eq!(o.status, OrderStatus::Open);
    // TTL fields read epoch seconds or a datetime, as from_json does.
    let s: Session =
        serde_json::from_str(r#"{"user": "a@example.com", "expires_at": 1900000000}"#).unwrap();
    assert_eq!(s.expires_at.timestamp(), 1_900_000_000);
}

#[test]
fn invalid_input_is_refused_with_every_violation() {
    let err = serde_json::from_str::<User>(
        r#"{"email": "not an email", "year_of_birth": 1700, "cities_visited": "Nairobi", "extra": 1}"#,
    )
    .unwrap_err()
    .to_string();
    for part in [
        "email",
        "name: is required",
        "year_of_birth",
        "cities_visited",
        "extra",
    ] {
        assert!(err.contains(part), "`{part}` not in: {err}");
    }
    // Inside another type's derive, as a request body would be.
    #[derive(Deserialize, Debug)]
    struct Signup {
        #[allow(dead_code)]
        users: Vec<User>,
    }
    let err = serde_json::from_str::<Signup>(r#"{"users": [{"email": "a@example.com"}]}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("name: is required"), "{err}");
    let ok: Signup =
        serde_json::from_str(r#"{"users": [{"email": "a@example.com", "name": "A"}]}"#).unwrap();
    assert_eq!(ok.users[0].name, "A");
}

/// Key types and index projections are what a JSON API hands out too (a cursor's key, a
/// listing of an index): they serialise to their JSON form and deserialise with their
/// fields' rules checked.
#[test]
fn key_types_and_projections_have_serde_too() {
    use dynamongo_tests::serde_models::order::{OrderByCoupon, OrderKey};
    use dynamongo_tests::serde_models::user::UserKey;
    let key = OrderKey {
        customer: "c@example.com".into(),
        order_id: "o-1".into(),
    };
    let json = serde_json::to_value(&key).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"customer": "c@example.com", "order_id": "o-1"})
    );
    assert_eq!(serde_json::from_value::<OrderKey>(json).unwrap(), key);
    let err = serde_json::from_str::<UserKey>(r#"{"email": "not an email"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("email"), "{err}");
    let err = serde_json::from_str::<UserKey>("{}")
        .unwrap_err()
        .to_string();
    assert!(err.contains("email: is required"), "{err}");

    let projected: OrderByCoupon = serde_json::from_str(
        r#"{"customer": "c@example.com", "order_id": "o-1", "coupon": "SPRING"}"#,
    )
    .unwrap();
    assert_eq!(projected.coupon, "SPRING");
    let back = serde_json::to_value(&projected).unwrap();
    assert_eq!(back["coupon"], "SPRING");
}

/// JSON output writes datetimes as RFC 3339 (what JSON clients parse); the stored form
/// stays dynamongo's `+0000`, and JSON input takes either.
#[test]
fn json_datetimes_are_rfc3339_and_input_takes_both_forms() {
    use dynamongo_runtime::chrono::{DateTime, Utc};
    use dynamongo_runtime::field::AttributeValue;
    let t = DateTime::<Utc>::from_timestamp(1_764_159_712, 599_764_000).unwrap();
    let mut u = User::new("a@example.com", "A");
    u.created_at = t;
    let json = serde_json::to_value(&u).unwrap();
    assert_eq!(json["created_at"], "2025-11-26T12:21:52.599764Z");
    assert!(DateTime::parse_from_rfc3339(json["created_at"].as_str().unwrap()).is_ok());
    assert_eq!(u.to_json(), json);
    assert_eq!(
        u.to_item()["created_at"],
        AttributeValue::S("2025-11-26T12:21:52.599764+0000".into())
    );
    for text in [
        "2025-11-26T12:21:52.599764Z",
        "2025-11-26T12:21:52.599764+00:00",
        "2025-11-26T12:21:52.599764+0000",
        "2025-11-26T14:21:52.599764+02:00",
    ] {
        let back: User = serde_json::from_value(serde_json::json!({
            "email": "a@example.com", "name": "A", "created_at": text
        }))
        .unwrap();
        assert_eq!(back.created_at, t, "{text}");
    }
}
