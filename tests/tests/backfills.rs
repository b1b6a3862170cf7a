//! Backfills (DESIGN §13): items stored by an older model rewritten in the current form —
//! renamed attributes moved, aliased values replaced, versions started — conditionally,
//! resumably, by workers in real processes that may be killed at any instant.

use std::future::IntoFuture;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use dynamongo_runtime::field::{AttributeValue, Item};
use dynamongo_runtime::prelude::*;
use dynamongo_tests::evolution_new::profile::{Profile, ProfilePlan};
use dynamongo_tests::evolution_old::profile::{Profile as OldProfile, ProfilePlan as OldPlan};

const TABLE: &str = "ev-profiles";

/// `n` profiles stored by version 1 of the model (`name`, the `legacy` plan).
async fn old_profiles(db: &Db, n: usize) {
    OldProfile::create_table(db).await.unwrap();
    let all = (0..n).map(|i| {
        let mut p = OldProfile::new(format!("p{i:04}@example.com"), format!("Name {i}"));
        if i % 2 == 0 {
            p.plan = OldPlan::Legacy;
        }
        p
    });
    let r = OldProfile::save_many(db, all).await.unwrap();
    assert_eq!(r.fail_count(), 0);
}

async fn raw(db: &Db, email: &str) -> Item {
    db.client()
        .get_item()
        .table_name(db.table_name(TABLE))
        .key("email", AttributeValue::S(email.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

/// Every stored profile is in version 2's form, at version 1 (rewritten once).
async fn all_in_the_new_form(db: &Db, n: usize) {
    for i in 0..n {
        let item = raw(db, &format!("p{i:04}@example.com")).await;
        assert!(!item.contains_key("name"), "{item:?}");
        assert_eq!(item["display_name"], AttributeValue::S(format!("Name {i}")));
        let plan = if i % 2 == 0 { "pro" } else { "free" };
        assert_eq!(item["plan"], AttributeValue::S(plan.into()), "{item:?}");
        assert_eq!(item["version"], AttributeValue::N("1".into()), "{item:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_rewrites_old_items_once_and_resumes_as_done() {
    let db = Db::embedded().await.unwrap();
    old_profiles(&db, 60).await;
    // A dry run writes nothing and says what it would.
    let dry = Profile::backfill(&db).dry_run().await.unwrap();
    assert_eq!((dry.scanned, dry.rewritten), (60, 60));
    let preview = &dry.preview[0];
    assert_eq!(preview.remove, ["name"]);
    assert!(
        preview.set.contains(&"display_name".to_string()),
        "{preview:?}"
    );
    assert!(raw(&db, "p0000@example.com").await.contains_key("name"));

    let (metered, meter) = db.metered();
    let report = Profile::backfill(&metered).segments(3).await.unwrap();
    assert!(report.complete, "{report:?}");
    assert_eq!(
        (
            report.scanned,
            report.rewritten,
            report.unchanged,
            report.failed.len()
        ),
        (60, 60, 0, 0)
    );
    assert_eq!(report.segments_done, 3);
    assert!(report.consumed.write_units >= 60.0, "{:?}", report.consumed);
    assert_eq!(report.consumed, meter.total());
    all_in_the_new_form(&db, 60).await;
    let read = Profile::get_one(&db, "p0000@example.com").await.unwrap();
    assert_eq!((read.plan, read.version), (ProfilePlan::Pro, 1));

    // Done under its name: returns at once. A new name examines everything again.
    let again = Profile::backfill(&db).segments(3).await.unwrap();
    assert!(again.complete);
    assert_eq!(again.scanned, 0);
    let fresh = Profile::backfill(&db).name("second pass").await.unwrap();
    assert_eq!(
        (fresh.scanned, fresh.unchanged, fresh.rewritten),
        (60, 60, 0)
    );
    // The segment count is fixed by the first run under a name.
    let e = Profile::backfill(&db).segments(5).await.unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_the_model_cannot_read_is_reported_and_left_as_it_is() {
    let db = Db::embedded().await.unwrap();
    old_profiles(&db, 5).await;
    db.client()
        .put_item()
        .table_name(db.table_name(TABLE))
        .item("email", AttributeValue::S("bad@example.com".into()))
        .item("name", AttributeValue::N("12".into()))
        .send()
        .await
        .unwrap();
    let report = Profile::backfill(&db).await.unwrap();
    assert_eq!((report.scanned, report.rewritten), (6, 5));
    assert_eq!(report.failed.len(), 1);
    let (key, error) = &report.failed[0];
    assert_eq!(key["email"], AttributeValue::S("bad@example.com".into()));
    assert!(matches!(error, Error::Decode { .. }), "{error}");
    let untouched = raw(&db, "bad@example.com").await;
    assert_eq!(untouched["name"], AttributeValue::N("12".into()));
    assert!(report.complete, "a failed item does not stop the run");
}

fn worker(
    endpoint: &str,
    name: &str,
    id: &str,
    segments: u32,
    lease_ms: u64,
    rate: f64,
) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_backfill_worker"))
        .args([
            endpoint,
            name,
            id,
            &segments.to_string(),
            &lease_ms.to_string(),
            &rate.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A worker process killed by SIGKILL mid-run loses nothing: a second worker takes its
/// segments over once their leases expire, resumes from the last page checkpointed, and
/// every item ends rewritten exactly once (a page done twice finds its items done).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_loses_nothing_and_another_takes_over() {
    let db = Db::embedded().await.unwrap();
    old_profiles(&db, 300).await;
    let endpoint = db.endpoint_url().unwrap().to_string();
    // Slow (a low rate), so that it is killed in the middle.
    let mut a = worker(&endpoint, "crash", "worker-a", 2, 300, 60.0);
    let stdout = a.stdout.take().unwrap();
    tokio::task::spawn_blocking(move || {
        let mut pages = 0;
        for line in BufReader::new(stdout).lines() {
            if line.unwrap().starts_with("page") {
                pages += 1;
                if pages == 4 {
                    return;
                }
            }
        }
        panic!("the worker ended before its fourth page");
    })
    .await
    .unwrap();
    a.kill().unwrap();
    a.wait().unwrap();
    // Another worker, here in this process: it takes the dead worker's leases over.
    let report = Profile::backfill(&db)
        .name("crash")
        .segments(2)
        .worker("worker-b")
        .lease(Duration::from_millis(300))
        .await
        .unwrap();
    assert!(report.complete, "{report:?}");
    assert!(
        report.rewritten < 300,
        "worker a did part of it: {report:?}"
    );
    assert_eq!(report.failed.len(), 0);
    all_in_the_new_form(&db, 300).await;
}

/// Two worker processes at once share the segments: every item rewritten once in all.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_one_backfill() {
    let db = Db::embedded().await.unwrap();
    old_profiles(&db, 200).await;
    let endpoint = db.endpoint_url().unwrap().to_string();
    let workers = [
        worker(&endpoint, "shared", "one", 4, 2_000, 1_000.0),
        worker(&endpoint, "shared", "two", 4, 2_000, 1_000.0),
    ];
    let results = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|mut w| {
                let out = w.stdout.take().unwrap();
                let last = BufReader::new(out)
                    .lines()
                    .map(Result::unwrap)
                    .filter(|l| l.starts_with("done"))
                    .last()
                    .expect("the worker finished");
                assert!(w.wait().unwrap().success());
                last
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let mut rewritten = 0;
    for r in &results {
        let parts: Vec<&str> = r.split(' ').collect();
        rewritten += parts[1].parse::<u64>().unwrap();
        assert_eq!(parts[2], "true", "{r}");
    }
    assert_eq!(rewritten, 200, "{results:?}");
    all_in_the_new_form(&db, 200).await;
}

/// A copy to a new table writes each mapped item only where the new table has none or an
/// older one: a write made there meanwhile is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_fills_a_new_table_and_keeps_newer_writes() {
    use dynamongo_tests::models::account::Account;
    let db = Db::embedded().await.unwrap();
    old_profiles(&db, 30).await;
    Account::create_table(&db).await.unwrap();
    // The application already writes the new model: this account is newer than a copy.
    let live = Account::save_one(
        &db,
        Account::new("p0003@example.com", "p0003@example.com", 99),
    )
    .await
    .unwrap();
    assert_eq!(live.version, 1);
    let map = |old: OldProfile| -> Result<Account, Error> {
        if old.email == "p0007@example.com" {
            return Err(Error::Config("this one does not map".into()));
        }
        Ok(Account::new(old.email.clone(), old.email, 0))
    };
    let dry = dynamongo_runtime::backfill::copy::<OldProfile, Account, _>(&db, map)
        .dry_run()
        .await
        .unwrap();
    assert_eq!((dry.scanned, dry.copied), (30, 29));
    assert!(
        Account::get_one(&db, "p0001@example.com").await.is_err(),
        "a dry run writes nothing"
    );
    let report = dynamongo_runtime::backfill::copy::<OldProfile, Account, _>(&db, map)
        .segments(2)
        .await
        .unwrap();
    assert!(report.complete, "{report:?}");
    assert_eq!((report.scanned, report.copied, report.kept), (30, 28, 1));
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        report.failed[0].0["email"],
        AttributeValue::S("p0007@example.com".into())
    );
    let kept = Account::get_one(&db, "p0003@example.com").await.unwrap();
    assert_eq!((kept.balance, kept.version), (99, 1));
    let copied = Account::get_one(&db, "p0001@example.com").await.unwrap();
    assert_eq!(copied.owner, "p0001@example.com");
}

/// What an upgrade hook removes is removed from the stored item; `only` narrows the run;
/// a dry run makes no checkpoint table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_hooks_only_and_dry_runs() {
    use dynamongo_tests::evolution_new::contact::Contact;
    use dynamongo_tests::evolution_old::contact::Contact as OldContact;
    let db = Db::embedded().await.unwrap();
    OldContact::create_table(&db).await.unwrap();
    OldContact::save_many(
        &db,
        (0..10).map(|i| OldContact::new(format!("c{i}"), format!("Ada{i} Lovelace"))),
    )
    .await
    .unwrap();
    // A dry run leaves no trace: no checkpoint table.
    let dry = Contact::backfill(&db).dry_run().await.unwrap();
    assert_eq!(dry.rewritten, 10);
    let tables = db.client().list_tables().send().await.unwrap();
    assert!(
        !tables
            .table_names()
            .iter()
            .any(|t| t.contains("dynamongo_backfills")),
        "{tables:?}"
    );
    // Only some: the others stay as they were.
    let some = Contact::backfill(&db)
        .name("some")
        .only(dynamongo_tests::evolution_new::contact::id().begins_with("c1"))
        .await
        .unwrap();
    assert_eq!((some.scanned, some.rewritten), (1, 1));
    let all = Contact::backfill(&db).name("all").await.unwrap();
    assert_eq!((all.scanned, all.rewritten, all.unchanged), (10, 9, 1));
    let item = db
        .client()
        .get_item()
        .table_name(db.table_name("ev-contacts"))
        .key("id", AttributeValue::S("c3".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!item.contains_key("name"), "the hook removed it: {item:?}");
    assert_eq!(item["first"], AttributeValue::S("Ada3".into()));
    assert_eq!(item["last"], AttributeValue::S("Lovelace".into()));
}

/// An entity reads its own items only, and its rewrite writes the index keys its
/// templates render (an entity that joined an index: the items stored before lack them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entity_backfill_writes_its_index_keys() {
    use dynamongo_tests::models::member::{self, Member};
    use dynamongo_tests::models::workspace::Workspace;
    let db = Db::embedded().await.unwrap();
    Workspace::create_table(&db).await.unwrap();
    Workspace::save_one(&db, Workspace::new("acme", "Acme Inc"))
        .await
        .unwrap();
    // Members stored before the entity joined gsi1: no gsi1pk / gsi1sk.
    let table = db.table_name("app");
    for i in 0..12 {
        let email = format!("m{i}@acme.io");
        db.client()
            .put_item()
            .table_name(&table)
            .item("pk", AttributeValue::S("ws#acme".into()))
            .item("sk", AttributeValue::S(format!("member#{email}")))
            .item("entity", AttributeValue::S("member".into()))
            .item("workspace", AttributeValue::S("acme".into()))
            .item("email", AttributeValue::S(email))
            .item("role", AttributeValue::S("editor".into()))
            .item(
                "joined_at",
                AttributeValue::S("2020-01-02T03:04:05.000000+0000".into()),
            )
            .send()
            .await
            .unwrap();
    }
    let by_user = || Member::get_many(&db, member::email().eq("m3@acme.io"));
    assert!(by_user().await.unwrap().is_empty(), "not in the index yet");
    let report = Member::backfill(&db).segments(2).await.unwrap();
    assert_eq!(
        (report.scanned, report.rewritten),
        (12, 12),
        "the workspace item is not a member: {report:?}"
    );
    assert_eq!(by_user().await.unwrap().len(), 1, "found through gsi1 now");
}

/// An entity renamed (`line` → `basket_line`): the old model's generated code reads the
/// items, and a copy into the same table replaces each (same keys) where a field the old
/// items hold exists — the entity attribute rewritten in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_moves_an_entity_rename_in_place() {
    use dynamongo_tests::evolution_new::line::{self, Line};
    use dynamongo_tests::evolution_old::line::Line as OldLine;
    let db = Db::embedded().await.unwrap();
    OldLine::create_table(&db).await.unwrap();
    OldLine::save_many(
        &db,
        (0..8).map(|n| OldLine::new("b1", n, format!("sku-{n}"))),
    )
    .await
    .unwrap();
    assert!(
        Line::get_one(&db, ("b1", 3)).await.is_err(),
        "not recognised yet"
    );
    let report = dynamongo_runtime::backfill::copy::<OldLine, Line, _>(&db, |old| {
        Ok(Line::new(old.basket, old.n, old.sku))
    })
    .replace_if(|_| line::sku().exists())
    .await
    .unwrap();
    assert_eq!((report.scanned, report.copied, report.kept), (8, 8, 0));
    let moved = Line::get_one(&db, ("b1", 3)).await.unwrap();
    assert_eq!(moved.sku, "sku-3");
    let again = dynamongo_runtime::backfill::copy::<OldLine, Line, _>(&db, |old| {
        Ok(Line::new(old.basket, old.n, old.sku))
    })
    .name("again")
    .await
    .unwrap();
    assert_eq!(again.scanned, 0, "no item of the old entity is left");
}

/// A worker whose pages wait on a low rate (each write longer than its lease) still
/// renews its lease while it waits: another worker never takes a live one's segment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_worker_keeps_its_lease_while_its_rate_waits() {
    let db = Db::embedded().await.unwrap();
    old_profiles(&db, 6).await;
    let lease = Duration::from_millis(300);
    let slow = Profile::backfill(&db)
        .name("slow")
        .worker("slow")
        .lease(lease)
        .rate(2.0)
        .into_future();
    let other = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Profile::backfill(&db)
            .name("slow")
            .worker("other")
            .lease(lease)
            .await
    };
    let (slow, other) = tokio::join!(slow, other);
    let (slow, other) = (slow.unwrap(), other.unwrap());
    assert_eq!(slow.rewritten, 6, "{slow:?}");
    assert_eq!(
        other.scanned, 0,
        "the live worker's segment was taken: {other:?}"
    );
    assert!(slow.complete && other.complete);
    all_in_the_new_form(&db, 6).await;
}
