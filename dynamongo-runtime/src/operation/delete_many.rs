//! `delete_many`: BatchWriteItem deletes, or conditional deletes of what a read found.

use std::future::IntoFuture;

use futures::stream::{self, StreamExt};

use crate::batch::{self, run_writes, BatchResult, Failed, Write};
use crate::capacity::{self, Pace};
use crate::db::Db;
use crate::error::Error;
use crate::expr::{Expr, ExprBuilder};
use crate::keys::{self, key_names, key_of, Single};
use crate::model::{Model, Targets};
use crate::plan::{self, Access, Operation, Plan, Planned};
use crate::read::{raw_stream, ReadOptions};
use crate::retry::RetryPolicy;
use crate::value::Item;
use std::sync::Arc;

use crate::trace::{self, traced, BoxFuture};
use crate::write;

/// `User::delete_many(&db, strategy)`: a [`BatchResult`] of the keys.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let r = User::delete_many(db, user::year_of_birth().lt(1990)).await?;
/// println!("{} deleted", r.success_count());
/// # Ok(()) }
/// ```
#[must_use = "a delete does nothing until awaited"]
pub struct DeleteMany<'a, M: Model> {
    db: &'a Db,
    targets: Targets<M>,
    policy: RetryPolicy,
    rate: Option<f64>,
}

/// How a delete_many runs.
enum DeletePlan {
    /// BatchWriteItem deletes of known keys.
    Batch(Vec<Item>),
    /// Conditional DeleteItem per key (the checks, and the version of a model value,
    /// checked at delete time).
    Conditional(Vec<Single>),
    /// Both (a list mixing plain keys and keys with checks).
    Mixed(Vec<Item>, Vec<Single>),
    /// Find the items with a read, then delete each with the condition re-checked.
    Find(Box<(Planned, Expr)>),
}

impl<'a, M: Model> DeleteMany<'a, M> {
    pub(crate) fn new(db: &'a Db, targets: Targets<M>) -> Self {
        DeleteMany {
            db,
            targets,
            policy: db.retry_policy(),
            rate: None,
        }
    }

    /// Consume at most `units_per_second` capacity units per second, the read that finds
    /// the items included (as [`SaveMany::rate`](crate::ops::SaveMany::rate)).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let r = User::delete_many(db, user::year_of_birth().lt(1990)).rate(50.0).await?;
    /// # Ok(()) }
    /// ```
    pub fn rate(mut self, units_per_second: f64) -> Self {
        self.rate = Some(units_per_second);
        self
    }

    /// Retries and concurrency.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    fn plan(targets: Targets<M>) -> Result<DeletePlan, Error> {
        match targets {
            Targets::List(list) => {
                // A key with checks, or a versioned model value (its version is checked), is
                // deleted on its own; plain keys are batched.
                let (plain, checked): (Vec<Single>, Vec<Single>) = plan::delete_targets::<M>(list)?
                    .into_iter()
                    .partition(|s| s.extra.is_none() && s.version.is_none());
                let plain: Vec<Item> = plain.into_iter().map(|s| s.key).collect();
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
        let table = self.db.table(M::TABLE);
        let blank = |operation, keys: usize, per: usize, reason: &str| Plan {
            operation,
            table: table.to_string(),
            index: None,
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
            estimate: plan::delete_estimate::<M>(
                (keys > 0).then_some(keys as u64),
                keys.div_ceil(per.max(1)) as u64,
            ),
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
                let options = ReadOptions {
                    include_expired: true,
                    ..ReadOptions::new(self.policy)
                };
                p.find = Some(Box::new(plan::describe::<M>(
                    table.to_string(),
                    &planned,
                    &options,
                )));
                p
            }
        })
    }
}

async fn conditional_deletes<M: Model>(
    db: &Db,
    targets: Vec<Single>,
    (policy, pace): (&RetryPolicy, &Option<Arc<Pace>>),
    result: &mut BatchResult<M::Key>,
) -> Result<(), Error> {
    let outcomes: Vec<(Item, Result<Option<M>, Error>)> = stream::iter(targets)
        .map(|single| async move {
            let key = single.key.clone();
            let rate = pace
                .as_deref()
                .map(|p| (p, capacity::index_write_units::<M>()));
            let r = write::delete::<M>(db, single, policy, rate).await;
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
                    item: None,
                    json: None,
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
    (policy, pace): (&RetryPolicy, &Option<Arc<Pace>>),
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
    let outcomes = run_writes(
        db,
        &db.table(M::TABLE),
        writes,
        &names,
        policy,
        pace.as_deref()
            .map(|p| (p, capacity::index_write_units::<M>())),
    )
    .await;
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
        let span = trace::operation::<M>("delete_many", &self.db.table(M::TABLE));
        traced(span, move || async move {
            self.db.check_encrypted::<M>()?;
            let plan = Self::plan(self.targets)?;
            // What the call consumed, for its result: its calls go through a metered copy.
            let (metered, meter) = self.db.metered();
            let (db, policy) = (&metered, self.policy);
            let pace = self.rate.map(Pace::new).transpose()?;
            let run = (&policy, &pace);
            let mut result = BatchResult::default();
            match plan {
                DeletePlan::Batch(keys) => batch_deletes::<M>(db, keys, run, &mut result).await?,
                DeletePlan::Conditional(checked) => {
                    conditional_deletes::<M>(db, checked, run, &mut result).await?
                }
                DeletePlan::Mixed(plain, checked) => {
                    batch_deletes::<M>(db, plain, run, &mut result).await?;
                    conditional_deletes::<M>(db, checked, run, &mut result).await?;
                }
                DeletePlan::Find(found) => {
                    let (planned, cond) = *found;
                    let options = ReadOptions {
                        // It deletes what is stored, expired or not.
                        include_expired: true,
                        pace: pace.clone(),
                        ..ReadOptions::new(policy)
                    };
                    let mut found = raw_stream::<M, Item>(db, planned, options, |_, item| {
                        Ok(key_of::<M>(&item))
                    });
                    let mut targets = Vec::new();
                    while let Some(r) = found.next().await {
                        match r {
                            Ok(key) => targets.push(Single {
                                key,
                                extra: Some(cond.clone()),
                                version: None,
                            }),
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
                    conditional_deletes::<M>(db, targets, run, &mut result).await?;
                }
            }
            result.consumed = meter.total();
            Ok(result)
        })
    }
}
