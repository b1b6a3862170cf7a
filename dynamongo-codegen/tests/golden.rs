//! Golden files for the generator's error messages: every spec in `tests/specs/invalid/`
//! (and the two-file set in `duplicate/`) is generated alone, and what the user would read
//! is compared with `tests/specs/invalid/golden/<name>.txt`. A message is part of the
//! interface: a changed one is reviewed like code. After an intended change:
//!
//!     DYNAMONGO_BLESS=1 cargo test -p dynamongo-codegen --test golden

use std::path::{Path, PathBuf};

use dynamongo_codegen::{generate, Options};

fn invalid_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/specs/invalid")
}

/// The messages of one failing run, as the CLI prints them.
fn messages(options: &Options) -> String {
    match generate(options) {
        Ok(_) => "(no error: this spec generates)\n".to_string(),
        Err(e) => format!("{e}\n"),
    }
}

#[test]
fn error_messages_match_golden_files() {
    let dir = invalid_dir();
    let golden = dir.join("golden");
    let mut cases: Vec<(String, String)> = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/specs/invalid")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&p).expect("spec readable");
            let options = Options::from_sources([(format!("invalid/{name}"), text)]);
            cases.push((
                name.trim_end_matches(".json").to_string(),
                messages(&options),
            ));
        } else if p.is_dir() && name != "golden" {
            // A set of files whose error is between them (duplicate names).
            cases.push((name, messages(&Options::new(&p))));
        }
    }
    assert!(cases.len() >= 10, "the invalid specs were not found");
    let bless = std::env::var_os("DYNAMONGO_BLESS").is_some();
    let mut differ = Vec::new();
    for (name, got) in &cases {
        assert!(
            !got.starts_with("(no error"),
            "tests/specs/invalid/{name} is valid: it belongs in tests/specs/valid"
        );
        let path = golden.join(format!("{name}.txt"));
        if bless {
            std::fs::create_dir_all(&golden).expect("golden dir");
            if std::fs::read_to_string(&path).ok().as_deref() != Some(got.as_str()) {
                std::fs::write(&path, got).expect("golden written");
            }
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if &want != got {
            differ.push(format!(
                "tests/specs/invalid/golden/{name}.txt:\n--- expected\n{want}--- got\n{got}"
            ));
        }
    }
    // No golden file is left without its spec.
    if let Ok(entries) = std::fs::read_dir(&golden) {
        for e in entries {
            let file = e.expect("entry").file_name().to_string_lossy().into_owned();
            let stem = file.trim_end_matches(".txt");
            if !cases.iter().any(|(n, _)| n == stem) {
                differ.push(format!("tests/specs/invalid/golden/{file} has no spec"));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{}\nIf intended: DYNAMONGO_BLESS=1 cargo test -p dynamongo-codegen --test golden",
        differ.join("\n")
    );
}

/// A message that names the wrong place is caught by the golden files; this checks the
/// promise behind them: every message locates itself (file and JSON pointer, or line and
/// column), and nothing panics.
#[test]
fn every_message_names_its_file_and_place() {
    let golden = invalid_dir().join("golden");
    for e in std::fs::read_dir(&golden).expect("golden files exist") {
        let path = e.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("golden readable");
        let mut lines = text.lines();
        let head = lines.next().unwrap_or_default();
        assert!(head.contains("error"), "{}: {head}", path.display());
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let l = line.trim_start();
            // A single spec is `invalid/<file>`; a set of files, `<its folder>/<file>`.
            let set = path.file_stem().unwrap_or_default().to_string_lossy();
            assert!(
                l.starts_with("invalid/") || l.starts_with(&format!("{set}/")),
                "{}: a message without its file: {line}",
                path.display()
            );
            let (_, rest) = l.split_once(": ").unwrap_or_default();
            assert!(
                rest.starts_with('/')
                    || l.split(':')
                        .nth(1)
                        .is_some_and(|n| n.parse::<usize>().is_ok()),
                "{}: a message without its place: {line}",
                path.display()
            );
        }
    }
}
