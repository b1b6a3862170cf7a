//! `backfill`: rewrites a model's stored items in its current form, online — a parallel
//! Scan, one conditional UpdateItem per item that changed, checkpoints and leases in a
//! checkpoint table shared by any number of workers.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};

use crate::capacity::{Capacity, Pace};
use crate::db::Db;
use crate::error::Error;
use crate::expr::{AttrPath, Cmp, Condition, Expr};
use crate::keys;
use crate::migrate::{examine, put_if, rewrite, Checkpoints, CopyItem, Counts, Row, Verdict};
use crate::model::Model;
use crate::retry::RetryPolicy;
use crate::trace::{self, traced, BoxFuture};
use crate::value::Item;

/// `User::backfill(&db)`: every stored item of the model rewritten in its current form
/// (what `renamed_from`, aliases, defaults and the upgrade hook make of it), online.
///
/// Each item is decoded with the current model and encoded again; an item already in
/// that form is not written. Otherwise one UpdateItem sets what changed (rendered index
/// keys included) and removes what the evolution retired (`renamed_from` sources, what
/// the upgrade hook removes), on the condition that every attribute it touches still
/// holds what was read — and, for a versioned model, moves the version on: a concurrent
/// writer always wins (a conflict; the item is read again once). An item the current
/// model cannot read is reported with its key and left as it is.
///
/// Progress is kept in a checkpoint table (`dynamongo_backfills`, the table prefix
/// applied, made on first use): any number of workers, in any processes, share the
/// segments by conditional writes; a worker that dies loses nothing, and a rerun resumes
/// from the last page done.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let report = User::backfill(db).segments(4).rate(200.0).await?;
/// println!(
///     "{} scanned, {} rewritten, {} failed; complete: {}",
///     report.scanned, report.rewritten, report.failed.len(), report.complete
/// );
/// # Ok(()) }
/// ```
#[must_use = "a backfill does nothing until awaited"]
pub struct Backfill<'a, M: Model> {
    db: &'a Db,
    segments: u32,
    rate: Option<f64>,
    dry_run: bool,
    only: Option<Condition<M>>,
    name: Option<String>,
    worker: Option<String>,
    lease: Duration,
    until: Option<Duration>,
    page: usize,
    progress: Option<OnPage<'a>>,
}

/// The progress callback.
type OnPage<'a> = Arc<dyn Fn(&Progress) + Send + Sync + 'a>;

/// What a backfill did (this worker's share, and whether the whole is done).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct BackfillReport {
    /// The checkpoint's name.
    pub name: String,
    /// Items examined (of the model, passing `only`).
    pub scanned: u64,
    /// Items rewritten.
    pub rewritten: u64,
    /// Items already in the current form.
    pub unchanged: u64,
    /// Failed conditions: a concurrent writer changed the item (it was read again).
    pub conflicts: u64,
    /// Items left as they are although they changed: their condition failed twice, or
    /// the update could not be stated within DynamoDB's limits. Each with its key and why.
    pub skipped: Vec<(Item, String)>,
    /// Items the current model cannot read or that break its rules, with their key.
    pub failed: Vec<(Item, Error)>,
    /// What this worker consumed (scans, writes, checkpoints).
    pub consumed: Capacity,
    /// Segments done (by any worker).
    pub segments_done: u32,
    /// The backfill's segments.
    pub segments: u32,
    /// Every segment is done.
    pub complete: bool,
    /// A dry run: the first items it would rewrite, with the attributes it would set and
    /// remove.
    pub preview: Vec<Preview>,
}

/// An item a dry run would rewrite.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// Its key.
    pub key: Item,
    /// Attributes it would set.
    pub set: Vec<String>,
    /// Attributes it would remove.
    pub remove: Vec<String>,
}

/// Progress after each page (the callback of [`Backfill::on_page`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Progress {
    /// The segment the page was of.
    pub segment: u32,
    /// This worker's totals so far.
    pub scanned: u64,
    /// Rewritten so far.
    pub rewritten: u64,
    /// Failed so far.
    pub failed: u64,
}

/// Items shown by a dry run.
const PREVIEW: usize = 20;

impl<'a, M: Model> Backfill<'a, M> {
    pub(crate) fn new(db: &'a Db) -> Self {
        Backfill {
            db,
            segments: 1,
            rate: None,
            dry_run: false,
            only: None,
            name: None,
            worker: None,
            lease: Duration::from_secs(30),
            until: None,
            page: 100,
            progress: None,
        }
    }

