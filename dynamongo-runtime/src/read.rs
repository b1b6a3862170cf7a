//! The read engine: the items of a plan as one stream, whether they come from pages of
//! Query or Scan (followed through `LastEvaluatedKey`, segments in parallel) or from
//! BatchGetItem chunks of keys (concurrent, retried, in key order).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Select, TableDescription};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::batch::get_chunk;
use crate::capacity::{self, read_units, Capacity, ItemBytes, Pace, TableStats};
use crate::cursor::{invalid, Position};
use crate::db::{Db, Scans};
use crate::error::Error;
use crate::eval;
use crate::expr::{Expr, ExprBuilder};
use crate::keys::{key_names, live, KeyRef};
use crate::model::Model;
use crate::model::{IndexDef, KeyAttr, ScalarType};
use crate::plan::{self, Access, Planned, BATCH_GET_MAX};
use crate::retry::{retrying, RetryPolicy};
use crate::trace::{self, MaybeSet};
use crate::value::Item;
use std::sync::Arc;
use tracing::Instrument;

/// How a multi-item read runs.
#[derive(Clone)]
pub(crate) struct ReadOptions {
    /// Query order / reverse key order.
    pub(crate) descending: bool,
    pub(crate) consistent: bool,
    /// Most items wanted (also the page size asked for).
    pub(crate) limit: Option<usize>,
    /// Segments of a parallel Scan (1: a plain Scan).
    pub(crate) segments: u32,
    pub(crate) policy: RetryPolicy,
    /// Yield items whose TTL has passed (DynamoDB deletes them only eventually).
    pub(crate) include_expired: bool,
    /// Capacity units per second the read may consume (`.rate(n)`).
    pub(crate) rate: Option<f64>,
    /// A bucket shared with the writes of the same call (`delete_many`'s read).
    pub(crate) pace: Option<Arc<Pace>>,
    /// The most read units one page may consume (`.max_read_units(n)`).
    pub(crate) max_read_units: Option<f64>,
    /// The size bounds of what is read, when not the model's (a collection's members).
    pub(crate) items: Option<ItemBytes>,
}

impl ReadOptions {
    /// The defaults of a read: ascending, eventually consistent, no limit, one segment,
    /// expired items left out.
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        ReadOptions {
            descending: false,
            consistent: false,
            limit: None,
            segments: 1,
            policy,
            include_expired: false,
            rate: None,
            pace: None,
            max_read_units: None,
            items: None,
        }
    }

    /// The bucket of the read's rate, when it has one.
    pub(crate) fn pace(&self) -> Result<Option<Arc<Pace>>, Error> {
        match &self.pace {
            Some(p) => Ok(Some(p.clone())),
            None => self.rate.map(Pace::new).transpose(),
        }
    }
}

/// One page of a read (`.page(n)` on [`GetMany`](crate::ops::GetMany) or
/// [`QueryIndex`](crate::ops::QueryIndex)): its items, and the cursor of the next page
/// (`None` on the last). The cursor is an opaque URL-safe string for a web API's clients;
/// give it back to `.after(cursor)` on the same query.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let mut all = Vec::new();
/// let mut page = User::get_many(db, user::email().exists()).page(100).await?;
/// loop {
///     all.append(&mut page.items);
///     let Some(next) = page.cursor else { break };
///     page = User::get_many(db, user::email().exists()).after(next).page(100).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Page<M> {
    /// The items of this page.
    pub items: Vec<M>,
    /// Where the next page starts; `None` when this is the last.
    pub cursor: Option<String>,
    /// The capacity reading this page consumed (look-ahead requests included).
    pub consumed: crate::capacity::Capacity,
}

/// A page as an API answers it: `{"items": [...], "cursor": "..." | null}`, each item as
/// it serialises (a model generated with the `serde` option: its JSON form). What it
/// consumed is left out.
///
/// ```
/// use dynamongo_runtime::ops::Page;
/// let page = Page { items: vec![1, 2], cursor: None, consumed: Default::default() };
/// use dynamongo_runtime::serde_json::{json, to_value};
/// assert_eq!(to_value(&page).unwrap(), json!({"items": [1, 2], "cursor": null}));
/// ```
impl<M: serde::Serialize> serde::Serialize for Page<M> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Page", 2)?;
        s.serialize_field("items", &self.items)?;
        s.serialize_field("cursor", &self.cursor)?;
        s.end()
    }
}

