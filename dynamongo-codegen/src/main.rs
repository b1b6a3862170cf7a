//! `dynamongo-codegen generate|check|export|cost|breaking ...` (and the older
//! `dynamongo-codegen [--check] SPEC_DIR OUT_DIR`).
//!
//! Exit codes: 0 success, 1 spec errors, (for `check`) drift or (for `breaking`) a
//! breaking change, 2 usage or I/O errors (and, for `breaking`, an invalid spec set).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dynamongo_codegen::export::{export, Format};
use dynamongo_codegen::{check, generate, write, Class, Drift, Error, Options};

/// Typed DynamoDB models from JSON specs: Rust code, and the tables as infrastructure code.
#[derive(Parser)]
#[command(name = "dynamongo-codegen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the Rust models of SPEC_DIR/*.json into OUT_DIR
    ///
    /// OUT_DIR/mod.rs plus one file per model; only files whose bytes change are written,
    /// and generated files whose spec is gone are removed.
    Generate {
        spec_dir: PathBuf,
        out_dir: PathBuf,
        /// Write nothing; as `check`.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        hooks: Hooks,
    },
    /// Check that OUT_DIR is what SPEC_DIR generates (exit 1 with a diff when not)
    ///
    /// Writes nothing; names each changed, missing or stale file, with a unified diff of
    /// each changed one.
    Check {
        spec_dir: PathBuf,
        out_dir: PathBuf,
        #[command(flatten)]
        hooks: Hooks,
    },
    /// Export the tables: CreateTable JSON, CloudFormation, Terraform or an IAM policy
    ///
    /// The CreateTable input (JSON), a CloudFormation template, Terraform, or an IAM
    /// policy for the calls dynamongo makes, from the same specs as the models; written to
    /// OUT (only when its bytes change), else to standard output.
    Export {
        /// What to write.
        #[arg(long, value_parser = Format::NAMES)]
        format: String,
        /// Put before every table name (the default of the CloudFormation parameter
        /// `TablePrefix` and the Terraform variable `table_prefix`).
        #[arg(long, default_value = "")]
        table_prefix: String,
        spec_dir: PathBuf,
        out: Option<PathBuf>,
    },
    /// Print the capacity sheet of SPEC_DIR: what each model's items cost
    ///
    /// Per model: the stored item's size bounds (as DynamoDB sizes items), write units of
    /// a save with each index's part, read units of a get (strong and eventual), and the
    /// size of an item in each index a query reads. A `max` of `null` (json) is unbounded:
    /// a string, binary, list, map or set field without `max_length`.
    Cost {
        spec_dir: PathBuf,
        /// `text` (for people) or `json` (one object per model, in model-name order).
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Compare SPEC_DIR with an older spec set: what the change does to stored items
    ///
    /// One finding per change: file, JSON pointer, class (breaking, warning or safe) and
    /// why. Exit 1 when a finding is breaking, 0 otherwise, 2 on a usage error or when
    /// either spec set is invalid. In CI: `breaking --against git:origin/main spec/`.
    Breaking {
        /// The older specs: a directory, or `git:REF` (read with `git show REF:path`; no
        /// checkout needed).
        #[arg(long, value_name = "OLD")]
        against: String,
        spec_dir: PathBuf,
        /// `text` (one line a finding) or `json` (for tools).
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
}

/// The generator's hooks (as `dynamongo_codegen::Options`), shared by `generate` and `check`.
#[derive(Args)]
struct Hooks {
    /// Also generate serde `Serialize` / `Deserialize` for each model (deserialising
    /// validates as `from_json`).
    #[arg(long)]
    serde: bool,
    /// The path generated code reaches the runtime by (default `::dynamongo_runtime`).
    #[arg(long, value_name = "PATH")]
    runtime_path: Option<String>,
    /// An extra attribute on a generated struct: `User=#[derive(Hash)]`, `User.address=...`
    /// for a dict, `*=...` for every struct. Repeatable.
    #[arg(long, value_name = "TARGET=ATTRIBUTE")]
    type_attribute: Vec<String>,
    /// An extra attribute on a struct field: `User.email=#[doc(alias = "mail")]`,
    /// `User.*=...` for every field of a struct. Repeatable.
    #[arg(long, value_name = "TARGET=ATTRIBUTE")]
    field_attribute: Vec<String>,
}

impl Hooks {
    fn options(&self, spec_dir: &Path) -> Result<Options, Error> {
        let mut options = Options::new(spec_dir).serde(self.serde);
        if let Some(path) = &self.runtime_path {
            options = options.runtime_path(path);
        }
        for (flag, list) in [
            ("--type-attribute", &self.type_attribute),
            ("--field-attribute", &self.field_attribute),
        ] {
            for pair in list {
                let Some((target, attribute)) = pair.split_once('=') else {
                    return Err(Error::Usage(format!(
                        "{flag} {pair:?}: expected TARGET=ATTRIBUTE (`User=#[derive(Hash)]`)"
                    )));
                };
                options = if flag == "--type-attribute" {
                    options.type_attribute(target.trim(), attribute.trim())
                } else {
                    options.field_attribute(target.trim(), attribute.trim())
                };
            }
        }
        Ok(options)
    }
}

const COMMANDS: &[&str] = &["generate", "check", "export", "cost", "breaking", "help"];

/// The older form, `dynamongo-codegen [--check] SPEC_DIR OUT_DIR`, as a subcommand.
fn with_subcommand(args: Vec<String>) -> Vec<String> {
    let first = args.get(1).map(String::as_str).unwrap_or("");
    if args.len() < 2
        || COMMANDS.contains(&first)
        || ["-h", "--help", "-V", "--version"].contains(&first)
    {
        return args;
    }
    let check = args.iter().skip(1).any(|a| a == "--check");
    let mut out = vec![
        args[0].clone(),
        if check { "check" } else { "generate" }.to_string(),
    ];
    out.extend(args.into_iter().skip(1).filter(|a| a != "--check"));
    out
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_subcommand(std::env::args().collect()));
    match cli.command {
        Command::Generate {
            spec_dir,
            out_dir,
            check: false,
            hooks,
        } => run_generate(&out_dir, hooks.options(&spec_dir)),
        Command::Generate {
            spec_dir,
            out_dir,
            check: true,
            hooks,
        }
        | Command::Check {
            spec_dir,
            out_dir,
            hooks,
        } => run_check(&spec_dir, &out_dir, hooks.options(&spec_dir)),
        Command::Export {
            format,
            table_prefix,
            spec_dir,
            out,
        } => run_export(&format, &table_prefix, &spec_dir, out.as_deref()),
        Command::Breaking {
            against,
            spec_dir,
            format,
        } => run_breaking(&against, &spec_dir, &format),
        Command::Cost { spec_dir, format } => run_cost(&spec_dir, &format),
    }
}

