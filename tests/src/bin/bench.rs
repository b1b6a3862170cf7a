//! Side-by-side benchmarks on the embedded store: dynamongo vs raw aws-sdk-dynamodb code
//! with the same chunking and concurrency, interleaved in one process; peak memory of a
//! streamed scan; code generation time. See BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p dynamongo-tests --bin bench -- [--quick] [--ops] [--bulk] [--metering] [--backfill] [--calls] [--profile-calls OP ours|raw|both] [--sdk-cuts] [--encryption] [--single-table] [--transact] [--memory] [--codegen] [--compile-time]
//! ```
//!
//! Each comparison prints `<name>: ours <x> items/s, raw <y> items/s, ratio <x/y>`.

use std::collections::HashMap;
use std::io::{BufRead, Write as _};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, PutRequest, ReturnConsumedCapacity, WriteRequest,
};
use dynamongo_runtime::prelude::*;
use dynamongo_runtime::{config::RetryPolicy, field::Document};
use dynamongo_tests::models::order::{self, Order};
use dynamongo_tests::models::user::{self, User};
use futures::{stream, StreamExt};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const CONCURRENCY: usize = 8;

/// The system allocator, counting the allocations each thread makes: `--calls` reports
/// allocations per call on the current-thread runtime (where every step of a call runs on
/// one thread), the figure a differential profile of ours against raw starts from.
struct Counting;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// SAFETY: every method defers to `System`; the count is a thread-local `Cell` with no
// destructor, which allocates nothing.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { std::alloc::System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations (and reallocations) made on this thread so far.
fn allocations() -> u64 {
    ALLOCATIONS.with(|n| n.get())
}

fn users(prefix: &str, n: usize) -> Vec<User> {
    (0..n)
        .map(|i| {
            let mut u = User::new(
                format!("{prefix}{i:07}@bench.io"),
                format!("User number {i}"),
            );
            u.year_of_birth = Some(1900 + (i % 118) as i64);
            u.cities_visited = vec!["Nairobi".into(), "New York".into()];
            u
        })
        .collect()
}

fn key(email: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([("email".to_string(), AttributeValue::S(email.to_string()))])
}

/// What a comparison measures.
#[derive(Clone, Copy, PartialEq)]
enum Clock {
    /// Elapsed time: items per second.
    Wall,
    /// CPU time of the whole process (every thread, from `/proc/self/task/*/schedstat`):
    /// work per item. Both sides share the in-process store, which does the same work for
    /// both, so a difference is the client's.
    Cpu,
    /// CPU time of every thread but the embedded store's: the client's own work per item.
    ClientCpu,
}

impl Clock {
    fn now(self) -> Duration {
        match self {
            Clock::Wall => START.elapsed(),
            Clock::Cpu => process_cpu(false).unwrap_or_else(|| START.elapsed()),
            Clock::ClientCpu => process_cpu(true).unwrap_or_else(|| START.elapsed()),
        }
    }
}

static START: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

