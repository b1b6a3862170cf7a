//! Rust values ⇄ DynamoDB attributes ⇄ JSON, in the storage format of Python dynamongo 0.1.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{DecodeError, Violation};
use crate::rules::{Path, Rules};

pub(crate) use crate::item::Item;

/// Binary data (`binary` fields; elements of `binary_set`).
///
/// ```
/// let b = dynamongo_runtime::field::Bytes::from(vec![1u8, 2, 3]);
/// assert_eq!(b.as_ref(), &[1, 2, 3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Bytes(v)
    }
}

impl From<&[u8]> for Bytes {
    fn from(v: &[u8]) -> Self {
        Bytes(v.to_vec())
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A type a model field can hold: how it is stored, read back, and shown as JSON.
///
/// Implemented for the spec's types (`i64`, `f64`, `bool`, `String`, [`Uuid`],
/// `DateTime<Utc>`, `NaiveDate`, `TimeDelta`, [`Bytes`], `Vec<T>`, `BTreeSet<_>`,
/// `BTreeMap<String, T>`) and by generated dicts and enums.
///
/// ```
/// use dynamongo_runtime::field::FieldValue;
/// use dynamongo_runtime::field::AttributeValue;
/// assert_eq!(42i64.to_attr(), AttributeValue::N("42".into()));
/// assert_eq!(i64::from_attr(&AttributeValue::N("42".into())).unwrap(), 42);
/// ```
pub trait FieldValue: Sized + Clone {
    /// The stored form.
    fn to_attr(&self) -> AttributeValue;
    /// The stored form, taking the value (a string moves rather than being copied).
    fn into_attr(self) -> AttributeValue {
        self.to_attr()
    }
    /// Read the stored form back; the error's path is filled in by the caller.
    fn from_attr(value: &AttributeValue) -> Result<Self, DecodeError>;
    /// The JSON form (the seed's `to_dict`).
    fn to_json(&self) -> Value;
    /// Read the JSON form, recording what is wrong at `path`.
    fn from_json(value: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self>;
    /// Whether this value is "absent" and so not written (an empty string or set), as dynamongo does.
    fn is_absent(&self) -> bool {
        false
    }
    /// A reason DynamoDB would refuse this value whatever the model says (NaN, too many digits).
    fn unsendable(&self) -> Option<String> {
        None
    }
    /// Checks the value against its field's rules (and what DynamoDB would refuse).
    #[doc(hidden)]
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        let _ = (rules, path, out);
    }
    /// As [`FieldValue::check`], for a value just read from JSON: what reading checked
    /// already (the fields of a dict) is not checked again.
    #[doc(hidden)]
    fn check_parsed(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        self.check(rules, path, out);
    }
    /// The value of an item without this attribute: an error, unless the type has an
    /// empty form (collections, dicts), which dynamongo always writes.
    #[doc(hidden)]
    fn absent() -> Result<Self, DecodeError> {
        Err(DecodeError::new(
            "a value (the field is required)",
            "no attribute",
        ))
    }
    /// The value of JSON input without this key: a violation unless the type has an empty form.
    #[doc(hidden)]
    fn json_absent(path: &str, out: &mut Vec<Violation>) -> Option<Self> {
        out.push(Violation::new(path, "is required"));
        None
    }
}

fn kind_of(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::L(_) => "L",
        AttributeValue::M(_) => "M",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "an unknown type",
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn wrong_json(path: &str, expected: &str, v: &Value, errors: &mut Vec<Violation>) {
    errors.push(Violation::new(
        path,
        format!("expected {expected}, found {}", json_kind(v)),
    ));
}

fn as_s<'a>(v: &'a AttributeValue, expected: &'static str) -> Result<&'a str, DecodeError> {
    match v {
        AttributeValue::S(s) => Ok(s),
        other => Err(DecodeError::new(expected, kind_of(other))),
    }
}

fn as_n<'a>(v: &'a AttributeValue, expected: &'static str) -> Result<&'a str, DecodeError> {
    match v {
        AttributeValue::N(s) => Ok(s),
        other => Err(DecodeError::new(expected, kind_of(other))),
    }
}

/// Digits DynamoDB keeps in a number.
const MAX_DIGITS: usize = 38;

/// Parses DynamoDB's number text as an integer. Accepts `5`, `5.0` and `5E+1`, as Python's
/// `int(Decimal(..))` does for whole values (boto3 hands dynamongo a `Decimal`).
fn parse_int(text: &str) -> Option<i64> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(i);
    }
    let f: f64 = text.parse().ok()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

impl FieldValue for i64 {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::N(itoa::Buffer::new().format(*self).to_owned())
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        let n = as_n(v, "N (integer)")?;
        parse_int(n).ok_or_else(|| DecodeError::new("N (integer)", format!("N {n}")))
    }
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::Number(n) => match n
                .as_i64()
                .or_else(|| n.as_f64().and_then(|f| parse_int(&f.to_string())))
            {
                Some(i) => Some(i),
                None => {
                    errors.push(Violation::new(
                        path,
                        format!("{n} is not a whole number in range"),
                    ));
                    None
                }
            },
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(i) => Some(i),
                Err(_) => {
                    errors.push(Violation::new(path, format!("`{s}` is not an integer")));
                    None
                }
            },
            other => {
                wrong_json(path, "an integer", other, errors);
                None
            }
        }
    }
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_int(*self, path, out);
    }
}

