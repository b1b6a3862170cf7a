//! Models generated from `spec/` and `tests/specs/valid/` by the build script, compiled
//! under `#![deny(warnings)]` so that generated code stays warning-free.
#![deny(warnings)]
#![deny(clippy::all)]

pub mod compile_bench;
pub mod fault;
pub mod specgen;

/// Installs a tool on first use under `target/<name>`, from pinned versions: `install`
/// runs (given the directory) unless the marker of exactly these `pins` is there; the
/// directory is returned.
fn installed_once(
    name: &str,
    pins: &[&str],
    install: impl FnOnce(&std::path::Path),
) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target")
        .join(name);
    let marker = dir.join(format!("installed-{}", pins.join("-").replace('/', "_")));
    if !marker.exists() {
        install(&dir);
        std::fs::write(&marker, "").expect("write the install marker");
    }
    dir
}

/// Runs an installer command; panics with `missing` (what to install) when it fails: no
/// test is skipped.
fn must_run(command: &mut std::process::Command, missing: &str) {
    let ok = command.status();
    assert!(ok.is_ok_and(|s| s.success()), "{missing}");
}

/// Python tools the tests run (dynamongo 0.1, boto3, cfn-lint, python-hcl2), each set in
/// a virtualenv of its own under `target/`, made on first use from pinned versions.
pub mod python {
    use std::path::PathBuf;
    use std::process::Command;

    /// The `bin/` of the virtualenv `target/<name>` holding `requirements`; it is made,
    /// or remade when the requirements change. Panics with what to install when Python
    /// or PyPI is missing: no test is skipped.
    pub fn venv(name: &str, requirements: &[&str]) -> PathBuf {
        let venv = super::installed_once(name, requirements, |venv| {
            super::must_run(
                Command::new("python3").arg("-m").arg("venv").arg(venv),
                "python3 -m venv failed: install Python 3 with venv",
            );
            super::must_run(
                Command::new(venv.join("bin/python"))
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .args(requirements),
                &format!("pip install {requirements:?} failed (PyPI must be reachable)"),
            );
        });
        venv.join("bin")
    }
}

use dynamongo_runtime::{table::ModelKey, Db, Model, ModelExt};

/// Node.js packages the tests run (ElectroDB), installed under `target/` on first use
/// from pinned versions.
pub mod node {
    use std::path::PathBuf;
    use std::process::Command;

    /// The `node_modules` of `target/<name>` holding `packages`; installed, or installed
    /// again when the list changes. Panics with what to install when Node.js or npm is
    /// missing: no test is skipped.
    pub fn modules(name: &str, packages: &[&str]) -> PathBuf {
        let dir = super::installed_once(name, packages, |dir| {
            std::fs::create_dir_all(dir).expect("create the node package directory");
            std::fs::write(dir.join("package.json"), "{\"private\": true}\n")
                .expect("write package.json");
            super::must_run(
                Command::new("npm")
                    .current_dir(dir)
                    .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                    .args(packages),
                &format!(
                    "npm install {packages:?} failed (Node.js, npm and the npm registry must be there)"
                ),
            );
        });
        dir.join("node_modules")
    }
}

/// Models from `spec/` (the seed's User and Contacts, and a model of every field type).
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/spec/models.rs"));
}

/// Models from `spec/` generated with the `serde` option (`Serialize` / `Deserialize`).
pub mod serde_models {
    include!(concat!(env!("OUT_DIR"), "/serde/models.rs"));
}

/// Models from `tests/specs/valid/` (edge cases).
pub mod edge {
    include!(concat!(env!("OUT_DIR"), "/valid/models.rs"));
}

/// Models as version 1 of `tests/specs/evolution` has them: what stored the items.
pub mod evolution_old {
    include!(concat!(env!("OUT_DIR"), "/evolution_old/models.rs"));
}

/// The same models in version 2 (`tests/specs/evolution/new`): renamed fields, an aliased
/// enum value, new fields, an `Upgrade` impl, and the breaking changes the check finds.
pub mod evolution_new {
    include!(concat!(env!("OUT_DIR"), "/evolution_new/models.rs"));

    use dynamongo_runtime::field::{AttributeValue, Item};

    /// Version 1 stored one `name` ("Ada Lovelace"); version 2 reads `first` and `last`.
    impl dynamongo_runtime::Upgrade for contact::Contact {
        fn upgrade(item: &mut Item) {
            if let Some(AttributeValue::S(name)) = item.remove("name") {
                let (first, last) = name.split_once(' ').unwrap_or((name.as_str(), "-"));
                item.insert("first".into(), AttributeValue::S(first.into()));
                item.insert("last".into(), AttributeValue::S(last.into()));
            }
        }
    }
}

