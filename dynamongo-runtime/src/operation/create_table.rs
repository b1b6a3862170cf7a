//! `create_table` and `delete_table`.

use std::future::IntoFuture;
use std::marker::PhantomData;
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ProvisionedThroughput,
    ScalarAttributeType, TableStatus,
};

use crate::db::Db;
use crate::error::Error;
use crate::model::{Model, ScalarType, Throughput};

use super::BoxFuture;

async fn create_table<M: Model>(db: &Db, wait: bool) -> Result<(), Error> {
    let table = db.table_name(M::TABLE);
    let mut req = db.client().create_table().table_name(&table);
    let mut attrs = vec![M::HASH_KEY];
    attrs.extend(M::RANGE_KEY);
    for (attr, kind) in attrs.iter().zip([KeyType::Hash, KeyType::Range]) {
        let ty = match attr.ty {
            ScalarType::S => ScalarAttributeType::S,
            ScalarType::N => ScalarAttributeType::N,
            ScalarType::B => ScalarAttributeType::B,
        };
        req = req
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(attr.name)
                    .key_type(kind)
                    .build()
                    .map_err(|e| Error::Config(e.to_string()))?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attr.name)
                    .attribute_type(ty)
                    .build()
                    .map_err(|e| Error::Config(e.to_string()))?,
            );
    }
    req = match M::THROUGHPUT {
        Throughput::OnDemand => req.billing_mode(BillingMode::PayPerRequest),
        Throughput::Provisioned { read, write } => req.provisioned_throughput(
            ProvisionedThroughput::builder()
                .read_capacity_units(read)
                .write_capacity_units(write)
                .build()
                .map_err(|e| Error::Config(e.to_string()))?,
        ),
    };
    match req.send().await {
        Ok(_) => {}
        Err(e) if e.code() == Some("ResourceInUseException") => {
            return Err(Error::TableExists(table))
        }
        Err(e) => return Err(Error::sdk("CreateTable", e)),
    }
    if !wait {
        return Ok(());
    }
    // Tables take up to a minute on AWS; poll with a growing interval.
    let mut wait = Duration::from_millis(20);
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let out = db
            .client()
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .map_err(|e| Error::sdk("DescribeTable", e))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
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

pub(crate) async fn delete_table<M: Model>(db: &Db) -> Result<(), Error> {
    db.client()
        .delete_table()
        .table_name(db.table_name(M::TABLE))
        .send()
        .await
        .map_err(|e| Error::sdk("DeleteTable", e))?;
    Ok(())
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
        Box::pin(create_table::<M>(self.db, self.wait))
    }
}
