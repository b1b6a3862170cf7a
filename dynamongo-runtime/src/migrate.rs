//! The migrate engine (backfills), beside the read, batch and write engines: what a stored item
//! becomes under the current model (`examine`), the conditional UpdateItem that rewrites
//! it without overwriting a concurrent writer (`rewrite`), and the checkpoint table whose
//! conditional writes let any number of workers share the segments of one backfill, as
//! the Kinesis Client Library's lease table does (`Checkpoints`).

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
};
use tracing::Instrument;

use crate::capacity::{self, Pace};
use crate::db::Db;
use crate::error::Error;
use crate::eval;
use crate::expr::{Action, AttrPath, Cmp, Expr, ExprBuilder};
use crate::keys;
use crate::model::Model;
use crate::retry::{retrying, RetryPolicy};
use crate::trace;
use crate::value::Item;
use crate::write;

/// The checkpoint table's name (the table prefix applied).
pub(crate) const CHECKPOINT_TABLE: &str = "dynamongo_backfills";
/// DynamoDB's limit on one expression's text.
const EXPRESSION_MAX: usize = 4096;

/// What a stored item becomes under the current model.
pub(crate) enum Verdict {
    /// It is in the current form already: nothing to write.
    Unchanged,
    /// One UpdateItem rewrites it.
    Rewrite(Box<Rewrite>),
    /// The current model cannot read it (or it breaks the model's rules): left as it is.
    Failed(Error),
    /// The change cannot be written as one conditional update (its condition would exceed
    /// DynamoDB's expression limits): left as it is, never written blind.
    Skipped(String),
}

/// The update that brings a stored item to the current form.
pub(crate) struct Rewrite {
    /// The item's key.
    pub(crate) key: Item,
    /// Attributes set (changed or new), by name.
    pub(crate) set: Vec<(String, AttributeValue)>,
    /// Attributes removed (retired by the model's evolution).
    pub(crate) remove: Vec<String>,
    /// Every attribute touched still holds what was read (absent stays absent); for an
    /// encrypted model, its version or every signed plaintext attribute.
    pub(crate) condition: Expr,
    /// How it is written.
    pub(crate) write: Write,
}

/// How a rewrite is written.
pub(crate) enum Write {
    /// An encrypted model's item, put whole: the encryption SDK writes signed attributes
    /// whole, never by an update expression.
    Whole(Item),
    /// An UpdateItem: its expressions, rendered once (when examined, to check DynamoDB's
    /// limit), with their placeholders.
    Update {
        update: String,
        condition: String,
        names: Option<Names>,
        values: Option<Values>,
    },
}

