//! `create_table` and `delete_table`.

use std::future::IntoFuture;
use std::marker::PhantomData;
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection as SdkProjection, ProjectionType, ProvisionedThroughput,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification,
};

use crate::db::Db;
use crate::error::Error;
use crate::model::{KeyAttr, Model, Projection, ScalarType, Throughput};
use crate::read::describe_table;
use crate::retry::{retrying, retrying_after};
use crate::trace;
use tracing::Instrument;

use crate::trace::{traced, BoxFuture};

fn config<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| Error::Config(e.to_string()))
}

/// `KeySchema` of a table or index: the hash attributes, then the range attributes.
fn key_schema(hash: &[KeyAttr], range: &[KeyAttr]) -> Result<Vec<KeySchemaElement>, Error> {
    let hash = hash.iter().map(|k| (k, KeyType::Hash));
    let range = range.iter().map(|k| (k, KeyType::Range));
    hash.chain(range)
        .map(|(k, kind)| {
            config(
                KeySchemaElement::builder()
                    .attribute_name(k.name)
                    .key_type(kind)
                    .build(),
            )
        })
        .collect()
}

fn provisioned(read: i64, write: i64) -> Result<ProvisionedThroughput, Error> {
    config(
        ProvisionedThroughput::builder()
            .read_capacity_units(read)
            .write_capacity_units(write)
            .build(),
    )
}

fn projection(p: Projection) -> SdkProjection {
    let b = SdkProjection::builder();
    match p {
        Projection::All => b.projection_type(ProjectionType::All),
        Projection::KeysOnly => b.projection_type(ProjectionType::KeysOnly),
        Projection::Include(names) => names
            .iter()
            .fold(b.projection_type(ProjectionType::Include), |b, n| {
                b.non_key_attributes(*n)
            }),
    }
    .build()
}

/// The CreateTable input of a model: key schema, attribute definitions (every key
/// attribute of the table and its indexes, once), capacity, and the indexes.
pub(crate) fn create_table_request<M: Model>(
    mut req: CreateTableFluentBuilder,
) -> Result<CreateTableFluentBuilder, Error> {
    let mut attrs: Vec<KeyAttr> = Vec::new();
    let all = [Some(M::HASH_KEY), M::RANGE_KEY]
        .into_iter()
        .flatten()
        .chain(
            M::INDEXES
                .iter()
                .flat_map(|i| i.hash.iter().chain(i.range).copied()),
        );
    for a in all {
        if !attrs.iter().any(|x| x.name == a.name) {
            attrs.push(a);
        }
    }
    for a in attrs {
        let ty = match a.ty {
            ScalarType::S => ScalarAttributeType::S,
            ScalarType::N => ScalarAttributeType::N,
            ScalarType::B => ScalarAttributeType::B,
        };
        req = req.attribute_definitions(config(
            AttributeDefinition::builder()
                .attribute_name(a.name)
                .attribute_type(ty)
                .build(),
        )?);
    }
    let table_range: &[KeyAttr] = match &M::RANGE_KEY {
        Some(r) => std::slice::from_ref(r),
        None => &[],
    };
    req = req.set_key_schema(Some(key_schema(&[M::HASH_KEY], table_range)?));
    req = match M::THROUGHPUT {
        Throughput::OnDemand => req.billing_mode(BillingMode::PayPerRequest),
        Throughput::Provisioned { read, write } => {
            req.provisioned_throughput(provisioned(read, write)?)
        }
    };
    for index in M::INDEXES {
        let schema = Some(key_schema(index.hash, index.range)?);
        if index.local {
            let lsi = LocalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(schema)
                .projection(projection(index.projection));
            req = req.local_secondary_indexes(config(lsi.build())?);
        } else {
            let mut gsi = GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(schema)
                .projection(projection(index.projection));
            // A provisioned table's global index takes the table's capacity unless it
            // gives its own; an on-demand table's has none.
            gsi = match (index.throughput, M::THROUGHPUT) {
                (Some(Throughput::Provisioned { read, write }), _)
                | (None, Throughput::Provisioned { read, write }) => {
                    gsi.provisioned_throughput(provisioned(read, write)?)
                }
                _ => gsi,
            };
            req = req.global_secondary_indexes(config(gsi.build())?);
        }
    }
    if let Some(view) = M::STREAM {
        let spec = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::from(view.as_str()))
            .build();
        req = req.stream_specification(config(spec)?);
    }
    Ok(req)
}

