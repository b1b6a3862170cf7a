//! Adopting a table another library writes (DESIGN §10): ElectroDB itself (from npm)
//! writes jobs into the queue table, and the `Job` entity of `tests/specs/valid/queue_*`
//! reads them — by key, and through the sparse, overloaded status index; then dynamongo
//! writes one and ElectroDB reads it back, by key and by its index.

use std::process::Command;

use dynamongo_runtime::prelude::*;
use dynamongo_tests::edge::job::{self, Job, JobStatus};
use dynamongo_tests::edge::queue;

const PACKAGES: &[&str] = &[
    "electrodb@3.9.3",
    "@aws-sdk/client-dynamodb@3.1169.0",
    "@aws-sdk/lib-dynamodb@3.1169.0",
];

/// Runs the ElectroDB side (`tests/node/electrodb_queue.js`) with `command`; its stdout.
fn electrodb(db: &Db, command: &str) -> String {
    let modules = dynamongo_tests::node::modules("electrodb", PACKAGES);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node/electrodb_queue.js");
    let out = Command::new("node")
        .arg(script)
        .arg(command)
        .env("NODE_PATH", modules)
        .env("NODE_NO_WARNINGS", "1")
        .env(
            "DYNAMO_ENDPOINT",
            db.endpoint_url().expect("embedded store"),
        )
        .env("DYNAMO_TABLE", db.table_name("queue"))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "electrodb {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[tokio::test]
async fn items_electrodb_writes_are_read_and_the_other_way_round() {
    let db = Db::embedded().await.unwrap();
    queue::create_table(&db).await.unwrap();

    // ElectroDB writes; dynamongo reads by key, through the collection and the index.
    electrodb(&db, "write");
    let seven = Job::get_one(&db, ("q1", 7)).await.unwrap();
    assert_eq!(seven.status, Some(JobStatus::Running));
    assert_eq!((seven.priority, seven.region.as_deref()), (2, Some("eu")));
    assert_eq!(seven.payload.as_deref(), Some("from electrodb"));
    assert_eq!(seven.edb_version, "1");
    let eight = Job::get_one(&db, ("q1", 8)).await.unwrap();
    assert_eq!((eight.status, eight.priority), (Some(JobStatus::Queued), 5));
    let running = Job::get_many(&db, job::status().eq(JobStatus::Running))
        .await
        .unwrap();
    assert_eq!(running, std::slice::from_ref(&seven));
    assert_eq!(queue::queue(&db, "q1").await.unwrap().len(), 2);

    // dynamongo writes; ElectroDB reads by key and through its index.
    let mut j = Job::new("q1", 42);
    j.status = Some(JobStatus::Running);
    j.priority = 1;
    j.region = Some("ap".into());
    j.payload = Some("from dynamongo".into());
    Job::save_one(&db, j).await.unwrap();
    let read: serde_json::Value = serde_json::from_str(&electrodb(&db, "read")).unwrap();
    assert_eq!(
        read,
        serde_json::json!({"queue": "q1", "seq": 42, "status": "running", "priority": 1,
                           "region": "ap", "payload": "from dynamongo"})
    );
    let running: serde_json::Value = serde_json::from_str(&electrodb(&db, "running")).unwrap();
    let seqs: Vec<i64> = running
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["seq"].as_i64().unwrap())
        .collect();
    // In the index's order: priority 1 (ours) before priority 2 (ElectroDB's).
    assert_eq!(seqs, [42, 7]);
}
