//! `update_one` and `update_from_json`: UpdateItem on an existing item, returning it as
//! it is afterwards.

use std::future::IntoFuture;

use crate::db::Db;
use crate::error::Error;
use crate::expr::Update;
use crate::keys::{self, Single};
use crate::model::{JsonUpdates, Model};
use crate::trace::{self, traced, BoxFuture};
use crate::write;

/// `User::update_one(&db, strategy, updates)` or `User::update_from_json(&db, json)`: the
/// item as it is after the update.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let u = User::update_one(db, "a@b.io", [user::name().set("B")]).await?;
/// let u = User::update_from_json(db, serde_json::json!({"email": "a@b.io", "name": "C"})).await?;
/// # Ok(()) }
/// ```
#[must_use = "nothing is updated until this is awaited"]
pub struct UpdateOne<'a, M: Model> {
    db: &'a Db,
    request: Result<(Single, Vec<Update<M>>), Error>,
}

impl<'a, M: Model> UpdateOne<'a, M> {
    pub(crate) fn new(db: &'a Db, request: Result<(Single, Vec<Update<M>>), Error>) -> Self {
        UpdateOne { db, request }
    }

    pub(crate) fn from_json(db: &'a Db, value: &serde_json::Value) -> Self {
        let mut json = JsonUpdates::new(value);
        M::json_updates(&mut json);
        let request = json
            .finish()
            .and_then(|(target, updates)| Ok((keys::resolve(target)?, updates)));
        UpdateOne { db, request }
    }
}

impl<'a, M: Model> IntoFuture for UpdateOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("update_one", &self.db.table_name(M::TABLE));
        traced(span, async move {
            let (single, updates) = self.request?;
            write::update(self.db, single, updates, &self.db.retry_policy()).await
        })
    }
}
