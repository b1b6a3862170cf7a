//! One retry layer, and the truth about lost replies (fault proxy, `dynamongo_tests::fault`):
//!
//! - every call makes at most `RetryPolicy::max_attempts` requests, whatever fails — the
//!   SDK's own retries are off, so the bound is the bound;
//! - the operation timeout ends a call that keeps failing;
//! - a write applied whose reply was lost is reported as it happened: a versioned save or
//!   update retried onto the item it wrote is a success (and applied once), a delete that
//!   cannot tell its own effect from another writer's is `Error::OutcomeUnknown` — never a
//!   conflict.

use std::time::Duration;

use dynamongo_runtime::config::RetryPolicy;
use dynamongo_runtime::prelude::*;
use dynamongo_tests::fault::{FaultProxy, Faults};
use dynamongo_tests::models::account::{self, Account};
use dynamongo_tests::models::user::{self, User};

fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
        ..Default::default()
    }
}

async fn setup(faults: Faults, policy: RetryPolicy) -> (Db, Db, FaultProxy) {
    let direct = Db::embedded().await.unwrap();
    User::create_table(&direct).await.unwrap();
    Account::create_table(&direct).await.unwrap();
    let proxy = FaultProxy::start(direct.endpoint_url().unwrap(), faults).await;
    let faulty = proxy.db(policy).await;
    (direct, faulty, proxy)
}

/// The requests a call made, by operation.
fn made(proxy: &FaultProxy) -> Vec<(String, u64)> {
    proxy.stats.take_requests().into_iter().collect()
}

