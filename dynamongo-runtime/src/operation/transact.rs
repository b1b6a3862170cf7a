//! Transactions: [`Db::transact_write`] (TransactWriteItems) and [`Db::transact_get`]
//! (TransactGetItems), typed by model, across models, with the version checks of
//! versioned models. What DynamoDB would refuse is refused before sending.

use std::any::Any;
use std::collections::HashMap;
use std::future::IntoFuture;
use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    CancellationReason, ConditionCheck, Delete, Get, Put, ReturnValuesOnConditionCheckFailure,
    TransactGetItem, TransactWriteItem, Update as SdkUpdate,
};

use aws_sdk_dynamodb::config::http::HttpResponse;

use crate::capacity::Capacity;
use crate::db::Db;
use crate::error::{CancelReason, Error, Violation};
use crate::eval;
use crate::expr::{Action, AttrPath, Expr, ExprBuilder, Update};
use crate::keys::{self, item_size, key_text_in, value_size};
use crate::model::{Model, Strategy};
use crate::retry::{retrying, RetryPolicy};
use crate::trace;
use crate::value::Item;

use crate::trace::{traced, BoxFuture};
use crate::write::{prepare_put, update_parts, Overwrite, UpdateParts};

/// DynamoDB's limits on one transaction.
const MAX_ACTIONS: usize = 100;
const MAX_BYTES: usize = 4 * 1024 * 1024;
const MAX_TOKEN: usize = 36;

/// Where an action's result is in a transaction's output: returned when the action is
/// added, typed by its model.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let mut tx = db.transact_get();
/// let jane = tx.get::<User>("jane@example.com");
/// assert_eq!(jane.index(), 0);
/// # Ok(()) }
/// ```
pub struct Position<M> {
    index: usize,
    _model: PhantomData<fn() -> M>,
}

impl<M> Position<M> {
    fn new(index: usize) -> Self {
        Position {
            index,
            _model: PhantomData,
        }
    }

    /// The action's position in its transaction, from 0.
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<M> Clone for Position<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Position<M> {}

impl<M> std::fmt::Debug for Position<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Position({})", self.index)
    }
}

type AnyItem = Box<dyn Any + Send + Sync>;

/// One action's request, before the expressions are rendered.
enum Op {
    Put { item: Item, condition: Option<Expr> },
    Update { parts: UpdateParts },
    Delete { key: Item, condition: Option<Expr> },
    Check { key: Item, condition: Expr },
}

struct WriteAction {
    table: String,
    /// The model's name, for the span.
    model: &'static str,
    /// The key as text, to find one item twice.
    key: String,
    /// What the action counts towards the 4 MB.
    size: usize,
    op: Op,
    /// What a put gives back once committed: the item, at its new version.
    committed: Option<AnyItem>,
    /// The version the item is at once committed, where it is known (a put of a
    /// versioned item; an update of a versioned model value).
    version: Option<i64>,
}

impl WriteAction {
    fn request(self, stored: bool) -> Result<TransactWriteItem, Error> {
        let on_failure = stored.then_some(ReturnValuesOnConditionCheckFailure::AllOld);
        let mut b = ExprBuilder::default();
        let table = self.table;
        let built = match self.op {
            Op::Put { item, condition } => {
                let text = condition.as_ref().map(|c| b.condition(c));
                let (names, values) = b.into_maps();
                let put = Put::builder()
                    .table_name(table)
                    .set_item(Some(item))
                    .set_condition_expression(text)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build();
                TransactWriteItem::builder().put(config(put)?)
            }
            Op::Update { parts } => {
                let update = b.update(&parts.actions);
                let condition = b.condition(&parts.condition);
                let (names, values) = b.into_maps();
                let u = SdkUpdate::builder()
                    .table_name(table)
                    .set_key(Some(parts.key))
                    .update_expression(update)
                    .condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build();
                TransactWriteItem::builder().update(config(u)?)
            }
            Op::Delete { key, condition } => {
                let text = condition.as_ref().map(|c| b.condition(c));
                let (names, values) = b.into_maps();
                let d = Delete::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .set_condition_expression(text)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build();
                TransactWriteItem::builder().delete(config(d)?)
            }
            Op::Check { key, condition } => {
                let text = b.condition(&condition);
                let (names, values) = b.into_maps();
                let c = ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .condition_expression(text)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build();
                TransactWriteItem::builder().condition_check(config(c)?)
            }
        };
        Ok(built.build())
    }
}

