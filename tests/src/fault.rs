//! A loopback proxy in front of the embedded store that makes batch calls fail the way
//! AWS DynamoDB does under load — the embedded store itself never does:
//!
//! - **unprocessed**: part of a BatchWriteItem / BatchGetItem is held back and returned as
//!   `UnprocessedItems` / `UnprocessedKeys` (the rest goes through);
//! - **throttle**: `ProvisionedThroughputExceededException` (HTTP 400);
//! - **server error**: `InternalServerError` (HTTP 500);
//! - **drop**: the connection is closed without an answer (before the store sees it).
//!
//! Transactions (TransactWriteItems, TransactGetItems) get the throttle, server error and
//! drop rates too, and two faults of their own:
//!
//! - **conflict**: `TransactionCanceledException` with a `TransactionConflict` reason, as
//!   when another transaction holds one of the items (nothing applied);
//! - **lost reply**: the call reaches the store and is applied, then the answer is lost
//!   (HTTP 500): the client cannot tell, and retries.
//!
//! Each rate applies to batch and transaction calls only, unless `items` is set: then the
//! single-item calls (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan) get the drop,
//! throttle and server error rates too, and the writes among them the lost-reply rate.
//! Every request is counted by operation (`Stats::take_requests`), to check how many a
//! call made. Decisions come from a seeded generator, so a run is repeatable in its fault
//! counts.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

/// Fault rates, each in 0.0..=1.0, per batch call.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Share of batch calls answered with part of their items unprocessed.
    pub unprocessed: f64,
    /// Share of batch calls throttled.
    pub throttle: f64,
    /// Share of batch calls answered with HTTP 500.
    pub server_error: f64,
    /// Share of batch calls whose connection is dropped.
    pub drop: f64,
    /// Share of transaction calls cancelled with a `TransactionConflict` reason.
    pub conflict: f64,
    /// Share of transaction calls (and, with `items`, single-item writes) applied by the
    /// store and then answered with HTTP 500.
    pub lost_reply: f64,
    /// Fault single-item calls too.
    pub items: bool,
    /// Share of CreateTable calls applied by the store and then answered with HTTP 500.
    pub create_table_lost: f64,
    /// Seed of the generator.
    pub seed: u64,
}

/// What the proxy did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Batch calls seen.
    pub batch_calls: AtomicU64,
    /// Calls answered with some items unprocessed.
    pub unprocessed_calls: AtomicU64,
    /// Items or keys held back in total.
    pub held_back: AtomicU64,
    /// Calls throttled.
    pub throttled: AtomicU64,
    /// Calls answered with 500.
    pub server_errors: AtomicU64,
    /// Connections dropped.
    pub dropped: AtomicU64,
    /// Transaction calls seen.
    pub transact_calls: AtomicU64,
    /// Transactions cancelled with a conflict.
    pub conflicts: AtomicU64,
    /// Transactions applied whose answer was replaced by a 500.
    pub lost_replies: AtomicU64,
    /// Requests seen, by operation (`PutItem`, ...).
    pub requests: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Stats {
    /// The requests seen since the last call, by operation; the count starts again.
    pub fn take_requests(&self) -> std::collections::BTreeMap<String, u64> {
        std::mem::take(&mut *self.requests.lock().expect("stats lock"))
    }
}

/// A running proxy; it stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    /// Counters of what was injected.
    pub stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    upstream: SocketAddr,
    faults: Faults,
    counter: AtomicU64,
    stats: Arc<Stats>,
}

