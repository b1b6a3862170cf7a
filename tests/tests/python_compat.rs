//! Storage compatibility with the real Python dynamongo 0.1 (from PyPI): Python reads what
//! Rust wrote, and Rust reads what Python wrote, on the same embedded store.
//!
//! The first run creates a virtualenv under `target/dynamongo-py` with pinned
//! dynamongo 0.1, schematics 2.1.1 and boto3; boto3 reaches the embedded store through
//! `AWS_ENDPOINT_URL_DYNAMODB`. Nothing here is skipped: no Python means a failed test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use dynamongo_runtime::prelude::*;
use dynamongo_runtime::{chrono, uuid};
use dynamongo_tests::edge::seed_types::{SeedTypes, SeedTypesAddress};
use serde_json::json;

const REQUIREMENTS: &[&str] = &["dynamongo==0.1", "schematics==2.1.1", "boto3==1.44.8"];

fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| dynamongo_tests::python::venv("dynamongo-py", REQUIREMENTS).join("python"))
}

fn run_python(db: &Db, args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/dynamongo_compat.py");
    let out = Command::new(python())
        .arg(script)
        .args(args)
        .env("AWS_ENDPOINT_URL_DYNAMODB", db.endpoint_url().unwrap())
        .env("AWS_ACCESS_KEY_ID", "dynamongo-embedded")
        .env("AWS_SECRET_ACCESS_KEY", "dynamongo-embedded")
        .env("AWS_REGION_NAME", "us-east-1")
        .env_remove("AWS_TABLE_PREFIX")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn rust_item() -> SeedTypes {
    let mut s = SeedTypes::new("rust-1");
    s.count = Some(-17);
    s.ratio = Some(2.5);
    s.active = Some(true);
    s.name = Some("Ünïcode name".into());
    s.email = Some("rust@example.com".into());
    s.homepage = Some("https://example.com/rust".into());
    s.token = Some(uuid::Uuid::from_u128(0xABCDEF));
    s.ip = Some("192.168.0.1".into());
    s.seen_at = Some(chrono::DateTime::from_timestamp(1_577_934_245, 678_901_000).unwrap());
    s.born_on = Some(chrono::NaiveDate::from_ymd_opt(2020, 1, 2).unwrap());
    s.timeout = Some(chrono::TimeDelta::seconds(90));
    s.cities = vec!["Nairobi".into(), "New York".into()];
    s.address = SeedTypesAddress {
        city: Some("Nairobi".into()),
        zip: Some(100),
    };
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_dynamongo_reads_what_rust_wrote() {
    let db = Db::embedded().await.unwrap();
    SeedTypes::create_table(&db).await.unwrap();
    SeedTypes::save_one(&db, rust_item()).await.unwrap();
    let mut empty = SeedTypes::new("rust-empty");
    empty.name = Some(String::new()); // empty string: not written, as dynamongo does
    SeedTypes::save_one(&db, empty).await.unwrap();

    let db2 = db.clone();
    let read = tokio::task::spawn_blocking(move || run_python(&db2, &["read", "rust-1"]))
        .await
        .unwrap();
    let got: serde_json::Value = serde_json::from_str(&read).unwrap();
    assert_eq!(
        got,
        json!({
            "id": "rust-1",
            "count": -17,
            "ratio": 2.5,
            "active": true,
            "name": "Ünïcode name",
            "email": "rust@example.com",
            "homepage": "https://example.com/rust",
            "token": "00000000-0000-0000-0000-000000abcdef",
            "ip": "192.168.0.1",
            "seen_at": "2020-01-02T03:04:05.678901+0000",
            "born_on": "2020-01-02",
            "timeout": 90,
            "cities": ["Nairobi", "New York"],
            "address": {"city": "Nairobi", "zip": 100}
        })
    );
    let db2 = db.clone();
    let read = tokio::task::spawn_blocking(move || run_python(&db2, &["read", "rust-empty"]))
        .await
        .unwrap();
    let got: serde_json::Value = serde_json::from_str(&read).unwrap();
    assert_eq!(got["name"], serde_json::Value::Null);
    assert_eq!(got["cities"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_reads_what_python_dynamongo_wrote() {
    let db = Db::embedded().await.unwrap();
    SeedTypes::create_table(&db).await.unwrap();
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || run_python(&db2, &["write", "py-1"]))
        .await
        .unwrap();

    let got = SeedTypes::get_one(&db, "py-1").await.unwrap();
    let mut want = SeedTypes::new("py-1");
    want.count = Some(42);
    want.active = Some(false);
    want.name = Some("Zoë".into());
    want.email = Some("py@example.com".into());
    want.homepage = Some("https://example.com/py".into());
    want.token = Some(uuid::Uuid::from_u128(7));
    want.ip = Some("10.1.2.3".into());
    want.seen_at = Some(chrono::DateTime::from_timestamp(1_614_834_367, 890_123_000).unwrap());
    want.born_on = Some(chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap());
    want.timeout = Some(chrono::TimeDelta::seconds(3600));
    want.cities = vec!["Kisumu".into(), "Nakuru".into()];
    want.address = SeedTypesAddress {
        city: Some("Eldoret".into()),
        zip: Some(30100),
    };
    assert_eq!(got, want);

    // A naive datetime (dynamongo's default `datetime.now`) is stored without an offset
    // and read as UTC.
    let naive = SeedTypes::get_one(&db, "py-1-naive").await.unwrap();
    assert_eq!(naive.seen_at, want.seen_at);
    assert!(naive.cities.is_empty());
}

/// A version field and a TTL field are plain numbers (N) to dynamongo 0.1: an item Rust
/// wrote with them reads in Python, the version as written and the TTL as epoch seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_dynamongo_reads_versioned_and_expiring_items() {
    use dynamongo_tests::models::account::{self, Account};
    use dynamongo_tests::models::session::Session;
    let db = Db::embedded().await.unwrap();
    Account::create_table(&db).await.unwrap();
    Session::create_table(&db).await.unwrap();
    let a = Account::save_one(&db, Account::new("acc-1", "ann@example.com", 10))
        .await
        .unwrap();
    Account::update_one(&db, &a, [account::balance().add(5)])
        .await
        .unwrap();
    let expires = chrono::DateTime::from_timestamp(4_102_444_800, 0).unwrap(); // 2100-01-01
    let token = uuid::Uuid::from_u128(0x5e55);
    let mut s = Session::new("ann@example.com", expires);
    s.token = token;
    Session::save_one(&db, s).await.unwrap();

    let db2 = db.clone();
    let read = tokio::task::spawn_blocking(move || run_python(&db2, &["read-account", "acc-1"]))
        .await
        .unwrap();
    let got: serde_json::Value = serde_json::from_str(&read).unwrap();
    assert_eq!(
        got,
        json!({"id": "acc-1", "owner": "ann@example.com", "balance": 15, "version": 2})
    );
    let db2 = db.clone();
    let read = tokio::task::spawn_blocking(move || {
        run_python(&db2, &["read-session", &token.to_string()])
    })
    .await
    .unwrap();
    let got: serde_json::Value = serde_json::from_str(&read).unwrap();
    assert_eq!(
        got,
        json!({"token": token.to_string(), "user": "ann@example.com", "expires_at": 4_102_444_800i64})
    );
}
