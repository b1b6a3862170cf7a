//! The conversions of a generated struct (a model or a dict): [`Document`], and the
//! visitors and JSON reader that generated code drives, one line per field.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use crate::error::{DecodeError, Violation};
use crate::rules::{Attr, Path, Rules};
use crate::value::{attr_kind, wrong_json, FieldValue, Item};

/// A struct generated from a spec's `fields` (a model or a dict): its conversions to and
/// from DynamoDB items. Generated code implements it.
///
/// A dict is stored as a map, so every `Document` is also a [`FieldValue`].
///
/// ```
/// use dynamongo_runtime::field::Document;
/// use dynamongo_runtime::codegen::example::user::User;
/// let user = User::new("john@example.com", "John");
/// let item = user.to_item();
/// assert_eq!(User::from_item(&item).unwrap(), user);
/// ```
pub trait Document: Sized + Clone {
    /// The number of fields.
    #[doc(hidden)]
    const FIELDS: usize;

    /// Calls `visitor` once per field, in spec order.
    #[doc(hidden)]
    fn visit<V: Visitor>(&self, visitor: &mut V);

    /// Decodes an item (or a dict's map); the error names the attribute path.
    fn from_item(item: &Item) -> Result<Self, DecodeError>;

    /// Reads the fields of a JSON object, checking each field's rules as it is read.
    #[doc(hidden)]
    fn read_json(json: &mut JsonReader<'_>) -> Option<Self>;

    /// The item (or map) form, in the storage format of Python dynamongo 0.1.
    fn to_item(&self) -> Item {
        let mut writer = ItemWriter(Item::with_capacity(Self::FIELDS));
        self.visit(&mut writer);
        writer.0
    }

    /// Every rule violation, with paths under `path`.
    #[doc(hidden)]
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>) {
        self.visit(&mut Checker { path, out });
    }

    /// The JSON object form (the seed's `to_dict`).
    #[doc(hidden)]
    fn to_json_value(&self) -> serde_json::Value {
        let mut writer = JsonWriter(serde_json::Map::new());
        self.visit(&mut writer);
        serde_json::Value::Object(writer.0)
    }

    /// Reads a JSON object, applying defaults and recording every problem under `prefix`.
    #[doc(hidden)]
    fn from_json_value(
        value: &serde_json::Value,
        prefix: &str,
        out: &mut Vec<Violation>,
    ) -> Option<Self> {
        read_object(value, prefix, out)
    }
}

/// A dict is stored as a map (`M`); absent, it is read as an empty map (so its defaults apply).
impl<D: Document> FieldValue for D {
    fn to_attr(&self) -> AttributeValue {
        AttributeValue::M(self.to_item())
    }
    fn from_attr(value: &AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::M(m) => D::from_item(m),
            other => Err(DecodeError::new("M (map)", attr_kind(other))),
        }
    }
    fn to_json(&self) -> serde_json::Value {
        self.to_json_value()
    }
    fn from_json(value: &serde_json::Value, path: &str, out: &mut Vec<Violation>) -> Option<Self> {
        D::from_json_value(value, path, out)
    }
    fn check(&self, _: &Rules, path: &Path<'_>, out: &mut Vec<Violation>) {
        self.validate_at(path, out);
    }
    fn check_parsed(&self, _: &Rules, _: &Path<'_>, _: &mut Vec<Violation>) {
        // Each field was checked as it was read.
    }
    fn absent() -> Result<Self, DecodeError> {
        D::from_item(&Item::new())
    }
    fn json_absent(path: &str, out: &mut Vec<Violation>) -> Option<Self> {
        D::from_json_value(
            &serde_json::Value::Object(serde_json::Map::new()),
            path,
            out,
        )
    }
}

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
    /// One field: its attribute (name and rules) and value.
    fn field<T: Slot>(&mut self, attr: &Attr, value: &T);
}

pub(crate) struct ItemWriter(pub(crate) Item);

impl Visitor for ItemWriter {
    fn field<T: Slot>(&mut self, attr: &Attr, value: &T) {
        if let Some(v) = value.value() {
            // An empty string or set is not written, as dynamongo does.
            if !v.is_absent() {
                self.0.insert(attr.name.to_string(), v.to_attr());
            }
        }
    }
}

pub(crate) struct JsonWriter(pub(crate) Map<String, Value>);

impl Visitor for JsonWriter {
    fn field<T: Slot>(&mut self, attr: &Attr, value: &T) {
        let json = value.value().map_or(Value::Null, FieldValue::to_json);
        self.0.insert(attr.name.to_string(), json);
    }
}

pub(crate) struct Checker<'a, 'p> {
    pub(crate) path: &'a Path<'p>,
    pub(crate) out: &'a mut Vec<Violation>,
}

impl Visitor for Checker<'_, '_> {
    fn field<T: Slot>(&mut self, attr: &Attr, value: &T) {
        if let Some(v) = value.value() {
            v.check(&attr.rules, &self.path.field(attr.name), self.out);
        }
    }
}

/// A whole document read from JSON: defaults applied, every violation listed.
pub(crate) fn read_document<T: Document>(value: &Value) -> Result<T, crate::error::Error> {
    let mut out = Vec::new();
    match T::from_json_value(value, "", &mut out) {
        Some(t) if out.is_empty() => Ok(t),
        _ => Err(crate::error::Error::Validation(out)),
    }
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
pub(crate) fn is_empty_json(v: &Value) -> bool {
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
    pub fn field<T: Slot>(&mut self, attr: &'static Attr) -> Option<T> {
        self.read(attr.name, &attr.rules, T::json_absent)
    }

    /// A field with a default, used when it is absent.
    pub fn or<T: Slot>(&mut self, attr: &'static Attr, default: fn() -> T::Value) -> Option<T> {
        self.read(attr.name, &attr.rules, |_, _| Some(T::wrap(default())))
    }

    /// A TTL field (a `DateTime<Utc>` read as [`EpochSeconds`](crate::field::EpochSeconds)).
    pub fn epoch<T: crate::value::Expiring>(&mut self, attr: &'static Attr) -> Option<T>
    where
        T::Stored: Slot,
    {
        self.field::<T::Stored>(attr).map(T::from_stored)
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
            Some(v) if !is_empty_json(v) => read_checked(v, &path, rules, self.out).map(T::wrap),
            _ => absent(&path, self.out),
        }
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
    report_unknown(obj, prefix, |k| seen.contains(&k), out, start);
    parsed
}

/// A JSON value read as `T` at `path`, its rules checked as it is read.
pub(crate) fn read_checked<T: FieldValue>(
    v: &Value,
    path: &str,
    rules: &Rules,
    out: &mut Vec<Violation>,
) -> Option<T> {
    let value = T::from_json(v, path, out)?;
    value.check_parsed(rules, &Path::Root.field(path), out);
    Some(value)
}

/// Reports each key of `obj` that is not `known` (under `prefix`), inserted at `at` so
/// that unknown keys come before the problems of the fields.
pub(crate) fn report_unknown(
    obj: &Map<String, Value>,
    prefix: &str,
    known: impl Fn(&str) -> bool,
    out: &mut Vec<Violation>,
    at: usize,
) {
    let unknown: Vec<Violation> = obj
        .keys()
        .filter(|k| !known(k))
        .map(|k| Violation::new(join(prefix, k), "is not a field of this model"))
        .collect();
    out.splice(at..at, unknown);
}
