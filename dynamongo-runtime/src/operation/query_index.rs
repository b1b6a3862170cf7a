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
use crate::model::{decode_document, IndexDef, Model};
use crate::plan::{self, Access, Plan, Planned};
use crate::read::{limited_stream, paged_read, Page, ReadOptions};
use crate::retry::RetryPolicy;
use crate::trace;
use crate::value::{FieldValue, Item};

use crate::trace::{traced, BoxFuture};

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
/// # use dynamongo_runtime::table::{Index, NoRange};
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

/// The value of an index's hash key: one value, or a tuple of up to four for a
/// multi-attribute key (in key order). Implemented for every field value type and tuples
/// of them.
pub trait HashKey {
    /// The attribute values, in key order.
    fn attrs(&self) -> Vec<AttributeValue>;
    /// A reason DynamoDB would refuse one of them.
    fn problem(&self) -> Option<String>;
}

impl<T: FieldValue> HashKey for T {
    fn attrs(&self) -> Vec<AttributeValue> {
        vec![self.to_attr()]
    }
    fn problem(&self) -> Option<String> {
        self.unsendable()
    }
}

/// A value for an index's hash key of type `H`: a value that converts into it, or for a
/// multi-attribute key a tuple of such values in key order. Its own trait (not `Into`), so
/// that a wrong value is told what to write.
///
/// ```
/// use dynamongo_runtime::table::KeyValue;
/// fn takes<H, V: KeyValue<H>>(v: V) -> H { v.into_key() }
/// let one: String = takes("north");
/// let two: (String, i64) = takes(("north", 7));
/// # let _ = (one, two);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value of this index's hash key, `{H}`",
    label = "not a `{H}`",
    note = "an index whose hash key has several attributes takes their values together, as a tuple in key order: `.eq((a, b))`, not `.eq(a).eq(b)`"
)]
pub trait KeyValue<H> {
    /// The key value.
    fn into_key(self) -> H;
}

macro_rules! key_values {
    ($($t:ty),*) => {$(
        impl<V: Into<$t>> KeyValue<$t> for V {
            fn into_key(self) -> $t {
                self.into()
            }
        }
    )*};
}
key_values!(
    String,
    i64,
    f64,
    uuid::Uuid,
    chrono::DateTime<chrono::Utc>,
    chrono::NaiveDate,
    chrono::TimeDelta,
    crate::value::Bytes
);

/// Marker of a generated enum (a key value of its own type).
#[doc(hidden)]
pub trait KeyEnum {}

impl<E: KeyEnum> KeyValue<E> for E {
    fn into_key(self) -> E {
        self
    }
}

macro_rules! tuple_key_values {
    ($($h:ident $v:ident),+) => {
        impl<$($h, $v: KeyValue<$h>),+> KeyValue<($($h,)+)> for ($($v,)+) {
            #[allow(non_snake_case)]
            fn into_key(self) -> ($($h,)+) {
                let ($($v,)+) = self;
                ($($v.into_key(),)+)
            }
        }
    };
}
tuple_key_values!(A VA, B VB);
tuple_key_values!(A VA, B VB, C VC);
tuple_key_values!(A VA, B VB, C VC, D VD);

/// The range key of an index, one attribute at a time: conditions go in key order, so
/// an equality on the first (`Head`) leaves the rest (`Tail`) to constrain, and any
/// other comparison ends the key condition. Implemented for every ordered field value
/// type and tuples of them.
pub trait RangeKey {
    /// The first attribute's type.
    type Head: Ordered;
    /// The attributes after it ([`NoRange`] when none).
    type Tail;
}

impl<T: Ordered> RangeKey for T {
    type Head = T;
    type Tail = NoRange;
}

macro_rules! tuple_keys {
    ($($t:ident),+; $($rest:ident),*; $tail:ty) => {
        impl<$($t: FieldValue),+> HashKey for ($($t,)+) {
            #[allow(non_snake_case)]
            fn attrs(&self) -> Vec<AttributeValue> {
                let ($($t,)+) = self;
                vec![$($t.to_attr()),+]
            }
            #[allow(non_snake_case)]
            fn problem(&self) -> Option<String> {
                let ($($t,)+) = self;
                None$(.or_else(|| $t.unsendable()))+
            }
        }
        impl<H: Ordered, $($rest: Ordered),*> RangeKey for (H, $($rest),*) {
            type Head = H;
            type Tail = $tail;
        }
    };
}
tuple_keys!(A, B; B2; B2);
tuple_keys!(A, B, C; B2, C2; (B2, C2));
tuple_keys!(A, B, C, D; B2, C2, D2; (B2, C2, D2));

impl<M: Model, H: HashKey, R, P: Document> Index<M, H, R, P> {
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

