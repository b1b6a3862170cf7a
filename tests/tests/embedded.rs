//! The embedded store serves from a thread and runtime of its own: a caller that blocks
//! its runtime — here a `#[tokio::test]` on the default current-thread runtime waiting on
//! a subprocess that talks to the store — does not stall it.

use std::process::Command;
use std::time::{Duration, Instant};

use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::user::User;

/// PutItem from another process (Python's standard library only), as any other client of
/// the store would send it: the store checks that auth headers are there, not signatures.
const PUT_FROM_ANOTHER_PROCESS: &str = r#"
import json, os, urllib.request
body = {"TableName": "users", "Item": {"email": {"S": "py@example.com"}, "name": {"S": "From Python"}}}
req = urllib.request.Request(os.environ["ENDPOINT"], data=json.dumps(body).encode(), method="POST")
req.add_header("Content-Type", "application/x-amz-json-1.0")
req.add_header("X-Amz-Target", "DynamoDB_20120810.PutItem")
req.add_header("X-Amz-Date", "20261126T000000Z")
req.add_header("Authorization", "AWS4-HMAC-SHA256 Credential=embedded/20261126/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
with urllib.request.urlopen(req, timeout=20) as r:
    print(r.status)
"#;

#[tokio::test]
async fn a_blocked_current_thread_runtime_does_not_stall_the_store() {
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    // This blocks the test's only runtime thread until the subprocess is done.
    let started = Instant::now();
    let out = Command::new("python3")
        .arg("-c")
        .arg(PUT_FROM_ANOTHER_PROCESS)
        .env("ENDPOINT", db.endpoint_url().unwrap())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the subprocess could not use the store:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "200");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let user = User::get_one(&db, "py@example.com").await.unwrap();
    assert_eq!(user.name, "From Python");
}

#[test]
fn a_store_made_on_one_runtime_serves_another_after_the_first_is_gone() {
    let db = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { Db::embedded().await.unwrap() });
    // The runtime that made it has been dropped; the store still answers.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            User::create_table(&db).await.unwrap();
            User::save_one(&db, User::new("a@example.com", "A"))
                .await
                .unwrap();
            assert_eq!(User::get_one(&db, "a@example.com").await.unwrap().name, "A");
        });
}

/// `Db::embedded_at(path)` keeps the store in a file: what was saved is there again after
/// the store is stopped and opened anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_in_a_file_keeps_its_items() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let db = Db::embedded_at(&path).await.unwrap();
        User::create_table(&db).await.unwrap();
        User::save_one(&db, User::new("kept@example.com", "Kept"))
            .await
            .unwrap();
    }
    // The first store's server stops with its last Db; give it a moment to let go.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let db = Db::embedded_at(&path).await.unwrap();
    let u = User::get_one(&db, "kept@example.com").await.unwrap();
    assert_eq!(u.name, "Kept");
    let bad = Db::embedded_at(dir.path().join("no/such/dir/store.db")).await;
    assert!(matches!(bad, Err(Error::Config(_))), "{bad:?}");
}
