//! The notes service (`build_example::notes`) driven over real HTTP on a loopback port,
//! with hyper's client: what a client of the API sees — statuses, JSON bodies, cursors,
//! versions and errors.

use hyper::{Method, StatusCode};
use serde_json::json;

use build_example::models::note::Note;
use dynamongo_runtime::prelude::*;

mod common;
use common::Api;

/// The notes service on a new embedded store.
async fn start() -> Api {
    let db = Db::embedded().await.unwrap();
    Note::create_table(&db).await.unwrap();
    Api::serve(build_example::notes::router(db)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notes_api_over_http() {
    let api = start().await;

    // Create: 201, with the server's id, version, defaults and creation time.
    let (status, note) = api
        .call(
            Method::POST,
            "/tenants/acme/notes",
            Some(json!({"author": "ann@example.com", "title": "First"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["tenant"], "acme");
    assert_eq!(note["version"], 1);
    assert_eq!(note["priority"], 3);
    let id = note["id"].as_str().unwrap().to_string();
    assert!(
        note["created_at"].as_str().unwrap().ends_with('Z'),
        "RFC 3339: {note}"
    );

    // Invalid input: 422 (as axum answers data it cannot accept) with every violation, as
    // a list — the fields the server sets (read-only in spec/notes.json, and the version)
    // among them.
    let (status, err) = api
        .call(
            Method::POST,
            "/tenants/acme/notes",
            Some(json!({"author": "not an email", "priority": 9, "version": 7, "id": id, "tenant": "evil"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut paths: Vec<&str> = err["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        ["author", "id", "priority", "tenant", "title", "version"],
        "{err}"
    );
    let (status, err) = api.call(Method::POST, "/tenants/acme/notes", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an empty body is not JSON");
    assert_eq!(err["violations"][0]["path"], "body", "{err}");

    // Get: 200; a missing one 404; a bad id 400.
    let (status, got) = api
        .call(Method::GET, &format!("/tenants/acme/notes/{id}"), None)
        .await;
    assert_eq!((status, &got), (StatusCode::OK, &note));
    let missing = "00000000-0000-7000-8000-000000000000";
    let (status, err) = api
        .call(Method::GET, &format!("/tenants/acme/notes/{missing}"), None)
        .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = api
        .call(Method::GET, "/tenants/acme/notes/nope", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .call(Method::GET, &format!("/tenants/other/notes/{id}"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another tenant's note is not there"
    );

    // Versioned update: at the version read, 200 and the next version; stale, 409 with the
    // note as it is now.
    let (status, edited) = api
        .call(
            Method::PUT,
            &format!("/tenants/acme/notes/{id}"),
            Some(json!({"version": 1, "title": "First, edited"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        (edited["version"].as_i64(), edited["title"].as_str()),
        (Some(2), Some("First, edited"))
    );
    let (status, err) = api
        .call(
            Method::PUT,
            &format!("/tenants/acme/notes/{id}"),
            Some(json!({"version": 1, "title": "Lost update"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["stored"]["title"], "First, edited");
    let (status, _) = api
        .call(
            Method::PUT,
            &format!("/tenants/acme/notes/{id}"),
            Some(json!({"version": 2, "created_at": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "created_at is the server's"
    );
    // No version: the client did not say what it read, so nothing is overwritten blind.
    let (status, err) = api
        .call(
            Method::PUT,
            &format!("/tenants/acme/notes/{id}"),
            Some(json!({"title": "Blind"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["violations"][0]["path"], "version", "{err}");

    // List with cursors: 25 more notes, pages of 10, newest first, each once.
    for i in 0..25 {
        let author = if i % 2 == 0 {
            "ann@example.com"
        } else {
            "bob@example.com"
        };
        let (status, _) = api
            .call(
                Method::POST,
                "/tenants/acme/notes",
                Some(json!({"author": author, "title": format!("Note {i}")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/tenants/acme/notes?limit=10".to_string();
    loop {
        let (status, page) = api.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 10);
        seen.extend(
            items
                .iter()
                .map(|n| n["title"].as_str().unwrap().to_string()),
        );
        match page["next"].as_str() {
            Some(c) => path = format!("/tenants/acme/notes?limit=10&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 26);
    assert_eq!(seen[0], "Note 24", "newest first (uuid7 ids)");
    assert_eq!(seen[25], "First, edited");
    // A tampered cursor: 400.
    let (status, err) = api
        .call(Method::GET, "/tenants/acme/notes?cursor=AAAA.BBBB", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["violations"][0]["path"], "cursor");

    // The index query: one author's notes in this tenant.
    let (status, page) = api
        .call(
            Method::GET,
            "/tenants/acme/authors/bob@example.com/notes",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 12);
    // The handler meters its own calls: one index Query, at least half a read unit.
    assert!(page["read_units"].as_f64().unwrap() >= 0.5, "{page}");
}
