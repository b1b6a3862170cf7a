//! The write engine: what every single-item write goes through, whichever operation sends
//! it — items validated and converted (`prepare`), the overwrite rule and the version
//! check as one condition (`prepare_put`), an update's checked parts (`update_parts`),
//! and the three calls (`put`, `update`, `delete`) with their errors read the same way.
//! Operations build on these and never on each other.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::capacity::{self, WriteRate};
use crate::db::Db;
use crate::encryption;
use crate::error::{Error, Violation};
use crate::eval;
use crate::expr::{condition_request, Action, AttrPath, Condition, Expr, ExprBuilder, Update};
use crate::keys::{self, check_item_size, Single};
use crate::migrate;
use crate::model::{decode, Model, Strategy};
use crate::retry::{retrying_after, RetryPolicy};
use crate::trace::{self, MaybeSet};
use crate::value::{FieldValue, Item};

/// When a save may replace an existing item with the same key.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let jane = User::new("jane@example.com", "Jane");
/// User::save_one(db, jane.clone()).overwrite(false).await?;
/// User::save_one(db, jane).overwrite(user::year_of_birth().lt(2000)).await?;
/// # Ok(()) }
/// ```
pub enum Overwrite<M> {
    /// Always (the default).
    Always,
    /// Never: an existing item is [`Error::ConditionalCheckFailed`].
    Never,
    /// Only when the existing item meets the condition (a new item is always written).
    If(Condition<M>),
}

impl<M> From<bool> for Overwrite<M> {
    fn from(b: bool) -> Self {
        if b {
            Overwrite::Always
        } else {
            Overwrite::Never
        }
    }
}

impl<M> From<Condition<M>> for Overwrite<M> {
    fn from(c: Condition<M>) -> Self {
        Overwrite::If(c)
    }
}

impl<M> Clone for Overwrite<M> {
    fn clone(&self) -> Self {
        match self {
            Overwrite::Always => Overwrite::Always,
            Overwrite::Never => Overwrite::Never,
            Overwrite::If(c) => Overwrite::If(c.clone()),
        }
    }
}

impl<M> Overwrite<M> {
    /// Refuses a condition that cannot be sent (before anything is).
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self {
            Overwrite::If(c) => c.check(),
            _ => Ok(()),
        }
    }
}

/// The condition expression for an overwrite rule (None for `Always`).
fn overwrite_expr<M: Model>(o: &Overwrite<M>) -> Result<Option<Expr>, Error> {
    let absent = Expr::NotExists(AttrPath::of(M::HASH_KEY.name));
    Ok(match o {
        Overwrite::Always => None,
        Overwrite::Never => Some(absent),
        Overwrite::If(c) => {
            c.check()?;
            Some(Expr::Or(Box::new(absent), Box::new(c.expr.clone())))
        }
    })
}

/// Validates an item and converts it, refusing what DynamoDB would refuse.
pub(crate) fn prepare<M: Model>(item: &M) -> Result<Item, Error> {
    prepare_sized(item).map(|(av, _)| av)
}

/// As [`prepare`], with the item's size as DynamoDB counts it (checked here).
fn prepare_sized<M: Model>(item: &M) -> Result<(Item, usize), Error> {
    item.validate()?;
    let mut av = item.to_item();
    if let Some(e) = M::ENTITY {
        e.write_keys(&mut av)?;
    }
    keys::check_key_of::<M>(&av)?;
    let size = check_item_size(&av)?;
    Ok((av, size))
}

/// The condition and the item a put sends, and the version it writes: the item validated
/// and converted, and for a versioned model written at version + 1 on the condition that
/// the stored item is at the item's version (ANDed with the overwrite rule).
pub(crate) struct PreparedPut {
    pub item: Item,
    pub condition: Option<Expr>,
    pub version: Option<i64>,
    /// The item's size as DynamoDB counts it (its version included).
    pub size: u64,
}