fn one(op: &str, n: u64) -> Vec<(String, u64)> {
    vec![(op.to_string(), n)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_makes_at_most_max_attempts_requests() {
    for (name, faults) in [
        (
            "throttled",
            Faults {
                throttle: 1.0,
                items: true,
                ..Default::default()
            },
        ),
        (
            "500s",
            Faults {
                server_error: 1.0,
                items: true,
                ..Default::default()
            },
        ),
        (
            "dropped",
            Faults {
                drop: 1.0,
                items: true,
                ..Default::default()
            },
        ),
    ] {
        let (direct, db, proxy) = setup(faults, policy(4)).await;
        let jane = User::new("jane@x.io", "Jane");
        User::save_one(&direct, jane.clone()).await.unwrap();
        made(&proxy);

        let e = User::save_one(&db, jane.clone()).await.unwrap_err();
        assert!(e.is_retryable(), "{name}: {e}");
        assert_eq!(made(&proxy), one("PutItem", 4), "{name}: save_one");
        User::get_one(&db, "jane@x.io").await.unwrap_err();
        assert_eq!(made(&proxy), one("GetItem", 4), "{name}: get_one");
        User::update_one(&db, "jane@x.io", [user::name().set("J")])
            .await
            .unwrap_err();
        assert_eq!(made(&proxy), one("UpdateItem", 4), "{name}: update_one");
        User::delete_one(&db, "jane@x.io").await.unwrap_err();
        assert_eq!(made(&proxy), one("DeleteItem", 4), "{name}: delete_one");
        User::get_many(&db, user::name().eq("Jane"))
            .await
            .unwrap_err();
        assert_eq!(made(&proxy), one("Scan", 4), "{name}: a Scan page");

        // A batch of one chunk: 4 requests; of three chunks: 12 at most.
        let users: Vec<User> = (0..25)
            .map(|i| User::new(format!("u{i}@x.io"), "U"))
            .collect();
        let r = User::save_many(&db, users).await.unwrap();
        assert_eq!(r.fail_count(), 25, "{name}");
        assert_eq!(made(&proxy), one("BatchWriteItem", 4), "{name}: save_many");
        let users: Vec<User> = (0..75)
            .map(|i| User::new(format!("u{i}@x.io"), "U"))
            .collect();
        User::save_many(&db, users).await.unwrap();
        assert_eq!(
            made(&proxy),
            one("BatchWriteItem", 12),
            "{name}: three chunks"
        );
        let keys: Vec<String> = (0..10).map(|i| format!("u{i}@x.io")).collect();
        User::get_many(&db, keys).await.unwrap_err();
        assert_eq!(
            made(&proxy),
            one("BatchGetItem", 4),
            "{name}: get_many of keys"
        );

        let mut tx = db.transact_write();
        tx.put(User::new("t@x.io", "T"));
        tx.await.unwrap_err();
        assert_eq!(
            made(&proxy),
            one("TransactWriteItems", 4),
            "{name}: transaction"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operation_timeout_ends_a_call_that_keeps_failing() {
    let slow = RetryPolicy {
        max_attempts: 1000,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(20),
        operation_timeout: Some(Duration::from_millis(150)),
        ..Default::default()
    };
    let (_, db, proxy) = setup(
        Faults {
            throttle: 1.0,
            items: true,
            ..Default::default()
        },
        slow,
    )
    .await;
    let started = std::time::Instant::now();
    let e = User::save_one(&db, User::new("a@x.io", "A"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                what: "operation",
                ..
            }
        ),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let requests = made(&proxy)[0].1;
    assert!((2..100).contains(&requests), "{requests} requests");
}

/// Every write's reply is lost after the store applied it.
fn lost() -> Faults {
    Faults {
        lost_reply: 1.0,
        items: true,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_versioned_save_whose_reply_was_lost_is_a_success_applied_once() {
    let (direct, db, proxy) = setup(lost(), policy(5)).await;
    // New (version 0 → 1), then again (1 → 2): each retried once onto its own item.
    let saved = Account::save_one(&db, Account::new("a", "ann@x.io", 10))
        .await
        .unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(made(&proxy), one("PutItem", 2));
    let mut next = saved.clone();
    next.balance = 20;
    let saved = Account::save_one(&db, next).await.unwrap();
    assert_eq!((saved.version, saved.balance), (2, 20));
    assert_eq!(made(&proxy), one("PutItem", 2));
    let stored = Account::get_one(&direct, "a").await.unwrap();
    assert_eq!((stored.version, stored.balance), (2, 20));
    // overwrite(false) too: the retry finds exactly what this save wrote.
    let u = User::save_one(&db, User::new("new@x.io", "New"))
        .overwrite(false)
        .await;
    assert!(u.is_ok(), "{u:?}");
    // A stale copy is still a conflict: no attempt of it was applied.
    let mut stale = saved.clone();
    stale.version = 1;
    let e = Account::save_one(&db, stale).await.unwrap_err();
    assert!(e.is_conditional_check_failed(), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_versioned_update_whose_reply_was_lost_returns_the_item_it_made() {
    let (direct, db, _proxy) = setup(lost(), policy(5)).await;
    let a = Account::save_one(&direct, Account::new("a", "ann@x.io", 10))
        .await
        .unwrap();
    let updated = Account::update_one(&db, &a, [account::balance().add(5)])
        .await
        .unwrap();
    assert_eq!((updated.version, updated.balance), (2, 15));
    let stored = Account::get_one(&direct, "a").await.unwrap();
    assert_eq!((stored.version, stored.balance), (2, 15), "applied once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_that_cannot_tell_its_effect_says_the_outcome_is_unknown() {
    let (direct, db, _proxy) = setup(lost(), policy(5)).await;
    let a = Account::save_one(&direct, Account::new("a", "ann@x.io", 10))
        .await
        .unwrap();
    let e = Account::delete_one(&db, &a).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutcomeUnknown {
                operation: "DeleteItem",
                ..
            }
        ),
        "{e}"
    );
    assert!(!e.is_conditional_check_failed());
    assert!(Account::get_one(&direct, "a")
        .optional()
        .await
        .unwrap()
        .is_none());
}

/// One writer: read, add one, versioned save, read again on a conflict — 60 acknowledged
/// increments with every 7th reply lost leave the store counting exactly 60.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_increments_are_counted_once_though_replies_are_lost() {
    let faults = Faults {
        lost_reply: 1.0 / 7.0,
        items: true,
        seed: 7,
        ..Default::default()
    };
    let (direct, db, proxy) = setup(faults, policy(10)).await;
    Account::save_one(&direct, Account::new("n", "ann@x.io", 0))
        .await
        .unwrap();
    let mut acknowledged = 0;
    while acknowledged < 60 {
        let mut a = Account::get_one(&db, "n").await.unwrap();
        a.balance += 1;
        match Account::save_one(&db, a).await {
            Ok(_) => acknowledged += 1,
            Err(e) if e.is_conditional_check_failed() => continue,
            Err(e) => panic!("{e}"),
        }
    }
    let lost = proxy
        .stats
        .lost_replies
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(lost >= 5, "only {lost} replies lost");
    assert_eq!(Account::get_one(&direct, "n").await.unwrap().balance, 60);
}

/// CreateTable is retried like every call: when its reply is lost after the store made
/// the table, the retry finds it in use and knows it as its own — not `TableExists`. A
/// table that was there before is still `TableExists`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_table_whose_reply_was_lost_is_done_not_an_error() {
    let direct = Db::embedded().await.unwrap();
    let proxy = FaultProxy::start(
        direct.endpoint_url().unwrap(),
        Faults {
            create_table_lost: 1.0,
            ..Default::default()
        },
    )
    .await;
    let db = proxy.db(policy(4)).await;
    User::create_table(&db).await.unwrap();
    assert_eq!(
        made(&proxy)
            .iter()
            .find(|(op, _)| op == "CreateTable")
            .map(|(_, n)| *n),
        Some(2)
    );
    let again = User::create_table(&direct).await;
    assert!(matches!(again, Err(Error::TableExists(_))), "{again:?}");
}
