//! # dynamongo-codegen
//!
//! Turns JSON model specs (`spec/*.json`, checked against
//! [`SCHEMA`](crate::SCHEMA)) into plain Rust modules that use `dynamongo-runtime`:
//! a struct per model, a key type, a `Model` impl and typed field handles.
//!
//! The pipeline: read → JSON Schema → semantic checks → validated IR ([`ir`]) → one
//! emitter per concern → prettyplease → write the files whose bytes changed.
//!
//! From a build script:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     dynamongo_codegen::Builder::new().spec_dir("spec").generate()?;
//!     Ok(())
//! }
//! // src/main.rs:
//! // mod models { include!(concat!(env!("OUT_DIR"), "/dynamongo/models.rs")); }
//! ```
//!
//! From the command line: `dynamongo-codegen generate|check SPEC_DIR OUT_DIR`, and
//! `dynamongo-codegen export --format create-table|cloudformation|terraform|iam-policy SPEC_DIR [OUT]`
//! (see [`export`]).

mod emit;
mod error;
pub mod export;
mod ident;
pub mod ir;
mod spec;
mod write;

use std::path::{Path, PathBuf};

pub use error::{Error, SpecError};
pub use spec::SCHEMA;
pub use write::{check, write, Drift, WriteReport};

/// How generated modules are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// `mod.rs` plus one file per model (`user.rs`): for checking in as `src/models/`.
    Modules,
    /// One file with an inline module per model, for `include!` from `OUT_DIR`
    /// (an `include!`d file cannot declare `mod x;` relative to itself).
    SingleFile(String),
}

/// One generated file, relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output directory.
    pub path: PathBuf,
    /// The full text.
    pub contents: String,
}

/// The result of a generator run, in memory.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The files to write.
    pub files: Vec<GeneratedFile>,
    /// The spec files that were read (for `cargo:rerun-if-changed`).
    pub specs: Vec<PathBuf>,
    /// The validated models, in file-name order.
    pub models: Vec<ir::Model>,
}

/// What to generate besides the models themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// `serde::Serialize` / `Deserialize` for each model, written out (no derives):
    /// serialising is `to_json`, deserialising is `from_json`, with its validation.
    pub serde: bool,
}

impl Options {
    /// The default options: models only.
    pub fn new() -> Self {
        Options::default()
    }

    /// With or without serde impls.
    pub fn serde(mut self, yes: bool) -> Self {
        self.serde = yes;
        self
    }
}

/// Reads every `*.json` spec in `spec_dir` (sorted by file name) and generates code.
/// Spec errors of all files are returned together.
pub fn generate(spec_dir: &Path, layout: &Layout) -> Result<Generated, Error> {
    generate_with(spec_dir, layout, Options::default())
}

/// As [`generate`], with [`Options`].
pub fn generate_with(
    spec_dir: &Path,
    layout: &Layout,
    options: Options,
) -> Result<Generated, Error> {
    let (specs, sources) = read_specs(spec_dir)?;
    generate_sources(&sources, specs, layout, options)
}

/// Reads and validates every `*.json` spec in `spec_dir` (as [`generate`] does), without
/// generating code: the IR that exports are made from.
pub fn parse(spec_dir: &Path) -> Result<Vec<ir::Model>, Error> {
    let (_, sources) = read_specs(spec_dir)?;
    spec::parse_all(&sources).map_err(Error::Spec)
}

/// Generates from spec texts given in memory (`name` is used in messages and headers).
pub fn generate_from_sources(
    sources: &[(String, String)],
    layout: &Layout,
) -> Result<Generated, Error> {
    let sources: Vec<spec::Source> = sources
        .iter()
        .map(|(name, text)| spec::Source {
            name: name.clone(),
            text: text.clone(),
        })
        .collect();
    generate_sources(&sources, Vec::new(), layout, Options::default())
}

fn generate_sources(
    sources: &[spec::Source],
    specs: Vec<PathBuf>,
    layout: &Layout,
    options: Options,
) -> Result<Generated, Error> {
    let mut models = spec::parse_all(sources).map_err(Error::Spec)?;
    for m in &mut models {
        m.serde = options.serde;
    }
    let files = emit_files(&models, layout)?;
    Ok(Generated {
        files,
        specs,
        models,
    })
}

