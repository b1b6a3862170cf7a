//! `save_one`: a validated PutItem, with the overwrite rule.

use std::future::IntoFuture;

use crate::db::Db;
use crate::error::Error;
use crate::expr::{condition_request, Condition, Expr};
use crate::model::Model;
use crate::trace;
use tracing::Instrument;

use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::{failed_condition, prepare_put, BoxFuture};

/// When `save_one` may replace an existing item with the same key.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let jane = User::new("jane@example.com", "Jane");
/// User::save_one(db, jane.clone()).overwrite(false).await?;
/// User::save_one(db, jane).overwrite(user::year_of_birth().lt(2000)).await?;
/// # Ok(()) }
/// ```
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

/// `User::save_one(&db, item)`; set [`SaveOne::overwrite`] before awaiting.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let saved = User::save_one(db, User::new("a@b.io", "A")).await?;
/// # Ok(()) }
/// ```
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

/// Sends one put; the version written, for a versioned model.
pub(crate) async fn put_one<M: Model>(
    db: &Db,
    item: &M,
    overwrite: &Overwrite<M>,
) -> Result<Option<i64>, Error> {
    let put = prepare_put(item, overwrite)?;
    let table = db.table_name(M::TABLE);
    let mut req = db
        .client()
        .put_item()
        .table_name(&table)
        .set_item(Some(put.item));
    if let Some(expr) = &put.condition {
        let (text, names, values) = condition_request(expr);
        req = req
            .condition_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    }
    let span = trace::call("PutItem", &table);
    req = req.return_consumed_capacity(trace::capacity(&span));
    match req.send().instrument(span.clone()).await {
        Ok(out) => {
            trace::consumed(&span, out.consumed_capacity());
            Ok(put.version)
        }
        Err(e) => {
            let err = match failed_condition(&e) {
                Some(item) => Error::ConditionalCheckFailed { table, item },
                None => Error::sdk("PutItem", e),
            };
            trace::failed(&span, &err);
            Err(err)
        }
    }
}

impl<'a, M: Model> IntoFuture for SaveOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("save_one", &self.db.table_name(M::TABLE));
        super::traced(span, async move {
            let mut item = self.item;
            if let Some(version) = put_one(self.db, &item, &self.overwrite).await? {
                item.set_version(version);
            }
            Ok(item)
        })
    }
}
