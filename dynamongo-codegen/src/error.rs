//! Errors of a generator run. Spec errors are collected, never thrown one at a time.

use std::fmt;

/// One thing wrong with one spec file, located by a JSON pointer
/// (or by line and column when the file is not JSON at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file as shown to the user (`spec/users.json`).
    pub file: String,
    /// JSON pointer into the file (`/fields/email/type`); empty for the whole document.
    pub pointer: String,
    /// Line and column, for JSON syntax errors.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl SpecError {
    pub(crate) fn at(file: &str, pointer: &str, message: impl Into<String>) -> Self {
        SpecError {
            file: file.to_string(),
            pointer: pointer.to_string(),
            position: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None if self.pointer.is_empty() => write!(f, "{}: /: {}", self.file, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.pointer, self.message),
        }
    }
}

/// The error of [`crate::generate`] and [`crate::Builder::generate`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Every spec error found in the run (nothing was written).
    #[error("{}", render_spec_errors(.0))]
    Spec(Vec<SpecError>),
    /// Reading the spec directory or writing output failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Misuse of the API (for example no spec directory set).
    #[error("{0}")]
    Usage(String),
}

fn render_spec_errors(errors: &[SpecError]) -> String {
    let mut out = format!(
        "{} error{} in model specs:",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors {
        out.push_str("\n  ");
        out.push_str(&e.to_string());
    }
    out
}

/// Escapes one JSON pointer segment (RFC 6901).
pub(crate) fn pointer_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