/// Sends a transaction call in its span: a cancellation is `Error::TransactionCanceled`
/// with its reasons (`reasons` finds them in the service error), and a failure is
/// recorded on the span.
async fn traced_send<T, E, F>(
    span: &tracing::Span,
    operation: &'static str,
    send: impl FnOnce() -> F,
    reasons: impl Fn(&E) -> Option<&[CancellationReason]>,
) -> Result<T, Error>
where
    F: std::future::Future<Output = Result<T, aws_sdk_dynamodb::error::SdkError<E, HttpResponse>>>
        + Send,
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    trace::sent(span, send).await.map_err(|e| {
        let err = match e.as_service_error().and_then(&reasons) {
            Some(r) => Error::TransactionCanceled {
                reasons: cancel_reasons(r),
            },
            None => Error::sdk(operation, e),
        };
        trace::failed(span, &err);
        err
    })
}

/// The tables (or models) of a transaction, each once, sorted, for its span.
fn distinct_names<'t>(names: impl Iterator<Item = &'t str>) -> String {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

fn config<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| Error::Transaction(e.to_string()))
}

/// An all-or-nothing write across items and models (TransactWriteItems): puts,
/// create-if-absent, updates, deletes and condition checks, with the version checks of
/// versioned models. Build it with [`Db::transact_write`], add actions, then `.await` it.
///
/// Before anything is sent, it refuses what DynamoDB would: no action or more than 100,
/// one item in two actions, more than 4 MB, an invalid item or update
/// ([`Error::Transaction`] or [`Error::Validation`], naming the action). A transaction
/// that DynamoDB cancels is [`Error::TransactionCanceled`], with one reason per action.
/// Conflicts with other transactions and throttling are retried with the same
/// idempotency token, so a retry never applies the changes twice.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let mut tx = db.transact_write();
/// let ann = tx.create(User::new("ann@example.com", "Ann"));
/// tx.update(&User::new("bob@example.com", "Bob"), [user::name().set("Robert")]);
/// tx.delete::<User>("carol@example.com");
/// tx.check(user::email().eq("dave@example.com") & user::name().exists());
/// let mut done = tx.await?;
/// let ann: User = done.take(ann).expect("a put gives its item back");
/// # Ok(()) }
/// ```
#[must_use = "nothing is written until this is awaited"]
pub struct TransactWrite<'a> {
    db: &'a Db,
    actions: Vec<Result<WriteAction, Error>>,
    token: Option<String>,
    return_stored: bool,
    policy: RetryPolicy,
}

impl Db {
    /// A new write transaction on this connection: see [`TransactWrite`].
    pub fn transact_write(&self) -> TransactWrite<'_> {
        TransactWrite {
            db: self,
            actions: Vec::new(),
            token: None,
            return_stored: false,
            policy: self.retry_policy(),
        }
    }

    /// A new read transaction on this connection: see [`TransactGet`].
    pub fn transact_get(&self) -> TransactGet<'_> {
        TransactGet {
            db: self,
            gets: Vec::new(),
            include_expired: false,
            policy: self.retry_policy(),
        }
    }
}

impl<'a> TransactWrite<'a> {
    fn push<M: Model>(&mut self, action: Result<WriteAction, Error>) -> Position<M> {
        let action = self.db.check_encrypted::<M>().and(action);
        self.actions.push(action);
        Position::new(self.actions.len() - 1)
    }

    fn action<M: Model>(&self, key: &Item, size: usize, op: Op) -> WriteAction {
        WriteAction {
            table: self.db.table_name(M::TABLE),
            model: trace::short_name::<M>(),
            key: key_text_in(key, &keys::key_names::<M>()),
            size,
            op,
            committed: None,
            version: None,
        }
    }

    fn put_action<M: Model>(
        &self,
        mut item: M,
        overwrite: &Overwrite<M>,
    ) -> Result<WriteAction, Error> {
        let put = prepare_put(&item, overwrite)?;
        if let Some(v) = put.version {
            item.set_version(v);
        }
        let key = keys::key_of::<M>(&put.item);
        let size = item_size(&put.item);
        let mut action = self.action::<M>(
            &key,
            size,
            Op::Put {
                item: put.item,
                condition: put.condition,
            },
        );
        action.committed = Some(Box::new(item));
        action.version = put.version;
        Ok(action)
    }

    /// Puts an item (validated; a versioned item is written at its version + 1 on the
    /// condition that the stored one is at its version). Once committed, the output gives
    /// the item back at its new version.
    pub fn put<M: Model>(&mut self, item: M) -> Position<M> {
        self.put_if(item, Overwrite::Always)
    }

