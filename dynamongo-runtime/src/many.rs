//! Multi-item operations: `get_many` (with `explain()` and `stream()`), `save_many` and
//! `delete_many`, returning a [`BatchResult`] that accounts for every item.

use std::collections::HashMap;
use std::future::IntoFuture;

use futures::stream::{self, BoxStream, StreamExt};

use crate::batch::{self, chunk_writes, get_chunk, write_chunk, RetryPolicy, Write};
use crate::db::Db;
use crate::error::Error;
use crate::eval;
use crate::expr::{Expr, ExprBuilder};
use crate::keys::{self, key_names, key_of, KeyRef};
use crate::model::{Model, Targets};
use crate::ops::{self, BoxFuture, Overwrite};
use crate::plan::{self, Access, Operation, Plan, Planned, BATCH_GET_MAX};
use crate::value::Item;

/// What a batch call did with each item: every input ends in `success` or in `fail`.
#[derive(Debug)]
pub struct BatchResult<T> {
    /// Items (or keys) done.
    pub success: Vec<T>,
    /// Items (or keys) not done, each with why.
    pub fail: Vec<Failed<T>>,
}

/// An item a batch call could not handle, and the reason.
#[derive(Debug)]
pub struct Failed<T> {
    /// The item or key.
    pub item: T,
    /// Why it failed.
    pub reason: Error,
}

impl<T> Default for BatchResult<T> {
    fn default() -> Self {
        BatchResult {
            success: Vec::new(),
            fail: Vec::new(),
        }
    }
}

impl<T> BatchResult<T> {
    /// `success.len()` (the seed's `success_count`).
    pub fn success_count(&self) -> usize {
        self.success.len()
    }
    /// `fail.len()` (the seed's `fail_count`).
    pub fn fail_count(&self) -> usize {
        self.fail.len()
    }
}

async fn retrying<T, F, Fut>(policy: &RetryPolicy, mut f: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(e) if e.is_retryable() && attempt + 1 < policy.max_attempts => {
                attempt += 1;
                tokio::time::sleep(policy.backoff(attempt)).await;
            }
            other => return other,
        }
    }
}

// ---------- get_many ----------

/// `Model::get_many(&db, strategy)`: awaited, the items as a `Vec`; or [`GetMany::stream`],
/// or [`GetMany::explain`] to see the plan without sending anything.
#[must_use = "a read does nothing until awaited or streamed"]
pub struct GetMany<'a, M: Model> {
    db: &'a Db,
    targets: Targets<M>,
    descending: bool,
    limit: Option<usize>,
    consistent: bool,
    segments: u32,
    policy: RetryPolicy,
}

/// DynamoDB's bounds for `TotalSegments`.
const MAX_SEGMENTS: u32 = 1_000_000;

impl<'a, M: Model> GetMany<'a, M> {
    pub(crate) fn new(db: &'a Db, targets: Targets<M>) -> Self {
        GetMany {
            db,
            targets,
            descending: false,
            limit: None,
            consistent: false,
            segments: 1,
            policy: db.retry_policy(),
        }
    }

