//! `get_many`: the planned read (GetItem, BatchGetItem, Query or Scan), as a `Vec`, a
//! stream, or a plan from `explain()`.

use std::future::IntoFuture;

use futures::stream::{BoxStream, StreamExt};

use crate::db::Db;
use crate::error::Error;
use crate::model::{decode, Model, Targets};
use crate::plan::{self, Plan};
use crate::read::{count, limited_stream, paged_read, table_stats, Page, ReadOptions};
use crate::retry::RetryPolicy;
use crate::trace::{self, traced, BoxFuture};

/// `User::get_many(&db, strategy)`: awaited, the items as a `Vec`; or [`GetMany::stream`],
/// or [`GetMany::explain`] to see the plan without sending anything.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let some = User::get_many(db, user::name().begins_with("J")).descending().limit(10).await?;
/// let plan = User::get_many(db, user::name().begins_with("J")).explain()?;
/// println!("{plan}");
/// # Ok(()) }
/// ```
#[must_use = "a read does nothing until awaited or streamed"]
pub struct GetMany<'a, M: Model> {
    db: &'a Db,
    targets: Targets<M>,
    options: ReadOptions,
    after: Option<String>,
}

/// DynamoDB's bounds for `TotalSegments`.
const MAX_SEGMENTS: u32 = 1_000_000;

impl<'a, M: Model> GetMany<'a, M> {
    pub(crate) fn new(db: &'a Db, targets: Targets<M>) -> Self {
        GetMany {
            db,
            targets,
            options: ReadOptions::new(db.retry_policy()),
            after: None,
        }
    }