impl FieldValue for f64 {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::N(format_float(*self))
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        let n = as_n(v, "N (number)")?;
        n.parse::<f64>()
            .map_err(|_| DecodeError::new("N (number)", format!("N {n}")))
    }
    fn to_json(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(f) => Some(f),
                Err(_) => {
                    errors.push(Violation::new(path, format!("`{s}` is not a number")));
                    None
                }
            },
            other => {
                wrong_json(path, "a number", other, errors);
                None
            }
        }
    }
    fn unsendable(&self) -> Option<String> {
        if !self.is_finite() {
            return Some(format!(
                "{self} cannot be stored: DynamoDB numbers are finite"
            ));
        }
        let text = format_float(*self);
        let digits = significant_digits(&text);
        (digits > MAX_DIGITS)
            .then(|| format!("{text} has {digits} significant digits; DynamoDB keeps {MAX_DIGITS}"))
    }
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        if let Some(problem) = self.unsendable() {
            out.push(Violation::new(path.to_string(), problem));
        }
        rules.check_float(*self, path, out);
    }
}

/// Shortest text that reads back as the same `f64` (`1`, `0.1`, `1e300`).
fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        (f as i64).to_string()
    } else {
        format!("{f:?}")
    }
}

fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

impl FieldValue for bool {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::Bool(*self)
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        match v {
            AttributeValue::Bool(b) => Ok(*b),
            other => Err(DecodeError::new("BOOL", kind_of(other))),
        }
    }
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            other => {
                wrong_json(path, "a boolean", other, errors);
                None
            }
        }
    }
}

impl FieldValue for String {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::S(self.clone())
    }
    fn into_attr(self) -> AttributeValue {
        AttributeValue::S(self)
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        as_s(v, "S (string)").map(str::to_string)
    }
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                wrong_json(path, "a string", other, errors);
                None
            }
        }
    }
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_text(self, path, out);
    }
}

impl FieldValue for Uuid {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::S(self.hyphenated().to_string())
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        let s = as_s(v, "S (uuid)")?;
        Uuid::parse_str(s).map_err(|_| DecodeError::new("S (uuid)", format!("S `{s}`")))
    }
    fn to_json(&self) -> Value {
        Value::String(self.hyphenated().to_string())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::String(s) => match Uuid::parse_str(s) {
                Ok(u) => Some(u),
                Err(_) => {
                    errors.push(Violation::new(path, format!("`{s}` is not a valid UUID")));
                    None
                }
            },
            other => {
                wrong_json(path, "a UUID string", other, errors);
                None
            }
        }
    }
}

/// The datetime text dynamongo writes for an aware UTC value (fixed width, sorts in time order).
const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f%z";

