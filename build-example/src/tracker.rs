//! An issue tracker on one single-table design (`tracker/`): projects, their issues and
//! the issues' comments in one table; a project page is one Query (the collection,
//! grouped by entity), so is an issue's thread (the issue and its comments: a
//! sub-collection, one `begins_with` Query), a project's open issues come from an
//! index keyed by the issues' own `project`, `status` and `created_at` (a
//! multi-attribute key), issues by assignee come from the table's index, and an issue is
//! edited with its version. Every answer is a model's JSON (the `serde` option) or a page
//! of them; every error is answered by the runtime (422 with every violation, 404, 409
//! with the stored item, 400 for a malformed request).
//!
//! ```text
//! POST  /projects                                 {"project", "name"}
//! GET   /projects/{project}?cursor=&limit=        {"project": [..], "issue": [..], "comment": [..], "cursor"}
//! POST  /projects/{project}/issues                {"title", "assignee"?}
//! GET   /projects/{project}/issues/{id}
//! PATCH /projects/{project}/issues/{id}           {"version", "title"?, "status"?, "assignee"?}
//! POST  /projects/{project}/issues/{id}/comments  {"author", "body"}
//! GET   /projects/{project}/issues/{id}/thread?cursor=&limit=  {"issue": [..], "comment": [..], "cursor"}
//! GET   /projects/{project}/open?cursor=&limit=   {"items": [..], "cursor"}
//! GET   /assignees/{email}/issues?cursor=&limit=  {"items": [..], "cursor"}
//! ```

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use dynamongo_runtime::http::{Object, PageQuery, Valid};
use dynamongo_runtime::ops::Page;
use dynamongo_runtime::prelude::*;
use dynamongo_runtime::uuid::Uuid;
use serde_json::{json, Value};

use crate::tracker_models::comment::Comment;
use crate::tracker_models::issue::{self, Issue, IssueStatus};
use crate::tracker_models::project::Project;
use crate::tracker_models::tracker::{self, ProjectGroups, ThreadGroups};

/// The routes, on a `Db` (whose cursor key signs the page cursors).
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/projects", post(create_project))
        .route("/projects/{project}", get(project))
        .route("/projects/{project}/issues", post(create_issue))
        .route("/projects/{project}/issues/{id}", get(issue).patch(edit))
        .route("/projects/{project}/issues/{id}/comments", post(comment))
        .route("/projects/{project}/issues/{id}/thread", get(thread))
        .route("/projects/{project}/open", get(open))
        .route("/assignees/{email}/issues", get(assigned))
        .with_state(db)
}

type Created<T> = Result<(StatusCode, Json<T>), Error>;

async fn create_project(State(db): State<Db>, Valid(p): Valid<Project>) -> Created<Project> {
    let saved = Project::save_one(&db, p).overwrite(false).await?; // 409 when it exists
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn project(
    State(db): State<Db>,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<ProjectGroups>, Error> {
    let page = tracker::project(&db, key).resume(q.cursor.clone());
    Ok(Json(page.page(q.size(50, 200)).await?.into()))
}

async fn create_issue(
    State(db): State<Db>,
    Path(key): Path<String>,
    Object(body): Object,
) -> Created<Issue> {
    Project::get_one(&db, key.clone()).await?; // 404 for an unknown project
    let issue = Issue::from_input_with(Value::Object(body), json!({ "project": key }))?;
    Ok((
        StatusCode::CREATED,
        Json(Issue::save_one(&db, issue).await?),
    ))
}

async fn issue(
    State(db): State<Db>,
    Path((key, id)): Path<(String, Uuid)>,
) -> Result<Json<Issue>, Error> {
    Ok(Json(Issue::get_one(&db, (key, id)).await?))
}

async fn edit(
    State(db): State<Db>,
    Path((key, id)): Path<(String, Uuid)>,
    Object(mut body): Object,
) -> Result<Json<Issue>, Error> {
    // The key from the path; the version the client read and the changes from the body.
    body.insert("project".into(), json!(key));
    body.insert("id".into(), json!(id));
    Ok(Json(
        Issue::update_from_json(&db, Value::Object(body)).await?,
    ))
}

async fn comment(
    State(db): State<Db>,
    Path((key, id)): Path<(String, Uuid)>,
    Object(body): Object,
) -> Created<Comment> {
    Issue::get_one(&db, (key.clone(), id)).await?; // 404 for an unknown issue
    let path = json!({ "project": key, "issue": id });
    let comment = Comment::from_input_with(Value::Object(body), path)?;
    Ok((
        StatusCode::CREATED,
        Json(Comment::save_one(&db, comment).await?),
    ))
}

async fn thread(
    State(db): State<Db>,
    Path((key, id)): Path<(String, Uuid)>,
    Query(q): Query<PageQuery>,
) -> Result<Json<ThreadGroups>, Error> {
    let page = tracker::thread(&db, (key, id)).resume(q.cursor.clone());
    Ok(Json(page.page(q.size(50, 200)).await?.into()))
}

async fn open(
    State(db): State<Db>,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Issue>>, Error> {
    let open = issue::project().eq(key) & issue::status().eq(IssueStatus::Open);
    let read = Issue::get_many(&db, open).descending(); // index `by_status`, newest first
    Ok(Json(
        read.resume(q.cursor.clone()).page(q.size(20, 100)).await?,
    ))
}

async fn assigned(
    State(db): State<Db>,
    Path(email): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Issue>>, Error> {
    let read = Issue::get_many(&db, issue::assignee().eq(email)).descending();
    Ok(Json(
        read.resume(q.cursor.clone()).page(q.size(20, 100)).await?,
    ))
}