    /// Reads a Scan as `n` segments at once (DynamoDB's parallel scan: `Segment` /
    /// `TotalSegments`, one request in flight per segment), for large tables. Items
    /// arrive as the segments return them. Plans that read keys or Query are unaffected;
    /// `n` must be 1 to 1 000 000.
    ///
    /// ```
    /// # use dynamongo_runtime::{Db, Model, Operation};
    /// # async fn demo<M: Model>(db: &Db, everything: dynamongo_runtime::Condition<M>) -> dynamongo_runtime::Result<()> {
    /// let plan = M::get_many(db, everything).segments(4).explain()?;
    /// if plan.operation == Operation::Scan {
    ///     assert_eq!(plan.segments, 4);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = n;
        self
    }

    fn check_segments(&self) -> Result<(), Error> {
        if (1..=MAX_SEGMENTS).contains(&self.segments) {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "segments({}): a parallel scan has 1 to {MAX_SEGMENTS} segments",
                self.segments
            )))
        }
    }

    /// Reverse order: Query results by descending range key (`ScanIndexForward=false`);
    /// keys read in the reverse of the order given. A Scan has no order and is unaffected.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Return at most `n` items (pages stop being fetched once `n` have arrived).
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// Strongly consistent reads.
    pub fn consistent(mut self, yes: bool) -> Self {
        self.consistent = yes;
        self
    }

    /// Retries and concurrency of the batched reads.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The plan: operation, table, expressions and placeholders. Sends nothing.
    pub fn explain(&self) -> Result<Plan, Error> {
        self.check_segments()?;
        let p = plan::plan(self.targets.clone())?;
        Ok(plan::describe::<M>(
            self.db.table_name(M::TABLE),
            &p,
            self.descending,
            self.limit,
            self.segments,
        ))
    }

    /// The items as they arrive, page by page, in bounded memory.
    pub fn stream(self) -> BoxStream<'a, Result<M, Error>> {
        let db = self.db;
        let planned = match self
            .check_segments()
            .and_then(|()| plan::plan(self.targets))
        {
            Ok(p) => p,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        let options = ReadOptions {
            descending: self.descending,
            consistent: self.consistent,
            limit: self.limit,
            segments: self.segments,
            policy: self.policy,
        };
        let items =
            raw_stream::<M, M>(db, planned, options, |db, item| ops::decode::<M>(db, &item));
        match self.limit {
            Some(n) => items.take(n).boxed(),
            None => items.boxed(),
        }
    }
}