    /// Segments of the parallel Scan (1 to 1 000 000; default 1): the units workers share.
    /// Fixed by the first run under a name.
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = n;
        self
    }

    /// Consume at most `units_per_second` capacity units a second (this worker: reads,
    /// writes, index writes and checkpoints).
    pub fn rate(mut self, units_per_second: f64) -> Self {
        self.rate = Some(units_per_second);
        self
    }

    /// Read and report what would be written; write nothing (no checkpoint, no table).
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Only the items this condition selects (a FilterExpression on the Scan).
    pub fn only(mut self, condition: Condition<M>) -> Self {
        self.only = Some(condition);
        self
    }

    /// The checkpoint's name (default: the model's table and name): a completed backfill
    /// under the same name returns at once; a new name runs again.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// This worker's id in the checkpoint table (default: host, process id and a random
    /// suffix).
    pub fn worker(mut self, id: impl Into<String>) -> Self {
        self.worker = Some(id.into());
        self
    }

    /// How long a segment's lease lasts without renewal before another worker may take it
    /// over (default 30 s); renewed after every page.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Stop taking work after `limit` (the report then says whether it is complete).
    pub fn until(mut self, limit: Duration) -> Self {
        self.until = Some(limit);
        self
    }

    /// Items a Scan page asks for (default 100).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page = n.max(1);
        self
    }

    /// Called after every page with this worker's totals.
    pub fn on_page(mut self, f: impl Fn(&Progress) + Send + Sync + 'a) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

impl<'a, M: Model> IntoFuture for Backfill<'a, M> {
    type Output = Result<BackfillReport, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("backfill", &self.db.table(M::TABLE));
        traced(span, move || async move { self.run(None).await })
    }
}

/// This worker's account, shared by its segment tasks.
#[derive(Default)]
struct Account {
    counts: Counts,
    skipped: Vec<(Item, String)>,
    failed: Vec<(Item, Error)>,
    preview: Vec<Preview>,
}

impl<'a, M: Model> Backfill<'a, M> {
    fn filter(&self) -> Result<Option<Expr>, Error> {
        let entity = M::ENTITY.map(|e| {
            Expr::Cmp(
                AttrPath::of(e.attribute),
                Cmp::Eq,
                aws_sdk_dynamodb::types::AttributeValue::S(e.name.to_string()),
            )
        });
        let only = match &self.only {
            Some(c) => {
                c.check()?;
                Some(c.expr.clone())
            }
            None => None,
        };
        Ok(Expr::and_all(entity.into_iter().chain(only).collect()))
    }