/// CPU time used by the threads of this process so far (Linux), in nanoseconds; with
/// `client_only`, all but the embedded store's thread (`dynamongo-embedded`).
fn process_cpu(client_only: bool) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path();
        if client_only {
            let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if name.starts_with("dynamongo-embed") {
                continue;
            }
        }
        let stat = std::fs::read_to_string(path.join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// CPU time of the embedded store's thread so far: the process's less the client's.
fn store_cpu() -> Option<Duration> {
    Some(process_cpu(false)? - process_cpu(true)?)
}

/// The median and spread of per-round ratios.
fn summary(mut ratios: Vec<f64>) -> (f64, f64, f64) {
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let median = if n % 2 == 1 {
        ratios[n / 2]
    } else {
        (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0
    };
    (median, ratios[0], ratios[n - 1])
}

/// PutRequests of `users` for the raw BatchWriteItem loop.
fn put_requests(users: &[User]) -> Res<Vec<WriteRequest>> {
    let reqs: Result<Vec<WriteRequest>, _> = users
        .iter()
        .map(|u| {
            PutRequest::builder()
                .set_item(Some(u.to_item()))
                .build()
                .map(|p| WriteRequest::builder().put_request(p).build())
        })
        .collect();
    Ok(reqs?)
}

/// DeleteRequests of `users`' keys for the raw BatchWriteItem loop.
fn delete_requests(users: &[User]) -> Res<Vec<WriteRequest>> {
    let reqs: Result<Vec<WriteRequest>, _> = users
        .iter()
        .map(|u| {
            aws_sdk_dynamodb::types::DeleteRequest::builder()
                .set_key(Some(key(&u.email)))
                .build()
                .map(|d| WriteRequest::builder().delete_request(d).build())
        })
        .collect();
    Ok(reqs?)
}

/// save_many against the raw BatchWriteItem loop: round `r` saves `all[2r]` (ours) and
/// `all[2r + 1]` (raw), fresh items each.
async fn save_many_vs_raw(db: &Db, rounds: usize, batch: usize, all: &[Vec<User>]) -> Res<f64> {
    compare(
        "save_many vs BatchWriteItem",
        rounds,
        batch,
        |r| async move {
            let res = User::save_many(db, all[2 * r].clone()).await?;
            assert_eq!(res.fail_count(), 0);
            Ok(())
        },
        |r| async move { raw_batch_write(db, "users", put_requests(&all[2 * r + 1])?).await },
    )
    .await
}

/// delete_many against the raw BatchWriteItem deletes, of what `save_many_vs_raw` saved.
async fn delete_many_vs_raw(db: &Db, rounds: usize, batch: usize, all: &[Vec<User>]) -> Res<f64> {
    compare(
        "delete_many vs BatchWriteItem deletes",
        rounds,
        batch,
        |r| async move {
            let keys: Vec<String> = all[2 * r].iter().map(|u| u.email.clone()).collect();
            let res = User::delete_many(db, keys).await?;
            assert_eq!(res.fail_count(), 0);
            Ok(())
        },
        |r| async move { raw_batch_write(db, "users", delete_requests(&all[2 * r + 1])?).await },
    )
    .await
}

/// Times `ours` and `raw` alternately for `rounds` rounds of `items` items each (wall
/// clock): the median of the per-round ratios, with their spread.
async fn compare<F1, F2, Fut1, Fut2>(
    name: &str,
    rounds: usize,
    items: usize,
    ours: F1,
    raw: F2,
) -> Res<f64>
where
    F1: FnMut(usize) -> Fut1,
    F2: FnMut(usize) -> Fut2,
    Fut1: std::future::Future<Output = Res<()>>,
    Fut2: std::future::Future<Output = Res<()>>,
{
    Ok(measure(Clock::Wall, name, rounds, items, ours, raw)
        .await?
        .median)
}

/// `--profile-calls <op> <ours|raw|both>`: the one operation of `--calls` (`get_one`,
/// `save_one`, `update_one`, `get_many`) and the one side that runs (or both, interleaved),
/// on the current-thread runtime only: for a profiler (`perf record`, `valgrind
/// --tool=callgrind`) to compare ours with raw symbol by symbol.
static PROFILE: std::sync::OnceLock<(String, Option<bool>)> = std::sync::OnceLock::new();

/// What a comparison measured: the median of the per-round ratios (raw / ours) and their
/// spread, and each side's cost per item (µs, of the comparison's clock).
#[derive(Default)]
struct Measured {
    median: f64,
    ours: f64,
    raw: f64,
    /// The embedded store's own CPU per item (µs, its thread alone) serving ours.
    store: f64,
    /// ... and serving raw.
    store_raw: f64,
    /// Allocations per item on the thread that ran ours (all of them on a current-thread
    /// runtime).
    allocs: f64,
    /// ... and raw.
    allocs_raw: f64,
}

/// As [`compare`], on `clock`, with each side's cost per item: for [`Clock::Cpu`] the
/// ratio is raw's CPU per item over ours (above 1: ours spends less).
async fn measure<F1, F2, Fut1, Fut2>(
    clock: Clock,
    name: &str,
    rounds: usize,
    items: usize,
    mut ours: F1,
    mut raw: F2,
) -> Res<Measured>
where
    F1: FnMut(usize) -> Fut1,
    F2: FnMut(usize) -> Fut2,
    Fut1: std::future::Future<Output = Res<()>>,
    Fut2: std::future::Future<Output = Res<()>>,
{
    let profiled = PROFILE.get();
    if profiled.is_some_and(|(op, _)| !name.starts_with(op.as_str())) {
        return Ok(Measured::default());
    }
    let (mut t_ours, mut t_raw) = (Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::with_capacity(rounds);
    // The store's CPU while each side runs (its requests' cost on the server side).
    let (mut s_ours, mut s_raw) = (Duration::ZERO, Duration::ZERO);
    let (mut n_ours, mut n_raw) = (0, 0);
    for round in 0..rounds {
        // Alternate which goes first, so neither always meets a warmer store.
        let (mut a, mut b) = (Duration::ZERO, Duration::ZERO);
        for side in [round % 2, 1 - round % 2] {
            if profiled.is_some_and(|(_, ours)| ours.is_some_and(|o| o != (side == 0))) {
                continue;
            }
            let t = clock.now();
            let s = store_cpu().unwrap_or_default();
            let n = allocations();
            if side == 0 {
                ours(round).await?;
                a = clock.now() - t;
                s_ours += store_cpu().unwrap_or_default().saturating_sub(s);
                n_ours += allocations() - n;
            } else {
                raw(round).await?;
                b = clock.now() - t;
                s_raw += store_cpu().unwrap_or_default().saturating_sub(s);
                n_raw += allocations() - n;
            }
        }
        t_ours += a;
        t_raw += b;
        ratios.push(b.as_secs_f64() / a.as_secs_f64().max(1e-9));
    }
    let total = (rounds * items) as f64;
    let (median, lo, hi) = summary(ratios);
    let per = |t: Duration| t.as_secs_f64() * 1e6 / total;
    let measured = Measured {
        median,
        ours: per(t_ours),
        raw: per(t_raw),
        store: per(s_ours),
        store_raw: per(s_raw),
        allocs: n_ours as f64 / total,
        allocs_raw: n_raw as f64 / total,
    };
    match clock {
        Clock::Wall => {
            let (x, y) = (total / t_ours.as_secs_f64(), total / t_raw.as_secs_f64());
            println!(
                "{name}: ours {x:.0} items/s, raw {y:.0} items/s, ratio {median:.2} \
                 (median of {rounds} rounds; spread {lo:.2}–{hi:.2}; overall {:.2})",
                x / y
            );
        }
        Clock::Cpu | Clock::ClientCpu => {
            let what = if clock == Clock::ClientCpu {
                "client CPU/call"
            } else {
                "CPU/item"
            };
            println!(
                "{name}: ours {:.1} µs {what}, raw {:.1} µs, ratio {median:.3} \
                 (raw / ours; median of {rounds} rounds; spread {lo:.3}–{hi:.3}); \
                 allocations per call on this thread: ours {:.1}, raw {:.1}",
                measured.ours, measured.raw, measured.allocs, measured.allocs_raw
            );
        }
    }
    Ok(measured)
}

async fn raw_batch_write(db: &Db, table: &str, requests: Vec<WriteRequest>) -> Res<()> {
    let chunks: Vec<Vec<WriteRequest>> = requests.chunks(25).map(<[_]>::to_vec).collect();
    let results: Vec<Res<()>> = stream::iter(chunks)
        .map(|mut chunk| async move {
            while !chunk.is_empty() {
                let out = db
                    .client()
                    .batch_write_item()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .request_items(table, chunk)
                    .send()
                    .await?;
                chunk = out
                    .unprocessed_items()
                    .and_then(|u| u.get(table))
                    .cloned()
                    .unwrap_or_default();
            }
            Ok(())
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    results.into_iter().collect()
}

/// BatchGetItem in chunks of 100, 8 in flight, retrying unprocessed keys; returns the
/// decoded items as `get_many` does (in the order they arrive, not in key order).
async fn raw_batch_get(db: &Db, table: &str, emails: &[String]) -> Res<Vec<User>> {
    let chunks: Vec<Vec<String>> = emails.chunks(100).map(<[_]>::to_vec).collect();
    let results: Vec<Res<Vec<User>>> = stream::iter(chunks)
        .map(|chunk| async move {
            let mut keys: Vec<_> = chunk.iter().map(|e| key(e)).collect();
            let mut users = Vec::with_capacity(keys.len());
            while !keys.is_empty() {
                let ka = KeysAndAttributes::builder().set_keys(Some(keys)).build()?;
                let out = db
                    .client()
                    .batch_get_item()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .request_items(table, ka)
                    .send()
                    .await?;
                for item in out
                    .responses()
                    .and_then(|r| r.get(table))
                    .into_iter()
                    .flatten()
                {
                    users.push(User::from_item(item)?);
                }
                keys = out
                    .unprocessed_keys()
                    .and_then(|u| u.get(table))
                    .map(|k| k.keys().to_vec())
                    .unwrap_or_default();
            }
            Ok(users)
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut users = Vec::with_capacity(emails.len());
    for r in results {
        users.extend(r?);
    }
    Ok(users)
}

/// Streams every user through `get_many` (a Scan in `segments` segments), counting them.
async fn streamed_scan(db: &Db, segments: u32) -> Res<()> {
    let n = User::get_many(db, user::email().exists())
        .segments(segments)
        .stream()
        .count()
        .await;
    assert!(n > 0);
    Ok(())
}

/// What metering costs: single-item calls through a metered copy made per call (as a web
/// handler meters its request) against the same calls through the plain `Db`, in process
/// CPU per call. Every request asks for its consumed capacity either way; this is the
/// meter's own cost (the copy, and adding up what each response reports).
/// Client CPU per single-item call (every thread's CPU but the store's), dynamongo against
/// the raw SDK client it is built on, for get_one, save_one, update_one and a Query page:
/// the measurement issue #30 starts from. Run on the runtime it is called on.
/// Encrypted models (DESIGN §14): save_one / get_one of an encrypted `Patient` against the
/// raw SDK client with the same encryption interceptor (the `Db`'s own client), and what
/// encryption itself costs (the same raw put and get with and without the interceptor).
async fn encryption(quick: bool) -> Res<()> {
    use dynamongo_runtime::encryption::{Encryption, Keyring};
    use dynamongo_tests::edge::patient::Patient;
    let plain = Db::embedded().await?;
    let db = plain
        .clone()
        .with_encryption(Encryption::new(Keyring::raw_aes("bench", [5u8; 32])).model::<Patient>())
        .await?;
    Patient::create_table(&db).await?;
    let (rounds, n) = if quick { (4, 30) } else { (12, 100) };
    let patient = |side: &str, r: usize, i: usize| {
        let mut p = Patient::new(format!("{side}-{r}-{i}"), "north", format!("Name {i}"));
        p.diagnosis = Some("a diagnosis of some length, to be encrypted".into());
        p.allergies = vec!["penicillin".into(), "nuts".into()];
        p
    };
    let table = db.table_name("patients");
    let put = |client: aws_sdk_dynamodb::Client, item: HashMap<String, AttributeValue>| {
        let table = table.clone();
        async move {
            client
                .put_item()
                .table_name(table)
                .set_item(Some(item))
                .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                .send()
                .await?;
            Res::Ok(())
        }
    };
    let id_key = |id: String| HashMap::from([("id".to_string(), AttributeValue::S(id))]);
    let (db, put, patient, id_key) = (&db, &put, &patient, &id_key);
    compare(
        "encrypted save_one vs raw put (same interceptor)",
        rounds,
        n,
        |r| async move {
            for i in 0..n {
                Patient::save_one(db, patient("ours", r, i)).await?;
            }
            Ok(())
        },
        |r| async move {
            for i in 0..n {
                let mut item = patient("raw", r, i).to_item();
                item.insert("version".into(), AttributeValue::N("1".into()));
                put(db.client().clone(), item).await?;
            }
            Ok(())
        },
    )
    .await?;
    compare(
        "encrypted get_one vs raw get (same interceptor)",
        rounds,
        n,
        |r| async move {
            for i in 0..n {
                Patient::get_one(db, format!("ours-{r}-{i}")).await?;
            }
            Ok(())
        },
        |r| async move {
            for i in 0..n {
                let out = db
                    .client()
                    .get_item()
                    .table_name(db.table_name("patients"))
                    .set_key(Some(id_key(format!("raw-{r}-{i}"))))
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .send()
                    .await?;
                Patient::from_item(out.item().ok_or("missing")?)?;
            }
            Ok(())
        },
    )
    .await?;
    // What encryption costs: the same raw put, without and with the interceptor ("ours"
    // is the plaintext side here: the ratio is encrypted / plaintext throughput).
    let plain = &plain;
    compare(
        "encryption's own cost: raw put, plaintext vs encrypted",
        rounds,
        n,
        |r| async move {
            for i in 0..n {
                put(plain.client().clone(), patient("plain", r, i).to_item()).await?;
            }
            Ok(())
        },
        |r| async move {
            for i in 0..n {
                put(db.client().clone(), patient("enc", r, i).to_item()).await?;
            }
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// The single-item calls of `--calls`, on `db`: per call (`get_one`, `save_one`,
/// `update_one`, `query`), what dynamongo and the raw client spent. Rounds of 1 000 calls a
/// side, 20 of them: the shorter a round, the less the machine's own drift (another
/// tenant's load, the store's state) separates the two sides of a pair.
async fn calls(db: &Db, quick: bool, flavour: &str) -> Res<Vec<(&'static str, Measured)>> {
    let mut results = Vec::new();
    let n = if quick { 300 } else { 1_000 };
    let rounds = if quick { 6 } else { 20 };
    let tag: String = flavour
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let ones = users(&format!("calls-{tag}-"), n);
    User::save_many(db, ones.clone()).await?;
    let ones = &ones;
    let cap = &ReturnConsumedCapacity::Indexes;
    let name = |op: &str| format!("{op} ({flavour} runtime)");
    let m = measure(
        Clock::ClientCpu,
        &name("get_one vs GetItem"),
        rounds,
        n,
        |_| async move {
            for u in ones {
                User::get_one(db, u.email.as_str()).await?;
            }
            Ok(())
        },
        |_| async move {
            for u in ones {
                let out = db
                    .client()
                    .get_item()
                    .table_name("users")
                    .set_key(Some(key(&u.email)))
                    .return_consumed_capacity(cap.clone())
                    .send()
                    .await?;
                if let Some(item) = out.item() {
                    User::from_item(item)?;
                }
            }
            Ok(())
        },
    )
    .await?;
    results.push(("get_one", m));
    let m = measure(
        Clock::ClientCpu,
        &name("save_one vs PutItem"),
        rounds,
        n,
        |_| async move {
            for u in ones {
                User::save_one(db, u.clone()).await?;
            }
            Ok(())
        },
        |_| async move {
            for u in ones {
                db.client()
                    .put_item()
                    .table_name("users")
                    .set_item(Some(u.to_item()))
                    .return_consumed_capacity(cap.clone())
                    .send()
                    .await?;
            }
            Ok(())
        },
    )
    .await?;
    results.push(("save_one", m));
    let m = measure(
        Clock::ClientCpu,
        &name("update_one vs UpdateItem"),
        rounds,
        n,
        |r| async move {
            for u in ones {
                User::update_one(db, u.email.as_str(), [user::name().set(format!("N{r}"))]).await?;
            }
            Ok(())
        },
        |r| async move {
            for u in ones {
                let out = db
                    .client()
                    .update_item()
                    .table_name("users")
                    .set_key(Some(key(&u.email)))
                    .update_expression("SET #n = :n")
                    .condition_expression("attribute_exists(#e)")
                    .expression_attribute_names("#n", "name")
                    .expression_attribute_names("#e", "email")
                    .expression_attribute_values(":n", AttributeValue::S(format!("N{r}")))
                    .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
                    .return_consumed_capacity(cap.clone())
                    .send()
                    .await?;
                if let Some(item) = out.attributes() {
                    User::from_item(item)?;
                }
            }
            Ok(())
        },
    )
    .await?;
    results.push(("update_one", m));
    // A page of a customer's orders (one each): a Query on the table's partition.
    let orders: Vec<Order> = ones
        .iter()
        .map(|u| {
            let mut o = Order::new(u.email.as_str(), "o-1");
            o.total = Some(12.5);
            o.city = Some("Nairobi".into());
            o
        })
        .collect();
    Order::save_many(db, orders).await?;
    let m = measure(
        Clock::ClientCpu,
        &name("get_many Query page (1 item) vs Query"),
        rounds,
        n,
        |_| async move {
            for u in ones {
                Order::get_many(db, order::customer().eq(u.email.as_str()))
                    .page(10)
                    .await?;
            }
            Ok(())
        },
        |_| async move {
            for u in ones {
                let out = db
                    .client()
                    .query()
                    .table_name("orders")
                    .key_condition_expression("#c = :c")
                    .expression_attribute_names("#c", "customer")
                    .expression_attribute_values(":c", AttributeValue::S(u.email.clone()))
                    .limit(11)
                    .return_consumed_capacity(cap.clone())
                    .send()
                    .await?;
                for item in out.items() {
                    Order::from_item(item)?;
                }
            }
            Ok(())
        },
    )
    .await?;
    results.push(("query", m));
    Ok(results)
}

/// `--calls` on both runtime flavours: the multi-thread runtime `main` runs on (in a
/// spawned task, and on main's own thread), and a current-thread runtime on a thread of
/// its own (a `Db` of its own, on the same store);
/// then PynamoDB's side on the same store (`tests/python/pynamodb_calls.py`, in a
/// virtualenv with PynamoDB from PyPI), and the three side by side.
async fn calls_on_both_runtimes(quick: bool) -> Res<()> {
    let db = Db::embedded().await?;
    User::create_table(&db).await?;
    Order::create_table(&db).await?;
    // In a task, as a server's handlers run; and on the thread that blocks on `main`'s
    // future, which is none of the runtime's workers: every reply wakes it from one.
    let in_task = db.clone();
    let profiling = PROFILE.get().is_some();
    let multi = if profiling {
        Vec::new()
    } else {
        tokio::spawn(async move { calls(&in_task, quick, "multi-thread, a task").await })
            .await
            .map_err(|e| e.to_string())??
    };
    let on_main = if profiling {
        Vec::new()
    } else {
        calls(&db, quick, "multi-thread, main's own thread").await?
    };
    let endpoint = db.endpoint_url().unwrap_or_default().to_string();
    let for_thread = endpoint.clone();
    let handle = std::thread::Builder::new()
        .name("calls-current".into())
        .spawn(move || -> Result<_, String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let db = Db::builder()
                    .endpoint_url(for_thread)
                    .region("us-east-1")
                    .credentials("bench", "bench")
                    .build()
                    .await
                    .map_err(|e| e.to_string())?;
                calls(&db, quick, "current-thread")
                    .await
                    .map_err(|e| e.to_string())
            })
        })?;
    let current = handle
        .join()
        .map_err(|_| "the current-thread bench panicked")?
        .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
    if profiling {
        return Ok(());
    }
    let python = pynamodb_calls(&endpoint, quick)?;
    println!(
        "client CPU per call, µs (PynamoDB / dynamongo): PynamoDB 6.1; dynamongo on the \
         multi-thread runtime in a task, on it from main's own thread, on a current-thread \
         runtime; the raw SDK the same three ways; the embedded store's own CPU serving \
         dynamongo the three ways (serving the raw SDK):"
    );
    for (((op, t), (_, m)), (_, c)) in multi.iter().zip(&on_main).zip(&current) {
        let py = python.get(*op).copied().unwrap_or(f64::NAN);
        println!(
            "  {op}: PynamoDB {py:.0}; dynamongo {:.0} ({:.1}×), {:.0} ({:.1}×), {:.0} ({:.1}×); \
             raw {:.0}, {:.0}, {:.0}; store {:.0}, {:.0}, {:.0} ({:.0}, {:.0}, {:.0})",
            t.ours,
            py / t.ours,
            m.ours,
            py / m.ours,
            c.ours,
            py / c.ours,
            t.raw,
            m.raw,
            c.raw,
            t.store,
            m.store,
            c.store,
            t.store_raw,
            m.store_raw,
            c.store_raw,
        );
    }
    drop(db);
    Ok(())
}

/// A raw client as `Db::builder()` builds one for `endpoint` (static credentials, the SDK's
/// retries off), with one of the SDK settings `--sdk-cuts` measures.
fn sdk_client(endpoint: &str, cut: &str) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{
        Credentials, IdentityCache, Region, StalledStreamProtectionConfig,
    };
    let mut b = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("bench", "bench", None, None, "bench"))
        .endpoint_url(endpoint)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled());
    if cut == "no stalled-stream protection" || cut == "all" {
        b = b.stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    }
    if cut == "no upload stalled-stream protection" {
        b = b.stalled_stream_protection(
            StalledStreamProtectionConfig::enabled()
                .upload_enabled(false)
                .build(),
        );
    }
    if cut == "no identity cache" || cut == "all" {
        b = b.identity_cache(IdentityCache::no_cache());
    }
    if cut == "no account-id endpoints" || cut == "all" {
        b = b.account_id_endpoint_mode(aws_types::endpoint_config::AccountIdEndpointMode::Disabled);
    }
    aws_sdk_dynamodb::Client::from_conf(b.build())
}

/// `--sdk-cuts`: per SDK setting a `Db` could change, the client CPU of a raw GetItem with
/// it against without it (both clients built alike otherwise), on a current-thread runtime.
async fn sdk_cuts(quick: bool) -> Res<()> {
    let db = Db::embedded().await?;
    User::create_table(&db).await?;
    User::save_one(&db, User::new("cut@bench.io", "Cut")).await?;
    let endpoint = db.endpoint_url().unwrap_or_default().to_string();
    let (n, rounds) = if quick { (500, 6) } else { (3_000, 10) };
    std::thread::Builder::new()
        .name("sdk-cuts".into())
        .spawn(move || -> Result<(), String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let get = |client: aws_sdk_dynamodb::Client| async move {
                    for _ in 0..n {
                        client
                            .get_item()
                            .table_name("users")
                            .set_key(Some(key("cut@bench.io")))
                            .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                            .send()
                            .await?;
                    }
                    Ok(())
                };
                let base = sdk_client(&endpoint, "none");
                for cut in [
                    "no stalled-stream protection",
                    "no upload stalled-stream protection",
                    "no identity cache",
                    "no account-id endpoints",
                    "all",
                ] {
                    let with = sdk_client(&endpoint, cut);
                    measure(
                        Clock::ClientCpu,
                        &format!("GetItem with {cut} vs without"),
                        rounds,
                        n,
                        |_| get(with.clone()),
                        |_| get(base.clone()),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                }
                Ok(())
            })
        })?
        .join()
        .map_err(|_| "the sdk-cuts bench panicked")?
        .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })
}

