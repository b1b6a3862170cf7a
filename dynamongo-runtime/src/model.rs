//! The `Model` trait that generated code implements, and the strategy traits that let a
//! key, a model, a condition or a list of them select items.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codegen::{
    read_object, Checker, ItemWriter, JsonReader, JsonUpdates, JsonWriter, Visitor,
};
use crate::db::Db;
use crate::error::{DecodeError, Error, Violation};
use crate::expr::{Condition, Expr, Update};
use crate::many::{DeleteMany, GetMany, SaveMany};
use crate::ops::{self, BoxFuture, GetOne, SaveOne};
use crate::rules::{Path, Rules};
use crate::value::{attr_kind, FieldValue, Item};

/// DynamoDB scalar types a key attribute can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

/// One key attribute: its DynamoDB name and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttr {
    /// The attribute name.
    pub name: &'static str,
    /// The attribute type.
    pub ty: ScalarType,
}

impl KeyAttr {
    /// A key attribute named `name` of type `ty`.
    pub const fn new(name: &'static str, ty: ScalarType) -> Self {
        KeyAttr { name, ty }
    }
}

/// Capacity mode of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throughput {
    /// Provisioned read and write units (dynamongo's default is 8/8).
    Provisioned {
        /// Read capacity units.
        read: i64,
        /// Write capacity units.
        write: i64,
    },
    /// Pay per request.
    OnDemand,
}

impl Throughput {
    /// Provisioned capacity: `read` and `write` units.
    pub const fn provisioned(read: i64, write: i64) -> Self {
        Throughput::Provisioned { read, write }
    }
}

/// The primary key type of a model (generated: `UserKey`).
pub trait ModelKey: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The key as a DynamoDB key map.
    fn to_key_item(&self) -> Item;
    /// The key of a stored item.
    fn from_key_item(item: &Item) -> Result<Self, DecodeError>;
}

/// A struct generated from a spec's `fields` (a model or a dict): its conversions to and
/// from DynamoDB items. Generated code implements it.
///
/// A dict is stored as a map, so every `Document` is also a [`FieldValue`].
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

/// A model: a struct generated from a spec, stored in one table.
///
/// The operations (`save_one`, `get_one`, `get_many`, ...) are provided methods, called
/// as `User::save_one(&db, user)`. See the crate documentation for the whole API.
pub trait Model: Document + std::fmt::Debug + Send + Sync + 'static {
    /// The primary key type.
    type Key: ModelKey;
    /// The table name, without the prefix.
    const TABLE: &'static str;
    /// The partition key.
    const HASH_KEY: KeyAttr;
    /// The sort key, if any.
    const RANGE_KEY: Option<KeyAttr> = None;
    /// Capacity mode used by `create_table`.
    const THROUGHPUT: Throughput;

    /// This item's primary key.
    fn key(&self) -> Self::Key;

    /// Checks every rule of the spec; all violations are reported together.
    fn validate(&self) -> Result<(), Error> {
        let mut out = Vec::new();
        self.validate_at(&Path::Root, &mut out);
        if out.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(out))
        }
    }

    /// Builds an item from JSON (the seed's dict input): types checked, defaults applied,
    /// rules validated, and every problem listed, whatever else is wrong.
    fn from_json(value: serde_json::Value) -> Result<Self, Error> {
        let mut out = Vec::new();
        let item = Self::from_json_value(&value, "", &mut out);
        match item {
            Some(item) if out.is_empty() => Ok(item),
            _ => Err(Error::Validation(out)),
        }
    }

    /// The item as JSON (the seed's `to_dict`).
    fn to_json(&self) -> serde_json::Value {
        self.to_json_value()
    }

    /// Reads the updates that an `update_from_json` object asks for: the key, and a `set`
    /// (or a `remove`, for `null` on an optional field) per other attribute. Generated.
    #[doc(hidden)]
    fn json_updates(json: &mut JsonUpdates<'_, Self>);

    /// Creates the model's table (key schema, attribute definitions, throughput) and waits
    /// until it is ACTIVE. [`Error::TableExists`] when it is already there.
    fn create_table(db: &Db) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(ops::create_table::<Self>(db))
    }

    /// Deletes the model's table.
    fn delete_table(db: &Db) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(ops::delete_table::<Self>(db))
    }

    /// Saves one item (validated first). Replaces an item with the same key unless
    /// [`SaveOne::overwrite`] says otherwise. Returns the item saved.
    fn save_one(db: &Db, item: Self) -> SaveOne<'_, Self> {
        SaveOne::new(db, item)
    }

    /// Reads one item by key, key tuple, key type, model or key condition
    /// (plus extra checks). [`Error::NotFound`] when absent; see [`GetOne::optional`].
    fn get_one(db: &Db, strategy: impl Strategy<Self>) -> GetOne<'_, Self> {
        GetOne::new(db, strategy.into_target())
    }

    /// Deletes one item and returns it, or `None` when no item matched (the key is
    /// absent, or the extra checks failed).
    fn delete_one(
        db: &Db,
        strategy: impl Strategy<Self>,
    ) -> BoxFuture<'_, Result<Option<Self>, Error>> {
        let single = ops::single_of(strategy);
        Box::pin(async move { ops::delete_single(db, single?).await })
    }

    /// Applies updates to one existing item and returns it as it is afterwards.
    /// [`Error::NotFound`] when the item does not exist (nothing is created);
    /// [`Error::ConditionalCheckFailed`] when it exists but fails the extra checks.
    fn update_one(
        db: &Db,
        strategy: impl Strategy<Self>,
        updates: impl IntoIterator<Item = Update<Self>>,
    ) -> BoxFuture<'_, Result<Self, Error>> {
        let single = ops::single_of(strategy);
        let updates: Vec<Update<Self>> = updates.into_iter().collect();
        Box::pin(async move { ops::update_single(db, single?, updates).await })
    }

    /// Updates an existing item from a JSON object holding its key and the attributes to
    /// set (the seed's `update_from_dict`). [`Error::NotFound`] when it does not exist.
    fn update_from_json(db: &Db, value: serde_json::Value) -> BoxFuture<'_, Result<Self, Error>> {
        let mut json = JsonUpdates::new(&value);
        Self::json_updates(&mut json);
        let parsed = json.finish();
        Box::pin(async move {
            let (key, updates) = parsed?;
            let single = crate::keys::resolve(Target::<Self>::Key(key))?;
            ops::update_single(db, single, updates).await
        })
    }

    /// Reads many items: a list of single-item strategies, `in_`/`keys_in`, or any
    /// condition. The planner picks GetItem, BatchGetItem, Query or Scan; see
    /// [`GetMany::explain`], [`GetMany::stream`], `.descending()` and `.limit(n)`.
    fn get_many(db: &Db, strategy: impl ManyStrategy<Self>) -> GetMany<'_, Self> {
        GetMany::new(db, strategy.into_targets())
    }

    /// Saves many items: BatchWriteItem in chunks of 25 with retries, or conditional puts
    /// with [`SaveMany::overwrite`]. Every item ends in `success` or in `fail` with a reason.
    fn save_many(db: &Db, items: impl IntoIterator<Item = Self>) -> SaveMany<'_, Self> {
        SaveMany::new(db, items.into_iter().collect())
    }

    /// Deletes many items: a list of single-item strategies, `in_`/`keys_in`, or any
    /// condition (found first, then deleted with the condition re-checked).
    fn delete_many(db: &Db, strategy: impl ManyStrategy<Self>) -> DeleteMany<'_, Self> {
        DeleteMany::new(db, strategy.into_targets())
    }

    /// A condition matching any of the given full keys (the seed's `keys_in`).
    fn keys_in<K: Into<Self::Key>>(keys: impl IntoIterator<Item = K>) -> Condition<Self> {
        Condition::new(Expr::KeysIn(
            keys.into_iter().map(|k| k.into().to_key_item()).collect(),
        ))
    }
}