    /// The run: a backfill of `M`'s items, or (`copy`) a copy of them to another table.
    async fn run(self, copy: Option<(&dyn CopyItem, &str)>) -> Result<BackfillReport, Error> {
        if !(1..=1_000_000).contains(&self.segments) {
            return Err(Error::Config(format!(
                "segments({}): a parallel scan has 1 to 1000000 segments",
                self.segments
            )));
        }
        let (db, meter) = self.db.metered();
        let db = &db;
        let pace = self.rate.map(Pace::new).transpose()?;
        let filter = self.filter()?;
        let name = self.name.clone().unwrap_or_else(|| match copy {
            Some((_, to)) => format!("copy:{}:{}:{to}", M::TABLE, trace::short_name::<M>()),
            None => format!("{}:{}", M::TABLE, trace::short_name::<M>()),
        });
        let target = copy.map(|(c, to)| (c, db.table_name(to)));
        let worker = self.worker.clone().unwrap_or_else(default_worker);
        let policy = db.retry_policy();
        let table = db.table(M::TABLE);
        let account = std::sync::Mutex::new(Account::default());
        let started = Instant::now();
        let mut report = BackfillReport {
            name: name.clone(),
            segments: self.segments,
            ..Default::default()
        };
        let job = Job {
            db,
            table: &table,
            filter: filter.as_ref(),
            policy,
            pace: pace.as_deref(),
            page: self.page,
            segments: self.segments,
            account: &account,
            progress: self.progress.as_deref(),
            dry_run: self.dry_run,
            name: &name,
            lease: self.lease,
            copy: target.as_ref().map(|(c, t)| (*c, t.as_str())),
            raw: crate::encryption::encrypted::<M>()
                .then(|| db.raw())
                .flatten(),
        };
        if self.dry_run {
            // Every segment, no checkpoints.
            let mut all: FuturesUnordered<_> = (0..self.segments)
                .map(|s| job.segment::<M>(s, None, None))
                .collect();
            while let Some(r) = all.next().await {
                r?;
            }
            report.segments_done = self.segments;
            report.complete = true;
        } else {
            let checkpoints = Checkpoints::new(db, &name, &worker, policy, pace.as_deref());
            checkpoints.ensure_table().await?;
            checkpoints.meta(self.segments).await?;
            let slots = policy.concurrency.max(1);
            // Leases seen held by others: (owner, counter, when the counter was first seen).
            let mut seen: HashMap<u32, (String, u64, Instant)> = HashMap::new();
            let mut running: FuturesUnordered<futures::future::BoxFuture<'_, Result<u32, Error>>> =
                FuturesUnordered::new();
            let mut mine: Vec<u32> = Vec::new();
            loop {
                let rows = checkpoints.rows().await?;
                let done = rows.iter().filter(|r| r.done).count() as u32;
                report.segments_done = done;
                if done == self.segments {
                    report.complete = true;
                    break;
                }
                let out_of_time = self.until.is_some_and(|u| started.elapsed() >= u);
                if !out_of_time {
                    let by_segment: HashMap<u32, &Row> =
                        rows.iter().map(|r| (r.segment, r)).collect();
                    for segment in 0..self.segments {
                        if running.len() >= slots {
                            break;
                        }
                        if mine.contains(&segment) {
                            continue;
                        }
                        let claimed = match by_segment.get(&segment) {
                            None => checkpoints.claim(segment).await?,
                            Some(r) if r.done => false,
                            Some(r) if r.owner == worker => true,
                            Some(r) => {
                                let now = Instant::now();
                                let entry = seen
                                    .entry(segment)
                                    .or_insert_with(|| (r.owner.clone(), r.counter, now));
                                if entry.0 != r.owner || entry.1 != r.counter {
                                    *entry = (r.owner.clone(), r.counter, now);
                                    false
                                } else if now.duration_since(entry.2) >= self.lease {
                                    checkpoints.take_over(r).await?
                                } else {
                                    false
                                }
                            }
                        };
                        if claimed {
                            let resume = match by_segment.get(&segment) {
                                Some(r) => r.resume.clone(),
                                None => None,
                            };
                            mine.push(segment);
                            let job = &job;
                            let checkpoints = &checkpoints;
                            running.push(Box::pin(async move {
                                job.segment::<M>(segment, resume, Some(checkpoints)).await?;
                                Ok(segment)
                            }));
                        }
                    }
                }
                if running.is_empty() {
                    if out_of_time {
                        break;
                    }
                    // Every open segment is leased to a live worker: look again later.
                    tokio::time::sleep(self.lease / 3).await;
                    continue;
                }
                // A segment ends (done, or its lease lost), or a third of a lease passes:
                // then the rows are read again.
                tokio::select! {
                    finished = running.next() => {
                        if let Some(r) = finished {
                            let segment = r?;
                            mine.retain(|s| *s != segment);
                        }
                    }
                    _ = tokio::time::sleep(self.lease / 3) => {}
                }
            }
            // Whatever still runs (out of time) finishes its page.
            while let Some(r) = running.next().await {
                r?;
            }
        }
        let account = account.into_inner().unwrap_or_else(|p| p.into_inner());
        let c = account.counts;
        report.scanned = c.scanned;
        report.rewritten = c.rewritten;
        report.unchanged = c.unchanged;
        report.conflicts = c.conflicts;
        report.skipped = account.skipped;
        report.failed = account.failed;
        report.preview = account.preview;
        report.consumed = meter.total();
        tracing::info!(
            target: "dynamongo",
            backfill = %report.name,
            scanned = report.scanned,
            rewritten = report.rewritten,
            failed = report.failed.len(),
            complete = report.complete,
            "backfill ended"
        );
        Ok(report)
    }
}