/// Formats a datetime as stored: `2020-01-02T03:04:05.678901+0000`.
///
/// ```
/// use chrono::TimeZone;
/// let t = chrono::Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap();
/// assert_eq!(dynamongo_runtime::field::format_datetime(&t), "2020-01-02T03:04:05.000000+0000");
/// ```
pub fn format_datetime(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Read the fields once from the UTC date and time (each accessor of a `DateTime`
    // would convert again).
    let (date, time) = (t.date_naive(), t.time());
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return t.format(DATETIME_FORMAT).to_string();
    }
    // The fixed-width format, written digit by digit: several times faster than
    // chrono's format machinery, and this runs for every datetime of every item.
    let mut buf = *b"0000-00-00T00:00:00.000000+0000";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, date.month());
    put(8, 2, date.day());
    put(11, 2, time.hour());
    put(14, 2, time.minute());
    // A leap second (nanosecond >= 1e9) is kept in the fraction, as chrono prints it.
    put(17, 2, time.second());
    put(20, 6, (time.nanosecond() % 1_000_000_000) / 1_000);
    // ASCII digits and separators only: always valid UTF-8; one allocation.
    match std::str::from_utf8(&buf) {
        Ok(text) => text.to_owned(),
        Err(_) => t.format(DATETIME_FORMAT).to_string(),
    }
}

/// The stored form exactly (`2020-01-02T03:04:05.678901+0000`), parsed without chrono's
/// format machinery; anything else goes the general way.
fn parse_stored_datetime(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 31
        || &b[26..] != b"+0000"
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time = date.and_hms_micro_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 26)?)?;
    Some(time.and_utc())
}

/// Reads a stored datetime: with `+0000`, `±HH:MM`, `Z` or no offset (taken as UTC), and
/// 0–9 fraction digits.
///
/// ```
/// let t = dynamongo_runtime::field::parse_datetime("2020-01-02T03:04:05.5").unwrap();
/// assert_eq!(dynamongo_runtime::field::format_datetime(&t), "2020-01-02T03:04:05.500000+0000");
/// assert!(dynamongo_runtime::field::parse_datetime("2020-01-02T05:04:05+02:00").is_some());
/// assert!(dynamongo_runtime::field::parse_datetime("yesterday").is_none());
/// ```
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Some(t) = parse_stored_datetime(s) {
        return Some(t);
    }
    let s = s.trim();
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let naive = s.strip_suffix('Z').unwrap_or(s);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

impl FieldValue for DateTime<Utc> {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::S(format_datetime(self))
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        let s = as_s(v, "S (datetime)")?;
        parse_datetime(s).ok_or_else(|| DecodeError::new("S (datetime)", format!("S `{s}`")))
    }
    /// JSON output is RFC 3339 (`2026-11-26T12:21:52.599764Z`), what JSON APIs and
    /// their clients expect; the stored form stays dynamongo's (`+0000`). Both are read.
    fn to_json(&self) -> Value {
        Value::String(self.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::String(s) => parse_datetime(s).or_else(|| {
                errors.push(Violation::new(path, format!("`{s}` is not a datetime")));
                None
            }),
            other => {
                wrong_json(path, "a datetime string", other, errors);
                None
            }
        }
    }
}

/// The value of a TTL field (`"type": "ttl"`) as DynamoDB's Time to Live reads it: a
/// `DateTime<Utc>` stored as N, whole seconds since the epoch (the fraction of a second is
/// dropped). In JSON it is a datetime string like a `datetime` field's (a number of epoch
/// seconds is read too). A TTL field's handle takes it: `session::expires_at().lt(Utc::now())`.
///
/// ```
/// use dynamongo_runtime::field::{EpochSeconds, FieldValue};
/// use dynamongo_runtime::field::AttributeValue;
/// let t = dynamongo_runtime::chrono::DateTime::from_timestamp(1_700_000_000, 500_000_000).unwrap();
/// assert_eq!(EpochSeconds::from(t).to_attr(), AttributeValue::N("1700000000".into()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochSeconds(pub DateTime<Utc>);