fn emit_files(models: &[ir::Model], layout: &Layout) -> Result<Vec<GeneratedFile>, Error> {
    let fail = |e: String| Error::Usage(format!("internal error, please report: {e}"));
    let mut files = Vec::new();
    // The header of the file that lists every model names the spec directory.
    let dir = models
        .first()
        .map(|m| spec_dir_label(&m.source))
        .unwrap_or_default();
    let header = emit::header(&format!("the specs in {dir}"));
    match layout {
        Layout::Modules => {
            let decls = models.iter().map(|m| emit::module_decl(m, None));
            files.push(GeneratedFile {
                path: PathBuf::from("mod.rs"),
                contents: emit::render(&header, quote::quote!(#(#decls)*)).map_err(fail)?,
            });
            for (m, contents) in models.iter().zip(render_all(models)) {
                files.push(GeneratedFile {
                    path: PathBuf::from(format!("{}.rs", m.module)),
                    contents: contents.map_err(fail)?,
                });
            }
        }
        Layout::SingleFile(name) => {
            let mods = models
                .iter()
                .map(|m| emit::module_decl(m, Some(emit::model_tokens(m))));
            files.push(GeneratedFile {
                path: PathBuf::from(name),
                contents: emit::render(&header, quote::quote!(#(#mods)*)).map_err(fail)?,
            });
        }
    }
    Ok(files)
}

/// Renders one file per model, spread over the available cores (formatting dominates the
/// generator's time); the result is in model order, so output stays deterministic.
fn render_all(models: &[ir::Model]) -> Vec<Result<String, String>> {
    let render = |m: &ir::Model| emit::render(&emit::header(&m.source), emit::model_tokens(m));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || models.len() < 8 {
        return models.iter().map(render).collect();
    }
    let per = models.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = models
            .chunks(per)
            .map(|chunk| scope.spawn(move || chunk.iter().map(render).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err("a rendering thread panicked".to_string())])
            })
            .collect()
    })
}

fn spec_dir_label(source: &str) -> String {
    match source.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => "./".to_string(),
    }
}

/// The spec files of a directory and their texts, named `<dir name>/<file>` so that the
/// output does not depend on where the generator runs from.
fn read_specs(dir: &Path) -> Result<(Vec<PathBuf>, Vec<spec::Source>), Error> {
    let io = |path: &Path, source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| io(dir, e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let label = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "spec".to_string());
    let mut sources = Vec::new();
    for p in &paths {
        let text = std::fs::read_to_string(p).map_err(|e| io(p, e))?;
        let file = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        sources.push(spec::Source {
            name: format!("{label}/{file}"),
            text,
        });
    }
    Ok((paths, sources))
}

/// Code generation from a build script.
///
/// Prints `cargo:rerun-if-changed` for the spec directory and every spec file, and writes
/// `models.rs` (one inline module per model) into `OUT_DIR/dynamongo` unless
/// [`Builder::out_dir`] says otherwise — only when its bytes change.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    spec_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    layout: Option<Layout>,
    quiet: bool,
    options: Options,
}

impl Builder {
    /// A builder with defaults.
    pub fn new() -> Self {
        Builder::default()
    }

    /// The directory of `*.json` specs.
    pub fn spec_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spec_dir = Some(dir.into());
        self
    }

    /// Where to write (default `$OUT_DIR/dynamongo`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The layout (default: one file, `models.rs`).
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = Some(layout);
        self
    }

    /// Also generate `serde::Serialize` / `Deserialize` for each model (see [`Options`]);
    /// the crate then needs `serde` among its dependencies only to name the traits.
    pub fn serde(mut self, yes: bool) -> Self {
        self.options.serde = yes;
        self
    }

    /// Do not print `cargo:` lines (for use outside build scripts).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Generates and writes; returns what was generated.
    pub fn generate(self) -> Result<Generated, Error> {
        let spec_dir = self
            .spec_dir
            .ok_or_else(|| Error::Usage("Builder::spec_dir was not set".to_string()))?;
        if !self.quiet {
            println!("cargo:rerun-if-changed={}", spec_dir.display());
        }
        let out_dir = match self.out_dir {
            Some(d) => d,
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| {
                Error::Usage("OUT_DIR is not set: call from build.rs or set out_dir".to_string())
            })?)
            .join("dynamongo"),
        };
        let layout = self
            .layout
            .unwrap_or_else(|| Layout::SingleFile("models.rs".to_string()));
        let (specs, sources) = read_specs(&spec_dir)?;
        if !self.quiet {
            for s in &specs {
                println!("cargo:rerun-if-changed={}", s.display());
            }
        }
        let generated = generate_sources(&sources, specs, &layout, self.options)?;
        write::write(&out_dir, &generated, false)?;
        Ok(generated)
    }
}
