//! Client-side encryption (DESIGN §14): a model with `"encrypt": true` fields, through the
//! AWS Database Encryption SDK with a raw AES keyring, on the embedded store. The store
//! sees ciphertext only (read raw through the SDK client of a plain `Db`); every path —
//! single items, batches, pages, index queries, scans, transactions, updates — reads back
//! plaintext; a tampered item or a wrong key is a decode error, never an item.

use std::collections::HashMap;

use dynamongo_runtime::encryption::{Encryption, Keyring};
use dynamongo_runtime::field::AttributeValue;
use dynamongo_runtime::prelude::*;
use dynamongo_tests::edge::patient::{self, Patient};

const KEY: [u8; 32] = [7; 32];

/// A plain `Db` on a new embedded store (it reads raw items), and one that encrypts
/// `Patient`'s table with `KEY`.
async fn stores() -> (Db, Db) {
    let plain = Db::embedded().await.unwrap();
    let db = plain
        .clone()
        .with_encryption(Encryption::new(Keyring::raw_aes("test", KEY)).model::<Patient>())
        .await
        .unwrap();
    Patient::create_table(&db).await.unwrap();
    (plain, db)
}

/// A patient as stored, read raw.
async fn raw(plain: &Db, id: &str) -> HashMap<String, AttributeValue> {
    raw_in(plain, "patients", id).await
}

/// An item of `table` (hash key `id`) as stored, read raw.
async fn raw_in(plain: &Db, table: &str, id: &str) -> HashMap<String, AttributeValue> {
    plain
        .client()
        .get_item()
        .table_name(plain.table_name(table))
        .key("id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the item is stored")
}

