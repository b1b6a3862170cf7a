//! What generated code calls: one small typed helper per concern, so that a field costs
//! one line in each generated impl. Stable for `dynamongo-codegen`'s output; not part of
//! the documented API (use [`Model`](crate::Model)'s methods instead).
//!
//! Generated modules import this module as `dm` (`use ::dynamongo_runtime::codegen as dm;`),
//! so every runtime item they use is reached through one absolute path.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue as Attr;
use serde_json::{Map, Value};

use crate::expr::Action;
use crate::field::Presence;
use crate::value::wrong_json;

pub use crate::error::{DecodeError, Error, Violation};
pub use crate::expr::Update;
pub use crate::field::{Field, Optional, Required};
pub use crate::model::{
    Document, KeyAttr, Model, ModelKey, ScalarType, Strategy, Target, Throughput,
};
pub use crate::rules::{Path, Rules};
pub use crate::value::{Bytes, FieldValue, Item};
pub use aws_sdk_dynamodb::types::AttributeValue;
pub use chrono;
pub use serde_json;
pub use uuid;

/// How a struct field holds its value: `T` (always there) or `Option<T>`.
pub trait Slot: Sized {
    /// The value type.
    type Value: FieldValue;
    /// The value, unless it is an absent optional.
    fn value(&self) -> Option<&Self::Value>;
    /// A present value.
    fn wrap(value: Self::Value) -> Self;
    /// What an item without the attribute holds (an error for required scalars).
    fn absent() -> Result<Self, DecodeError>;
    /// What JSON input without the key holds (a violation for required scalars).
    fn json_absent(path: &str, out: &mut Vec<Violation>) -> Option<Self>;
}

impl<T: FieldValue> Slot for T {
    type Value = T;
    fn value(&self) -> Option<&T> {
        Some(self)
    }
    fn wrap(value: T) -> Self {
        value
    }
    fn absent() -> Result<Self, DecodeError> {
        T::absent()
    }
    fn json_absent(path: &str, out: &mut Vec<Violation>) -> Option<Self> {
        T::json_absent(path, out)
    }
}

impl<T: FieldValue> Slot for Option<T> {
    type Value = T;
    fn value(&self) -> Option<&T> {
        self.as_ref()
    }
    fn wrap(value: T) -> Self {
        Some(value)
    }
    fn absent() -> Result<Self, DecodeError> {
        Ok(None)
    }
    fn json_absent(_: &str, _: &mut Vec<Violation>) -> Option<Self> {
        Some(None)
    }
}

/// Walks the fields of a struct (`Document::visit`): writing an item, writing JSON, or
/// checking the rules, with one generated line per field.
pub trait Visitor {
    /// One field: its attribute name, value and rules.
    fn field<T: Slot>(&mut self, attribute: &str, value: &T, rules: &Rules);
}

pub(crate) struct ItemWriter(pub(crate) Item);

impl Visitor for ItemWriter {
    fn field<T: Slot>(&mut self, attribute: &str, value: &T, _: &Rules) {
        if let Some(v) = value.value() {
            // An empty string or set is not written, as dynamongo does.
            if !v.is_absent() {
                self.0.insert(attribute.to_string(), v.to_attr());
            }
        }
    }
}

pub(crate) struct JsonWriter(pub(crate) Map<String, Value>);

impl Visitor for JsonWriter {
    fn field<T: Slot>(&mut self, attribute: &str, value: &T, _: &Rules) {
        let json = value.value().map_or(Value::Null, FieldValue::to_json);
        self.0.insert(attribute.to_string(), json);
    }
}

pub(crate) struct Checker<'a, 'p> {
    pub(crate) path: &'a Path<'p>,
    pub(crate) out: &'a mut Vec<Violation>,
}

impl Visitor for Checker<'_, '_> {
    fn field<T: Slot>(&mut self, attribute: &str, value: &T, rules: &Rules) {
        if let Some(v) = value.value() {
            v.check(rules, &self.path.field(attribute), self.out);
        }
    }
}

