//! `delete_one`: DeleteItem, returning the item deleted.

use std::future::IntoFuture;

use crate::db::Db;
use crate::error::Error;
use crate::keys::Single;
use crate::model::Model;
use crate::trace::{self, traced, BoxFuture};
use crate::write;

/// `User::delete_one(&db, strategy)`: the item deleted, or `None` when nothing matched.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let deleted: Option<User> = User::delete_one(db, "a@b.io").await?;
/// # Ok(()) }
/// ```
#[must_use = "nothing is deleted until this is awaited"]
pub struct DeleteOne<'a, M> {
    db: &'a Db,
    single: Result<Single, Error>,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<'a, M: Model> DeleteOne<'a, M> {
    pub(crate) fn new(db: &'a Db, single: Result<Single, Error>) -> Self {
        DeleteOne {
            db,
            single,
            _model: std::marker::PhantomData,
        }
    }
}

impl<'a, M: Model> IntoFuture for DeleteOne<'a, M> {
    type Output = Result<Option<M>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("delete_one", &self.db.table(M::TABLE));
        traced(span, move || async move {
            write::delete(
                self.db,
                write::live_only::<M>(self.single?),
                &self.db.retry_policy(),
                None,
            )
            .await
        })
    }
}
