//! Single-table design (DESIGN §10) on the embedded store: entities whose keys are
//! rendered from templates, collections read with one Query, the planner on templates
//! (exact at the boundaries), index keys rewritten by updates, and reads of one entity
//! that never return another.

use std::collections::HashMap;

use dynamongo_runtime::chrono::{DateTime, Duration, TimeZone, Utc};
use dynamongo_runtime::field::AttributeValue;
use dynamongo_runtime::plan::Operation;
use dynamongo_runtime::prelude::*;
use dynamongo_runtime::uuid::Uuid;
use dynamongo_tests::edge::job::{self, Job};
use dynamongo_tests::edge::queue as queue_table;
use dynamongo_tests::edge::worker::Worker;
use dynamongo_tests::models::app::{self, WorkspaceItem};
use dynamongo_tests::models::member::{self, Member, MemberRole};
use dynamongo_tests::models::workspace::Workspace;
use dynamongo_tests::models::workspace_note::{self, WorkspaceNote};

type Raw = HashMap<String, AttributeValue>;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

async fn app_db() -> Db {
    let db = Db::embedded().await.unwrap();
    app::create_table(&db).await.unwrap();
    db
}

/// The item as stored, read through the SDK.
async fn raw(db: &Db, table: &str, pk: &str, sk: &str) -> Option<Raw> {
    db.client()
        .get_item()
        .table_name(db.table_name(table))
        .key("pk", s(pk))
        .key("sk", s(sk))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

async fn put_raw(db: &Db, table: &str, item: Raw) {
    db.client()
        .put_item()
        .table_name(db.table_name(table))
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, minute, 0).unwrap()
}

fn note(ws: &str, minute: u32, title: &str) -> WorkspaceNote {
    let mut n = WorkspaceNote::new(ws, title);
    n.created_at = at(minute);
    n.id = Uuid::from_u128(u128::from(minute));
    n
}

#[tokio::test]
async fn keys_are_rendered_on_save_and_never_in_the_struct() {
    let db = app_db().await;
    let mut n = note("acme", 5, "Plan");
    n.author = Some("ann@example.com".into());
    WorkspaceNote::save_one(&db, n.clone()).await.unwrap();
    let sk = "note#2026-01-02T03:05:00.000000+0000#00000000-0000-0000-0000-000000000005";
    let item = raw(&db, "app", "ws#acme", sk)
        .await
        .expect("stored at its rendered key");
    assert_eq!(item["entity"], s("note"));
    assert_eq!(item["gsi1pk"], s("author#ann@example.com"));
    assert_eq!(item["gsi1sk"], s("note#2026-01-02T03:05:00.000000+0000"));
    // Fields are stored as their own attributes, as for any model.
    assert_eq!(item["workspace"], s("acme"));
    assert_eq!(item["title"], s("Plan"));

    // The key type holds the placeholder fields; get_one renders it.
    let key = n.key();
    assert_eq!(
        (key.workspace.as_str(), key.created_at, key.id),
        ("acme", at(5), Uuid::from_u128(5))
    );
    assert_eq!(WorkspaceNote::get_one(&db, key).await.unwrap(), n);

    // Without an author there is no gsi1pk: the note is not in gsi1 (a sparse index).
    // Each index key attribute is written when its own template's fields have values.
    let quiet = note("acme", 6, "No author");
    WorkspaceNote::save_one(&db, quiet).await.unwrap();
    let sk = "note#2026-01-02T03:06:00.000000+0000#00000000-0000-0000-0000-000000000006";
    let item = raw(&db, "app", "ws#acme", sk).await.unwrap();
    assert!(!item.contains_key("gsi1pk"), "{item:?}");
    assert!(item.contains_key("gsi1sk"), "{item:?}");

    let w = Workspace::new("acme", "Acme Inc");
    Workspace::save_one(&db, w).await.unwrap();
    let item = raw(&db, "app", "ws#acme", "workspace").await.unwrap();
    assert_eq!(item["entity"], s("workspace"));
}

