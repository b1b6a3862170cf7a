//! `query`: an explicit Query on a secondary index, through its typed handle
//! (`order::by_status()`). The key condition only compiles for the index's own keys, and
//! the items come back as the model (an index that projects every attribute) or as the
//! generated projection struct holding exactly what the index has.

use std::future::IntoFuture;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{BoxStream, StreamExt};

use crate::db::Db;
use crate::document::Document;
use crate::error::Error;
use crate::expr::{AttrPath, Cmp, Condition, Expr};
use crate::field::Ordered;
use crate::model::{IndexDef, Model};
use crate::plan::{self, Access, Plan, Planned};
use crate::read::{raw_stream, ReadOptions};
use crate::retry::RetryPolicy;
use crate::value::{FieldValue, Item};

use super::BoxFuture;

/// Variance and auto-trait marker: the handles own none of their type parameters.
type Marker<T> = PhantomData<fn() -> T>;

/// The range key type of an index that has none: no range conditions exist for it.
#[derive(Debug, Clone, Copy)]
pub enum NoRange {}

/// A typed handle on a secondary index, generated per index (`order::by_status()`):
/// `M` the model, `H` and `R` the types of the index's hash and range keys ([`NoRange`]
/// when it has none), `P` what a query returns (the model, or a projection struct).
///
/// ```
/// # use dynamongo_runtime::{Index, NoRange};
/// # use dynamongo_runtime::codegen::example::user::User;
/// # fn show(by_name: Index<User, String, NoRange, User>) {
/// let key = by_name.eq("John");    // a key condition on the index's hash key
/// // key.range_gt(1990);           // does not compile: the index has no range key
/// # }
/// ```
pub struct Index<M, H, R, P> {
    def: &'static IndexDef,
    _types: Marker<(M, H, R, P)>,
}

impl<M, H, R, P> Clone for Index<M, H, R, P> {
    fn clone(&self) -> Self {
        Index {
            def: self.def,
            _types: PhantomData,
        }
    }
}

impl<M, H, R, P> std::fmt::Debug for Index<M, H, R, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Index({})", self.def.name)
    }
}

impl<M: Model, H: FieldValue, R, P: Document> Index<M, H, R, P> {
    /// The handle of `def` (generated code).
    #[doc(hidden)]
    pub fn new(def: &'static IndexDef) -> Self {
        Index {
            def,
            _types: PhantomData,
        }
    }

    /// The DynamoDB index name.
    pub fn name(&self) -> &'static str {
        self.def.name
    }

    /// `hash key = value`: the key condition of a Query on this index; narrow it with
    /// the range methods, then run it with `Model::query`.
    pub fn eq(&self, value: impl Into<H>) -> IndexKey<M, R, P> {
        let v = value.into();
        let problem = v.unsendable();
        IndexKey {
            def: self.def,
            hash: v.to_attr(),
            range: None,
            problems: problem.into_iter().collect(),
            _types: PhantomData,
        }
    }
}

/// The key condition of an index query: the hash key's value and, optionally, a
/// condition on the range key.
pub struct IndexKey<M, R, P> {
    def: &'static IndexDef,
    hash: AttributeValue,
    range: Option<Expr>,
    problems: Vec<String>,
    _types: Marker<(M, R, P)>,
}

impl<M, R: Ordered, P> IndexKey<M, R, P> {
    fn range(mut self, op: Cmp, v: R) -> Self {
        self.problems.extend(v.unsendable());
        let name = self.def.range.map_or("", |r| r.name);
        self.range = Some(Expr::Cmp(AttrPath::attr(name), op, v.to_attr()));
        self
    }
    /// `range key = value`.
    pub fn range_eq(self, value: impl Into<R>) -> Self {
        self.range(Cmp::Eq, value.into())
    }
    /// `range key < value`.
    pub fn range_lt(self, value: impl Into<R>) -> Self {
        self.range(Cmp::Lt, value.into())
    }
    /// `range key <= value`.
    pub fn range_le(self, value: impl Into<R>) -> Self {
        self.range(Cmp::Le, value.into())
    }
    /// `range key > value`.
    pub fn range_gt(self, value: impl Into<R>) -> Self {
        self.range(Cmp::Gt, value.into())
    }
    /// `range key >= value`.
    pub fn range_ge(self, value: impl Into<R>) -> Self {
        self.range(Cmp::Ge, value.into())
    }
    /// `range key BETWEEN low AND high`.
    pub fn range_between(mut self, low: impl Into<R>, high: impl Into<R>) -> Self {
        let (low, high) = (low.into(), high.into());
        self.problems.extend(low.unsendable());
        self.problems.extend(high.unsendable());
        let name = self.def.range.map_or("", |r| r.name);
        self.range = Some(Expr::Between(
            AttrPath::attr(name),
            low.to_attr(),
            high.to_attr(),
        ));
        self
    }
}