impl<'a, M: Model> IntoFuture for GetMany<'a, M> {
    type Output = Result<Vec<M>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            // A list of keys tells how many items can come back at most.
            let at_most = match &self.targets {
                Targets::List(list) => list.len().min(self.limit.unwrap_or(usize::MAX)),
                Targets::Where(_) => 0,
            };
            let mut s = self.stream();
            let mut out = Vec::with_capacity(at_most);
            while let Some(r) = s.next().await {
                match r {
                    Ok(m) => out.push(m),
                    Err(Error::Incomplete {
                        missing, attempts, ..
                    }) => {
                        // Keep going to collect everything else, then report it all.
                        let mut missing = missing;
                        while let Some(r) = s.next().await {
                            match r {
                                Ok(m) => out.push(m),
                                Err(Error::Incomplete { missing: more, .. }) => {
                                    missing.extend(more)
                                }
                                Err(e) => return Err(e),
                            }
                        }
                        return Err(Error::Incomplete {
                            fetched: out.iter().map(|m| m.to_item()).collect(),
                            missing,
                            attempts,
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }
}

/// How a multi-item read runs.
#[derive(Clone, Copy)]
struct ReadOptions {
    /// Query order / reverse key order.
    descending: bool,
    consistent: bool,
    /// Most items wanted (also the page size asked for).
    limit: Option<usize>,
    /// Segments of a parallel Scan (1: a plain Scan).
    segments: u32,
    policy: RetryPolicy,
}

/// Turns a stored item into what a stream yields (a model, or just its key).
type Convert<T> = fn(&Db, Item) -> Result<T, Error>;

/// The items of a plan as `T`s. Batched reads convert inside their (concurrent) chunk
/// futures, so decoding runs in parallel, as hand-written concurrent code would.
fn raw_stream<'a, M: Model, T: Send + 'a>(
    db: &'a Db,
    planned: Planned,
    options: ReadOptions,
    convert: Convert<T>,
) -> BoxStream<'a, Result<T, Error>> {
    let ReadOptions {
        descending,
        consistent,
        limit,
        segments,
        policy,
    } = options;
    let table = db.table_name(M::TABLE);
    let local = planned.local;
    let s: BoxStream<'a, Result<Item, Error>> = match planned.access {
        Access::Keys(mut keys) => {
            if descending {
                keys.reverse();
            }
            return keys_stream::<M, T>(db, table, keys, local, consistent, policy, convert);
        }
        Access::Query {
            hash_values,
            range,
            filter,
        } => {
            let per_hash = hash_values.into_iter().map(move |h| {
                let kc = plan::key_condition::<M>(&h, range.as_ref());
                paged(
                    db,
                    table.clone(),
                    Some(kc),
                    filter.clone(),
                    descending,
                    consistent,
                    limit,
                    policy,
                    None,
                )
            });
            stream::iter(per_hash).flatten().boxed()
        }
        Access::Scan { filter } => {
            // A parallel Scan: segments 0..n, each paging on its own, all polled together.
            let total = i32::try_from(segments).unwrap_or(i32::MAX);
            let segment = move |n: i32| {
                paged(
                    db,
                    table.clone(),
                    None,
                    filter.clone(),
                    descending,
                    consistent,
                    limit,
                    policy,
                    (total > 1).then_some((n, total)),
                )
            };
            if total > 1 {
                stream::select_all((0..total).map(segment)).boxed()
            } else {
                segment(0)
            }
        }
    };
    s.filter_map(move |r| {
        let out = match r {
            Ok(item) if local.as_ref().is_none_or(|c| eval::matches(c, &item)) => {
                Some(convert(db, item))
            }
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        };
        std::future::ready(out)
    })
    .boxed()
}

fn keys_stream<'a, M: Model, T: Send + 'a>(
    db: &'a Db,
    table: String,
    keys: Vec<(Item, Option<Expr>)>,
    local: Option<Expr>,
    consistent: bool,
    policy: RetryPolicy,
    convert: Convert<T>,
) -> BoxStream<'a, Result<T, Error>> {
    // Chunks of 100, moved (not copied) into the requests; each key's text is kept to put
    // the items back in the order given.
    let mut chunks: Vec<Vec<(Item, Option<Expr>)>> =
        Vec::with_capacity(keys.len().div_ceil(BATCH_GET_MAX));
    let mut rest = keys.into_iter();
    loop {
        let chunk: Vec<_> = rest.by_ref().take(BATCH_GET_MAX).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let local = std::sync::Arc::new(local);
    stream::iter(chunks)
        .map(move |chunk| {
            let table = table.clone();
            let local = local.clone();
            async move {
                let (keys, extras): (Vec<Item>, Vec<Option<Expr>>) = chunk.into_iter().unzip();
                let res = get_chunk(db, &table, &keys, consistent, &policy).await;
                // Put the items back in the order of the keys: each returned item is found
                // among the keys asked for by value (numbers compared as numbers).
                let names = key_names::<M>();
                let mut slots: Vec<Option<Item>> = Vec::new();
                slots.resize_with(keys.len(), || None);
                {
                    let position: HashMap<KeyRef, usize> = keys
                        .iter()
                        .enumerate()
                        .map(|(i, k)| (KeyRef::new(k, &names), i))
                        .collect();
                    for item in res.items {
                        if let Some(&i) = position.get(&KeyRef::new(&item, &names)) {
                            slots[i] = Some(item);
                        }
                    }
                }
                let mut out: Vec<Result<T, Error>> = Vec::with_capacity(keys.len());
                for (item, extra) in slots.into_iter().zip(&extras) {
                    let Some(item) = item else {
                        continue;
                    };
                    let keep = extra.as_ref().is_none_or(|e| eval::matches(e, &item))
                        && local
                            .as_ref()
                            .as_ref()
                            .is_none_or(|c| eval::matches(c, &item));
                    if keep {
                        out.push(convert(db, item));
                    }
                }
                match res.error {
                    None => {}
                    Some(e) if e.is_retryable() || matches!(e, Error::Unprocessed { .. }) => out
                        .push(Err(Error::Incomplete {
                            fetched: Vec::new(),
                            missing: res.missing,
                            attempts: policy.max_attempts,
                        })),
                    Some(e) => out.push(Err(e)),
                }
                stream::iter(out)
            }
        })
        .buffered(policy.concurrency.max(1))
        .flatten()
        .boxed()
}

#[allow(clippy::too_many_arguments)]
fn paged<'a>(
    db: &'a Db,
    table: String,
    key_condition: Option<Expr>,
    filter: Option<Expr>,
    descending: bool,
    consistent: bool,
    page_size: Option<usize>,
    policy: RetryPolicy,
    // (Segment, TotalSegments) of a parallel Scan.
    segment: Option<(i32, i32)>,
) -> BoxStream<'a, Result<Item, Error>> {
    struct State {
        start: Option<Item>,
        done: bool,
    }
    let page_size = page_size.and_then(|n| i32::try_from(n.max(1)).ok());
    stream::unfold(
        State {
            start: None,
            done: false,
        },
        move |state| {
            let table = table.clone();
            let key_condition = key_condition.clone();
            let filter = filter.clone();
            async move {
                if state.done {
                    return None;
                }
                let page = retrying(&policy, || {
                    let mut b = ExprBuilder::default();
                    let kc = key_condition.as_ref().map(|k| b.condition(k));
                    let f = filter.as_ref().map(|f| b.condition(f));
                    let (names, values) = b.into_maps();
                    let start = state.start.clone();
                    let table = table.clone();
                    async move {
                        match kc {
                            Some(kc) => db
                                .client()
                                .query()
                                .table_name(table)
                                .key_condition_expression(kc)
                                .set_filter_expression(f)
                                .set_expression_attribute_names(names)
                                .set_expression_attribute_values(values)
                                .scan_index_forward(!descending)
                                .consistent_read(consistent)
                                .set_exclusive_start_key(start)
                                .set_limit(page_size)
                                .send()
                                .await
                                .map(|o| (o.items, o.last_evaluated_key))
                                .map_err(|e| Error::sdk("Query", e)),
                            None => db
                                .client()
                                .scan()
                                .table_name(table)
                                .set_filter_expression(f)
                                .set_expression_attribute_names(names)
                                .set_expression_attribute_values(values)
                                .consistent_read(consistent)
                                .set_exclusive_start_key(start)
                                .set_limit(page_size)
                                .set_segment(segment.map(|(s, _)| s))
                                .set_total_segments(segment.map(|(_, t)| t))
                                .send()
                                .await
                                .map(|o| (o.items, o.last_evaluated_key))
                                .map_err(|e| Error::sdk("Scan", e)),
                        }
                    }
                })
                .await;
                match page {
                    Ok((items, last)) => {
                        let done = last.as_ref().is_none_or(|l| l.is_empty());
                        let items: Vec<Result<Item, Error>> =
                            items.unwrap_or_default().into_iter().map(Ok).collect();
                        Some((stream::iter(items), State { start: last, done }))
                    }
                    Err(e) => Some((
                        stream::iter(vec![Err(e)]),
                        State {
                            start: None,
                            done: true,
                        },
                    )),
                }
            }
        },
    )
    .flatten()
    .boxed()
}

