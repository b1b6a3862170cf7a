//! Concurrent writers and expiring items (DESIGN §9): optimistic locking with a
//! `"version": true` field, TTL fields, the stored item of a failed condition, and
//! `save_many` of one key twice.

use std::collections::HashMap;

use dynamongo_runtime::chrono::{DateTime, Duration, Utc};
use dynamongo_runtime::field::AttributeValue;
use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::account::{self, Account};
use dynamongo_tests::models::session::{self, Session};
use dynamongo_tests::models::user::{self, User};

async fn db_with<F: std::future::Future<Output = ()>>(setup: impl FnOnce(Db) -> F) -> Db {
    let db = Db::embedded().await.unwrap();
    setup(db.clone()).await;
    db
}

async fn accounts() -> Db {
    db_with(|db| async move { Account::create_table(&db).await.unwrap() }).await
}

/// The item as stored, read through the SDK (not through the model).
async fn raw(
    db: &Db,
    table: &str,
    key: (&str, AttributeValue),
) -> Option<HashMap<String, AttributeValue>> {
    db.client()
        .get_item()
        .table_name(db.table_name(table))
        .key(key.0, key.1)
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

async fn stored_account(db: &Db, id: &str) -> Account {
    Account::get_one(db, id).consistent(true).await.unwrap()
}

#[tokio::test]
async fn versions_count_writes() {
    let db = accounts().await;
    let new = Account::new("a1", "ann@example.com", 100);
    assert_eq!(new.version, 0, "a copy never saved is at version 0");

    let saved = Account::save_one(&db, new).await.unwrap();
    assert_eq!(saved.version, 1, "a new item is written with version 1");
    let item = raw(&db, "accounts", ("id", AttributeValue::S("a1".into())))
        .await
        .unwrap();
    assert_eq!(item["version"], AttributeValue::N("1".into()));

    let mut again = saved.clone();
    again.balance = 90;
    let again = Account::save_one(&db, again).await.unwrap();
    assert_eq!(again.version, 2);

    // update_one always adds one: by key (no check) and by model value (checked).
    let by_key = Account::update_one(&db, "a1", [account::balance().add(5)])
        .await
        .unwrap();
    assert_eq!((by_key.balance, by_key.version), (95, 3));
    let by_value = Account::update_one(&db, &by_key, [account::balance().set(80)])
        .await
        .unwrap();
    assert_eq!((by_value.balance, by_value.version), (80, 4));
    assert_eq!(stored_account(&db, "a1").await, by_value);

    // The version is dynamongo's to keep.
    let err = Account::update_one(&db, "a1", [account::version().set(1)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Expression(ref m) if m.contains("version")),
        "{err}"
    );
    assert_eq!(stored_account(&db, "a1").await.version, 4);
}

#[tokio::test]
async fn a_stale_copy_cannot_overwrite_update_or_delete() {
    let db = accounts().await;
    let current = Account::save_one(&db, Account::new("a1", "ann@example.com", 100))
        .await
        .unwrap();
    let stale = current.clone();
    let current = Account::update_one(&db, &current, [account::balance().set(70)])
        .await
        .unwrap();
    assert_eq!(current.version, 2);

    // Overwrite: refused, with the item as stored.
    let mut edited = stale.clone();
    edited.balance = 0;
    let err = Account::save_one(&db, edited).await.unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");
    assert_eq!(err.stored::<Account>().unwrap().unwrap(), current);

    // Update: refused.
    let err = Account::update_one(&db, &stale, [account::balance().set(1)])
        .await
        .unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");
    assert_eq!(err.stored::<Account>().unwrap().unwrap(), current);

    // Delete: refused.
    let err = Account::delete_one(&db, &stale).await.unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");
    assert_eq!(err.stored::<Account>().unwrap().unwrap(), current);

    // A second "new" item with the same key must not exist.
    let err = Account::save_one(&db, Account::new("a1", "eve@example.com", 1_000_000))
        .await
        .unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");

    // Nothing changed.
    assert_eq!(stored_account(&db, "a1").await, current);

    // The current copy still works, and delete_one of it deletes.
    let deleted = Account::delete_one(&db, &current).await.unwrap();
    assert_eq!(deleted, Some(current));
    assert!(Account::get_one(&db, "a1")
        .optional()
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn concurrent_writers_of_one_version_one_wins() {
    let db = accounts().await;
    let base = Account::save_one(&db, Account::new("a1", "ann@example.com", 0))
        .await
        .unwrap();
    // Twenty writers start from the same copy; exactly one may save it.
    let writers = (0..20).map(|i| {
        let db = db.clone();
        let mut copy = base.clone();
        copy.balance = i;
        tokio::spawn(async move { Account::save_one(&db, copy).await })
    });
    let results: Vec<_> = futures::future::join_all(writers).await;
    let won: Vec<Account> = results
        .into_iter()
        .filter_map(|r| r.unwrap().ok())
        .collect();
    assert_eq!(won.len(), 1, "one writer wins");
    assert_eq!(stored_account(&db, "a1").await, won[0]);
    assert_eq!(won[0].version, 2);
}

#[tokio::test]
async fn save_many_checks_each_versioned_item() {
    let db = accounts().await;
    let saved = Account::save_many(
        &db,
        (1..=3).map(|i| Account::new(format!("a{i}"), "ann@example.com", i)),
    )
    .await
    .unwrap();
    assert_eq!(saved.fail_count(), 0);
    assert!(
        saved.success.iter().all(|a| a.version == 1),
        "{:?}",
        saved.success
    );
    let by_id: HashMap<String, Account> = saved
        .success
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();

    // a2 moves on, so the copy held here goes stale.
    Account::update_one(&db, "a2", [account::balance().set(20)])
        .await
        .unwrap();

    let mut fresh = by_id["a1"].clone();
    fresh.balance = 11;
    let mut stale = by_id["a2"].clone();
    stale.balance = 0;
    let brand_new = Account::new("a4", "bob@example.com", 4);
    let clash = Account::new("a3", "eve@example.com", 0); // new, but a3 exists
    let r = Account::save_many(&db, vec![fresh, stale, brand_new, clash])
        .await
        .unwrap();

    let ok: Vec<(&str, i64)> = r
        .success
        .iter()
        .map(|a| (a.id.as_str(), a.version))
        .collect();
    assert_eq!(ok, [("a1", 2), ("a4", 1)]);
    let failed: Vec<&str> = r.fail.iter().map(|f| f.item.id.as_str()).collect();
    assert_eq!(failed, ["a2", "a3"]);
    assert!(r
        .fail
        .iter()
        .all(|f| f.reason.is_conditional_check_failed()));

    assert_eq!(stored_account(&db, "a2").await.balance, 20);
    assert_eq!(stored_account(&db, "a3").await.owner, "ann@example.com");
    assert_eq!(stored_account(&db, "a1").await.balance, 11);
}

#[tokio::test]
async fn update_from_json_checks_a_version_it_is_given() {
    let db = accounts().await;
    let a = Account::save_one(&db, Account::new("a1", "ann@example.com", 5))
        .await
        .unwrap();
    let stale = serde_json::json!({"id": "a1", "version": 0, "balance": 6});
    let err = Account::update_from_json(&db, stale).await.unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");
    let current = serde_json::json!({"id": "a1", "version": a.version, "balance": 6});
    let updated = Account::update_from_json(&db, current).await.unwrap();
    assert_eq!((updated.balance, updated.version), (6, 2));
    // The to_json of a copy goes back in as it is.
    let mut json = updated.to_json();
    json["balance"] = 7.into();
    let again = Account::update_from_json(&db, json).await.unwrap();
    assert_eq!((again.balance, again.version), (7, 3));
    // No version: refused with the object's other violations, unless the caller opts out.
    let blind = serde_json::json!({"id": "a1", "balance": 8, "nope": 1});
    let err = Account::update_from_json(&db, blind).await.unwrap_err();
    let mut paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["nope", "version"], "{err}");
    let blind = serde_json::json!({"id": "a1", "balance": 8});
    let err = Account::update_from_json(&db, blind.clone())
        .await
        .unwrap_err();
    assert_eq!(err.violations()[0].path, "version", "{err}");
    let stored = Account::get_one(&db, "a1").await.unwrap();
    assert_eq!(stored.balance, 7, "nothing written");
    let forced = Account::update_from_json(&db, blind)
        .any_version()
        .await
        .unwrap();
    assert_eq!((forced.balance, forced.version), (8, 4));
}

#[tokio::test]
async fn an_item_saved_before_versioning_is_at_version_zero() {
    let db = accounts().await;
    // As the Python library (or an older model) wrote it: no version attribute.
    db.client()
        .put_item()
        .table_name(db.table_name("accounts"))
        .item("id", AttributeValue::S("old".into()))
        .item("owner", AttributeValue::S("old@example.com".into()))
        .item("balance", AttributeValue::N("3".into()))
        .send()
        .await
        .unwrap();
    let old = stored_account(&db, "old").await;
    assert_eq!(old.version, 0);
    let saved = Account::save_one(&db, old.clone()).await.unwrap();
    assert_eq!(saved.version, 1);
    // Now versioned: the copy at 0 is stale.
    let err = Account::save_one(&db, old).await.unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");
}

#[tokio::test]
async fn conditional_check_failed_carries_the_stored_item() {
    let db = db_with(|db| async move { User::create_table(&db).await.unwrap() }).await;
    let jane = User::save_one(&db, User::new("jane@example.com", "Jane"))
        .await
        .unwrap();

    // save_one
    let err = User::save_one(&db, User::new("jane@example.com", "Other"))
        .overwrite(false)
        .await
        .unwrap_err();
    match &err {
        Error::ConditionalCheckFailed { table, item, .. } => {
            assert!(table.ends_with("users"));
            assert!(item.is_some());
        }
        other => panic!("{other}"),
    }
    assert_eq!(err.stored::<User>().unwrap().unwrap(), jane);

    // update_one whose checks fail
    let err = User::update_one(
        &db,
        user::email().eq("jane@example.com") & user::name().eq("Someone else"),
        [user::year_of_birth().set(1990)],
    )
    .await
    .unwrap_err();
    assert_eq!(err.stored::<User>().unwrap().unwrap(), jane);

    // A failed condition on no item: not found, nothing stored to show.
    let err = User::update_one(&db, "nobody@example.com", [user::name().set("N")])
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(err.stored::<User>().is_none());
}

#[tokio::test]
async fn save_many_of_one_key_twice_keeps_the_first_without_overwrite() {
    let db = db_with(|db| async move { User::create_table(&db).await.unwrap() }).await;
    // The same input many times: the outcome never varies.
    for round in 0..15 {
        let key = |k: &str| format!("{k}{round}@example.com");
        let items = vec![
            User::new(key("a"), "first"),
            User::new(key("b"), "b"),
            User::new(key("a"), "second"),
            User::new(key("a"), "third"),
        ];
        let r = User::save_many(&db, items).overwrite(false).await.unwrap();
        let saved: Vec<&str> = r.success.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(saved, ["first", "b"], "round {round}");
        let failed: Vec<&str> = r.fail.iter().map(|f| f.item.name.as_str()).collect();
        assert_eq!(failed, ["second", "third"], "round {round}");
        assert!(r
            .fail
            .iter()
            .all(|f| f.reason.is_conditional_check_failed()));
        let stored = User::get_one(&db, key("a")).consistent(true).await.unwrap();
        assert_eq!(stored.name, "first", "round {round}");
    }
    // With overwrite on, the last one wins.
    let items = vec![
        User::new("z@example.com", "first"),
        User::new("z@example.com", "last"),
    ];
    let r = User::save_many(&db, items).await.unwrap();
    assert_eq!(r.success_count(), 2);
    let stored = User::get_one(&db, "z@example.com")
        .consistent(true)
        .await
        .unwrap();
    assert_eq!(stored.name, "last");
}

async fn sessions() -> Db {
    db_with(|db| async move { Session::create_table(&db).await.unwrap() }).await
}

fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

#[tokio::test]
async fn ttl_is_enabled_and_stored_as_epoch_seconds() {
    let db = sessions().await;
    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(db.table_name("sessions"))
        .send()
        .await
        .unwrap();
    let d = ttl.time_to_live_description().unwrap();
    assert_eq!(d.attribute_name(), Some("expires_at"));
    assert_eq!(d.time_to_live_status().map(|s| s.as_str()), Some("ENABLED"));

    let at = Utc::now() + Duration::hours(1) + Duration::milliseconds(250);
    let s = Session::save_one(&db, Session::new("ann@example.com", at))
        .await
        .unwrap();
    let item = raw(
        &db,
        "sessions",
        ("token", AttributeValue::S(s.token.to_string())),
    )
    .await
    .unwrap();
    assert_eq!(
        item["expires_at"],
        AttributeValue::N(at.timestamp().to_string())
    );
    // Read back: whole seconds.
    let back = Session::get_one(&db, s.token).await.unwrap();
    assert_eq!(back.expires_at, whole_seconds(at));
    // JSON: a datetime string; epoch seconds are read too.
    assert!(back.to_json()["expires_at"].is_string());
    let from_secs = Session::from_json(serde_json::json!({
        "user": "ann@example.com", "expires_at": at.timestamp()
    }))
    .unwrap();
    assert_eq!(from_secs.expires_at, whole_seconds(at));
    let bad =
        Session::from_json(serde_json::json!({"user": "ann@example.com", "expires_at": "soon"}))
            .unwrap_err();
    assert_eq!(bad.violations()[0].path, "expires_at");
    // Conditions on the TTL compare numbers.
    let later = Session::get_many(&db, session::expires_at().gt(Utc::now()))
        .await
        .unwrap();
    assert_eq!(later.len(), 1);
    // A stored TTL that is not a number does not fit the model.
    db.client()
        .put_item()
        .table_name(db.table_name("sessions"))
        .item("token", AttributeValue::S(uuid_text(7)))
        .item("user", AttributeValue::S("x@example.com".into()))
        .item("expires_at", AttributeValue::S("tomorrow".into()))
        .send()
        .await
        .unwrap();
    let err = Session::get_many(&db, session::user().eq("x@example.com"))
        .await
        .unwrap_err();
    match err {
        Error::Decode { source, .. } => assert_eq!(source.path(), "expires_at"),
        other => panic!("{other}"),
    }
}

fn uuid_text(n: u8) -> String {
    format!("00000000-0000-4000-8000-0000000000{n:02}")
}

#[tokio::test]
async fn expired_items_are_hidden_from_reads() {
    let db = sessions().await;
    let now = Utc::now();
    let gone = Session::save_one(
        &db,
        Session::new("ann@example.com", now - Duration::hours(1)),
    )
    .await
    .unwrap();
    let live = Session::save_one(
        &db,
        Session::new("ann@example.com", now + Duration::hours(1)),
    )
    .await
    .unwrap();

    // get_one
    assert!(Session::get_one(&db, gone.token)
        .await
        .unwrap_err()
        .is_not_found());
    let shown = Session::get_one(&db, gone.token)
        .include_expired(true)
        .await
        .unwrap();
    assert_eq!(shown.token, gone.token);
    let with_check = session::token().eq(gone.token) & session::user().exists();
    assert!(Session::get_one(&db, with_check.clone())
        .optional()
        .await
        .unwrap()
        .is_none());
    assert!(Session::get_one(&db, with_check)
        .include_expired(true)
        .optional()
        .await
        .unwrap()
        .is_some());

    // get_many: keys (BatchGetItem) and a Scan
    let tokens = |v: Vec<Session>| {
        let mut t: Vec<_> = v.into_iter().map(|s| s.token).collect();
        t.sort();
        t
    };
    let mut both = vec![gone.token, live.token];
    both.sort();
    let keys = Session::get_many(&db, vec![gone.token, live.token])
        .await
        .unwrap();
    assert_eq!(tokens(keys), [live.token]);
    let keys = Session::get_many(&db, vec![gone.token, live.token])
        .include_expired(true)
        .await
        .unwrap();
    assert_eq!(tokens(keys), both);
    let scan = Session::get_many(&db, session::user().eq("ann@example.com"))
        .await
        .unwrap();
    assert_eq!(tokens(scan), [live.token]);
    let scan = Session::get_many(&db, session::user().eq("ann@example.com"))
        .include_expired(true)
        .await
        .unwrap();
    assert_eq!(tokens(scan), both);
    // A limit counts the items returned, not the expired ones skipped.
    let one = Session::get_many(&db, session::user().eq("ann@example.com"))
        .limit(1)
        .await
        .unwrap();
    assert_eq!(tokens(one), [live.token]);

    // A transaction's read too.
    let mut tx = db.transact_get();
    let (a, b) = (tx.get::<Session>(gone.token), tx.get::<Session>(live.token));
    let mut got = tx.await.unwrap();
    assert!(got.take(a).is_none());
    assert_eq!(got.take(b).map(|s| s.token), Some(live.token));

    // Still stored until DynamoDB deletes it: delete_many deletes what is stored.
    let deleted = Session::delete_many(&db, vec![gone.token]).await.unwrap();
    assert_eq!(deleted.success_count(), 1);
    assert!(Session::get_one(&db, gone.token)
        .include_expired(true)
        .optional()
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        Session::get_one(&db, live.token).await.unwrap().user,
        live.user
    );
}

/// `delete_many` given model values checks each one's version, as `delete_one` does: a
/// stale copy is not deleted and is in `fail` with the item as stored; plain keys are
/// deleted whatever their version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_many_checks_the_versions_of_model_values() {
    let db = accounts().await;
    let a = Account::save_one(&db, Account::new("a", "ann@x.io", 1))
        .await
        .unwrap();
    let b = Account::save_one(&db, Account::new("b", "bob@x.io", 2))
        .await
        .unwrap();
    let c = Account::save_one(&db, Account::new("c", "cy@x.io", 3))
        .await
        .unwrap();
    // b moves on: the copy held here is stale.
    Account::update_one(&db, &b, [account::balance().add(1)])
        .await
        .unwrap();
    let r = Account::delete_many(&db, vec![a.clone(), b.clone()])
        .await
        .unwrap();
    assert_eq!(
        r.success.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
        ["a"]
    );
    assert_eq!(r.fail.len(), 1);
    assert_eq!(r.fail[0].item.id, "b");
    let stored: Option<Account> = r.fail[0].reason.stored::<Account>().transpose().unwrap();
    assert_eq!(stored.map(|s| s.version), Some(2));
    assert!(Account::get_one(&db, "b")
        .optional()
        .await
        .unwrap()
        .is_some());
    // By key: no version to check.
    let r = Account::delete_many(&db, vec!["b", "c"]).await.unwrap();
    assert_eq!(r.success_count(), 2);
    let _ = c;
}

/// A committed transaction gives the new version of each versioned item it put, and of
/// each it updated given as a model value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_gives_back_new_versions() {
    let db = accounts().await;
    let a = Account::save_one(&db, Account::new("a", "ann@x.io", 10))
        .await
        .unwrap();
    let mut tx = db.transact_write();
    let updated = tx.update(&a, [account::balance().subtract(3)]);
    let created = tx.put(Account::new("b", "bob@x.io", 3));
    let by_key = tx.update("a2", [account::balance().add(1)]);
    let _ = by_key;
    let e = tx.await.unwrap_err(); // "a2" does not exist
    assert!(matches!(e, Error::TransactionCanceled { .. }), "{e}");
    let mut tx = db.transact_write();
    let updated2 = tx.update(&a, [account::balance().subtract(3)]);
    let created2 = tx.put(Account::new("b", "bob@x.io", 3));
    let _ = (updated, created);
    let done = tx.await.unwrap();
    assert_eq!(done.version(updated2), Some(2));
    assert_eq!(done.version(created2), Some(1));
    assert_eq!(stored_account(&db, "a").await.version, 2);
    assert_eq!(stored_account(&db, "b").await.version, 1);
}

