//! Generates every valid spec (../spec and specs/valid) for the integration tests, and the
//! random specs of the property test (src/specgen.rs): `DYNAMONGO_SPEC_SEED` and
//! `DYNAMONGO_SPEC_COUNT` choose them (defaults: 1 and 24), and they are kept under
//! `$OUT_DIR/random/specs/` to look at when one does not compile.

#[path = "src/specgen.rs"]
#[allow(dead_code)]
mod specgen;

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    dynamongo_codegen::Builder::new()
        .spec_dir("../spec")
        .out_dir(out.join("spec"))
        .generate()?;
    dynamongo_codegen::Builder::new()
        .spec_dir("specs/valid")
        .out_dir(out.join("valid"))
        .generate()?;
    // Two versions of the same models, for the schema-evolution tests (tests/evolution.rs).
    for version in ["old", "new"] {
        dynamongo_codegen::Builder::new()
            .spec_dir(format!("specs/evolution/{version}"))
            .out_dir(out.join(format!("evolution_{version}")))
            .generate()?;
    }
    // With serde impls (the `serde` option), for tests/serde.rs.
    dynamongo_codegen::Builder::new()
        .spec_dir("../spec")
        .out_dir(out.join("serde"))
        .serde(true)
        .quiet(true)
        .generate()?;
    random_specs(&out.join("random"))
}

fn random_specs(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=src/specgen.rs");
    println!("cargo:rerun-if-env-changed=DYNAMONGO_SPEC_SEED");
    println!("cargo:rerun-if-env-changed=DYNAMONGO_SPEC_COUNT");
    let var = |name: &str, default: u64| -> Result<u64, String> {
        match std::env::var(name) {
            Ok(v) => v.parse().map_err(|e| format!("{name}={v}: {e}")),
            Err(_) => Ok(default),
        }
    };
    let seed = var("DYNAMONGO_SPEC_SEED", 1)?;
    let count = var("DYNAMONGO_SPEC_COUNT", 24)? as usize;
    let specs_dir = dir.join("specs");
    if specs_dir.exists() {
        std::fs::remove_dir_all(&specs_dir)?;
    }
    std::fs::create_dir_all(&specs_dir)?;
    let set = specgen::generate(seed, count);
    let generated = &set.models;
    for g in generated {
        let text = serde_json::to_string_pretty(&g.spec)?;
        std::fs::write(specs_dir.join(format!("{}.json", g.model)), text)?;
    }
    for (file, spec) in &set.tables {
        std::fs::write(specs_dir.join(file), serde_json::to_string_pretty(spec)?)?;
    }
    // With serde impls too, so that hostile names meet them as well; in the module layout
    // (`mod.rs` and a file a model), in a folder named `models` as the README has it, so
    // that file names and module names meet a model or table named `mod` or `models`.
    let modules = dir.join("models");
    if modules.exists() {
        std::fs::remove_dir_all(&modules)?;
    }
    let models = dynamongo_codegen::Builder::new()
        .spec_dir(&specs_dir)
        .out_dir(&modules)
        .layout(dynamongo_codegen::Layout::Modules)
        .serde(true)
        .quiet(true)
        .generate()
        .map_err(|e| format!("random specs (seed {seed}) do not generate:\n{e}"))?
        .models;
    let index = modules.join("mod.rs");
    std::fs::write(
        dir.join("models.rs"),
        format!(
            "#[path = {:?}]\npub mod models;\n",
            index.display().to_string()
        ),
    )?;
    let mut checks = String::new();
    let mut upgrades = String::new();
    for g in generated {
        let module = models
            .iter()
            .find(|m| m.name == g.model)
            .map(|m| m.module_path())
            .ok_or_else(|| format!("model {} was not generated", g.model))?;
        if g.spec.get("upgrade") == Some(&serde_json::json!(true)) {
            upgrades.push_str(&format!(
                "impl dynamongo_runtime::Upgrade for random::models::{module}::{} {{\n    fn upgrade(_item: &mut dynamongo_runtime::field::Item) {{}}\n}}\n",
                g.model
            ));
        }
        checks.push_str(&format!(
            "    errors.extend(crate::round_trip::<random::models::{module}::{}>(db, {:?}).await.err());\n",
            g.model,
            g.sample.to_string()
        ));
    }
    let samples = format!(
        "/// Round-trips the JSON sample of every random model (seed {seed}, {count} specs)\n\
         /// through `from_json`, items, JSON and the store; returns what failed.\n\
         pub async fn check_random_models(db: &dynamongo_runtime::Db) -> Vec<String> {{\n\
         \x20   let mut errors = Vec::new();\n{checks}    errors\n}}\n"
    );
    std::fs::write(dir.join("samples.rs"), format!("{samples}\n{upgrades}"))?;
    Ok(())
}