    /// Puts an item only if no item has its key (`overwrite(false)`).
    pub fn create<M: Model>(&mut self, item: M) -> Position<M> {
        self.put_if(item, Overwrite::Never)
    }

    /// Puts an item under an overwrite rule, as [`SaveOne::overwrite`](crate::ops::SaveOne::overwrite).
    pub fn put_if<M: Model>(&mut self, item: M, overwrite: impl Into<Overwrite<M>>) -> Position<M> {
        let action = self.put_action(item, &overwrite.into());
        self.push(action)
    }

    /// Updates an existing item, as `update_one` does: a model value's version is checked,
    /// and a versioned item's version goes up by one.
    pub fn update<M: Model>(
        &mut self,
        strategy: impl Strategy<M>,
        updates: impl IntoIterator<Item = Update<M>>,
    ) -> Position<M> {
        let action = keys::resolve(strategy.into_target()).and_then(|single| {
            // A model value's version is known: the update adds one to it.
            let mut version = single.version.and_then(|v| v.checked_add(1));
            let mut parts = update_parts(single, updates.into_iter().collect(), None)?;
            if crate::encryption::encrypted::<M>() {
                if !crate::write::in_place::<M>(&parts.actions) {
                    return Err(Error::Config(format!(
                        "`{}` is encrypted: the encryption SDK writes signed attributes whole, so \
                         a transaction cannot update them; read the item, change it, and `put` \
                         it in the transaction (its version is checked)",
                        trace::short_name::<M>()
                    )));
                }
                // Unsigned attributes only, in place: the signed version stays.
                parts
                    .actions
                    .retain(|a| crate::eval::top_attribute(a) != M::VERSION);
                version = None;
            }
            let size = item_size(&parts.key) + actions_size(&parts.actions);
            let key = parts.key.clone();
            let mut action = self.action::<M>(&key, size, Op::Update { parts });
            action.version = version;
            Ok(action)
        });
        self.push(action)
    }

    /// Deletes an item; a model value's version is checked, and extra checks in a
    /// condition must hold (else the transaction is cancelled).
    pub fn delete<M: Model>(&mut self, strategy: impl Strategy<M>) -> Position<M> {
        let action = keys::resolve(strategy.into_target()).map(|single| {
            let condition = single.write_condition::<M>();
            let size = item_size(&single.key);
            self.action::<M>(
                &single.key,
                size,
                Op::Delete {
                    key: single.key.clone(),
                    condition,
                },
            )
        });
        self.push(action)
    }

    /// Checks an item without writing it: a key condition's extra checks, or a model
    /// value's version; a key alone checks that the item exists.
    pub fn check<M: Model>(&mut self, strategy: impl Strategy<M>) -> Position<M> {
        let action = keys::resolve(strategy.into_target()).map(|single| {
            let condition = single
                .write_condition::<M>()
                .unwrap_or_else(|| Expr::Exists(AttrPath::of(M::HASH_KEY.name)));
            let size = item_size(&single.key);
            self.action::<M>(
                &single.key,
                size,
                Op::Check {
                    key: single.key.clone(),
                    condition,
                },
            )
        });
        self.push(action)
    }

    /// The idempotency token (ClientRequestToken, 1 to 36 characters). By default each
    /// transaction gets a fresh one; retries of one transaction always reuse its token.
    /// Sending the same token again within 10 minutes does not apply the changes again.
    pub fn token(&mut self, token: impl Into<String>) -> &mut Self {
        self.token = Some(token.into());
        self
    }

    /// Ask DynamoDB for the stored item of every action whose condition fails
    /// (`CancelReason::item`, typed by `CancelReason::stored`).
    pub fn return_stored(&mut self, yes: bool) -> &mut Self {
        self.return_stored = yes;
        self
    }

    /// Retries of conflicts and throttling.
    pub fn retry(&mut self, policy: RetryPolicy) -> &mut Self {
        self.policy = policy;
        self
    }

    /// The number of actions so far.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether no action was added.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Everything DynamoDB would refuse, found before sending.
    fn checked(actions: Vec<Result<WriteAction, Error>>) -> Result<Vec<WriteAction>, Error> {
        let actions = collect_actions(actions)?;
        check_shape(
            actions.len(),
            actions.iter().map(|a| (a.table.as_str(), a.key.as_str())),
            actions.iter().map(|a| a.size),
        )?;
        Ok(actions)
    }
}

