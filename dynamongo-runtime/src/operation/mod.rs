//! The operations: one module each, as aws-sdk-dynamodb keeps `operation/<op>/`. Each
//! entry point on [`ModelExt`] returns a builder that is awaited directly.

use crate::capacity::TableStats;
use crate::db::Db;
use crate::document::Document;
use crate::error::Error;
use crate::expr::Update;
use crate::model::{ManyStrategy, Model, Strategy};
use crate::trace::{self, traced, BoxFuture};
use crate::write::single_of;

pub use crate::read::Page;
pub use crate::write::Overwrite;
pub use backfill::{copy, Backfill, BackfillReport, Copy, CopyReport, Preview, Progress};
pub use collection::{Collection, Member};
pub use create_table::CreateTable;
pub use delete_many::DeleteMany;
pub use delete_one::DeleteOne;
pub use get_many::GetMany;
pub use get_one::GetOne;
pub use query_index::{HashKey, Index, IndexKey, KeyEnum, KeyValue, NoRange, QueryIndex, RangeKey};
pub use save_many::SaveMany;
pub use save_one::SaveOne;
pub use transact::{Committed, Fetched, Position, TransactGet, TransactWrite};
pub use update_one::UpdateOne;

mod backfill;
mod collection;
mod create_table;
mod delete_many;
mod delete_one;
mod get_many;
mod get_one;
mod query_index;
mod save_many;
mod save_one;
mod transact;
mod update_one;

/// The operations on a model's table, for every [`Model`]: `User::save_one(&db, user)`.
/// Each returns a builder; set its options, then `.await` it. In the
/// [`prelude`](crate::prelude).
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// User::create_table(db).await?;
/// let john = User::save_one(db, User::new("john@example.com", "John")).await?;
/// let again = User::get_one(db, "john@example.com").await?;
/// assert_eq!(again, john);
/// # Ok(()) }
/// ```
pub trait ModelExt: Model {
    /// Creates the model's table (key schema, attribute definitions, throughput, indexes)
    /// and waits until it is ACTIVE; enables TTL on a model's `ttl` field.
    /// [`Error::TableExists`] when it is already there.
    fn create_table(db: &Db) -> CreateTable<'_, Self> {
        CreateTable::new(db)
    }

    /// Deletes the model's table.
    fn delete_table(db: &Db) -> BoxFuture<'_, Result<(), Error>> {
        create_table::delete_table::<Self>(db)
    }

    /// Saves one item (validated first). Replaces an item with the same key unless
    /// [`SaveOne::overwrite`] says otherwise. Returns the item saved. A versioned item is
    /// written at its version + 1 only if the stored one is at its version (version 0:
    /// not stored yet), and returned at the new version; a stale copy is
    /// [`Error::ConditionalCheckFailed`], carrying the stored item ([`Error::stored`]).
    fn save_one(db: &Db, item: Self) -> SaveOne<'_, Self> {
        SaveOne::new(db, item)
    }

    /// Reads one item by key, key tuple, key type, model or key condition
    /// (plus extra checks). [`Error::NotFound`] when absent; see [`GetOne::optional`].
    fn get_one(db: &Db, strategy: impl Strategy<Self>) -> GetOne<'_, Self> {
        GetOne::new(db, strategy.into_target())
    }

    /// Deletes one item and returns it, or `None` when no item matched (the key is
    /// absent, or the extra checks failed). Given a versioned model value, a stale copy is
    /// [`Error::ConditionalCheckFailed`] and nothing is deleted.
    fn delete_one(db: &Db, strategy: impl Strategy<Self>) -> DeleteOne<'_, Self> {
        DeleteOne::new(db, single_of(strategy))
    }

    /// Applies updates to one existing item and returns it as it is afterwards.
    /// [`Error::NotFound`] when the item does not exist (nothing is created);
    /// [`Error::ConditionalCheckFailed`] when it exists but fails the extra checks.
    /// Values are checked against the field's rules, as a save checks them. A versioned
    /// item's version goes up by one; given a model value, its version is checked.
    fn update_one(
        db: &Db,
        strategy: impl Strategy<Self>,
        updates: impl IntoIterator<Item = Update<Self>>,
    ) -> UpdateOne<'_, Self> {
        UpdateOne::new(
            db,
            single_of(strategy).map(|s| (s, updates.into_iter().collect())),
        )
    }

    /// Updates an existing item from a JSON object holding its key and the attributes to
    /// set (the seed's `update_from_dict`). [`Error::NotFound`] when it does not exist.
    fn update_from_json(db: &Db, value: serde_json::Value) -> UpdateOne<'_, Self> {
        UpdateOne::from_json(db, &value)
    }

    /// Reads many items: a list of single-item strategies, `in_`/`keys_in`, or any
    /// condition. The planner picks GetItem, BatchGetItem, Query or Scan; see
    /// [`GetMany::explain`], [`GetMany::stream`], `.descending()` and `.limit(n)`.
    fn get_many(db: &Db, strategy: impl ManyStrategy<Self>) -> GetMany<'_, Self> {
        GetMany::new(db, strategy.into_targets())
    }

    /// Queries a secondary index through its typed handle: the items as the model, or as
    /// the index's projection struct when it does not hold every attribute. See
    /// [`QueryIndex`] for the options (`filter`, `descending`, `limit`, `stream`, `explain`).
    fn query<'a, R, P: Document + Send + 'a>(
        db: &'a Db,
        key: IndexKey<Self, R, P>,
    ) -> QueryIndex<'a, Self, P> {
        QueryIndex::new(db, key)
    }

    /// Saves many items: BatchWriteItem in chunks of 25 with retries, or conditional puts
    /// with [`SaveMany::overwrite`]. Every item ends in `success` or in `fail` with a reason.
    fn save_many(db: &Db, items: impl IntoIterator<Item = Self>) -> SaveMany<'_, Self> {
        SaveMany::new(db, items.into_iter().collect())
    }

    /// Deletes many items: a list of single-item strategies, `in_`/`keys_in`, or any
    /// condition (found first, then deleted with the condition re-checked).
    fn delete_many(db: &Db, strategy: impl ManyStrategy<Self>) -> DeleteMany<'_, Self> {
        DeleteMany::new(db, strategy.into_targets())
    }

    /// Rewrites every stored item of the model in its current form, online: see
    /// [`Backfill`].
    fn backfill(db: &Db) -> Backfill<'_, Self> {
        Backfill::new(db)
    }

    /// The table's item count and size as DescribeTable gives them, without reading any
    /// item (DynamoDB updates them about every six hours). They count every item of the
    /// table: in a single-table design, every entity's.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let stats = User::approximate_count(db).await?;
    /// println!("about {} users, {} bytes", stats.items, stats.bytes);
    /// # Ok(()) }
    /// ```
    fn approximate_count(db: &Db) -> BoxFuture<'_, Result<TableStats, Error>> {
        let table = db.table(Self::TABLE);
        let span = trace::operation::<Self>("approximate_count", &table);
        traced(span, move || async move {
            crate::read::table_stats(db, &table).await
        })
    }
}

impl<M: Model> ModelExt for M {}