/// What a single-item operation acts on: a key, or a condition that contains the key.
pub enum Target<M: Model> {
    /// A full primary key.
    Key(M::Key),
    /// A key condition, possibly ANDed with extra checks.
    Where(Condition<M>),
}

impl<M: Model> Clone for Target<M> {
    fn clone(&self) -> Self {
        match self {
            Target::Key(k) => Target::Key(k.clone()),
            Target::Where(c) => Target::Where(c.clone()),
        }
    }
}

impl<M: Model> std::fmt::Debug for Target<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Key(k) => f.debug_tuple("Key").field(k).finish(),
            Target::Where(c) => f.debug_tuple("Where").field(c).finish(),
        }
    }
}

/// Anything that selects one item of `M` (the seed's single-item "strategy"): generated
/// code implements it for the key's scalar or tuple, the key type and the model; the
/// runtime for [`Condition`] and [`Target`].
pub trait Strategy<M: Model> {
    /// The selection.
    fn into_target(self) -> Target<M>;
}

impl<M: Model> Strategy<M> for Condition<M> {
    fn into_target(self) -> Target<M> {
        Target::Where(self)
    }
}

impl<M: Model> Strategy<M> for M {
    fn into_target(self) -> Target<M> {
        Target::Key(self.key())
    }
}

impl<M: Model> Strategy<M> for &M {
    fn into_target(self) -> Target<M> {
        Target::Key(self.key())
    }
}

impl<M: Model> Strategy<M> for Target<M> {
    fn into_target(self) -> Target<M> {
        self
    }
}

/// Wraps any single-item strategy, to mix kinds in one list:
/// `vec![one("a@x.io"), one(user::email().eq("b@x.io"))]`.
pub fn one<M: Model>(strategy: impl Strategy<M>) -> Target<M> {
    strategy.into_target()
}

/// What a multi-item operation acts on.
pub enum Targets<M: Model> {
    /// A list of single-item strategies.
    List(Vec<Target<M>>),
    /// Any condition.
    Where(Condition<M>),
}

impl<M: Model> Clone for Targets<M> {
    fn clone(&self) -> Self {
        match self {
            Targets::List(list) => Targets::List(list.clone()),
            Targets::Where(c) => Targets::Where(c.clone()),
        }
    }
}

/// Anything that selects many items of `M`: a `Vec`, array or slice of single-item
/// strategies, or any [`Condition`].
pub trait ManyStrategy<M: Model> {
    /// The selection.
    fn into_targets(self) -> Targets<M>;
}

impl<M: Model, S: Strategy<M>> ManyStrategy<M> for Vec<S> {
    fn into_targets(self) -> Targets<M> {
        Targets::List(self.into_iter().map(Strategy::into_target).collect())
    }
}

impl<M: Model, S: Strategy<M>, const N: usize> ManyStrategy<M> for [S; N] {
    fn into_targets(self) -> Targets<M> {
        Targets::List(self.into_iter().map(Strategy::into_target).collect())
    }
}

impl<M: Model, S: Strategy<M> + Clone> ManyStrategy<M> for &[S] {
    fn into_targets(self) -> Targets<M> {
        Targets::List(self.iter().cloned().map(Strategy::into_target).collect())
    }
}

impl<M: Model> ManyStrategy<M> for Condition<M> {
    fn into_targets(self) -> Targets<M> {
        Targets::Where(self)
    }
}
