// A collection's read takes its partition fields with their types: the workspace is text.
use dynamongo_runtime::Db;
use dynamongo_tests::snapshot_spec::app;

async fn read(db: &Db) {
    let _ = app::workspace(db, 42).await;
}

fn main() {
    let _ = read;
}
