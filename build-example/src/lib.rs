//! The example crate: the models that build.rs generates from `../spec`, the tour
//! (`src/main.rs`, `cargo run -p build-example`) and two small web services on them:
//! [`notes`] (`cargo run -p build-example --bin notes`) and an issue tracker on a
//! single-table design, [`tracker`] (`--bin tracker`).

/// The models of `../spec`, generated into `OUT_DIR` by build.rs.
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/dynamongo/models.rs"));
}

/// The issue tracker's models (`tracker/`: a table file and three entities), generated
/// with serde impls.
pub mod tracker_models {
    include!(concat!(env!("OUT_DIR"), "/tracker/models.rs"));
}

pub mod notes;
pub mod tracker;

/// Serves `router` on 127.0.0.1 (`PORT`, else `default_port`), logging at `info`
/// (`RUST_LOG=dynamongo=debug`: every DynamoDB call): the `notes` and `tracker` binaries.
pub async fn serve(
    name: &str,
    default_port: u16,
    router: axum::Router,
) -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port = std::env::var("PORT").unwrap_or_else(|_| default_port.to_string());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("{name}: http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
