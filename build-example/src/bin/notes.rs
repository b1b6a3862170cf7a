//! The notes web service (`build_example::notes`) on the embedded store:
//! `cargo run -p build-example --bin notes` serves it on 127.0.0.1:3000 (`PORT` to change).

use dynamongo_runtime::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::embedded().await?;
    build_example::models::note::Note::create_table(&db).await?;
    build_example::serve("notes", 3000, build_example::notes::router(db)).await
}