fn run_cost(spec_dir: &Path, format: &str) -> ExitCode {
    let generated = match generate(&Options::new(spec_dir)) {
        Ok(g) => g,
        Err(e) => return failed(&e),
    };
    if format == "json" {
        let sheet = dynamongo_codegen::cost::sheet_json(&generated.models);
        println!(
            "{}",
            serde_json::to_string_pretty(&sheet).unwrap_or_default()
        );
    } else {
        print!("{}", dynamongo_codegen::cost::sheet_text(&generated.models));
    }
    ExitCode::SUCCESS
}

fn run_breaking(against: &str, spec_dir: &Path, format: &str) -> ExitCode {
    let old = match against.strip_prefix("git:") {
        Some(rev) => match git_specs(spec_dir, rev) {
            Ok(sources) => Options::from_sources(sources),
            Err(e) => {
                eprintln!("error: --against {against}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Options::new(against),
    };
    let findings = match dynamongo_codegen::breaking(&old, &Options::new(spec_dir)) {
        Ok(f) => f,
        Err(e) => {
            // Which set is invalid shows in the file names (the old set's are its own).
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if format == "json" {
        let list: Vec<serde_json::Value> = findings.iter().map(|f| f.to_json()).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else {
        for f in &findings {
            println!("{f}");
        }
        let count = |c| findings.iter().filter(|f| f.class == c).count();
        eprintln!(
            "{} breaking, {} warning(s), {} safe",
            count(Class::Breaking),
            count(Class::Warning),
            count(Class::Safe)
        );
    }
    if findings.iter().any(|f| f.class == Class::Breaking) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `*.json` files of `spec_dir` as they are at `rev`, named `<rev>:<path>` (read with
/// `git show`, no checkout).
fn git_specs(spec_dir: &Path, rev: &str) -> Result<Vec<(String, String)>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(spec_dir)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            String::from_utf8(out.stdout).map_err(|e| e.to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    };
    let prefix = git(&["rev-parse", "--show-prefix"])?.trim().to_string();
    git(&["rev-parse", "--verify", &format!("{rev}^{{commit}}")])?;
    let listing = git(&[
        "ls-tree",
        "--full-tree",
        "--name-only",
        &format!("{rev}:{prefix}"),
    ])
    .unwrap_or_default();
    let mut out = Vec::new();
    for name in listing.lines().filter(|n| n.ends_with(".json")) {
        let path = format!("{prefix}{name}");
        let text = git(&["show", &format!("{rev}:{path}")])?;
        out.push((format!("{rev}:{path}"), text));
    }
    Ok(out)
}

/// The exit code of a failed run: 1 for spec errors, 2 for the rest.
fn failed(e: &Error) -> ExitCode {
    match e {
        Error::Spec(_) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
        e => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_generate(out_dir: &Path, options: Result<Options, Error>) -> ExitCode {
    let generated = match options.and_then(|o| generate(&o)) {
        Ok(g) => g,
        Err(e) => return failed(&e),
    };
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
        Err(e) => failed(&e),
    }
}

fn run_check(spec_dir: &Path, out_dir: &Path, options: Result<Options, Error>) -> ExitCode {
    let generated = match options.and_then(|o| generate(&o)) {
        Ok(g) => g,
        Err(e) => return failed(&e),
    };
    match check(out_dir, &generated) {
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
                "run: cargo run -p dynamongo-codegen -- generate {} {}",
                spec_dir.display(),
                out_dir.display()
            );
            ExitCode::from(1)
        }
        Err(e) => failed(&e),
    }
}

fn run_export(format: &str, prefix: &str, spec_dir: &Path, out: Option<&Path>) -> ExitCode {
    let Some(format) = Format::from_name(format) else {
        eprintln!("error: unknown format `{format}`");
        return ExitCode::from(2);
    };
    let text = match generate(&Options::new(spec_dir))
        .and_then(|g| export(&g.models, &g.tables, format, prefix))
    {
        Ok(t) => t,
        Err(e) => return failed(&e),
    };
    let Some(out) = out else {
        print!("{text}");
        return ExitCode::SUCCESS;
    };
    if std::fs::read(out).is_ok_and(|old| old == text.as_bytes()) {
        println!("{}: unchanged", out.display());
        return ExitCode::SUCCESS;
    }
    match std::fs::write(out, text) {
        Ok(()) => {
            println!("{}: written", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}