    /// `hash key = value` (a tuple, in key order, for a multi-attribute key): the key
    /// condition of a Query on this index; narrow it with the range methods, then run it
    /// with `Model::query`.
    pub fn eq(&self, value: impl KeyValue<H>) -> IndexKey<M, R, P> {
        let v = value.into_key();
        let mut values = v.attrs().into_iter();
        let hash = values.next().unwrap_or(AttributeValue::Null(true));
        let rest = self.def.hash[1..]
            .iter()
            .zip(values)
            .map(|(k, v)| Expr::Cmp(AttrPath::of(k.name), Cmp::Eq, v))
            .collect();
        IndexKey {
            def: self.def,
            hash,
            rest,
            next_range: 0,
            problems: v.problem().into_iter().collect(),
            _types: PhantomData,
        }
    }
}

/// The key condition of an index query: the hash key's value and, optionally,
/// conditions on the range key's attributes in order.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::table::{Index, IndexKey, NoRange};
/// # use dynamongo_runtime::codegen::example::user::User;
/// # type Time = dynamongo_runtime::chrono::DateTime<dynamongo_runtime::chrono::Utc>;
/// # async fn demo(db: &Db, by_city: Index<User, String, Time, User>, since: Time) -> dynamongo_runtime::Result<()> {
/// let key: IndexKey<User, NoRange, User> = by_city.eq("Nairobi").range_gt(since);
/// let users: Vec<User> = User::query(db, key).await?;
/// # Ok(()) }
/// ```
pub struct IndexKey<M, R, P> {
    def: &'static IndexDef,
    hash: AttributeValue,
    /// The other hash equalities and the range conditions so far.
    rest: Vec<Expr>,
    /// The range attribute the next condition is on.
    next_range: usize,
    problems: Vec<String>,
    _types: Marker<(M, R, P)>,
}

impl<M, R, P> IndexKey<M, R, P> {
    /// The same key condition, typed for what may follow.
    fn retype<S>(self) -> IndexKey<M, S, P> {
        IndexKey {
            def: self.def,
            hash: self.hash,
            rest: self.rest,
            next_range: self.next_range,
            problems: self.problems,
            _types: PhantomData,
        }
    }

    fn then<S>(mut self, condition: impl FnOnce(AttrPath) -> Expr) -> IndexKey<M, S, P> {
        let name = self.def.range.get(self.next_range).map_or("", |k| k.name);
        self.rest.push(condition(AttrPath::of(name)));
        self.next_range += 1;
        self.retype()
    }

    fn value<T: FieldValue>(&mut self, v: T) -> AttributeValue {
        self.problems.extend(v.unsendable());
        v.to_attr()
    }
}

impl<M, R: RangeKey, P> IndexKey<M, R, P> {
    fn compare(mut self, op: Cmp, v: R::Head) -> IndexKey<M, NoRange, P> {
        let v = self.value(v);
        self.then(|p| Expr::Cmp(p, op, v))
    }
    /// `range attribute = value`; the next range attribute may then be constrained.
    pub fn range_eq(mut self, value: impl Into<R::Head>) -> IndexKey<M, R::Tail, P> {
        let v = self.value(value.into());
        self.then(|p| Expr::Cmp(p, Cmp::Eq, v))
    }
    /// `range attribute < value`.
    pub fn range_lt(self, value: impl Into<R::Head>) -> IndexKey<M, NoRange, P> {
        self.compare(Cmp::Lt, value.into())
    }
    /// `range attribute <= value`.
    pub fn range_le(self, value: impl Into<R::Head>) -> IndexKey<M, NoRange, P> {
        self.compare(Cmp::Le, value.into())
    }
    /// `range attribute > value`.
    pub fn range_gt(self, value: impl Into<R::Head>) -> IndexKey<M, NoRange, P> {
        self.compare(Cmp::Gt, value.into())
    }
    /// `range attribute >= value`.
    pub fn range_ge(self, value: impl Into<R::Head>) -> IndexKey<M, NoRange, P> {
        self.compare(Cmp::Ge, value.into())
    }
    /// `range attribute BETWEEN low AND high`.
    pub fn range_between(
        mut self,
        low: impl Into<R::Head>,
        high: impl Into<R::Head>,
    ) -> IndexKey<M, NoRange, P> {
        let (low, high) = (self.value(low.into()), self.value(high.into()));
        self.then(|p| Expr::Between(p, low, high))
    }
}

impl<M, R: RangeKey<Head = String>, P> IndexKey<M, R, P> {
    /// `begins_with(range attribute, prefix)`.
    pub fn range_begins_with(self, prefix: impl Into<String>) -> IndexKey<M, NoRange, P> {
        let v = AttributeValue::S(prefix.into());
        self.then(|p| Expr::BeginsWith(p, v))
    }
}

