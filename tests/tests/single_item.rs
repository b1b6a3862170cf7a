//! Every single-item example of the seed docs, on the embedded store (real HTTP, real SDK).

use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::contacts::{self, Contacts};
use dynamongo_tests::models::user::{self, User, UserKey};
use serde_json::json;

async fn db_with_users() -> Db {
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    db
}

fn john() -> User {
    User::from_json(json!({
        "email": "johndoe@gmail.com",
        "name": "John Doe",
        "year_of_birth": 1990,
        "cities_visited": ["Nairobi", "New York"]
    }))
    .unwrap()
}

#[tokio::test]
async fn quickstart() {
    let db = db_with_users().await;
    let john = User::save_one(&db, john()).await.unwrap();
    let jane = User::save_one(
        &db,
        User::from_json(json!({"email": "jane@gmail.com", "name": "Jane Doe"})).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(john.name, "John Doe");
    assert!(
        (dynamongo_runtime::chrono::Utc::now() - jane.created_at)
            .num_seconds()
            .abs()
            < 60,
        "created_at defaults to now"
    );
    assert_eq!(jane.year_of_birth, None);
    assert!(jane.cities_visited.is_empty());
    let user = User::get_one(&db, user::email().eq("johndoe@gmail.com"))
        .await
        .unwrap();
    assert_eq!(user, john);
    let dict = user.to_json();
    assert_eq!(dict["name"], "John Doe");
    assert_eq!(dict["cities_visited"], json!(["Nairobi", "New York"]));
}

#[tokio::test]
async fn save_one_from_a_model_instance() {
    let db = db_with_users().await;
    let mut user = User::new("johndoe@gmail.com", "John Doe");
    user.year_of_birth = Some(1990);
    user.cities_visited = vec!["Nairobi".into(), "New York".into()];
    let saved = User::save_one(&db, user.clone()).await.unwrap();
    assert_eq!(saved, user);
    assert_eq!(User::get_one(&db, "johndoe@gmail.com").await.unwrap(), user);
}

#[tokio::test]
async fn save_one_overwrite_rules() {
    let db = db_with_users().await;
    User::save_one(&db, john()).await.unwrap();
    // overwrite = true (default) replaces.
    let mut replaced = john();
    replaced.name = "Johnny".into();
    User::save_one(&db, replaced).await.unwrap();
    assert_eq!(
        User::get_one(&db, "johndoe@gmail.com").await.unwrap().name,
        "Johnny"
    );
    // overwrite = false on an existing key fails with ConditionalCheckFailed.
    let err = User::save_one(&db, john())
        .overwrite(false)
        .await
        .unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");
    // ... and succeeds on a new key.
    User::save_one(&db, User::new("new@gmail.com", "New"))
        .overwrite(false)
        .await
        .unwrap();
    // overwrite = condition: replaced only when the existing item meets it.
    let err = User::save_one(&db, john())
        .overwrite(user::year_of_birth().lt(1980))
        .await
        .unwrap_err();
    assert!(err.is_conditional_check_failed());
    User::save_one(&db, john())
        .overwrite(user::year_of_birth().lt(2000))
        .await
        .unwrap();
    assert_eq!(
        User::get_one(&db, "johndoe@gmail.com").await.unwrap().name,
        "John Doe"
    );
}

#[tokio::test]
async fn get_one_by_every_strategy() {
    let db = db_with_users().await;
    let john = User::save_one(&db, john()).await.unwrap();
    // The primary key value.
    assert_eq!(User::get_one(&db, "johndoe@gmail.com").await.unwrap(), john);
    assert_eq!(
        User::get_one(&db, String::from("johndoe@gmail.com"))
            .await
            .unwrap(),
        john
    );
    // The key type (the seed's dict of key values).
    assert_eq!(
        User::get_one(
            &db,
            UserKey {
                email: "johndoe@gmail.com".into()
            }
        )
        .await
        .unwrap(),
        john
    );
    // A model instance (by reference: the key is taken from it).
    let probe = User::new("johndoe@gmail.com", "");
    assert_eq!(User::get_one(&db, &probe).await.unwrap(), john);
    assert_eq!(
        User::get_one(&db, User::new("johndoe@gmail.com", ""))
            .await
            .unwrap(),
        john
    );
    // A key condition.
    assert_eq!(
        User::get_one(&db, user::email().eq("johndoe@gmail.com"))
            .await
            .unwrap(),
        john
    );
    // A key condition plus checks.
    let c = user::email().eq("johndoe@gmail.com") & user::year_of_birth().le(2000);
    assert_eq!(User::get_one(&db, c).await.unwrap(), john);
    let c = user::email().eq("johndoe@gmail.com") & user::year_of_birth().gt(2000);
    assert!(User::get_one(&db, c).await.unwrap_err().is_not_found());
    // Absent: NotFound, or None with optional().
    let err = User::get_one(&db, "nobody@gmail.com").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        User::get_one(&db, "nobody@gmail.com")
            .optional()
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn delete_one_examples() {
    let db = db_with_users().await;
    // The primary key value.
    let saved = User::save_one(&db, john()).await.unwrap();
    assert_eq!(
        User::delete_one(&db, "johndoe@gmail.com").await.unwrap(),
        Some(saved)
    );
    assert_eq!(
        User::delete_one(&db, "johndoe@gmail.com").await.unwrap(),
        None
    );
    // The key type, a model instance, a key condition.
    User::save_one(&db, john()).await.unwrap();
    assert!(User::delete_one(&db, UserKey::from("johndoe@gmail.com"))
        .await
        .unwrap()
        .is_some());
    User::save_one(&db, john()).await.unwrap();
    assert!(User::delete_one(&db, User::new("johndoe@gmail.com", "x"))
        .await
        .unwrap()
        .is_some());
    User::save_one(&db, john()).await.unwrap();
    assert!(User::delete_one(&db, user::email().eq("johndoe@gmail.com"))
        .await
        .unwrap()
        .is_some());

    // Example #1: born on or before 2000.
    let saved = User::save_one(&db, john()).await.unwrap();
    let c = user::email().eq("johndoe@gmail.com") & user::year_of_birth().gt(2000);
    assert_eq!(
        User::delete_one(&db, c).await.unwrap(),
        None,
        "check fails: nothing deleted"
    );
    let c = user::email().eq("johndoe@gmail.com") & user::year_of_birth().le(2000);
    assert_eq!(User::delete_one(&db, c).await.unwrap(), Some(saved));

    // Example #2: has visited Nairobi.
    User::save_one(&db, john()).await.unwrap();
    let c = user::email().eq("johndoe@gmail.com") & user::cities_visited().contains("Nairobi");
    assert!(User::delete_one(&db, c).await.unwrap().is_some());

    // Example #3: born after 2000 or visited Nairobi.
    User::save_one(&db, john()).await.unwrap();
    let c = user::email().eq("johndoe@gmail.com")
        & (user::year_of_birth().gt(2000) | user::cities_visited().contains("Nairobi"));
    assert!(User::delete_one(&db, c).await.unwrap().is_some());

    // ORed key condition: an expression error before anything is sent.
    User::save_one(&db, john()).await.unwrap();
    let c = user::email().eq("johndoe@gmail.com") | user::year_of_birth().gt(2000);
    let err = User::delete_one(&db, c).await.unwrap_err();
    assert!(matches!(err, Error::Expression(_)), "{err}");
    assert!(
        User::get_one(&db, "johndoe@gmail.com").await.is_ok(),
        "nothing was deleted"
    );
    // A missing key equality is an expression error too.
    let err = User::delete_one(&db, user::year_of_birth().gt(2000))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Expression(_)), "{err}");
}

