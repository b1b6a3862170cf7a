//! Helpers that generated code calls. Stable for `dynamongo-codegen`'s output; not meant
//! to be called by hand (use [`crate::Model`]'s methods instead).
//!
//! ```
//! use dynamongo_runtime::codegen;
//! let mut out = Vec::new();
//! codegen::min_value(&1800i64, 1900.0, "year_of_birth", &mut out);
//! assert_eq!(out[0].to_string(), "year_of_birth: must be at least 1900");
//! ```

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use crate::error::{DecodeError, Violation};
use crate::model::Document;
use crate::value::{attr_kind, wrong_json, FieldValue, Item};

pub use regex::Regex;
pub use std::sync::LazyLock;

/// `prefix.name`, or `name` at the top level.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

// ----- items -----

/// Writes `value` under `attribute` unless it is absent (an empty string or set).
pub fn put<T: FieldValue>(item: &mut Item, attribute: &str, value: &T) {
    if !value.is_absent() {
        item.insert(attribute.to_string(), value.to_attr());
    }
}

/// Writes a key attribute (always, so an empty key value is caught before sending).
pub fn put_key<T: FieldValue>(item: &mut Item, attribute: &str, value: &T) {
    item.insert(attribute.to_string(), value.to_attr());
}

/// Reads a required attribute.
pub fn get<T: FieldValue>(item: &Item, attribute: &str) -> Result<T, DecodeError> {
    match item.get(attribute) {
        Some(v) => T::from_attr(v).map_err(|e| e.at(attribute)),
        None => {
            Err(DecodeError::new("a value (the field is required)", "no attribute").at(attribute))
        }
    }
}

/// Reads an optional attribute (absent or NULL is `None`).
pub fn get_opt<T: FieldValue>(item: &Item, attribute: &str) -> Result<Option<T>, DecodeError> {
    match item.get(attribute) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(v) => T::from_attr(v).map(Some).map_err(|e| e.at(attribute)),
    }
}

/// Reads a collection attribute; absent is empty (dynamongo always writes lists and dicts).
pub fn get_or_default<T: FieldValue + Default>(
    item: &Item,
    attribute: &str,
) -> Result<T, DecodeError> {
    Ok(get_opt(item, attribute)?.unwrap_or_default())
}

/// Reads a dict attribute; absent is decoded from an empty map.
pub fn get_dict<D: Document>(item: &Item, attribute: &str) -> Result<D, DecodeError> {
    match item.get(attribute) {
        None | Some(AttributeValue::Null(_)) => {
            D::from_item(&Item::new()).map_err(|e| e.at(attribute))
        }
        Some(v) => dict_from_attr(v).map_err(|e| e.at(attribute)),
    }
}

/// A dict as a DynamoDB map.
pub fn dict_to_attr<D: Document>(d: &D) -> AttributeValue {
    AttributeValue::M(d.to_item())
}

/// A DynamoDB map as a dict.
pub fn dict_from_attr<D: Document>(v: &AttributeValue) -> Result<D, DecodeError> {
    match v {
        AttributeValue::M(m) => D::from_item(m),
        other => Err(DecodeError::new("M (map)", attr_kind(other))),
    }
}

/// A generated enum as a string attribute.
pub fn enum_from_attr<E>(
    v: &AttributeValue,
    name: &str,
    parse: fn(&str) -> Option<E>,
) -> Result<E, DecodeError> {
    match v {
        AttributeValue::S(s) => parse(s).ok_or_else(|| {
            DecodeError::new(format!("one of the values of {name}"), format!("S `{s}`"))
        }),
        other => Err(DecodeError::new("S (enum)", attr_kind(other))),
    }
}

/// A generated enum from JSON.
pub fn enum_from_json<E>(
    v: &Value,
    path: &str,
    out: &mut Vec<Violation>,
    parse: fn(&str) -> Option<E>,
    allowed: &[&str],
) -> Option<E> {
    match v {
        Value::String(s) => parse(s).or_else(|| {
            out.push(Violation::new(
                path,
                format!("`{s}` is not one of {}", allowed.join(", ")),
            ));
            None
        }),
        other => {
            wrong_json(path, "a string", other, out);
            None
        }
    }
}