/// One page of a plan (or the error that kept it from being planned) from a cursor
/// (`None`: the first page), each item converted by `convert`: at most `size` items that
/// pass the checks made here, and the cursor of where the next page starts (`None`: the
/// plan is read to its end). The cursor names the query by the fingerprint of its plan. A
/// Query or Scan asks for no more items than the page has room for, so the page ends
/// exactly where the next one starts. One state machine from the operation down to the
/// request (a page of keys reads in [`keys_page`]).
pub(crate) async fn paged_read<M: Model, T>(
    db: &Db,
    planned: Result<Planned, Error>,
    mut options: ReadOptions,
    after: Option<String>,
    size: usize,
    convert: Convert<T>,
) -> Result<Page<T>, Error> {
    let planned = planned?;
    if size == 0 {
        return Err(Error::BadRequest(vec![crate::error::Violation::new(
            "page",
            "a page holds at least one item",
        )]));
    }
    options.limit = Some(size);
    db.check_encrypted::<M>()?;
    let table = db.table(M::TABLE);
    // The plan's fingerprint binds a cursor to its read: computed only when a cursor is
    // read or written (most pages are the last, read without one).
    let fingerprint = |planned: &Planned| {
        crate::cursor::fingerprint(&plan::canonical(
            &table,
            planned,
            options.descending,
            options.segments,
            options.include_expired,
        ))
    };
    let keys = db.cursor_keys();
    let from = match after {
        Some(c) => crate::cursor::decode(keys, &c, &fingerprint(&planned))?,
        None => Position {
            part: 0,
            start: None,
        },
    };
    // The page, its cursor written out when another page follows.
    let page = |items: Vec<T>, next: Option<Position>, consumed: Capacity| Page {
        items,
        cursor: next.map(|p| crate::cursor::encode(keys, &fingerprint(&planned), &p)),
        consumed,
    };
    scan_allowed(db, &table, &planned)?;
    let budget = Budget::new::<M>(&planned, &options)?;
    let local = local_checks::<M>(planned.local.clone(), options.include_expired);
    let (index, hash_values, range, filter, parts) = match &planned.access {
        Access::Keys(list) => {
            let (items, next, consumed) =
                keys_page::<M>(db, &table, list, &options, from, size, &budget, local).await?;
            let items = items
                .into_iter()
                .map(|i| convert(db, i))
                .collect::<Result<Vec<T>, Error>>()?;
            return Ok(page(items, next, consumed));
        }
        Access::Query {
            index,
            hash_values,
            range,
            filter,
        } => {
            consistent_possible(*index, options.consistent)?;
            let parts = hash_values.len();
            (
                *index,
                hash_values.as_slice(),
                range.as_ref(),
                filter.as_ref(),
                parts,
            )
        }
        Access::Scan { filter } => {
            let parts = options.segments.max(1) as usize;
            (None, &[][..], None, filter.as_ref(), parts)
        }
    };
    if from.part > parts {
        return Err(misplaced());
    }
    let key_condition = |part: usize| {
        hash_values
            .get(part)
            .map(|h| plan::key_condition::<M>(index, h, range))
    };
    // A start key names exactly the keys of the table (and index), of their types, and
    // lies inside the query.
    if let Some(start) = &from.start {
        let expected: Vec<&KeyAttr> = resume_attrs::<M>(index).collect();
        let fits = |a: &&KeyAttr| {
            matches!(
                (a.ty, start.get(a.name)),
                (ScalarType::S, Some(AttributeValue::S(_)))
                    | (ScalarType::N, Some(AttributeValue::N(_)))
                    | (ScalarType::B, Some(AttributeValue::B(_)))
            )
        };
        let names_match = start.keys().all(|k| expected.iter().any(|a| a.name == k));
        let inside = key_condition(from.part).is_none_or(|kc| eval::matches(&kc, start));
        if from.part >= parts || !names_match || !expected.iter().all(fits) || !inside {
            return Err(misplaced());
        }
    }
    let pace = options.pace()?;
    let total_segments = i32::try_from(parts).unwrap_or(i32::MAX);
    // What every request of the page shares; each asks for `limit` items of its part.
    let base = PageRequest {
        table: &table,
        index: index.map(|i| i.name),
        key_condition: None,
        filter,
        descending: options.descending,
        consistent: options.consistent,
        limit: None,
        segment: None,
        count_only: false,
        pace: pace.as_deref(),
    };
    let segment = |part: usize| {
        (hash_values.is_empty() && parts > 1)
            .then(|| (i32::try_from(part).unwrap_or(i32::MAX), total_segments))
    };
    let policy = &options.policy;
    let keep = |i: &Item| local.as_ref().is_none_or(|c| eval::matches(c, i));
    let mut pos = from;
    let mut out = Vec::new();
    // Read units the page's requests consumed.
    let mut spent = 0.0;
    // Whether an item after the page is known to exist (then the cursor is certain).
    let mut more = false;
    'parts: while pos.part < parts && out.len() < size {
        // One item more than the page has room for tells whether another page follows;
        // a budget may allow fewer (and none: the page ends here, its cursor at `pos`).
        let room = size - out.len();
        let want = (room + 1).min(budget.items(spent, out.is_empty())?);
        if want == 0 {
            break;
        }
        let kc = key_condition(pos.part);
        let reply = PageRequest {
            key_condition: kc.as_ref(),
            limit: i32::try_from(want).ok(),
            segment: segment(pos.part),
            ..base
        }
        .send(db, policy, pos.start.take())
        .await?;
        spent += reply.units;
        let mut items = reply.items.into_iter().peekable();
        while let Some(item) = items.next() {
            if !keep(&item) {
                continue;
            }
            // The page is full with this item and one is past it: resume after this one.
            let full = out.len() + 1 == size && items.peek().is_some();
            if full {
                pos.start = Some(resume_key::<M>(&item, index));
            }
            out.push(convert(db, item)?);
            if full {
                more = true;
                break 'parts;
            }
        }
        match reply.last {
            Some(l) => pos.start = Some(l),
            None => pos.part += 1,
        }
    }
    // A full page whose next item is not known yet: look ahead (a page's worth at most,
    // once per empty part) so that no cursor leads to an empty page.
    while !more && out.len() == size && pos.part < parts && budget.items(spent, false)? > 0 {
        let kc = key_condition(pos.part);
        let reply = PageRequest {
            key_condition: kc.as_ref(),
            limit: i32::try_from(size.min(budget.items(spent, false)?)).ok(),
            segment: segment(pos.part),
            ..base
        }
        .send(db, policy, pos.start.clone())
        .await?;
        spent += reply.units;
        if reply.items.iter().any(keep) {
            break;
        }
        match reply.last {
            // Only items this read skips, and the part goes on: the next page starts
            // after them.
            Some(l) => {
                pos.start = Some(l);
                break;
            }
            None => {
                pos.part += 1;
                pos.start = None;
            }
        }
    }
    let consumed = Capacity {
        read_units: spent,
        write_units: 0.0,
    };
    Ok(page(out, (pos.part < parts).then_some(pos), consumed))
}

