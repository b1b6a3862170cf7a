//! The property test of the generator: random specs with hostile names (src/specgen.rs)
//! compile with the crate under `#![deny(warnings)]` and clippy; here a valid sample of
//! each model goes through JSON, items, its key and the embedded store unchanged.
//! Other specs: `DYNAMONGO_SPEC_SEED=7 DYNAMONGO_SPEC_COUNT=100 cargo test -p dynamongo-tests --test random_specs`.

use dynamongo_runtime::Db;

#[tokio::test]
async fn random_models_round_trip() {
    let db = Db::embedded().await.unwrap();
    let errors = dynamongo_tests::check_random_models(&db).await;
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
