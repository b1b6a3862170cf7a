//! The issue tracker (`build_example::tracker`) driven over real HTTP on a loopback port:
//! its nine endpoints as a client sees them — a project page grouped by entity, an issue's
//! thread (a sub-collection), open issues (an index keyed by the issues' own attributes),
//! issues by assignee, a versioned edit that reassigns (rewriting the index keys from the stored
//! creation time), and the errors the runtime answers.

use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use dynamongo_runtime::Db;

mod common;
use common::Api;

async fn start() -> Api {
    let db = Db::embedded().await.unwrap();
    build_example::tracker_models::tracker::create_table(&db)
        .await
        .unwrap();
    Api::serve(build_example::tracker::router(db)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracker_over_http() {
    let api = start().await;
    let post = |path: &'static str, body: Value| {
        let api = &api;
        async move { api.call(Method::POST, path, Some(body)).await }
    };

    // A project; the same key again is 409 with the stored project as its JSON.
    let (status, p) = post("/projects", json!({"project": "CORE", "name": "Core"})).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert!(p["created_at"].is_string(), "{p}");
    let (status, err) = post("/projects", json!({"project": "CORE", "name": "Again"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["stored"]["name"], "Core", "{err}");
    // Every violation at once; a read-only field is refused.
    let (status, err) = post(
        "/projects",
        json!({"project": "core", "created_at": "2020-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let paths: Vec<&str> = err["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["created_at", "project", "name"], "{err}");

    // Issues: the server makes the id, version and creation time.
    let mut ids = Vec::new();
    for (title, assignee) in [
        ("Crash on start", "ann@example.com"),
        ("Slow page", "bob@example.com"),
        ("Typo", "ann@example.com"),
    ] {
        let (status, issue) = api
            .call(
                Method::POST,
                "/projects/CORE/issues",
                Some(json!({"title": title, "assignee": assignee})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{issue}");
        assert_eq!(
            (issue["version"].as_i64(), issue["status"].as_str()),
            (Some(1), Some("open"))
        );
        ids.push(issue["id"].as_str().unwrap().to_string());
    }
    let (status, err) = api
        .call(
            Method::POST,
            "/projects/NOPE/issues",
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");

    // Comments on the first issue; one on an unknown issue is 404.
    for body in ["I see it too", "Fixed on main?"] {
        let path = format!("/projects/CORE/issues/{}/comments", ids[0]);
        let (status, c) = api
            .call(
                Method::POST,
                &path,
                Some(json!({"author": "bob@example.com", "body": body})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        assert_eq!(c["issue"], ids[0].as_str());
    }
    let unknown = "/projects/CORE/issues/0191f1a6-0000-7000-8000-000000000000/comments";
    let (status, _) = api
        .call(
            Method::POST,
            unknown,
            Some(json!({"author": "bob@example.com", "body": "?"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The project page: one Query, grouped by entity, in pages with a cursor.
    let (status, page) = api.call(Method::GET, "/projects/CORE?limit=4", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let count = |p: &Value, k: &str| p[k].as_array().map_or(0, Vec::len);
    let cursor = page["cursor"].as_str().expect("a second page").to_string();
    let (_, rest) = api
        .call(
            Method::GET,
            &format!("/projects/CORE?limit=4&cursor={cursor}"),
            None,
        )
        .await;
    assert!(rest.get("cursor").is_none(), "{rest}");
    let total = |k: &str| count(&page, k) + count(&rest, k);
    assert_eq!(
        (total("project"), total("issue"), total("comment")),
        (1, 3, 2)
    );
    // A cursor of another query is refused.
    let (status, err) = api
        .call(
            Method::GET,
            &format!("/projects/OTHER?cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");

    // An issue's thread: the issue and its comments, one `begins_with` Query (a
    // sub-collection); the next issue's thread holds none of them.
    let thread = |id: &str| format!("/projects/CORE/issues/{id}/thread");
    let (status, first) = api.call(Method::GET, &thread(&ids[0]), None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((count(&first, "issue"), count(&first, "comment")), (1, 2));
    assert_eq!(first["issue"][0]["id"], ids[0].as_str());
    assert_eq!(first["comment"][1]["body"], "Fixed on main?");
    let (_, second) = api.call(Method::GET, &thread(&ids[1]), None).await;
    assert_eq!((count(&second, "issue"), count(&second, "comment")), (1, 0));

    // Issues by assignee, newest first, from the index.
    let (_, anns) = api
        .call(Method::GET, "/assignees/ann@example.com/issues", None)
        .await;
    let titles: Vec<&str> = anns["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Typo", "Crash on start"], "{anns}");

    // A versioned edit that reassigns: the index keys are rewritten (their template's
    // `created_at` read from the stored issue); a stale version is 409, none is 422.
    let path = format!("/projects/CORE/issues/{}", ids[1]);
    let (status, edited) = api
        .call(
            Method::PATCH,
            &path,
            Some(json!({"version": 1, "assignee": "ann@example.com", "status": "closed"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        (edited["version"].as_i64(), edited["assignee"].as_str()),
        (Some(2), Some("ann@example.com"))
    );
    let (_, anns) = api
        .call(
            Method::GET,
            "/assignees/ann@example.com/issues?limit=10",
            None,
        )
        .await;
    assert_eq!(anns["items"].as_array().unwrap().len(), 3, "{anns}");
    let (_, bobs) = api
        .call(Method::GET, "/assignees/bob@example.com/issues", None)
        .await;
    assert_eq!(bobs["items"], json!([]), "{bobs}");
    let (status, err) = api
        .call(
            Method::PATCH,
            &path,
            Some(json!({"version": 1, "title": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["stored"]["version"], 2, "{err}");
    let (status, _) = api
        .call(Method::PATCH, &path, Some(json!({"title": "x"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, issue) = api.call(Method::GET, &path, None).await;
    assert_eq!(
        (status, issue["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );

    // The project's open issues, newest first: the closed one has left the index
    // `by_status` (keyed by the issues' `project`, `status` and `created_at`).
    let (status, open) = api.call(Method::GET, "/projects/CORE/open", None).await;
    assert_eq!(status, StatusCode::OK, "{open}");
    let open: Vec<&str> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(open, [ids[2].as_str(), ids[0].as_str()]);
}

#[tokio::test]
async fn open_issues_are_read_from_the_multi_attribute_index() {
    use build_example::tracker_models::issue::{self, Issue, IssueStatus};
    use dynamongo_runtime::prelude::*;
    let db = Db::embedded().await.unwrap();
    let open = issue::project().eq("CORE") & issue::status().eq(IssueStatus::Open);
    let plan = Issue::get_many(&db, open).explain().unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_status"), "{plan}");
    // The project alone is the table's partition (`project#{project}`), not the index.
    let plan = Issue::get_many(&db, issue::project().eq("CORE"))
        .explain()
        .unwrap();
    assert_eq!(plan.index, None, "{plan}");
}
