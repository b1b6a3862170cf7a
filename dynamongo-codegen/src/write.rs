//! Writing generated files: only when bytes change, removing generated files whose spec
//! is gone, and `--check` drift detection that writes nothing.

use std::path::{Path, PathBuf};

use crate::emit::HEADER_PREFIX;
use crate::error::Error;
use crate::Generated;

/// What `write` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written because they were new or changed.
    pub written: Vec<PathBuf>,
    /// Files left alone because their bytes were already right.
    pub unchanged: Vec<PathBuf>,
    /// Earlier generated files removed because their spec is gone.
    pub removed: Vec<PathBuf>,
}

/// A difference between `OUT_DIR` and what the specs generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file's contents differ; `diff` is a unified diff from the file on disk to
    /// what the specs generate.
    Changed {
        /// The file.
        path: PathBuf,
        /// `--- path` / `+++ path (generated)` and the hunks.
        diff: String,
    },
    /// The file should exist and does not.
    Missing(PathBuf),
    /// A generated file whose spec is gone.
    Stale(PathBuf),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Changed { path, .. } => {
                write!(f, "changed: {} (its spec was edited)", path.display())
            }
            Drift::Missing(p) => write!(f, "missing: {} (a spec was added)", p.display()),
            Drift::Stale(p) => write!(f, "stale:   {} (its spec was removed)", p.display()),
        }
    }
}

impl Drift {
    /// The unified diff of a changed file.
    pub fn diff(&self) -> Option<&str> {
        match self {
            Drift::Changed { diff, .. } => Some(diff),
            _ => None,
        }
    }
}

/// A unified diff (3 lines of context) from `old` on disk to the generated `new`.
fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&shown, &format!("{shown} (generated)"))
        .to_string()
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Generated files in `dir` that the new output does not contain.
fn stale_files(dir: &Path, generated: &Generated) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(dir, e)),
    };
    for entry in entries {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = PathBuf::from(path.file_name().unwrap_or_default());
        if generated.files.iter().any(|f| f.path == rel) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.starts_with(HEADER_PREFIX) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Writes every file whose bytes differ (and only those), creating `dir` as needed;
/// with `remove_stale`, deletes earlier generated files whose spec is gone.
pub fn write(dir: &Path, generated: &Generated, remove_stale: bool) -> Result<WriteReport, Error> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut report = WriteReport::default();
    for file in &generated.files {
        let path = dir.join(&file.path);
        match std::fs::read(&path) {
            Ok(old) if old == file.contents.as_bytes() => report.unchanged.push(path),
            _ => {
                std::fs::write(&path, &file.contents).map_err(|e| io(&path, e))?;
                report.written.push(path);
            }
        }
    }
    if remove_stale {
        for path in stale_files(dir, generated)? {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
            report.removed.push(path);
        }
    }
    Ok(report)
}

/// Compares `dir` with what would be written; writes nothing.
pub fn check(dir: &Path, generated: &Generated) -> Result<Vec<Drift>, Error> {
    let mut drift = Vec::new();
    for file in &generated.files {
        let path = dir.join(&file.path);
        match std::fs::read(&path) {
            Ok(old) if old == file.contents.as_bytes() => {}
            Ok(old) => {
                let diff = unified_diff(&path, &String::from_utf8_lossy(&old), &file.contents);
                drift.push(Drift::Changed { path, diff });
            }
            Err(_) => drift.push(Drift::Missing(path)),
        }
    }
    drift.extend(stale_files(dir, generated)?.into_iter().map(Drift::Stale));
    Ok(drift)
}
