//! A collection of a single-table design (DESIGN §10): the items of several entities that
//! share one partition, read with one Query a page and decoded into the collection's enum
//! (`app::workspace(&db, "acme")` → `Vec<app::WorkspaceItem>`).

use std::future::IntoFuture;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{BoxStream, StreamExt};

use crate::db::Db;
use crate::entity::Template;
use crate::error::{DecodeError, Error};
use crate::expr::{AttrPath, Expr};
use crate::model::{IndexDef, Model};
use crate::plan::{self, Access, Plan, Planned};
use crate::read::{limited_stream, paged_read, Page, ReadOptions};
use crate::trace::{self, traced, BoxFuture};
use crate::value::Item;

/// The enum of a collection's members (generated: `app::WorkspaceItem`): decodes an item
/// of the partition by its entity attribute.
#[doc(hidden)]
pub trait Member: Sized + Send + 'static {
    /// The size bounds of an item read (the widest of the members').
    const ITEM_BYTES: crate::capacity::ItemBytes = crate::capacity::ItemBytes::UNKNOWN;

    /// The item as the member its entity attribute names (or the enum's `Unknown`).
    fn from_item(item: &Item) -> Result<Self, DecodeError>;
}

/// A read of one partition of a collection (`app::workspace(&db, "acme")`): awaited, its
/// items in sort-key order as the collection's enum; or [`Collection::stream`],
/// [`Collection::page`], [`Collection::explain`]. One Query a page.
///
/// `E` is one of the collection's entities (any: they share the table, its keys and its
/// TTL attribute), `T` the collection's enum.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// for item in app::workspace(db, "acme").await? {
///     match item {
///         WorkspaceItem::Workspace(w) => println!("workspace {}", w.name),
///         WorkspaceItem::Member(m) => println!("member {}", m.email),
///         WorkspaceItem::WorkspaceNote(n) => println!("note {}", n.title),
///         WorkspaceItem::Unknown(item) => println!("another entity: {item:?}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "a read does nothing until awaited or streamed"]
pub struct Collection<'a, E: Model, T> {
    db: &'a Db,
    name: &'static str,
    index: Option<&'static IndexDef>,
    partition: &'static Template,
    sort: Option<&'static Template>,
    fields: Item,
    options: ReadOptions,
    after: Option<String>,
    _members: std::marker::PhantomData<fn() -> (E, T)>,
}

impl<'a, E: Model, T: Member> Collection<'a, E, T> {
    /// The partition rendered from `fields` by the collection's partition template, on
    /// the table (`index` `None`) or an index; a sub-collection's sort keys begin with
    /// what `sort` renders. Generated code calls it.
    #[doc(hidden)]
    pub fn new(
        db: &'a Db,
        name: &'static str,
        index: Option<&'static IndexDef>,
        partition: &'static Template,
        sort: Option<&'static Template>,
        fields: Item,
    ) -> Self {
        Collection {
            db,
            name,
            index,
            partition,
            sort,
            fields,
            options: ReadOptions {
                items: Some(T::ITEM_BYTES),
                ..ReadOptions::new(db.retry_policy())
            },
            after: None,
            _members: std::marker::PhantomData,
        }
    }

    /// What `template` renders from the fields.
    fn render(&self, template: &Template) -> Result<String, Error> {
        template
            .render(|f| self.fields.get(f))
            .map_err(|v| Error::Validation(vec![v]))?
            .ok_or_else(|| Error::Expression("a collection's key field has no value".into()))
    }

    /// One Query on the partition the fields render (for a sub-collection, on the sort
    /// keys that begin with its prefix).
    fn plan(&self) -> Result<Planned, Error> {
        let p = self.render(self.partition)?;
        let (range, within) = match self.sort {
            Some(sort) => {
                let prefix = self.render(sort)?;
                let within = format!(", sort keys beginning `{prefix}`");
                let term = Expr::BeginsWith(AttrPath::of(sort.attr), AttributeValue::S(prefix));
                (Some(term), within)
            }
            None => (None, String::new()),
        };
        Ok(Planned {
            reason: format!(
                "the collection `{}`: one partition (`{}` = `{p}`){within}, every entity in it",
                self.name, self.partition.attr
            )
            .into(),
            access: Access::Query {
                index: self.index,
                hash_values: vec![AttributeValue::S(p)],
                range,
                filter: None,
            },
            local: None,
        })
    }

