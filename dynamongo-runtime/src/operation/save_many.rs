//! `save_many`: BatchWriteItem in chunks with retries, or conditional puts.

use std::collections::HashMap;
use std::future::IntoFuture;

use futures::stream::{self, StreamExt};

use crate::batch::{run_writes, BatchResult, Failed, Write};
use crate::capacity::{self, Pace};
use crate::db::Db;
use crate::error::Error;
use crate::keys::{self, key_names};
use crate::model::Model;
use crate::retry::RetryPolicy;

use crate::trace::{self, traced, BoxFuture};
use crate::write::{self, prepare, Overwrite};

/// `User::save_many(&db, items)`: a [`BatchResult`] of the items.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let r = User::save_many(db, vec![User::new("a@b.io", "A")]).overwrite(false).await?;
/// # Ok(()) }
/// ```
#[must_use = "a save does nothing until awaited"]
pub struct SaveMany<'a, M: Model> {
    db: &'a Db,
    items: Vec<M>,
    overwrite: Overwrite<M>,
    policy: RetryPolicy,
    rate: Option<f64>,
}

impl<'a, M: Model> SaveMany<'a, M> {
    pub(crate) fn new(db: &'a Db, items: Vec<M>) -> Self {
        SaveMany {
            db,
            items,
            overwrite: Overwrite::Always,
            policy: db.retry_policy(),
            rate: None,
        }
    }

    /// Consume at most `units_per_second` capacity units per second (table and indexes,
    /// reads and writes together): each request is charged its predicted cost before it
    /// is sent and corrected by what it consumed, from a bucket that holds one second's
    /// worth. For bulk loads beside live traffic. A rate that is not above zero is
    /// [`Error::Config`].
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// # async fn demo(db: &Db, users: Vec<User>) -> dynamongo_runtime::Result<()> {
    /// let r = User::save_many(db, users).rate(100.0).await?;
    /// # Ok(()) }
    /// ```
    pub fn rate(mut self, units_per_second: f64) -> Self {
        self.rate = Some(units_per_second);
        self
    }

    /// `true` (default; BatchWriteItem), `false` or a condition: one conditional PutItem
    /// per item, concurrently; an item that exists or fails the condition is in `fail`.
    /// Items with one key are saved in input order, so with `false` the first is saved
    /// and the later ones fail. Versioned models always take this path: each item's
    /// version is checked, and a stale one is in `fail`.
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
        let span = trace::operation::<M>("save_many", &self.db.table(M::TABLE));
        traced(span, move || async move {
            self.db.check_encrypted::<M>()?;
            let SaveMany {
                db,
                items,
                overwrite,
                policy,
                rate,
            } = self;
            let pace = rate.map(Pace::new).transpose()?;
            let pace = pace
                .as_deref()
                .map(|p| (p, capacity::index_write_units::<M>()));
            // What the call consumed, for its result: its calls go through a metered copy.
            let (metered, meter) = db.metered();
            let db = &metered;
            let mut result = BatchResult::default();
            overwrite.check()?;
            let names = key_names::<M>();
            if !matches!(overwrite, Overwrite::Always) || M::VERSION.is_some() {
                // One conditional put per item. Items with one key go in input order, one
                // after the other (as saving them one by one would: with overwrite off the
                // first is saved and the later ones fail); different keys concurrently.
                let mut groups: Vec<Vec<(usize, M)>> = Vec::new();
                let mut group_of: HashMap<String, usize> = HashMap::new();
                for (i, item) in items.into_iter().enumerate() {
                    // A key that does not render is refused when the item is prepared.
                    let key = keys::key_item::<M>(&item.key())
                        .map(|k| keys::key_text_in(&k, &names))
                        .unwrap_or_default();
                    let g = *group_of.entry(key).or_insert_with(|| {
                        groups.push(Vec::new());
                        groups.len() - 1
                    });
                    groups[g].push((i, item));
                }
                let overwrite = &overwrite;
                let mut outcomes: Vec<(usize, M, Result<(), Error>)> = stream::iter(groups)
                    .map(|group| async move {
                        let mut out = Vec::with_capacity(group.len());
                        for (i, mut item) in group {
                            let r = write::put(db, &item, overwrite, &policy, pace).await.map(
                                |version| {
                                    if let Some(v) = version {
                                        item.set_version(v);
                                    }
                                },
                            );
                            out.push((i, item, r));
                        }
                        stream::iter(out)
                    })
                    .buffer_unordered(policy.concurrency.max(1))
                    .flatten()
                    .collect()
                    .await;
                outcomes.sort_by_key(|(i, _, _)| *i);
                for (_, item, r) in outcomes {
                    match r {
                        Ok(()) => result.success.push(item),
                        Err(reason) => result.fail.push(Failed { item, reason }),
                    }
                }
                result.consumed = meter.total();
                return Ok(result);
            }
            // Validate everything first; the invalid ones fail without being sent.
            let mut slots: Vec<Option<M>> = Vec::with_capacity(items.len());
            let mut writes = Vec::new();
            let mut last_index: HashMap<String, usize> = HashMap::new();
            for (i, item) in items.into_iter().enumerate() {
                match prepare(&item).and_then(|av| Write::put(av, &names)) {
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
            let table = db.table(M::TABLE);
            let outcomes = run_writes(db, &table, writes, &names, &policy, pace).await;
            for (i, r) in outcomes {
                if let Some(item) = slots.get_mut(i).and_then(Option::take) {
                    match r {
                        Ok(()) => result.success.push(item),
                        Err(reason) => result.fail.push(Failed { item, reason }),
                    }
                }
            }
            result.consumed = meter.total();
            Ok(result)
        })
    }
}
