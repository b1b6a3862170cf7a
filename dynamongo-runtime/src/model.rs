//! The `Model` trait that generated code implements, and the strategy traits that let a
//! key, a model, a condition or a list of them select items.

use serde_json::{Map, Value};

use crate::document::{is_empty_json, read_checked, report_unknown, Document};
use crate::error::{CancelReason, DecodeError, Error, Violation};
use crate::expr::{Action, AttrPath, Condition, Expr, Update};
use crate::field::{Field, Presence};
use crate::rules::{Path, Rules};
use crate::value::{wrong_json, FieldValue, Item};

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

/// What a secondary index holds besides the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Every attribute: the index can answer for the model.
    All,
    /// The table's and the index's keys only.
    KeysOnly,
    /// The keys and these attributes.
    Include(&'static [&'static str]),
}

/// A secondary index of a model's table (the spec's `indexes`).
///
/// A global index's keys may have up to four attributes each (DynamoDB's multi-attribute
/// keys): a Query gives every hash attribute an equality, then conditions on the range
/// attributes in order (equalities, and at most one other comparison, on the last one used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    /// The DynamoDB index name.
    pub name: &'static str,
    /// A local secondary index (same hash key as the table, created with it).
    pub local: bool,
    /// The index's partition key attributes.
    pub hash: &'static [KeyAttr],
    /// The index's sort key attributes, if any.
    pub range: &'static [KeyAttr],
    /// What the index holds.
    pub projection: Projection,
    /// The index's own capacity (a global index of a provisioned table takes the
    /// table's when `None`).
    pub throughput: Option<Throughput>,
}

impl IndexDef {
    /// A global index with all attributes projected; change it with the other methods.
    pub const fn global(name: &'static str, hash: &'static [KeyAttr]) -> Self {
        IndexDef {
            name,
            local: false,
            hash,
            range: &[],
            projection: Projection::All,
            throughput: None,
        }
    }
    /// A local index on the table's hash key and `range`.
    pub const fn local(
        name: &'static str,
        hash: &'static [KeyAttr],
        range: &'static [KeyAttr],
    ) -> Self {
        IndexDef {
            name,
            local: true,
            hash,
            range,
            projection: Projection::All,
            throughput: None,
        }
    }
    /// The sort key attributes.
    pub const fn range(mut self, range: &'static [KeyAttr]) -> Self {
        self.range = range;
        self
    }
    /// What is projected.
    pub const fn projection(mut self, projection: Projection) -> Self {
        self.projection = projection;
        self
    }
    /// Provisioned capacity of a global index.
    pub const fn throughput(mut self, read: i64, write: i64) -> Self {
        self.throughput = Some(Throughput::Provisioned { read, write });
        self
    }
    /// Every key attribute name of the index, hash first.
    pub(crate) fn key_names(&self) -> impl Iterator<Item = &'static str> {
        self.hash.iter().chain(self.range).map(|k| k.name)
    }
}

/// What a table's stream records hold of each changed item (DynamoDB's
/// `StreamViewType`; the spec's `"stream"`).
///
/// ```
/// assert_eq!(dynamongo_runtime::stream::StreamView::NewAndOldImages.as_str(), "NEW_AND_OLD_IMAGES");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamView {
    /// The key attributes only.
    KeysOnly,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl StreamView {
    /// DynamoDB's name of the view type.
    pub const fn as_str(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
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

/// How a model whose spec says `"upgrade": true` reads items older models stored: its
/// generated decoding calls [`Upgrade::upgrade`] on every stored item before reading its
/// fields. Write the impl next to the generated module; an item read through it is
/// written back in the new form on its next save.
///
/// ```
/// use dynamongo_runtime::field::{AttributeValue, Item};
/// # struct Contact;
/// impl dynamongo_runtime::Upgrade for Contact {
///     /// Version 1 stored one `name`; version 2 has `first` and `last`.
///     fn upgrade(item: &mut Item) {
///         if let Some(AttributeValue::S(name)) = item.remove("name") {
///             let (first, last) = name.split_once(' ').unwrap_or((&name, ""));
///             item.insert("first".into(), AttributeValue::S(first.into()));
///             item.insert("last".into(), AttributeValue::S(last.into()));
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has `\"upgrade\": true` in its spec, but no `dynamongo_runtime::Upgrade` impl",
    label = "stored items of `{Self}` are read through its `Upgrade` impl",
    note = "write next to the generated module: `impl dynamongo_runtime::Upgrade for {Self} {{ fn upgrade(item: &mut dynamongo_runtime::field::Item) {{ /* reshape what older models stored */ }} }}`"
)]
pub trait Upgrade {
    /// Reshapes a stored item into what the model reads now (rename, split, fill in).
    fn upgrade(item: &mut Item);
}

