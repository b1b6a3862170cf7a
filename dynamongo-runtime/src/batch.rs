//! The batch engine: chunking by count and size, bounded concurrency, retries of
//! unprocessed items/keys and of throttling with exponential backoff and full jitter, and
//! an account of every item that did not make it.

use crate::trace;
use std::borrow::Cow;

use futures::stream::{self, StreamExt};
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};

use crate::capacity::{self, Pace, WriteRate};
use crate::db::Db;
use crate::error::Error;
use crate::keys::{item_size, key_text_in};
use crate::retry::{within, RetryPolicy};
use crate::value::Item;

/// Writes per BatchWriteItem request.
pub(crate) const BATCH_WRITE_MAX: usize = 25;
/// Bytes per BatchWriteItem request (DynamoDB's limit is 16 MB; stay well under).
const BATCH_WRITE_BYTES: usize = 15 * 1024 * 1024;

/// Result of reading one chunk of keys.
pub(crate) struct GetChunk {
    pub items: Vec<Item>,
    pub missing: Vec<Item>,
    pub error: Option<Error>,
}

/// BatchGetItem for up to 100 keys: retries unprocessed keys and retryable errors, keeps
/// what each attempt returned.
pub(crate) async fn get_chunk(
    db: &Db,
    table: &str,
    keys: &[Item],
    consistent: bool,
    policy: &RetryPolicy,
    (pace, per_key): (Option<&Pace>, f64),
) -> GetChunk {
    // The keys of an attempt are copied into its request (the SDK consumes it); those
    // still pending stay here for the next attempt or to report as missing.
    let mut pending: Cow<[Item]> = Cow::Borrowed(keys);
    let mut quota = Retries::new(db);
    let mut items = Vec::with_capacity(keys.len());
    let mut attempt = 0;
    let mut last_error = None;
    while !pending.is_empty() && attempt < policy.max_attempts {
        if attempt > 0 {
            tokio::time::sleep(policy.backoff(attempt)).await;
            tracing::Span::current().record("dynamongo.retries", attempt);
        }
        attempt += 1;
        let ka = match KeysAndAttributes::builder()
            .set_keys(Some(pending.to_vec()))
            .set_consistent_read(consistent.then_some(true))
            .build()
        {
            Ok(ka) => ka,
            Err(e) => {
                return GetChunk {
                    items,
                    missing: pending.into_owned(),
                    error: Some(Error::Config(e.to_string())),
                }
            }
        };
        let charge = capacity::pace(pace, per_key * pending.len() as f64).await;
        let span = trace::call("BatchGetItem", table);
        span.record("dynamongo.items", pending.len());
        let sent = trace::sent(&span, || {
            db.client()
                .batch_get_item()
                .request_items(table, ka)
                .return_consumed_capacity(trace::CAPACITY)
                .send()
        });
        let sent = within(policy.attempt_timeout, async {
            sent.await.map_err(|e| Error::sdk("BatchGetItem", e))
        });
        match sent.await {
            Ok(out) => {
                last_error = None;
                quota.succeeded();
                charge.settle(trace::consumed(
                    db,
                    &span,
                    trace::Kind::Read,
                    out.consumed_capacity(),
                ));
                let unprocessed = out
                    .unprocessed_keys()
                    .and_then(|u| u.get(table))
                    .map_or(0, |k| k.keys().len());
                span.record("dynamongo.unprocessed", unprocessed);
                // Take the items out of the response: no copies.
                if let Some(got) = out.responses.and_then(|mut r| r.remove(table)) {
                    items.extend(got);
                }
                pending = Cow::Owned(
                    out.unprocessed_keys
                        .and_then(|mut u| u.remove(table))
                        .map(|k| k.keys)
                        .unwrap_or_default(),
                );
            }
            Err(err) => {
                trace::failed(&span, &err);
                if !err.is_retryable() {
                    return GetChunk {
                        items,
                        missing: pending.into_owned(),
                        error: Some(err),
                    };
                }
                let retry = attempt < policy.max_attempts;
                last_error = Some(err);
                if retry && !quota.take(last_error.as_ref()) {
                    break;
                }
            }
        }
    }
    GetChunk {
        items,
        error: (!pending.is_empty())
            .then(|| last_error.unwrap_or(Error::Unprocessed { attempts: attempt })),
        missing: pending.into_owned(),
    }
}

/// The retry quota's account of one chunk: its retries after errors draw from the `Db`'s
/// quota (retries of unprocessed items do not: DynamoDB did part of the work), and a
/// request that succeeds gives back what they took.
struct Retries<'d> {
    db: &'d Db,
    taken: u32,
}

impl<'d> Retries<'d> {
    fn new(db: &'d Db) -> Self {
        Retries { db, taken: 0 }
    }

    /// Pays for a retry after `error`; `false` when the quota cannot.
    fn take(&mut self, error: Option<&Error>) -> bool {
        match error.and_then(|e| self.db.quota().acquire(e)) {
            Some(cost) => {
                self.taken += cost;
                true
            }
            None => {
                tracing::debug!(target: "dynamongo", "retry quota exhausted: not retried");
                false
            }
        }
    }