/// Reads an attribute of an item (or of a dict's map) into a struct field.
pub fn get<T: Slot>(item: &Item, attribute: &str) -> Result<T, DecodeError> {
    match item.get(attribute) {
        None | Some(Attr::Null(_)) => T::absent().map_err(|e| e.at(attribute)),
        Some(v) => T::Value::from_attr(v)
            .map(T::wrap)
            .map_err(|e| e.at(attribute)),
    }
}

/// One attribute of a key item.
pub fn attr<T: FieldValue>(attribute: &str, value: &T) -> (String, Attr) {
    (attribute.to_string(), value.to_attr())
}

/// `prefix.name`, or `name` at the top level.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Whether a JSON value counts as empty (null or `""`), like dynamongo's `is_empty`.
fn is_empty_json(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::String(s) if s.is_empty())
}

/// Reads the fields of a JSON object (`Document::read_json`). Every problem is recorded,
/// whatever else is wrong: a field's rules are checked as soon as it is read.
pub struct JsonReader<'a> {
    pub(crate) obj: &'a Map<String, Value>,
    pub(crate) prefix: &'a str,
    pub(crate) out: &'a mut Vec<Violation>,
    pub(crate) seen: Vec<&'static str>,
}

impl JsonReader<'_> {
    /// A field; absent, null or `""` is `None` for an optional field, empty for a
    /// collection, a dict's defaults for a dict, and a violation for anything else.
    pub fn field<T: Slot>(&mut self, attribute: &'static str, rules: &Rules) -> Option<T> {
        self.read(attribute, rules, T::json_absent)
    }

    /// A field with a default, used when it is absent.
    pub fn or<T: Slot>(
        &mut self,
        attribute: &'static str,
        rules: &Rules,
        default: impl FnOnce() -> T::Value,
    ) -> Option<T> {
        self.read(attribute, rules, |_, _| Some(T::wrap(default())))
    }

    fn read<T: Slot>(
        &mut self,
        attribute: &'static str,
        rules: &Rules,
        absent: impl FnOnce(&str, &mut Vec<Violation>) -> Option<T>,
    ) -> Option<T> {
        self.seen.push(attribute);
        let path = join(self.prefix, attribute);
        match self.obj.get(attribute) {
            Some(v) if !is_empty_json(v) => {
                let value = T::Value::from_json(v, &path, self.out)?;
                value.check_parsed(rules, &Path::Root.field(&path), self.out);
                Some(T::wrap(value))
            }
            _ => absent(&path, self.out),
        }
    }
}

/// Reads the JSON object of `update_from_json` (`Model::json_updates`): the key, and one
/// update per other attribute present.
pub struct JsonUpdates<'a, M> {
    obj: Option<&'a Map<String, Value>>,
    out: Vec<Violation>,
    key: Item,
    updates: Vec<Update<M>>,
    seen: Vec<String>,
}

impl<'a, M: Model> JsonUpdates<'a, M> {
    pub(crate) fn new(value: &'a Value) -> Self {
        let mut out = Vec::new();
        let obj = match value {
            Value::Object(obj) => Some(obj),
            other => {
                wrong_json("", "an object", other, &mut out);
                None
            }
        };
        JsonUpdates {
            obj,
            out,
            key: Item::new(),
            updates: Vec::new(),
            seen: Vec::new(),
        }
    }

    fn value<T, P>(&mut self, field: &Field<M, T, P>) -> (String, Option<&'a Value>) {
        let name = field.path().to_string();
        let v = self.obj.and_then(|o| o.get(&name));
        self.seen.push(name.clone());
        (name, v)
    }

