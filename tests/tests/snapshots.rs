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

/// The runtime's documentation examples use the generated quickstart module, kept in
/// `dynamongo-runtime/src/codegen/example/user.rs`: it must be exactly what the generator
/// writes (under its own header, and importing the runtime as `crate`).
#[test]
fn runtime_example_is_the_generated_quickstart() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = generate(&root.join("../spec"), &Layout::Modules).expect("specs are valid");
    let user = generated
        .files
        .iter()
        .find(|f| f.path == Path::new("user.rs"))
        .expect("user.rs is generated");
    let body = user
        .contents
        .split_once("use ::dynamongo_runtime::codegen as dm;\n")
        .map(|(_, body)| body)
        .expect("the generated module imports the runtime");
    let example_path = root.join("../dynamongo-runtime/src/codegen/example/user.rs");
    let example = std::fs::read_to_string(&example_path).expect("example readable");
    let example_body = example
        .split_once("use crate::codegen as dm;\n")
        .map(|(_, body)| body)
        .expect("the example imports the runtime as crate");
    if std::env::var_os("DYNAMONGO_BLESS").is_some() && example_body != body {
        let head = example
            .split_once("use crate::codegen as dm;\n")
            .map_or("", |(h, _)| h);
        std::fs::write(
            &example_path,
            format!("{head}use crate::codegen as dm;\n{body}"),
        )
        .expect("example written");
        return;
    }
    assert!(
        example_body == body,
        "{} differs from the generated user.rs; \
         DYNAMONGO_BLESS=1 cargo test -p dynamongo-tests --test snapshots",
        example_path.display()
    );
}