/// Decodes `old` with the model (upgrade hook, `renamed_from`, aliases, defaults),
/// encodes it again as a save would store it, and compares.
/// An item of an encrypted table stored plaintext (`plaintext`, from before the table
/// was encrypted) is rewritten even when its values are current: the put encrypts it.
pub(crate) fn examine<M: Model>(old: &Item, plaintext: bool) -> Verdict {
    let model = match M::from_item(old) {
        Ok(m) => m,
        Err(source) => {
            return Verdict::Failed(Error::Decode {
                table: M::TABLE.to_string(),
                source,
            })
        }
    };
    let mut new = match write::prepare(&model) {
        Ok(item) => item,
        Err(e) => return Verdict::Failed(e),
    };
    let key_names = keys::key_names::<M>();
    let mut set: Vec<(String, AttributeValue)> = new
        .iter()
        .filter(|(k, v)| !old.get(*k).is_some_and(|o| eval::equal(o, v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // What the evolution retired: `renamed_from` sources, and what the upgrade hook
    // removes; never an attribute the model does not know.
    let mut retired: Vec<String> = M::RETIRED.iter().map(|s| s.to_string()).collect();
    if let Some(upgrade) = M::UPGRADE {
        let mut upgraded = old.clone();
        upgrade(&mut upgraded);
        retired.extend(old.keys().filter(|k| !upgraded.contains_key(*k)).cloned());
    }
    let mut remove: Vec<String> = retired
        .into_iter()
        .filter(|a| old.contains_key(a) && !new.contains_key(a))
        .collect();
    remove.sort();
    remove.dedup();
    let encrypted = crate::encryption::encrypted::<M>();
    if set.is_empty() && remove.is_empty() && !(encrypted && plaintext) {
        return Verdict::Unchanged;
    }
    if let Some((k, _)) = set.iter().find(|(k, _)| key_names.contains(&k.as_str())) {
        return Verdict::Failed(Error::Config(format!(
            "the key attribute `{k}` would change: a key change needs a copy to a new table \
             (backfill::copy), not a backfill"
        )));
    }
    // A versioned model: the write moves the version on, on the condition that it is
    // still the one read.
    if let Some(attr) = M::VERSION {
        let read = model.version().unwrap_or(0);
        let next = AttributeValue::N(read.saturating_add(1).to_string());
        new.insert(attr.to_string(), next.clone());
        set.retain(|(k, _)| k != attr);
        set.push((attr.to_string(), next));
    }
    if encrypted {
        let rewrite = Rewrite {
            key: keys::key_of::<M>(old),
            set,
            remove,
            condition: write::as_read::<M>(old),
            write: Write::Whole(new),
        };
        return Verdict::Rewrite(Box::new(rewrite));
    }
    let touched = set.iter().map(|(k, _)| k).chain(&remove);
    let condition = Expr::and_all(
        touched
            .map(|a| {
                let path = AttrPath::attr(a);
                match old.get(a) {
                    Some(v) => Expr::Cmp(path, Cmp::Eq, v.clone()),
                    None => Expr::NotExists(path),
                }
            })
            .collect(),
    );
    let Some(condition) = condition else {
        return Verdict::Unchanged;
    };
    let key = keys::key_of::<M>(old);
    let actions: Vec<Action> = set
        .iter()
        .map(|(k, v)| Action::Set(AttrPath::attr(k), v.clone()))
        .chain(remove.iter().map(|k| Action::Remove(AttrPath::attr(k))))
        .collect();
    let mut b = ExprBuilder::default();
    let update = b.update(&actions);
    let rendered = b.condition(&condition);
    let (names, values) = b.into_maps();
    if update.len() > EXPRESSION_MAX || rendered.len() > EXPRESSION_MAX {
        return Verdict::Skipped(format!(
            "the update touches {} attributes: its condition exceeds DynamoDB's expression limit",
            set.len() + remove.len()
        ));
    }
    Verdict::Rewrite(Box::new(Rewrite {
        key,
        set,
        remove,
        condition,
        write: Write::Update {
            update,
            condition: rendered,
            names,
            values,
        },
    }))
}

type Names = HashMap<String, String>;
type Values = HashMap<String, AttributeValue>;

impl Rewrite {
    /// Attribute names set and removed (a dry run's preview).
    pub(crate) fn names(&self) -> (Vec<String>, Vec<String>) {
        (
            self.set.iter().map(|(k, _)| k.clone()).collect(),
            self.remove.clone(),
        )
    }
}

/// Sends a rewrite: `Ok(true)` when applied, `Ok(false)` when its condition failed (a
/// concurrent writer changed the item since it was read).
pub(crate) async fn rewrite(
    db: &Db,
    table: &str,
    rewrite: &Rewrite,
    policy: &RetryPolicy,
    pace: Option<&Pace>,
) -> Result<bool, Error> {
    let (update, cond, names, values) = match &rewrite.write {
        Write::Whole(item) => {
            return put_if(db, table, item, &rewrite.condition, policy, pace).await;
        }
        Write::Update {
            update,
            condition,
            names,
            values,
        } => (update, condition, names, values),
    };
    let size: u64 = rewrite
        .set
        .iter()
        .map(|(k, v)| (k.len() + keys::value_size(v)) as u64)
        .sum();
    let write = || {
        db.client()
            .update_item()
            .table_name(table)
            .set_key(Some(rewrite.key.clone()))
            .update_expression(update)
            .condition_expression(cond)
            .set_expression_attribute_names(names.clone())
            .set_expression_attribute_values(values.clone())
            .return_consumed_capacity(trace::CAPACITY)
            .send()
    };
    conditional(db, table, "UpdateItem", size, (policy, pace), || async {
        write().await.map(|out| out.consumed_capacity)
    })
    .await
}

/// One conditional write, retried and paced: `Ok(false)` when its condition failed (a
/// failed condition is counted as DynamoDB charges it).
async fn conditional<F, Fut, E>(
    db: &Db,
    table: &str,
    operation: &'static str,
    size: u64,
    (policy, pace): (&RetryPolicy, Option<&Pace>),
    send: F,
) -> Result<bool, Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<
        Output = Result<
            Option<aws_sdk_dynamodb::types::ConsumedCapacity>,
            aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
        >,
    >,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    retrying(db.quota(), policy, || async {
        let charge = capacity::pace(pace, capacity::write_units(size)).await;
        let span = trace::call(operation, table);
        match send().instrument(span.clone()).await {
            Ok(used) => {
                charge.settle(trace::consumed(
                    db,
                    &span,
                    trace::Kind::Write,
                    used.as_ref(),
                ));
                Ok(true)
            }
            Err(e) if is_check_failed(&e) => {
                trace::check_failed(db, &span, table, size);
                Ok(false)
            }
            Err(e) => {
                let e = Error::sdk(operation, e);
                trace::failed(&span, &e);
                Err(e)
            }
        }
    })
    .await
}

fn is_check_failed<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    e: &aws_sdk_dynamodb::error::SdkError<E>,
) -> bool {
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// What a copy to a new table does with each old item: the new table's item and the
/// condition of writing it (it is absent there, or older).
pub(crate) trait CopyItem: Send + Sync {
    fn map(&self, old: &Item) -> Result<(Item, Expr), Error>;
}

/// PutItem of `item` on `condition`: `Ok(false)` when the condition failed (the new
/// table holds a newer item, which is kept).
pub(crate) async fn put_if(
    db: &Db,
    table: &str,
    item: &Item,
    condition: &Expr,
    policy: &RetryPolicy,
    pace: Option<&Pace>,
) -> Result<bool, Error> {
    let mut b = ExprBuilder::default();
    let cond = b.condition(condition);
    let (names, values) = b.into_maps();
    let size = keys::item_size(item) as u64;
    let write = || {
        db.client()
            .put_item()
            .table_name(table)
            .set_item(Some(item.clone()))
            .condition_expression(&cond)
            .set_expression_attribute_names(names.clone())
            .set_expression_attribute_values(values.clone())
            .return_consumed_capacity(trace::CAPACITY)
            .send()
    };
    conditional(db, table, "PutItem", size, (policy, pace), || async {
        write().await.map(|out| out.consumed_capacity)
    })
    .await
}

/// Counts of a segment's (or a run's) work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) scanned: u64,
    pub(crate) rewritten: u64,
    pub(crate) unchanged: u64,
    pub(crate) conflicts: u64,
    pub(crate) skipped: u64,
    pub(crate) failed: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, other: &Counts) {
        self.scanned += other.scanned;
        self.rewritten += other.rewritten;
        self.unchanged += other.unchanged;
        self.conflicts += other.conflicts;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }
}

