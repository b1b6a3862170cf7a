//! The value rules of a spec (`min_value`, `max_length`, `regex`, `choices`, formats,
//! "required"), as constant data that generated code declares once per field, and the
//! paths that violations are reported at.

use std::collections::HashMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use crate::error::Violation;

/// Where a value sits in a model (`address.city`, `pets[2].name`); built on the stack as
/// validation descends, and turned into text only when a rule is broken.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// The model itself.
    Root,
    /// A named attribute under a parent.
    Field(&'a Path<'a>, &'a str),
    /// An element of a list.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of attribute `name` under this one.
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }
    /// The path of element `i` under this one.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Field(Path::Root, name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Text formats checked on string fields.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Any text.
    Any,
    /// `email`.
    Email,
    /// `url`.
    Url,
    /// `ip_address`.
    IpAddress,
}

/// `choices` of a text or number field.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Choices {
    /// No restriction.
    Any,
    /// One of these texts.
    Text(&'static [&'static str]),
    /// One of these integers.
    Int(&'static [i64]),
    /// One of these numbers.
    Float(&'static [f64]),
}

/// One field of a generated struct: its attribute name, stated once, and its rules.
/// Generated code declares one constant per field and refers to it everywhere else:
/// `const YEAR_OF_BIRTH: dm::Attr = dm::Attr::new("year_of_birth").rules(dm::Rules::new().min(1900.0));`
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attr {
    /// The DynamoDB attribute name.
    pub name: &'static str,
    /// The rules of its values.
    pub rules: Rules,
    /// The attribute items were stored under before the field was renamed (the spec's
    /// `renamed_from`): read when `name` is absent.
    pub old: Option<&'static str>,
}

impl Attr {
    /// An attribute with no rules.
    pub const fn new(name: &'static str) -> Self {
        Attr {
            name,
            rules: Rules::NONE,
            old: None,
        }
    }

    /// The same attribute, read from `old` in items stored before a rename.
    pub const fn renamed_from(mut self, old: &'static str) -> Self {
        self.old = Some(old);
        self
    }

    /// The same attribute with `rules`.
    pub const fn rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }
}

/// The rules of one field, from its spec (the `rules` of its [`Attr`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    required: bool,
    min_value: Option<f64>,
    max_value: Option<f64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    regex: Option<&'static str>,
    choices: Choices,
    format: Format,
    items: Option<&'static Rules>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules::NONE
    }
}

impl Rules {
    /// No rules.
    pub const NONE: Rules = Rules::new();

    /// No rules; add them with the other methods.
    pub const fn new() -> Self {
        Rules {
            required: false,
            min_value: None,
            max_value: None,
            min_length: None,
            max_length: None,
            regex: None,
            choices: Choices::Any,
            format: Format::Any,
            items: None,
        }
    }
    /// A required text or binary value may not be empty (dynamongo treats `""` as missing).
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// `min_value`.
    pub const fn min(mut self, v: f64) -> Self {
        self.min_value = Some(v);
        self
    }
    /// `max_value`.
    pub const fn max(mut self, v: f64) -> Self {
        self.max_value = Some(v);
        self
    }
    /// `min_length` (characters of text, elements of collections, bytes of binary).
    pub const fn min_length(mut self, n: u64) -> Self {
        self.min_length = Some(n);
        self
    }
    /// `max_length`.
    pub const fn max_length(mut self, n: u64) -> Self {
        self.max_length = Some(n);
        self
    }
    /// `regex`: the text must match from its start (as schematics' `re.match`).
    pub const fn regex(mut self, pattern: &'static str) -> Self {
        self.regex = Some(pattern);
        self
    }
    /// `choices` of a text field.
    pub const fn one_of(mut self, choices: &'static [&'static str]) -> Self {
        self.choices = Choices::Text(choices);
        self
    }
    /// `choices` of an int field.
    pub const fn one_of_int(mut self, choices: &'static [i64]) -> Self {
        self.choices = Choices::Int(choices);
        self
    }
    /// `choices` of a float field.
    pub const fn one_of_float(mut self, choices: &'static [f64]) -> Self {
        self.choices = Choices::Float(choices);
        self
    }
    /// The `email` format.
    pub const fn email(mut self) -> Self {
        self.format = Format::Email;
        self
    }
    /// The `url` format.
    pub const fn url(mut self) -> Self {
        self.format = Format::Url;
        self
    }
    /// The `ip_address` format.
    pub const fn ip_address(mut self) -> Self {
        self.format = Format::IpAddress;
        self
    }
    /// The rules of each element (lists) or value (maps).
    pub const fn items(mut self, rules: &'static Rules) -> Self {
        self.items = Some(rules);
        self
    }

    /// The rules of elements, or none.
    pub(crate) fn item_rules(&self) -> &'static Rules {
        self.items.unwrap_or(&Rules::NONE)
    }

    pub(crate) fn check_number(&self, v: f64, path: &Path<'_>, out: &mut Vec<Violation>) {
        if let Some(min) = self.min_value {
            if v < min {
                out.push(Violation::new(
                    path.to_string(),
                    format!("must be at least {min}"),
                ));
            }
        }
        if let Some(max) = self.max_value {
            if v > max {
                out.push(Violation::new(
                    path.to_string(),
                    format!("must be at most {max}"),
                ));
            }
        }
    }

    pub(crate) fn check_int(&self, v: i64, path: &Path<'_>, out: &mut Vec<Violation>) {
        self.check_number(v as f64, path, out);
        if let Choices::Int(allowed) = self.choices {
            if !allowed.contains(&v) {
                out.push(one_of(path, allowed));
            }
        }
    }

    pub(crate) fn check_float(&self, v: f64, path: &Path<'_>, out: &mut Vec<Violation>) {
        self.check_number(v, path, out);
        if let Choices::Float(allowed) = self.choices {
            if !allowed.contains(&v) {
                out.push(one_of(path, allowed));
            }
        }
    }

    pub(crate) fn check_length(&self, len: usize, path: &Path<'_>, out: &mut Vec<Violation>) {
        let len = len as u64;
        if let Some(min) = self.min_length {
            if len < min {
                out.push(Violation::new(
                    path.to_string(),
                    format!("length {len} is below min_length {min}"),
                ));
            }
        }
        if let Some(max) = self.max_length {
            if len > max {
                out.push(Violation::new(
                    path.to_string(),
                    format!("length {len} is above max_length {max}"),
                ));
            }
        }
    }

    pub(crate) fn check_required(&self, empty: bool, path: &Path<'_>, out: &mut Vec<Violation>) {
        if self.required && empty {
            out.push(Violation::new(
                path.to_string(),
                "is required and may not be empty",
            ));
        }
    }

    pub(crate) fn check_text(&self, v: &str, path: &Path<'_>, out: &mut Vec<Violation>) {
        self.check_required(v.is_empty(), path, out);
        if self.min_length.is_some() || self.max_length.is_some() {
            self.check_length(v.chars().count(), path, out);
        }
        if let Some(pattern) = self.regex {
            if !matches_at_start(pattern, v) {
                out.push(Violation::new(
                    path.to_string(),
                    format!("does not match the pattern `{pattern}`"),
                ));
            }
        }
        if let Choices::Text(allowed) = self.choices {
            if !allowed.contains(&v) {
                out.push(one_of(path, allowed));
            }
        }
        if v.is_empty() {
            return;
        }
        let problem = match self.format {
            Format::Any => return,
            Format::Email if is_email(v) => return,
            Format::Url if is_url(v) => return,
            Format::IpAddress if v.parse::<std::net::IpAddr>().is_ok() => return,
            Format::Email => "email address",
            Format::Url => "URL",
            Format::IpAddress => "IP address",
        };
        out.push(Violation::new(
            path.to_string(),
            format!("`{v}` is not a valid {problem}"),
        ));
    }
}

