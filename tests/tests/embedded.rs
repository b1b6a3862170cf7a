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
    // The first store stopped, and let go of its file, when its last Db was dropped.
    let db = Db::embedded_at(&path).await.unwrap();
    let u = User::get_one(&db, "kept@example.com").await.unwrap();
    assert_eq!(u.name, "Kept");
    let bad = Db::embedded_at(dir.path().join("no/such/dir/store.db")).await;
    assert!(matches!(bad, Err(Error::Config(_))), "{bad:?}");
}

/// A clean stop leaves a file store's data in its file (SQLite's write-ahead log folded
/// in), so copying the file alone copies the store; `backup` copies it while it serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_file_store_is_whole_in_its_file_and_a_backup_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let backup = dir.path().join("backup.db");
    {
        let db = Db::embedded_at(&path).await.unwrap();
        User::create_table(&db).await.unwrap();
        for n in 0..20 {
            User::save_one(&db, User::new(format!("u{n}@example.com"), "U"))
                .await
                .unwrap();
        }
        db.backup(&backup).await.unwrap();
        let again = db.backup(&backup).await;
        assert!(matches!(again, Err(Error::Config(_))), "{again:?}");
    }
    // Dropping the last Db returned once the store was closed: no log is left beside it.
    let wal = dir.path().join("store.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the write-ahead log still holds data"
    );
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    for file in [&copy, &backup] {
        let db = Db::embedded_at(file).await.unwrap();
        let n = User::get_many(&db, dynamongo_tests::models::user::email().exists())
            .count()
            .await
            .unwrap();
        assert_eq!(n, 20, "{}", file.display());
    }
    let not_embedded = Db::from_client(Db::embedded().await.unwrap().client().clone(), "")
        .backup(dir.path().join("x.db"))
        .await;
    assert!(
        matches!(not_embedded, Err(Error::Config(_))),
        "{not_embedded:?}"
    );
}

/// A process killed by SIGKILL after acknowledged writes loses none of them: reopened,
/// the file store holds every user the writer said it saved.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_store_writer"))
        .arg(&path)
        .arg("100000")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let acked = tokio::task::spawn_blocking(move || {
        let mut last = None;
        for line in BufReader::new(stdout).lines() {
            let n: usize = line.unwrap().trim_start_matches("ack ").parse().unwrap();
            last = Some(n);
            if n == 150 {
                break;
            }
        }
        last
    })
    .await
    .unwrap();
    // Killed at once, mid-write: no chance to close anything.
    child.kill().unwrap();
    child.wait().unwrap();
    let acked = acked.expect("the writer acknowledged writes");
    let db = Db::embedded_at(&path).await.unwrap();
    for n in 0..=acked {
        let u = User::get_one(&db, format!("u{n}@example.com"))
            .await
            .unwrap_or_else(|e| panic!("user {n} was acknowledged but is gone: {e}"));
        assert_eq!(u.name, format!("User {n}"));
    }
}