/// An expired item is absent for updates and deletes too, as it is for reads: updating it
/// is `NotFound` (and writes nothing), deleting it deletes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_items_cannot_be_updated_or_deleted() {
    let db = sessions().await;
    let now = Utc::now();
    let gone = Session::save_one(
        &db,
        Session::new("ann@example.com", now - Duration::hours(1)),
    )
    .await
    .unwrap();
    let e = Session::update_one(&db, gone.token, [session::user().set("bob@example.com")])
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let e = Session::update_from_json(
        &db,
        serde_json::json!({"token": gone.token.to_string(), "user": "bob@example.com"}),
    )
    .await
    .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(Session::delete_one(&db, gone.token)
        .await
        .unwrap()
        .is_none());
    // Still stored as it was (DynamoDB deletes it in its own time).
    let stored = Session::get_one(&db, gone.token)
        .include_expired(true)
        .await
        .unwrap();
    assert_eq!(stored.user, "ann@example.com");
    // A live one is updated and deleted as usual.
    let live = Session::save_one(
        &db,
        Session::new("ann@example.com", now + Duration::hours(1)),
    )
    .await
    .unwrap();
    let updated = Session::update_one(&db, live.token, [session::user().set("bob@example.com")])
        .await
        .unwrap();
    assert_eq!(updated.user, "bob@example.com");
    assert!(Session::delete_one(&db, live.token)
        .await
        .unwrap()
        .is_some());
}
