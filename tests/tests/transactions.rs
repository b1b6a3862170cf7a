//! Transactions (DESIGN §9): TransactWriteItems and TransactGetItems through
//! `Db::transact_write` / `Db::transact_get`, across models, with version checks; their
//! cancellation reasons, the limits refused before sending, and faults.

use std::sync::atomic::Ordering;
use std::time::Duration;

use dynamongo_runtime::chrono::Utc;
use dynamongo_runtime::config::RetryPolicy;
use dynamongo_runtime::prelude::*;
use dynamongo_tests::fault::{FaultProxy, Faults};
use dynamongo_tests::models::account::{self, Account};
use dynamongo_tests::models::session::Session;
use dynamongo_tests::models::user::{self, User};

async fn setup() -> Db {
    let db = Db::embedded().await.unwrap();
    Account::create_table(&db).await.unwrap();
    User::create_table(&db).await.unwrap();
    Session::create_table(&db).await.unwrap();
    db
}

async fn account(db: &Db, id: &str) -> Account {
    Account::get_one(db, id).consistent(true).await.unwrap()
}

async fn open(db: &Db, id: &str, balance: i64) -> Account {
    Account::save_one(db, Account::new(id, "ann@example.com", balance))
        .await
        .unwrap()
}

#[tokio::test]
async fn transact_write_commits_every_action_across_models() {
    let db = setup().await;
    let a = open(&db, "a", 100).await;
    let b = open(&db, "b", 50).await;
    User::save_one(&db, User::new("old@example.com", "Old"))
        .await
        .unwrap();
    User::save_one(&db, User::new("dave@example.com", "Dave"))
        .await
        .unwrap();

    let mut tx = db.transact_write();
    // A transfer: both accounts at the versions read, the payer has the funds.
    tx.update(&a, [account::balance().subtract(30)]);
    tx.update(
        account::id().eq("b") & account::balance().ge(0),
        [account::balance().add(30)],
    );
    let session = tx.put(Session::new(
        "ann@example.com",
        Utc::now() + chrono_hours(1),
    ));
    let carol = tx.create(User::new("carol@example.com", "Carol"));
    tx.delete::<User>("old@example.com");
    tx.check(user::email().eq("dave@example.com") & user::name().eq("Dave"));
    let c = tx.put(Account::new("c", "cat@example.com", 0));
    assert_eq!(tx.len(), 7);
    let mut done = tx.await.unwrap();

    assert_eq!(
        (
            account(&db, "a").await.balance,
            account(&db, "a").await.version
        ),
        (70, 2)
    );
    assert_eq!(
        (
            account(&db, "b").await.balance,
            account(&db, "b").await.version
        ),
        (80, 2)
    );
    let c = done.take(c).unwrap();
    assert_eq!(
        c.version, 1,
        "a put gives its item back at the version written"
    );
    assert_eq!(account(&db, "c").await, c);
    let carol = done.take(carol).unwrap();
    assert_eq!(
        User::get_one(&db, "carol@example.com").await.unwrap(),
        carol
    );
    let session = done.take(session).unwrap();
    assert!(Session::get_one(&db, session.token).await.is_ok());
    assert!(User::get_one(&db, "old@example.com")
        .optional()
        .await
        .unwrap()
        .is_none());
    let _ = b;
}

fn chrono_hours(h: i64) -> dynamongo_runtime::chrono::Duration {
    dynamongo_runtime::chrono::Duration::hours(h)
}

