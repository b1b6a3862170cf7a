//! A multi-tenant notes API on dynamongo and axum: create, list with cursors, get, a
//! versioned update, an index query by author; every error answered as HTTP by the
//! runtime (`400` with every violation, `404`, `409` with the stored item, `503`).
//!
//! ```text
//! POST /tenants/{tenant}/notes              {"author", "title", "body"?, "priority"?}
//! GET  /tenants/{tenant}/notes?cursor=..    {"items": [...], "next": cursor | null}
//! GET  /tenants/{tenant}/notes/{id}
//! PUT  /tenants/{tenant}/notes/{id}         {"version", "title"?, "body"?, "priority"?}
//! GET  /tenants/{tenant}/authors/{author}/notes   {"items": [...], "read_units": n}
//! ```

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use dynamongo_runtime::http::Object;
use dynamongo_runtime::prelude::*;
use serde_json::{json, Value};

use crate::models::note::{self, Note};

/// The routes, on a `Db` (whose cursor key signs the page cursors).
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/tenants/{tenant}/notes", get(list).post(create))
        .route("/tenants/{tenant}/notes/{id}", get(read).put(edit))
        .route("/tenants/{tenant}/authors/{author}/notes", get(by_author))
        .with_state(db)
}

async fn create(
    State(db): State<Db>,
    Path(tenant): Path<String>,
    Object(body): Object,
) -> Result<(StatusCode, Json<Value>), Error> {
    // The tenant from the path; the id, version and creation time are the server's (a
    // body that sets them is refused: they are read-only in spec/notes.json).
    let note = Note::from_input_with(Value::Object(body), json!({ "tenant": tenant }))?;
    let saved = Note::save_one(&db, note).await?;
    Ok((StatusCode::CREATED, Json(saved.to_json())))
}

#[derive(serde::Deserialize)]
struct Page {
    cursor: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(db): State<Db>,
    Path(tenant): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<Value>, Error> {
    let mut read = Note::get_many(&db, note::tenant().eq(tenant)).descending();
    if let Some(c) = page.cursor {
        read = read.after(c);
    }
    let page = read.page(page.limit.unwrap_or(20).clamp(1, 100)).await?;
    let items: Vec<Value> = page.items.iter().map(Model::to_json).collect();
    Ok(Json(json!({ "items": items, "next": page.cursor })))
}

async fn read(
    State(db): State<Db>,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let id = parse_id(&id)?;
    Ok(Json(Note::get_one(&db, (tenant, id)).await?.to_json()))
}

async fn edit(
    State(db): State<Db>,
    Path((tenant, id)): Path<(String, String)>,
    Object(mut changes): Object,
) -> Result<Json<Value>, Error> {
    // The key from the path; the fields, and the version the client read, from the body
    // (a stale version is 409 with the note as it is now; a read-only field, 400).
    changes.insert("tenant".into(), json!(tenant));
    changes.insert("id".into(), json!(parse_id(&id)?.to_string()));
    let updated = Note::update_from_json(&db, Value::Object(changes)).await?;
    Ok(Json(updated.to_json()))
}

async fn by_author(
    State(db): State<Db>,
    Path((tenant, author)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    // This request's calls go through a metered copy of the connection: what they
    // consumed is in the answer (an index query with a filter pays for what it discards).
    let (db, meter) = db.metered();
    let notes = Note::query(&db, note::by_author().eq(author))
        .filter(note::tenant().eq(tenant))
        .descending()
        .limit(100)
        .await?;
    let items: Vec<Value> = notes.iter().map(Model::to_json).collect();
    Ok(Json(
        json!({ "items": items, "read_units": meter.total().read_units }),
    ))
}

fn parse_id(id: &str) -> Result<dynamongo_runtime::uuid::Uuid, Error> {
    id.parse().map_err(|_| {
        Error::BadRequest(vec![dynamongo_runtime::error::Violation::new(
            "id",
            format!("`{id}` is not a note id"),
        )])
    })
}
