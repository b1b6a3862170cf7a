//! What generated code calls: one small typed helper per concern, so that a field costs
//! one line in each generated impl. Stable for `dynamongo-codegen`'s output; not part of
//! the documented API (use the methods of [`Model`](crate::Model) and
//! [`ModelExt`](crate::ModelExt) instead).
//!
//! Generated modules import this module as `dm` (`use ::dynamongo_runtime::codegen as dm;`),
//! so every runtime item they use is reached through one absolute path.

use std::collections::BTreeMap;

/// The quickstart's `User` model, as generated, for documentation examples.
pub mod example;

use aws_sdk_dynamodb::types::AttributeValue as Av;
use serde_json::Value;

use crate::value::wrong_json;

pub use crate::capacity::ItemBytes;
pub use crate::db::Db;
pub use crate::document::{Document, JsonReader, Slot, Visitor};
pub use crate::encryption::CryptoAction;
pub use crate::entity::{Entity, Format, IndexKeys, Part, Template};
pub use crate::error::{DecodeError, Error, Violation};
pub use crate::expr::Update;
pub use crate::field::{Encrypted, Field, Optional, ReadOnly, Required};
pub use crate::item::Item;
pub use crate::model::{
    IndexDef, JsonUpdates, KeyAttr, Model, ModelKey, Projection, ScalarType, Strategy, StreamView,
    Target, Throughput, Upgrade,
};
pub use crate::operation::{Collection, CreateTable, Index, KeyEnum, Member, ModelExt, NoRange};
pub use crate::read::Page;
pub use crate::rules::{Attr, Path, Rules};
pub use crate::stream::{decode_change, Image, StreamEvent, StreamEventRecord, Streamed};
pub use crate::value::{Bytes, EpochSeconds, Expiring, FieldValue};
pub use aws_sdk_dynamodb::types::AttributeValue;
pub use chrono;
pub use serde;
pub use serde_json;
pub use uuid;

/// The primary-key fields of an entity's key item: parsed from its rendered key
/// attributes, or the item itself when it holds the fields.
pub fn key_fields<'i>(
    entity: &crate::entity::Entity,
    item: &'i Item,
) -> Result<std::borrow::Cow<'i, Item>, DecodeError> {
    entity.key_fields_of(item)
}

/// A partition field's value as stored (a collection's argument), for its template.
pub fn part<T: FieldValue>(attribute: &str, value: &T) -> (String, Av) {
    (attribute.to_string(), value.to_attr())
}

/// The entity name an item of a single-table design holds in `attribute`.
pub fn entity_of<'i>(item: &'i Item, attribute: &str) -> Option<&'i str> {
    match item.get(attribute) {
        Some(Av::S(s)) => Some(s),
        _ => None,
    }
}

/// The stored value of a field: its attribute, or the one it was renamed from.
fn stored<'i>(item: &'i Item, attr: &Attr) -> (&'static str, Option<&'i Av>) {
    match (item.get(attr.name), attr.old) {
        (None, Some(old)) => (old, item.get(old)),
        (v, _) => (attr.name, v),
    }
}

/// An item as the model's [`Upgrade`](crate::Upgrade) impl reshapes it, before its fields
/// are read (a spec with `"upgrade": true`).
pub fn upgraded<M: crate::Upgrade>(item: &Item) -> Item {
    let mut item = item.clone();
    M::upgrade(&mut item);
    item
}

/// The variant an enum alias (a value the enum no longer has) reads as.
pub fn parse_alias<E: Copy>(s: &str, aliases: &[(&str, E)]) -> Option<E> {
    aliases.iter().find(|(old, _)| *old == s).map(|(_, e)| *e)
}

