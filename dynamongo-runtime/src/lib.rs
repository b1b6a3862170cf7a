//! # dynamongo-runtime
//!
//! The runtime behind the code that `dynamongo-codegen` generates from JSON model specs:
//! typed DynamoDB models in the spirit of Python's dynamongo, on the official
//! `aws-sdk-dynamodb`.
//!
//! Generated modules implement [`Model`] for each spec and provide one field-handle
//! function per field. What every user needs is at the crate root (and in the
//! [`prelude`]):
//!
//! - [`Db`]: the connection (AWS, any endpoint, or `Db::embedded()` with feature
//!   `embedded`); its options in [`config`].
//! - [`Model`]: `from_json`, `to_json`, `validate`, `keys_in`; and [`ModelExt`], the
//!   operations every model has: `create_table`, `save_one`, `get_one`, `delete_one`,
//!   `update_one`, `update_from_json`, and the multi-item `get_many` (planned: GetItem /
//!   BatchGetItem / Query / Scan, with `explain()`, `stream()` and pages), `save_many` and
//!   `delete_many` (a [`BatchResult`]). Each returns a builder from [`ops`]: add options,
//!   then `.await`.
//! - [`Condition`] and [`Update`], built from the typed handles of [`field`] and combined
//!   with `&`, `|` and `!`.
//! - One [`Error`] type; its parts in [`error`].
//!
//! The rest is grouped by purpose: [`plan`] (strategies and the plans `explain()` shows),
//! [`transact`] (all-or-nothing writes and reads across models), [`table`] (keys, indexes
//! and their typed query handles, throughput), [`stream`] (DynamoDB Streams records as
//! typed change events).
//!
//! ```
//! use dynamongo_runtime::prelude::*;
//! use dynamongo_runtime::field::{Field, Required};
//!
//! struct User;
//! let email: Field<User, String, Required> = Field::new("email");
//! let year: Field<User, i64, Required> = Field::new("year_of_birth");
//! let c = email.eq("john@example.com") & (year.gt(2000) | !year.exists());
//! assert_eq!(
//!     c.render().expression,
//!     "(#n0 = :v0 AND (#n1 > :v1 OR (NOT attribute_exists(#n1))))"
//! );
//! ```
#![warn(missing_docs)]

// The modules, layer by layer; each uses only the layers above it.
// Values and items:
pub mod error;
mod item;
mod rules;
mod value;
// Expressions: conditions, updates, typed field handles.
pub mod encryption;
mod eval;
mod expr;
pub mod field;
// The traits generated code implements.
mod document;
mod model;
pub mod stream;
// The connection, what its calls cost, and how they retry.
pub mod capacity;
mod db;
mod retry;
mod trace;
// The planner: keys, and which call serves a strategy.
mod cursor;
mod entity;
mod keys;
pub mod plan;
// The engines below the operations: the batch engine (chunks, concurrency, retries, an
// account of every item), the read engine (the items of a plan, as a stream or a page)
// and the write engine (prepared items, conditions, versions, the single-item calls).
mod batch;
mod migrate;
mod read;
mod write;
// The operations, one file each; none imports another.
mod operation;
// The future builders are awaited as (its allocation cached per thread).
mod op_future;
// What generated code calls (re-exports and small helpers; nothing here depends on it).
#[doc(hidden)]
pub mod codegen;
#[cfg(test)]
mod fuzz;
// Web glue, with feature `axum`.
#[cfg(feature = "axum")]
pub mod http;

pub use batch::BatchResult;
pub use db::Db;
pub use error::{Error, Result};
pub use expr::{Condition, Update};
pub use model::{Model, Upgrade};
pub use operation::ModelExt;

/// Connecting: [`Db::builder`]'s options and the retry policy of batched calls.
pub mod config {
    pub use crate::db::{DbBuilder, Scans};
    pub use crate::retry::RetryPolicy;
}

/// The builders that [`ModelExt`]'s operations return, awaited directly (as an
/// [`OpFuture`](ops::OpFuture)), and what they give back besides models: [`BatchResult`]
/// and [`Page`](ops::Page).
pub mod ops {
    pub use crate::batch::{BatchResult, Failed};
    pub use crate::op_future::OpFuture;
    pub use crate::operation::{
        Collection, CreateTable, DeleteMany, DeleteOne, GetMany, GetOne, Overwrite, Page,
        QueryIndex, SaveMany, SaveOne, UpdateOne,
    };
}

/// A table as a model declares it: key attributes and their types, secondary indexes
/// (with the typed handles generated modules give them), throughput and the key type.
pub mod table {
    pub use crate::model::{
        IndexDef, KeyAttr, ModelKey, Projection, ScalarType, StreamView, Throughput,
    };
    pub use crate::operation::{HashKey, Index, IndexKey, KeyValue, NoRange, RangeKey};
}

/// Backfills: `Model::backfill(&db)` rewrites a model's stored items in its current form,
/// online, resumably, shared by any number of workers ([`Backfill`](backfill::Backfill)).
pub mod backfill {
    pub use crate::operation::{
        copy, Backfill, BackfillReport, Copy, CopyReport, Preview, Progress,
    };
}

/// Transactions: [`Db::transact_write`] (TransactWriteItems) and [`Db::transact_get`]
/// (TransactGetItems), typed by model, across models, with the version checks of
/// versioned models.
pub mod transact {
    pub use crate::error::CancelReason;
    pub use crate::operation::{Committed, Fetched, Position, TransactGet, TransactWrite};
}

/// Re-exported for generated code and its users: the types that fields hold.
pub use chrono;
/// Re-exported for generated code and its users.
pub use serde_json;
/// Re-exported for generated code and its users.
pub use uuid;

/// What a module using models needs: `use dynamongo_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::ops::Overwrite;
    pub use crate::plan::one;
    pub use crate::{BatchResult, Condition, Db, Error, Model, ModelExt, Update};
}