// ---------- save_many ----------

/// `Model::save_many(&db, items)`: a [`BatchResult`] of the items.
#[must_use = "a save does nothing until awaited"]
pub struct SaveMany<'a, M: Model> {
    db: &'a Db,
    items: Vec<M>,
    overwrite: Overwrite<M>,
    policy: RetryPolicy,
}

impl<'a, M: Model> SaveMany<'a, M> {
    pub(crate) fn new(db: &'a Db, items: Vec<M>) -> Self {
        SaveMany {
            db,
            items,
            overwrite: Overwrite::Always,
            policy: db.retry_policy(),
        }
    }

    /// `true` (default; BatchWriteItem), `false` or a condition (one conditional PutItem
    /// per item, concurrently; an item that exists or fails the condition is in `fail`).
    pub fn overwrite(mut self, overwrite: impl Into<Overwrite<M>>) -> Self {
        self.overwrite = overwrite.into();
        self
    }

    /// Retries and concurrency.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<'a, M: Model> IntoFuture for SaveMany<'a, M> {
    type Output = Result<BatchResult<M>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let SaveMany {
                db,
                items,
                overwrite,
                policy,
            } = self;
            let mut result = BatchResult::default();
            if let Overwrite::If(c) = &overwrite {
                c.check()?;
            }
            if !matches!(overwrite, Overwrite::Always) {
                let outcomes: Vec<(M, Result<(), Error>)> = stream::iter(items)
                    .map(|item| {
                        let overwrite = overwrite.clone();
                        async move {
                            let r = ops::put_one(db, &item, &overwrite).await;
                            (item, r)
                        }
                    })
                    .buffer_unordered(policy.concurrency.max(1))
                    .collect()
                    .await;
                for (item, r) in outcomes {
                    match r {
                        Ok(()) => result.success.push(item),
                        Err(reason) => result.fail.push(Failed { item, reason }),
                    }
                }
                return Ok(result);
            }
            // Validate everything first; the invalid ones fail without being sent.
            let names = key_names::<M>();
            let mut slots: Vec<Option<M>> = Vec::with_capacity(items.len());
            let mut writes = Vec::new();
            let mut last_index: HashMap<String, usize> = HashMap::new();
            for (i, item) in items.into_iter().enumerate() {
                match ops::prepare(&item).and_then(|av| Write::put(av, &names)) {
                    Ok(w) => {
                        last_index.insert(w.key().to_string(), i);
                        writes.push((i, w));
                        slots.push(Some(item));
                    }
                    Err(reason) => {
                        result.fail.push(Failed { item, reason });
                        slots.push(None);
                    }
                }
            }
            // Two items with one key: the later one is written (as saving them in order
            // would leave it); the earlier one counts as saved and replaced.
            let writes: Vec<(usize, Write)> = writes
                .into_iter()
                .filter_map(|(i, w)| {
                    if last_index.get(w.key()) == Some(&i) {
                        Some((i, w))
                    } else {
                        if let Some(item) = slots.get_mut(i).and_then(Option::take) {
                            result.success.push(item);
                        }
                        None
                    }
                })
                .collect();
            let table = db.table_name(M::TABLE);
            let outcomes = run_writes(db, &table, writes, &names, &policy).await;
            for (i, r) in outcomes {
                if let Some(item) = slots.get_mut(i).and_then(Option::take) {
                    match r {
                        Ok(()) => result.success.push(item),
                        Err(reason) => result.fail.push(Failed { item, reason }),
                    }
                }
            }
            Ok(result)
        })
    }
}