pub(crate) fn prepare_put<M: Model>(
    item: &M,
    overwrite: &Overwrite<M>,
) -> Result<PreparedPut, Error> {
    let (mut av, mut size) = prepare_sized(item)?;
    let overwrite = overwrite_expr(overwrite)?;
    let (version, check) = match (M::VERSION, item.version()) {
        (Some(attr), Some(v)) => {
            let next = v.checked_add(1).ok_or_else(|| {
                Error::Validation(vec![Violation::new(
                    attr,
                    "the version cannot grow further",
                )])
            })?;
            let written = next.to_attr();
            // The version's size replaces the one the item had (a version of 9 becomes 10).
            let before = av.get(attr).map_or(0, |v| attr.len() + keys::value_size(v));
            size = size - before + attr.len() + keys::value_size(&written);
            av.insert(attr.to_string(), written);
            (Some(next), keys::version_check::<M>(v))
        }
        _ => (None, None),
    };
    Ok(PreparedPut {
        item: av,
        condition: Expr::and_all(overwrite.into_iter().chain(check).collect()),
        version,
        size: size as u64,
    })
}

/// Resolves the strategy of a single-item write (`update_one`, `delete_one`).
pub(crate) fn single_of<M: Model>(s: impl Strategy<M>) -> Result<Single, Error> {
    keys::resolve(s.into_target())
}

/// An update's parts, checked: the actions (with the version bump of a versioned model)
/// and the condition (the item exists, plus the checks and the version of a model value).
pub(crate) struct UpdateParts {
    pub key: Item,
    pub actions: Vec<Action>,
    pub condition: Expr,
}

/// `known`: the fields an entity's index templates need and the update does not set, as
/// `update` read them from the stored item (absent ones absent); the update is conditioned
/// on them being unchanged.
pub(crate) fn update_parts<M: Model>(
    single: Single,
    updates: Vec<Update<M>>,
    known: Option<&Known>,
) -> Result<UpdateParts, Error> {
    if updates.is_empty() {
        return Err(Error::Validation(vec![Violation::new(
            "",
            "at least one attribute must be updated",
        )]));
    }
    let violations: Vec<Violation> = updates
        .iter()
        .flat_map(|u| u.violations.iter().cloned())
        .collect();
    if !violations.is_empty() {
        return Err(Error::Validation(violations));
    }
    let is_key = |n: &str| {
        n == M::HASH_KEY.name
            || M::RANGE_KEY.is_some_and(|r| r.name == n)
            || M::ENTITY.is_some_and(|e| e.key_fields().any(|f| f == n))
    };
    for (i, u) in updates.iter().enumerate() {
        let path = u.action.path();
        if path.top_level().is_some_and(is_key) {
            return Err(Error::Expression(format!(
                "key attribute `{path}` cannot be updated"
            )));
        }
        if M::VERSION.is_some() && path.top_level() == M::VERSION {
            return Err(Error::Expression(format!(
                "version attribute `{path}` is kept by dynamongo: every update adds one to it"
            )));
        }
        // Updates are few: the earlier ones are compared in place (nothing hashed).
        if updates[..i].iter().any(|o| o.action.path() == path) {
            return Err(Error::Expression(format!(
                "attribute `{path}` is updated more than once"
            )));
        }
    }
    let mut actions: Vec<Action> = updates.into_iter().map(|u| u.action).collect();
    if let Some(e) = M::ENTITY {
        let index_keys = e.index_actions(&single.key, &actions, known.map(|k| &k.values))?;
        actions.extend(index_keys);
    }
    // A versioned item counts its writes: ADD also gives a version to an item written
    // before the model was versioned.
    actions.extend(M::VERSION.map(|v| Action::Add(AttrPath::of(v), AttributeValue::N("1".into()))));
    // Update only: never create an item that is not there (as dynamongo does), and an
    // expired item is not there (reads do not return it either).
    let mut condition = Expr::Exists(AttrPath::of(M::HASH_KEY.name));
    if let Some(e) = M::ENTITY {
        condition = Expr::And(Box::new(condition), Box::new(e.is_this()));
    }
    if let Some(live) = keys::live::<M>() {
        condition = Expr::And(Box::new(condition), Box::new(live));
    }
    if let Some(extra) = single.write_condition::<M>() {
        condition = Expr::And(Box::new(condition), Box::new(extra));
    }
    // The index keys were rendered from these stored values: they must still hold them.
    if let Some(k) = known {
        let held = k.values.iter().map(|(field, value)| {
            Expr::Cmp(AttrPath::attr(field), crate::expr::Cmp::Eq, value.clone())
        });
        let absent = k.absent.iter().map(|f| Expr::NotExists(AttrPath::of(f)));
        for unchanged in held.chain(absent) {
            condition = Expr::And(Box::new(condition), Box::new(unchanged));
        }
    }
    Ok(UpdateParts {
        key: single.key,
        actions,
        condition,
    })
}

