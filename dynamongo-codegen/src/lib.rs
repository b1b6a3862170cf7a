//! # dynamongo-codegen
//!
//! Turns JSON model specs (`spec/*.json`, checked against
//! [`SCHEMA`]) into plain Rust modules that use `dynamongo-runtime`:
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

pub mod breaking;
pub mod cost;
mod emit;
mod error;
pub mod export;
mod hooks;
mod ident;
pub mod ir;
mod spec;
mod write;

use std::path::{Path, PathBuf};

pub use breaking::{breaking, Class, Finding};
pub use error::{Error, SpecError};
pub use spec::{Specs, SCHEMA};
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
    /// The table files of single-table designs, in file-name order.
    pub tables: Vec<ir::Table>,
}

/// The path generated code reaches the runtime by, unless [`Options::runtime_path`] says
/// otherwise.
pub const DEFAULT_RUNTIME_PATH: &str = "::dynamongo_runtime";

/// Where the specs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    /// Every `*.json` file of a directory, sorted by file name.
    Dir(PathBuf),
    /// Spec texts given in memory: `(name, text)`, the name used in messages and headers.
    Sources(Vec<(String, String)>),
}

/// What [`generate`] reads and what it writes: the specs (a directory, or texts in memory),
/// the layout, and the generator's hooks — serde impls, the runtime's path, and extra
/// attributes on generated types and fields (as prost-build's `type_attribute` /
/// `field_attribute`).
///
/// ```
/// use dynamongo_codegen::{generate, Layout, Options};
///
/// let spec = r#"{"model": "User", "table": "users", "hash_key": "email",
///     "fields": {"email": {"type": "email", "required": true}}}"#;
/// let options = Options::from_sources([("users.json", spec)])
///     .layout(Layout::Modules)
///     .type_attribute("User", "#[derive(Eq)]")
///     .field_attribute("User.email", "#[doc(alias = \"mail\")]");
/// let generated = generate(&options)?;
/// let user = &generated.files[1].contents;
/// assert!(user.contains("#[derive(Eq)]"));
/// # Ok::<(), dynamongo_codegen::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    input: Input,
    layout: Layout,
    serde: bool,
    runtime_path: String,
    type_attributes: Vec<(String, String)>,
    field_attributes: Vec<(String, String)>,
}

impl Options {
    /// The specs of a directory (`*.json`, sorted by file name), in the module layout.
    pub fn new(spec_dir: impl Into<PathBuf>) -> Self {
        Options::with_input(Input::Dir(spec_dir.into()))
    }

    /// Spec texts given in memory, `(name, text)`: the name is used in messages and in the
    /// `@generated` header.
    pub fn from_sources<N: Into<String>, T: Into<String>>(
        sources: impl IntoIterator<Item = (N, T)>,
    ) -> Self {
        Options::with_input(Input::Sources(
            sources
                .into_iter()
                .map(|(n, t)| (n.into(), t.into()))
                .collect(),
        ))
    }

    fn with_input(input: Input) -> Self {
        Options {
            input,
            layout: Layout::Modules,
            serde: false,
            runtime_path: DEFAULT_RUNTIME_PATH.to_string(),
            type_attributes: Vec::new(),
            field_attributes: Vec::new(),
        }
    }

    /// How the files are laid out (default [`Layout::Modules`]).
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// `serde::Serialize` / `Deserialize` for each model, written out (no derives):
    /// serialising is `to_json`, deserialising is `from_json`, with its validation.
    pub fn serde(mut self, yes: bool) -> Self {
        self.serde = yes;
        self
    }

    /// The path generated code reaches the runtime by (default `::dynamongo_runtime`), for a
    /// crate that re-exports it (`"::my_crate::dynamongo"`) or is it (`"crate"`), as
    /// prost-build's `prost_path`.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime_path = path.into();
        self
    }

    /// An extra attribute on a generated struct: `target` names a model (`"User"`), a dict
    /// by its field path (`"User.address"`, `"User.address.geo"`), or `"*"` for every
    /// model and dict struct; `attribute` is an outer attribute (`"#[derive(Hash)]"`).
    /// Given several times, the attributes are written in that order.
    pub fn type_attribute(
        mut self,
        target: impl Into<String>,
        attribute: impl Into<String>,
    ) -> Self {
        self.type_attributes.push((target.into(), attribute.into()));
        self
    }

    /// An extra attribute on a generated struct field: `target` is the field's path
    /// (`"User.email"`, `"User.address.city"`), or `"User.*"` for every field of a struct.
    pub fn field_attribute(
        mut self,
        target: impl Into<String>,
        attribute: impl Into<String>,
    ) -> Self {
        self.field_attributes
            .push((target.into(), attribute.into()));
        self
    }
}