async fn run_writes(
    db: &Db,
    table: &str,
    writes: Vec<(usize, Write)>,
    names: &[&str],
    policy: &RetryPolicy,
) -> Vec<batch::WriteOutcome> {
    let chunks = chunk_writes(writes);
    stream::iter(chunks)
        .map(|chunk| write_chunk(db, table, chunk, names, policy))
        .buffer_unordered(policy.concurrency.max(1))
        .flat_map(stream::iter)
        .collect()
        .await
}

// ---------- delete_many ----------

/// `Model::delete_many(&db, strategy)`: a [`BatchResult`] of the keys.
#[must_use = "a delete does nothing until awaited"]
pub struct DeleteMany<'a, M: Model> {
    db: &'a Db,
    targets: Targets<M>,
    policy: RetryPolicy,
}

/// How a delete_many runs.
enum DeletePlan {
    /// BatchWriteItem deletes of known keys.
    Batch(Vec<Item>),
    /// Conditional DeleteItem per key (the condition re-checked at delete time).
    Conditional(Vec<(Item, Expr)>),
    /// Both (a list mixing plain keys and keys with checks).
    Mixed(Vec<Item>, Vec<(Item, Expr)>),
    /// Find the items with a read, then delete each with the condition re-checked.
    Find(Box<(Planned, Expr)>),
}

