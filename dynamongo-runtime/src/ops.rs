//! Table and single-item operations: the provided methods of [`Model`] and the
//! builders they return (each one is awaited directly).

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ProvisionedThroughput,
    ReturnValue, ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TableStatus,
};

use crate::db::Db;
use crate::error::{Error, Violation};
use crate::expr::{Condition, Expr, ExprBuilder, Update};
use crate::keys::{self, check_item_size, Single};
use crate::model::{Model, ScalarType, Strategy, Target, Throughput};
use crate::value::Item;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Decodes a stored item, naming the table when it does not fit.
pub(crate) fn decode<M: Model>(db: &Db, item: &Item) -> Result<M, Error> {
    M::from_item(item).map_err(|source| Error::Decode {
        table: db.table_name(M::TABLE),
        source,
    })
}

fn conditional_failed<E: ProvideErrorMetadata>(e: &aws_sdk_dynamodb::error::SdkError<E>) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

/// Validates an item and converts it, refusing what DynamoDB would refuse.
pub(crate) fn prepare<M: Model>(item: &M) -> Result<Item, Error> {
    item.validate()?;
    let av = item.to_item();
    keys::check_key_item(&keys::key_of::<M>(&av))?;
    check_item_size(&av)?;
    Ok(av)
}

// ---------- tables ----------

pub(crate) async fn create_table<M: Model>(db: &Db) -> Result<(), Error> {
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

// ---------- save_one ----------

/// When `save_one` may replace an existing item with the same key.
pub enum Overwrite<M> {
    /// Always (the default).
    Always,
    /// Never: an existing item is [`Error::ConditionalCheckFailed`].
    Never,
    /// Only when the existing item meets the condition (a new item is always written).
    If(Condition<M>),
}

impl<M> From<bool> for Overwrite<M> {
    fn from(b: bool) -> Self {
        if b {
            Overwrite::Always
        } else {
            Overwrite::Never
        }
    }
}

impl<M> From<Condition<M>> for Overwrite<M> {
    fn from(c: Condition<M>) -> Self {
        Overwrite::If(c)
    }
}

impl<M> Clone for Overwrite<M> {
    fn clone(&self) -> Self {
        match self {
            Overwrite::Always => Overwrite::Always,
            Overwrite::Never => Overwrite::Never,
            Overwrite::If(c) => Overwrite::If(c.clone()),
        }
    }
}

/// The condition expression for an overwrite rule (None for `Always`).
pub(crate) fn overwrite_expr<M: Model>(o: &Overwrite<M>) -> Result<Option<Expr>, Error> {
    let absent = Expr::NotExists(crate::expr::AttrPath::attr(M::HASH_KEY.name));
    Ok(match o {
        Overwrite::Always => None,
        Overwrite::Never => Some(absent),
        Overwrite::If(c) => {
            c.check()?;
            Some(Expr::Or(Box::new(absent), Box::new(c.expr.clone())))
        }
    })
}

/// `Model::save_one(&db, item)`; set [`SaveOne::overwrite`] before awaiting.
#[must_use = "a save does nothing until awaited"]
pub struct SaveOne<'a, M: Model> {
    db: &'a Db,
    item: M,
    overwrite: Overwrite<M>,
}

impl<'a, M: Model> SaveOne<'a, M> {
    pub(crate) fn new(db: &'a Db, item: M) -> Self {
        SaveOne {
            db,
            item,
            overwrite: Overwrite::Always,
        }
    }

    /// `true` (default), `false`, or a condition the existing item must meet.
    pub fn overwrite(mut self, overwrite: impl Into<Overwrite<M>>) -> Self {
        self.overwrite = overwrite.into();
        self
    }
}

pub(crate) async fn put_one<M: Model>(
    db: &Db,
    item: &M,
    overwrite: &Overwrite<M>,
) -> Result<(), Error> {
    let av = prepare(item)?;
    let table = db.table_name(M::TABLE);
    let mut req = db.client().put_item().table_name(&table).set_item(Some(av));
    if let Some(expr) = overwrite_expr(overwrite)? {
        let mut b = ExprBuilder::default();
        let text = b.condition(&expr);
        let (names, values) = b.into_maps();
        req = req
            .condition_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values);
    }
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) if conditional_failed(&e) => Err(Error::ConditionalCheckFailed { table }),
        Err(e) => Err(Error::sdk("PutItem", e)),
    }
}

impl<'a, M: Model> IntoFuture for SaveOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            put_one(self.db, &self.item, &self.overwrite).await?;
            Ok(self.item)
        })
    }
}

// ---------- get_one ----------

/// `Model::get_one(&db, strategy)`: the item, or [`Error::NotFound`].
#[must_use = "a read does nothing until awaited"]
pub struct GetOne<'a, M: Model> {
    db: &'a Db,
    target: Target<M>,
    consistent: bool,
}

impl<'a, M: Model> GetOne<'a, M> {
    pub(crate) fn new(db: &'a Db, target: Target<M>) -> Self {
        GetOne {
            db,
            target,
            consistent: false,
        }
    }

    /// Strongly consistent read.
    pub fn consistent(mut self, yes: bool) -> Self {
        self.consistent = yes;
        self
    }