#[tokio::test]
async fn composite_keys() {
    let db = Db::embedded().await.unwrap();
    Contacts::create_table(&db).await.unwrap();
    let id = dynamongo_runtime::uuid::Uuid::new_v4();
    let c = Contacts::new(id, "john@gmail.com");
    Contacts::save_one(&db, c.clone()).await.unwrap();
    assert_eq!(
        Contacts::get_one(&db, (id, "john@gmail.com"))
            .await
            .unwrap(),
        c
    );
    let cond = contacts::user_id().eq(id) & contacts::email().eq("john@gmail.com");
    assert_eq!(Contacts::get_one(&db, cond).await.unwrap(), c);
    // Missing the range key equality.
    let err = Contacts::get_one(&db, contacts::user_id().eq(id))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Expression(_)), "{err}");
    assert_eq!(
        Contacts::delete_one(&db, (id, "john@gmail.com"))
            .await
            .unwrap(),
        Some(c)
    );
}

#[tokio::test]
async fn updates() {
    let db = db_with_users().await;
    User::save_one(&db, john()).await.unwrap();
    let u = User::update_one(
        &db,
        "johndoe@gmail.com",
        [
            user::name().set("John"),
            user::year_of_birth().add(1),
            user::cities_visited().append(["Paris"]),
        ],
    )
    .await
    .unwrap();
    assert_eq!(u.name, "John");
    assert_eq!(u.year_of_birth, Some(1991));
    assert_eq!(u.cities_visited, ["Nairobi", "New York", "Paris"]);

    let u = User::update_one(
        &db,
        "johndoe@gmail.com",
        [
            user::cities_visited().prepend(["Lagos"]),
            user::year_of_birth().subtract(2),
        ],
    )
    .await
    .unwrap();
    assert_eq!(u.cities_visited.first().map(String::as_str), Some("Lagos"));
    assert_eq!(u.year_of_birth, Some(1989));
    let u = User::update_one(
        &db,
        "johndoe@gmail.com",
        [user::year_of_birth().increment()],
    )
    .await
    .unwrap();
    assert_eq!(u.year_of_birth, Some(1990));
    let u = User::update_one(
        &db,
        "johndoe@gmail.com",
        [user::year_of_birth().decrement()],
    )
    .await
    .unwrap();
    assert_eq!(u.year_of_birth, Some(1989));
    let u = User::update_one(&db, "johndoe@gmail.com", [user::year_of_birth().remove()])
        .await
        .unwrap();
    assert_eq!(u.year_of_birth, None);
    let u = User::update_one(
        &db,
        "johndoe@gmail.com",
        [user::year_of_birth().set_if_not_exists(1950)],
    )
    .await
    .unwrap();
    assert_eq!(u.year_of_birth, Some(1950));
    let u = User::update_one(
        &db,
        "johndoe@gmail.com",
        [user::year_of_birth().set_if_not_exists(1960)],
    )
    .await
    .unwrap();
    assert_eq!(u.year_of_birth, Some(1950), "exists already: unchanged");

    // Values are validated before sending.
    let err = User::update_one(
        &db,
        "johndoe@gmail.com",
        [user::year_of_birth().set(1800), user::email().set("x")],
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
    // A missing item is never created.
    let err = User::update_one(&db, "nobody@gmail.com", [user::name().set("X")])
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(User::get_one(&db, "nobody@gmail.com")
        .optional()
        .await
        .unwrap()
        .is_none());
    // Key plus a failing check: ConditionalCheckFailed.
    let c = user::email().eq("johndoe@gmail.com") & user::year_of_birth().gt(2000);
    let err = User::update_one(&db, c, [user::name().set("X")])
        .await
        .unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");
}

#[tokio::test]
async fn update_from_json_only_updates_existing_items() {
    let db = db_with_users().await;
    User::save_one(&db, john()).await.unwrap();
    let u = User::update_from_json(
        &db,
        json!({"email": "johndoe@gmail.com", "name": "J", "year_of_birth": null}),
    )
    .await
    .unwrap();
    assert_eq!(u.name, "J");
    assert_eq!(u.year_of_birth, None);
    let err = User::update_from_json(&db, json!({"email": "nobody@gmail.com", "name": "J"}))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let err = User::update_from_json(&db, json!({"name": "J", "year_of_birth": "old", "nick": 1}))
        .await
        .unwrap_err();
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    assert!(
        paths.contains(&"email") && paths.contains(&"year_of_birth") && paths.contains(&"nick"),
        "{err}"
    );
}

#[tokio::test]
async fn validation_errors_are_aggregated_and_nothing_is_written() {
    let db = db_with_users().await;
    let err = User::from_json(
        json!({"email": "not-an-email", "year_of_birth": 1800, "cities_visited": "Nairobi"}),
    )
    .unwrap_err();
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    assert!(paths.contains(&"name"), "{err}");
    assert!(paths.contains(&"cities_visited"), "{err}");
    let mut bad = User::new("not-an-email", "");
    bad.year_of_birth = Some(1800);
    let err = User::save_one(&db, bad).await.unwrap_err();
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["email", "name", "year_of_birth"], "{err}");
    assert!(User::get_one(&db, "not-an-email")
        .optional()
        .await
        .unwrap()
        .is_none());
    // Empty key values are refused before sending.
    let err = User::get_one(&db, "").await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
}