impl<'a, M: Model> DeleteMany<'a, M> {
    pub(crate) fn new(db: &'a Db, targets: Targets<M>) -> Self {
        DeleteMany {
            db,
            targets,
            policy: db.retry_policy(),
        }
    }

    /// Retries and concurrency.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    fn plan(targets: Targets<M>) -> Result<DeletePlan, Error> {
        match targets {
            Targets::List(list) => {
                let (plain, checked): (Vec<_>, Vec<_>) = plan::delete_targets::<M>(list)?
                    .into_iter()
                    .partition(|(_, e)| e.is_none());
                let plain: Vec<Item> = plain.into_iter().map(|(k, _)| k).collect();
                let checked: Vec<(Item, Expr)> = checked
                    .into_iter()
                    .filter_map(|(k, e)| e.map(|e| (k, e)))
                    .collect();
                Ok(match (plain.is_empty(), checked.is_empty()) {
                    (_, true) => DeletePlan::Batch(plain),
                    (true, false) => DeletePlan::Conditional(checked),
                    (false, false) => DeletePlan::Mixed(plain, checked),
                })
            }
            Targets::Where(c) => {
                let expr = c.expr.clone();
                let p = plan::plan(Targets::Where(c))?;
                match (p.access, p.local) {
                    (Access::Keys(keys), None) if keys.iter().all(|(_, e)| e.is_none()) => Ok(
                        DeletePlan::Batch(keys.into_iter().map(|(k, _)| k).collect()),
                    ),
                    (access, local) => Ok(DeletePlan::Find(Box::new((
                        Planned {
                            access,
                            local,
                            reason: p.reason,
                        },
                        expr,
                    )))),
                }
            }
        }
    }

    /// The plan: the delete operation and, for conditions, the read that finds the items.
    pub fn explain(&self) -> Result<Plan, Error> {
        let table = self.db.table_name(M::TABLE);
        let blank = |operation, keys: usize, per: usize, reason: &str| Plan {
            operation,
            table: table.clone(),
            requests: keys.div_ceil(per.max(1)),
            keys,
            key_condition: None,
            filter: None,
            local_filter: None,
            names: Vec::new(),
            values: Vec::new(),
            descending: false,
            limit: None,
            segments: 1,
            reason: reason.to_string(),
            find: None,
        };
        Ok(match Self::plan(self.targets.clone())? {
            DeletePlan::Batch(keys) => blank(
                Operation::BatchWriteItem,
                keys.len(),
                batch::BATCH_WRITE_MAX,
                "full keys without checks: batched deletes",
            ),
            DeletePlan::Conditional(keys) => blank(
                Operation::DeleteItem,
                keys.len(),
                1,
                "keys with checks: one conditional DeleteItem each",
            ),
            DeletePlan::Mixed(plain, checked) => {
                let mut p = blank(
                    Operation::BatchWriteItem,
                    plain.len(),
                    batch::BATCH_WRITE_MAX,
                    "plain keys batched; keys with checks deleted one by one with their condition",
                );
                p.find = Some(Box::new(blank(
                    Operation::DeleteItem,
                    checked.len(),
                    1,
                    "keys with checks",
                )));
                p
            }
            DeletePlan::Find(found) => {
                let (planned, cond) = *found;
                let mut b = ExprBuilder::default();
                let text = b.condition(&cond);
                let rendered = b.finish(text);
                let mut p = blank(
                    Operation::DeleteItem,
                    0,
                    1,
                    "a condition: the items are found first, then each is deleted with the condition re-checked",
                );
                p.filter = Some(rendered.expression);
                p.names = rendered.names;
                p.values = rendered.values;
                p.find = Some(Box::new(plan::describe::<M>(
                    table.clone(),
                    &planned,
                    false,
                    None,
                    1,
                )));
                p
            }
        })
    }
}

