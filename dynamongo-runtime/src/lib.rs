//! # dynamongo-runtime
//!
//! The runtime behind the code that `dynamongo-codegen` generates from JSON model specs:
//! typed DynamoDB models in the spirit of Python's dynamongo, on the official
//! `aws-sdk-dynamodb`.
//!
//! Generated modules implement [`Model`] for each spec and provide one field-handle
//! function per field; everything else lives here:
//!
//! - [`Db`]: the connection (AWS, any endpoint, or [`Db::embedded`] with feature `embedded`).
//! - [`Model`]'s provided methods: `create_table`, `save_one`, `get_one`, `delete_one`,
//!   `update_one`, `update_from_json`, `from_json`, `to_json`, `keys_in`, and the
//!   multi-item `get_many` (planned: GetItem / BatchGetItem / Query / Scan, with
//!   `explain()` and `stream()`), `save_many` and `delete_many` (a [`BatchResult`]).
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

mod batch;
#[doc(hidden)]
pub mod codegen;
mod db;
mod error;
mod eval;
mod expr;
mod field;
mod keys;
mod many;
mod model;
mod ops;
mod plan;
mod rules;
mod value;

pub use batch::RetryPolicy;
pub use db::{Db, DbBuilder};
pub use error::{DecodeError, Error, Result, Violation};
pub use expr::{AttrPath, Condition, Rendered, Update};
pub use field::{Field, Numeric, Optional, Ordered, Required, Size};
pub use many::{BatchResult, DeleteMany, Failed, GetMany, SaveMany};
pub use model::{
    one, Document, KeyAttr, ManyStrategy, Model, ModelKey, ScalarType, Strategy, Target, Targets,
    Throughput,
};
pub use ops::{GetOne, Overwrite, SaveOne};
pub use plan::{Operation, Plan};
pub use value::{format_datetime, parse_datetime, Bytes, FieldValue, Item, SetElement};

/// The SDK's attribute types, for hand-written items and tests.
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
    pub use crate::{one, BatchResult, Condition, Db, Error, Model, Overwrite, Update};
}