impl Shared {
    /// A uniform number in [0, 1) from the seed and a counter (splitmix64).
    fn roll(&self) -> f64 {
        let mut z = self.faults.seed.wrapping_add(
            self.counter
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 in front of `upstream` (`http://127.0.0.1:port`).
    pub async fn start(upstream: &str, faults: Faults) -> FaultProxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("upstream is http://ip:port");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let stats = Arc::new(Stats::default());
        let shared = Arc::new(Shared {
            upstream,
            faults,
            counter: AtomicU64::new(0),
            stats: stats.clone(),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy { addr, stats, task }
    }

    /// The proxy's address, for `Db::builder().endpoint_url(..)`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A `Db` that goes through the proxy, retrying as `policy` says.
    pub async fn db(
        &self,
        policy: dynamongo_runtime::config::RetryPolicy,
    ) -> dynamongo_runtime::Db {
        dynamongo_runtime::Db::builder()
            .endpoint_url(self.url())
            .region("us-east-1")
            .credentials("dynamongo-embedded", "dynamongo-embedded")
            .build()
            .await
            .expect("a Db through the proxy")
            .with_retry_policy(policy)
    }
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

fn json_response(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    r
}

fn error_body(kind: &str) -> Value {
    json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": "injected by the fault proxy"})
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let operation = target.rsplit('.').next().unwrap_or_default().to_string();
    *shared
        .stats
        .requests
        .lock()
        .expect("stats lock")
        .entry(operation.clone())
        .or_default() += 1;
    let is_write = target.ends_with(".BatchWriteItem");
    let is_get = target.ends_with(".BatchGetItem");
    let is_transact =
        target.ends_with(".TransactWriteItems") || target.ends_with(".TransactGetItems");
    let item_write = ["PutItem", "UpdateItem", "DeleteItem"].contains(&operation.as_str());
    let item_call = shared.faults.items
        && (item_write || ["GetItem", "Query", "Scan"].contains(&operation.as_str()));
    if operation == "CreateTable" && shared.roll() < shared.faults.create_table_lost {
        return applied_then_lost(&shared, parts, body).await;
    }
    if !(is_write || is_get || is_transact || item_call) {
        return forward(&shared, parts, body).await.map(|(r, _)| r);
    }
    let s = &shared.stats;
    let f = shared.faults;
    let roll = shared.roll();
    if item_call {
        let common = f.drop + f.throttle + f.server_error;
        if roll >= common {
            if item_write && roll < common + f.lost_reply {
                return applied_then_lost(&shared, parts, body).await;
            }
            return forward(&shared, parts, body).await.map(|(r, _)| r);
        }
    } else if is_transact {
        s.transact_calls.fetch_add(1, Ordering::Relaxed);
        let common = f.drop + f.throttle + f.server_error;
        if roll >= common {
            let roll = roll - common;
            if roll < f.conflict {
                s.conflicts.fetch_add(1, Ordering::Relaxed);
                return Ok(conflict(&body));
            }
            if roll < f.conflict + f.lost_reply {
                return applied_then_lost(&shared, parts, body).await;
            }
            return forward(&shared, parts, body).await.map(|(r, _)| r);
        }
    } else {
        s.batch_calls.fetch_add(1, Ordering::Relaxed);
    }
    if roll < f.drop {
        s.dropped.fetch_add(1, Ordering::Relaxed);
        return Err(Dropped);
    }
    if roll < f.drop + f.throttle {
        s.throttled.fetch_add(1, Ordering::Relaxed);
        return Ok(json_response(
            StatusCode::BAD_REQUEST,
            error_body("ProvisionedThroughputExceededException"),
        ));
    }
    if roll < f.drop + f.throttle + f.server_error {
        s.server_errors.fetch_add(1, Ordering::Relaxed);
        return Ok(json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_body("InternalServerError"),
        ));
    }
    if shared.roll() >= f.unprocessed {
        return forward(&shared, parts, body).await.map(|(r, _)| r);
    }
    // Hold back part of the request and report it unprocessed.
    let Ok(mut request) = serde_json::from_slice::<Value>(&body) else {
        return forward(&shared, parts, body).await.map(|(r, _)| r);
    };
    let mut held = serde_json::Map::new();
    let mut any_left = false;
    if let Some(tables) = request
        .get_mut("RequestItems")
        .and_then(Value::as_object_mut)
    {
        for (table, entry) in tables.iter_mut() {
            let list = if is_write {
                Some(entry)
            } else {
                entry.get_mut("Keys")
            };
            let Some(Value::Array(list)) = list else {
                continue;
            };
            let mut kept = Vec::new();
            let mut back = Vec::new();
            for (i, x) in std::mem::take(list).into_iter().enumerate() {
                // Hold back about half, always at least the first.
                if i == 0 || shared.roll() < 0.5 {
                    back.push(x);
                } else {
                    kept.push(x);
                }
            }
            s.held_back.fetch_add(back.len() as u64, Ordering::Relaxed);
            any_left |= !kept.is_empty();
            *list = kept;
            held.insert(table.clone(), Value::Array(back));
        }
    }
    s.unprocessed_calls.fetch_add(1, Ordering::Relaxed);
    let tables: Vec<String> = held.keys().cloned().collect();
    let mut answer = if any_left {
        if let Some(t) = request
            .get_mut("RequestItems")
            .and_then(Value::as_object_mut)
        {
            t.retain(|_, v| match v {
                Value::Array(a) => !a.is_empty(),
                other => other
                    .get("Keys")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty()),
            });
        }
        let (r, bytes) = forward(&shared, parts.clone(), Bytes::from(request.to_string())).await?;
        if r.status() != StatusCode::OK {
            return Ok(r);
        }
        serde_json::from_slice::<Value>(&bytes).map_err(|_| Dropped)?
    } else if is_write {
        json!({"UnprocessedItems": {}})
    } else {
        json!({"Responses": tables.iter().map(|t| (t.clone(), json!([]))).collect::<serde_json::Map<_, _>>(), "UnprocessedKeys": {}})
    };
    let key = if is_write {
        "UnprocessedItems"
    } else {
        "UnprocessedKeys"
    };
    let original: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let slot = answer
        .as_object_mut()
        .ok_or(Dropped)?
        .entry(key)
        .or_insert_with(|| json!({}));
    for (table, back) in held {
        let Value::Array(mut back) = back else {
            continue;
        };
        if back.is_empty() {
            continue;
        }
        if is_write {
            let existing = slot[&table].as_array().cloned().unwrap_or_default();
            back.extend(existing);
            slot[&table] = Value::Array(back);
        } else {
            let mut entry = original["RequestItems"][&table].clone();
            let existing = slot[&table]["Keys"].as_array().cloned().unwrap_or_default();
            back.extend(existing);
            entry["Keys"] = Value::Array(back);
            slot[&table] = entry;
        }
    }
    Ok(json_response(StatusCode::OK, answer))
}

/// The call reaches the store and is applied; its answer is replaced by a 500.
async fn applied_then_lost(
    shared: &Shared,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (r, _) = forward(shared, parts, body).await?;
    if r.status() != StatusCode::OK {
        return Ok(r);
    }
    shared.stats.lost_replies.fetch_add(1, Ordering::Relaxed);
    Ok(json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        error_body("InternalServerError"),
    ))
}

/// A cancellation as DynamoDB sends it when another transaction holds an item: one reason
/// per action, `TransactionConflict` on the first, `None` on the others.
fn conflict(body: &Bytes) -> Response<Full<Bytes>> {
    let actions = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|r| r["TransactItems"].as_array().map(Vec::len))
        .unwrap_or(1)
        .max(1);
    let reasons: Vec<Value> = (0..actions)
        .map(|i| match i {
            0 => json!({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}),
            _ => json!({"Code": "None"}),
        })
        .collect();
    let codes: Vec<&str> = (0..actions)
        .map(|i| {
            if i == 0 {
                "TransactionConflict"
            } else {
                "None"
            }
        })
        .collect();
    json_response(
        StatusCode::BAD_REQUEST,
        json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", codes.join(", ")),
            "CancellationReasons": reasons,
        }),
    )
}

async fn forward(
    shared: &Shared,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<(Response<Full<Bytes>>, Bytes), Dropped> {
    let stream = tokio::net::TcpStream::connect(shared.upstream)
        .await
        .map_err(|_| Dropped)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Dropped)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = Request::from_parts(parts, Full::new(body.clone()));
    req.headers_mut().remove("content-length");
    req.headers_mut().insert(
        "content-length",
        hyper::header::HeaderValue::from(body.len()),
    );
    let resp = sender.send_request(req).await.map_err(|_| Dropped)?;
    let (mut parts, body) = resp.into_parts();
    let bytes = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    // The body may be rewritten: drop the checksum and length, hyper sets the length.
    parts.headers.remove("x-amz-crc32");
    parts.headers.remove("content-length");
    Ok((Response::from_parts(parts, Full::new(bytes.clone())), bytes))
}