/// The primary key type of a model (generated: `UserKey`).
pub trait ModelKey: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The key's attributes: the DynamoDB key map, or for an entity of a single-table
    /// design the primary-key fields, which its key templates render into the key map.
    fn to_key_item(&self) -> Item;
    /// The key of a stored item (or, for an entity, of its rendered key or its fields).
    fn from_key_item(item: &Item) -> Result<Self, DecodeError>;
}

/// A model: a struct generated from a spec, stored in one table.
///
/// The operations (`save_one`, `get_one`, `get_many`, ...) are the methods of
/// [`ModelExt`](crate::ModelExt), which every model has: `User::save_one(&db, user)`.
///
/// ```
/// use dynamongo_runtime::Model;
/// use dynamongo_runtime::codegen::example::user::User;
/// let err = User::from_json(serde_json::json!({"email": "nope", "year_of_birth": 1700})).unwrap_err();
/// assert_eq!(err.violations().len(), 3); // email, name (missing) and year_of_birth
/// let john = User::new("john@example.com", "John");
/// assert_eq!(john.to_json()["name"], "John");
/// ```
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
    /// Secondary indexes, in spec order.
    const INDEXES: &'static [IndexDef] = &[];
    /// The version attribute of optimistic locking (the spec's `"version": true`).
    #[doc(hidden)]
    const VERSION: Option<&'static str> = None;
    /// The attributes of read-only fields (the spec's `"read_only": true`): refused in
    /// input (`from_input`) and in updates.
    #[doc(hidden)]
    const READ_ONLY: &'static [&'static str] = &[];
    /// The TTL attribute (the spec's `"type": "ttl"`).
    #[doc(hidden)]
    const TTL: Option<&'static str> = None;
    /// The table's stream, when the spec enables one (`create_table` creates it).
    #[doc(hidden)]
    const STREAM: Option<StreamView> = None;
    /// The entity of a single-table design (a spec with `"entity"` and `"keys"`): its
    /// name, the attribute that holds it and its key templates. Its key attributes are
    /// rendered from the fields on every write.
    #[doc(hidden)]
    const ENTITY: Option<&'static crate::entity::Entity> = None;
    /// Bounds of a stored item's size, derived from the spec by the generator (what
    /// `explain()` estimates capacity from).
    ///
    /// ```
    /// use dynamongo_runtime::Model;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// println!("a stored User is {}", User::ITEM_BYTES);
    /// ```
    const ITEM_BYTES: crate::capacity::ItemBytes = crate::capacity::ItemBytes::UNKNOWN;
    /// Per index an item may be in (its DynamoDB name): the size bounds of its entry there
    /// (`min` 0 when the item may stay out of it).
    #[doc(hidden)]
    const INDEX_BYTES: &'static [(&'static str, crate::capacity::ItemBytes)] = &[];
    /// Attributes the model's evolution retired: the `renamed_from` sources of its
    /// fields. A backfill removes them from the items it rewrites.
    #[doc(hidden)]
    const RETIRED: &'static [&'static str] = &[];
    /// The model's [`Upgrade`] hook (`"upgrade": true`): a backfill also removes what it
    /// removes from a stored item.
    #[doc(hidden)]
    const UPGRADE: Option<fn(&mut Item)> = None;
    /// The attribute actions of the model's table when it is encrypted client-side (a
    /// field of it, or of an entity sharing it, is `"encrypt": true`), by attribute; empty
    /// for a plaintext table. What a `Db` configures the encryption SDK with.
    const ATTRIBUTE_ACTIONS: &'static [(&'static str, crate::encryption::CryptoAction)] = &[];
    /// Its encrypted table still holds items stored before it was encrypted (the spec's
    /// `"plaintext_items": true`): a `Db` reads them as they are and writes encrypted
    /// items, and the model's backfill encrypts the stored ones.
    const PLAINTEXT_ITEMS: bool = false;

    /// This item's primary key.
    fn key(&self) -> Self::Key;

    /// The version this copy was read or saved at (versioned models; 0: never saved).
    #[doc(hidden)]
    fn version(&self) -> Option<i64> {
        None
    }

    /// Sets the version after a write (versioned models).
    #[doc(hidden)]
    fn set_version(&mut self, version: i64) {
        let _ = version;
    }

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
        crate::document::read_document(&value)
    }

    /// A request body as a model: `from_json`, refusing what a client may not set — the
    /// read-only fields (`"read_only": true`) and the version — each a violation ("is set by
    /// the server"), listed with every other. `from_json` stays the conversion of trusted
    /// JSON (a model's own `to_json`, a file).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// let u = User::from_input(serde_json::json!({"email": "jo@example.com", "name": "Jo"}))?;
    /// # Ok::<(), Error>(())
    /// ```
    fn from_input(value: serde_json::Value) -> Result<Self, Error> {
        Self::from_input_with(value, Value::Object(Map::new()))
    }

    /// [`from_input`](Model::from_input) of a request body with `fields` (the route's path
    /// parameters) set over it; read-only fields may come from `fields`.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// let body = serde_json::json!({"name": "Jo"});
    /// let u = User::from_input_with(body, serde_json::json!({"email": "jo@example.com"}))?;
    /// # Ok::<(), Error>(())
    /// ```
    fn from_input_with(value: serde_json::Value, fields: serde_json::Value) -> Result<Self, Error> {
        let refused: Vec<Violation> = value
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .filter(|k| Self::READ_ONLY.contains(&k.as_str()) || Self::VERSION == Some(k.as_str()))
            .map(|k| Violation::new(k.as_str(), "is set by the server"))
            .collect();
        match Self::from_json_with(value, fields) {
            Ok(m) if refused.is_empty() => Ok(m),
            Ok(_) => Err(Error::Validation(refused)),
            Err(Error::Validation(mut more)) => {
                let mut all = refused;
                all.append(&mut more);
                Err(Error::Validation(all))
            }
            Err(e) => Err(e),
        }
    }

    /// `from_json` of an object with `fields` set over it: a request body plus the path
    /// parameters a route gives (`{"tenant": "acme"}`), which win over the body's. Every
    /// violation of the result is listed, as `from_json` lists them.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// let body = serde_json::json!({"name": "Jo", "email": "spoofed@example.com"});
    /// let u = User::from_json_with(body, serde_json::json!({"email": "jo@example.com"}))?;
    /// assert_eq!(u.email, "jo@example.com");
    /// # Ok::<(), Error>(())
    /// ```
    fn from_json_with(value: serde_json::Value, fields: serde_json::Value) -> Result<Self, Error> {
        let mut value = value;
        match (&mut value, fields) {
            (Value::Object(obj), Value::Object(set)) => obj.extend(set),
            (_, Value::Object(_)) => {
                return Err(Error::Validation(vec![Violation::new(
                    "",
                    "must be a JSON object",
                )]))
            }
            (_, other) => {
                return Err(Error::Expression(format!(
                    "from_json_with: the fields to set must be an object, not {other}"
                )))
            }
        }
        Self::from_json(value)
    }

    /// The item as JSON (the seed's `to_dict`).
    fn to_json(&self) -> serde_json::Value {
        self.to_json_value()
    }

    /// Reads the updates that an `update_from_json` object asks for: the key, and a `set`
    /// (or a `remove`, for `null` on an optional field) per other attribute. Generated.
    #[doc(hidden)]
    fn json_updates(json: &mut JsonUpdates<'_, Self>);

    /// A condition matching any of the given full keys (the seed's `keys_in`).
    fn keys_in<K: Into<Self::Key>>(keys: impl IntoIterator<Item = K>) -> Condition<Self> {
        let mut problems = Vec::new();
        let keys = keys
            .into_iter()
            .filter_map(|k| {
                crate::keys::key_item::<Self>(&k.into())
                    .map_err(|e| problems.push(e.to_string()))
                    .ok()
            })
            .collect();
        let mut c = Condition::new(Expr::KeysIn(keys));
        c.problems = problems;
        c
    }
}