/// The service errors of the single-item writes, which may be a failed condition that
/// carries the stored item (ReturnValuesOnConditionCheckFailure).
trait CheckFailed: ProvideErrorMetadata {
    fn check_failed(&self) -> Option<&ConditionalCheckFailedException>;
}

macro_rules! check_failed_for {
    ($($error:ty),*) => {$(
        impl CheckFailed for $error {
            fn check_failed(&self) -> Option<&ConditionalCheckFailedException> {
                match self {
                    Self::ConditionalCheckFailedException(c) => Some(c),
                    _ => None,
                }
            }
        }
    )*};
}

check_failed_for!(PutItemError, UpdateItemError, DeleteItemError);

/// The stored item of a failed condition: `Some(None)` when the condition failed on no
/// item, `None` when `e` is another error. A failed condition is charged to the call's
/// span and meter (DynamoDB bills it and does not say so): a write of the larger of
/// `written` (bytes, the item this call wrote; 0 when it did not send one) and the item
/// stored.
fn failed_condition<E: CheckFailed>(
    db: &Db,
    span: &tracing::Span,
    table: &str,
    e: &SdkError<E>,
    written: u64,
) -> Option<Option<Box<Item>>> {
    let c = e.as_service_error()?.check_failed()?;
    let stored = c.item().filter(|i| !i.is_empty());
    let stored_size = stored.map_or(0, keys::item_size) as u64;
    trace::check_failed(db, span, table, written.max(stored_size));
    Some(stored.map(|i| Box::new(i.clone())))
}

/// Sends one put (PutItem), retried under `policy`; the version written, for a versioned
/// model. A retry whose condition fails on exactly the item this put writes finds its own
/// earlier attempt applied (the reply was lost): success. A failed condition after an
/// attempt that may have been applied is [`Error::OutcomeUnknown`], never a conflict.
pub(crate) async fn put<M: Model>(
    db: &Db,
    item: &M,
    overwrite: &Overwrite<M>,
    policy: &RetryPolicy,
    rate: WriteRate<'_>,
) -> Result<Option<i64>, Error> {
    db.check_encrypted::<M>()?;
    let table = db.table(M::TABLE);
    let table = &table;
    retrying_after(db.quota(), policy, |maybe_applied| async move {
        let put = prepare_put(item, overwrite)?;
        let size = put.size;
        let predicted = capacity::write_units(size) + rate.map_or(0.0, |r| r.1);
        let charge = capacity::pace(rate.map(|r| r.0), predicted).await;
        // Kept only to recognise this write's own effect on a retry.
        let written = maybe_applied.then(|| put.item.clone());
        let mut req = db
            .client()
            .put_item()
            .table_name(table.as_ref())
            .set_item(Some(put.item));
        if let Some(expr) = &put.condition {
            let (text, names, values) = condition_request(expr);
            req = req
                .condition_expression(text)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
        }
        let span = trace::call("PutItem", table);
        req = req.return_consumed_capacity(trace::CAPACITY);
        match trace::sent(&span, move || req.send()).await {
            Ok(out) => {
                charge.settle(trace::consumed(
                    db,
                    &span,
                    trace::Kind::Write,
                    out.consumed_capacity(),
                ));
                Ok(put.version)
            }
            Err(e) => put_failed::<M>(db, &span, table, e, size, written, put.version),
        }
    })
    .await
}