/// The approximate size of what an update writes.
fn actions_size(actions: &[Action]) -> usize {
    actions
        .iter()
        .map(|a| {
            let path = a.path().to_string().len();
            match a {
                Action::Set(_, v)
                | Action::SetIfNotExists(_, v)
                | Action::Add(_, v)
                | Action::Append(_, v)
                | Action::Prepend(_, v)
                | Action::Delete(_, v) => path + value_size(v),
                Action::Remove(_) => path,
            }
        })
        .sum()
}

/// Count, one item twice, and size: DynamoDB's limits on a transaction.
fn check_shape<'k>(
    count: usize,
    keys: impl Iterator<Item = (&'k str, &'k str)>,
    sizes: impl Iterator<Item = usize>,
) -> Result<(), Error> {
    if count == 0 {
        return Err(Error::Transaction(
            "a transaction needs at least one action".into(),
        ));
    }
    if count > MAX_ACTIONS {
        return Err(Error::Transaction(format!(
            "{count} actions; a transaction holds at most {MAX_ACTIONS}"
        )));
    }
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, k) in keys.enumerate() {
        if let Some(first) = seen.insert(k, i) {
            return Err(Error::Transaction(format!(
                "actions {first} and {i} are on the same item of table `{}`; a transaction \
                 may act on an item only once",
                k.0
            )));
        }
    }
    let total: usize = sizes.sum();
    if total > MAX_BYTES {
        return Err(Error::Transaction(format!(
            "the actions hold {total} bytes; a transaction holds at most 4 MB ({MAX_BYTES} bytes)"
        )));
    }
    Ok(())
}

/// The actions, or every problem found in them, each naming its action.
fn collect_actions<T>(actions: Vec<Result<T, Error>>) -> Result<Vec<T>, Error> {
    let mut ok = Vec::with_capacity(actions.len());
    let mut violations = Vec::new();
    let mut other = None;
    for (i, a) in actions.into_iter().enumerate() {
        match a {
            Ok(a) => ok.push(a),
            Err(Error::Validation(v)) => violations.extend(v.into_iter().map(|v| {
                let path = match v.path.is_empty() {
                    true => format!("actions[{i}]"),
                    false => format!("actions[{i}].{}", v.path),
                };
                Violation::new(path, v.message)
            })),
            Err(e) => {
                other.get_or_insert_with(|| Error::Transaction(format!("action {i}: {e}")));
            }
        }
    }
    if !violations.is_empty() {
        return Err(Error::Validation(violations));
    }
    match other {
        Some(e) => Err(e),
        None => Ok(ok),
    }
}

fn cancel_reasons(reasons: &[CancellationReason]) -> Vec<CancelReason> {
    reasons
        .iter()
        .enumerate()
        .map(|(index, r)| CancelReason {
            index,
            code: r.code().filter(|c| *c != "None").map(str::to_string),
            message: r.message().map(str::to_string),
            item: r
                .item()
                .filter(|i| !i.is_empty())
                .map(|i| Box::new(i.clone())),
        })
        .collect()
}

/// What a committed write transaction gives back: the items put, at their new versions,
/// and the new version of each versioned item it put or updated (given as a model value).
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let mut tx = db.transact_write();
/// let ann = tx.put(User::new("ann@example.com", "Ann"));
/// let mut done = tx.await?;
/// assert_eq!(done.take(ann).map(|u| u.name), Some("Ann".to_string()));
/// # Ok(()) }
/// ```
#[derive(Default, Debug)]
pub struct Committed(Results, Vec<Option<i64>>, Capacity);

impl Committed {
    /// The capacity the transaction consumed (its tables and indexes; DynamoDB counts
    /// each transactional write twice).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// # async fn demo(db: &Db, ann: User) -> dynamongo_runtime::Result<()> {
    /// let mut tx = db.transact_write();
    /// tx.put(ann);
    /// let done = tx.await?;
    /// assert!(done.consumed().write_units >= 2.0);
    /// # Ok(()) }
    /// ```
    pub fn consumed(&self) -> Capacity {
        self.2
    }

    /// The item a put or create action wrote (once; `None` for other actions).
    pub fn take<M: Model>(&mut self, position: Position<M>) -> Option<M> {
        self.0.take(position)
    }