#[tokio::test]
async fn transact_cancellation_gives_a_reason_per_action_and_applies_nothing() {
    let db = setup().await;
    let a = open(&db, "a", 100).await;
    let stale = a.clone();
    let a = Account::update_one(&db, &a, [account::balance().set(90)])
        .await
        .unwrap();
    User::save_one(&db, User::new("jane@example.com", "Jane"))
        .await
        .unwrap();

    let mut tx = db.transact_write();
    tx.put(User::new("new@example.com", "New")); // fine
    tx.create(User::new("jane@example.com", "Other")); // exists
    tx.update(&stale, [account::balance().set(0)]); // stale version
    tx.check(user::email().eq("nobody@example.com")); // fine as a check? no: absent
    tx.return_stored(true);
    let err = tx.await.unwrap_err();
    let reasons = err.cancel_reasons();
    assert_eq!(reasons.len(), 4, "{err}");
    let codes: Vec<Option<&str>> = reasons.iter().map(|r| r.code.as_deref()).collect();
    assert_eq!(
        codes,
        [
            None,
            Some("ConditionalCheckFailed"),
            Some("ConditionalCheckFailed"),
            Some("ConditionalCheckFailed")
        ]
    );
    assert_eq!(
        reasons.iter().map(|r| r.index).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("action 1: ConditionalCheckFailed"),
        "{err}"
    );
    // The stored items, typed.
    let jane: User = reasons[1].stored::<User>().unwrap().unwrap();
    assert_eq!(jane.name, "Jane");
    let current: Account = reasons[2].stored::<Account>().unwrap().unwrap();
    assert_eq!(current, a);
    assert!(reasons[3].stored::<User>().is_none(), "no item to return");

    // Nothing was applied.
    assert!(User::get_one(&db, "new@example.com")
        .optional()
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        User::get_one(&db, "jane@example.com").await.unwrap().name,
        "Jane"
    );
    assert_eq!(account(&db, "a").await, a);

    // Without return_stored, no items.
    let mut tx = db.transact_write();
    tx.create(User::new("jane@example.com", "Other"));
    let err = tx.await.unwrap_err();
    assert!(err.cancel_reasons()[0].item.is_none());
}