/// What a failed PutItem means (out of line and cold, as every failure): this put's own
/// earlier attempt found applied (`written`: what it wrote, kept when one may have been),
/// a failed condition, or the service's error.
#[cold]
#[inline(never)]
fn put_failed<M: Model>(
    db: &Db,
    span: &tracing::Span,
    table: &str,
    e: SdkError<PutItemError>,
    size: u64,
    written: Option<Item>,
    version: Option<i64>,
) -> Result<Option<i64>, Error> {
    let failed = failed_condition(db, span, table, &e, size);
    let err = match (failed, written) {
        (Some(Some(stored)), Some(mine)) if eval::same_item(&stored, &mine) => return Ok(version),
        (Some(_), Some(_)) => unknown(table, "PutItem"),
        (Some(item), None) => conflict::<M>(table, item),
        (None, _) => Error::sdk("PutItem", e),
    };
    trace::failed(span, &err);
    Err(err)
}

/// A failed condition, with the item as stored and as the model's JSON.
fn conflict<M: Model>(table: &str, item: Option<Box<Item>>) -> Error {
    let json = item
        .as_deref()
        .and_then(|i| M::from_item(i).ok())
        .map(|m| Box::new(m.to_json()));
    Error::ConditionalCheckFailed {
        table: table.to_string(),
        item,
        json,
    }
}

/// The error of a conditional write whose earlier attempt may have been applied.
fn unknown(table: &str, operation: &'static str) -> Error {
    Error::OutcomeUnknown {
        table: table.to_string(),
        operation,
        reason: "an earlier attempt may have been applied (its reply was lost), and the \
                 retry's condition failed on an item it did not write: another writer may \
                 have changed it since"
            .to_string(),
    }
}

/// Sends one update (UpdateItem), retried under `policy`, and returns the item as it is
/// afterwards. A versioned update retried after an attempt that may have been applied
/// finds the item one version further if that attempt was applied: the item is returned
/// when it holds every value this update sets, else [`Error::OutcomeUnknown`].
pub(crate) async fn update<M: Model>(
    db: &Db,
    request: Result<(Single, Vec<Update<M>>), Error>,
    policy: RetryPolicy,
) -> Result<M, Error> {
    let (single, updates) = request?;
    let policy = &policy;
    db.check_encrypted::<M>()?;
    let table = db.table(M::TABLE);
    let expected_version = single.version.map(|v| v + 1);
    // Boxed (entities whose index templates need stored fields only): the read's future
    // would otherwise size every update's.
    let known = match templates_to_read::<M>(&single, &updates) {
        Some(missing) => {
            Some(Box::pin(template_fields(db, &table, &single, missing, policy)).await?)
        }
        None => None,
    };
    let UpdateParts {
        key,
        mut actions,
        condition: cond,
    } = update_parts(single, updates, known.as_ref())?;
    if encryption::encrypted::<M>() {
        if !in_place::<M>(&actions) {
            // Boxed (encrypted models only): its read-modify-write future is larger than
            // the update's own, and would otherwise size every model's update.
            return Box::pin(update_whole::<M>(db, &table, &key, &actions, &cond, policy)).await;
        }
        // Unsigned attributes only: changed in place; the version is signed, so it stays.
        actions.retain(|a| eval::top_attribute(a) != M::VERSION);
    }
    let (table, key, actions, cond) = (&table, &key, &actions, &cond);
    retrying_after(db.quota(), policy, |maybe_applied| async move {
        // Rendered for each attempt, straight into the request (no copy kept to clone).
        let mut b = ExprBuilder::default();
        let update_text = b.update(actions);
        let cond_text = b.condition(cond);
        let (names, values) = b.into_maps();
        let span = trace::call("UpdateItem", table);
        // The stored item tells a failed check from a missing item; when the item's
        // existence is all that is checked, a failed condition can only mean it is missing.
        let stored_on_failure = (!matches!(cond, Expr::Exists(_)))
            .then_some(ReturnValuesOnConditionCheckFailure::AllOld);
        let res = trace::sent(&span, || {
            db.client()
                .update_item()
                .table_name(table.as_ref())
                .set_key(Some(key.clone()))
                .update_expression(update_text)
                .condition_expression(cond_text)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values(ReturnValue::AllNew)
                .maybe(stored_on_failure, |b, r| {
                    b.return_values_on_condition_check_failure(r)
                })
                .return_consumed_capacity(trace::CAPACITY)
                .send()
        })
        .await;
        match res {
            Ok(out) => {
                trace::consumed(db, &span, trace::Kind::Write, out.consumed_capacity());
                match out.attributes() {
                    Some(item) => decode(db, item),
                    None => Err(Error::NotFound {
                        table: table.to_string(),
                    }),
                }
                .inspect_err(|e| trace::failed(&span, e))
            }
            Err(e) => update_failed::<M>(
                db,
                &span,
                table,
                e,
                maybe_applied,
                actions,
                expected_version,
            ),
        }
    })
    .await
}