    /// The version a versioned item is at now: after a put, and after an update of a model
    /// value (its version + 1). `None` for unversioned models, deletes and checks, and an
    /// update given only a key (its version was not known; read the item).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # async fn demo(db: &Db, ann: User) -> dynamongo_runtime::Result<()> {
    /// let mut tx = db.transact_write();
    /// let updated = tx.update(&ann, [user::name().set("Ann")]);
    /// let done = tx.await?;
    /// println!("now at version {:?}", done.version(updated));
    /// # Ok(()) }
    /// ```
    pub fn version<M: Model>(&self, position: Position<M>) -> Option<i64> {
        self.1.get(position.index).copied().flatten()
    }
}

/// One result (or none) per action, each of its action's model.
#[derive(Default)]
struct Results(Vec<Option<AnyItem>>);

impl Results {
    fn take<M: Model>(&mut self, position: Position<M>) -> Option<M> {
        let slot = self.0.get_mut(position.index)?;
        match slot.take()?.downcast::<M>() {
            Ok(m) => Some(*m),
            Err(other) => {
                *slot = Some(other);
                None
            }
        }
    }
}

impl std::fmt::Debug for Results {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.0.iter().filter(|r| r.is_some()).count();
        write!(f, "{held} of {} results", self.0.len())
    }
}

impl<'a> IntoFuture for TransactWrite<'a> {
    type Output = Result<Committed, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let tables = distinct_names(self.actions.iter().flatten().map(|a| a.table.as_str()));
        let models = distinct_names(self.actions.iter().flatten().map(|a| a.model));
        let span = trace::operation_on("transact_write", &models, &tables);
        traced(span, move || async move {
            let TransactWrite {
                db,
                actions,
                token,
                return_stored,
                policy,
            } = self;
            let token = match token {
                Some(t) if t.is_empty() || t.chars().count() > MAX_TOKEN => {
                    return Err(Error::Transaction(format!(
                        "the idempotency token `{t}` must have 1 to {MAX_TOKEN} characters"
                    )))
                }
                Some(t) => t,
                None => uuid::Uuid::new_v4().to_string(),
            };
            let mut actions = TransactWrite::checked(actions)?;
            let committed: Vec<Option<AnyItem>> =
                actions.iter_mut().map(|a| a.committed.take()).collect();
            let versions: Vec<Option<i64>> = actions.iter().map(|a| a.version).collect();
            let items = actions
                .into_iter()
                .map(|a| a.request(return_stored))
                .collect::<Result<Vec<_>, Error>>()?;
            let (metered, meter) = db.metered();
            let db = &metered;
            // Every attempt sends the same request with the same token.
            retrying(db.quota(), &policy, || {
                let span = trace::call("TransactWriteItems", &tables);
                span.record("dynamongo.items", items.len());
                let req = db
                    .client()
                    .transact_write_items()
                    .set_transact_items(Some(items.clone()))
                    .client_request_token(token.clone())
                    .return_consumed_capacity(trace::CAPACITY);
                async move {
                    let out = traced_send(
                        &span,
                        "TransactWriteItems",
                        move || req.send(),
                        |e| match e {
                            TransactWriteItemsError::TransactionCanceledException(c) => {
                                Some(c.cancellation_reasons())
                            }
                            _ => None,
                        },
                    )
                    .await?;
                    trace::consumed(db, &span, trace::Kind::Write, out.consumed_capacity());
                    Ok(())
                }
            })
            .await?;
            let consumed = meter.total();
            Ok(Committed(Results(committed), versions, consumed))
        })
    }
}

struct GetAction {
    table: String,
    /// The model's name, for the span.
    model: &'static str,
    key: Item,
    key_text: String,
    /// Checks of a key condition, applied to the item read.
    extra: Option<Expr>,
    /// The TTL rule of the model.
    live: Option<Expr>,
    decode: fn(&Item, &str) -> Result<AnyItem, Error>,
}

fn decode_any<M: Model>(item: &Item, table: &str) -> Result<AnyItem, Error> {
    M::from_item(item)
        .map(|m| Box::new(m) as AnyItem)
        .map_err(|source| Error::Decode {
            table: table.to_string(),
            source,
        })
}

/// An all-or-nothing read of up to 100 items across models (TransactGetItems): each
/// item as it is at one instant. Build it with [`Db::transact_get`], add reads, then
/// `.await` it.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let mut tx = db.transact_get();
/// let ann = tx.get::<User>("ann@example.com");
/// let bob = tx.get::<User>("bob@example.com");
/// let mut got = tx.await?;
/// let (ann, bob): (Option<User>, Option<User>) = (got.take(ann), got.take(bob));
/// # Ok(()) }
/// ```
#[must_use = "nothing is read until this is awaited"]
pub struct TransactGet<'a> {
    db: &'a Db,
    gets: Vec<Result<GetAction, Error>>,
    include_expired: bool,
    policy: RetryPolicy,
}

