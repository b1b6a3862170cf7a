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
use crate::trace::{self, MaybeSet};
use crate::value::Item;
use futures::FutureExt;

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

/// The item `single` names, when there is one that shows (of this entity, not expired):
/// GetItem by key, or a Query on the key when the strategy has checks besides.
pub(crate) async fn get_single<M: Model>(
    db: &Db,
    single: Result<Single, Error>,
    consistent: bool,
    include_expired: bool,
) -> Result<Option<M>, Error> {
    let single = single?;
    db.check_encrypted::<M>()?;
    let table = db.table(M::TABLE);
    let item = match single.extra {
        None => read::read_item(db, &table, &single.key, consistent, &db.retry_policy()).await?,
        Some(extra) => {
            Box::pin(query_one::<M>(db, &table, &single.key, &extra, consistent)).await?
        }
    };
    let live = read::local_checks::<M>(None, include_expired);
    // An entity's read returns that entity only.
    item.filter(|item| {
        M::ENTITY.is_none_or(|e| e.holds(item))
            && live.as_ref().is_none_or(|c| eval::matches(c, item))
    })
    .map(|i| decode(db, &i))
    .transpose()
}

/// The item under `key` if it meets `extra`: a Query on the full key with the checks as
/// a filter (boxed by the caller: the rare path's request future is not laid out in every
/// get's).
async fn query_one<M: Model>(
    db: &Db,
    table: &str,
    key: &Item,
    extra: &Expr,
    consistent: bool,
) -> Result<Option<Item>, Error> {
    let mut b = ExprBuilder::default();
    let key_expr = Expr::and_all(
        keys::key_names::<M>()
            .into_iter()
            .filter_map(|n| {
                key.get(n).map(|v| {
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
    let filter = b.condition(extra);
    let (names, values) = b.into_maps();
    let (kc, filter, names, values) = (&kc, &filter, &names, &values);
    let out = retrying(db.quota(), &db.retry_policy(), || async move {
        let span = trace::call("Query", table);
        let out = trace::sent(&span, || {
            db.client()
                .query()
                .table_name(table)
                .key_condition_expression(kc)
                .filter_expression(filter)
                .set_expression_attribute_names(names.clone())
                .set_expression_attribute_values(values.clone())
                .maybe(consistent.then_some(true), |b, x| b.consistent_read(x))
                .return_consumed_capacity(trace::CAPACITY)
                .send()
        })
        .await
        .map_err(|e| Error::sdk("Query", e))
        .inspect_err(|e| trace::failed(&span, e))?;
        trace::consumed(db, &span, trace::Kind::Read, out.consumed_capacity());
        span.record("dynamongo.items", out.items().len());
        Ok(out)
    })
    .await?;
    Ok(out.items.and_then(|items| items.into_iter().next()))
}

impl<'a, M: Model> IntoFuture for GetOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("get_one", &self.db.table(M::TABLE));
        let single = keys::resolve(self.target);
        let db = self.db;
        traced(span, move || {
            get_single::<M>(db, single, self.consistent, self.include_expired).map(move |found| {
                found?.ok_or_else(|| Error::NotFound {
                    table: db.table_name(M::TABLE),
                })
            })
        })
    }
}