#[tokio::test]
async fn a_value_that_would_make_keys_ambiguous_is_refused() {
    let db = app_db().await;
    // The partition template ends with `{workspace}`: the last placeholder is free, and
    // `ws#acme#note` is a partition of its own.
    WorkspaceNote::save_one(&db, note("acme#note", 1, "Own partition"))
        .await
        .unwrap();
    assert!(app::workspace(&db, "acme").await.unwrap().is_empty());
    assert_eq!(app::workspace(&db, "acme#note").await.unwrap().len(), 1);

    let db = Db::embedded().await.unwrap();
    Job::create_table(&db).await.unwrap();
    let mut j = Job::new("q#1", 1);
    j.region = Some("eu#west".into());
    j.status = Some(job::JobStatus::Queued);
    let err = Job::save_one(&db, j).await.unwrap_err();
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
    // `{queue}` ends its template (free); `region` is followed by `#` in gsi1sk.
    assert_eq!(paths, ["region"], "{err}");
    assert!(err.to_string().contains("gsi1sk"), "{err}");

    // An int that does not fit its width.
    let err = Job::save_one(&db, Job::new("q", 100_000_000))
        .await
        .unwrap_err();
    assert_eq!(err.violations()[0].path, "seq", "{err}");
    let err = Job::save_one(&db, Job::new("q", -1)).await.unwrap_err();
    assert_eq!(err.violations()[0].path, "seq", "{err}");
}

#[tokio::test]
async fn two_items_never_share_a_key() {
    // Items built to collide if rendering were not injective: a queue name that ends
    // like another's key, ints padded to the same text, hosts that embed separators.
    let db = Db::embedded().await.unwrap();
    queue_table::create_table(&db).await.unwrap();
    let workers = [
        Worker::new("a", "h", 1),
        Worker::new("a", "h", 10),
        Worker::new("a", "h1", 0),
        Worker::new("a_", "h", 1),
        Worker::new("a", "h_1", 1),
    ];
    Worker::save_many(&db, workers.clone()).await.unwrap();
    for w in &workers {
        assert_eq!(&Worker::get_one(&db, w.key()).await.unwrap(), w);
    }
    // A host with the separator that follows it could end where another begins.
    let err = Worker::save_one(&db, Worker::new("a", "h#0001", 1))
        .await
        .unwrap_err();
    assert_eq!(err.violations()[0].path, "host", "{err}");
    assert_eq!(
        queue_table::queue(&db, "a").await.unwrap().len(),
        4,
        "four distinct items in partition `a`"
    );
}

