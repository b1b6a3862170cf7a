//! A backfill worker in a process of its own, for the crash and sharing tests:
//! `backfill_worker ENDPOINT NAME WORKER SEGMENTS LEASE_MS RATE` runs
//! `Profile::backfill` (the evolved model of `tests/specs/evolution`) against the store at
//! ENDPOINT, printing `page <segment>` after each page and `done <rewritten> <complete>`
//! at the end.

use std::io::Write as _;
use std::time::Duration;

use dynamongo_runtime::prelude::*;
use dynamongo_runtime::ModelExt;
use dynamongo_tests::evolution_new::profile::Profile;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, name, worker, segments, lease_ms, rate] = args.as_slice() else {
        return Err("usage: backfill_worker ENDPOINT NAME WORKER SEGMENTS LEASE_MS RATE".into());
    };
    let db = Db::builder()
        .endpoint_url(endpoint)
        .region("us-east-1")
        .credentials("worker", "worker")
        .build()
        .await?;
    let report = Profile::backfill(&db)
        .name(name)
        .worker(worker)
        .segments(segments.parse()?)
        .lease(Duration::from_millis(lease_ms.parse()?))
        .rate(rate.parse()?)
        .page_size(10)
        .on_page(|p| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "page {}", p.segment);
            let _ = out.flush();
        })
        .await?;
    println!("done {} {}", report.rewritten, report.complete);
    Ok(())
}
