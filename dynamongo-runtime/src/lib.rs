//! # dynamongo-runtime
//!
//! The runtime behind the code that `dynamongo-codegen` generates from JSON model specs:
//! typed DynamoDB models in the spirit of Python's dynamongo, on the official
//! `aws-sdk-dynamodb`.
//!
//! Generated modules implement [`Model`] for each spec and provide one field-handle
//! function per field; everything else lives here:
//!
//! - [`Db`]: the connection (AWS, any endpoint, or `Db::embedded()` with feature `embedded`).
//! - [`Model`]: `from_json`, `to_json`, `validate`, `keys_in`; and [`ModelExt`], the
//!   operations every model has: `create_table`, `save_one`, `get_one`, `delete_one`,
//!   `update_one`, `update_from_json`, and the multi-item `get_many` (planned: GetItem /
//!   BatchGetItem / Query / Scan, with `explain()` and `stream()`), `save_many` and
//!   `delete_many` (a [`BatchResult`]). Each returns a builder: add options, then `.await`.
//! - [`TransactWrite`] and [`TransactGet`] (`db.transact_write()`, `db.transact_get()`):
//!   all-or-nothing changes and reads across models, with the version checks of versioned
//!   models (a `"version": true` field).
//! - [`Condition`] and [`Update`], built from typed [`Field`] handles and combined with
//!   `&`, `|` and `!`.
//! - One [`Error`] type.
//!
//! ```
//! use dynamongo_runtime::prelude::*;
//! use dynamongo_runtime::{Field, Required};
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
mod error;
mod item;
mod rules;
mod value;
// Expressions: conditions, updates, typed field handles.
mod eval;
mod expr;
mod field;
// The traits generated code implements.
mod document;
mod model;
mod stream;
// The connection and how calls retry.
mod db;
mod retry;
mod trace;
// The planner: keys, and which call serves a strategy.
mod cursor;
mod keys;
mod plan;
// The batch engine: chunks, concurrency, retries, an account of every item; and the
// read engine that streams the items of a plan.
mod batch;
mod read;
// The operations, one file each.
mod operation;
// What generated code calls (re-exports and small helpers; nothing here depends on it).
#[doc(hidden)]
pub mod codegen;

pub use batch::{BatchResult, Failed};
pub use db::{Db, DbBuilder};
pub use document::Document;
pub use error::{CancelReason, DecodeError, Error, Result, Violation};
#[doc(hidden)]
pub use expr::{AttrPath, Rendered};
pub use expr::{Condition, Update};
pub use field::{Field, Optional, Required};
#[doc(hidden)]
pub use field::{Numeric, Ordered, Size};
pub use item::Item;
pub use model::{one, ManyStrategy, Model, Strategy, StreamView, Target};
#[doc(hidden)]
pub use model::{IndexDef, KeyAttr, ModelKey, Projection, ScalarType, Targets, Throughput};
#[doc(hidden)]
pub use operation::NoRange;
pub use operation::{
    Committed, CreateTable, DeleteMany, DeleteOne, Fetched, GetMany, GetOne, Index, IndexKey,
    ModelExt, Overwrite, Page, Position, QueryIndex, SaveMany, SaveOne, TransactGet, TransactWrite,
    UpdateOne,
};
pub use plan::{Operation, Plan};
pub use retry::RetryPolicy;
pub use stream::{StreamBatch, StreamEvent, StreamEventRecord, Streamed};
#[doc(hidden)]
pub use value::SetElement;
pub use value::{format_datetime, parse_datetime, Bytes, EpochSeconds, FieldValue};

/// The SDK's attribute types, for hand-written items and tests.
#[doc(hidden)]
pub mod types {
    pub use aws_sdk_dynamodb::types::AttributeValue;
}

/// Re-exported for generated code and its users: the types that fields hold.
pub use chrono;
/// Re-exported for generated code and its users.
pub use serde_json;
/// Re-exported for generated code and its users.
pub use uuid;

/// What a module using models needs: `use dynamongo_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::{one, BatchResult, Condition, Db, Error, Model, ModelExt, Overwrite, Update};
}
