//! Batches under the faults AWS produces under load (injected by `dynamongo_tests::fault`):
//! every item ends either done — checked by reading the table back directly — or in
//! `fail` with its reason. Nothing is lost.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use dynamongo_runtime::config::RetryPolicy;
use dynamongo_runtime::prelude::*;
use dynamongo_tests::fault::{FaultProxy, Faults};
use dynamongo_tests::models::user::{self, User};
use futures::StreamExt;

async fn setup(faults: Faults, policy: RetryPolicy) -> (Db, Db, FaultProxy) {
    let direct = Db::embedded().await.unwrap();
    User::create_table(&direct).await.unwrap();
    let proxy = FaultProxy::start(direct.endpoint_url().unwrap(), faults).await;
    let faulty = proxy.db(policy).await;
    (direct, faulty, proxy)
}

fn users(n: usize) -> Vec<User> {
    (0..n)
        .map(|i| {
            let mut u = User::new(format!("u{i:05}@x.io"), format!("User {i}"));
            u.year_of_birth = Some(1900 + (i % 118) as i64);
            u
        })
        .collect()
}

async fn stored(db: &Db) -> HashSet<String> {
    User::get_many(db, user::email().exists())
        .stream()
        .map(|u| u.unwrap().email)
        .collect()
        .await
}

fn quick_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(50),
        concurrency: 8,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_items_through_faulty_batches() {
    let faults = Faults {
        unprocessed: 0.30,
        throttle: 0.05,
        server_error: 0.0,
        drop: 0.01,
        seed: 7,
        ..Faults::default()
    };
    let (direct, faulty, proxy) = setup(faults, quick_policy(12)).await;
    let n = 10_000;
    let all = users(n);

    // save_many
    let r = User::save_many(&faulty, all.clone()).await.unwrap();
    assert_eq!(
        r.success_count() + r.fail_count(),
        n,
        "every item accounted for"
    );
    let saved: HashSet<String> = r.success.iter().map(|u| u.email.clone()).collect();
    assert_eq!(
        stored(&direct).await,
        saved,
        "the table holds exactly the items reported saved"
    );
    for f in &r.fail {
        assert!(!f.reason.to_string().is_empty());
    }
    assert_eq!(
        r.fail_count(),
        0,
        "12 attempts are enough at these rates: {:?}",
        r.fail.first().map(|f| &f.reason)
    );
    let s = &proxy.stats;
    assert!(
        s.unprocessed_calls.load(Ordering::Relaxed) > 50,
        "faults were injected"
    );
    assert!(s.throttled.load(Ordering::Relaxed) > 5);
    assert!(s.dropped.load(Ordering::Relaxed) > 0);

    // get_many: every key comes back once, despite held-back keys.
    let emails: Vec<String> = all.iter().map(|u| u.email.clone()).collect();
    let got = User::get_many(&faulty, emails.clone()).await.unwrap();
    assert_eq!(got.len(), n);
    assert_eq!(
        got.iter()
            .map(|u| u.email.clone())
            .collect::<HashSet<_>>()
            .len(),
        n
    );
    assert_eq!(got, all, "in the order given");

    // delete_many
    let before = proxy.stats.held_back.load(Ordering::Relaxed);
    let r = User::delete_many(&faulty, emails).await.unwrap();
    assert_eq!(r.success_count() + r.fail_count(), n);
    let left = stored(&direct).await;
    let failed: HashSet<String> = r.fail.iter().map(|f| f.item.email.clone()).collect();
    assert_eq!(
        left, failed,
        "what is left is exactly what was reported failed"
    );
    assert!(proxy.stats.held_back.load(Ordering::Relaxed) > before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_are_reported_not_dropped() {
    // Every batch call holds back part of its items, and only two attempts are allowed:
    // some items must stay unprocessed, and each of them must be reported.
    let faults = Faults {
        unprocessed: 1.0,
        seed: 11,
        ..Faults::default()
    };
    let (direct, faulty, _proxy) = setup(faults, quick_policy(2)).await;
    let n = 500;
    let all = users(n);
    let r = User::save_many(&faulty, all.clone()).await.unwrap();
    assert_eq!(r.success_count() + r.fail_count(), n);
    assert!(
        r.fail_count() > 0,
        "with two attempts some items stay unprocessed"
    );
    for f in &r.fail {
        assert!(
            matches!(f.reason, Error::Unprocessed { attempts: 2 }),
            "{}",
            f.reason
        );
    }
    let saved: HashSet<String> = r.success.iter().map(|u| u.email.clone()).collect();
    assert_eq!(stored(&direct).await, saved);

    // get_many never returns a silently short list.
    let emails: Vec<String> = saved.iter().cloned().collect();
    match User::get_many(&faulty, emails.clone()).await {
        Err(Error::Incomplete {
            fetched,
            missing,
            attempts,
        }) => {
            assert_eq!(attempts, 2);
            assert_eq!(fetched.len() + missing.len(), emails.len());
            assert!(!missing.is_empty());
        }
        other => panic!(
            "expected Error::Incomplete, got {:?}",
            other.map(|v| v.len())
        ),
    }
}