impl Error {
    /// The item as stored when a write's condition failed
    /// ([`Error::ConditionalCheckFailed`]), as a model: `None` when the error is another
    /// one or carries no item (there was none).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let jane = User::new("jane@example.com", "Jane");
    /// match User::save_one(db, jane).overwrite(false).await {
    ///     Err(e) => {
    ///         let current: Option<User> = e.stored::<User>().transpose()?;
    ///         println!("already there: {current:?}");
    ///     }
    ///     Ok(saved) => println!("saved {saved:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stored<M: Model>(&self) -> Option<Result<M, Error>> {
        match self {
            Error::ConditionalCheckFailed {
                item: Some(item),
                table,
                ..
            } => Some(decode_stored(item, table)),
            _ => None,
        }
    }
}

impl CancelReason {
    /// The item as stored when this action's condition failed, as a model (when the
    /// transaction asked for stored items).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// # fn demo(e: &Error) -> dynamongo_runtime::Result<()> {
    /// for reason in e.cancel_reasons().iter().filter(|r| r.failed()) {
    ///     let stored: Option<User> = reason.stored::<User>().transpose()?;
    ///     println!("{reason}: {stored:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stored<M: Model>(&self) -> Option<Result<M, Error>> {
        self.item
            .as_deref()
            .map(|item| decode_stored(item, M::TABLE))
    }
}