/// PynamoDB's client CPU per call (µs) by call, the median of several runs of
/// `tests/python/pynamodb_calls.py` against `endpoint`.
fn pynamodb_calls(endpoint: &str, quick: bool) -> Res<HashMap<String, f64>> {
    let (n, rounds) = if quick { (300, 3) } else { (2_000, 5) };
    let bin = dynamongo_tests::python::venv("pynamodb", &["pynamodb==6.1.0"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/pynamodb_calls.py");
    let mut runs: HashMap<String, Vec<f64>> = HashMap::new();
    for r in 0..rounds {
        let out = std::process::Command::new(bin.join("python"))
            .args([script, endpoint, &n.to_string(), &format!("py{r}-")])
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "pynamodb_calls.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let figures: HashMap<String, f64> = serde_json::from_slice(&out.stdout)?;
        for (op, us) in figures {
            runs.entry(op).or_default().push(us);
        }
    }
    Ok(runs.into_iter().map(|(op, v)| (op, summary(v).0)).collect())
}

async fn metering(db: &Db, quick: bool) -> Res<()> {
    User::create_table(db).await?;
    let n = if quick { 300 } else { 2_000 };
    let rounds = if quick { 6 } else { 10 };
    let ones = users("metered", n);
    User::save_many(db, ones.clone()).await?;
    let ones = &ones;
    let mut ratios = Vec::new();
    ratios.push(
        measure(
            Clock::Cpu,
            "get_one metered vs not",
            rounds,
            n,
            |_| async move {
                for u in ones {
                    let (metered, meter) = db.metered();
                    User::get_one(&metered, u.email.as_str()).await?;
                    std::hint::black_box(meter.total());
                }
                Ok(())
            },
            |_| async move {
                for u in ones {
                    User::get_one(db, u.email.as_str()).await?;
                }
                Ok(())
            },
        )
        .await?
        .median,
    );
    ratios.push(
        measure(
            Clock::Cpu,
            "save_one metered vs not",
            rounds,
            n,
            |_| async move {
                for u in ones {
                    let (metered, meter) = db.metered();
                    User::save_one(&metered, u.clone()).await?;
                    std::hint::black_box(meter.total());
                }
                Ok(())
            },
            |_| async move {
                for u in ones {
                    User::save_one(db, u.clone()).await?;
                }
                Ok(())
            },
        )
        .await?
        .median,
    );
    ratios.push(
        measure(
            Clock::Cpu,
            "get_many (100 keys) metered vs not",
            rounds,
            n,
            |_| async move {
                for chunk in ones.chunks(100) {
                    let (metered, meter) = db.metered();
                    let keys: Vec<&str> = chunk.iter().map(|u| u.email.as_str()).collect();
                    User::get_many(&metered, keys).await?;
                    std::hint::black_box(meter.total());
                }
                Ok(())
            },
            |_| async move {
                for chunk in ones.chunks(100) {
                    let keys: Vec<&str> = chunk.iter().map(|u| u.email.as_str()).collect();
                    User::get_many(db, keys).await?;
                }
                Ok(())
            },
        )
        .await?
        .median,
    );
    let worst = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "metering: worst median ratio {worst:.3}: the metered side spends {:+.1}% CPU per call \
         (within the spread: noise)",
        (1.0 / worst - 1.0) * 100.0
    );
    Ok(())
}

/// The bulk paths only, in many short interleaved rounds (24 of 5 000 items; quick: 12
/// of 2 000): a steadier median than the `--ops` run's 8 rounds gives.
async fn bulk(db: &Db, quick: bool) -> Res<()> {
    User::create_table(db).await?;
    let (rounds, batch) = if quick { (12, 2_000) } else { (24, 5_000) };
    let all: Vec<Vec<User>> = (0..rounds * 2)
        .map(|r| users(&format!("bulk{r}-"), batch))
        .collect();
    let all = &all;
    save_many_vs_raw(db, rounds, batch, all).await?;
    compare(
        "get_many vs BatchGetItem",
        rounds,
        batch,
        |r| async move {
            let emails: Vec<&str> = all[2 * r].iter().map(|u| u.email.as_str()).collect();
            let got = User::get_many(db, emails).await?;
            assert_eq!(got.len(), batch);
            Ok(())
        },
        |r| async move {
            let emails: Vec<String> = all[2 * r].iter().map(|u| u.email.clone()).collect();
            let got = raw_batch_get(db, "users", &emails).await?;
            assert_eq!(got.len(), batch);
            Ok(())
        },
    )
    .await?;
    delete_many_vs_raw(db, rounds, batch, all).await?;
    Ok(())
}

/// Seeds `n` users in an older form (no `cities_visited`, no `created_at`) into `table`,
/// keyed `{prefix}{i}`.
async fn seed_old_users(db: &Db, table: &str, prefix: &str, n: usize) -> Res<()> {
    let reqs: Vec<WriteRequest> = (0..n)
        .map(|i| {
            let item = HashMap::from([
                (
                    "email".to_string(),
                    AttributeValue::S(format!("{prefix}{i:07}@bench.io")),
                ),
                ("name".to_string(), AttributeValue::S(format!("User {i}"))),
            ]);
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map(|p| WriteRequest::builder().put_request(p).build())
        })
        .collect::<Result<_, _>>()?;
    raw_batch_write(db, table, reqs).await
}

/// The raw-SDK backfill: a parallel Scan of `segments`, pages of 100, each item decoded
/// and encoded with the model, and an UpdateItem setting what changed on the condition
/// that the attributes it sets are still absent — the same rewrite as `User::backfill`,
/// without checkpoints.
async fn raw_backfill(db: &Db, table: &str, segments: i32) -> Res<u64> {
    let rewritten = std::sync::atomic::AtomicU64::new(0);
    let rewritten = &rewritten;
    let results: Vec<Res<()>> = stream::iter(0..segments)
        .map(|segment| async move {
            let mut start = None;
            loop {
                let out = db
                    .client()
                    .scan()
                    .table_name(table)
                    .segment(segment)
                    .total_segments(segments)
                    .limit(100)
                    .set_exclusive_start_key(start)
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .send()
                    .await?;
                for old in out.items() {
                    let user = User::from_item(old)?;
                    let new = user.to_item();
                    let changed: Vec<(&String, &AttributeValue)> = new
                        .iter()
                        .filter(|(k, v)| old.get(*k) != Some(*v))
                        .collect();
                    if changed.is_empty() {
                        continue;
                    }
                    let mut update = String::from("SET ");
                    let mut condition = String::new();
                    let mut names = HashMap::new();
                    let mut values = HashMap::new();
                    for (i, (k, v)) in changed.iter().enumerate() {
                        if i > 0 {
                            update.push_str(", ");
                            condition.push_str(" AND ");
                        }
                        update.push_str(&format!("#n{i} = :v{i}"));
                        condition.push_str(&format!("attribute_not_exists(#n{i})"));
                        names.insert(format!("#n{i}"), (*k).clone());
                        values.insert(format!(":v{i}"), (*v).clone());
                    }
                    db.client()
                        .update_item()
                        .table_name(table)
                        .key("email", old["email"].clone())
                        .update_expression(update)
                        .condition_expression(condition)
                        .set_expression_attribute_names(Some(names))
                        .set_expression_attribute_values(Some(values))
                        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                        .send()
                        .await?;
                    rewritten.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                start = out.last_evaluated_key().cloned();
                if start.is_none() {
                    return Ok(());
                }
            }
        })
        .buffer_unordered(segments as usize)
        .collect()
        .await;
    for r in results {
        r?;
    }
    Ok(rewritten.load(std::sync::atomic::Ordering::Relaxed))
}

/// A backfill of old-form users through `User::backfill` against the raw-SDK loop doing
/// the same rewrite at the same concurrency (8 segments in flight), on two tables seeded
/// alike before each round (not timed); then what the checkpoints cost.
async fn backfill_bench(quick: bool) -> Res<()> {
    let (rounds, n) = if quick { (2, 5_000) } else { (5, 20_000) };
    let ours_db = Db::embedded().await?;
    let raw_db = Db::embedded().await?;
    User::create_table(&ours_db).await?;
    User::create_table(&raw_db).await?;
    let (ours_db, raw_db) = (&ours_db, &raw_db);
    let mut checkpoint_units = 0.0;
    let mut total_units = 0.0;
    let checkpoints = (&mut checkpoint_units, &mut total_units);
    let checkpoints = std::sync::Mutex::new(checkpoints);
    let checkpoints = &checkpoints;
    compare(
        "backfill vs raw scan + conditional update loop (8 segments)",
        rounds,
        n,
        |r| async move {
            seed_old_users(ours_db, "users", &format!("bf{r}-"), n).await?;
            let (db, meter) = ours_db.metered();
            let report = User::backfill(&db)
                .name(format!("bench-{r}"))
                .segments(8)
                .await?;
            assert_eq!(report.rewritten as usize, n);
            let mut c = checkpoints.lock().unwrap();
            *c.0 += meter.table("dynamongo_backfills").units();
            *c.1 += meter.total().units();
            Ok(())
        },
        |r| async move {
            seed_old_users(raw_db, "users", &format!("bf{r}-"), n).await?;
            let done = raw_backfill(raw_db, "users", 8).await?;
            assert_eq!(done as usize, n);
            Ok(())
        },
    )
    .await?;
    println!(
        "backfill checkpoints: {checkpoint_units:.0} of {total_units:.0} capacity units ({:.1}%), one write a page of 100 items",
        100.0 * checkpoint_units / total_units.max(1.0)
    );
    Ok(())
}

async fn operations(db: &Db, quick: bool) -> Res<()> {
    User::create_table(db).await?;
    // Many short interleaved rounds rather than a few long ones: the two cores are shared
    // with the store, and short rounds spread its hiccups evenly over both sides.
    let single = if quick { 300 } else { 2_000 };
    let batch = if quick { 2_500 } else { 20_000 };
    let rounds = if quick { 6 } else { 8 };

    // Single items.
    let ones = users("one", single);
    User::save_many(db, ones.clone()).await?;
    let ones_ref = &ones;
    compare(
        "get_one vs GetItem",
        rounds,
        single,
        |_| async move {
            for u in ones_ref {
                User::get_one(db, u.email.as_str()).await?;
            }
            Ok(())
        },
        |_| async move {
            for u in ones_ref {
                let out = db
                    .client()
                    .get_item()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .table_name("users")
                    .set_key(Some(key(&u.email)))
                    .send()
                    .await?;
                if let Some(item) = out.item() {
                    User::from_item(item)?;
                }
            }
            Ok(())
        },
    )
    .await?;
    compare(
        "save_one vs PutItem",
        rounds,
        single,
        |_| async move {
            for u in ones_ref {
                User::save_one(db, u.clone()).await?;
            }
            Ok(())
        },
        |_| async move {
            for u in ones_ref {
                db.client()
                    .put_item()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .table_name("users")
                    .set_item(Some(u.to_item()))
                    .send()
                    .await?;
            }
            Ok(())
        },
    )
    .await?;

    // Batches: fresh items each round for writes.
    let all: Vec<Vec<User>> = (0..rounds * 2)
        .map(|r| users(&format!("b{r}-"), batch))
        .collect();
    save_many_vs_raw(db, rounds, batch, &all).await?;
    let emails: Vec<String> = all[0].iter().map(|u| u.email.clone()).collect();
    let emails_ref = &emails;
    compare(
        "get_many vs BatchGetItem",
        rounds,
        batch,
        |_| async move {
            let got = User::get_many(db, emails_ref.clone()).await?;
            assert_eq!(got.len(), emails_ref.len());
            Ok(())
        },
        |_| async move {
            let got = raw_batch_get(db, "users", emails_ref).await?;
            assert_eq!(got.len(), emails_ref.len());
            Ok(())
        },
    )
    .await?;
    compare(
        "streamed scan vs paginated Scan",
        rounds,
        rounds * batch + single,
        |_| streamed_scan(db, 1),
        |_| async move {
            let mut start = None;
            loop {
                let out = db
                    .client()
                    .scan()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .table_name("users")
                    .filter_expression("attribute_exists(#e)")
                    .expression_attribute_names("#e", "email")
                    .set_exclusive_start_key(start)
                    .send()
                    .await?;
                for item in out.items() {
                    User::from_item(item)?;
                }
                start = out.last_evaluated_key().cloned();
                if start.is_none() {
                    break;
                }
            }
            Ok(())
        },
    )
    .await?;
    index_query(db, rounds, batch).await?;
    transact_write(db, if quick { 40 } else { 200 }).await?;
    compare(
        "streamed scan, 4 segments vs 1 (parallel scan)",
        rounds,
        rounds * batch + single,
        |_| streamed_scan(db, 4),
        |_| streamed_scan(db, 1),
    )
    .await?;
    delete_many_vs_raw(db, rounds, batch, &all).await?;

    // Default concurrency against one chunk at a time, fresh items each round.
    let one_at_a_time = RetryPolicy {
        concurrency: 1,
        ..Default::default()
    };
    let extra: Vec<Vec<User>> = (0..rounds * 2)
        .map(|r| users(&format!("c{r}-"), batch))
        .collect();
    let extra_ref = &extra;
    compare(
        "save_many default concurrency vs concurrency 1",
        rounds,
        batch,
        |r| async move {
            User::save_many(db, extra_ref[2 * r].clone()).await?;
            Ok(())
        },
        |r| async move {
            User::save_many(db, extra_ref[2 * r + 1].clone())
                .retry(one_at_a_time)
                .await?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// VmHWM / VmRSS of this process, in KiB.
fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Peak RSS of streaming scans over growing tables. The store runs in a child process so
/// that only the client's memory is measured.
async fn memory(quick: bool) -> Res<()> {
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .arg("--serve")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let db = Db::builder()
        .endpoint_url(line.trim())
        .region("us-east-1")
        .credentials("bench", "bench")
        .build()
        .await?;
    User::create_table(&db).await?;
    let sizes: &[usize] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    let mut stored = 0;
    let mut first = None;
    for &n in sizes {
        while stored < n {
            let chunk = users(&format!("m{stored}-"), 10_000.min(n - stored));
            stored += chunk.len();
            User::save_many(&db, chunk).await?;
        }
        // Reset the peak, then scan.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = memory_kib("VmRSS:");
        let count = User::get_many(&db, user::email().exists())
            .stream()
            .count()
            .await;
        let peak = memory_kib("VmHWM:");
        let base = *first.get_or_insert(peak);
        println!(
            "streamed scan of {count} items: peak RSS {:.1} MB, +{:.1} MB during the scan, +{:.1} MB vs the first size",
            peak as f64 / 1024.0,
            (peak as f64 - before as f64) / 1024.0,
            (peak as f64 - base as f64) / 1024.0
        );
    }
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"\n");
    }
    let _ = child.wait();
    Ok(())
}

/// Generates `n` specs and runs the CLI on them.
fn codegen(n: usize) -> Res<()> {
    let exe = std::env::current_exe()?;
    let cli = exe.with_file_name("dynamongo-codegen");
    if !cli.exists() {
        return Err(format!(
            "{} not found: build it first (cargo build --release -p dynamongo-codegen)",
            cli.display()
        )
        .into());
    }
    let dir = std::env::temp_dir().join(format!("dynamongo-bench-{}", std::process::id()));
    let specs = dir.join("spec");
    std::fs::create_dir_all(&specs)?;
    let template = include_str!("../../../spec/users.json");
    for i in 0..n {
        let text = template
            .replace("\"User\"", &format!("\"User{i}\""))
            .replace("\"users\"", &format!("\"users{i}\""));
        std::fs::write(specs.join(format!("users{i:04}.json")), text)?;
    }
    let out = dir.join("out");
    let t = Instant::now();
    let status = std::process::Command::new(&cli)
        .arg(&specs)
        .arg(&out)
        .status()?;
    let first = t.elapsed();
    let t = Instant::now();
    std::process::Command::new(&cli)
        .arg(&specs)
        .arg(&out)
        .status()?;
    let second = t.elapsed();
    println!(
        "codegen of {n} specs through the CLI: {:.2} s (second run, nothing to write: {:.2} s), exit {}",
        first.as_secs_f64(),
        second.as_secs_f64(),
        status.code().unwrap_or(-1)
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A Query on a global index: `get_many` (the planner picks `by_status`) against the
/// raw SDK Query on the same index, paging and decoding the same way.
async fn index_query(db: &Db, rounds: usize, n: usize) -> Res<()> {
    use dynamongo_tests::models::order::{self, Order, OrderStatus};
    Order::create_table(db).await?;
    let orders: Vec<Order> = (0..n)
        .map(|i| {
            let mut o = Order::new(format!("c{}@bench.io", i % 500), format!("o{i:07}"));
            o.status = if i % 2 == 0 {
                OrderStatus::Shipped
            } else {
                OrderStatus::Open
            };
            o.total = Some(i as f64);
            o
        })
        .collect();
    Order::save_many(db, orders).await?;
    let shipped = n.div_ceil(2);
    compare(
        "get_many on a GSI vs Query with IndexName",
        rounds,
        shipped,
        |_| async move {
            let got = Order::get_many(db, order::status().eq(OrderStatus::Shipped)).await?;
            assert_eq!(got.len(), shipped);
            Ok(())
        },
        |_| async move {
            let mut start = None;
            let mut got = Vec::with_capacity(shipped);
            loop {
                let out = db
                    .client()
                    .query()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .table_name("orders")
                    .index_name("by_status")
                    .key_condition_expression("#s = :s")
                    .expression_attribute_names("#s", "status")
                    .expression_attribute_values(":s", AttributeValue::S("shipped".into()))
                    .set_exclusive_start_key(start)
                    .send()
                    .await?;
                for item in out.items() {
                    got.push(Order::from_item(item)?);
                }
                start = out.last_evaluated_key().cloned();
                if start.is_none() {
                    break;
                }
            }
            assert_eq!(got.len(), shipped);
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// A 25-action TransactWriteItems (puts of new users): `db.transact_write()` against the
/// raw SDK call with the same items (converted by the generated `to_item` on both sides).
async fn transact_write(db: &Db, rounds: usize) -> Res<()> {
    use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
    const ACTIONS: usize = 25;
    compare(
        "transact_write, 25 puts",
        rounds,
        ACTIONS,
        |round| async move {
            let mut tx = db.transact_write();
            for u in users(&format!("tx{round}-ours-"), ACTIONS) {
                tx.put(u);
            }
            tx.await?;
            Ok(())
        },
        |round| async move {
            let items = users(&format!("tx{round}-raw-"), ACTIONS)
                .iter()
                .map(|u| {
                    let put = Put::builder()
                        .table_name("users")
                        .set_item(Some(u.to_item()))
                        .build()?;
                    Ok(TransactWriteItem::builder().put(put).build())
                })
                .collect::<Res<Vec<_>>>()?;
            db.client()
                .transact_write_items()
                .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                .set_transact_items(Some(items))
                .client_request_token(dynamongo_runtime::uuid::Uuid::new_v4().to_string())
                .send()
                .await?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// Single-table design: an entity's save and get against PutItem / GetItem with keys
/// rendered by hand (the same item: fields, key attributes, entity attribute), and a
/// collection page against the same raw Query decoded by entity attribute.
async fn single_table(db: &Db, rounds: usize) -> Res<()> {
    use dynamongo_runtime::chrono::{TimeZone, Utc};
    use dynamongo_tests::models::app::{self, WorkspaceItem};
    use dynamongo_tests::models::member::Member;
    use dynamongo_tests::models::workspace::Workspace;
    use dynamongo_tests::models::workspace_note::WorkspaceNote;
    app::create_table(db).await?;
    const N: usize = 100;
    let note = |ws: &str, i: usize| {
        let mut n = WorkspaceNote::new(ws, format!("Note number {i}"));
        n.created_at = Utc.timestamp_opt(1_700_000_000 + i as i64, 0).unwrap();
        n.id = dynamongo_runtime::uuid::Uuid::from_u128(i as u128);
        n.author = Some(format!("a{}@bench.io", i % 7));
        n.body = Some("The body of a note, a few words long.".into());
        n
    };
    // The item a hand-written single-table layer would put: fields plus rendered keys.
    // The keys a hand-written single-table layer formats (the note's time as stored,
    // formatted once per item).
    let created = |n: &WorkspaceNote| {
        n.created_at
            .format("%Y-%m-%dT%H:%M:%S%.6f+0000")
            .to_string()
    };
    let pk = |n: &WorkspaceNote| AttributeValue::S(format!("ws#{}", n.workspace));
    let sk =
        |n: &WorkspaceNote, created: &str| AttributeValue::S(format!("note#{created}#{}", n.id));
    let raw_key = move |n: &WorkspaceNote| {
        HashMap::from([
            ("pk".to_string(), pk(n)),
            ("sk".to_string(), sk(n, &created(n))),
        ])
    };
    // The item it puts: the fields, the keys, the index keys and the entity attribute.
    let raw_item = move |n: &WorkspaceNote| {
        let created = created(n);
        let mut item = n.to_item();
        let s = |t: String| AttributeValue::S(t);
        item.insert("pk".into(), pk(n));
        item.insert("sk".into(), sk(n, &created));
        if let Some(a) = &n.author {
            item.insert("gsi1pk".into(), s(format!("author#{a}")));
        }
        item.insert("gsi1sk".into(), s(format!("note#{created}")));
        item.insert("entity".into(), s("note".into()));
        item
    };
    compare(
        "entity save_one vs PutItem with rendered keys",
        rounds,
        N,
        |round| async move {
            for i in 0..N {
                WorkspaceNote::save_one(db, note(&format!("ours{round}"), i)).await?;
            }
            Ok(())
        },
        |round| async move {
            for i in 0..N {
                let n = note(&format!("raw{round}"), i);
                n.validate()?;
                db.client()
                    .put_item()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .table_name("app")
                    .set_item(Some(raw_item(&n)))
                    .send()
                    .await?;
            }
            Ok(())
        },
    )
    .await?;
    compare(
        "entity get_one vs GetItem with a rendered key",
        rounds,
        N,
        |round| async move {
            for i in 0..N {
                let n = note(&format!("ours{round}"), i);
                let got = WorkspaceNote::get_one(db, n.key()).await?;
                assert_eq!(got.id, n.id);
            }
            Ok(())
        },
        |round| async move {
            for i in 0..N {
                let n = note(&format!("raw{round}"), i);
                let out = db
                    .client()
                    .get_item()
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .table_name("app")
                    .set_key(Some(raw_key(&n)))
                    .send()
                    .await?;
                let item = out.item().ok_or("no item")?;
                if item.get("entity") != Some(&AttributeValue::S("note".into())) {
                    return Err("another entity".into());
                }
                assert_eq!(WorkspaceNote::from_item(item)?.id, n.id);
            }
            Ok(())
        },
    )
    .await?;
    // A partition of a workspace, 20 members and 100 notes, read a page of 100 at a time.
    Workspace::save_one(db, Workspace::new("coll", "Collection")).await?;
    Member::save_many(
        db,
        (0..20).map(|i| Member::new("coll", format!("m{i}@bench.io"))),
    )
    .await?;
    WorkspaceNote::save_many(db, (0..N).map(|i| note("coll", i))).await?;
    const PAGE: usize = 100;
    compare(
        "collection page vs Query decoded by entity",
        rounds,
        PAGE,
        |_| async move {
            let page = app::workspace(db, "coll").page(PAGE).await?;
            assert_eq!(page.items.len(), PAGE);
            Ok(())
        },
        |_| async move {
            let out = db
                .client()
                .query()
                .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                .table_name("app")
                .key_condition_expression("#p = :p")
                .expression_attribute_names("#p", "pk")
                .expression_attribute_values(":p", AttributeValue::S("ws#coll".into()))
                .limit(PAGE as i32 + 1)
                .send()
                .await?;
            let mut items = Vec::with_capacity(PAGE);
            for item in out.items().iter().take(PAGE) {
                let decoded = match item.get("entity") {
                    Some(AttributeValue::S(e)) if e == "workspace" => {
                        WorkspaceItem::Workspace(Box::new(Workspace::from_item(item)?))
                    }
                    Some(AttributeValue::S(e)) if e == "member" => {
                        WorkspaceItem::Member(Box::new(Member::from_item(item)?))
                    }
                    Some(AttributeValue::S(e)) if e == "note" => {
                        WorkspaceItem::WorkspaceNote(Box::new(WorkspaceNote::from_item(item)?))
                    }
                    _ => WorkspaceItem::Unknown(item.clone()),
                };
                items.push(decoded);
            }
            assert_eq!(items.len(), PAGE);
            Ok(())
        },
    )
    .await?;
    Ok(())
}

async fn serve() -> Res<()> {
    let db = Db::embedded().await?;
    println!("{}", db.endpoint_url().unwrap_or_default());
    std::io::stdout().flush()?;
    // Serve until the parent writes a line or closes stdin.
    tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        let _ = std::io::stdin().read_line(&mut s);
    })
    .await?;
    drop(db);
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |a: &str| args.iter().any(|x| x == a);
    if has("--serve") {
        return serve().await;
    }
    let quick = has("--quick");
    let only = has("--memory")
        || has("--codegen")
        || has("--ops")
        || has("--compile-time")
        || has("--transact")
        || has("--single-table")
        || has("--metering")
        || has("--bulk")
        || has("--backfill")
        || has("--calls")
        || has("--profile-calls")
        || has("--encryption")
        || has("--sdk-cuts");
    println!(
        "dynamongo bench ({}), {} cores",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    if has("--transact") {
        let db = Db::embedded().await?;
        User::create_table(&db).await?;
        transact_write(&db, if quick { 100 } else { 400 }).await?;
    }
    if !only || has("--ops") {
        let db = Db::embedded().await?;
        operations(&db, quick).await?;
    }
    if let Some(at) = args.iter().position(|a| a == "--profile-calls") {
        let (Some(op), Some(side)) = (args.get(at + 1), args.get(at + 2)) else {
            return Err(
                "--profile-calls <get_one|save_one|update_one|get_many> <ours|raw|both>".into(),
            );
        };
        let side = match side.as_str() {
            "ours" => Some(true),
            "raw" => Some(false),
            _ => None,
        };
        PROFILE.get_or_init(|| (op.clone(), side));
    }
    if has("--calls") || PROFILE.get().is_some() {
        calls_on_both_runtimes(quick).await?;
    }
    if has("--sdk-cuts") {
        sdk_cuts(quick).await?;
    }
    if !only || has("--encryption") {
        encryption(quick).await?;
    }
    if !only || has("--backfill") {
        backfill_bench(quick).await?;
    }
    if has("--bulk") {
        let db = Db::embedded().await?;
        bulk(&db, quick).await?;
    }
    if !only || has("--metering") {
        let db = Db::embedded().await?;
        metering(&db, quick).await?;
    }
    if !only || has("--single-table") {
        let db = Db::embedded().await?;
        single_table(&db, if quick { 10 } else { 40 }).await?;
    }
    if !only || has("--codegen") {
        codegen(if quick { 200 } else { 1_000 })?;
    }
    if !only || has("--memory") {
        memory(quick).await?;
    }
    if has("--compile-time") {
        // Not part of the default run: it builds the SDK twice in a scratch workspace.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        dynamongo_tests::compile_bench::run(&root, if quick { 2 } else { 5 })?;
    }
    Ok(())
}
