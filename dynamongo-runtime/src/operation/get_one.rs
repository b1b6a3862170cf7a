//! `get_one`: GetItem by key, or the one item a key condition selects.

use std::future::IntoFuture;

use crate::db::Db;
use crate::error::Error;
use crate::eval;
use crate::expr::{Expr, ExprBuilder};
use crate::keys::{self, Single};
use crate::model::{Model, Target};
use crate::read;
use crate::retry::retrying;
use crate::trace;
use crate::value::Item;

use crate::model::decode;
use crate::trace::{traced, BoxFuture};

/// `User::get_one(&db, strategy)`: the item, or [`Error::NotFound`].
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let john = User::get_one(db, "john@example.com").consistent(true).await?;
/// let maybe = User::get_one(db, "nobody@example.com").optional().await?;
/// # Ok(()) }
/// ```
#[must_use = "a read does nothing until awaited"]
pub struct GetOne<'a, M: Model> {
    db: &'a Db,
    target: Target<M>,
    consistent: bool,
    include_expired: bool,
}

impl<'a, M: Model> GetOne<'a, M> {
    pub(crate) fn new(db: &'a Db, target: Target<M>) -> Self {
        GetOne {
            db,
            target,
            consistent: false,
            include_expired: false,
        }
    }

    /// Strongly consistent read.
    pub fn consistent(mut self, yes: bool) -> Self {
        self.consistent = yes;
        self
    }

    /// Also return items whose TTL has passed (a model with a `ttl` field). By default
    /// they are left out, as if DynamoDB had already deleted them (it does so only
    /// eventually, within days).
    pub fn include_expired(mut self, yes: bool) -> Self {
        self.include_expired = yes;
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
    include_expired: bool,
) -> Result<Option<M>, Error> {
    db.check_encrypted::<M>()?;
    let table = db.table(M::TABLE);
    let live = read::local_checks::<M>(None, include_expired);
    // An entity's read returns that entity only.
    let shown = |item: &Item| {
        M::ENTITY.is_none_or(|e| e.holds(item))
            && live.as_ref().is_none_or(|c| eval::matches(c, item))
    };
    match single.extra {
        None => read::read_item(db, &table, &single.key, consistent, &db.retry_policy())
            .await?
            .filter(|i| shown(i))
            .map(|i| decode(db, &i))
            .transpose(),
        Some(extra) => {
            // Key plus checks: a Query on the full key with the checks as a filter.
            let mut b = ExprBuilder::default();
            let key_expr = Expr::and_all(
                keys::key_names::<M>()
                    .into_iter()
                    .filter_map(|n| {
                        single.key.get(n).map(|v| {
                            Expr::Cmp(
                                crate::expr::AttrPath::of(n),
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
            let (table, kc, filter, names, values) = (&table, &kc, &filter, &names, &values);
            // Boxed: the rare path's request future is not laid out in every get's.
            let out = Box::pin(retrying(db.quota(), &db.retry_policy(), || async move {
                let span = trace::call("Query", table);
                let out = trace::sent(&span, || {
                    db.client()
                        .query()
                        .table_name(table.as_ref())
                        .key_condition_expression(kc)
                        .filter_expression(filter)
                        .set_expression_attribute_names(names.clone())
                        .set_expression_attribute_values(values.clone())
                        .set_consistent_read(consistent.then_some(true))
                        .return_consumed_capacity(trace::CAPACITY)
                        .send()
                })
                .await
                .map_err(|e| Error::sdk("Query", e))
                .inspect_err(|e| trace::failed(&span, e))?;
                trace::consumed(db, &span, trace::Kind::Read, out.consumed_capacity());
                span.record("dynamongo.items", out.items().len());
                Ok(out)
            }))
            .await?;
            out.items()
                .first()
                .filter(|i| shown(i))
                .map(|i| decode(db, i))
                .transpose()
        }
    }
}

impl<'a, M: Model> IntoFuture for GetOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("get_one", &self.db.table(M::TABLE));
        traced(span, move || async move {
            let single = keys::resolve(self.target)?;
            get_single::<M>(self.db, single, self.consistent, self.include_expired)
                .await?
                .ok_or_else(|| Error::NotFound {
                    table: self.db.table_name(M::TABLE),
                })
        })
    }
}
