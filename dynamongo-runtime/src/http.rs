//! axum glue (feature `axum`): [`Error`] answers as an HTTP response — its
//! [`http_status`](Error::http_status) and [`http_body`](Error::http_body) — and [`Valid`]
//! reads a request body as a model, validated as `from_json` validates it, refusing an
//! invalid one with 422 and every violation as a list (axum's own `Json` extractor answers
//! 422 too, with serde's first error as one string), and a body that is not JSON with 400.
//! [`set_validation_status`](crate::error::set_validation_status) makes invalid data 400.
//!
//! ```
//! use axum::{routing::post, Router};
//! use dynamongo_runtime::http::Valid;
//! use dynamongo_runtime::prelude::*;
//! use dynamongo_runtime::codegen::example::user::User;
//!
//! async fn create(db: axum::extract::State<Db>, Valid(user): Valid<User>) -> Result<String, Error> {
//!     let saved = User::save_one(&db, user).overwrite(false).await?; // 409 if it exists
//!     Ok(saved.email)
//! }
//! # fn app(db: Db) -> Router {
//! Router::new().route("/users", post(create)).with_state(db)
//! # }
//! ```

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{Error, Violation};
use crate::model::Model;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            // The body hides the internals; the log keeps them.
            tracing::error!(error = %self, "dynamongo: request failed");
        }
        json(status, &self.http_body())
    }
}

/// The query string of a paged route, `?cursor=...&limit=...`: read it with axum's
/// `Query`, and give the cursor to `.resume(..)` and the size to `.page(..)`.
///
/// ```
/// use axum::extract::{Query, State};
/// use axum::Json;
/// use dynamongo_runtime::http::PageQuery;
/// use dynamongo_runtime::ops::Page;
/// use dynamongo_runtime::prelude::*;
/// use dynamongo_runtime::codegen::example::user::{self, User};
///
/// async fn list(State(db): State<Db>, Query(q): Query<PageQuery>) -> Result<Json<Vec<String>>, Error> {
///     let page: Page<User> = User::get_many(&db, user::email().exists())
///         .resume(q.cursor.clone())
///         .page(q.size(20, 100))
///         .await?;
///     Ok(Json(page.items.into_iter().map(|u| u.email).collect()))
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct PageQuery {
    /// The cursor of the page before (its `cursor`), absent for the first page.
    pub cursor: Option<String>,
    /// The page size asked for.
    pub limit: Option<usize>,
}

impl PageQuery {
    /// The page size: the one asked for within `1..=max`, or `default`.
    ///
    /// ```
    /// use dynamongo_runtime::http::PageQuery;
    /// let q = PageQuery { cursor: None, limit: Some(500) };
    /// assert_eq!((q.size(20, 100), PageQuery::default().size(20, 100)), (100, 20));
    /// ```
    pub fn size(&self, default: usize, max: usize) -> usize {
        self.limit.unwrap_or(default).clamp(1, max.max(1))
    }
}

/// A JSON response.
pub fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A request body read as the model `T` and validated ([`Model::from_input`]): defaults
/// applied, every rule checked, unknown fields refused, and so are the fields the server
/// sets (read-only fields, the version). A body that is not JSON is answered with 400
/// (`Error::BadRequest`); one that breaks the rules with 422 and every violation
/// (`Error::Validation`).
#[derive(Debug, Clone, PartialEq)]
pub struct Valid<T>(pub T);

impl<S: Send + Sync, T: Model> FromRequest<S> for Valid<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        T::from_input(json_body(req, state).await?).map(Valid)
    }
}

/// A request body that is a JSON object, for what a route builds itself from the body and
/// its path (`Model::from_json_with`, `update_from_json`). JSON of another kind is answered
/// with 422 (`Error::Validation`), a body that is not JSON with 400 (`Error::BadRequest`).
#[derive(Debug, Clone, PartialEq)]
pub struct Object(pub serde_json::Map<String, serde_json::Value>);

impl<S: Send + Sync> FromRequest<S> for Object {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match json_body(req, state).await? {
            serde_json::Value::Object(o) => Ok(Object(o)),
            other => Err(Error::Validation(vec![Violation::new(
                "",
                format!("the body must be a JSON object, not {}", kind(&other)),
            )])),
        }
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The body as JSON, or 400.
async fn json_body<S: Send + Sync>(req: Request, state: &S) -> Result<serde_json::Value, Error> {
    let bad = |m: String| Error::BadRequest(vec![Violation::new("body", m)]);
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(|e| bad(format!("the body cannot be read: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| bad(format!("the body is not JSON: {e}")))
}
