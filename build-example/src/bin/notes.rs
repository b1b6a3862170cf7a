//! The notes web service (`build_example::notes`) on the embedded store:
//! `cargo run -p build-example --bin notes` serves it on 127.0.0.1:3000 (`PORT` to change).

use dynamongo_runtime::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Failed operations show at `info` (RUST_LOG=dynamongo=debug: every DynamoDB call).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let db = Db::embedded().await?;
    build_example::models::note::Note::create_table(&db).await?;
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("notes: http://{}", listener.local_addr()?);
    axum::serve(listener, build_example::notes::router(db)).await?;
    Ok(())
}