impl From<DateTime<Utc>> for EpochSeconds {
    fn from(t: DateTime<Utc>) -> Self {
        EpochSeconds(t)
    }
}

impl FieldValue for EpochSeconds {
    fn to_attr(&self) -> AttributeValue {
        self.0.timestamp().to_attr()
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        let n = as_n(v, "N (epoch seconds)")?;
        let secs = parse_int(n).or_else(|| {
            // A fraction is allowed in the store; the whole seconds count.
            n.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.floor() as i64)
        });
        secs.and_then(|s| DateTime::from_timestamp(s, 0))
            .map(EpochSeconds)
            .ok_or_else(|| DecodeError::new("N (epoch seconds)", format!("N {n}")))
    }
    fn to_json(&self) -> Value {
        self.0.to_json()
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::Number(n) => match n.as_i64().and_then(|s| DateTime::from_timestamp(s, 0)) {
                Some(t) => Some(EpochSeconds(t)),
                None => {
                    errors.push(Violation::new(
                        path,
                        format!("{n} is not a time in whole epoch seconds"),
                    ));
                    None
                }
            },
            other => DateTime::<Utc>::from_json(other, path, errors).map(EpochSeconds),
        }
    }
}

/// How a TTL struct field (`DateTime<Utc>` or `Option<DateTime<Utc>>`) is held as
/// [`EpochSeconds`]; generated code converts through it.
#[doc(hidden)]
pub trait Expiring: Sized {
    /// `EpochSeconds` or `Option<EpochSeconds>`.
    type Stored;
    /// The stored form.
    fn stored(&self) -> Self::Stored;
    /// Back from the stored form.
    fn from_stored(stored: Self::Stored) -> Self;
}

impl Expiring for DateTime<Utc> {
    type Stored = EpochSeconds;
    fn stored(&self) -> EpochSeconds {
        EpochSeconds(*self)
    }
    fn from_stored(stored: EpochSeconds) -> Self {
        stored.0
    }
}

impl Expiring for Option<DateTime<Utc>> {
    type Stored = Option<EpochSeconds>;
    fn stored(&self) -> Option<EpochSeconds> {
        self.map(EpochSeconds)
    }
    fn from_stored(stored: Option<EpochSeconds>) -> Self {
        stored.map(|s| s.0)
    }
}

impl FieldValue for NaiveDate {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::S(self.format("%Y-%m-%d").to_string())
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        let s = as_s(v, "S (date)")?;
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| DecodeError::new("S (date)", format!("S `{s}`")))
    }
    fn to_json(&self) -> Value {
        Value::String(self.format("%Y-%m-%d").to_string())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| {
                errors.push(Violation::new(
                    path,
                    format!("`{s}` is not a date (YYYY-MM-DD)"),
                ));
                None
            }),
            other => {
                wrong_json(path, "a date string", other, errors);
                None
            }
        }
    }
}

/// Timedeltas are stored as whole seconds, dynamongo's default precision.
impl FieldValue for TimeDelta {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::N(self.num_seconds().to_string())
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        let n = as_n(v, "N (seconds)")?;
        let secs = n
            .parse::<f64>()
            .map_err(|_| DecodeError::new("N (seconds)", format!("N {n}")))?;
        TimeDelta::try_milliseconds((secs * 1000.0).round() as i64)
            .ok_or_else(|| DecodeError::new("N (seconds)", format!("N {n} (out of range)")))
    }
    fn to_json(&self) -> Value {
        Value::from(self.num_seconds())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        i64::from_json(v, path, errors).and_then(|s| {
            TimeDelta::try_seconds(s).or_else(|| {
                errors.push(Violation::new(path, format!("{s} seconds is out of range")));
                None
            })
        })
    }
}

