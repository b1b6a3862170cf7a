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

use dynamongo_codegen::{generate, Options};

fn check(spec_dir: &str, snapshot_dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    check_options(Options::new(root.join(spec_dir)), snapshot_dir);
}

fn check_options(options: Options, snapshot_dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = generate(&options).expect("specs are valid");
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

/// The generator's hooks on the quickstart spec: serde impls, an extra derive on the
/// model and an attribute on a field (`src/lib.rs` compiles the snapshot).
#[test]
fn hooks_match_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = std::fs::read_to_string(root.join("../spec/users.json")).expect("users.json");
    let options = Options::from_sources([("spec/users.json", spec)])
        .serde(true)
        .type_attribute("User", "#[derive(Hash)]")
        .field_attribute("User.name", "#[doc(alias = \"full_name\")]");
    check_options(options, "hooks");
}

/// The runtime's documentation examples and planner tests use generated modules, kept in
/// `dynamongo-runtime/src/codegen/example/` (the quickstart's `user.rs`, `order.rs`, and the
/// single-table example's `app.rs` and its entities):
/// each must be exactly what the generator writes with the runtime path `crate` (under a
/// header of its own).
#[test]
fn runtime_examples_are_generated_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = Options::new(root.join("../spec")).runtime_path("crate");
    let generated = generate(&options).expect("specs are valid");
    let import = "use crate::codegen as dm;\n";
    for module in [
        "user",
        "order",
        "app",
        "workspace",
        "member",
        "workspace_note",
    ] {
        let file = format!("{module}.rs");
        let body = generated
            .files
            .iter()
            .find(|f| f.path == Path::new(&file))
            .and_then(|f| f.contents.split_once(import))
            .map(|(_, body)| body.to_string())
            .expect("the module is generated and imports the runtime as crate");
        let example_path = root
            .join("../dynamongo-runtime/src/codegen/example")
            .join(&file);
        let example = std::fs::read_to_string(&example_path).expect("example readable");
        let (head, example_body) = example
            .split_once(import)
            .expect("the example imports the runtime as crate");
        if std::env::var_os("DYNAMONGO_BLESS").is_some() {
            if example_body != body {
                std::fs::write(&example_path, format!("{head}{import}{body}"))
                    .expect("example written");
            }
            continue;
        }
        assert!(
            example_body == body,
            "{} differs from the generated {file}; \
             DYNAMONGO_BLESS=1 cargo test -p dynamongo-tests --test snapshots",
            example_path.display()
        );
    }
}