async fn conditional_deletes<M: Model>(
    db: &Db,
    targets: Vec<(Item, Expr)>,
    policy: &RetryPolicy,
    result: &mut BatchResult<M::Key>,
) -> Result<(), Error> {
    let outcomes: Vec<(Item, Result<Option<M>, Error>)> = stream::iter(targets)
        .map(|(key, extra)| async move {
            let single = keys::Single {
                key: key.clone(),
                extra: Some(extra),
            };
            let r = retrying(policy, || ops::delete_single::<M>(db, single.clone())).await;
            (key, r)
        })
        .buffer_unordered(policy.concurrency.max(1))
        .collect()
        .await;
    for (key, r) in outcomes {
        let k = plan::model_key::<M>(&key)?;
        match r {
            Ok(Some(_)) => result.success.push(k),
            Ok(None) => result.fail.push(Failed {
                item: k,
                reason: Error::ConditionalCheckFailed {
                    table: db.table_name(M::TABLE),
                },
            }),
            Err(e) => result.fail.push(Failed { item: k, reason: e }),
        }
    }
    Ok(())
}

async fn batch_deletes<M: Model>(
    db: &Db,
    keys: Vec<Item>,
    policy: &RetryPolicy,
    result: &mut BatchResult<M::Key>,
) -> Result<(), Error> {
    let names = key_names::<M>();
    let keys = keys::dedup_keys(keys, &names, |k| k);
    // Each key is decoded once for the result, then moved into its request.
    let mut typed: Vec<Option<M::Key>> = Vec::with_capacity(keys.len());
    let mut writes = Vec::with_capacity(keys.len());
    for (i, k) in keys.into_iter().enumerate() {
        let key = plan::model_key::<M>(&k)?;
        match Write::delete(k, &names) {
            Ok(w) => {
                typed.push(Some(key));
                writes.push((i, w));
            }
            Err(reason) => {
                typed.push(None);
                result.fail.push(Failed { item: key, reason });
            }
        }
    }
    let outcomes = run_writes(db, &db.table_name(M::TABLE), writes, &names, policy).await;
    for (i, r) in outcomes {
        let Some(k) = typed.get_mut(i).and_then(Option::take) else {
            continue;
        };
        match r {
            Ok(()) => result.success.push(k),
            Err(reason) => result.fail.push(Failed { item: k, reason }),
        }
    }
    Ok(())
}

impl<'a, M: Model> IntoFuture for DeleteMany<'a, M> {
    type Output = Result<BatchResult<M::Key>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let plan = Self::plan(self.targets)?;
            let (db, policy) = (self.db, self.policy);
            let mut result = BatchResult::default();
            match plan {
                DeletePlan::Batch(keys) => {
                    batch_deletes::<M>(db, keys, &policy, &mut result).await?
                }
                DeletePlan::Conditional(checked) => {
                    conditional_deletes::<M>(db, checked, &policy, &mut result).await?
                }
                DeletePlan::Mixed(plain, checked) => {
                    batch_deletes::<M>(db, plain, &policy, &mut result).await?;
                    conditional_deletes::<M>(db, checked, &policy, &mut result).await?;
                }
                DeletePlan::Find(found) => {
                    let (planned, cond) = *found;
                    let options = ReadOptions {
                        descending: false,
                        consistent: false,
                        limit: None,
                        segments: 1,
                        policy,
                    };
                    let mut found = raw_stream::<M, Item>(db, planned, options, |_, item| {
                        Ok(key_of::<M>(&item))
                    });
                    let mut targets = Vec::new();
                    while let Some(r) = found.next().await {
                        match r {
                            Ok(key) => targets.push((key, cond.clone())),
                            Err(Error::Incomplete { missing, .. }) => {
                                for key in missing {
                                    result.fail.push(Failed {
                                        item: plan::model_key::<M>(&key)?,
                                        reason: Error::Unprocessed {
                                            attempts: policy.max_attempts,
                                        },
                                    });
                                }
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    conditional_deletes::<M>(db, targets, &policy, &mut result).await?;
                }
            }
            Ok(result)
        })
    }
}