/// What a failed UpdateItem means (out of line and cold, as every failure): no item (or
/// an expired one) to update, a failed check or version, this update's own earlier attempt
/// (`maybe_applied`, found applied in the stored item), or the service's error.
#[cold]
#[inline(never)]
fn update_failed<M: Model>(
    db: &Db,
    span: &tracing::Span,
    table: &str,
    e: SdkError<UpdateItemError>,
    maybe_applied: bool,
    actions: &[Action],
    expected_version: Option<i64>,
) -> Result<M, Error> {
    let failed = failed_condition(db, span, table, &e, 0);
    let err = match failed {
        // No item, or an expired one: nothing to update. An item: it failed the checks or
        // the version.
        Some(None) => Error::NotFound {
            table: table.to_string(),
        },
        Some(Some(stored)) if expired::<M>(&stored) => Error::NotFound {
            table: table.to_string(),
        },
        Some(Some(stored)) if maybe_applied => {
            if applied_update::<M>(&stored, actions, expected_version) {
                return decode(db, &stored);
            }
            unknown(table, "UpdateItem")
        }
        Some(item) => conflict::<M>(table, item),
        None => Error::sdk("UpdateItem", e),
    };
    trace::failed(span, &err);
    Err(err)
}

/// The stored fields an entity's index templates need: present ones with their values,
/// and the absent ones.
pub(crate) struct Known {
    values: Item,
    absent: Vec<&'static str>,
}

/// The stored fields an entity's index templates need to render the index keys an update
/// rewrites, when the update does not set them: `None` when none is missing (or the update
/// is refused anyway).
fn templates_to_read<M: Model>(
    single: &Single,
    updates: &[Update<M>],
) -> Option<Vec<&'static str>> {
    let e = M::ENTITY?;
    let missing = e.missing_fields(&single.key, updates.iter().map(|u| &u.action));
    (!missing.is_empty() && updates.iter().all(|u| u.violations.is_empty())).then_some(missing)
}

/// The `missing` fields as stored (one consistent GetItem; the update is then conditioned
/// on them being unchanged).
async fn template_fields(
    db: &Db,
    table: &str,
    single: &Single,
    missing: Vec<&'static str>,
    policy: &RetryPolicy,
) -> Result<Known, Error> {
    let Some(stored) = crate::read::read_item(db, table, &single.key, true, policy).await? else {
        return Err(Error::NotFound {
            table: table.to_string(),
        });
    };
    let (present, absent): (Vec<&'static str>, Vec<&'static str>) =
        missing.into_iter().partition(|f| stored.contains_key(*f));
    Ok(Known {
        values: present
            .into_iter()
            .filter_map(|f| stored.get(f).map(|v| (f.to_string(), v.clone())))
            .collect(),
        absent,
    })
}