async fn create_table<M: Model>(db: &Db, wait: bool) -> Result<(), Error> {
    let table = db.table(M::TABLE);
    let req = create_table_request::<M>(db.client().create_table().table_name(table.as_ref()))?;
    // Retried like every call (throttling, `LimitExceededException` when too many table
    // operations run at once, a lost reply); after a lost reply, a table in use is the
    // one this call created.
    let table_ref = &table;
    retrying_after(db.quota(), &db.retry_policy(), |maybe_applied| {
        let req = req.clone();
        async move {
            let span = trace::call("CreateTable", table_ref);
            match req.send().instrument(span.clone()).await {
                Ok(_) => Ok(()),
                Err(e) if e.code() == Some("ResourceInUseException") => match maybe_applied {
                    true => Ok(()),
                    false => Err(Error::TableExists(table_ref.to_string())),
                },
                Err(e) => {
                    let e = Error::sdk("CreateTable", e);
                    trace::failed(&span, &e);
                    Err(e)
                }
            }
        }
    })
    .await?;
    // TTL is switched on once the table is ACTIVE, so a model with TTL always waits.
    // An entity creates its whole table: the TTL of whichever entity has one.
    let ttl = M::ENTITY.map_or(M::TTL, |e| e.table_ttl);
    if !wait && ttl.is_none() {
        return Ok(());
    }
    wait_active(db, &table).await?;
    if let Some(attribute) = ttl {
        let spec = config(
            TimeToLiveSpecification::builder()
                .attribute_name(attribute)
                .enabled(true)
                .build(),
        )?;
        db.client()
            .update_time_to_live()
            .table_name(table.as_ref())
            .time_to_live_specification(spec)
            .send()
            .instrument(trace::call("UpdateTimeToLive", &table))
            .await
            .map_err(|e| Error::sdk("UpdateTimeToLive", e))?;
    }
    Ok(())
}

async fn wait_active(db: &Db, table: &str) -> Result<(), Error> {
    // Tables take up to a minute on AWS; poll with a growing interval.
    let mut wait = Duration::from_millis(20);
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let out = describe_table(db, table).await?;
        if out.table_status() == Some(&TableStatus::Active) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(Error::Config(format!(
                "table `{table}` did not become ACTIVE within 5 minutes"
            )));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

pub(crate) fn delete_table<M: Model>(db: &Db) -> BoxFuture<'_, Result<(), Error>> {
    let table = db.table(M::TABLE);
    let span = trace::operation::<M>("delete_table", &table);
    traced(span, move || async move {
        let table = &table;
        retrying(db.quota(), &db.retry_policy(), || async move {
            let span = trace::call("DeleteTable", table);
            db.client()
                .delete_table()
                .table_name(table.as_ref())
                .send()
                .instrument(span.clone())
                .await
                .map_err(|e| Error::sdk("DeleteTable", e))
                .inspect_err(|e| trace::failed(&span, e))
                .map(|_| ())
        })
        .await
    })
}

/// `User::create_table(&db)`: creates the table and, unless told otherwise, waits until
/// it is ACTIVE.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// User::create_table(db).await?;             // waits until ACTIVE
/// User::create_table(db).wait(false).await?; // returns while CREATING
/// # Ok(()) }
/// ```
#[must_use = "a table is created only when this is awaited"]
pub struct CreateTable<'a, M> {
    db: &'a Db,
    wait: bool,
    _model: PhantomData<fn() -> M>,
}

impl<'a, M: Model> CreateTable<'a, M> {
    pub(crate) fn new(db: &'a Db) -> Self {
        CreateTable {
            db,
            wait: true,
            _model: PhantomData,
        }
    }

    /// Whether to wait until the table is ACTIVE (the default), polling DescribeTable.
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }
}

impl<'a, M: Model> IntoFuture for CreateTable<'a, M> {
    type Output = Result<(), Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("create_table", &self.db.table(M::TABLE));
        traced(span, move || create_table::<M>(self.db, self.wait))
    }
}