/// Every item of `table` as stored, read raw.
async fn scan_raw(plain: &Db, table: &str) -> Vec<HashMap<String, AttributeValue>> {
    plain
        .client()
        .scan()
        .table_name(plain.table_name(table))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

fn patient(id: &str, ward: &str) -> Patient {
    let mut p = Patient::new(id, ward, format!("Secret Name {id}"));
    p.diagnosis = Some(format!("confidential diagnosis {id}"));
    p.allergies = vec!["penicillin".into()];
    p
}

/// Every string the item holds, at any depth.
fn texts(v: &AttributeValue, out: &mut Vec<String>) {
    match v {
        AttributeValue::S(s) => out.push(s.clone()),
        AttributeValue::L(l) => l.iter().for_each(|x| texts(x, out)),
        AttributeValue::M(m) => m.values().for_each(|x| texts(x, out)),
        AttributeValue::Ss(s) => out.extend(s.iter().cloned()),
        _ => {}
    }
}

#[tokio::test]
async fn the_store_holds_ciphertext_and_reads_give_plaintext() {
    let (plain, db) = stores().await;
    let saved = Patient::save_one(&db, patient("p1", "north"))
        .await
        .unwrap();
    assert_eq!(saved.version, 1);

    let item = raw(&plain, "p1").await;
    for encrypted in ["name", "diagnosis", "allergies"] {
        assert!(
            matches!(item.get(encrypted), Some(AttributeValue::B(_))),
            "`{encrypted}` is stored as ciphertext (binary): {:?}",
            item.get(encrypted)
        );
    }
    let mut stored_text = Vec::new();
    item.values().for_each(|v| texts(v, &mut stored_text));
    for secret in ["Secret Name p1", "confidential diagnosis p1", "penicillin"] {
        assert!(
            !stored_text.iter().any(|t| t.contains(secret)),
            "no plaintext `{secret}` in the store: {stored_text:?}"
        );
    }
    // Signed plaintext stays readable by DynamoDB (keys, index keys, the version).
    assert_eq!(item["ward"], AttributeValue::S("north".into()));
    assert_eq!(item["version"], AttributeValue::N("1".into()));
    assert!(item.contains_key("aws_dbe_head") && item.contains_key("aws_dbe_foot"));

    let read = Patient::get_one(&db, "p1").consistent(true).await.unwrap();
    assert_eq!(read, saved);
}

#[tokio::test]
async fn a_db_that_does_not_encrypt_the_model_sends_nothing() {
    let (plain, _db) = stores().await;
    let err = Patient::save_one(&plain, patient("p1", "north"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("`Patient` has encrypted fields") && m.contains("nothing was sent")),
        "{err}"
    );
    let err = Patient::get_one(&plain, "p1").await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(
        scan_raw(&plain, "patients").await.is_empty(),
        "no plaintext item was written"
    );
}

#[tokio::test]
async fn a_tampered_item_or_a_wrong_key_is_a_decode_error() {
    let (plain, db) = stores().await;
    Patient::save_one(&db, patient("p1", "north"))
        .await
        .unwrap();
    Patient::save_one(&db, patient("p2", "north"))
        .await
        .unwrap();

    // One signed plaintext attribute changed in the store, behind the SDK's back.
    plain
        .client()
        .update_item()
        .table_name(plain.table_name("patients"))
        .key("id", AttributeValue::S("p1".into()))
        .update_expression("SET ward = :w")
        .expression_attribute_values(":w", AttributeValue::S("south".into()))
        .send()
        .await
        .unwrap();
    let err = Patient::get_one(&db, "p1")
        .consistent(true)
        .await
        .unwrap_err();
    match &err {
        Error::Decode { table, source } => {
            assert_eq!(table, "patients");
            assert!(
                source.to_string().contains("id=p1"),
                "names the key: {source}"
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // A page that holds it fails too: the tampered item is never returned.
    let err = Patient::get_many(&db, patient::ward().eq("south"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");

    // Another key cannot read what this one wrote.
    let other = plain
        .clone()
        .with_encryption(Encryption::new(Keyring::raw_aes("test", [9u8; 32])).model::<Patient>())
        .await
        .unwrap();
    let err = Patient::get_one(&other, "p2")
        .consistent(true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(Patient::get_one(&db, "p2").consistent(true).await.is_ok());
}

#[tokio::test]
async fn batches_pages_index_queries_and_scans_decrypt() {
    let (_plain, db) = stores().await;
    let patients: Vec<Patient> = (0..30)
        .map(|i| {
            patient(
                &format!("p{i:02}"),
                if i % 3 == 0 { "east" } else { "west" },
            )
        })
        .collect();
    let result = Patient::save_many(&db, patients.clone()).await.unwrap();
    assert_eq!((result.success.len(), result.fail.len()), (30, 0));

    let keys: Vec<String> = (0..30).map(|i| format!("p{i:02}")).collect();
    let mut got = Patient::get_many(&db, keys).await.unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got.len(), 30);
    assert_eq!(
        got[7].diagnosis.as_deref(),
        Some("confidential diagnosis p07")
    );

    // An index query, page by page.
    let east = Patient::get_many(&db, patient::ward().eq("east"));
    assert_eq!(east.explain().unwrap().index.as_deref(), Some("by_ward"));
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut read = Patient::get_many(&db, patient::ward().eq("east"));
        if let Some(c) = cursor.take() {
            read = read.after(c);
        }
        let page = read.page(4).await.unwrap();
        seen.extend(page.items.iter().map(|p| p.name.clone()));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10);
    assert!(seen.iter().all(|n| n.starts_with("Secret Name p")));

    // A scan with a filter on a plaintext field, and a count.
    let west = Patient::get_many(&db, patient::visits().eq(0) & patient::ward().eq("west"))
        .await
        .unwrap();
    assert_eq!(west.len(), 20);
    assert!(west.iter().all(|p| p.allergies == ["penicillin"]));
}

#[tokio::test]
async fn updates_rewrite_signed_items_whole_and_unsigned_counters_in_place() {
    let (plain, db) = stores().await;
    let saved = Patient::save_one(&db, patient("p1", "north"))
        .await
        .unwrap();

    // A signed field: read, changed, put back at the next version, still encrypted.
    let moved = Patient::update_one(&db, &saved, [patient::ward().set("south")])
        .await
        .unwrap();
    assert_eq!((moved.ward.as_str(), moved.version), ("south", 2));
    assert_eq!(moved.diagnosis, saved.diagnosis);
    let item = raw(&plain, "p1").await;
    assert!(matches!(item.get("diagnosis"), Some(AttributeValue::B(_))));
    assert_eq!(item["version"], AttributeValue::N("2".into()));

    // A stale copy's version no longer matches: a conflict, and nothing changes.
    let err = Patient::update_one(&db, &saved, [patient::ward().set("east")])
        .await
        .unwrap_err();
    assert!(err.is_conditional_check_failed(), "{err}");

    // An unsigned counter: UpdateItem in place, the version stays.
    let counted = Patient::update_one(&db, "p1", [patient::visits().increment()])
        .await
        .unwrap();
    assert_eq!((counted.visits, counted.version), (1, 2));

    // update_from_json may change an encrypted field: it is applied here and re-encrypted.
    let changed = Patient::update_from_json(
        &db,
        dynamongo_runtime::serde_json::json!({"id": "p1", "version": 2, "diagnosis": "better"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (changed.diagnosis.as_deref(), changed.version),
        (Some("better"), 3)
    );
    let read = Patient::get_one(&db, "p1").consistent(true).await.unwrap();
    assert_eq!(read, changed);
}

#[tokio::test]
async fn transactions_put_encrypted_items_and_refuse_in_place_updates_of_signed_fields() {
    let (plain, db) = stores().await;
    let saved = Patient::save_one(&db, patient("p1", "north"))
        .await
        .unwrap();
    let mut tx = db.transact_write();
    tx.put(patient("p2", "east"));
    let mut changed = saved.clone();
    changed.diagnosis = Some("revised".into());
    tx.put(changed);
    tx.await.unwrap();
    let item = raw(&plain, "p2").await;
    assert!(matches!(item.get("name"), Some(AttributeValue::B(_))));
    let read = Patient::get_one(&db, "p1").consistent(true).await.unwrap();
    assert_eq!(
        (read.diagnosis.as_deref(), read.version),
        (Some("revised"), 2)
    );

    let mut tx = db.transact_write();
    tx.update("p1", [patient::ward().set("west")]);
    let err = tx.await.unwrap_err();
    assert!(
        err.to_string().contains("a transaction cannot update them"),
        "{err}"
    );
    // Unsigned attributes are updated in place, in a transaction too.
    let mut tx = db.transact_write();
    tx.update("p1", [patient::visits().add(5)]);
    tx.await.unwrap();
    let read = Patient::get_one(&db, "p1").consistent(true).await.unwrap();
    assert_eq!((read.visits, read.version), (5, 2));

    let mut get = db.transact_get();
    let p2 = get.get::<Patient>("p2");
    let mut out = get.await.unwrap();
    assert_eq!(out.take(p2).unwrap().name, "Secret Name p2");
}

/// An item's size as DynamoDB counts it (names and values; numbers as their text, which
/// over-counts them slightly).
fn item_bytes(item: &HashMap<String, AttributeValue>) -> u64 {
    fn value(v: &AttributeValue) -> u64 {
        match v {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len() as u64,
            AttributeValue::B(b) => b.as_ref().len() as u64,
            AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
            AttributeValue::L(l) => 3 + l.iter().map(|x| 1 + value(x)).sum::<u64>(),
            AttributeValue::M(m) => {
                3 + m
                    .iter()
                    .map(|(k, x)| 1 + k.len() as u64 + value(x))
                    .sum::<u64>()
            }
            AttributeValue::Ss(s) => s.iter().map(|x| x.len() as u64).sum(),
            other => panic!("unexpected {other:?}"),
        }
    }
    item.iter().map(|(k, v)| k.len() as u64 + value(v)).sum()
}

#[tokio::test]
async fn the_sheet_counts_the_sdk_attributes_and_ciphertext() {
    use dynamongo_runtime::Model;
    let (plain, db) = stores().await;
    // The smallest item: one-character values, no diagnosis, no allergies.
    Patient::save_one(&db, Patient::new("a", "w", "A"))
        .await
        .unwrap();
    let smallest = item_bytes(&raw(&plain, "a").await);
    let min = Patient::ITEM_BYTES.min;
    assert!(
        min <= smallest && smallest <= min + 120,
        "the smallest encrypted item ({smallest} bytes) is within 120 bytes above the sheet's minimum ({min})"
    );
    // Without the SDK's attributes and ciphertext the same item is far smaller: the sheet
    // is not the plaintext item's.
    assert!(min > 400, "{min}");
    let (metered, meter) = db.metered();
    Patient::save_one(&metered, patient("p1", "north"))
        .await
        .unwrap();
    let (units, _) = Patient::ITEM_BYTES.write_units();
    assert!(meter.table("patients").write_units >= units);
}

/// A table that held plaintext items is encrypted (`"plaintext_items": true`): its old
/// items are read as they are, new writes are encrypted, and the model's backfill encrypts
/// the stored ones — once, resumably, conditioned on their version.
#[tokio::test]
async fn a_backfill_encrypts_the_items_stored_before_the_table_was() {
    use dynamongo_tests::evolution_new::chart::Chart;
    use dynamongo_tests::evolution_old::chart::Chart as OldChart;
    let plain = Db::embedded().await.unwrap();
    OldChart::create_table(&plain).await.unwrap();
    let old: Vec<OldChart> = (0..25)
        .map(|i| {
            let mut c = OldChart::new(format!("c{i:02}"), "north");
            c.note = Some(format!("private note {i}"));
            c
        })
        .collect();
    assert_eq!(
        OldChart::save_many(&plain, old).await.unwrap().fail_count(),
        0
    );

    let db = plain
        .clone()
        .with_encryption(Encryption::new(Keyring::raw_aes("test", KEY)).model::<Chart>())
        .await
        .unwrap();
    // Old items read as they are; a new one is written encrypted.
    let c3 = Chart::get_one(&db, "c03").consistent(true).await.unwrap();
    assert_eq!(c3.note.as_deref(), Some("private note 3"));
    let mut fresh = Chart::new("new", "south");
    fresh.note = Some("written encrypted".into());
    Chart::save_one(&db, fresh).await.unwrap();
    assert!(matches!(
        raw_in(&plain, "ev-charts", "new").await.get("note"),
        Some(AttributeValue::B(_))
    ));
    assert!(matches!(
        raw_in(&plain, "ev-charts", "c07").await.get("note"),
        Some(AttributeValue::S(_))
    ));

    let dry = Chart::backfill(&db).dry_run().await.unwrap();
    assert_eq!((dry.rewritten, dry.unchanged), (25, 1), "{dry:?}");
    let report = Chart::backfill(&db).segments(2).await.unwrap();
    assert_eq!(
        (report.rewritten, report.unchanged, report.failed.len()),
        (25, 1, 0),
        "{report:?}"
    );
    // Every item is encrypted now, at the next version, and reads back the same.
    for item in scan_raw(&plain, "ev-charts").await {
        assert!(item.contains_key("aws_dbe_head"), "{item:?}");
        assert!(
            matches!(item.get("note"), Some(AttributeValue::B(_))),
            "{item:?}"
        );
    }
    let c7 = Chart::get_one(&db, "c07").consistent(true).await.unwrap();
    assert_eq!(
        (c7.note.as_deref(), c7.version),
        (Some("private note 7"), 2)
    );
    // Nothing left to do.
    let again = Chart::backfill(&db).name("again").await.unwrap();
    assert_eq!((again.rewritten, again.unchanged), (0, 26));
}

/// A Streams record of an encrypted model holds ciphertext: the `Db` decrypts and verifies
/// its images (the model alone cannot, and says so).
#[tokio::test]
async fn stream_records_are_decrypted_through_the_db() {
    use dynamongo_runtime::stream::{StreamEvent, StreamEventRecord, Streamed};
    let (plain, db) = stores().await;
    let saved = Patient::save_one(&db, patient("p1", "north"))
        .await
        .unwrap();
    let stored = raw(&plain, "p1").await;
    let mut record = StreamEventRecord::default();
    record.event_name = "INSERT".into();
    record.change.keys = serde_dynamo::Item::from(HashMap::from([(
        "id".to_string(),
        AttributeValue::S("p1".into()),
    )]));
    record.change.new_image = serde_dynamo::Item::from(stored.clone());
    assert_eq!(
        db.change::<Patient>(&record).await.unwrap(),
        StreamEvent::Insert(saved)
    );
    let err = Patient::change(&record).unwrap_err();
    assert!(
        err.to_string().contains("db.change::<Patient>(record)"),
        "{err}"
    );
    // A tampered image is refused.
    let mut tampered = stored;
    tampered.insert("ward".into(), AttributeValue::S("south".into()));
    record.change.new_image = serde_dynamo::Item::from(tampered);
    let err = db.change::<Patient>(&record).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
}

/// A builder given models and no keyring reads the raw key in `DYNAMONGO_ENCRYPTION_KEY`
/// (key name `dynamongo`); a key of the wrong length is a configuration error.
#[tokio::test]
async fn the_key_can_come_from_the_environment() {
    use base64::Engine as _;
    use dynamongo_runtime::encryption::KEY_VARIABLE;
    let store = Db::embedded().await.unwrap();
    let builder = || {
        Db::builder()
            .endpoint_url(store.endpoint_url().unwrap())
            .region("us-east-1")
            .credentials("test", "test")
            .encrypted::<Patient>()
    };
    std::env::set_var(
        KEY_VARIABLE,
        base64::engine::general_purpose::STANDARD.encode([1u8; 16]),
    );
    let err = builder().build().await.unwrap_err();
    assert!(err.to_string().contains("32 bytes"), "{err}");
    std::env::set_var(
        KEY_VARIABLE,
        base64::engine::general_purpose::STANDARD.encode(KEY),
    );
    let db = builder().build().await.unwrap();
    Patient::create_table(&db).await.unwrap();
    Patient::save_one(&db, patient("p1", "north"))
        .await
        .unwrap();
    // The same key, named `dynamongo`, given explicitly reads it.
    let explicit = store
        .clone()
        .with_encryption(Encryption::new(Keyring::raw_aes("dynamongo", KEY)).model::<Patient>())
        .await
        .unwrap();
    let read = Patient::get_one(&explicit, "p1")
        .consistent(true)
        .await
        .unwrap();
    assert_eq!(read.name, "Secret Name p1");
}

/// A single-table design with an encrypted entity: every entity of the table is signed
/// under one config, and a collection's one Query decrypts each member.
#[tokio::test]
async fn a_collection_of_an_encrypted_table_decrypts_every_member() {
    use dynamongo_tests::edge::clinic::{self, RecordsItem};
    use dynamongo_tests::edge::clinic_invoice::ClinicInvoice;
    use dynamongo_tests::edge::clinic_visit::ClinicVisit;
    let plain = Db::embedded().await.unwrap();
    let db = plain
        .clone()
        .with_encryption(
            Encryption::new(Keyring::raw_aes("test", KEY))
                .model::<ClinicVisit>()
                .model::<ClinicInvoice>(),
        )
        .await
        .unwrap();
    clinic::create_table(&db).await.unwrap();
    ClinicVisit::save_one(&db, ClinicVisit::new("ann", "v1", "sprained ankle"))
        .await
        .unwrap();
    ClinicInvoice::save_one(&db, ClinicInvoice::new("ann", "i1", 120))
        .await
        .unwrap();
    let items = clinic::records(&db, "ann").await.unwrap();
    assert_eq!(items.len(), 2);
    let visit = items.iter().find_map(|i| match i {
        RecordsItem::ClinicVisit(v) => Some(v.summary.clone()),
        _ => None,
    });
    assert_eq!(visit.as_deref(), Some("sprained ankle"));
    // Stored: the visit's summary is ciphertext; the invoice is signed plaintext.
    for item in scan_raw(&plain, "clinic").await {
        assert!(
            item.contains_key("aws_dbe_foot"),
            "every item is signed: {item:?}"
        );
        if let Some(summary) = item.get("summary") {
            assert!(matches!(summary, AttributeValue::B(_)), "{item:?}");
        }
    }
    // The plaintext entity is refused on a Db without the table's encryption.
    let err = ClinicInvoice::get_one(&plain, ("ann", "i1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}

/// A table file's local index (`by_day` of `clinic`): created with the table, written by
/// the entities that give its sort key, and chosen by the planner for a range on its
/// sort field; consistent reads are allowed, as on any local index.
#[tokio::test]
async fn a_table_files_local_index_is_queried_by_its_sort_template() {
    use dynamongo_runtime::chrono::NaiveDate;
    use dynamongo_runtime::plan::Operation;
    use dynamongo_tests::edge::clinic;
    use dynamongo_tests::edge::clinic_visit::{self, ClinicVisit};
    let plain = Db::embedded().await.unwrap();
    let db = plain
        .clone()
        .with_encryption(Encryption::new(Keyring::raw_aes("test", KEY)).model::<ClinicVisit>())
        .await
        .unwrap();
    clinic::create_table(&db).await.unwrap();
    let described = plain
        .client()
        .describe_table()
        .table_name(plain.table_name("clinic"))
        .send()
        .await
        .unwrap();
    let lsis = described.table().unwrap().local_secondary_indexes();
    assert_eq!(lsis.len(), 1);
    assert_eq!(lsis[0].index_name(), Some("by_day"));
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    for (id, d) in [("v1", 3), ("v2", 1), ("v3", 2)] {
        let mut v = ClinicVisit::new("ann", id, "checkup");
        v.day = day(d);
        ClinicVisit::save_one(&db, v).await.unwrap();
    }
    let read = ClinicVisit::get_many(
        &db,
        clinic_visit::patient().eq("ann") & clinic_visit::day().ge(day(2)),
    )
    .consistent(true);
    let plan = read.explain().unwrap();
    assert_eq!(
        (plan.operation, plan.index.as_deref()),
        (Operation::Query, Some("by_day")),
        "{plan}"
    );
    let ids: Vec<String> = read.await.unwrap().into_iter().map(|v| v.id).collect();
    assert_eq!(ids, ["v3", "v1"], "by day, from the 2nd");
}