impl FieldValue for Bytes {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::B(aws_smithy_types::Blob::new(self.0.clone()))
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        match v {
            AttributeValue::B(b) => Ok(Bytes(b.as_ref().to_vec())),
            other => Err(DecodeError::new("B (binary)", kind_of(other))),
        }
    }
    fn to_json(&self) -> Value {
        Value::Array(self.0.iter().map(|b| Value::from(*b)).collect())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        let bytes: Option<Vec<u8>> = v.as_array().and_then(|a| {
            a.iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect()
        });
        if bytes.is_none() {
            wrong_json(path, "an array of bytes (0-255)", v, errors);
        }
        bytes.map(Bytes)
    }
    fn is_absent(&self) -> bool {
        self.0.is_empty()
    }
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_required(self.0.is_empty(), path, out);
        rules.check_length(self.0.len(), path, out);
    }
}

impl<T: FieldValue> FieldValue for Vec<T> {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::L(self.iter().map(FieldValue::to_attr).collect())
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        match v {
            AttributeValue::L(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| T::from_attr(x).map_err(|e| e.at(&format!("[{i}]"))))
                .collect(),
            other => Err(DecodeError::new("L (list)", kind_of(other))),
        }
    }
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(FieldValue::to_json).collect())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::Array(items) => {
                let before = errors.len();
                let out: Vec<T> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, x)| T::from_json(x, &format!("{path}[{i}]"), errors))
                    .collect();
                (errors.len() == before).then_some(out)
            }
            other => {
                wrong_json(path, "an array", other, errors);
                None
            }
        }
    }
    fn unsendable(&self) -> Option<String> {
        self.iter().find_map(FieldValue::unsendable)
    }
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_length(self.len(), path, out);
        for (i, x) in self.iter().enumerate() {
            x.check(rules.item_rules(), &path.index(i), out);
        }
    }
    fn check_parsed(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_length(self.len(), path, out);
        for (i, x) in self.iter().enumerate() {
            x.check_parsed(rules.item_rules(), &path.index(i), out);
        }
    }
    fn absent() -> Result<Self, DecodeError> {
        Ok(Vec::new())
    }
    fn json_absent(_: &str, _: &mut Vec<Violation>) -> Option<Self> {
        Some(Vec::new())
    }
}

impl<T: FieldValue> FieldValue for BTreeMap<String, T> {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::M(self.iter().map(|(k, v)| (k.clone(), v.to_attr())).collect())
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        match v {
            AttributeValue::M(m) => m
                .iter()
                .map(|(k, x)| T::from_attr(x).map(|x| (k.clone(), x)).map_err(|e| e.at(k)))
                .collect(),
            other => Err(DecodeError::new("M (map)", kind_of(other))),
        }
    }
    fn to_json(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::Object(m) => {
                let before = errors.len();
                let out: BTreeMap<String, T> = m
                    .iter()
                    .filter_map(|(k, x)| {
                        T::from_json(x, &format!("{path}.{k}"), errors).map(|x| (k.clone(), x))
                    })
                    .collect();
                (errors.len() == before).then_some(out)
            }
            other => {
                wrong_json(path, "an object", other, errors);
                None
            }
        }
    }
    fn unsendable(&self) -> Option<String> {
        self.values().find_map(FieldValue::unsendable)
    }
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_length(self.len(), path, out);
        for (k, x) in self {
            x.check(rules.item_rules(), &path.field(k), out);
        }
    }
    fn check_parsed(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_length(self.len(), path, out);
        for (k, x) in self {
            x.check_parsed(rules.item_rules(), &path.field(k), out);
        }
    }
    fn absent() -> Result<Self, DecodeError> {
        Ok(BTreeMap::new())
    }
    fn json_absent(_: &str, _: &mut Vec<Violation>) -> Option<Self> {
        Some(BTreeMap::new())
    }
}

/// Element types of DynamoDB sets: `String` (SS), `i64` (NS), [`Bytes`] (BS).
pub trait SetElement: FieldValue + Ord {
    #[doc(hidden)]
    fn set_attr(items: &BTreeSet<Self>) -> AttributeValue;
    #[doc(hidden)]
    fn from_set(v: &AttributeValue) -> Result<BTreeSet<Self>, DecodeError>;
}