/// What every segment task of one run shares.
struct Job<'j> {
    db: &'j Db,
    table: &'j str,
    filter: Option<&'j Expr>,
    policy: RetryPolicy,
    pace: Option<&'j Pace>,
    page: usize,
    segments: u32,
    account: &'j std::sync::Mutex<Account>,
    progress: Option<&'j (dyn Fn(&Progress) + Send + Sync)>,
    dry_run: bool,
    name: &'j str,
    lease: Duration,
    /// A copy: how each item maps, and the new table.
    copy: Option<(&'j dyn CopyItem, &'j str)>,
    /// An encrypted model's table is scanned raw, so that the items still stored
    /// plaintext are found (and encrypted); the others are opened with the Db's
    /// encryption.
    raw: Option<(Db, &'j crate::encryption::Installed)>,
}

impl Job<'_> {
    /// One segment from `resume` to its end, page by page; each page checkpointed (and the
    /// lease renewed) when there are checkpoints. Returns early when the lease is lost.
    async fn segment<M: Model>(
        &self,
        segment: u32,
        mut resume: Option<Item>,
        checkpoints: Option<&Checkpoints<'_>>,
    ) -> Result<(), Error> {
        let total = i32::try_from(self.segments).unwrap_or(i32::MAX);
        let part = (total > 1).then(|| (i32::try_from(segment).unwrap_or(i32::MAX), total));
        loop {
            let work = async {
                let (items, last) = crate::read::scan_page(
                    self.raw.as_ref().map_or(self.db, |(raw, _)| raw),
                    self.table,
                    self.filter,
                    part,
                    resume.clone(),
                    i32::try_from(self.page).ok(),
                    &self.policy,
                    self.pace,
                )
                .await?;
                let mut page = Counts::default();
                for item in &items {
                    self.item::<M>(item, &mut page).await?;
                }
                Ok::<_, Error>((page, last))
            };
            // While a page works (or waits for its rate), its lease is renewed every third
            // of a lease, so that a live worker is never taken for a dead one.
            let (page, last) = match checkpoints {
                None => work.await?,
                Some(c) => {
                    tokio::pin!(work);
                    loop {
                        tokio::select! {
                            done = &mut work => break done?,
                            _ = tokio::time::sleep(self.lease / 3) => {
                                if !c.renew(segment).await? {
                                    tracing::info!(target: "dynamongo", backfill = self.name, segment, "lease lost: another worker has the segment");
                                    return Ok(());
                                }
                            }
                        }
                    }
                }
            };
            if let Some(c) = checkpoints {
                if !c.save(segment, last.as_ref(), &page).await? {
                    tracing::info!(target: "dynamongo", backfill = self.name, segment, "lease lost: another worker has the segment");
                    return Ok(());
                }
            }
            let progress = {
                let mut a = self.account.lock().unwrap_or_else(|p| p.into_inner());
                a.counts.add(&page);
                Progress {
                    segment,
                    scanned: a.counts.scanned,
                    rewritten: a.counts.rewritten,
                    failed: a.counts.failed,
                }
            };
            tracing::debug!(target: "dynamongo", backfill = self.name, segment, scanned = progress.scanned, rewritten = progress.rewritten, "backfill page");
            if let Some(f) = self.progress {
                f(&progress);
            }
            match last {
                Some(l) => resume = Some(l),
                None => return Ok(()),
            }
        }
    }

    /// One item: examined, rewritten when it changed (read again once after a conflict);
    /// or, for a copy, mapped and written to the new table unless a newer one is there.
    async fn item<M: Model>(&self, item: &Item, page: &mut Counts) -> Result<(), Error> {
        page.scanned += 1;
        let (mut current, mut plaintext) = match self.open(item.clone()).await {
            Ok(opened) => opened,
            Err(e) => {
                page.failed += 1;
                self.lock().failed.push((keys::key_of::<M>(item), e));
                return Ok(());
            }
        };
        if let Some((copy, to)) = self.copy {
            match copy.map(&current) {
                Err(e) => {
                    page.failed += 1;
                    self.lock().failed.push((keys::key_of::<M>(item), e));
                }
                Ok((new, condition)) => {
                    if self.dry_run
                        || put_if(self.db, to, &new, &condition, &self.policy, self.pace).await?
                    {
                        page.rewritten += 1;
                    } else {
                        page.unchanged += 1;
                    }
                }
            }
            return Ok(());
        }
        for attempt in 0..2 {
            match examine::<M>(&current, plaintext) {
                Verdict::Unchanged => {
                    page.unchanged += 1;
                    return Ok(());
                }
                Verdict::Failed(e) => {
                    page.failed += 1;
                    self.lock().failed.push((keys::key_of::<M>(&current), e));
                    return Ok(());
                }
                Verdict::Skipped(why) => {
                    page.skipped += 1;
                    self.lock().skipped.push((keys::key_of::<M>(&current), why));
                    return Ok(());
                }
                Verdict::Rewrite(w) if self.dry_run => {
                    page.rewritten += 1;
                    let mut a = self.lock();
                    if a.preview.len() < PREVIEW {
                        let (set, remove) = w.names();
                        a.preview.push(Preview {
                            key: w.key.clone(),
                            set,
                            remove,
                        });
                    }
                    return Ok(());
                }
                Verdict::Rewrite(w) => {
                    if rewrite(self.db, self.table, &w, &self.policy, self.pace).await? {
                        page.rewritten += 1;
                        return Ok(());
                    }
                    page.conflicts += 1;
                    if attempt == 1 {
                        break;
                    }
                    // A concurrent writer changed it: read it again, once.
                    let db = self.raw.as_ref().map_or(self.db, |(raw, _)| raw);
                    match crate::read::read_item(db, self.table, &w.key, true, &self.policy).await?
                    {
                        Some(now) => (current, plaintext) = self.open(now).await?,
                        None => {
                            // Deleted meanwhile: nothing to rewrite.
                            page.unchanged += 1;
                            return Ok(());
                        }
                    }
                }
            }
        }
        page.skipped += 1;
        self.lock().skipped.push((
            keys::key_of::<M>(&current),
            "its condition failed twice: a concurrent writer keeps changing it".to_string(),
        ));
        Ok(())
    }

    /// An item as scanned: as it is, or, from an encrypted table's raw scan, decrypted
    /// and verified (`true` when it was stored plaintext).
    async fn open(&self, item: Item) -> Result<(Item, bool), Error> {
        match &self.raw {
            None => Ok((item, false)),
            Some((_, installed)) => installed
                .open(self.table, item)
                .await
                .map(|(item, encrypted)| (item, !encrypted)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Account> {
        self.account.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Host, process id and a random suffix.
fn default_worker() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".to_string());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )
}

/// `backfill::copy::<Old, New>(&db, map)`: every item of `Old` mapped to a `New` and
/// written to `New`'s table — for what a backfill cannot do in place (a key, primary
/// template or table change). It reads with the same segments, rate, checkpoints and
/// leases as a backfill, and writes a mapped item only where the new table has none, or
/// an older one: a lower version when `New` is versioned, or where
/// [`replace_if`](Copy::replace_if) holds on the stored item — so the application can
/// write both models during the move, and the copy never overwrites a newer write.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// // (Here into the same model, for the example; a real copy maps to a new model.)
/// let report = dynamongo_runtime::backfill::copy::<User, User, _>(db, |old| Ok(old))
///     .segments(4)
///     .await?;
/// println!("{} copied, {} kept, {} failed", report.copied, report.kept, report.failed.len());
/// # Ok(()) }
/// ```
pub fn copy<'a, Old, New, F>(db: &'a Db, map: F) -> Copy<'a, Old, New, F>
where
    Old: Model,
    New: Model,
    F: Fn(Old) -> Result<New, Error> + Send + Sync + 'a,
{
    Copy {
        run: Backfill::new(db),
        map,
        replace_if: None,
    }
}

/// The builder [`copy`] returns: a backfill's options, and when a stored item may be
/// replaced.
#[must_use = "a copy does nothing until awaited"]
pub struct Copy<'a, Old: Model, New: Model, F> {
    run: Backfill<'a, Old>,
    map: F,
    replace_if: Option<ReplaceIf<'a, New>>,
}

/// When a mapped item replaces the one stored in the new table.
type ReplaceIf<'a, New> = Box<dyn Fn(&New) -> Condition<New> + Send + Sync + 'a>;

/// What a copy did (this worker's share, and whether the whole is done).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CopyReport {
    /// The checkpoint's name.
    pub name: String,
    /// Old items read.
    pub scanned: u64,
    /// Items written to the new table.
    pub copied: u64,
    /// Items not written: the new table held a newer one (written there meanwhile).
    pub kept: u64,
    /// Old items that could not be read or mapped, with their key and why.
    pub failed: Vec<(Item, Error)>,
    /// What this worker consumed.
    pub consumed: Capacity,
    /// Segments done (by any worker).
    pub segments_done: u32,
    /// Every segment is done.
    pub complete: bool,
}

