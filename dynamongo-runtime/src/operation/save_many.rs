//! `save_many`: BatchWriteItem in chunks with retries, or conditional puts.

use std::collections::HashMap;
use std::future::IntoFuture;

use futures::stream::{self, StreamExt};

use crate::batch::{run_writes, BatchResult, Failed, Write};
use crate::db::Db;
use crate::error::Error;
use crate::keys::key_names;
use crate::model::Model;
use crate::retry::RetryPolicy;

use super::save_one::{put_one, Overwrite};
use super::{prepare, BoxFuture};

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
                            let r = put_one(db, &item, &overwrite).await;
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
