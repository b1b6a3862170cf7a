//! Snapshot tests of generated code: every spec in `spec/` and `tests/specs/valid/` is
//! generated (module layout, as the CLI writes it) and compared with the checked-in files
//! under `tests/snapshots/`. Those files are also compiled by this crate under
//! `#![deny(warnings)]` (see `src/lib.rs`).
//!
//! After an intended change to the generator, update them with:
//!
//!     DYNAMONGO_BLESS=1 cargo test -p dynamongo-tests --test snapshots
//!
//! and review the diff like code.

use std::path::Path;

use dynamongo_codegen::{generate, Layout};

fn check(spec_dir: &str, snapshot_dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = generate(&root.join(spec_dir), &Layout::Modules).expect("specs are valid");
    let dir = root.join("snapshots").join(snapshot_dir);
    if std::env::var_os("DYNAMONGO_BLESS").is_some() {
        dynamongo_codegen::write(&dir, &generated, true).expect("snapshots written");
        return;
    }
    let drift = dynamongo_codegen::check(&dir, &generated).expect("snapshots readable");
    assert!(
        drift.is_empty(),
        "generated code differs from tests/snapshots/{snapshot_dir}:\n{}\n\
         If the change is intended: DYNAMONGO_BLESS=1 cargo test -p dynamongo-tests --test snapshots",
        drift
            .iter()
            .map(|d| format!("  {d}\n{}", d.diff().unwrap_or_default()))
            .collect::<String>()
    );
}

#[test]
fn spec_models_match_snapshots() {
    check("../spec", "spec");
}

#[test]
fn valid_edge_case_models_match_snapshots() {
    check("specs/valid", "valid");
}