/// `tests/specs/valid/evolved.json` says `"upgrade": true`: its items (generated and
/// snapshot) are read through these.
macro_rules! upgrade_evolved {
    ($($model:path),*) => {$(
        impl dynamongo_runtime::Upgrade for $model {
            /// Version 1 wrote `level` in upper case.
            fn upgrade(item: &mut dynamongo_runtime::field::Item) {
                if let Some(dynamongo_runtime::field::AttributeValue::S(level)) = item.get_mut("level") {
                    *level = level.to_lowercase();
                }
            }
        }
    )*};
}
upgrade_evolved!(edge::evolved::Evolved, snapshot_valid::evolved::Evolved);

/// The checked-in snapshots of `spec/` (module layout), compiled as they are.
#[rustfmt::skip] // generated: compared byte for byte with the generator output
#[path = "../snapshots/spec/mod.rs"]
pub mod snapshot_spec;

/// The checked-in snapshot of the generator's hooks (serde, extra attributes).
#[rustfmt::skip]
#[path = "../snapshots/hooks/mod.rs"]
pub mod snapshot_hooks;

/// The checked-in snapshots of `tests/specs/valid/`, compiled as they are.
#[rustfmt::skip]
#[path = "../snapshots/valid/mod.rs"]
pub mod snapshot_valid;

/// Models generated from random specs with hostile names (`src/specgen.rs`, by the build
/// script): the property test of the generator. They compile here under `#![deny(warnings)]`
/// and clippy; `tests/random_specs.rs` round-trips a sample of each.
pub mod random {
    include!(concat!(env!("OUT_DIR"), "/random/models.rs"));
}

include!(concat!(env!("OUT_DIR"), "/random/samples.rs"));

/// A model's JSON sample through `from_json`, `to_item`/`from_item`, `to_json`, serde, its
/// key and the store, each time the same value.
pub async fn round_trip<M>(db: &Db, sample: &str) -> Result<(), String>
where
    M: Model + PartialEq + serde::Serialize + serde::de::DeserializeOwned,
{
    let name = std::any::type_name::<M>();
    let fail =
        |what: &str, e: &dyn std::fmt::Display| format!("{name}: {what}: {e}\n  sample: {sample}");
    let json: serde_json::Value = serde_json::from_str(sample).map_err(|e| fail("sample", &e))?;
    let m = M::from_json(json).map_err(|e| fail("from_json", &e))?;
    m.validate().map_err(|e| fail("validate", &e))?;
    let back = M::from_item(&m.to_item()).map_err(|e| fail("from_item", &e))?;
    if back != m {
        return Err(fail("item round trip", &format!("{back:?} != {m:?}")));
    }
    let again = M::from_json(m.to_json()).map_err(|e| fail("from_json(to_json)", &e))?;
    if again != m {
        return Err(fail("JSON round trip", &format!("{again:?} != {m:?}")));
    }
    // The serde impls are the JSON form, both ways.
    let serialized = serde_json::to_value(&m).map_err(|e| fail("serialize", &e))?;
    if serialized != m.to_json() {
        return Err(fail(
            "serialize",
            &format!("{serialized} != {}", m.to_json()),
        ));
    }
    let deserialized: M =
        serde_json::from_value(serialized).map_err(|e| fail("deserialize", &e))?;
    if deserialized != m {
        return Err(fail(
            "serde round trip",
            &format!("{deserialized:?} != {m:?}"),
        ));
    }
    let key = M::Key::from_key_item(&m.key().to_key_item()).map_err(|e| fail("key", &e))?;
    // An encrypted model goes through the encryption SDK, with its hostile names.
    let encrypted;
    let db = if M::ATTRIBUTE_ACTIONS.is_empty() {
        db
    } else {
        use dynamongo_runtime::encryption::{Encryption, Keyring};
        encrypted = db
            .clone()
            .with_encryption(Encryption::new(Keyring::raw_aes("random", [3u8; 32])).model::<M>())
            .await
            .map_err(|e| fail("with_encryption", &e))?;
        &encrypted
    };
    // Entities of one table share it: the first creates it.
    match M::create_table(db).await {
        Ok(()) | Err(dynamongo_runtime::Error::TableExists(_)) => {}
        Err(e) => return Err(fail("create_table", &e)),
    }
    // A versioned sample is new to the table: saved from version 0, it comes back at 1.
    let mut new = m.clone();
    if new.version().is_some() {
        new.set_version(0);
    }
    let saved = M::save_one(db, new)
        .await
        .map_err(|e| fail("save_one", &e))?;
    if saved.version().is_some_and(|v| v != 1) {
        return Err(fail(
            "version",
            &format!("{:?} after the first save", saved.version()),
        ));
    }
    let stored = M::get_one(db, dynamongo_runtime::plan::Target::<M>::Key(key))
        .await
        .map_err(|e| fail("get_one", &e))?;
    if stored != saved {
        return Err(fail(
            "store round trip",
            &format!("{stored:?} != {saved:?}"),
        ));
    }
    Ok(())
}
