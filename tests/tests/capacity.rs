//! Capacity (DESIGN §12), against the embedded store's consumed capacity (dynoxide
//! computes it as DynamoDB does):
//!
//! - measured: a metered `Db` adds up what its calls consumed, per table and index, and
//!   what pages, batch results and transactions report agrees with it;
//! - predicted: on every access path, what was measured lies within `explain()`'s
//!   estimate, and a save costs what the spec's item size bounds say;
//! - guards: a refused Scan sends nothing; `count()` counts what the plan selects;
//! - the retry quota: 25 versioned items saved together under constant throttling make
//!   at most 25 + 100 requests.

use std::time::Duration;

use dynamongo_runtime::capacity::{Capacity, Estimate};
use dynamongo_runtime::config::{RetryPolicy, Scans};
use dynamongo_runtime::plan::Operation;
use dynamongo_runtime::prelude::*;
use dynamongo_tests::edge::reading::{self, Reading, ReadingKind};
use dynamongo_tests::fault::{FaultProxy, Faults};
use dynamongo_tests::models::account::Account;

/// A reading as small as the spec allows.
fn smallest(station: &str, at: i64) -> Reading {
    Reading::new(station, at, ReadingKind::Rain)
}

/// A reading as large as the spec allows: every text at its `max_length` in 4-byte
/// characters, every list full, the widest numbers.
fn largest(station: &str, at: i64) -> Reading {
    let wide = |n: usize| "𝄞".repeat(n);
    let mut r = Reading::new(station, at, ReadingKind::Temp);
    r.value = Some(-1.2345678901234567e-7);
    r.note = Some(wide(300));
    r.tags = vec![wide(30); 8];
    r.flagged_by = Some(wide(40));
    r
}

async fn store() -> Db {
    let db = Db::embedded().await.unwrap();
    Reading::create_table(&db).await.unwrap();
    db
}

/// `measured` lies within `range` (its units).
fn within(what: &str, measured: f64, range: dynamongo_runtime::capacity::Range<f64>) {
    assert!(
        measured >= range.min && range.max.is_none_or(|max| measured <= max),
        "{what}: measured {measured} outside the estimate {range}"
    );
}