/// One segment's row in the checkpoint table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) segment: u32,
    pub(crate) owner: String,
    /// Moves on at every renewal: a lease whose counter stands still for a whole lease
    /// duration (on the observer's own clock) is expired.
    pub(crate) counter: u64,
    pub(crate) done: bool,
    /// Where the segment's Scan resumes.
    pub(crate) resume: Option<Item>,
}

/// The checkpoint table, for one backfill and one worker.
pub(crate) struct Checkpoints<'d> {
    db: &'d Db,
    table: String,
    name: String,
    worker: String,
    policy: RetryPolicy,
    /// The worker's rate: checkpoints spend from it too.
    pace: Option<&'d Pace>,
}

/// The meta row's segment number: it records the backfill's segment count.
const META: i64 = -1;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}
fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl<'d> Checkpoints<'d> {
    pub(crate) fn new(
        db: &'d Db,
        name: &str,
        worker: &str,
        policy: RetryPolicy,
        pace: Option<&'d Pace>,
    ) -> Self {
        Checkpoints {
            db,
            table: db.table_name(CHECKPOINT_TABLE),
            name: name.to_string(),
            worker: worker.to_string(),
            policy,
            pace,
        }
    }

    /// Creates the checkpoint table on first use (on-demand capacity) and waits for it.
    pub(crate) async fn ensure_table(&self) -> Result<(), Error> {
        let exists = crate::read::describe_table(self.db, &self.table).await;
        match exists {
            Ok(_) => return Ok(()),
            Err(Error::Sdk { code: Some(c), .. }) if c == "ResourceNotFoundException" => {}
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let attr = |name: &str, ty| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ty)
                .build()
        };
        let key = |name: &str, ty| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(ty)
                .build()
        };
        let config = |e: aws_sdk_dynamodb::error::BuildError| Error::Config(e.to_string());
        let created = self
            .db
            .client()
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(attr("backfill", ScalarAttributeType::S).map_err(config)?)
            .attribute_definitions(attr("segment", ScalarAttributeType::N).map_err(config)?)
            .key_schema(key("backfill", KeyType::Hash).map_err(config)?)
            .key_schema(key("segment", KeyType::Range).map_err(config)?)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        match created {
            Ok(_) => {}
            // Another worker made it first.
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ResourceInUseException") => {}
            Err(e) => return Err(Error::sdk("CreateTable", e)),
        }
        loop {
            let d = crate::read::describe_table(self.db, &self.table).await?;
            if d.table_status() == Some(&aws_sdk_dynamodb::types::TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Records the backfill's segment count (the first worker), or checks it against the
    /// recorded one.
    pub(crate) async fn meta(&self, segments: u32) -> Result<(), Error> {
        let put = self
            .db
            .client()
            .put_item()
            .table_name(&self.table)
            .item("backfill", s(&self.name))
            .item("segment", n(META))
            .item("segments", n(segments))
            .condition_expression("attribute_not_exists(backfill)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .return_consumed_capacity(trace::CAPACITY)
            .send()
            .await;
        match put {
            Ok(out) => {
                self.counted(trace::Kind::Write, out.consumed_capacity(), true);
                Ok(())
            }
            Err(e) => {
                let recorded = e
                    .as_service_error()
                    .and_then(|s| match s {
                        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => c.item(),
                        _ => None,
                    })
                    .and_then(|i| i.get("segments"))
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<u32>().ok());
                match recorded {
                    Some(r) if r == segments => Ok(()),
                    Some(r) => Err(Error::Config(format!(
                        "backfill `{}` was started with {r} segments; segments({segments}) \
                         cannot change it (finish it with {r}, or give a new name)",
                        self.name
                    ))),
                    None => Err(Error::sdk("PutItem", e)),
                }
            }
        }
    }

    /// Counts what a checkpoint request consumed (the meter), and spends it from the
    /// worker's rate when `paced`: progress (claims, saves) is; the coordination a worker
    /// does while it waits (lease renewals, reading the rows) is not, or a low rate would
    /// be spent on keeping leases alive and never on the work.
    fn counted(
        &self,
        kind: trace::Kind,
        c: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>,
        paced: bool,
    ) {
        if let (Some(meter), Some(c)) = (self.db.meter(), c) {
            meter.record(kind, c);
        }
        if let Some(p) = self.pace.filter(|_| paced) {
            p.settle(0.0, c.and_then(|c| c.capacity_units()).unwrap_or(1.0));
        }
    }

    /// Every segment row of the backfill (consistent).
    pub(crate) async fn rows(&self) -> Result<Vec<Row>, Error> {
        let mut rows = Vec::new();
        let mut start = None;
        loop {
            let out = retrying(self.db.quota(), &self.policy, || {
                let start = start.clone();
                async move {
                    self.db
                        .client()
                        .query()
                        .table_name(&self.table)
                        // `segment` is one of DynamoDB's reserved words.
                        .key_condition_expression("#b = :b AND #s >= :z")
                        .expression_attribute_names("#b", "backfill")
                        .expression_attribute_names("#s", "segment")
                        .expression_attribute_values(":b", s(&self.name))
                        .expression_attribute_values(":z", n(0))
                        .consistent_read(true)
                        .set_exclusive_start_key(start)
                        .return_consumed_capacity(trace::CAPACITY)
                        .send()
                        .await
                        .map_err(|e| Error::sdk("Query", e))
                }
            })
            .await?;
            self.counted(trace::Kind::Read, out.consumed_capacity(), false);
            for item in out.items() {
                rows.push(row(item));
            }
            start = out.last_evaluated_key.filter(|l| !l.is_empty());
            if start.is_none() {
                return Ok(rows);
            }
        }
    }

    /// Claims a segment no one has started: `false` when another worker did first.
    pub(crate) async fn claim(&self, segment: u32) -> Result<bool, Error> {
        let put = self
            .db
            .client()
            .put_item()
            .table_name(&self.table)
            .item("backfill", s(&self.name))
            .item("segment", n(segment))
            .item("owner", s(&self.worker))
            .item("counter", n(0))
            .item("done", AttributeValue::Bool(false))
            .condition_expression("attribute_not_exists(backfill)")
            .return_consumed_capacity(trace::CAPACITY)
            .send()
            .await;
        match put {
            Ok(out) => {
                self.counted(trace::Kind::Write, out.consumed_capacity(), true);
                Ok(true)
            }
            Err(e) if is_check_failed(&e) => Ok(false),
            Err(e) => Err(Error::sdk("PutItem", e)),
        }
    }

    /// Takes over a segment whose lease expired (`row` as observed): `false` when it moved
    /// meanwhile (its owner is alive, or another worker took it).
    pub(crate) async fn take_over(&self, row: &Row) -> Result<bool, Error> {
        self.conditional_update(
            row.segment,
            "SET #o = :me, #c = #c + :one",
            "#o = :owner AND #c = :counter AND #d = :false",
            vec![
                (":me", s(&self.worker)),
                (":one", n(1)),
                (":owner", s(&row.owner)),
                (":counter", n(row.counter)),
                (":false", AttributeValue::Bool(false)),
            ],
            true,
        )
        .await
    }

    /// Records a page done: where the segment resumes (`None`: it is done), and renews the
    /// lease. `false` when the lease was lost (another worker took the segment over).
    pub(crate) async fn save(
        &self,
        segment: u32,
        resume: Option<&Item>,
        page: &Counts,
    ) -> Result<bool, Error> {
        let mut values = vec![
            (":me", s(&self.worker)),
            (":one", n(1)),
            (":scanned", n(page.scanned)),
            (":rewritten", n(page.rewritten)),
            (":done", AttributeValue::Bool(resume.is_none())),
        ];
        let update = match resume {
            Some(r) => {
                values.push((":resume", AttributeValue::M(r.clone())));
                "SET #c = #c + :one, #d = :done, #r = :resume ADD scanned :scanned, rewritten :rewritten"
            }
            None => "SET #c = #c + :one, #d = :done REMOVE #r ADD scanned :scanned, rewritten :rewritten",
        };
        self.conditional_update(segment, update, "#o = :me", values, true)
            .await
    }

    /// Renews the lease without progress (while a page waits): `false` when it was lost.
    pub(crate) async fn renew(&self, segment: u32) -> Result<bool, Error> {
        self.conditional_update(
            segment,
            "SET #c = #c + :one",
            "#o = :me",
            vec![(":me", s(&self.worker)), (":one", n(1))],
            false,
        )
        .await
    }

    async fn conditional_update(
        &self,
        segment: u32,
        update: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
        paced: bool,
    ) -> Result<bool, Error> {
        let names = [
            ("#o", "owner"),
            ("#c", "counter"),
            ("#d", "done"),
            ("#r", "resume"),
        ];
        let used = |p: &str| update.contains(p) || condition.contains(p);
        let names: HashMap<String, String> = names
            .iter()
            .filter(|(p, _)| used(p))
            .map(|(p, a)| (p.to_string(), a.to_string()))
            .collect();
        let values: HashMap<String, AttributeValue> = values
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let key = HashMap::from([
            ("backfill".to_string(), s(&self.name)),
            ("segment".to_string(), n(segment)),
        ]);
        let out = retrying(self.db.quota(), &self.policy, || {
            let (key, names, values) = (key.clone(), names.clone(), values.clone());
            async move {
                let res = self
                    .db
                    .client()
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .update_expression(update)
                    .condition_expression(condition)
                    .set_expression_attribute_names(Some(names))
                    .set_expression_attribute_values(Some(values))
                    .return_consumed_capacity(trace::CAPACITY)
                    .send()
                    .await;
                match res {
                    Ok(out) => Ok(Some(out.consumed_capacity)),
                    Err(e) if is_check_failed(&e) => Ok(None),
                    Err(e) => Err(Error::sdk("UpdateItem", e)),
                }
            }
        })
        .await?;
        match out {
            Some(c) => {
                self.counted(trace::Kind::Write, c.as_ref(), paced);
                Ok(true)
            }
            None => {
                if let Some(meter) = self.db.meter() {
                    meter.record_failed_write(&self.table, 1.0);
                }
                Ok(false)
            }
        }
    }
}

fn row(item: &Item) -> Row {
    let num = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Row {
        segment: num("segment") as u32,
        owner: item
            .get("owner")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default(),
        counter: num("counter"),
        done: matches!(item.get("done"), Some(AttributeValue::Bool(true))),
        resume: item.get("resume").and_then(|v| v.as_m().ok()).cloned(),
    }
}

#[cfg(all(test, feature = "embedded"))]
mod tests {
    use super::*;
    use crate::codegen::example::user::User;
    use crate::ModelExt;

    /// A concurrent writer always wins: a rewrite computed from a stale read fails its
    /// condition, and the item read again is found in the current form already.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_concurrent_writer_wins_over_a_rewrite() {
        let db = Db::embedded().await.unwrap();
        User::create_table(&db).await.unwrap();
        let table = db.table_name(User::TABLE);
        // Stored by another tool: no `cities_visited`, which the model always writes.
        let old: Item = HashMap::from([
            ("email".to_string(), s("ann@example.com")),
            ("name".to_string(), s("Ann")),
            (
                "created_at".to_string(),
                s("2020-01-02T03:04:05.000000+0000"),
            ),
        ]);
        db.client()
            .put_item()
            .table_name(&table)
            .set_item(Some(old.clone()))
            .send()
            .await
            .unwrap();
        let Verdict::Rewrite(w) = examine::<User>(&old, false) else {
            panic!("the item lacks an attribute the model writes");
        };
        assert_eq!(w.names(), (vec!["cities_visited".to_string()], Vec::new()));
        // Another writer changes the item after it was read.
        db.client()
            .update_item()
            .table_name(&table)
            .key("email", s("ann@example.com"))
            .update_expression("SET cities_visited = :c")
            .expression_attribute_values(":c", AttributeValue::L(vec![s("Paris")]))
            .send()
            .await
            .unwrap();
        let policy = RetryPolicy::default();
        assert!(
            !rewrite(&db, &table, &w, &policy, None).await.unwrap(),
            "the stale rewrite must fail"
        );
        let now = crate::read::read_item(&db, &table, &w.key, true, &policy)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(examine::<User>(&now, false), Verdict::Unchanged));
        let kept = User::get_one(&db, "ann@example.com").await.unwrap();
        assert_eq!(kept.cities_visited, ["Paris"]);
    }
}