#[tokio::test]
async fn a_collection_reads_every_entity_of_a_partition_in_one_query() {
    let db = app_db().await;
    Workspace::save_one(&db, Workspace::new("acme", "Acme Inc"))
        .await
        .unwrap();
    Member::save_many(
        &db,
        [
            Member::new("acme", "bob@example.com"),
            Member::new("acme", "ann@example.com"),
            Member::new("other", "ann@example.com"),
        ],
    )
    .await
    .unwrap();
    WorkspaceNote::save_many(&db, [note("acme", 2, "Second"), note("acme", 1, "First")])
        .await
        .unwrap();
    // An item of an entity this code does not know, in the same partition.
    put_raw(
        &db,
        "app",
        Raw::from([
            ("pk".into(), s("ws#acme")),
            ("sk".into(), s("invoice#1")),
            ("entity".into(), s("invoice")),
        ]),
    )
    .await;

    let items = app::workspace(&db, "acme").await.unwrap();
    let kinds: Vec<String> = items
        .iter()
        .map(|i| match i {
            WorkspaceItem::Workspace(w) => format!("workspace {}", w.name),
            WorkspaceItem::Member(m) => format!("member {}", m.email),
            WorkspaceItem::WorkspaceNote(n) => format!("note {}", n.title),
            WorkspaceItem::Unknown(item) => format!("unknown {:?}", item["sk"]),
        })
        .collect();
    // Sort-key order: invoice#, member#, note#, workspace.
    assert_eq!(
        kinds,
        [
            "unknown S(\"invoice#1\")",
            "member ann@example.com",
            "member bob@example.com",
            "note First",
            "note Second",
            "workspace Acme Inc",
        ]
    );

    let plan = app::workspace(&db, "acme").explain().unwrap();
    assert_eq!(plan.operation, Operation::Query);
    assert_eq!(plan.requests, 1);
    assert!(plan.filter.is_none(), "{plan}");
    assert!(
        plan.values.iter().any(|(_, v)| *v == s("ws#acme")),
        "{plan}"
    );

    let last = app::workspace(&db, "acme")
        .descending()
        .limit(1)
        .await
        .unwrap();
    assert!(matches!(&last[..], [WorkspaceItem::Workspace(_)]));

    // Pages of two, resumed by cursor, give the same items in the same order.
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut read = app::workspace(&db, "acme");
        if let Some(c) = cursor.take() {
            read = read.after(c);
        }
        let page = read.page(2).await.unwrap();
        pages.push(page.items.len());
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, [2, 2, 2]);
    use futures::StreamExt;
    let streamed: Vec<_> = app::workspace(&db, "acme").stream().collect().await;
    assert_eq!(streamed.len(), 6);
    // Another partition.
    assert_eq!(app::workspace(&db, "other").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_read_of_one_entity_never_returns_another() {
    let db = app_db().await;
    Workspace::save_one(&db, Workspace::new("acme", "Acme Inc"))
        .await
        .unwrap();
    Member::save_one(&db, Member::new("acme", "ann@example.com"))
        .await
        .unwrap();
    WorkspaceNote::save_one(&db, note("acme", 1, "First"))
        .await
        .unwrap();
    let members = Member::get_many(&db, member::workspace().eq("acme"))
        .await
        .unwrap();
    assert_eq!(members.len(), 1);
    let plan = Member::get_many(&db, member::workspace().eq("acme"))
        .explain()
        .unwrap();
    assert_eq!(plan.operation, Operation::Query, "{plan}");
    let kc = plan.key_condition.clone().unwrap();
    assert!(kc.contains("begins_with"), "{plan}");
    assert!(
        plan.values.iter().any(|(_, v)| *v == s("member#")),
        "{plan}"
    );

    // `in_` on the partition's field: a Query per partition.
    Member::save_one(&db, Member::new("beta", "bob@example.com"))
        .await
        .unwrap();
    let cond = member::workspace().in_(["acme", "beta", "gamma"]);
    let plan = Member::get_many(&db, cond.clone()).explain().unwrap();
    assert_eq!(
        (plan.operation, plan.requests),
        (Operation::Query, 3),
        "{plan}"
    );
    assert_eq!(Member::get_many(&db, cond).await.unwrap().len(), 2);

    // A scan of one entity (no partition) filters on the entity attribute.
    let notes = WorkspaceNote::get_many(&db, workspace_note::title().begins_with("F"))
        .await
        .unwrap();
    assert_eq!(notes.len(), 1);

    // An item at a member's key without the entity attribute is not a member.
    put_raw(
        &db,
        "app",
        Raw::from([
            ("pk".into(), s("ws#acme")),
            ("sk".into(), s("member#eve@example.com")),
            ("workspace".into(), s("acme")),
            ("email".into(), s("eve@example.com")),
        ]),
    )
    .await;
    let err = Member::get_one(&db, ("acme", "eve@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let found = Member::get_many(
        &db,
        vec![("acme", "eve@example.com"), ("acme", "ann@example.com")],
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    // An update does not touch it either.
    let err = Member::update_one(
        &db,
        ("acme", "eve@example.com"),
        [member::role().set(MemberRole::Owner)],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound { .. } | Error::ConditionalCheckFailed { .. }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn ranges_on_a_sort_template_field_are_exact_at_the_boundaries() {
    let db = app_db().await;
    WorkspaceNote::save_many(&db, (0..5).map(|m| note("acme", m, &format!("n{m}"))))
        .await
        .unwrap();
    WorkspaceNote::save_one(&db, note("other", 2, "elsewhere"))
        .await
        .unwrap();
    let minutes = |notes: Vec<WorkspaceNote>| -> Vec<u32> {
        use dynamongo_runtime::chrono::Timelike;
        notes.iter().map(|n| n.created_at.minute()).collect()
    };
    let ws = || workspace_note::workspace().eq("acme");
    let created = workspace_note::created_at;
    let cases: Vec<(Condition<WorkspaceNote>, Vec<u32>)> = vec![
        (ws() & created().gt(at(2)), vec![3, 4]),
        (ws() & created().ge(at(2)), vec![2, 3, 4]),
        (ws() & created().lt(at(2)), vec![0, 1]),
        (ws() & created().le(at(2)), vec![0, 1, 2]),
        (ws() & created().between(at(1), at(3)), vec![1, 2, 3]),
        (ws() & created().eq(at(4)), vec![4]),
        (ws() & created().gt(at(9)), vec![]),
    ];
    for (cond, want) in cases {
        let plan = WorkspaceNote::get_many(&db, cond.clone())
            .explain()
            .unwrap();
        assert_eq!(plan.operation, Operation::Query, "{plan}");
        // Exact: the datetime has a fixed width, so no filter on it remains.
        assert!(
            !plan.names.iter().any(|(_, n)| n == "created_at"),
            "the range became the key condition: {plan}"
        );
        let got = WorkspaceNote::get_many(&db, cond).await.unwrap();
        assert_eq!(minutes(got), want, "{plan}");
    }
    // Full keys: a GetItem.
    let key = note("acme", 3, "").key();
    let plan = WorkspaceNote::get_many(
        &db,
        ws() & created().eq(key.created_at) & workspace_note::id().eq(key.id),
    )
    .explain()
    .unwrap();
    assert!(
        matches!(plan.operation, Operation::GetItem | Operation::BatchGetItem),
        "{plan}"
    );
    let desc = WorkspaceNote::get_many(&db, ws())
        .descending()
        .limit(2)
        .await
        .unwrap();
    assert_eq!(minutes(desc), [4, 3]);
}

#[tokio::test]
async fn padded_ints_sort_and_clamp() {
    let db = Db::embedded().await.unwrap();
    queue_table::create_table(&db).await.unwrap();
    Job::save_many(&db, [0, 1, 9, 10, 99_999_999].map(|n| Job::new("q", n)))
        .await
        .unwrap();
    let seqs = |jobs: Vec<Job>| -> Vec<i64> { jobs.iter().map(|j| j.seq).collect() };
    let q = || job::queue().eq("q");
    let cases: Vec<(Condition<Job>, Vec<i64>)> = vec![
        (q(), vec![0, 1, 9, 10, 99_999_999]),
        (q() & job::seq().lt(10), vec![0, 1, 9]),
        (q() & job::seq().le(10), vec![0, 1, 9, 10]),
        (q() & job::seq().gt(9), vec![10, 99_999_999]),
        (q() & job::seq().ge(-5), vec![0, 1, 9, 10, 99_999_999]),
        (q() & job::seq().gt(-5), vec![0, 1, 9, 10, 99_999_999]),
        (q() & job::seq().le(-1), vec![]),
        (
            q() & job::seq().lt(100_000_000_000_i64),
            vec![0, 1, 9, 10, 99_999_999],
        ),
        (q() & job::seq().gt(100_000_000_000_i64), vec![]),
        (q() & job::seq().between(1, 10), vec![1, 9, 10]),
        (q() & job::seq().between(-3, 1), vec![0, 1]),
    ];
    for (cond, want) in cases {
        let plan = Job::get_many(&db, cond.clone()).explain().unwrap();
        let got = Job::get_many(&db, cond).await.unwrap();
        assert_eq!(seqs(got), want, "{plan}");
    }
    // Equality with a value no key can hold.
    let err = Job::get_many(&db, q() & job::seq().eq(-1))
        .await
        .unwrap_err();
    assert_eq!(err.violations()[0].path, "seq", "{err}");
}

#[tokio::test]
async fn updates_rewrite_the_index_keys_of_the_fields_they_set() {
    let db = Db::embedded().await.unwrap();
    queue_table::create_table(&db).await.unwrap();
    let mut j = Job::new("q", 7);
    j.status = Some(job::JobStatus::Queued);
    j.region = Some("eu".into());
    Job::save_one(&db, j.clone()).await.unwrap();
    let stored = |db: Db| async move {
        raw(&db, "queue", "$queue#queue_q", "$job_1#seq_00000007")
            .await
            .unwrap()
    };
    let item = stored(db.clone()).await;
    assert_eq!(item["gsi1pk"], s("$queue#status_queued"));
    assert_eq!(
        item["gsi1sk"],
        s("$job_1#priority_005#region_eu#seq_00000007")
    );
    assert_eq!(item["__edb_e__"], s("job"));
    assert_eq!(item["__edb_v__"], s("1"));

    Job::update_one(&db, j.key(), [job::status().set(job::JobStatus::Running)])
        .await
        .unwrap();
    assert_eq!(
        stored(db.clone()).await["gsi1pk"],
        s("$queue#status_running")
    );

    // gsi1sk also needs `region`, which is neither in the key nor in the update:
    // update_one reads it from the stored item (the update is conditioned on it being
    // unchanged); a transaction cannot read first, and says what to set.
    Job::update_one(&db, j.key(), [job::priority().set(8)])
        .await
        .unwrap();
    assert_eq!(
        stored(db.clone()).await["gsi1sk"],
        s("$job_1#priority_008#region_eu#seq_00000007")
    );
    let mut tx = db.transact_write();
    tx.update(j.key(), [job::priority().set(9)]);
    let err = tx.await.unwrap_err();
    assert!(err.to_string().contains("`region`"), "{err}");
    Job::update_one(
        &db,
        j.key(),
        [job::priority().set(9), job::region().set("us")],
    )
    .await
    .unwrap();
    assert_eq!(
        stored(db.clone()).await["gsi1sk"],
        s("$job_1#priority_009#region_us#seq_00000007")
    );
    let running = Job::get_many(&db, job::status().eq(job::JobStatus::Running))
        .explain()
        .unwrap();
    assert_eq!(
        running.index.as_deref(),
        Some("gsi1pk-gsi1sk-index"),
        "{running}"
    );
    assert_eq!(
        Job::get_many(&db, job::status().eq(job::JobStatus::Running))
            .await
            .unwrap()
            .len(),
        1
    );

    // Removing an optional field removes the index keys built from it (sparse).
    Job::update_one(&db, j.key(), [job::status().remove()])
        .await
        .unwrap();
    let item = stored(db.clone()).await;
    assert!(!item.contains_key("gsi1pk"), "{item:?}");
    assert!(
        Job::get_many(&db, job::status().eq(job::JobStatus::Running))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn transactions_versions_and_ttl_work_for_entities() {
    let db = app_db().await;
    let mut tx = db.transact_write();
    tx.create(Workspace::new("acme", "Acme Inc"));
    tx.put(Member::new("acme", "ann@example.com"));
    tx.await.unwrap();
    assert_eq!(app::workspace(&db, "acme").await.unwrap().len(), 2);

    // Optimistic locking on the versioned workspace.
    let w = Workspace::get_one(&db, "acme").await.unwrap();
    let stale = w.clone();
    Workspace::save_one(&db, w).await.unwrap();
    let err = Workspace::save_one(&db, stale).await.unwrap_err();
    assert!(matches!(err, Error::ConditionalCheckFailed { .. }), "{err}");
    // The 409 answer holds the item as the model's JSON: no rendered keys, no entity
    // attribute, the version the client should read again.
    let stored = &err.http_body()["stored"];
    let current = Workspace::get_one(&db, "acme").await.unwrap();
    assert_eq!(stored, &current.to_json(), "{stored}");
    for storage in ["pk", "sk", "gsi1pk", "gsi1sk", "entity"] {
        assert!(stored.get(storage).is_none(), "{storage} in {stored}");
    }

    // An expired note is not returned by a collection or a read.
    let mut old = note("acme", 1, "Old");
    old.expires_at = Some(Utc::now() - Duration::hours(1));
    WorkspaceNote::save_one(&db, old.clone()).await.unwrap();
    assert!(WorkspaceNote::get_one(&db, old.key()).await.is_err());
    assert_eq!(app::workspace(&db, "acme").await.unwrap().len(), 2);
    assert_eq!(
        app::workspace(&db, "acme")
            .include_expired(true)
            .await
            .unwrap()
            .len(),
        3
    );

    // Delete by key.
    Member::delete_one(&db, ("acme", "ann@example.com"))
        .await
        .unwrap();
    assert_eq!(app::workspace(&db, "acme").await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_index_query_finds_notes_by_author() {
    let db = app_db().await;
    let mut a = note("acme", 1, "A");
    a.author = Some("ann@example.com".into());
    let mut b = note("beta", 2, "B");
    b.author = Some("ann@example.com".into());
    let c = note("acme", 3, "C");
    WorkspaceNote::save_many(&db, [a, b, c]).await.unwrap();
    let cond = workspace_note::author().eq("ann@example.com");
    let plan = WorkspaceNote::get_many(&db, cond.clone())
        .explain()
        .unwrap();
    assert_eq!(plan.index.as_deref(), Some("gsi1"), "{plan}");
    let by_ann = WorkspaceNote::get_many(&db, cond).await.unwrap();
    let titles: Vec<&str> = by_ann.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["A", "B"]);
    // A member of the same index is another entity: never returned here.
    Member::save_one(&db, Member::new("acme", "ann@example.com"))
        .await
        .unwrap();
    let plan = Member::get_many(&db, member::email().eq("ann@example.com"))
        .explain()
        .unwrap();
    assert_eq!(plan.index.as_deref(), Some("gsi1"), "{plan}");
    assert_eq!(
        Member::get_many(&db, member::email().eq("ann@example.com"))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn stream_records_of_the_table_decode_into_the_collection_enum() {
    use dynamongo_runtime::stream::{StreamEvent, StreamEventRecord};
    let n = note("acme", 1, "First");
    let mut item = dynamongo_runtime::codegen::Document::to_item(&n);
    item.insert("entity".into(), s("note"));
    let mut r = StreamEventRecord::default();
    r.event_name = "INSERT".to_string();
    r.change.new_image = serde_dynamo::Item::from(item);
    match WorkspaceItem::change(&r).unwrap() {
        StreamEvent::Insert(WorkspaceItem::WorkspaceNote(got)) => assert_eq!(*got, n),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn create_table_on_any_entity_creates_the_whole_table() {
    let db = Db::embedded().await.unwrap();
    // Member has no TTL field, but its table does (the notes'): it is enabled all the same.
    Member::create_table(&db).await.unwrap();
    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(db.table_name("app"))
        .send()
        .await
        .unwrap();
    let spec = ttl.time_to_live_description().unwrap();
    assert_eq!(spec.attribute_name(), Some("expires_at"));
    let described = db
        .client()
        .describe_table()
        .table_name(db.table_name("app"))
        .send()
        .await
        .unwrap();
    let table = described.table().unwrap();
    assert_eq!(table.global_secondary_indexes().len(), 1);
    assert!(table.stream_specification().is_some());
    // The other entities find it there.
    assert!(matches!(
        app::create_table(&db).await.unwrap_err(),
        Error::TableExists(_)
    ));
    WorkspaceNote::save_one(&db, note("acme", 1, "x"))
        .await
        .unwrap();
}

#[tokio::test]
async fn deletes_json_updates_and_transaction_reads_work_for_entities() {
    let db = app_db().await;
    Member::save_many(
        &db,
        ["a", "b", "c"].map(|n| Member::new("acme", format!("{n}@example.com"))),
    )
    .await
    .unwrap();
    Workspace::save_one(&db, Workspace::new("acme", "Acme Inc"))
        .await
        .unwrap();

    // update_from_json: the key fields in the object, rendered into the key.
    Member::update_from_json(
        &db,
        serde_json::json!({"workspace": "acme", "email": "a@example.com", "role": "editor"}),
    )
    .await
    .unwrap();
    let a = Member::get_one(&db, ("acme", "a@example.com"))
        .await
        .unwrap();
    assert_eq!(a.role, MemberRole::Editor);

    // A transaction reads and updates entities by their keys.
    let mut tx = db.transact_write();
    tx.update(
        ("acme", "b@example.com"),
        [member::role().set(MemberRole::Owner)],
    );
    tx.await.unwrap();
    let mut get = db.transact_get();
    let b = get.get::<Member>(("acme", "b@example.com"));
    let w = get.get::<Workspace>("acme");
    let mut got = get.await.unwrap();
    assert_eq!(got.take(b).unwrap().role, MemberRole::Owner);
    assert_eq!(got.take(w).unwrap().name, "Acme Inc");

    // delete_many by a condition on fields: found through the rendered keys (only
    // members), each key parsed back into the model's key.
    let deleted = Member::delete_many(&db, member::workspace().eq("acme"))
        .await
        .unwrap();
    assert_eq!(deleted.success.len(), 3, "{deleted:?}");
    let left = app::workspace(&db, "acme").await.unwrap();
    assert!(
        matches!(&left[..], [WorkspaceItem::Workspace(_)]),
        "{left:?}"
    );
}

#[tokio::test]
async fn a_collection_on_an_index_reads_its_partition_there() {
    let db = Db::embedded().await.unwrap();
    queue_table::create_table(&db).await.unwrap();
    let job = |seq: i64, status: Option<job::JobStatus>, priority: i64| {
        let mut j = Job::new("q", seq);
        j.status = status;
        j.priority = priority;
        j.region = Some("eu".into());
        j
    };
    Job::save_many(
        &db,
        [
            job(1, Some(job::JobStatus::Running), 7),
            job(2, Some(job::JobStatus::Queued), 1),
            job(3, Some(job::JobStatus::Running), 2),
            job(4, None, 1),
        ],
    )
    .await
    .unwrap();
    let plan = queue_table::by_status(&db, job::JobStatus::Running)
        .explain()
        .unwrap();
    assert_eq!(plan.index.as_deref(), Some("gsi1pk-gsi1sk-index"), "{plan}");
    let running = queue_table::by_status(&db, job::JobStatus::Running)
        .await
        .unwrap();
    // In the index's sort order: priority, then region, then seq.
    let seqs: Vec<i64> = running
        .iter()
        .map(|i| match i {
            queue_table::ByStatusItem::Job(j) => j.seq,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seqs, [3, 1]);
    // A sub-collection: the index's partition, sort keys beginning with the priority.
    let read = || queue_table::by_priority(&db, (job::JobStatus::Running, 2));
    let plan = read().explain().unwrap();
    assert_eq!(plan.operation, Operation::Query, "{plan}");
    assert!(
        plan.to_string()
            .contains("sort keys beginning `$job_1#priority_002#`"),
        "{plan}"
    );
    let items = read().await.unwrap();
    assert!(
        matches!(&items[..], [queue_table::ByPriorityItem::Job(j)] if j.seq == 3),
        "{items:?}"
    );
    assert!(queue_table::by_priority(&db, (job::JobStatus::Queued, 7))
        .await
        .unwrap()
        .is_empty());
    // An index keyed by the jobs' own attributes (`queue`, `status`; `priority`) takes
    // more of this condition than the table's partition template does.
    let urgent = || {
        Job::get_many(
            &db,
            job::queue().eq("q")
                & job::status().eq(job::JobStatus::Running)
                & job::priority().gt(3),
        )
    };
    let plan = urgent().explain().unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_queue_status"), "{plan}");
    let seqs: Vec<i64> = urgent().await.unwrap().iter().map(|j| j.seq).collect();
    assert_eq!(seqs, [1]);
    // The queue alone is the table's partition.
    let plan = Job::get_many(&db, job::queue().eq("q")).explain().unwrap();
    assert_eq!(plan.index, None, "{plan}");
}

#[tokio::test]
async fn pages_of_an_entity_resume_by_cursor() {
    let db = app_db().await;
    WorkspaceNote::save_many(&db, (0..7).map(|m| note("acme", m, &format!("n{m}"))))
        .await
        .unwrap();
    Member::save_one(&db, Member::new("acme", "ann@example.com"))
        .await
        .unwrap();
    let read = || WorkspaceNote::get_many(&db, workspace_note::workspace().eq("acme"));
    let mut titles = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut r = read();
        if let Some(c) = cursor.take() {
            r = r.after(c);
        }
        let page = r.page(3).await.unwrap();
        pages += 1;
        titles.extend(page.items.into_iter().map(|n| n.title));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(titles, ["n0", "n1", "n2", "n3", "n4", "n5", "n6"]);
    // A cursor of another read is refused.
    let page = read().page(3).await.unwrap();
    let err = Member::get_many(&db, member::workspace().eq("acme"))
        .after(page.cursor.unwrap())
        .page(3)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err}");
}
