//! Schema evolution on real items (DESIGN §11): items stored by models generated from an
//! old spec set (`tests/specs/evolution/old`) are read by models from the new one
//! (`.../new`). Declared evolutions read them and write them back in the new form; for
//! every breaking finding of `breaking(old, new)`, reading shows the `Decode` error it
//! predicted, on the attribute it named.

use std::collections::HashMap;

use dynamongo_codegen::{breaking, Class, Options};
use dynamongo_runtime::field::AttributeValue;
use dynamongo_runtime::prelude::*;
use dynamongo_tests::evolution_new as new;
use dynamongo_tests::evolution_old as old;

fn dir(version: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("specs/evolution/{version}"))
}

async fn raw(db: &Db, table: &str, key: (&str, &str)) -> HashMap<String, AttributeValue> {
    db.client()
        .get_item()
        .table_name(db.table_name(table))
        .key(key.0, AttributeValue::S(key.1.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

#[tokio::test]
async fn declared_evolutions_read_old_items_and_write_them_back_new() {
    let db = Db::embedded().await.unwrap();
    old::profile::Profile::create_table(&db).await.unwrap();
    let mut p = old::profile::Profile::new("ada@example.com", "Ada");
    p.plan = old::profile::ProfilePlan::Legacy;
    p.city = Some("London".into());
    old::profile::Profile::save_one(&db, p).await.unwrap();

    // Renamed field (renamed_from), aliased enum value, added optional, version and TTL
    // fields: all read.
    let read = new::profile::Profile::get_one(&db, "ada@example.com")
        .await
        .unwrap();
    assert_eq!(read.display_name, "Ada");
    assert_eq!(read.plan, new::profile::ProfilePlan::Pro);
    assert_eq!(read.city.as_deref(), Some("London"));
    assert_eq!(
        (read.bio.as_deref(), read.version, read.expires_at),
        (None, 0, None)
    );

    // Saved again, the item is in the new form.
    new::profile::Profile::save_one(&db, read).await.unwrap();
    let item = raw(&db, "ev-profiles", ("email", "ada@example.com")).await;
    assert_eq!(item["display_name"], AttributeValue::S("Ada".into()));
    assert!(!item.contains_key("name"), "{item:?}");
    assert_eq!(item["plan"], AttributeValue::S("pro".into()));
    assert_eq!(item["version"], AttributeValue::N("1".into()));

    // The Upgrade impl reshapes what version 1 stored.
    old::contact::Contact::create_table(&db).await.unwrap();
    old::contact::Contact::save_one(&db, old::contact::Contact::new("c1", "Ada Lovelace"))
        .await
        .unwrap();
    let c = new::contact::Contact::get_one(&db, "c1").await.unwrap();
    assert_eq!((c.first.as_str(), c.last.as_str()), ("Ada", "Lovelace"));
    new::contact::Contact::save_one(&db, c).await.unwrap();
    let item = raw(&db, "ev-contacts", ("id", "c1")).await;
    assert!(
        !item.contains_key("name") && item.contains_key("first"),
        "{item:?}"
    );
}

#[tokio::test]
async fn every_breaking_finding_is_the_decode_error_it_predicts() {
    let findings = breaking(&Options::new(dir("old")), &Options::new(dir("new"))).unwrap();
    let ledger: Vec<_> = findings
        .iter()
        .filter(|f| f.class == Class::Breaking && f.file.ends_with("ledger.json"))
        .collect();
    let rules: Vec<&str> = ledger.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        [
            "field-type-changed",
            "field-added-required",
            "attribute-renamed",
            "enum-value-removed"
        ],
        "{findings:#?}"
    );
    // Nothing else is breaking but the renamed entity (a key row, tested below): the
    // declared evolutions are not.
    let others: Vec<_> = findings
        .iter()
        .filter(|f| f.class == Class::Breaking && !f.file.ends_with("ledger.json"))
        .map(|f| f.rule)
        .collect();
    assert_eq!(others, ["entity-renamed"]);

    let db = Db::embedded().await.unwrap();
    old::ledger::Ledger::create_table(&db).await.unwrap();
    // One stored item per breaking change, otherwise readable by the new model: every
    // other breaking attribute is patched to its new form, so the read fails exactly on
    // the attribute the finding names.
    let new_form = [
        ("balance", "10"),
        ("holder_name", "Ada"),
        ("currency", "EUR"),
    ];
    let cases = [
        ("/fields/balance/type", "balance"),
        ("/fields/currency", "currency"),
        ("/fields/holder/attribute", "holder_name"),
        ("/fields/status/values", "status"),
    ];
    for (i, (pointer, attribute)) in cases.into_iter().enumerate() {
        assert!(
            ledger.iter().any(|f| f.pointer == pointer),
            "no finding at {pointer}"
        );
        let id = format!("l{i}");
        let mut l = old::ledger::Ledger::new(id.clone(), 10, "Ada");
        if attribute == "status" {
            l.status = old::ledger::LedgerStatus::Frozen;
        }
        old::ledger::Ledger::save_one(&db, l).await.unwrap();
        let mut update = db
            .client()
            .update_item()
            .table_name(db.table_name("ev-ledgers"))
            .key("id", AttributeValue::S(id.clone()));
        let mut sets = Vec::new();
        for (k, (name, value)) in new_form.iter().enumerate() {
            if *name == attribute {
                continue;
            }
            sets.push(format!("#a{k} = :v{k}"));
            update = update
                .expression_attribute_names(format!("#a{k}"), *name)
                .expression_attribute_values(
                    format!(":v{k}"),
                    AttributeValue::S(value.to_string()),
                );
        }
        update
            .update_expression(format!("SET {}", sets.join(", ")))
            .send()
            .await
            .unwrap();
        let err = new::ledger::Ledger::get_one(&db, id.as_str())
            .await
            .unwrap_err();
        match &err {
            Error::Decode { source, .. } => {
                assert_eq!(source.path(), attribute, "{pointer}: {err}")
            }
            other => panic!("{pointer}: expected a Decode error, got {other}"),
        }
    }
    // Patched entirely, the item reads: those four were all that stood in the way.
    let patched = db
        .client()
        .update_item()
        .table_name(db.table_name("ev-ledgers"))
        .key("id", AttributeValue::S("l0".into()))
        .update_expression("SET balance = :b")
        .expression_attribute_values(":b", AttributeValue::S("10".into()));
    patched.send().await.unwrap();
    let l0 = new::ledger::Ledger::get_one(&db, "l0").await.unwrap();
    assert_eq!((l0.balance.as_str(), l0.currency.as_str()), ("10", "EUR"));
}

#[tokio::test]
async fn renames_aliases_and_upgrade_compose() {
    use dynamongo_tests::edge::evolved::{Evolved, EvolvedLevel};
    let db = Db::embedded().await.unwrap();
    Evolved::create_table(&db).await.unwrap();
    // As an older writer stored it: old attribute names, an old upper-case value that the
    // Upgrade impl lower-cases, and then an alias reads.
    let s = |t: &str| AttributeValue::S(t.into());
    db.client()
        .put_item()
        .table_name(db.table_name("evolved"))
        .item("id", s("e1"))
        .item("name", s("First"))
        .item("old note", s("kept"))
        .item("level", s("MEDIUM"))
        .send()
        .await
        .unwrap();
    let e = Evolved::get_one(&db, "e1").await.unwrap();
    assert_eq!(e.title, "First");
    assert_eq!(e.note.as_deref(), Some("kept"));
    assert_eq!(e.level, EvolvedLevel::High);
    // The new attribute wins when both are there.
    db.client()
        .update_item()
        .table_name(db.table_name("evolved"))
        .key("id", s("e1"))
        .update_expression("SET title = :t")
        .expression_attribute_values(":t", s("Second"))
        .send()
        .await
        .unwrap();
    assert_eq!(Evolved::get_one(&db, "e1").await.unwrap().title, "Second");
}

/// What a reviewer reads for the evolution specs: every finding, as the CLI prints them,
/// kept in `tests/specs/evolution/breaking.txt` (a changed message is reviewed like code;
/// after an intended change: `DYNAMONGO_BLESS=1 cargo test -p dynamongo-tests --test evolution`).
#[test]
fn the_report_matches_its_golden_file() {
    let old = Options::from_sources(sources("old"));
    let new = Options::from_sources(sources("new"));
    let report: String = breaking(&old, &new)
        .unwrap()
        .iter()
        .map(|f| format!("{f}\n"))
        .collect();
    let golden = dir("").join("breaking.txt");
    if std::env::var_os("DYNAMONGO_BLESS").is_some() {
        std::fs::write(&golden, &report).unwrap();
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_default();
    assert!(
        report == want,
        "the report differs from {}:\n{report}\nIf intended: DYNAMONGO_BLESS=1 cargo test -p dynamongo-tests --test evolution",
        golden.display()
    );
}

/// A spec set's files named `spec/<file>`, as a project's would be.
fn sources(version: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir(version))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            (format!("spec/{name}"), std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

#[tokio::test]
async fn a_renamed_entity_no_longer_finds_its_stored_items() {
    let findings = breaking(&Options::new(dir("old")), &Options::new(dir("new"))).unwrap();
    assert!(
        findings.iter().any(|f| f.rule == "entity-renamed"
            && f.class == Class::Breaking
            && f.file.ends_with("line.json")),
        "{findings:#?}"
    );
    let db = Db::embedded().await.unwrap();
    old::ev_shop::create_table(&db).await.unwrap();
    old::line::Line::save_one(&db, old::line::Line::new("b1", 1, "SKU-1"))
        .await
        .unwrap();
    // The key is the same; the item is not this entity any more.
    let err = new::line::Line::get_one(&db, ("b1", 1)).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(new::line::Line::get_many(&db, new::line::basket().eq("b1"))
        .await
        .unwrap()
        .is_empty());
    // The collection shows it as an entity this code does not know.
    let items = new::ev_shop::basket(&db, "b1").await.unwrap();
    assert!(
        matches!(&items[..], [new::ev_shop::BasketItem::Unknown(_)]),
        "{items:?}"
    );
}