fn one_of<T: fmt::Debug>(path: &Path<'_>, allowed: &[T]) -> Violation {
    Violation::new(path.to_string(), format!("must be one of {allowed:?}"))
}

/// Regexes of the specs, compiled once each. The generator has already checked that every
/// pattern compiles; one that does not matches nothing.
fn matches_at_start(pattern: &'static str, v: &str) -> bool {
    type Cache = HashMap<&'static str, Option<regex::Regex>>;
    static CACHE: RwLock<Option<Cache>> = RwLock::new(None);
    let found = |cache: &Cache| {
        cache.get(pattern).map(|re| {
            re.as_ref()
                .and_then(|re| re.find(v))
                .is_some_and(|m| m.start() == 0)
        })
    };
    let read = CACHE.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(hit) = read.as_ref().and_then(found) {
        return hit;
    }
    drop(read);
    let mut write = CACHE.write().unwrap_or_else(PoisonError::into_inner);
    let cache = write.get_or_insert_with(HashMap::new);
    cache
        .entry(pattern)
        .or_insert_with(|| regex::Regex::new(pattern).ok());
    found(cache).unwrap_or(false)
}

/// `email`: local@domain with a dot in the domain and no spaces.
fn is_email(v: &str) -> bool {
    match v.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !v.chars().any(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    }
}

/// `url`: scheme://host with an http(s) or ftp scheme and a host.
fn is_url(v: &str) -> bool {
    v.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(
            scheme.to_ascii_lowercase().as_str(),
            "http" | "https" | "ftp" | "ftps"
        ) && !rest.is_empty()
            && !rest.starts_with('/')
            && !v.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rules: Rules, v: &str) -> Vec<String> {
        let mut out = Vec::new();
        rules.check_text(v, &Path::Root.field("f"), &mut out);
        out.into_iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn paths_render_as_in_messages() {
        let root = Path::Root;
        let pets = root.field("pets");
        let second = pets.index(2);
        assert_eq!(second.field("name").to_string(), "pets[2].name");
        assert_eq!(Path::Root.to_string(), "");
    }

    #[test]
    fn text_rules() {
        assert_eq!(
            text(Rules::new().required(), ""),
            ["f: is required and may not be empty"]
        );
        assert!(text(Rules::new().email(), "").is_empty());
        assert_eq!(
            text(Rules::new().email(), "a@b"),
            ["f: `a@b` is not a valid email address"]
        );
        assert!(text(Rules::new().url(), "https://x.io/a").is_empty());
        assert_eq!(
            text(Rules::new().regex("[A-Z]"), "aB"),
            ["f: does not match the pattern `[A-Z]`"]
        );
        assert!(text(Rules::new().regex("[A-Z]"), "Ab").is_empty());
        assert_eq!(
            text(Rules::new().one_of(&["S", "M"]), "L"),
            [r#"f: must be one of ["S", "M"]"#]
        );
        assert_eq!(
            text(Rules::new().max_length(2), "ключ"),
            ["f: length 4 is above max_length 2"]
        );
        assert!(text(Rules::new().ip_address(), "::1").is_empty());
    }

    #[test]
    fn number_rules() {
        let mut out = Vec::new();
        let r = Rules::new().min(1900.0).max(2018.0);
        r.check_int(1800, &Path::Root.field("y"), &mut out);
        r.check_int(2000, &Path::Root.field("y"), &mut out);
        Rules::new()
            .one_of_int(&[1, 2])
            .check_int(3, &Path::Root.field("n"), &mut out);
        let texts: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            ["y: must be at least 1900", "n: must be one of [1, 2]"]
        );
    }
}