impl<'a, Old: Model, New: Model, F> Copy<'a, Old, New, F>
where
    F: Fn(Old) -> Result<New, Error> + Send + Sync + 'a,
{
    /// Segments of the parallel Scan of the old table (as [`Backfill::segments`]).
    pub fn segments(mut self, n: u32) -> Self {
        self.run = self.run.segments(n);
        self
    }
    /// Capacity units per second (as [`Backfill::rate`]).
    pub fn rate(mut self, units_per_second: f64) -> Self {
        self.run = self.run.rate(units_per_second);
        self
    }
    /// Map and count, write nothing.
    pub fn dry_run(mut self) -> Self {
        self.run = self.run.dry_run();
        self
    }
    /// The checkpoint's name (default: both models and tables).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.run = self.run.name(name);
        self
    }
    /// This worker's id (as [`Backfill::worker`]).
    pub fn worker(mut self, id: impl Into<String>) -> Self {
        self.run = self.run.worker(id);
        self
    }
    /// The lease of a segment (as [`Backfill::lease`]).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.run = self.run.lease(lease);
        self
    }
    /// Stop taking work after `limit`.
    pub fn until(mut self, limit: Duration) -> Self {
        self.run = self.run.until(limit);
        self
    }
    /// Called after every page.
    pub fn on_page(mut self, f: impl Fn(&Progress) + Send + Sync + 'a) -> Self {
        self.run = self.run.on_page(f);
        self
    }
    /// Replace a stored item of the new table where this condition, built from the mapped
    /// item, holds on it (`|new| updated_at().lt(new.updated_at)`); an absent item is
    /// always written. Without it (and without a version) a stored item is never replaced.
    pub fn replace_if(mut self, f: impl Fn(&New) -> Condition<New> + Send + Sync + 'a) -> Self {
        self.replace_if = Some(Box::new(f));
        self
    }
}

