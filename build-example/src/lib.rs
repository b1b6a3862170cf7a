//! The example crate: the models that build.rs generates from `../spec`, the tour
//! (`src/main.rs`, `cargo run -p build-example`) and a small web service on them
//! ([`notes`], `cargo run -p build-example --bin notes`).

/// The models of `../spec`, generated into `OUT_DIR` by build.rs.
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/dynamongo/models.rs"));
}

pub mod notes;