impl<M, P> IndexKey<M, String, P> {
    /// `begins_with(range key, prefix)`.
    pub fn range_begins_with(mut self, prefix: impl Into<String>) -> Self {
        let name = self.def.range.map_or("", |r| r.name);
        self.range = Some(Expr::BeginsWith(
            AttrPath::attr(name),
            AttributeValue::S(prefix.into()),
        ));
        self
    }
}

/// `Order::query(&db, order::by_status().eq(..))`: a Query on an index; awaited, the
/// items as a `Vec<P>`, or a [`QueryIndex::stream`], or the plan from
/// [`QueryIndex::explain`].
#[must_use = "a query does nothing until awaited or streamed"]
pub struct QueryIndex<'a, M, P> {
    db: &'a Db,
    key: IndexKey<M, (), P>,
    filter: Option<Condition<M>>,
    descending: bool,
    limit: Option<usize>,
    policy: RetryPolicy,
}

impl<'a, M: Model, P: Document + Send + 'a> QueryIndex<'a, M, P> {
    pub(crate) fn new<R>(db: &'a Db, key: IndexKey<M, R, P>) -> Self {
        let key = IndexKey {
            def: key.def,
            hash: key.hash,
            range: key.range,
            problems: key.problems,
            _types: PhantomData,
        };
        QueryIndex {
            db,
            key,
            filter: None,
            descending: false,
            limit: None,
            policy: db.retry_policy(),
        }
    }

    /// Checks on the other attributes (a `FilterExpression`).
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.filter = Some(condition);
        self
    }

    /// Descending range-key order (`ScanIndexForward = false`).
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// At most `n` items.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// The retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    fn planned(&self) -> Result<Planned, Error> {
        if let Some(p) = self.key.problems.first() {
            return Err(Error::Expression(p.clone()));
        }
        if let Some(f) = &self.filter {
            f.check()?;
        }
        let index = self.key.def;
        Ok(Planned {
            access: Access::Query {
                index: Some(index),
                hash_values: vec![self.key.hash.clone()],
                range: self.key.range.clone(),
                filter: self.filter.as_ref().map(|c| c.expr.clone()),
            },
            local: None,
            reason: format!("an explicit query on the index `{}`", index.name),
        })
    }

    /// The request, without sending it.
    pub fn explain(&self) -> Result<Plan, Error> {
        let planned = self.planned()?;
        let table = self.db.table_name(M::TABLE);
        Ok(plan::describe::<M>(
            table,
            &planned,
            self.descending,
            self.limit,
            1,
        ))
    }

    /// The items as they arrive, page by page.
    pub fn stream(self) -> BoxStream<'a, Result<P, Error>> {
        let planned = match self.planned() {
            Ok(p) => p,
            Err(e) => return futures::stream::iter([Err(e)]).boxed(),
        };
        let options = ReadOptions {
            descending: self.descending,
            consistent: false,
            limit: self.limit,
            segments: 1,
            policy: self.policy,
        };
        let limit = self.limit.unwrap_or(usize::MAX);
        raw_stream::<M, P>(self.db, planned, options, decode_as::<M, P>)
            .take(limit)
            .boxed()
    }
}

fn decode_as<M: Model, P: Document>(db: &Db, item: Item) -> Result<P, Error> {
    P::from_item(&item).map_err(|source| Error::Decode {
        table: db.table_name(M::TABLE),
        source,
    })
}

impl<'a, M: Model, P: Document + Send + 'a> IntoFuture for QueryIndex<'a, M, P> {
    type Output = Result<Vec<P>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let s = self.stream();
        Box::pin(async move { s.collect::<Vec<_>>().await.into_iter().collect() })
    }
}
