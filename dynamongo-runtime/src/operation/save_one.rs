//! `save_one`: a validated PutItem, with the overwrite rule.

use std::future::IntoFuture;

use crate::db::Db;
use crate::error::Error;
use crate::model::Model;
use crate::trace::{self, traced, BoxFuture};
use crate::write::{self, Overwrite};

/// `User::save_one(&db, item)`; set [`SaveOne::overwrite`] before awaiting.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let saved = User::save_one(db, User::new("a@b.io", "A")).await?;
/// # Ok(()) }
/// ```
#[must_use = "a save does nothing until awaited"]
pub struct SaveOne<'a, M: Model> {
    db: &'a Db,
    item: M,
    overwrite: Overwrite<M>,
}

impl<'a, M: Model> SaveOne<'a, M> {
    pub(crate) fn new(db: &'a Db, item: M) -> Self {
        SaveOne {
            db,
            item,
            overwrite: Overwrite::Always,
        }
    }

    /// `true` (default), `false`, or a condition the existing item must meet.
    pub fn overwrite(mut self, overwrite: impl Into<Overwrite<M>>) -> Self {
        self.overwrite = overwrite.into();
        self
    }
}

impl<'a, M: Model> IntoFuture for SaveOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("save_one", &self.db.table(M::TABLE));
        traced(span, move || async move {
            let mut item = self.item;
            if let Some(version) = write::put(
                self.db,
                &item,
                &self.overwrite,
                &self.db.retry_policy(),
                None,
            )
            .await?
            {
                item.set_version(version);
            }
            Ok(item)
        })
    }
}