/// `Order::query(&db, order::by_status().eq(..))`: a Query on an index; awaited, the
/// items as a `Vec<P>`, or a [`QueryIndex::stream`], or the plan from
/// [`QueryIndex::explain`].
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::table::{Index, NoRange};
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db, by_name: Index<User, String, NoRange, User>) -> dynamongo_runtime::Result<()> {
/// let query = User::query(db, by_name.eq("John"))
///     .filter(user::year_of_birth().lt(2000))
///     .descending()
///     .limit(10);
/// println!("{}", query.explain()?);
/// let users = query.await?;
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until awaited or streamed"]
pub struct QueryIndex<'a, M, P> {
    db: &'a Db,
    key: IndexKey<M, (), P>,
    filter: Option<Condition<M>>,
    options: ReadOptions,
    after: Option<String>,
}

impl<'a, M: Model, P: Document + Send + 'a> QueryIndex<'a, M, P> {
    pub(crate) fn new<R>(db: &'a Db, key: IndexKey<M, R, P>) -> Self {
        QueryIndex {
            db,
            key: key.retype(),
            filter: None,
            options: ReadOptions::new(db.retry_policy()),
            after: None,
        }
    }

    /// Resume after a page: `cursor` is a [`Page::cursor`](crate::ops::Page) of this same query;
    /// another query's, or an altered one, is [`Error::Validation`].
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    /// [`after`](Self::after) a request's cursor when it has one (`?cursor=` of
    /// [`http::PageQuery`](crate::http)), from the first page when it has none.
    pub fn resume(mut self, cursor: Option<String>) -> Self {
        if cursor.is_some() {
            self.after = cursor;
        }
        self
    }

    /// One page of at most `size` items and the cursor of the next, as
    /// [`GetMany::page`](crate::ops::GetMany::page).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::table::{Index, NoRange};
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// # async fn demo(db: &Db, by_name: Index<User, String, NoRange, User>) -> dynamongo_runtime::Result<()> {
    /// let page = User::query(db, by_name.eq("John")).page(10).await?;
    /// if let Some(next) = page.cursor {
    ///     let more = User::query(db, by_name.eq("John")).after(next).page(10).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn page(self, size: usize) -> BoxFuture<'a, Result<Page<P>, Error>> {
        let span = trace::operation::<M>("query.page", &self.db.table(M::TABLE));
        let planned = self.planned();
        traced(span, move || {
            paged_read::<M, P>(
                self.db,
                planned,
                self.options,
                self.after,
                size,
                decode_as::<M, P>,
            )
        })
    }

    /// Checks on the other attributes (a `FilterExpression`).
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.filter = Some(condition);
        self
    }

    /// Descending range-key order (`ScanIndexForward = false`).
    pub fn descending(mut self) -> Self {
        self.options.descending = true;
        self
    }

    /// A budget for each page, as [`GetMany::max_read_units`](crate::ops::GetMany::max_read_units).
    pub fn max_read_units(mut self, read_units: f64) -> Self {
        self.options.max_read_units = Some(read_units);
        self
    }

    /// At most `n` items.
    pub fn limit(mut self, n: usize) -> Self {
        self.options.limit = Some(n);
        self
    }

    /// Also return items whose TTL has passed (a model with a `ttl` field). By default
    /// they are left out, as if DynamoDB had already deleted them (it does so only
    /// eventually, within days).
    pub fn include_expired(mut self, yes: bool) -> Self {
        self.options.include_expired = yes;
        self
    }

    /// The retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.policy = policy;
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
                range: Expr::and_all(self.key.rest.clone()),
                filter: self.filter.as_ref().map(|c| c.expr.clone()),
            },
            local: None,
            reason: format!("an explicit query on the index `{}`", index.name).into(),
        })
    }

    /// The request, without sending it.
    pub fn explain(&self) -> Result<Plan, Error> {
        let planned = self.planned()?;
        let table = self.db.table(M::TABLE);
        Ok(plan::describe::<M>(
            table.into_owned(),
            &planned,
            &self.options,
        ))
    }

    /// The items as they arrive, page by page (in a `query.stream` operation span).
    pub fn stream(self) -> BoxStream<'a, Result<P, Error>> {
        let span = trace::operation::<M>("query.stream", &self.db.table(M::TABLE));
        trace::stream_in(span, self.items())
    }

    fn items(self) -> BoxStream<'a, Result<P, Error>> {
        limited_stream::<M, P>(self.db, self.planned(), self.options, decode_as::<M, P>)
    }
}

fn decode_as<M: Model, P: Document>(db: &Db, item: Item) -> Result<P, Error> {
    decode_document::<M, P>(db, &item)
}

impl<'a, M: Model, P: Document + Send + 'a> IntoFuture for QueryIndex<'a, M, P> {
    type Output = Result<Vec<P>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("query", &self.db.table(M::TABLE));
        let s = self.items();
        traced(span, move || async move {
            s.collect::<Vec<_>>().await.into_iter().collect()
        })
    }
}
