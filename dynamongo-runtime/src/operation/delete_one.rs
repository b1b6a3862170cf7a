//! `delete_one`: DeleteItem, returning the item deleted.

use std::future::IntoFuture;

use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::db::Db;
use crate::error::Error;
use crate::expr::condition_request;
use crate::keys::{self, Single};
use crate::model::Model;
use crate::trace;
use tracing::Instrument;

use super::{decode, failed_condition, BoxFuture};

pub(crate) async fn delete_single<M: Model>(db: &Db, single: Single) -> Result<Option<M>, Error> {
    let table = db.table_name(M::TABLE);
    let condition = single.write_condition::<M>();
    let mut req = db
        .client()
        .delete_item()
        .table_name(&table)
        .set_key(Some(single.key))
        .return_values(ReturnValue::AllOld);
    if let Some(cond) = condition {
        let (text, names, values) = condition_request(&cond);
        req = req
            .condition_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    }
    let span = trace::call("DeleteItem", &table);
    req = req.return_consumed_capacity(trace::capacity(&span));
    let res = req.send().instrument(span.clone()).await;
    if let Ok(out) = &res {
        trace::consumed(&span, out.consumed_capacity());
    }
    match res {
        Ok(out) => out.attributes().map(|i| decode(db, i)).transpose(),
        Err(e) => match failed_condition(&e) {
            // A stale copy of a versioned item: refused, with the item as stored.
            Some(Some(item))
                if single
                    .version
                    .is_some_and(|v| keys::is_stale::<M>(&item, v)) =>
            {
                Err(Error::ConditionalCheckFailed {
                    table,
                    item: Some(item),
                })
            }
            // As in dynamongo: an item that fails the checks is not deleted, and nothing
            // is returned.
            Some(_) => Ok(None),
            None => Err(Error::sdk("DeleteItem", e)),
        },
    }
}

/// `User::delete_one(&db, strategy)`: the item deleted, or `None` when nothing matched.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let deleted: Option<User> = User::delete_one(db, "a@b.io").await?;
/// # Ok(()) }
/// ```
#[must_use = "nothing is deleted until this is awaited"]
pub struct DeleteOne<'a, M> {
    db: &'a Db,
    single: Result<Single, Error>,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<'a, M: Model> DeleteOne<'a, M> {
    pub(crate) fn new(db: &'a Db, single: Result<Single, Error>) -> Self {
        DeleteOne {
            db,
            single,
            _model: std::marker::PhantomData,
        }
    }
}

impl<'a, M: Model> IntoFuture for DeleteOne<'a, M> {
    type Output = Result<Option<M>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("delete_one", &self.db.table_name(M::TABLE));
        super::traced(
            span,
            async move { delete_single(self.db, self.single?).await },
        )
    }
}