// ----- JSON -----

/// The object at `prefix`, reporting any key that is not one of `known`.
pub fn json_object<'v>(
    value: &'v Value,
    prefix: &str,
    known: &[&str],
    out: &mut Vec<Violation>,
) -> Option<&'v Map<String, Value>> {
    match value {
        Value::Object(obj) => {
            for key in obj.keys() {
                if !known.contains(&key.as_str()) {
                    out.push(Violation::new(
                        join(prefix, key),
                        "is not a field of this model",
                    ));
                }
            }
            Some(obj)
        }
        other => {
            wrong_json(prefix, "an object", other, out);
            None
        }
    }
}

/// The value of `key`: `None` when absent, null or an empty string (dynamongo's "empty").
pub fn json_field<T: FieldValue>(
    obj: &Map<String, Value>,
    key: &str,
    prefix: &str,
    out: &mut Vec<Violation>,
) -> Option<T> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => T::from_json(v, &join(prefix, key), out),
    }
}

/// A dict field from JSON; absent or null is read as `{}` (so its defaults apply).
pub fn json_dict<D: Document>(
    obj: &Map<String, Value>,
    key: &str,
    prefix: &str,
    out: &mut Vec<Violation>,
) -> Option<D> {
    let empty = Value::Object(Map::new());
    let v = match obj.get(key) {
        None | Some(Value::Null) => &empty,
        Some(v) => v,
    };
    D::from_json_value(v, &join(prefix, key), out)
}

/// Whether a JSON value counts as empty (null or `""`), like dynamongo's `is_empty`.
pub fn is_empty_json(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::String(s) if s.is_empty())
}

/// Records a violation.
pub fn violation(path: &str, message: &str, out: &mut Vec<Violation>) {
    out.push(Violation::new(path, message));
}

/// Records a missing required value.
pub fn require<T>(
    value: Option<T>,
    key: &str,
    prefix: &str,
    out: &mut Vec<Violation>,
) -> Option<T> {
    if value.is_none() && !out.iter().any(|v| v.path == join(prefix, key)) {
        out.push(Violation::new(join(prefix, key), "is required"));
    }
    value
}

/// An optional value as JSON (null when absent).
pub fn opt_json<T: FieldValue>(v: &Option<T>) -> Value {
    v.as_ref().map_or(Value::Null, FieldValue::to_json)
}

// ----- rules -----

/// A required text must not be empty (dynamongo treats `""` as missing).
pub fn not_empty<T: FieldValue>(v: &T, path: &str, out: &mut Vec<Violation>) {
    if v.is_absent() {
        out.push(Violation::new(path, "is required and may not be empty"));
    }
}

/// Values DynamoDB would refuse (NaN, infinities, more than 38 digits).
pub fn sendable<T: FieldValue>(v: &T, path: &str, out: &mut Vec<Violation>) {
    if let Some(p) = v.unsendable() {
        out.push(Violation::new(path, p));
    }
}

/// Numbers that can be compared with a spec bound.
pub trait AsF64: Copy {
    /// The value as `f64`.
    fn as_f64(self) -> f64;
}
impl AsF64 for i64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
}
impl AsF64 for f64 {
    fn as_f64(self) -> f64 {
        self
    }
}

/// `min_value`.
pub fn min_value<T: AsF64 + std::fmt::Display>(
    v: &T,
    min: f64,
    path: &str,
    out: &mut Vec<Violation>,
) {
    if v.as_f64() < min {
        out.push(Violation::new(path, format!("must be at least {min}")));
    }
}

/// `max_value`.
pub fn max_value<T: AsF64 + std::fmt::Display>(
    v: &T,
    max: f64,
    path: &str,
    out: &mut Vec<Violation>,
) {
    if v.as_f64() > max {
        out.push(Violation::new(path, format!("must be at most {max}")));
    }
}

