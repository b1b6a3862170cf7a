//! The compile-time benchmark (`bench --compile-time`): a crate of 100 generated models
//! against the same 100 models written as serde-derive structs converted with
//! serde_dynamo, built side by side in one scratch workspace under `target/`.
//!
//! The serde crate is written from the same IR the generator uses, the way a person
//! would write it by hand: one struct per model and dict, `#[serde(rename)]` where the
//! attribute name differs, `Option` with `skip_serializing_if` for optional fields, and
//! `to_item` / `from_item` through serde_dynamo. It has no validation, no key types and no
//! field handles, so the comparison is conservative for the generated crate.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dynamongo_codegen::ir::{Field, Kind, Model};
use dynamongo_codegen::{generate, Options};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const SPECS: [(&str, &str, &str); 3] = [
    ("User", "users", include_str!("../../spec/users.json")),
    (
        "Contacts",
        "user-contacts",
        include_str!("../../spec/contacts.json"),
    ),
    (
        "Everything",
        "everything",
        include_str!("../../spec/everything.json"),
    ),
];

/// 100 specs: the three models of `spec/`, renamed in turn.
fn specs(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let (model, table, text) = SPECS[i % SPECS.len()];
            let text = text
                .replace(&format!("\"{model}\""), &format!("\"{model}{i}\""))
                .replace(&format!("\"{table}\""), &format!("\"{table}-{i}\""));
            (format!("spec/m{i:03}.json"), text)
        })
        .collect()
}

const KEYWORDS: &[&str] = &[
    "type", "match", "self", "async", "crate", "super", "box", "ref",
];

fn ident(name: &str) -> String {
    match name {
        "self" | "super" | "crate" => format!("{name}_"),
        n if KEYWORDS.contains(&n) => format!("r#{n}"),
        n => n.to_string(),
    }
}

fn serde_type(kind: &Kind) -> String {
    match kind {
        Kind::Int | Kind::Timedelta => "i64".into(),
        Kind::Float => "f64".into(),
        Kind::Boolean => "bool".into(),
        Kind::String | Kind::Email | Kind::Url | Kind::IpAddress => "String".into(),
        Kind::Uuid => "uuid::Uuid".into(),
        // The bench specs have no TTL field; serde would store it as a string anyway.
        Kind::DateTime | Kind::Ttl => "chrono::DateTime<chrono::Utc>".into(),
        Kind::Date => "chrono::NaiveDate".into(),
        Kind::List(t) => format!("Vec<{}>", serde_type(&t.kind)),
        Kind::Dict(d) => d.name.clone(),
        Kind::Enum(e) => e.name.clone(),
        Kind::StringSet => "std::collections::BTreeSet<String>".into(),
        Kind::NumberSet => "std::collections::BTreeSet<i64>".into(),
        Kind::Binary => "Vec<u8>".into(),
        Kind::BinarySet => "Vec<Vec<u8>>".into(),
        Kind::Map(t) => format!(
            "std::collections::BTreeMap<String, {}>",
            serde_type(&t.kind)
        ),
    }
}