#[tokio::test]
async fn create_table_twice_is_a_clear_error() {
    let db = db_with_users().await;
    let err = User::create_table(&db).await.unwrap_err();
    assert!(
        matches!(err, Error::TableExists(ref t) if t == "users"),
        "{err}"
    );
}

#[tokio::test]
async fn table_prefix_applies_to_every_call() {
    let base = Db::embedded().await.unwrap();
    let db = Db::builder()
        .endpoint_url(base.endpoint_url().unwrap())
        .region("us-east-1")
        .credentials("a", "b")
        .table_prefix("test-")
        .build()
        .await
        .unwrap();
    User::create_table(&db).await.unwrap();
    User::save_one(&db, john()).await.unwrap();
    let tables = db.client().list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), ["test-users"]);
    assert!(format!("{db:?}").contains("test-") && !format!("{db:?}").contains("\"b\""));
}

#[tokio::test]
async fn from_json_reports_every_violation_whatever_else_is_wrong() {
    // `name` is missing, and the email and the year are wrong as well: all three are reported.
    let err = User::from_json(json!({"email": "not-an-email", "year_of_birth": 1700})).unwrap_err();
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["email", "name", "year_of_birth"], "{err}");
}

#[tokio::test]
async fn an_update_cannot_store_what_a_save_would_refuse() {
    let db = db_with_users().await;
    User::save_one(&db, john()).await.unwrap();
    for update in [user::name().set(""), user::email().set("not-an-email")] {
        let err = User::update_one(&db, "johndoe@gmail.com", [update])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err}");
    }
    let err = User::update_from_json(&db, json!({"email": "johndoe@gmail.com", "name": ""}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
    let stored = User::get_one(&db, "johndoe@gmail.com").await.unwrap();
    assert_eq!(stored.name, john().name);
}

#[tokio::test]
async fn every_operation_is_a_builder_that_is_awaited() {
    let db = Db::embedded().await.unwrap();
    // Options are added before awaiting; without `.wait(true)` the table may still be CREATING.
    User::create_table(&db).wait(false).await.unwrap();
    let create = User::create_table(&db);
    assert!(matches!(create.await, Err(Error::TableExists(_))));
    User::save_one(&db, john()).await.unwrap();
    let update = User::update_one(&db, "johndoe@gmail.com", [user::name().set("J")]);
    assert_eq!(update.await.unwrap().name, "J");
    let update = User::update_from_json(&db, json!({"email": "johndoe@gmail.com", "name": "K"}));
    assert_eq!(update.await.unwrap().name, "K");
    let delete = User::delete_one(&db, "johndoe@gmail.com");
    assert_eq!(delete.await.unwrap().map(|u| u.name), Some("K".to_string()));
}

/// A field with a default always has a value: its type is `T`, not `Option<T>`, and an
/// item stored without the attribute (by another writer, or before the field existed)
/// reads as the default, as Python dynamongo reads it.
#[tokio::test]
async fn a_field_with_a_default_always_has_a_value() {
    use dynamongo_runtime::field::AttributeValue;
    use dynamongo_tests::models::order::{Order, OrderStatus};
    let db = Db::embedded().await.unwrap();
    Order::create_table(&db).await.unwrap();
    let o = Order::new("c@x.io", "o-1");
    let status: OrderStatus = o.status; // not an Option
    assert_eq!(status, OrderStatus::Open);
    db.client()
        .put_item()
        .table_name("orders")
        .item("customer", AttributeValue::S("c@x.io".into()))
        .item("order_id", AttributeValue::S("o-2".into()))
        .send()
        .await
        .unwrap();
    let read = Order::get_one(&db, ("c@x.io", "o-2")).await.unwrap();
    assert_eq!(read.status, OrderStatus::Open);
    // Its handle has no remove(): the field cannot be made absent.
    let saved = Order::update_one(
        &db,
        ("c@x.io", "o-2"),
        [dynamongo_tests::models::order::status().set(OrderStatus::Shipped)],
    )
    .await
    .unwrap();
    assert_eq!(saved.status, OrderStatus::Shipped);
}