/// Reads through a fresh metered copy of `db` and checks the reads against `estimate`.
async fn check_read<F, Fut, T>(db: &Db, what: &str, estimate: Estimate, read: F) -> T
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let (metered, meter) = db.metered();
    let out = read(metered).await;
    let used = meter.total();
    within(what, used.read_units, estimate.read_units);
    assert_eq!(used.write_units, 0.0, "{what}: a read wrote");
    assert!(
        estimate.requests.max.is_none_or(|m| meter.requests() <= m)
            && meter.requests() >= estimate.requests.min,
        "{what}: {} requests, estimate {}",
        meter.requests(),
        estimate.requests
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_every_read_path_consumes_lies_within_its_estimate() {
    let db = store().await;
    let mut items = Vec::new();
    for i in 0..40 {
        items.push(if i % 3 == 0 {
            largest("north", i)
        } else {
            smallest("north", i)
        });
    }
    items.push(largest("south", 1));
    let saved = Reading::save_many(&db, items).await.unwrap();
    assert_eq!(saved.fail_count(), 0);

    // GetItem, strong and eventual, found and missing.
    for (key, consistent) in [
        (("north", 0), true),
        (("north", 1), false),
        (("east", 9), true),
    ] {
        let read = Reading::get_many(&db, vec![key]).consistent(consistent);
        let plan = read.explain().unwrap();
        assert_eq!(plan.operation, Operation::GetItem);
        check_read(&db, "GetItem", plan.estimate, |db| async move {
            let got = Reading::get_many(&db, vec![key])
                .consistent(consistent)
                .await
                .unwrap();
            got
        })
        .await;
    }

    // BatchGetItem over found and missing keys.
    let keys: Vec<(&str, i64)> = (0..60).map(|i| ("north", i)).collect();
    let plan = Reading::get_many(&db, keys.clone()).explain().unwrap();
    assert_eq!(plan.operation, Operation::BatchGetItem);
    assert_eq!(plan.estimate.items.max, Some(60));
    let got = check_read(&db, "BatchGetItem", plan.estimate, |db| async move {
        Reading::get_many(&db, keys).await.unwrap()
    })
    .await;
    assert_eq!(got.len(), 40);

    // Query on the table with a limit (bounded: a maximum), and without.
    let plan = Reading::get_many(&db, reading::station().eq("north"))
        .limit(7)
        .explain()
        .unwrap();
    assert_eq!(plan.operation, Operation::Query);
    assert!(plan.estimate.read_units.max.is_some(), "{}", plan.estimate);
    check_read(&db, "Query with a limit", plan.estimate, |db| async move {
        let got = Reading::get_many(&db, reading::station().eq("north"))
            .limit(7)
            .await
            .unwrap();
        assert_eq!(got.len(), 7);
        got
    })
    .await;
    let plan = Reading::get_many(&db, reading::station().eq("north"))
        .explain()
        .unwrap();
    check_read(&db, "Query", plan.estimate, |db| async move {
        let got = Reading::get_many(&db, reading::station().eq("north"))
            .await
            .unwrap();
        got
    })
    .await;

    // A Query on an index (keys only, its entries are small) and a filter that discards
    // what it paid for.
    let q = Reading::query(&db, reading::by_kind().eq(ReadingKind::Temp)).limit(5);
    let plan = q.explain().unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_kind"));
    check_read(&db, "Query on an index", plan.estimate, |db| async move {
        let got = Reading::query(&db, reading::by_kind().eq(ReadingKind::Temp))
            .limit(5)
            .await
            .unwrap();
        got
    })
    .await;
    let filtered = reading::station().eq("north") & reading::note().exists();
    let plan = Reading::get_many(&db, filtered.clone()).explain().unwrap();
    assert!(
        plan.estimate.notes.iter().any(|n| n.contains("discards")),
        "{}",
        plan.estimate
    );

    // A Scan: its maximum from the table's statistics.
    let everything = reading::kind().exists();
    let plan = Reading::get_many(&db, everything.clone())
        .segments(2)
        .explain_with_stats()
        .await
        .unwrap();
    assert_eq!(plan.operation, Operation::Scan);
    assert_eq!(plan.estimate.items.max, Some(41));
    check_read(&db, "Scan", plan.estimate, |db| async move {
        let got = Reading::get_many(&db, everything)
            .segments(2)
            .await
            .unwrap();
        assert_eq!(got.len(), 41);
        got
    })
    .await;

    // A page says what it consumed, as the meter does.
    let (metered, meter) = db.metered();
    let page = Reading::get_many(&metered, reading::station().eq("north"))
        .page(10)
        .await
        .unwrap();
    assert_eq!(page.consumed, meter.total());
    assert!(page.consumed.read_units > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_costs_what_the_spec_says() {
    use dynamongo_runtime::Model;
    let db = store().await;
    let (metered, meter) = db.metered();
    // The smallest item is in every index but the sparse one: 1 WCU each.
    Reading::save_one(&metered, smallest("north", 1))
        .await
        .unwrap();
    let (table_min, _) = Reading::ITEM_BYTES.write_units();
    assert_eq!(meter.table("readings"), Capacity::write(table_min));
    assert_eq!(meter.index("readings", "by_kind"), Capacity::write(1.0));
    assert_eq!(meter.index("readings", "by_flag"), Capacity::ZERO);
    // The largest: within the bounds, on the table and on each index.
    let (metered, meter) = db.metered();
    Reading::save_one(&metered, largest("north", 2))
        .await
        .unwrap();
    let (_, table_max) = Reading::ITEM_BYTES.write_units();
    let used = meter.table("readings").write_units;
    assert!(
        used > 1.0 && used <= table_max.unwrap(),
        "{used} vs {table_max:?}"
    );
    for (index, bytes) in Reading::INDEX_BYTES {
        let used = meter.index("readings", index).write_units;
        let (min, max) = bytes.write_units();
        let min = if bytes.min == 0 { 0.0 } else { min };
        assert!(
            used >= min && used <= max.unwrap(),
            "{index}: {used} outside {min}..{max:?}"
        );
    }
    // A failed conditional write costs the table's share, unreported by DynamoDB.
    let (metered, meter) = db.metered();
    let e = Reading::save_one(&metered, largest("north", 2))
        .overwrite(false)
        .await
        .unwrap_err();
    assert!(e.is_conditional_check_failed(), "{e}");
    assert_eq!(meter.requests(), 1);
    assert!(meter.total().write_units >= 2.0, "{:?}", meter.total());
    // A batch says what it consumed; a transaction counts the table's share twice.
    let (metered, meter) = db.metered();
    let batch = Reading::save_many(&metered, (10..30).map(|i| smallest("west", i)))
        .await
        .unwrap();
    assert_eq!(batch.consumed, meter.total());
    assert_eq!(batch.consumed.write_units, 20.0 * 3.0);
    let mut tx = db.transact_write();
    tx.put(smallest("west", 99));
    let done = tx.await.unwrap();
    assert_eq!(done.consumed(), Capacity::write(2.0 + 2.0));
    // Deletes: within the estimate of their plan.
    let plan = Reading::delete_many(&db, reading::station().eq("west"))
        .explain()
        .unwrap();
    assert!(plan.find.is_some());
    let keys: Vec<(&str, i64)> = (10..30).map(|i| ("west", i)).collect();
    let plan = Reading::delete_many(&db, keys.clone()).explain().unwrap();
    let (metered, meter) = db.metered();
    let r = Reading::delete_many(&metered, keys).await.unwrap();
    assert_eq!(r.success_count(), 20);
    within(
        "BatchWriteItem deletes",
        meter.total().write_units,
        plan.estimate.write_units,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_scans_send_nothing_and_counts_count() {
    let db = store().await;
    Reading::save_many(&db, (0..12).map(|i| smallest("north", i)))
        .await
        .unwrap();
    let strict = db.clone().with_scans(Scans::Refuse);
    let (metered, meter) = strict.metered();
    let everything = reading::kind().exists();
    let e = Reading::get_many(&metered, everything.clone())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ScanRefused { .. }), "{e}");
    let e = Reading::get_many(&metered, everything.clone())
        .page(5)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ScanRefused { .. }), "{e}");
    let e = Reading::get_many(&metered, everything.clone())
        .count()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ScanRefused { .. }), "{e}");
    let e = Reading::delete_many(&metered, everything.clone())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ScanRefused { .. }), "{e}");
    assert_eq!(meter.requests(), 0, "nothing was sent");
    // explain still answers, and Queries run.
    assert_eq!(
        Reading::get_many(&metered, everything.clone())
            .explain()
            .unwrap()
            .operation,
        Operation::Scan
    );
    let n = Reading::get_many(&metered, reading::station().eq("north"))
        .count()
        .await
        .unwrap();
    assert_eq!(n, 12);
    // Counting with a filter, on a Scan allowed.
    let n = Reading::get_many(&db, reading::at().lt(5))
        .count()
        .await
        .unwrap();
    assert_eq!(n, 5);
    let stats = Reading::approximate_count(&db).await.unwrap();
    assert_eq!(stats.items, 12);
    assert!(stats.bytes > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_client_stops_multiplying_its_requests() {
    let direct = Db::embedded().await.unwrap();
    Account::create_table(&direct).await.unwrap();
    let proxy = FaultProxy::start(
        direct.endpoint_url().unwrap(),
        Faults {
            throttle: 1.0,
            items: true,
            ..Default::default()
        },
    )
    .await;
    let policy = RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..Default::default()
    };
    let db = proxy.db(policy).await;
    let accounts: Vec<Account> = (0..25)
        .map(|i| Account::new(format!("acct-{i}"), "owner@example.com", 10))
        .collect();
    let r = Account::save_many(&db, accounts).await.unwrap();
    assert_eq!(r.fail_count(), 25);
    let requests: u64 = proxy.stats.take_requests().values().sum();
    assert!(requests <= 25 + 100, "{requests} requests");
    assert!(
        requests > 25,
        "{requests} requests: the quota allows some retries"
    );
    assert!(db.retry_tokens() < 5, "{} tokens left", db.retry_tokens());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_holds_bulk_work_to_its_units_per_second() {
    let db = store().await;
    // 300 small readings: 3 write units each (the table and two indexes), 900 in all. At
    // 600 units a second, with one second's worth at the start, the last 300 units wait
    // half a second at least.
    let (metered, meter) = db.metered();
    let started = std::time::Instant::now();
    let r = Reading::save_many(&metered, (0..300).map(|i| smallest("north", i)))
        .rate(600.0)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(r.success_count(), 300);
    assert_eq!(meter.total().write_units, 900.0);
    assert!(took >= Duration::from_millis(450), "took {took:?}");

    // A stream at a rate: 300 keys in three BatchGetItem requests of 50 read units each
    // (eventually consistent); at 120 units a second the third waits for its units.
    use futures::StreamExt;
    let keys: Vec<(&str, i64)> = (0..300).map(|i| ("north", i)).collect();
    let (metered, meter) = db.metered();
    let started = std::time::Instant::now();
    let n = Reading::get_many(&metered, keys)
        .rate(120.0)
        .stream()
        .count()
        .await;
    let took = started.elapsed();
    assert_eq!(n, 300);
    assert_eq!(meter.total().read_units, 150.0);
    assert!(took >= Duration::from_millis(200), "took {took:?}");

    let e = Reading::save_many(&db, vec![smallest("x", 1)])
        .rate(0.0)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_stays_within_its_read_budget() {
    let db = store().await;
    let all: Vec<Reading> = (0..60)
        .map(|i| {
            if i % 4 == 0 {
                largest("north", i)
            } else {
                smallest("north", i)
            }
        })
        .collect();
    Reading::save_many(&db, all.clone()).await.unwrap();
    // Bounded items: every page stays within 2 read units, and the pages together hold
    // every item once, in order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut read = Reading::get_many(&db, reading::station().eq("north")).max_read_units(2.0);
        if let Some(c) = cursor.take() {
            read = read.after(c);
        }
        let page = read.page(100).await.unwrap();
        assert!(page.consumed.read_units <= 2.0, "{:?}", page.consumed);
        pages += 1;
        seen.extend(page.items.into_iter().map(|r| r.at));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(pages < 200, "the pages do not advance");
    }
    assert_eq!(seen, (0..60).collect::<Vec<i64>>());
    assert!(
        pages > 1,
        "a budget of 2 units cannot read 60 items at once"
    );
    // Keys: each is charged on its own.
    let keys: Vec<(&str, i64)> = (0..60).map(|i| ("north", i)).collect();
    let page = Reading::get_many(&db, keys)
        .max_read_units(5.0)
        .page(60)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 10);
    assert!(page.consumed.read_units <= 5.0);
    assert!(page.cursor.is_some());
    // A budget below what one request costs.
    let e = Reading::get_many(&db, reading::station().eq("north"))
        .max_read_units(0.1)
        .page(10)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_read_lies_within_its_estimate() {
    use dynamongo_tests::models::app;
    use dynamongo_tests::models::member::Member;
    use dynamongo_tests::models::workspace::Workspace;
    let db = Db::embedded().await.unwrap();
    Workspace::create_table(&db).await.unwrap();
    Workspace::save_one(&db, Workspace::new("acme", "Acme Inc"))
        .await
        .unwrap();
    let members: Vec<Member> = (0..30)
        .map(|i| Member::new("acme", format!("m{i}@acme.io")))
        .collect();
    Member::save_many(&db, members).await.unwrap();
    let plan = app::workspace(&db, "acme").explain().unwrap();
    assert_eq!(plan.operation, Operation::Query);
    let (metered, meter) = db.metered();
    let page = app::workspace(&metered, "acme").page(100).await.unwrap();
    assert_eq!(page.items.len(), 31);
    assert_eq!(page.consumed, meter.total());
    within(
        "a collection's Query",
        meter.total().read_units,
        plan.estimate.read_units,
    );
    // Its members have unbounded fields: a limit bounds the items, not the units.
    let limited = app::workspace(&db, "acme").limit(5).explain().unwrap();
    assert_eq!(limited.estimate.items.max, Some(5));
    assert_eq!(limited.estimate.read_units.max, None);
}