/// A cursor whose start does not lie in the read it is given to.
fn misplaced() -> Error {
    invalid("does not fit this query (its start is outside it)")
}

/// A page of a plan's keys from `from` (BatchGetItem, in the read's order): the items
/// that pass the checks made here, where the next page starts, and what reading them
/// consumed.
#[allow(clippy::too_many_arguments)]
async fn keys_page<M: Model>(
    db: &Db,
    table: &str,
    keys: &[(Item, Option<Expr>)],
    options: &ReadOptions,
    from: Position,
    size: usize,
    budget: &Budget,
    local: Option<Expr>,
) -> Result<(Vec<Item>, Option<Position>, Capacity), Error> {
    if from.start.is_some() || from.part > keys.len() {
        return Err(misplaced());
    }
    let fit = budget.keys()?;
    let end = from.part.saturating_add(size.min(fit)).min(keys.len());
    // In the read's order: descending reads the keys from the last.
    let chunk: Vec<_> = if options.descending {
        keys.iter()
            .rev()
            .skip(from.part)
            .take(end - from.part)
            .cloned()
            .collect()
    } else {
        keys[from.part..end].to_vec()
    };
    // Batched reads are counted by a meter of their own.
    let (metered, meter) = db.metered();
    let items: Vec<Item> = keys_stream::<M, Item>(
        &metered,
        table.to_string(),
        chunk,
        local,
        options,
        options.pace()?,
        |_, item| Ok(item),
    )
    .try_collect()
    .await?;
    let next = (end < keys.len()).then_some(Position {
        part: end,
        start: None,
    });
    Ok((items, next, meter.total()))
}