impl SetElement for String {
    fn set_attr(items: &BTreeSet<Self>) -> AttributeValue {
        AttributeValue::Ss(items.iter().cloned().collect())
    }
    fn from_set(v: &AttributeValue) -> Result<BTreeSet<Self>, DecodeError> {
        match v {
            AttributeValue::Ss(s) => Ok(s.iter().cloned().collect()),
            other => Err(DecodeError::new("SS (string set)", kind_of(other))),
        }
    }
}

impl SetElement for i64 {
    fn set_attr(items: &BTreeSet<Self>) -> AttributeValue {
        AttributeValue::Ns(items.iter().map(i64::to_string).collect())
    }
    fn from_set(v: &AttributeValue) -> Result<BTreeSet<Self>, DecodeError> {
        match v {
            AttributeValue::Ns(s) => s
                .iter()
                .map(|n| {
                    parse_int(n)
                        .ok_or_else(|| DecodeError::new("NS of integers", format!("NS with {n}")))
                })
                .collect(),
            other => Err(DecodeError::new("NS (number set)", kind_of(other))),
        }
    }
}

impl SetElement for Bytes {
    fn set_attr(items: &BTreeSet<Self>) -> AttributeValue {
        AttributeValue::Bs(
            items
                .iter()
                .map(|b| aws_smithy_types::Blob::new(b.0.clone()))
                .collect(),
        )
    }
    fn from_set(v: &AttributeValue) -> Result<BTreeSet<Self>, DecodeError> {
        match v {
            AttributeValue::Bs(s) => Ok(s.iter().map(|b| Bytes(b.as_ref().to_vec())).collect()),
            other => Err(DecodeError::new("BS (binary set)", kind_of(other))),
        }
    }
}

impl<T: SetElement> FieldValue for BTreeSet<T> {
    fn to_attr(&self) -> AttributeValue {
        T::set_attr(self)
    }
    fn from_attr(v: &AttributeValue) -> Result<Self, DecodeError> {
        T::from_set(v)
    }
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(FieldValue::to_json).collect())
    }
    fn from_json(v: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        Vec::<T>::from_json(v, path, errors).map(|v| v.into_iter().collect())
    }
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
    fn check(&self, rules: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        rules.check_length(self.len(), path, out);
    }
    fn absent() -> Result<Self, DecodeError> {
        Ok(BTreeSet::new())
    }
    fn json_absent(_: &str, _: &mut Vec<Violation>) -> Option<Self> {
        Some(BTreeSet::new())
    }
}

/// An attribute's type letter (`S`, `N`, `M`, ...), for messages.
pub(crate) fn attr_kind(v: &AttributeValue) -> &'static str {
    kind_of(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fast_datetime_format_matches_chrono() {
        for (secs, nanos) in [
            (0, 0),
            (1_577_934_245, 678_901_234),
            (253_402_300_799, 999_999_999),
            (-1, 5_000),
        ] {
            let t = Utc.timestamp_opt(secs, nanos).unwrap();
            let fast = format_datetime(&t);
            assert_eq!(fast, t.format(DATETIME_FORMAT).to_string());
            let back = parse_datetime(&fast).unwrap();
            assert_eq!(back.timestamp(), secs);
            assert_eq!(back.timestamp_subsec_micros(), nanos / 1000);
        }
        assert!(parse_stored_datetime("2020-13-02T03:04:05.678901+0000").is_none());
        assert!(parse_stored_datetime("2020-01-02T03:04:05.67890x+0000").is_none());
        assert!(parse_datetime("2020-01-02T03:04:05.678901+0100").is_some());
    }

    #[test]
    fn floats_are_written_as_before_and_read_back_exactly() {
        for f in [
            0.0,
            -0.0,
            1.25,
            -7.5,
            0.1 + 0.2,
            1e15,
            1e16,
            123_456_789.123_456_78,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            -1.7976931348623157e308,
            f64::NAN,
            f64::INFINITY,
        ] {
            let expected = if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", f as i64)
            } else {
                format!("{f:?}")
            };
            let text = format_float(f);
            assert_eq!(text, expected);
            if f.is_finite() {
                assert_eq!(text.parse::<f64>().unwrap(), f);
            }
        }
    }
}
