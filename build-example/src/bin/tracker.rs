//! The issue tracker (`build_example::tracker`) on the embedded store:
//! `cargo run -p build-example --bin tracker` serves it on 127.0.0.1:3001 (`PORT` to change).

use dynamongo_runtime::Db;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::embedded().await?;
    build_example::tracker_models::tracker::create_table(&db).await?;
    build_example::serve("tracker", 3001, build_example::tracker::router(db)).await
}