/// Turns a stored item into what a stream yields (a model, or just its key).
pub(crate) type Convert<T> = fn(&Db, Item) -> Result<T, Error>;

/// The items of a plan (or the error that kept it from being planned) as `T`s, at most
/// `options.limit` of them: what every read's `stream()` yields.
pub(crate) fn limited_stream<'a, M: Model, T: Send + 'a>(
    db: &'a Db,
    planned: Result<Planned, Error>,
    options: ReadOptions,
    convert: Convert<T>,
) -> BoxStream<'a, Result<T, Error>> {
    let planned = match planned {
        Ok(p) => p,
        Err(e) => return futures::stream::once(async { Err(e) }).boxed(),
    };
    let limit = options.limit.unwrap_or(usize::MAX);
    raw_stream::<M, T>(db, planned, options, convert)
        .take(limit)
        .boxed()
}

/// The items of a plan as `T`s. Batched reads convert inside their (concurrent) chunk
/// futures, so decoding runs in parallel, as hand-written concurrent code would.
pub(crate) fn raw_stream<'a, M: Model, T: Send + 'a>(
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
        include_expired,
        ..
    } = options;
    let table = db.table(M::TABLE);
    let allowed = db
        .check_encrypted::<M>()
        .and_then(|()| scan_allowed(db, &table, &planned));
    let pace = match allowed.and_then(|()| options.pace()) {
        Ok(p) => p,
        Err(e) => return stream::iter([Err(e)]).boxed(),
    };
    let local = local_checks::<M>(planned.local, include_expired);
    let s: BoxStream<'a, Result<Item, Error>> = match planned.access {
        Access::Keys(mut keys) => {
            if descending {
                keys.reverse();
            }
            return keys_stream::<M, T>(
                db,
                table.into_owned(),
                keys,
                local,
                &options,
                pace,
                convert,
            );
        }
        Access::Query {
            index,
            hash_values,
            range,
            filter,
        } => {
            if let Err(e) = consistent_possible(index, consistent) {
                return stream::iter([Err(e)]).boxed();
            }
            let per_hash = hash_values.into_iter().map(move |h| {
                let kc = plan::key_condition::<M>(index, &h, range.as_ref());
                paged(
                    db,
                    table.to_string(),
                    index.map(|i| i.name),
                    Some(kc),
                    filter.clone(),
                    descending,
                    consistent,
                    limit,
                    policy,
                    None,
                    pace.clone(),
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
                    table.to_string(),
                    None,
                    None,
                    filter.clone(),
                    descending,
                    consistent,
                    limit,
                    policy,
                    (total > 1).then_some((n, total)),
                    pace.clone(),
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

/// Whether the `Db` lets `planned` run: a plan that would Scan is logged
/// ([`Scans::Warn`]) or refused before any request ([`Scans::Refuse`]).
pub(crate) fn scan_allowed(db: &Db, table: &str, planned: &Planned) -> Result<(), Error> {
    if !matches!(planned.access, Access::Scan { .. }) {
        return Ok(());
    }
    match db.scans() {
        Scans::Allow => Ok(()),
        Scans::Warn => {
            tracing::warn!(target: "dynamongo", table, reason = %planned.reason, "scanning the whole table");
            Ok(())
        }
        Scans::Refuse => Err(Error::ScanRefused {
            table: table.to_string(),
            reason: planned.reason.to_string(),
        }),
    }
}

/// How many items a plan selects: DynamoDB counts them (`Select = COUNT`, filters
/// applied) when every check runs there; otherwise the items are read and counted here.
/// A count reads, and pays for, what the plan reads.
pub(crate) async fn count<M: Model>(
    db: &Db,
    planned: Planned,
    mut options: ReadOptions,
) -> Result<u64, Error> {
    db.check_encrypted::<M>()?;
    let table = db.table(M::TABLE);
    scan_allowed(db, &table, &planned)?;
    let pace = options.pace()?;
    options.limit = None;
    let local = local_checks::<M>(planned.local.clone(), options.include_expired);
    let (index, hash_values, range, filter) = match planned.access {
        Access::Query {
            index,
            hash_values,
            range,
            filter,
        } if local.is_none() => (index, hash_values, range, filter),
        Access::Scan { filter } if local.is_none() => (None, Vec::new(), None, filter),
        _ => {
            let mut n = 0;
            let mut items = raw_stream::<M, ()>(db, planned, options, |_, _| Ok(()));
            while let Some(r) = items.next().await {
                r?;
                n += 1;
            }
            return Ok(n);
        }
    };
    consistent_possible(index, options.consistent)?;
    let segments = i32::try_from(options.segments.max(1)).unwrap_or(i32::MAX);
    // One part per hash value of a Query (its key condition), per segment of a Scan.
    type Part = (Option<Expr>, Option<(i32, i32)>);
    let parts: Vec<Part> = if hash_values.is_empty() {
        (0..segments)
            .map(|s| (None, (segments > 1).then_some((s, segments))))
            .collect()
    } else {
        hash_values
            .iter()
            .map(|h| {
                (
                    Some(plan::key_condition::<M>(index, h, range.as_ref())),
                    None,
                )
            })
            .collect()
    };
    let mut total = 0;
    for (key_condition, segment) in &parts {
        let request = PageRequest {
            table: &table,
            index: index.map(|i| i.name),
            key_condition: key_condition.as_ref(),
            filter: filter.as_ref(),
            descending: false,
            consistent: options.consistent,
            limit: None,
            segment: *segment,
            count_only: true,
            pace: pace.as_deref(),
        };
        let mut start = None;
        loop {
            let reply = request.send(db, &options.policy, start).await?;
            total += reply.matched;
            match reply.last {
                Some(l) => start = Some(l),
                None => break,
            }
        }
    }
    Ok(total)
}

/// A global index has no strongly consistent reads.
fn consistent_possible(index: Option<&IndexDef>, consistent: bool) -> Result<(), Error> {
    match index {
        Some(i) if consistent && !i.local => Err(Error::Expression(format!(
            "the plan queries the global index `{}`, which cannot be read consistently",
            i.name
        ))),
        _ => Ok(()),
    }
}

/// The checks applied here to what a plan reads: the plan's own, and the TTL rule.
pub(crate) fn local_checks<M: Model>(local: Option<Expr>, include_expired: bool) -> Option<Expr> {
    match include_expired {
        true => local,
        false => Expr::and_all(local.into_iter().chain(live::<M>()).collect()),
    }
}

/// A page's read budget (`.max_read_units(n)`): how many items (or keys) the next
/// request may ask for so that the page stays within it — exactly, when the items have a
/// maximum size; otherwise one request may go over.
struct Budget {
    limit: Option<f64>,
    /// Read units of one request that finds nothing.
    unit: f64,
    /// The largest item read, when bounded.
    max_bytes: Option<u64>,
    consistent: bool,
}

impl Budget {
    fn new<M: Model>(planned: &Planned, options: &ReadOptions) -> Result<Self, Error> {
        let items = options.items.unwrap_or(match &planned.access {
            Access::Query { index: Some(i), .. } => plan::entry_bytes::<M>(i),
            _ => M::ITEM_BYTES,
        });
        let unit = read_units(0, options.consistent);
        if let Some(limit) = options.max_read_units {
            if !(limit.is_finite() && limit >= unit) {
                return Err(Error::Config(format!(
                    "max_read_units({limit}): a request costs {unit} read units at least"
                )));
            }
        }
        Ok(Budget {
            limit: options.max_read_units,
            unit,
            max_bytes: items.max.map(|m| m.max(1)),
            consistent: options.consistent,
        })
    }

    /// Read units left after `spent` (`None`: no budget).
    fn left(&self, spent: f64) -> Option<f64> {
        self.limit.map(|l| l - spent)
    }

    /// Items the next Query or Scan may ask for, `spent` read units into the page
    /// (`usize::MAX`: any). On the first request
    /// of a page, an item larger than the whole budget is an error (the page could never
    /// hold one).
    fn items(&self, spent: f64, first: bool) -> Result<usize, Error> {
        let Some(left) = self.left(spent) else {
            return Ok(usize::MAX);
        };
        if left < self.unit {
            return Ok(0);
        }
        let Some(max) = self.max_bytes else {
            // Unbounded items: one request more, whatever it costs.
            return Ok(usize::MAX);
        };
        // ⌈n × max / 4 KB⌉ units (halved when eventually consistent) within what is left.
        let blocks = (left / self.unit).floor() as u64;
        let n = usize::try_from(blocks.saturating_mul(4096) / max).unwrap_or(usize::MAX);
        if n == 0 && first {
            return Err(Error::Config(format!(
                "max_read_units({}): one item may take {} read units",
                self.limit.unwrap_or_default(),
                read_units(max, self.consistent)
            )));
        }
        Ok(n)
    }

    /// Keys the (first) BatchGetItem of a page may ask for: each is charged on its own.
    fn keys(&self) -> Result<usize, Error> {
        let Some(left) = self.left(0.0) else {
            return Ok(usize::MAX);
        };
        let per_key = self
            .max_bytes
            .map_or(self.unit, |m| read_units(m, self.consistent));
        let n = (left / per_key).floor() as usize;
        if n == 0 {
            return Err(Error::Config(format!(
                "max_read_units({}): one key may take {per_key} read units",
                self.limit.unwrap_or_default()
            )));
        }
        Ok(n)
    }
}

/// Where a read resumes after `item`: its table key and, on an index, the index's key
/// (what DynamoDB's `LastEvaluatedKey` holds).
fn resume_key<M: Model>(item: &Item, index: Option<&IndexDef>) -> Item {
    resume_attrs::<M>(index)
        .filter_map(|a| item.get(a.name).map(|v| (a.name.to_string(), v.clone())))
        .collect()
}

/// The attributes of a start key: the table's key and, on an index, the index's.
fn resume_attrs<M: Model>(index: Option<&IndexDef>) -> impl Iterator<Item = &KeyAttr> {
    [Some(&M::HASH_KEY), M::RANGE_KEY.as_ref()]
        .into_iter()
        .flatten()
        .chain(index.into_iter().flat_map(|i| i.hash.iter().chain(i.range)))
}

pub(crate) fn keys_stream<'a, M: Model, T: Send + 'a>(
    db: &'a Db,
    table: String,
    keys: Vec<(Item, Option<Expr>)>,
    local: Option<Expr>,
    options: &ReadOptions,
    pace: Option<Arc<Pace>>,
    convert: Convert<T>,
) -> BoxStream<'a, Result<T, Error>> {
    let (consistent, policy) = (options.consistent, options.policy);
    // A key is charged as the largest item it may find (corrected after each request).
    let bytes = M::ITEM_BYTES;
    let per_key = read_units(bytes.max.unwrap_or(bytes.min), consistent);
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
            let pace = pace.clone();
            async move {
                let (keys, extras): (Vec<Item>, Vec<Option<Expr>>) = chunk.into_iter().unzip();
                let res = get_chunk(
                    db,
                    &table,
                    &keys,
                    consistent,
                    &policy,
                    (pace.as_deref(), per_key),
                )
                .await;
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

/// One page of a Scan (of segment `segment` of a parallel Scan) from `start`, retried:
/// its items and where the next page starts. What a backfill reads.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn scan_page(
    db: &Db,
    table: &str,
    filter: Option<&Expr>,
    segment: Option<(i32, i32)>,
    start: Option<Item>,
    limit: Option<i32>,
    policy: &RetryPolicy,
    pace: Option<&Pace>,
) -> Result<(Vec<Item>, Option<Item>), Error> {
    PageRequest {
        table,
        index: None,
        key_condition: None,
        filter,
        descending: false,
        consistent: false,
        limit,
        segment,
        count_only: false,
        pace,
    }
    .send(db, policy, start)
    .await
    .map(|reply| (reply.items, reply.last))
}

/// The item stored under `key` (GetItem), retried: what `get_one` reads, and what a write
/// engine reads consistently before it writes (a conflict's re-read, an encrypted model's
/// update, the fields an index template needs).
pub(crate) fn read_item<'r>(
    db: &'r Db,
    table: &'r str,
    key: &'r Item,
    consistent: bool,
    policy: &'r RetryPolicy,
) -> impl std::future::Future<Output = Result<Option<Item>, Error>> + 'r {
    retrying(db.quota(), policy, move || async move {
        let span = trace::call("GetItem", table);
        let out = trace::sent(&span, || {
            db.client()
                .get_item()
                .table_name(table)
                .set_key(Some(key.clone()))
                .maybe(consistent.then_some(true), |b, x| b.consistent_read(x))
                .return_consumed_capacity(trace::CAPACITY)
                .send()
        })
        .await
        .map_err(|e| Error::sdk("GetItem", e))
        .inspect_err(|e| trace::failed(&span, e))?;
        trace::consumed(db, &span, trace::Kind::Read, out.consumed_capacity());
        span.record("dynamongo.items", usize::from(out.item().is_some()));
        Ok(out.item)
    })
}

/// DescribeTable, retried: the table's description.
pub(crate) async fn describe_table(db: &Db, table: &str) -> Result<TableDescription, Error> {
    retrying(db.quota(), &db.retry_policy(), || async {
        let span = trace::call("DescribeTable", table);
        db.client()
            .describe_table()
            .table_name(table)
            .send()
            .instrument(span.clone())
            .await
            .map_err(|e| Error::sdk("DescribeTable", e))
            .inspect_err(|e| trace::failed(&span, e))
    })
    .await
    .and_then(|out| {
        out.table.ok_or_else(|| Error::NotFound {
            table: table.to_string(),
        })
    })
}

/// What DescribeTable says of a table's items (DynamoDB updates it about every six
/// hours): how many, and their total size.
pub(crate) async fn table_stats(db: &Db, table: &str) -> Result<TableStats, Error> {
    let d = describe_table(db, table).await?;
    Ok(TableStats {
        items: d.item_count().unwrap_or_default().max(0) as u64,
        bytes: d.table_size_bytes().unwrap_or_default().max(0) as u64,
    })
}

/// What a page's request returns: its items, where the next page starts, how many items
/// matched and were read, and what it consumed.
type PageParts = (
    Option<Vec<Item>>,
    Option<Item>,
    i32,
    i32,
    Option<aws_sdk_dynamodb::types::ConsumedCapacity>,
);

/// The parts of a Query's or a Scan's reply a page reads.
trait PageOutput {
    fn into_parts(self) -> PageParts;
}

macro_rules! page_output {
    ($($output:ty),*) => {$(
        impl PageOutput for $output {
            fn into_parts(self) -> PageParts {
                (self.items, self.last_evaluated_key, self.count, self.scanned_count, self.consumed_capacity)
            }
        }
    )*};
}

page_output!(
    aws_sdk_dynamodb::operation::query::QueryOutput,
    aws_sdk_dynamodb::operation::scan::ScanOutput
);

/// One Query or Scan request of a plan (the same for every page but its start key).
#[derive(Clone, Copy)]
struct PageRequest<'r> {
    table: &'r str,
    index: Option<&'static str>,
    key_condition: Option<&'r Expr>,
    filter: Option<&'r Expr>,
    descending: bool,
    consistent: bool,
    limit: Option<i32>,
    /// (Segment, TotalSegments) of a parallel Scan.
    segment: Option<(i32, i32)>,
    /// `Select = COUNT`: how many items match, not the items.
    count_only: bool,
    /// The read's rate.
    pace: Option<&'r Pace>,
}

/// What one page's request returned.
struct Reply {
    items: Vec<Item>,
    /// Where the next page starts (`None`: this was the last).
    last: Option<Item>,
    /// How many items matched (all that a `count_only` page gives).
    matched: u64,
    /// The capacity units it consumed.
    units: f64,
}

/// A page request's expressions, rendered for one attempt.
struct Rendered {
    key_condition: Option<String>,
    filter: Option<String>,
    names: Option<crate::expr::Names>,
    values: Option<crate::expr::Values>,
}

/// One attempt's request, sent inside its call span: a Query's or a Scan's reply as the
/// parts a page reads (one future type for both).
type Attempt<'r> =
    tracing::instrument::Instrumented<crate::op_future::OpFuture<'r, Result<PageParts, Error>>>;

impl<'p> PageRequest<'p> {
    /// One page from `start`, retried.
    fn send<'r>(
        self,
        db: &'r Db,
        policy: &'r RetryPolicy,
        start: Option<Item>,
    ) -> impl std::future::Future<Output = Result<Reply, Error>> + 'r
    where
        'p: 'r,
    {
        retrying(db.quota(), policy, move || {
            let mut b = ExprBuilder::default();
            let key_condition = self.key_condition.map(|k| b.key_condition(k));
            let filter = self.filter.map(|f| b.condition(f));
            let (names, values) = b.into_maps();
            let query = key_condition.is_some();
            let span = trace::call(if query { "Query" } else { "Scan" }, self.table);
            if let Some(index) = self.index {
                span.record("aws.dynamodb.index_name", index);
            }
            let rendered = Rendered {
                key_condition,
                filter,
                names,
                values,
            };
            let request = match query {
                true => self.query(db, &span, rendered, start.clone()),
                false => self.scan(db, &span, rendered, start.clone()),
            };
            // A page is charged the least it costs, and corrected by what it consumed.
            let charge = capacity::pace(self.pace, read_units(0, self.consistent));
            async move {
                let charge = charge.await;
                let (items, last, count, scanned, used) =
                    request.await.inspect_err(|e| trace::failed(&span, e))?;
                span.record("aws.dynamodb.count", count);
                span.record("aws.dynamodb.scanned_count", scanned);
                let units = trace::consumed(db, &span, trace::Kind::Read, used.as_ref());
                charge.settle(units);
                let items = items.unwrap_or_default();
                span.record("dynamongo.items", items.len());
                Ok(Reply {
                    items,
                    last: last.filter(|l| !l.is_empty()),
                    matched: u64::try_from(count).unwrap_or_default(),
                    units,
                })
            }
        })
    }

    /// The Query of one attempt (kept out of line: a page's attempt runs the code of the
    /// one operation it sends).
    #[inline(never)]
    fn query<'r>(
        self,
        db: &'r Db,
        span: &tracing::Span,
        rendered: Rendered,
        start: Option<Item>,
    ) -> Attempt<'r>
    where
        'p: 'r,
    {
        use futures::FutureExt;
        let select = self.count_only.then_some(Select::Count);
        trace::sent(span, || {
            db.client()
                .query()
                .table_name(self.table)
                .maybe(self.index, |b, i| b.index_name(i))
                .set_key_condition_expression(rendered.key_condition)
                .maybe(rendered.filter, |b, f| b.filter_expression(f))
                .set_expression_attribute_names(rendered.names)
                .set_expression_attribute_values(rendered.values)
                .maybe(self.descending.then_some(false), |b, x| {
                    b.scan_index_forward(x)
                })
                .maybe(self.consistent.then_some(true), |b, x| b.consistent_read(x))
                .maybe(start, |b, s| b.set_exclusive_start_key(Some(s)))
                .maybe(self.limit, |b, n| b.limit(n))
                .maybe(select, |b, s| b.select(s))
                .return_consumed_capacity(trace::CAPACITY)
                .send()
                .map(|r| {
                    r.map(PageOutput::into_parts)
                        .map_err(|e| Error::sdk("Query", e))
                })
        })
    }

    /// The Scan of one attempt (kept out of line, as [`PageRequest::query`]).
    #[inline(never)]
    fn scan<'r>(
        self,
        db: &'r Db,
        span: &tracing::Span,
        rendered: Rendered,
        start: Option<Item>,
    ) -> Attempt<'r>
    where
        'p: 'r,
    {
        use futures::FutureExt;
        let select = self.count_only.then_some(Select::Count);
        trace::sent(span, || {
            db.client()
                .scan()
                .table_name(self.table)
                .maybe(rendered.filter, |b, f| b.filter_expression(f))
                .set_expression_attribute_names(rendered.names)
                .set_expression_attribute_values(rendered.values)
                .maybe(self.consistent.then_some(true), |b, x| b.consistent_read(x))
                .maybe(start, |b, s| b.set_exclusive_start_key(Some(s)))
                .maybe(self.limit, |b, n| b.limit(n))
                .maybe(self.segment, |b, (s, t)| b.segment(s).total_segments(t))
                .maybe(select, |b, s| b.select(s))
                .return_consumed_capacity(trace::CAPACITY)
                .send()
                .map(|r| {
                    r.map(PageOutput::into_parts)
                        .map_err(|e| Error::sdk("Scan", e))
                })
        })
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn paged<'a>(
    db: &'a Db,
    table: String,
    index: Option<&'static str>,
    key_condition: Option<Expr>,
    filter: Option<Expr>,
    descending: bool,
    consistent: bool,
    page_size: Option<usize>,
    policy: RetryPolicy,
    // (Segment, TotalSegments) of a parallel Scan.
    segment: Option<(i32, i32)>,
    pace: Option<Arc<Pace>>,
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
            let pace = pace.clone();
            async move {
                if state.done {
                    return None;
                }
                let request = PageRequest {
                    table: &table,
                    index,
                    key_condition: key_condition.as_ref(),
                    filter: filter.as_ref(),
                    descending,
                    consistent,
                    limit: page_size,
                    segment,
                    count_only: false,
                    pace: pace.as_deref(),
                };
                let page = request.send(db, &policy, state.start.clone()).await;
                match page {
                    Ok(Reply { items, last, .. }) => {
                        let done = last.is_none();
                        let items: Vec<Result<Item, Error>> = items.into_iter().map(Ok).collect();
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