fn serde_struct(out: &mut String, name: &str, fields: &[Field], conversions: bool) {
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]\npub struct {name} {{"
    );
    for f in fields {
        let mut attrs = Vec::new();
        if ident(&f.name) != f.attribute {
            attrs.push(format!("rename = {:?}", f.attribute));
        }
        let ty = serde_type(&f.ty.kind);
        let ty = if f.is_optional() {
            attrs.push("default, skip_serializing_if = \"Option::is_none\"".into());
            format!("Option<{ty}>")
        } else {
            if f.ty.kind.always_present() {
                attrs.push("default".into());
            }
            ty
        };
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[serde({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {}: {ty},", ident(&f.name));
    }
    out.push_str("}\n\n");
    if conversions {
        let _ = writeln!(
            out,
            "impl {name} {{\n    pub fn to_item(&self) -> Result<Item, serde_dynamo::Error> {{\n        serde_dynamo::to_item(self)\n    }}\n\n    pub fn from_item(item: Item) -> Result<Self, serde_dynamo::Error> {{\n        serde_dynamo::from_item(item)\n    }}\n}}\n"
        );
    } else {
        // A dict must deserialize when absent, as `#[serde(default)]` asks.
        let _ = writeln!(
            out,
            "impl Default for {name} {{\n    fn default() -> Self {{\n        Self {{"
        );
        for f in fields {
            let _ = writeln!(out, "            {}: Default::default(),", ident(&f.name));
        }
        out.push_str("        }\n    }\n}\n\n");
    }
}

fn nested(fields: &[Field], out: &mut String) {
    for f in fields {
        let mut kind = &f.ty.kind;
        while let Kind::List(t) | Kind::Map(t) = kind {
            kind = &t.kind;
        }
        match kind {
            Kind::Dict(d) => {
                serde_struct(out, &d.name, &d.fields, false);
                nested(&d.fields, out);
            }
            Kind::Enum(e) => {
                let _ = writeln!(
                    out,
                    "#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]\npub enum {} {{",
                    e.name
                );
                for (i, (variant, value)) in e.variants.iter().enumerate() {
                    let default = if i == 0 { "#[default] " } else { "" };
                    let _ = writeln!(
                        out,
                        "    {default}#[serde(rename = {value:?})]\n    {variant},"
                    );
                }
                out.push_str("}\n\n");
            }
            _ => {}
        }
    }
}

fn serde_module(m: &Model) -> String {
    let mut out = String::from(
        "#![allow(dead_code)]\nuse std::collections::HashMap;\n\ntype Item = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;\n\n",
    );
    serde_struct(&mut out, &m.name, &m.fields, true);
    nested(&m.fields, &mut out);
    out
}

fn write(path: &Path, text: &str) -> Res<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)?;
    Ok(())
}

/// The scratch workspace: `generated/` (the CLI's module layout) and `serde/`.
fn scratch(root: &Path, n: usize) -> Res<PathBuf> {
    let dir = root.join("target/compile-bench");
    let generated = generate(&Options::from_sources(specs(n)))?;
    for f in &generated.files {
        write(&dir.join("generated/src/models").join(&f.path), &f.contents)?;
    }
    let mut lib = String::new();
    for m in &generated.models {
        let _ = writeln!(lib, "pub mod {};", m.module_path());
        write(
            &dir.join(format!("serde/src/{}.rs", m.module)),
            &serde_module(m),
        )?;
    }
    write(&dir.join("serde/src/lib.rs"), &lib)?;
    write(&dir.join("generated/src/lib.rs"), "pub mod models;\n")?;
    let runtime = root.join("dynamongo-runtime");
    write(
        &dir.join("generated/Cargo.toml"),
        &format!(
            "[package]\nname = \"bench-generated\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ndynamongo-runtime = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    )?;
    write(
        &dir.join("serde/Cargo.toml"),
        "[package]\nname = \"bench-serde\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n\
         serde_dynamo = { version = \"4.3\", features = [\"aws-sdk-dynamodb+1\"] }\n\
         aws-sdk-dynamodb = { version = \"1.136\", default-features = false, features = [\"rt-tokio\", \"default-https-client\", \"behavior-version-latest\"] }\n\
         chrono = { version = \"0.4\", default-features = false, features = [\"std\", \"clock\", \"serde\"] }\n\
         uuid = { version = \"1\", features = [\"v4\", \"serde\"] }\n",
    )?;
    write(
        &dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"generated\", \"serde\"]\n",
    )?;
    // The same dependency versions as the project.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    Ok(dir)
}

fn build(dir: &Path, package: &str, release: bool) -> Res<Duration> {
    // Touch the crate's root so that it (and only it) is compiled again.
    let crate_dir = dir.join(package.trim_start_matches("bench-"));
    let lib = crate_dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib)?;
    std::fs::write(&lib, text)?;
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir)
        .args(["build", "-q", "-p", package])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        // A whole compile of the crate each time, not an incremental one.
        .env("CARGO_INCREMENTAL", "0");
    if release {
        cmd.arg("--release");
    }
    let t = Instant::now();
    let status = cmd.status()?;
    if !status.success() {
        return Err(format!("cargo build -p {package} failed").into());
    }
    Ok(t.elapsed())
}

/// Builds both crates once (dependencies), then `rounds` times each, alternating which
/// goes first, for the debug and the release profile; prints the ratios.
pub fn run(root: &Path, rounds: usize) -> Res<()> {
    let n = 100;
    let dir = scratch(root, n)?;
    let lines = |pkg: &str| -> Res<usize> {
        let mut total = 0;
        let src = dir.join(pkg).join("src");
        for e in walk(&src)? {
            total += std::fs::read_to_string(e)?.lines().count();
        }
        Ok(total)
    };
    println!(
        "compile time of {n} models: generated ({} lines) vs serde-derive + serde_dynamo ({} lines)",
        lines("generated")?,
        lines("serde")?
    );
    for release in [false, true] {
        let profile = if release { "release" } else { "debug" };
        println!("  warming {profile} dependencies ...");
        build(&dir, "bench-generated", release)?;
        build(&dir, "bench-serde", release)?;
        let (mut ours, mut serde) = (Duration::ZERO, Duration::ZERO);
        for round in 0..rounds {
            if round % 2 == 0 {
                ours += build(&dir, "bench-generated", release)?;
                serde += build(&dir, "bench-serde", release)?;
            } else {
                serde += build(&dir, "bench-serde", release)?;
                ours += build(&dir, "bench-generated", release)?;
            }
        }
        let per = |d: Duration| d.as_secs_f64() / rounds as f64;
        println!(
            "compile time ({profile}, {rounds} rounds): generated {:.2} s, serde {:.2} s, ratio {:.2}",
            per(ours),
            per(serde),
            ours.as_secs_f64() / serde.as_secs_f64()
        );
    }
    Ok(())
}

fn walk(dir: &Path) -> Res<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            out.extend(walk(&p)?);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}