/// Whether an update of an encrypted model's item can be an UpdateItem: it changes only
/// unsigned (`"signed": false`) attributes, besides the version, which it then leaves.
pub(crate) fn in_place<M: Model>(actions: &[Action]) -> bool {
    actions.iter().all(|a| {
        let attr = eval::top_attribute(a);
        attr == M::VERSION
            || attr.and_then(encryption::action_of::<M>)
                == Some(encryption::CryptoAction::DoNothing)
    }) && actions.iter().any(|a| eval::top_attribute(a) != M::VERSION)
}

/// The update of an encrypted model's item: the encryption SDK writes signed attributes
/// whole, never by an update expression. So the item is read (consistently), checked
/// against the update's condition, changed here, and put back on the condition that its
/// version — or, unversioned, every signed plaintext attribute — is still as read. When
/// another writer came in between, it starts again from a new read.
async fn update_whole<M: Model>(
    db: &Db,
    table: &str,
    key: &Item,
    actions: &[Action],
    condition: &Expr,
    policy: &RetryPolicy,
) -> Result<M, Error> {
    let attempts = policy.max_attempts.max(1);
    let mut written: Option<Item> = None;
    for _ in 0..attempts {
        let Some(stored) = crate::read::read_item(db, table, key, true, policy).await? else {
            return Err(Error::NotFound {
                table: table.to_string(),
            });
        };
        // A put whose reply was lost, then refused: it was applied if the item is it.
        if let Some(mine) = written.take() {
            if eval::same_item(&stored, &mine) {
                return decode(db, &stored);
            }
        }
        if expired::<M>(&stored) {
            return Err(Error::NotFound {
                table: table.to_string(),
            });
        }
        if !eval::matches(condition, &stored) {
            return Err(conflict::<M>(table, Some(Box::new(stored))));
        }
        let mut changed = stored.clone();
        for a in actions {
            eval::apply(&mut changed, a)?;
        }
        let value: M = decode(db, &changed)?;
        let item = prepare(&value)?;
        let unchanged = as_read::<M>(&stored);
        if migrate::put_if(db, table, &item, &unchanged, policy, None).await? {
            return Ok(value);
        }
        written = Some(item);
    }
    Err(Error::ConditionalCheckFailed {
        table: table.to_string(),
        item: None,
        json: None,
    })
}

/// The condition that an encrypted model's stored item is still as read: its version, or
/// every signed plaintext attribute (present with its value, or absent).
pub(crate) fn as_read<M: Model>(stored: &Item) -> Expr {
    let hash = Expr::Exists(AttrPath::of(M::HASH_KEY.name));
    let checks = match M::VERSION {
        Some(v) => vec![match stored.get(v) {
            Some(value) => Expr::Cmp(AttrPath::of(v), crate::expr::Cmp::Eq, value.clone()),
            None => Expr::NotExists(AttrPath::of(v)),
        }],
        None => M::ATTRIBUTE_ACTIONS
            .iter()
            .filter(|(_, a)| *a == encryption::CryptoAction::SignOnly)
            .map(|(attr, _)| match stored.get(*attr) {
                Some(value) => Expr::Cmp(AttrPath::of(attr), crate::expr::Cmp::Eq, value.clone()),
                None => Expr::NotExists(AttrPath::of(attr)),
            })
            .collect(),
    };
    checks
        .into_iter()
        .fold(hash, |a, b| Expr::And(Box::new(a), Box::new(b)))
}

/// Whether `stored` is what a versioned update leaves: at the version it writes, holding
/// every value it sets and none it removes. (An unversioned update cannot be recognised:
/// its retry is applied again, as with any DynamoDB client.)
fn applied_update<M: Model>(stored: &Item, actions: &[Action], version: Option<i64>) -> bool {
    let (Some(attr), Some(version)) = (M::VERSION, version) else {
        return false;
    };
    let at_version =
        matches!(stored.get(attr), Some(AttributeValue::N(n)) if n.parse::<i64>() == Ok(version));
    at_version
        && actions.iter().all(|a| match a {
            Action::Set(path, value) => eval::holds(stored, path, value),
            Action::Remove(path) => !eval::has(stored, path),
            // ADD / DELETE change a value relative to the old one: the version says
            // whether this update was applied.
            _ => true,
        })
}