/// A connection to a port nothing listens on: any request that is sent fails as an SDK
/// error, so an `Error::Transaction` or `Error::Validation` proves nothing was sent.
async fn unreachable() -> Db {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    Db::builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .region("us-east-1")
        .credentials("x", "x")
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn transact_limits_are_refused_before_sending() {
    let db = unreachable().await;
    let refused = |e: Error, needle: &str| match e {
        Error::Transaction(m) => assert!(m.contains(needle), "{m}"),
        other => panic!("expected Error::Transaction, got {other:?}"),
    };

    // No action.
    refused(
        db.transact_write().await.unwrap_err(),
        "at least one action",
    );

    // 101 actions.
    let mut tx = db.transact_write();
    for i in 0..101 {
        tx.put(User::new(format!("u{i}@example.com"), "U"));
    }
    refused(tx.await.unwrap_err(), "at most 100");
    let mut tx = db.transact_get();
    for i in 0..101 {
        tx.get::<User>(format!("u{i}@example.com"));
    }
    refused(tx.await.unwrap_err(), "at most 100");

    // One item twice (numbers compared by value for numeric keys; here strings).
    let mut tx = db.transact_write();
    tx.put(User::new("a@example.com", "A"));
    tx.put(Account::new("a@example.com", "a@example.com", 1)); // other table: fine
    tx.update::<User>("a@example.com", [user::name().set("B")]);
    refused(tx.await.unwrap_err(), "actions 0 and 2");
    let mut tx = db.transact_get();
    tx.get::<User>("a@example.com");
    tx.get::<User>("a@example.com");
    refused(tx.await.unwrap_err(), "actions 0 and 1");

    // More than 4 MB: eleven items of about 390 KB.
    let mut tx = db.transact_write();
    for i in 0..11 {
        tx.put(User::new(
            format!("big{i}@example.com"),
            "x".repeat(390 * 1024),
        ));
    }
    refused(tx.await.unwrap_err(), "4 MB");

    // A bad token.
    let mut tx = db.transact_write();
    tx.put(User::new("a@example.com", "A"));
    tx.token("t".repeat(37));
    refused(tx.await.unwrap_err(), "token");

    // Invalid items and updates: every problem, named by action.
    let mut tx = db.transact_write();
    tx.put(User::new("fine@example.com", "Fine"));
    tx.put(User::new("not an email", ""));
    tx.update::<User>("b@example.com", [user::year_of_birth().set(1700)]);
    match tx.await.unwrap_err() {
        Error::Validation(v) => {
            let paths: Vec<&str> = v.iter().map(|v| v.path.as_str()).collect();
            assert_eq!(
                paths,
                [
                    "actions[1].email",
                    "actions[1].name",
                    "actions[2].year_of_birth"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    let mut tx = db.transact_write();
    tx.update::<Account>("a", [account::version().set(3)]);
    refused(
        tx.await.unwrap_err(),
        "action 0: invalid expression: version attribute",
    );

    // And a valid transaction does try to send (so the checks above did not).
    let mut tx = db.transact_write();
    tx.put(User::new("a@example.com", "A"));
    tx.retry(RetryPolicy {
        max_attempts: 1,
        ..Default::default()
    });
    assert!(matches!(tx.await.unwrap_err(), Error::Sdk { .. }));
}

#[tokio::test]
async fn transact_get_reads_items_across_models() {
    let db = setup().await;
    let a = open(&db, "a", 1).await;
    let jane = User::save_one(&db, User::new("jane@example.com", "Jane"))
        .await
        .unwrap();
    let mut tx = db.transact_get();
    let pa = tx.get::<Account>("a");
    let pj = tx.get::<User>("jane@example.com");
    let missing = tx.get::<User>("nobody@example.com");
    let checked = tx.get(user::email().eq("x@example.com"));
    let failing = tx.get::<Account>(account::id().eq("b") & account::balance().gt(100));
    open(&db, "b", 5).await;
    let mut got = tx.await.unwrap();
    assert_eq!(got.take(pa), Some(a));
    assert_eq!(got.take(pj), Some(jane));
    assert_eq!(got.take(missing), None);
    assert_eq!(got.take(checked), None);
    assert_eq!(
        got.take(failing),
        None,
        "the checks are applied to the item read"
    );
}

#[tokio::test]
async fn transact_write_with_a_token_applies_once() {
    let db = setup().await;
    open(&db, "a", 0).await;
    let send = |db: Db| async move {
        let mut tx = db.transact_write();
        tx.update::<Account>("a", [account::balance().add(10)]);
        tx.token("one-deposit");
        tx.await
    };
    send(db.clone()).await.unwrap();
    // The same request with the same token (a retry after a lost answer): not again.
    send(db.clone()).await.unwrap();
    assert_eq!(account(&db, "a").await.balance, 10);
    assert_eq!(account(&db, "a").await.version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transact_faults_never_apply_twice_or_lose_a_change() {
    let direct = setup().await;
    for id in ["a", "b"] {
        open(&direct, id, 0).await;
    }
    let faults = Faults {
        throttle: 0.10,
        server_error: 0.05,
        conflict: 0.15,
        lost_reply: 0.20,
        seed: 5,
        ..Faults::default()
    };
    let proxy = FaultProxy::start(direct.endpoint_url().unwrap(), faults).await;
    let faulty = proxy
        .db(RetryPolicy {
            max_attempts: 30,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
            concurrency: 4,
            ..Default::default()
        })
        .await;

    // 60 transfers of one unit from b's credit line to a, each one transaction: both
    // counters must end at exactly 60, whatever was retried.
    let n = 60;
    for i in 0..n {
        let mut tx = faulty.transact_write();
        tx.update::<Account>("a", [account::balance().add(1)]);
        tx.update::<Account>("b", [account::balance().add(1)]);
        let receipt = tx.put(User::new(format!("r{i}@example.com"), "receipt"));
        let mut done = tx.await.unwrap_or_else(|e| panic!("transfer {i}: {e}"));
        assert!(done.take(receipt).is_some());
    }
    let s = &proxy.stats;
    let (conflicts, lost) = (
        s.conflicts.load(Ordering::Relaxed),
        s.lost_replies.load(Ordering::Relaxed),
    );
    assert!(
        conflicts > 0 && lost > 0,
        "faults were injected: {conflicts} conflicts, {lost} lost replies"
    );
    assert!(s.throttled.load(Ordering::Relaxed) > 0);
    for id in ["a", "b"] {
        let acc = account(&direct, id).await;
        assert_eq!(
            acc.balance, n,
            "account {id}: every transfer applied exactly once"
        );
        assert_eq!(acc.version, n + 1);
    }
    let receipts = User::get_many(&direct, user::name().eq("receipt"))
        .await
        .unwrap();
    assert_eq!(receipts.len(), n as usize);

    // Reads retry too.
    let mut tx = faulty.transact_get();
    let a = tx.get::<Account>("a");
    assert_eq!(tx.await.unwrap().take(a).map(|a| a.balance), Some(n));
}