/// Reads an attribute of an item (or of a dict's map) into a struct field.
pub fn get<T: Slot>(item: &Item, attr: &Attr) -> Result<T, DecodeError> {
    let (attribute, value) = stored(item, attr);
    match value {
        None | Some(Av::Null(_)) => T::absent().map_err(|e| e.at(attribute)),
        Some(v) => T::Value::from_attr(v)
            .map(T::wrap)
            .map_err(|e| e.at(attribute)),
    }
}

/// Reads a field with a default: an item without the attribute (or with NULL) gets the
/// default, as Python dynamongo reads it.
pub fn get_or<T: Slot>(
    item: &Item,
    attr: &Attr,
    default: fn() -> T::Value,
) -> Result<T, DecodeError> {
    match stored(item, attr).1 {
        None | Some(Av::Null(_)) => Ok(T::wrap(default())),
        Some(_) => get(item, attr),
    }
}

/// A TTL field's value as stored ([`EpochSeconds`](crate::field::EpochSeconds)), for `visit`.
pub fn epoch<T: Expiring>(value: &T) -> T::Stored {
    value.stored()
}

/// Reads a TTL field (N, epoch seconds) into its `DateTime<Utc>` struct field.
pub fn get_epoch<T: Expiring>(item: &Item, attr: &Attr) -> Result<T, DecodeError>
where
    T::Stored: Slot,
{
    get::<T::Stored>(item, attr).map(T::from_stored)
}

/// Reads the version field: an item written before the model was versioned has none,
/// and is at version 0.
pub fn get_version(item: &Item, attr: &Attr) -> Result<i64, DecodeError> {
    get::<Option<i64>>(item, attr).map(|v| v.unwrap_or(0))
}

/// A list of a collection's grouped form, in its JSON object (the `serde` option): each
/// item its model's JSON (`to_json`).
pub fn group_json<M: Model>(out: &mut serde_json::Map<String, Value>, key: &str, items: &[M]) {
    out.insert(
        key.to_string(),
        Value::Array(items.iter().map(Model::to_json).collect()),
    );
}

/// The cursor of a grouped page, in its JSON object when there is one (the `serde` option).
pub fn group_cursor(out: &mut serde_json::Map<String, Value>, key: &str, cursor: Option<&str>) {
    if let Some(c) = cursor {
        out.insert(key.to_string(), Value::String(c.to_string()));
    }
}

/// `Serialize` of a model (the `serde` option): its JSON form, as `to_json` gives it.
pub fn serialize_model<M: Model, S: serde::Serializer>(
    model: &M,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&model.to_json(), serializer)
}

/// `Deserialize` of a model (the `serde` option): JSON read and validated as `from_json`
/// does; an invalid value is an error listing every violation.
pub fn deserialize_model<'de, M: Model, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<M, D::Error> {
    let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
    M::from_json(value).map_err(<D::Error as serde::de::Error>::custom)
}

/// `Serialize` of a key type or an index projection (the `serde` option): its JSON form.
pub fn serialize_document<T: Document, S: serde::Serializer>(
    document: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&document.to_json_value(), serializer)
}

/// `Deserialize` of a key type or an index projection (the `serde` option): JSON read and
/// checked against the fields' rules; an invalid value is an error listing every violation.
pub fn deserialize_document<'de, T: Document, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
    crate::document::read_document(&value).map_err(<D::Error as serde::de::Error>::custom)
}

/// One attribute of a key item.
pub fn attr<T: FieldValue>(attr: &Attr, value: &T) -> (String, Av) {
    (attr.name.to_string(), value.to_attr())
}

// ----- enums -----

/// A generated enum from its stored string.
pub fn enum_from_attr<E>(
    v: &Av,
    name: &str,
    parse: fn(&str) -> Option<E>,
) -> Result<E, DecodeError> {
    match v {
        Av::S(s) => parse(s).ok_or_else(|| {
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

/// The `"uuid7"` default: time-ordered, so a range key of them lists items in the order
/// they were made (ids made in one millisecond are ordered by a counter).
pub fn uuid7() -> uuid::Uuid {
    uuid::Uuid::now_v7()
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