    /// A key attribute (required).
    pub fn key<T: FieldValue, P>(&mut self, field: &Field<M, T, P>) {
        let (name, v) = self.value(field);
        match v.filter(|v| !is_empty_json(v)) {
            None => self.out.push(Violation::new(name, "is required")),
            Some(v) => {
                if let Some(x) = T::from_json(v, &name, &mut self.out) {
                    x.check_parsed(field.rule_set(), &Path::Root.field(&name), &mut self.out);
                    self.key.insert(name, x.to_attr());
                }
            }
        }
    }

    /// Another attribute: set when given, removed when null or `""` (optional fields only).
    pub fn set<T: FieldValue, P: Presence>(&mut self, field: &Field<M, T, P>) {
        let (name, v) = self.value(field);
        let Some(v) = v else { return };
        if is_empty_json(v) {
            if P::OPTIONAL {
                let remove = Action::Remove(field.path().clone());
                self.updates.push(Update::new(remove, Vec::new()));
            } else {
                let message = "is required and cannot be emptied";
                self.out.push(Violation::new(name, message));
            }
        } else if let Some(x) = T::from_json(v, &name, &mut self.out) {
            x.check_parsed(field.rule_set(), &Path::Root.field(&name), &mut self.out);
            let set = Action::Set(field.path().clone(), x.to_attr());
            self.updates.push(Update::new(set, Vec::new()));
        }
    }

    pub(crate) fn finish(mut self) -> Result<(M::Key, Vec<Update<M>>), Error> {
        if let Some(obj) = self.obj {
            let unknown = obj
                .keys()
                .filter(|k| !self.seen.contains(k))
                .map(|k| Violation::new(k.as_str(), "is not a field of this model"));
            let unknown: Vec<Violation> = unknown.collect();
            self.out.splice(0..0, unknown);
        }
        if !self.out.is_empty() {
            return Err(Error::Validation(self.out));
        }
        let key = M::Key::from_key_item(&self.key)
            .map_err(|e| Error::Validation(vec![Violation::new(e.path(), e.to_string())]))?;
        Ok((key, self.updates))
    }
}

/// Reads a JSON object into a generated struct, reporting unknown keys first.
pub(crate) fn read_object<D: Document>(
    value: &Value,
    prefix: &str,
    out: &mut Vec<Violation>,
) -> Option<D> {
    let Value::Object(obj) = value else {
        wrong_json(prefix, "an object", value, out);
        return None;
    };
    let start = out.len();
    let mut reader = JsonReader {
        obj,
        prefix,
        out,
        seen: Vec::with_capacity(D::FIELDS),
    };
    let parsed = D::read_json(&mut reader);
    let seen = reader.seen;
    let unknown: Vec<Violation> = obj
        .keys()
        .filter(|k| !seen.contains(&k.as_str()))
        .map(|k| Violation::new(join(prefix, k), "is not a field of this model"))
        .collect();
    out.splice(start..start, unknown);
    parsed
}

// ----- enums -----

/// A generated enum from its stored string.
pub fn enum_from_attr<E>(
    v: &Attr,
    name: &str,
    parse: fn(&str) -> Option<E>,
) -> Result<E, DecodeError> {
    match v {
        Attr::S(s) => parse(s).ok_or_else(|| {
            DecodeError::new(format!("one of the values of {name}"), format!("S `{s}`"))
        }),
        other => Err(DecodeError::new("S (enum)", crate::value::attr_kind(other))),
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

/// A text constant from the spec.
pub fn text(s: &str) -> String {
    s.to_string()
}

/// A map constant from the spec.
pub fn map<T, const N: usize>(entries: [(&str, T); N]) -> BTreeMap<String, T> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// A set of texts from the spec.
pub fn text_set<const N: usize>(entries: [&str; N]) -> std::collections::BTreeSet<String> {
    entries.into_iter().map(str::to_string).collect()
}

/// The variant of a generated enum stored as `s`.
pub fn parse_enum<E: Copy>(s: &str, values: &[&str], all: &[E]) -> Option<E> {
    let i = values.iter().position(|v| *v == s)?;
    all.get(i).copied()
}