    /// Descending sort-key order (`ScanIndexForward=false`).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let last = app::workspace(db, "acme").descending().limit(1).await?;
    /// # Ok(()) }
    /// ```
    pub fn descending(mut self) -> Self {
        self.options.descending = true;
        self
    }

    /// At most `n` items (pages stop being fetched once `n` have arrived).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let first_ten: Vec<WorkspaceItem> = app::workspace(db, "acme").limit(10).await?;
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, n: usize) -> Self {
        self.options.limit = Some(n);
        self
    }

    /// A budget for each page, as [`GetMany::max_read_units`](crate::ops::GetMany::max_read_units).
    pub fn max_read_units(mut self, read_units: f64) -> Self {
        self.options.max_read_units = Some(read_units);
        self
    }

    /// Strongly consistent reads (the table only; DynamoDB refuses them on a global index).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let fresh = app::workspace(db, "acme").consistent(true).await?;
    /// # Ok(()) }
    /// ```
    pub fn consistent(mut self, yes: bool) -> Self {
        self.options.consistent = yes;
        self
    }

    /// Also return items whose TTL has passed (DynamoDB deletes them only eventually).
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let all = app::workspace(db, "acme").include_expired(true).await?;
    /// # Ok(()) }
    /// ```
    pub fn include_expired(mut self, yes: bool) -> Self {
        self.options.include_expired = yes;
        self
    }

    /// Resume after a page: `cursor` is a [`Page::cursor`] of this same read; one of
    /// another read, altered or cut short, is [`Error::Validation`].
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let page = app::workspace(db, "acme").page(20).await?;
    /// if let Some(next) = page.cursor {
    ///     let more = app::workspace(db, "acme").after(next).page(20).await?;
    /// }
    /// # Ok(()) }
    /// ```
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

    /// The plan (one Query on the partition). Sends nothing.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let plan = app::workspace(db, "acme").explain()?;
    /// assert_eq!(plan.operation, dynamongo_runtime::plan::Operation::Query);
    /// # Ok(()) }
    /// ```
    pub fn explain(&self) -> Result<Plan, Error> {
        let planned = self.plan()?;
        Ok(plan::describe::<E>(
            self.db.table_name(E::TABLE),
            &planned,
            &self.options,
        ))
    }

    /// One page of at most `size` items and a cursor to the next, when there is more:
    /// one Query.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let page = app::workspace(db, "acme").page(50).await?;
    /// println!("{} items; next: {:?}", page.items.len(), page.cursor);
    /// # Ok(()) }
    /// ```
    pub fn page(self, size: usize) -> BoxFuture<'a, Result<Page<T>, Error>> {
        let span = trace::operation_on(
            "collection.page",
            trace::short_name::<T>(),
            &self.db.table(E::TABLE),
        );
        let planned = self.plan();
        traced(span, move || {
            paged_read::<E, T>(
                self.db,
                planned,
                self.options,
                self.after,
                size,
                |db, item| decode_member::<E, T>(db, &item),
            )
        })
    }

    /// The items as they arrive, page by page, in bounded memory.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::app::{self, WorkspaceItem};
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// use futures::StreamExt;
    /// let mut items = app::workspace(db, "acme").stream();
    /// while let Some(item) = items.next().await {
    ///     let item: WorkspaceItem = item?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> BoxStream<'a, Result<T, Error>> {
        let span = trace::operation_on(
            "collection.stream",
            trace::short_name::<T>(),
            &self.db.table(E::TABLE),
        );
        trace::stream_in(span, self.items())
    }

    fn items(self) -> BoxStream<'a, Result<T, Error>> {
        limited_stream::<E, T>(self.db, self.plan(), self.options, |db, item| {
            decode_member::<E, T>(db, &item)
        })
    }
}

fn decode_member<E: Model, T: Member>(db: &Db, item: &Item) -> Result<T, Error> {
    T::from_item(item).map_err(|source| Error::Decode {
        table: db.table_name(E::TABLE),
        source,
    })
}

impl<'a, E: Model, T: Member> IntoFuture for Collection<'a, E, T> {
    type Output = Result<Vec<T>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation_on(
            "collection",
            trace::short_name::<T>(),
            &self.db.table(E::TABLE),
        );
        traced(span, move || async move {
            let mut s = self.items();
            let mut out = Vec::new();
            while let Some(r) = s.next().await {
                out.push(r?);
            }
            Ok(out)
        })
    }
}