/// Reads the specs [`Options`] name, checks them, and generates code in memory (nothing is
/// written: see [`write()`], [`check`] or [`Builder`]). Spec errors of all files, and every
/// option that names nothing or does not parse, are returned together.
pub fn generate(options: &Options) -> Result<Generated, Error> {
    let (specs, sources) = sources(options)?;
    let spec::Specs {
        mut models,
        mut tables,
    } = spec::parse_all(&sources).map_err(Error::Spec)?;
    hooks::apply(options, &mut models)?;
    for t in &mut tables {
        t.runtime = options.runtime_path.clone();
        t.serde = options.serde;
    }
    let files = emit_files(&models, &tables, &options.layout)?;
    Ok(Generated {
        files,
        specs,
        models,
        tables,
    })
}

/// The spec files of `options` and their texts.
fn sources(options: &Options) -> Result<(Vec<PathBuf>, Vec<spec::Source>), Error> {
    Ok(match &options.input {
        Input::Dir(dir) => read_specs(dir)?,
        Input::Sources(list) => (
            Vec::new(),
            list.iter()
                .map(|(name, text)| spec::Source {
                    name: name.clone(),
                    text: text.clone(),
                })
                .collect(),
        ),
    })
}

/// The checked spec set of `options` (models and table files), without generating code.
pub(crate) fn parse_options(options: &Options) -> Result<Specs, Error> {
    let (_, sources) = sources(options)?;
    spec::parse_all(&sources).map_err(Error::Spec)
}

fn emit_files(
    models: &[ir::Model],
    tables: &[ir::Table],
    layout: &Layout,
) -> Result<Vec<GeneratedFile>, Error> {
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
            let table_decls = tables.iter().map(|t| emit::table_module_decl(t, None));
            files.push(GeneratedFile {
                path: PathBuf::from("mod.rs"),
                contents: emit::render(&header, quote::quote!(#(#decls)* #(#table_decls)*))
                    .map_err(fail)?,
            });
            for (m, contents) in models.iter().zip(render_all(models)) {
                files.push(GeneratedFile {
                    path: PathBuf::from(format!("{}.rs", m.module)),
                    contents: contents.map_err(fail)?,
                });
            }
            for t in tables {
                files.push(GeneratedFile {
                    path: PathBuf::from(format!("{}.rs", t.module)),
                    contents: emit::render(&emit::header(&t.source), emit::table_tokens(t))
                        .map_err(fail)?,
                });
            }
        }
        Layout::SingleFile(name) => {
            let mods = models
                .iter()
                .map(|m| emit::module_decl(m, Some(emit::model_tokens(m))));
            let table_mods = tables
                .iter()
                .map(|t| emit::table_module_decl(t, Some(emit::table_tokens(t))));
            files.push(GeneratedFile {
                path: PathBuf::from(name),
                contents: emit::render(&header, quote::quote!(#(#mods)* #(#table_mods)*))
                    .map_err(fail)?,
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
/// [`Builder::out_dir`] says otherwise — only when its bytes change. The hooks of
/// [`Options`] are here too.
#[derive(Debug, Clone)]
pub struct Builder {
    spec_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    quiet: bool,
    options: Options,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            spec_dir: None,
            out_dir: None,
            quiet: false,
            options: Options::new("").layout(Layout::SingleFile("models.rs".to_string())),
        }
    }
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
        self.options = self.options.layout(layout);
        self
    }

    /// Also generate `serde::Serialize` / `Deserialize` for each model (see
    /// [`Options::serde`]).
    pub fn serde(mut self, yes: bool) -> Self {
        self.options = self.options.serde(yes);
        self
    }

    /// See [`Options::runtime_path`].
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.options = self.options.runtime_path(path);
        self
    }

    /// See [`Options::type_attribute`]:
    /// `Builder::new().type_attribute("User", "#[derive(Hash)]")`.
    pub fn type_attribute(
        mut self,
        target: impl Into<String>,
        attribute: impl Into<String>,
    ) -> Self {
        self.options = self.options.type_attribute(target, attribute);
        self
    }

    /// See [`Options::field_attribute`].
    pub fn field_attribute(
        mut self,
        target: impl Into<String>,
        attribute: impl Into<String>,
    ) -> Self {
        self.options = self.options.field_attribute(target, attribute);
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
        let options = Options {
            input: Input::Dir(spec_dir),
            ..self.options
        };
        let generated = generate(&options)?;
        if !self.quiet {
            for s in &generated.specs {
                println!("cargo:rerun-if-changed={}", s.display());
            }
        }
        write::write(&out_dir, &generated, false)?;
        Ok(generated)
    }
}