/// Decodes a stored item of `db`, naming the table when it does not fit.
pub(crate) fn decode<M: Model>(db: &crate::db::Db, item: &Item) -> Result<M, Error> {
    decode_document::<M, M>(db, item)
}

/// Decodes a stored item of `M`'s table as `P` (the model, or an index's projection).
pub(crate) fn decode_document<M: Model, P: Document>(
    db: &crate::db::Db,
    item: &Item,
) -> Result<P, Error> {
    db.check_encrypted::<M>()?;
    // The table's name is only made for an error.
    P::from_item(item).map_err(|source| Error::Decode {
        table: db.table_name(M::TABLE),
        source,
    })
}

fn decode_stored<P: Document>(item: &Item, table: &str) -> Result<P, Error> {
    P::from_item(item).map_err(|source| Error::Decode {
        table: table.to_string(),
        source,
    })
}

/// What a single-item operation acts on: a key, or a condition that contains the key.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let targets = vec![one("a@b.io"), one(user::email().eq("c@d.io"))];
/// let users = User::get_many(db, targets).await?;
/// # Ok(()) }
/// ```
pub enum Target<M: Model> {
    /// A full primary key.
    Key(M::Key),
    /// A model value: its key, and for a versioned model the version it holds, which
    /// `update_one` and `delete_one` check.
    Item(M::Key, Option<i64>),
    /// A key condition, possibly ANDed with extra checks.
    Where(Condition<M>),
}

impl<M: Model> Clone for Target<M> {
    fn clone(&self) -> Self {
        match self {
            Target::Key(k) => Target::Key(k.clone()),
            Target::Item(k, v) => Target::Item(k.clone(), *v),
            Target::Where(c) => Target::Where(c.clone()),
        }
    }
}

impl<M: Model> std::fmt::Debug for Target<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Key(k) => f.debug_tuple("Key").field(k).finish(),
            Target::Item(k, v) => f.debug_tuple("Item").field(k).field(v).finish(),
            Target::Where(c) => f.debug_tuple("Where").field(c).finish(),
        }
    }
}

/// Anything that selects one item of `M` (the seed's single-item "strategy"): generated
/// code implements it for the key's scalar or tuple, the key type and the model; the
/// runtime for [`Condition`] and [`Target`].
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let a = User::get_one(db, "a@b.io").await?;                       // the key
/// let b = User::get_one(db, &a).await?;                             // a model
/// let c = User::get_one(db, user::email().eq("a@b.io")).optional().await?; // a key condition
/// # Ok(()) }
/// ```
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
        Target::Item(self.key(), self.version())
    }
}

impl<M: Model> Strategy<M> for &M {
    fn into_target(self) -> Target<M> {
        Target::Item(self.key(), self.version())
    }
}

impl<M: Model> Strategy<M> for Target<M> {
    fn into_target(self) -> Target<M> {
        self
    }
}

/// Wraps any single-item strategy, to mix kinds in one list:
/// `vec![one("a@x.io"), one(user::email().eq("b@x.io"))]`.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let users = User::get_many(db, vec![one("a@b.io"), one(user::email().eq("c@d.io"))]).await?;
/// # Ok(()) }
/// ```
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
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let by_key = User::get_many(db, vec!["a@b.io", "c@d.io"]).await?;
/// let by_condition = User::get_many(db, user::cities_visited().contains("Nairobi")).await?;
/// let plan = User::get_many(db, user::email().in_(["a@b.io"])).explain()?;
/// # Ok(()) }
/// ```
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

/// Reads the JSON object of `update_from_json` (`Model::json_updates`): the key, and one
/// update per other attribute present. Only the handles are typed by the model; the
/// reading is shared by all models (one copy per field type, not per model).
pub struct JsonUpdates<'a, M> {
    reader: UpdateReader<'a>,
    _model: std::marker::PhantomData<fn() -> M>,
}