impl<Old: Model, New: Model, F> CopyItem
    for (
        &F,
        Option<&ReplaceIf<'_, New>>,
        std::marker::PhantomData<fn(Old)>,
    )
where
    F: Fn(Old) -> Result<New, Error> + Send + Sync,
{
    fn map(&self, old: &Item) -> Result<(Item, Expr), Error> {
        let old = Old::from_item(old).map_err(|source| Error::Decode {
            table: Old::TABLE.to_string(),
            source,
        })?;
        let new = (self.0)(old)?;
        let item = crate::write::prepare(&new)?;
        let absent = Expr::NotExists(AttrPath::of(New::HASH_KEY.name));
        let mut newer = Vec::new();
        if let (Some(attr), Some(v)) = (New::VERSION, new.version()) {
            newer.push(Expr::Cmp(
                AttrPath::of(attr),
                Cmp::Lt,
                aws_sdk_dynamodb::types::AttributeValue::N(v.to_string()),
            ));
        }
        if let Some(f) = self.1 {
            let c = f(&new);
            c.check()?;
            newer.push(c.expr);
        }
        let condition = newer
            .into_iter()
            .fold(absent, |a, b| Expr::Or(Box::new(a), Box::new(b)));
        Ok((item, condition))
    }
}

impl<'a, Old: Model, New: Model, F> IntoFuture for Copy<'a, Old, New, F>
where
    F: Fn(Old) -> Result<New, Error> + Send + Sync + 'a,
{
    type Output = Result<CopyReport, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<Old>("backfill.copy", &self.run.db.table(Old::TABLE));
        traced(span, move || async move {
            let Copy {
                run,
                map,
                replace_if,
            } = self;
            let mapper = (
                &map,
                replace_if.as_ref(),
                std::marker::PhantomData::<fn(Old)>,
            );
            let r = run.run(Some((&mapper, New::TABLE))).await?;
            Ok(CopyReport {
                name: r.name,
                scanned: r.scanned,
                copied: r.rewritten,
                kept: r.unchanged,
                failed: r.failed,
                consumed: r.consumed,
                segments_done: r.segments_done,
                complete: r.complete,
            })
        })
    }
}
