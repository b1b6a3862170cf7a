//! `update_one` and `update_from_json`: UpdateItem on an existing item, returning it as
//! it is afterwards.

use std::future::IntoFuture;

use crate::db::Db;
use crate::error::{Error, Violation};
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
    /// `update_from_json` on a versioned model given no version: its field's name.
    version_missing: Option<String>,
}

impl<'a, M: Model> UpdateOne<'a, M> {
    pub(crate) fn new(db: &'a Db, request: Result<(Single, Vec<Update<M>>), Error>) -> Self {
        UpdateOne {
            db,
            request,
            version_missing: None,
        }
    }

    pub(crate) fn from_json(db: &'a Db, value: &serde_json::Value) -> Self {
        let mut json = JsonUpdates::new(value);
        M::json_updates(&mut json);
        let (request, version_missing) = json.finish();
        let request = request.and_then(|(target, updates)| Ok((keys::resolve(target)?, updates)));
        UpdateOne {
            db,
            request,
            version_missing,
        }
    }

    /// For `update_from_json` on a versioned model: update the item whatever version is
    /// stored when the object gives none (its version is still incremented). Without this,
    /// an object with no version is refused (`Error::Validation` naming the field): a
    /// client that did not say which version it read must not overwrite a newer one.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// // An admin tool that means to overwrite, whatever clients did meanwhile:
    /// let u = User::update_from_json(db, serde_json::json!({"email": "a@b.io", "name": "C"}))
    ///     .any_version()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn any_version(mut self) -> Self {
        self.version_missing = None;
        self
    }

    /// The request, refused when a versioned model's object gave no version (with the
    /// object's other violations, all in one).
    fn checked(self) -> Result<(Single, Vec<Update<M>>), Error> {
        let Some(field) = self.version_missing else {
            return self.request;
        };
        let missing = Violation::new(
            field,
            "is required: the version the client read (an update of a versioned item is \
             checked against it)",
        );
        match self.request {
            Err(Error::Validation(mut v)) => {
                v.push(missing);
                Err(Error::Validation(v))
            }
            Err(e) => Err(e),
            Ok(_) => Err(Error::Validation(vec![missing])),
        }
    }
}

impl<'a, M: Model> IntoFuture for UpdateOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("update_one", &self.db.table(M::TABLE));
        let db = self.db;
        let request = self.checked();
        traced(span, move || write::update(db, request, db.retry_policy()))
    }
}