    fn succeeded(&mut self) {
        self.db.quota().release(std::mem::take(&mut self.taken));
    }
}

/// One write of a batch: a put or a delete, with its index in the caller's list.
pub(crate) struct Write {
    /// [`key_text_in`] of the item's key.
    key: String,
    /// The item's size, for the request byte limit.
    size: usize,
    request: WriteRequest,
}

impl Write {
    /// The key text.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// A put of `item` (moved into the request).
    pub(crate) fn put(item: Item, key_names: &[&str]) -> Result<Write, Error> {
        let key = key_text_in(&item, key_names);
        let size = item_size(&item);
        let put = PutRequest::builder()
            .set_item(Some(item))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Write {
            key,
            size,
            request: WriteRequest::builder().put_request(put).build(),
        })
    }

    /// A delete of `key`.
    pub(crate) fn delete(key: Item, key_names: &[&str]) -> Result<Write, Error> {
        let text = key_text_in(&key, key_names);
        let size = item_size(&key);
        let delete = DeleteRequest::builder()
            .set_key(Some(key))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Write {
            key: text,
            size,
            request: WriteRequest::builder().delete_request(delete).build(),
        })
    }
}

/// Outcome per index.
pub(crate) type WriteOutcome = (usize, Result<(), Error>);

/// Splits writes into BatchWriteItem chunks: at most 25, under the byte limit, and never
/// two writes of the same key in one request (DynamoDB refuses that).
pub(crate) fn chunk_writes(writes: Vec<(usize, Write)>) -> Vec<Vec<(usize, Write)>> {
    let mut chunks: Vec<Vec<(usize, Write)>> = Vec::new();
    let mut current: Vec<(usize, Write)> = Vec::new();
    let mut bytes = 0;
    let mut keys = std::collections::HashSet::new();
    for (i, w) in writes {
        let size = w.size;
        let k = w.key.clone();
        if current.len() == BATCH_WRITE_MAX || bytes + size > BATCH_WRITE_BYTES || keys.contains(&k)
        {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
            keys.clear();
        }
        bytes += size;
        keys.insert(k);
        current.push((i, w));
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// BatchWriteItem for one chunk: retries unprocessed items and retryable errors; every
/// write ends as Ok or as an error saying why. A retry sends what DynamoDB returned as
/// unprocessed, or the whole attempt again after a retryable error.
pub(crate) async fn write_chunk(
    db: &Db,
    table: &str,
    chunk: Vec<(usize, Write)>,
    key_names: &[&str],
    policy: &RetryPolicy,
    rate: WriteRate<'_>,
) -> Vec<WriteOutcome> {
    let mut outcomes = Vec::with_capacity(chunk.len());
    let mut pending: HashMap<String, usize> = HashMap::with_capacity(chunk.len());
    let mut requests = Vec::with_capacity(chunk.len());
    for (i, w) in chunk {
        pending.insert(w.key, i);
        requests.push(w.request);
    }
    let mut attempt = 0;
    let mut last_error: Option<Error> = None;
    let mut quota = Retries::new(db);
    while !requests.is_empty() && attempt < policy.max_attempts {
        if attempt > 0 {
            tokio::time::sleep(policy.backoff(attempt)).await;
            tracing::Span::current().record("dynamongo.retries", attempt);
        }
        attempt += 1;
        // The SDK takes the requests by value, and a failed call (a throttle, a dropped
        // connection) gives nothing back: keep them for the next attempt.
        let sent = requests.clone();
        // Each write is charged as its item's table share (corrected by what it consumed,
        // indexes included).
        let predicted: f64 = sent
            .iter()
            .map(|w| predicted_units(w) + rate.map_or(0.0, |r| r.1))
            .sum();
        let charge = capacity::pace(rate.map(|r| r.0), predicted).await;
        let span = trace::call("BatchWriteItem", table);
        span.record("dynamongo.items", sent.len());
        let sent = trace::sent(&span, || {
            db.client()
                .batch_write_item()
                .request_items(table, sent)
                .return_consumed_capacity(trace::CAPACITY)
                .send()
        });
        let sent = within(policy.attempt_timeout, async {
            sent.await.map_err(|e| Error::sdk("BatchWriteItem", e))
        });
        match sent.await {
            Ok(out) => {
                last_error = None;
                quota.succeeded();
                charge.settle(trace::consumed(
                    db,
                    &span,
                    trace::Kind::Write,
                    out.consumed_capacity(),
                ));
                let unprocessed = out
                    .unprocessed_items()
                    .and_then(|u| u.get(table))
                    .map_or(0, Vec::len);
                span.record("dynamongo.unprocessed", unprocessed);
                let unprocessed: Vec<WriteRequest> = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(table))
                    .unwrap_or_default();
                let still: std::collections::HashSet<String> = unprocessed
                    .iter()
                    .filter_map(|r| request_key(r, key_names))
                    .collect();
                pending.retain(|k, i| {
                    let done = !still.contains(k);
                    if done {
                        outcomes.push((*i, Ok(())));
                    }
                    !done
                });
                requests = unprocessed;
            }
            Err(err) => {
                trace::failed(&span, &err);
                if !err.is_retryable() {
                    for (_, i) in pending.drain() {
                        outcomes.push((i, Err(clone_error(&err))));
                    }
                    return outcomes;
                }
                let retry = attempt < policy.max_attempts;
                last_error = Some(err);
                if retry && !quota.take(last_error.as_ref()) {
                    break;
                }
            }
        }
    }
    for (_, i) in pending.drain() {
        let reason = match &last_error {
            Some(e) => clone_error(e),
            None => Error::Unprocessed { attempts: attempt },
        };
        outcomes.push((i, Err(reason)));
    }
    outcomes
}

/// The write units a request is predicted to cost on the table: a put by its item's size,
/// a delete at least one.
fn predicted_units(r: &WriteRequest) -> f64 {
    let bytes = r.put_request().map_or(0, |p| item_size(p.item()));
    capacity::write_units(bytes as u64)
}

fn request_key(r: &WriteRequest, key_names: &[&str]) -> Option<String> {
    let item = r
        .put_request()
        .map(|p| p.item())
        .or_else(|| r.delete_request().map(|d| d.key()))?;
    Some(key_text_in(item, key_names))
}

/// Errors are not `Clone` (the SDK's are not); a copy for each item it applies to.
pub(crate) fn clone_error(e: &Error) -> Error {
    match e {
        Error::Sdk {
            operation,
            code,
            message,
        } => Error::Sdk {
            operation,
            code: code.clone(),
            message: message.clone(),
        },
        Error::Unprocessed { attempts } => Error::Unprocessed {
            attempts: *attempts,
        },
        Error::ConditionalCheckFailed { table, item, json } => Error::ConditionalCheckFailed {
            table: table.clone(),
            item: item.clone(),
            json: json.clone(),
        },
        Error::Validation(v) => Error::Validation(v.clone()),
        Error::BadRequest(v) => Error::BadRequest(v.clone()),
        Error::Expression(m) => Error::Expression(m.clone()),
        other => Error::Config(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn put(k: &str) -> Write {
        let item = Item::from([("id".to_string(), AttributeValue::S(k.into()))]);
        Write::put(item, &["id"]).expect("a valid put")
    }

    #[test]
    fn chunks_by_count_and_never_repeat_a_key() {
        let writes: Vec<_> = (0..60).map(|i| (i, put(&format!("k{}", i % 40)))).collect();
        let chunks = chunk_writes(writes);
        assert!(chunks.iter().all(|c| c.len() <= BATCH_WRITE_MAX));
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 60);
        for c in &chunks {
            let keys: std::collections::HashSet<_> = c.iter().map(|(_, w)| w.key.clone()).collect();
            assert_eq!(keys.len(), c.len());
        }
    }

    #[test]
    fn backoff_is_bounded_by_the_ceiling() {
        let p = RetryPolicy::default();
        for attempt in 0..30 {
            let ceiling = p
                .base_delay
                .saturating_mul(1 << attempt.min(20))
                .min(p.max_delay);
            assert!(p.backoff(attempt) <= ceiling);
        }
    }
}

/// What a batch call did with each item: every input ends in `success` or in `fail`.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let r = User::save_many(db, vec![User::new("a@b.io", "A"), User::new("bad", "B")]).await?;
/// assert_eq!((r.success_count(), r.fail_count()), (1, 1));
/// for failed in &r.fail {
///     eprintln!("{}: {}", failed.item.email, failed.reason);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct BatchResult<T> {
    /// Items (or keys) done.
    pub success: Vec<T>,
    /// Items (or keys) not done, each with why.
    pub fail: Vec<Failed<T>>,
    /// The capacity the call consumed (its reads too, for a `delete_many` that finds the
    /// items first; failed conditional writes counted).
    pub consumed: crate::capacity::Capacity,
}

/// An item a batch call could not handle, and the reason.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let r = User::delete_many(db, vec!["a@b.io", "c@d.io"]).await?;
/// for failed in r.fail {
///     eprintln!("not deleted: {:?} ({})", failed.item, failed.reason);
/// }
/// # Ok(()) }
/// ```
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
            consumed: crate::capacity::Capacity::ZERO,
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

/// Runs writes in chunks, `policy.concurrency` chunks at a time.
pub(crate) async fn run_writes(
    db: &Db,
    table: &str,
    writes: Vec<(usize, Write)>,
    names: &[&str],
    policy: &RetryPolicy,
    rate: WriteRate<'_>,
) -> Vec<WriteOutcome> {
    let chunks = chunk_writes(writes);
    stream::iter(chunks)
        .map(|chunk| write_chunk(db, table, chunk, names, policy, rate))
        .buffer_unordered(policy.concurrency.max(1))
        .flat_map(stream::iter)
        .collect()
        .await
}