/// `min_length` / `max_length` (characters for text, elements for collections, bytes for binary).
pub fn length(
    len: usize,
    min: Option<u64>,
    max: Option<u64>,
    path: &str,
    out: &mut Vec<Violation>,
) {
    let len = len as u64;
    if let Some(min) = min {
        if len < min {
            out.push(Violation::new(
                path,
                format!("length {len} is below min_length {min}"),
            ));
        }
    }
    if let Some(max) = max {
        if len > max {
            out.push(Violation::new(
                path,
                format!("length {len} is above max_length {max}"),
            ));
        }
    }
}

/// `regex` (must match somewhere in the text, as schematics' `re.match` anchors at the start).
pub fn regex(v: &str, re: &Regex, source: &str, path: &str, out: &mut Vec<Violation>) {
    let anchored = re.find(v).is_some_and(|m| m.start() == 0);
    if !anchored {
        out.push(Violation::new(
            path,
            format!("does not match the pattern `{source}`"),
        ));
    }
}

/// `choices`.
pub fn choices<T: PartialEq + std::fmt::Debug>(
    v: &T,
    allowed: &[T],
    path: &str,
    out: &mut Vec<Violation>,
) {
    if !allowed.contains(v) {
        out.push(Violation::new(path, format!("must be one of {allowed:?}")));
    }
}

/// `email`: local@domain with a dot in the domain and no spaces.
pub fn email(v: &str, path: &str, out: &mut Vec<Violation>) {
    let ok = match v.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !v.chars().any(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    };
    if !ok && !v.is_empty() {
        out.push(Violation::new(
            path,
            format!("`{v}` is not a valid email address"),
        ));
    }
}

/// `url`: scheme://host with an http(s) or ftp scheme and a host.
pub fn url(v: &str, path: &str, out: &mut Vec<Violation>) {
    let ok = v.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(
            scheme.to_ascii_lowercase().as_str(),
            "http" | "https" | "ftp" | "ftps"
        ) && !rest.is_empty()
            && !rest.starts_with('/')
            && !v.chars().any(char::is_whitespace)
    });
    if !ok && !v.is_empty() {
        out.push(Violation::new(path, format!("`{v}` is not a valid URL")));
    }
}

/// `ip_address`: IPv4 or IPv6.
pub fn ip_address(v: &str, path: &str, out: &mut Vec<Violation>) {
    if !v.is_empty() && v.parse::<std::net::IpAddr>().is_err() {
        out.push(Violation::new(
            path,
            format!("`{v}` is not a valid IP address"),
        ));
    }
}

// ----- defaults -----

/// The `"now"` default, at the microsecond precision datetimes are stored with.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let t = chrono::Utc::now();
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The `"today"` default.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The `"uuid4"` default.
pub fn uuid4() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

/// A datetime constant from the spec.
pub fn datetime(secs: i64, nanos: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, nanos).unwrap_or_default()
}

/// A date constant from the spec.
pub fn date(year: i32, month: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

/// A timedelta constant from the spec.
pub fn seconds(secs: i64) -> chrono::TimeDelta {
    chrono::TimeDelta::try_seconds(secs).unwrap_or_default()
}

/// A map constant from the spec.
pub fn map<T, const N: usize>(entries: [(&str, T); N]) -> BTreeMap<String, T> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// `value`, or what `make` gives when it is `None` (for defaults of optional fields).
pub fn or_else<T>(value: Option<T>, make: impl FnOnce() -> Option<T>) -> Option<T> {
    match value {
        Some(v) => Some(v),
        None => make(),
    }
}

/// `value`, or what `make` gives when it is `None` (for defaults of other fields).
pub fn unwrap_or_else<T>(value: Option<T>, make: impl FnOnce() -> T) -> T {
    match value {
        Some(v) => v,
        None => make(),
    }
}
