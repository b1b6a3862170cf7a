//! `dynamongo-codegen [--check] SPEC_DIR OUT_DIR`
//!
//! Exit codes: 0 success, 1 spec errors or (with `--check`) drift, 2 usage or I/O errors.

use std::path::PathBuf;
use std::process::ExitCode;

use dynamongo_codegen::{check, generate, write, Drift, Error, Layout};

const USAGE: &str = "usage: dynamongo-codegen [--check] SPEC_DIR OUT_DIR

Generates one Rust module per model spec (SPEC_DIR/*.json) into OUT_DIR
(OUT_DIR/mod.rs plus one file per model), writing only files whose bytes change
and removing generated files whose spec is gone.

  --check   write nothing; exit 1 and name each changed, missing or stale file,
            with a unified diff of each changed one, when OUT_DIR is not what
            SPEC_DIR generates";

fn main() -> ExitCode {
    let mut check_only = false;
    let mut positional = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--check") => check_only = true,
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some(s) if s.starts_with('-') => {
                eprintln!("error: unknown option `{s}`\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let [spec_dir, out_dir] = positional.as_slice() else {
        eprintln!("error: expected SPEC_DIR and OUT_DIR\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let generated = match generate(spec_dir, &Layout::Modules) {
        Ok(g) => g,
        Err(e @ Error::Spec(_)) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if check_only {
        return match check(out_dir, &generated) {
            Ok(drift) if drift.is_empty() => {
                println!(
                    "{} is up to date ({} files)",
                    out_dir.display(),
                    generated.files.len()
                );
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                eprintln!(
                    "{} is out of date with {}:",
                    out_dir.display(),
                    spec_dir.display()
                );
                for d in &drift {
                    eprintln!("  {d}");
                }
                for diff in drift.iter().filter_map(Drift::diff) {
                    eprint!("\n{diff}");
                }
                eprintln!(
                    "run: cargo run -p dynamongo-codegen -- {} {}",
                    spec_dir.display(),
                    out_dir.display()
                );
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    match write(out_dir, &generated, true) {
        Ok(report) => {
            println!(
                "{}: {} written, {} unchanged, {} removed",
                out_dir.display(),
                report.written.len(),
                report.unchanged.len(),
                report.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