/// Whether a stored item's TTL has passed (it counts as absent for updates and deletes).
fn expired<M: Model>(stored: &Item) -> bool {
    keys::live::<M>().is_some_and(|live| !eval::matches(&live, stored))
}

/// The single-item delete's target: an expired item counts as absent, as reads treat it.
pub(crate) fn live_only<M: Model>(mut single: Single) -> Single {
    if let Some(live) = keys::live::<M>() {
        single.extra = Expr::and_all(single.extra.into_iter().chain([live]).collect());
    }
    single
}

/// Sends one delete (DeleteItem), retried under `policy`: the item deleted, or `None` when
/// nothing matched. After an attempt that may have been applied, a retry that finds no
/// item cannot tell this delete's effect from another writer's: [`Error::OutcomeUnknown`].
pub(crate) async fn delete<M: Model>(
    db: &Db,
    single: Single,
    policy: &RetryPolicy,
    rate: WriteRate<'_>,
) -> Result<Option<M>, Error> {
    db.check_encrypted::<M>()?;
    let table = db.table(M::TABLE);
    let condition = single.write_condition::<M>().map(|c| condition_request(&c));
    let (table, single, condition) = (&table, &single, &condition);
    retrying_after(db.quota(), policy, |maybe_applied| async move {
        let mut req = db
            .client()
            .delete_item()
            .table_name(table.as_ref())
            .set_key(Some(single.key.clone()))
            .return_values(ReturnValue::AllOld);
        if let Some((text, names, values)) = condition {
            req = req
                .condition_expression(text)
                .set_expression_attribute_names(names.clone())
                .set_expression_attribute_values(values.clone())
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
        }
        let predicted = capacity::write_units(0) + rate.map_or(0.0, |r| r.1);
        let charge = capacity::pace(rate.map(|r| r.0), predicted).await;
        let span = trace::call("DeleteItem", table);
        req = req.return_consumed_capacity(trace::CAPACITY);
        let res = trace::sent(&span, move || req.send()).await;
        if let Ok(out) = &res {
            charge.settle(trace::consumed(
                db,
                &span,
                trace::Kind::Write,
                out.consumed_capacity(),
            ));
        }
        let failed = res
            .as_ref()
            .err()
            .and_then(|e| failed_condition(db, &span, table, e, 0));
        let result = match res {
            Ok(out) => match out.attributes() {
                Some(i) => decode(db, i).map(Some),
                None if maybe_applied => Err(unknown(table, "DeleteItem")),
                None => Ok(None),
            },
            Err(e) => match failed {
                Some(None) if maybe_applied => Err(unknown(table, "DeleteItem")),
                // A stale copy of a versioned item: refused, with the item as stored.
                Some(Some(item))
                    if !expired::<M>(&item)
                        && single
                            .version
                            .is_some_and(|v| keys::is_stale::<M>(&item, v)) =>
                {
                    Err(conflict::<M>(table, Some(item)))
                }
                // As in dynamongo: an item that fails the checks is not deleted, and
                // nothing is returned.
                Some(_) => Ok(None),
                None => Err(Error::sdk("DeleteItem", e)),
            },
        };
        if let Err(e) = &result {
            trace::failed(&span, e);
        }
        result
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::example::user::User;
    use crate::codegen::example::workspace::Workspace;

    /// A put's size is counted once, while the item is checked, and kept right when the
    /// version is bumped (from one digit to two, and at no version): what capacity is
    /// predicted and charged from.
    #[test]
    fn a_put_knows_the_size_of_what_it_writes() {
        let mut w = Workspace::new("acme", "Acme");
        for version in [0, 9, 99, 12_345] {
            w.version = version;
            let put = prepare_put(&w, &Overwrite::Always).expect("a valid item");
            assert_eq!(
                put.size,
                keys::item_size(&put.item) as u64,
                "version {version}"
            );
        }
        let put = prepare_put(&User::new("a@b.io", "A"), &Overwrite::Always).expect("valid");
        assert_eq!(put.size, keys::item_size(&put.item) as u64);
    }
}