    /// Reads a Scan as `n` segments at once (DynamoDB's parallel scan: `Segment` /
    /// `TotalSegments`, one request in flight per segment), for large tables. Items
    /// arrive as the segments return them. Plans that read keys or Query are unaffected;
    /// `n` must be 1 to 1 000 000.
    ///
    /// ```
    /// # use dynamongo_runtime::{Db, Model, ModelExt, plan::Operation};
    /// # async fn demo<M: Model>(db: &Db, everything: dynamongo_runtime::Condition<M>) -> dynamongo_runtime::Result<()> {
    /// let plan = M::get_many(db, everything).segments(4).explain()?;
    /// if plan.operation == Operation::Scan {
    ///     assert_eq!(plan.segments, 4);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn segments(mut self, n: u32) -> Self {
        self.options.segments = n;
        self
    }

    fn check_segments(&self) -> Result<(), Error> {
        if (1..=MAX_SEGMENTS).contains(&self.options.segments) {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "segments({}): a parallel scan has 1 to {MAX_SEGMENTS} segments",
                self.options.segments
            )))
        }
    }

    /// Reverse order: Query results by descending range key (`ScanIndexForward=false`);
    /// keys read in the reverse of the order given. A Scan has no order and is unaffected.
    pub fn descending(mut self) -> Self {
        self.options.descending = true;
        self
    }

    /// A budget for each page (`page(n)`): no request is sent that could take the page
    /// past `read_units` read units; the page ends there, with a cursor to go on. Exact when
    /// the items read have a maximum size (every field bounded: see the model's doc), at
    /// most one request over otherwise. A budget below what one request (or one item) may
    /// cost is [`Error::Config`] when the page is read. Awaited and streamed reads are not
    /// paged: there, see `rate`.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let page = User::get_many(db, user::name().begins_with("J"))
    ///     .max_read_units(10.0)
    ///     .page(100)
    ///     .await?;
    /// assert!(page.consumed.read_units <= 10.0 || page.items.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn max_read_units(mut self, read_units: f64) -> Self {
        self.options.max_read_units = Some(read_units);
        self
    }

    /// Return at most `n` items (pages stop being fetched once `n` have arrived).
    pub fn limit(mut self, n: usize) -> Self {
        self.options.limit = Some(n);
        self
    }

    /// Also return items whose TTL has passed (a model with a `ttl` field). By default
    /// they are left out, as if DynamoDB had already deleted them (it does so only
    /// eventually, within days).
    pub fn include_expired(mut self, yes: bool) -> Self {
        self.options.include_expired = yes;
        self
    }

    /// Strongly consistent reads.
    pub fn consistent(mut self, yes: bool) -> Self {
        self.options.consistent = yes;
        self
    }

    /// Consume at most `units_per_second` read units per second, awaited, streamed, paged
    /// or counted: each request is charged its predicted cost before it is sent and
    /// corrected by what it consumed, from a bucket that holds one second's worth. For a
    /// long read beside live traffic. A rate that is not above zero is [`Error::Config`].
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # use futures::StreamExt;
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let mut all = User::get_many(db, user::email().exists()).rate(50.0).stream();
    /// while let Some(user) = all.next().await {
    ///     println!("{}", user?.email);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rate(mut self, units_per_second: f64) -> Self {
        self.options.rate = Some(units_per_second);
        self
    }

    /// Retries and concurrency of the batched reads.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.policy = policy;
        self
    }

    /// The plan: operation, table, expressions and placeholders. Sends nothing.
    pub fn explain(&self) -> Result<Plan, Error> {
        self.check_segments()?;
        let p = plan::plan(self.targets.clone())?;
        Ok(plan::describe::<M>(
            self.db.table_name(M::TABLE),
            &p,
            &self.options,
        ))
    }

    /// Resume after a page: `cursor` is a [`Page::cursor`] of this same query. A cursor of
    /// another query, or one that was altered or cut short, is [`Error::Validation`]
    /// (when the page is read).
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    /// [`after`](Self::after) a request's cursor when it has one (`?cursor=` of
    /// [`http::PageQuery`](crate::http)), from the first page when it has none.
    pub fn resume(mut self, cursor: Option<String>) -> Self {
        if cursor.is_some() {
            self.after = cursor;
        }
        self
    }

    /// One page of at most `size` items, and a cursor to the next page when there is
    /// more: for any plan (keys, Query, an index, Scan, a segmented Scan, whose segments
    /// are read one after the other). Pages of a Query or Scan stop exactly where the
    /// next begins; with filters a page may hold fewer than `size` items.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # async fn demo(db: &Db, cursor_from_client: Option<String>) -> dynamongo_runtime::Result<()> {
    /// let mut read = User::get_many(db, user::name().begins_with("J"));
    /// if let Some(c) = cursor_from_client {
    ///     read = read.after(c);
    /// }
    /// let page = read.page(20).await?;
    /// println!("{} users; next: {:?}", page.items.len(), page.cursor);
    /// # Ok(()) }
    /// ```
    pub fn page(self, size: usize) -> BoxFuture<'a, Result<Page<M>, Error>> {
        let span = trace::operation::<M>("get_many.page", &self.db.table(M::TABLE));
        let planned = self
            .check_segments()
            .and_then(|()| plan::plan(self.targets));
        traced(span, move || {
            paged_read::<M, M>(
                self.db,
                planned,
                self.options,
                self.after,
                size,
                |db, item| decode::<M>(db, &item),
            )
        })
    }

    /// The plan with its estimate completed by the table's statistics (DescribeTable: item
    /// count and size, updated by DynamoDB about every six hours): for a Scan, the items and
    /// read units it will take at most. Other plans are as [`GetMany::explain`] gives them.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let plan = User::get_many(db, user::name().begins_with("J")).explain_with_stats().await?;
    /// println!("at most {:?} read units", plan.estimate.read_units.max);
    /// # Ok(()) }
    /// ```
    pub async fn explain_with_stats(&self) -> Result<Plan, Error> {
        let mut plan = self.explain()?;
        if plan.operation == plan::Operation::Scan {
            let stats = table_stats(self.db, &plan.table).await?;
            plan::with_stats(&mut plan, stats, self.options.consistent);
        }
        Ok(plan)
    }

    /// How many items the strategy selects, without returning them: DynamoDB counts
    /// (`Select = COUNT`, filters applied) when every check runs there, else the items are
    /// read and counted here. It reads, and pays for, what the plan reads (see
    /// [`GetMany::explain`]); a `limit` does not apply. For the whole table's approximate
    /// count without reading, see [`ModelExt::approximate_count`](crate::ModelExt::approximate_count).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let born_after_2000 = User::get_many(db, user::year_of_birth().gt(2000)).count().await?;
    /// # Ok(()) }
    /// ```
    pub fn count(self) -> BoxFuture<'a, Result<u64, Error>> {
        let span = trace::operation::<M>("get_many.count", &self.db.table(M::TABLE));
        traced(span, move || async move {
            self.check_segments()?;
            let planned = plan::plan(self.targets)?;
            count::<M>(self.db, planned, self.options).await
        })
    }

    /// The items as they arrive, page by page, in bounded memory. What a stream consumed
    /// is counted by the meter of the `Db` it reads through:
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::{self, User};
    /// # use futures::StreamExt;
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let (metered, meter) = db.metered();
    /// let n = User::get_many(&metered, user::email().exists()).stream().count().await;
    /// println!("{n} users for {} read units", meter.total().read_units);
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> BoxStream<'a, Result<M, Error>> {
        let span = trace::operation::<M>("get_many.stream", &self.db.table(M::TABLE));
        trace::stream_in(span, self.items())
    }

    fn items(self) -> BoxStream<'a, Result<M, Error>> {
        let planned = self
            .check_segments()
            .and_then(|()| plan::plan(self.targets));
        limited_stream::<M, M>(self.db, planned, self.options, |db, item| {
            decode::<M>(db, &item)
        })
    }
}

impl<'a, M: Model> IntoFuture for GetMany<'a, M> {
    type Output = Result<Vec<M>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("get_many", &self.db.table(M::TABLE));
        traced(span, move || async move {
            // A list of keys tells how many items can come back at most.
            let at_most = match &self.targets {
                Targets::List(list) => list.len().min(self.options.limit.unwrap_or(usize::MAX)),
                Targets::Where(_) => 0,
            };
            let mut s = self.items();
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