struct UpdateReader<'a> {
    obj: Option<&'a Map<String, Value>>,
    out: Vec<Violation>,
    key: Item,
    version: Option<i64>,
    /// A versioned model's object without its version: the JSON name of the field.
    version_missing: Option<String>,
    actions: Vec<Action>,
    seen: Vec<String>,
}

impl<'a> UpdateReader<'a> {
    fn value(&mut self, path: &AttrPath) -> (String, Option<&'a Value>) {
        let name = path.to_string();
        let v = self.obj.and_then(|o| o.get(&name));
        self.seen.push(name.clone());
        (name, v)
    }

    fn key<T: FieldValue>(&mut self, path: &AttrPath, rules: &Rules) {
        let (name, v) = self.value(path);
        match v.filter(|v| !is_empty_json(v)) {
            None => self.out.push(Violation::new(name, "is required")),
            Some(v) => {
                if let Some(x) = read_checked::<T>(v, &name, rules, &mut self.out) {
                    self.key.insert(name, x.to_attr());
                }
            }
        }
    }

    fn set<T: FieldValue>(&mut self, path: &AttrPath, rules: &Rules, optional: bool) {
        let (name, v) = self.value(path);
        let Some(v) = v else { return };
        if is_empty_json(v) {
            if optional {
                self.actions.push(Action::Remove(path.clone()));
            } else {
                let message = "is required and cannot be emptied";
                self.out.push(Violation::new(name, message));
            }
        } else if let Some(x) = read_checked::<T>(v, &name, rules, &mut self.out) {
            self.actions.push(Action::Set(path.clone(), x.to_attr()));
        }
    }
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
        let reader = UpdateReader {
            obj,
            out,
            key: Item::new(),
            version: None,
            version_missing: None,
            actions: Vec::new(),
            seen: Vec::new(),
        };
        JsonUpdates {
            reader,
            _model: std::marker::PhantomData,
        }
    }

    /// A key attribute (required).
    pub fn key<T: FieldValue, P>(&mut self, field: &Field<M, T, P>) {
        self.reader.key::<T>(field.path(), field.rule_set());
    }

    /// Another attribute: set when given, removed when null or `""` (optional fields only).
    pub fn set<T: FieldValue, P: Presence>(&mut self, field: &Field<M, T, P>) {
        self.reader
            .set::<T>(field.path(), field.rule_set(), P::OPTIONAL);
    }

    /// A read-only field: refused when the object sets it.
    pub fn read_only<T, P>(&mut self, field: &Field<M, T, P>) {
        let r = &mut self.reader;
        let (name, v) = r.value(field.path());
        if v.is_some() {
            r.out.push(Violation::new(
                name,
                "is read-only: an update cannot change it",
            ));
        }
    }

    /// The version attribute of a versioned model: the version the update expects the
    /// stored item to be at (as a model value passed to `update_one`). Without it the
    /// update is refused, unless the caller opts out (`UpdateOne::any_version`).
    pub fn version<P>(&mut self, field: &Field<M, i64, P>) {
        let r = &mut self.reader;
        let (name, v) = r.value(field.path());
        match v.filter(|v| !is_empty_json(v)) {
            Some(v) => r.version = read_checked::<i64>(v, &name, field.rule_set(), &mut r.out),
            None => r.version_missing = Some(name),
        }
    }

    /// The update, and the version field's name when a versioned model's object does not
    /// give its version.
    #[allow(clippy::type_complexity)]
    pub(crate) fn finish(self) -> (Result<(Target<M>, Vec<Update<M>>), Error>, Option<String>) {
        let missing = self.reader.version_missing.clone();
        (self.finish_update(), missing)
    }

    fn finish_update(self) -> Result<(Target<M>, Vec<Update<M>>), Error> {
        let mut r = self.reader;
        if let Some(obj) = r.obj {
            report_unknown(obj, "", |k| r.seen.iter().any(|s| s == k), &mut r.out, 0);
        }
        if !r.out.is_empty() {
            return Err(Error::Validation(r.out));
        }
        let key = M::Key::from_key_item(&r.key)
            .map_err(|e| Error::Validation(vec![Violation::new(e.path(), e.to_string())]))?;
        let updates = r.actions.into_iter().map(|a| Update::new(a, Vec::new()));
        let target = match r.version {
            Some(v) => Target::Item(key, Some(v)),
            None => Target::Key(key),
        };
        Ok((target, updates.collect()))
    }
}