    /// `None` instead of [`Error::NotFound`] when nothing matches.
    pub async fn optional(self) -> Result<Option<M>, Error> {
        match self.await {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

pub(crate) async fn get_single<M: Model>(
    db: &Db,
    single: Single,
    consistent: bool,
) -> Result<Option<M>, Error> {
    let table = db.table_name(M::TABLE);
    match single.extra {
        None => {
            let out = db
                .client()
                .get_item()
                .table_name(&table)
                .set_key(Some(single.key))
                .consistent_read(consistent)
                .send()
                .await
                .map_err(|e| Error::sdk("GetItem", e))?;
            out.item().map(|i| decode(db, i)).transpose()
        }
        Some(extra) => {
            // Key plus checks: a Query on the full key with the checks as a filter.
            let mut b = ExprBuilder::default();
            let key_expr = Expr::and_all(
                keys::key_names::<M>()
                    .into_iter()
                    .filter_map(|n| {
                        single.key.get(n).map(|v| {
                            Expr::Cmp(
                                crate::expr::AttrPath::attr(n),
                                crate::expr::Cmp::Eq,
                                v.clone(),
                            )
                        })
                    })
                    .collect(),
            );
            let kc = key_expr.map(|k| b.condition(&k)).unwrap_or_default();
            let filter = b.condition(&extra);
            let (names, values) = b.into_maps();
            let out = db
                .client()
                .query()
                .table_name(&table)
                .key_condition_expression(kc)
                .filter_expression(filter)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .consistent_read(consistent)
                .send()
                .await
                .map_err(|e| Error::sdk("Query", e))?;
            out.items().first().map(|i| decode(db, i)).transpose()
        }
    }
}

impl<'a, M: Model> IntoFuture for GetOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let single = keys::resolve(self.target)?;
            get_single::<M>(self.db, single, self.consistent)
                .await?
                .ok_or_else(|| Error::NotFound {
                    table: self.db.table_name(M::TABLE),
                })
        })
    }
}

// ---------- delete_one ----------

pub(crate) async fn delete_single<M: Model>(db: &Db, single: Single) -> Result<Option<M>, Error> {
    let table = db.table_name(M::TABLE);
    let mut req = db
        .client()
        .delete_item()
        .table_name(&table)
        .set_key(Some(single.key))
        .return_values(ReturnValue::AllOld);
    if let Some(extra) = single.extra {
        let mut b = ExprBuilder::default();
        let text = b.condition(&extra);
        let (names, values) = b.into_maps();
        req = req
            .condition_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values);
    }
    match req.send().await {
        Ok(out) => out.attributes().map(|i| decode(db, i)).transpose(),
        // As in dynamongo: an item that fails the checks is not deleted, and nothing is returned.
        Err(e) if conditional_failed(&e) => Ok(None),
        Err(e) => Err(Error::sdk("DeleteItem", e)),
    }
}

// ---------- update_one ----------

pub(crate) async fn update_single<M: Model>(
    db: &Db,
    single: Single,
    updates: Vec<Update<M>>,
) -> Result<M, Error> {
    let table = db.table_name(M::TABLE);
    if updates.is_empty() {
        return Err(Error::Validation(vec![Violation::new(
            "",
            "at least one attribute must be updated",
        )]));
    }
    let violations: Vec<Violation> = updates
        .iter()
        .flat_map(|u| u.violations.iter().cloned())
        .collect();
    if !violations.is_empty() {
        return Err(Error::Validation(violations));
    }
    let key_names = keys::key_names::<M>();
    let mut seen = std::collections::HashSet::new();
    for u in &updates {
        let path = u.action.path();
        if path.top_level().is_some_and(|n| key_names.contains(&n)) {
            return Err(Error::Expression(format!(
                "key attribute `{path}` cannot be updated"
            )));
        }
        if !seen.insert(path.to_string()) {
            return Err(Error::Expression(format!(
                "attribute `{path}` is updated more than once"
            )));
        }
    }
    let mut b = ExprBuilder::default();
    let actions: Vec<_> = updates.iter().map(|u| &u.action).collect();
    let update_text = b.update(&actions);
    // Update only: never create an item that is not there (as dynamongo does).
    let mut cond = Expr::Exists(crate::expr::AttrPath::attr(M::HASH_KEY.name));
    if let Some(extra) = single.extra {
        cond = Expr::And(Box::new(cond), Box::new(extra));
    }
    let cond_text = b.condition(&cond);
    let (names, values) = b.into_maps();
    let res = db
        .client()
        .update_item()
        .table_name(&table)
        .set_key(Some(single.key))
        .update_expression(update_text)
        .condition_expression(cond_text)
        .set_expression_attribute_names(names)
        .set_expression_attribute_values(values)
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match res {
        Ok(out) => match out.attributes() {
            Some(item) => decode(db, item),
            None => Err(Error::NotFound { table }),
        },
        Err(e) if conditional_failed(&e) => {
            let existed = e
                .as_service_error()
                .and_then(|s| match s {
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => {
                        c.item().map(|i| !i.is_empty())
                    }
                    _ => None,
                })
                .unwrap_or(false);
            if existed {
                Err(Error::ConditionalCheckFailed { table })
            } else {
                Err(Error::NotFound { table })
            }
        }
        Err(e) => Err(Error::sdk("UpdateItem", e)),
    }
}

/// Resolves a strategy for `update_one` / `delete_one`.
pub(crate) fn single_of<M: Model>(s: impl Strategy<M>) -> Result<Single, Error> {
    keys::resolve(s.into_target())
}
