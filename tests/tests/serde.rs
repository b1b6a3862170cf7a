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

/// A collection's grouped form: one list per entity and the page's cursor, serialised as
/// the answer of an API (`Json(groups)`), each item its model's JSON.
#[tokio::test]
async fn a_collection_page_groups_by_entity_and_serialises_as_an_answer() {
    use dynamongo_runtime::prelude::*;
    use dynamongo_tests::serde_models::app::{self, WorkspaceGroups};
    use dynamongo_tests::serde_models::member::Member;
    use dynamongo_tests::serde_models::workspace::Workspace;
    use dynamongo_tests::serde_models::workspace_note::WorkspaceNote;
    let db = Db::embedded().await.unwrap();
    app::create_table(&db).await.unwrap();
    Workspace::save_one(&db, Workspace::new("acme", "Acme Inc"))
        .await
        .unwrap();
    for email in ["ann@example.com", "bob@example.com"] {
        Member::save_one(&db, Member::new("acme", email))
            .await
            .unwrap();
    }
    WorkspaceNote::save_one(&db, WorkspaceNote::new("acme", "Plan"))
        .await
        .unwrap();

    let all: WorkspaceGroups = app::workspace(&db, "acme")
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        (
            all.workspace.len(),
            all.member.len(),
            all.workspace_note.len()
        ),
        (1, 2, 1)
    );
    assert!(all.unknown.is_empty() && all.cursor.is_none());

    let page = app::workspace(&db, "acme").page(3).await.unwrap();
    let groups = WorkspaceGroups::from(page);
    let json = serde_json::to_value(&groups).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // A list per entity (in the collection's order, empty ones too), then the cursor.
    assert_eq!(
        keys,
        ["workspace", "member", "workspace_note", "cursor"],
        "{json}"
    );
    let members: Vec<serde_json::Value> = groups.member.iter().map(Model::to_json).collect();
    assert_eq!(json["member"], serde_json::Value::Array(members));
    let next = app::workspace(&db, "acme")
        .after(json["cursor"].as_str().unwrap())
        .page(3)
        .await
        .unwrap();
    let rest = WorkspaceGroups::from(next);
    let count = |g: &WorkspaceGroups| (g.workspace.len(), g.member.len(), g.workspace_note.len());
    let (a, b) = (count(&groups), count(&rest));
    assert_eq!((a.0 + b.0, a.1 + b.1, a.2 + b.2), (1, 2, 1));
    assert!(serde_json::to_value(&rest).unwrap().get("cursor").is_none());
}