impl<'a> TransactGet<'a> {
    /// Reads one item by key, key type, model value or key condition (whose extra checks
    /// are applied to the item read: one that fails them is `None`).
    pub fn get<M: Model>(&mut self, strategy: impl Strategy<M>) -> Position<M> {
        let table = self.db.table_name(M::TABLE);
        let get = keys::resolve(strategy.into_target()).map(|single| GetAction {
            key_text: key_text_in(&single.key, &keys::key_names::<M>()),
            key: single.key,
            extra: single.extra,
            live: keys::live::<M>(),
            table,
            model: trace::short_name::<M>(),
            decode: decode_any::<M>,
        });
        self.gets.push(get);
        Position::new(self.gets.len() - 1)
    }

    /// Also return items whose TTL has passed (left out by default, as by every read).
    pub fn include_expired(&mut self, yes: bool) -> &mut Self {
        self.include_expired = yes;
        self
    }

    /// Retries of conflicts and throttling.
    pub fn retry(&mut self, policy: RetryPolicy) -> &mut Self {
        self.policy = policy;
        self
    }
}

/// What a read transaction found: one item (or none) per read.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let mut tx = db.transact_get();
/// let ann = tx.get::<User>("ann@example.com");
/// let ann: Option<User> = tx.await?.take(ann);
/// # Ok(()) }
/// ```
#[derive(Default, Debug)]
pub struct Fetched(Results, Capacity);

impl Fetched {
    /// The capacity the read consumed (DynamoDB counts each transactional read twice).
    pub fn consumed(&self) -> Capacity {
        self.1
    }

    /// The item read at `position` (`None`: no such item, or it failed the checks).
    pub fn take<M: Model>(&mut self, position: Position<M>) -> Option<M> {
        self.0.take(position)
    }
}

impl<'a> IntoFuture for TransactGet<'a> {
    type Output = Result<Fetched, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let tables = distinct_names(self.gets.iter().flatten().map(|g| g.table.as_str()));
        let models = distinct_names(self.gets.iter().flatten().map(|g| g.model));
        let span = trace::operation_on("transact_get", &models, &tables);
        traced(span, move || async move {
            let TransactGet {
                db,
                gets,
                include_expired,
                policy,
            } = self;
            let gets = collect_actions(gets)?;
            let keys = gets.iter().map(|g| (g.table.as_str(), g.key_text.as_str()));
            check_shape(gets.len(), keys, std::iter::empty())?;
            let items = gets
                .iter()
                .map(|g| {
                    let get = Get::builder()
                        .table_name(&g.table)
                        .set_key(Some(g.key.clone()))
                        .build();
                    config(get).map(|get| TransactGetItem::builder().get(get).build())
                })
                .collect::<Result<Vec<_>, Error>>()?;
            let (metered, meter) = db.metered();
            let db = &metered;
            let out = retrying(db.quota(), &policy, || {
                let span = trace::call("TransactGetItems", &tables);
                span.record("dynamongo.items", items.len());
                let req = db
                    .client()
                    .transact_get_items()
                    .set_transact_items(Some(items.clone()))
                    .return_consumed_capacity(trace::CAPACITY);
                async move {
                    let out = traced_send(
                        &span,
                        "TransactGetItems",
                        move || req.send(),
                        |e| match e {
                            TransactGetItemsError::TransactionCanceledException(c) => {
                                Some(c.cancellation_reasons())
                            }
                            _ => None,
                        },
                    )
                    .await?;
                    trace::consumed(db, &span, trace::Kind::Read, out.consumed_capacity());
                    Ok(out)
                }
            })
            .await?;
            let responses = out.responses();
            let mut fetched = Vec::with_capacity(gets.len());
            for (i, g) in gets.iter().enumerate() {
                let item = responses
                    .get(i)
                    .and_then(|r| r.item())
                    .filter(|item| !item.is_empty())
                    .filter(|item| g.extra.as_ref().is_none_or(|c| eval::matches(c, item)))
                    .filter(|item| {
                        include_expired || g.live.as_ref().is_none_or(|c| eval::matches(c, item))
                    });
                fetched.push(item.map(|item| (g.decode)(item, &g.table)).transpose()?);
            }
            Ok(Fetched(Results(fetched), meter.total()))
        })
    }
}
