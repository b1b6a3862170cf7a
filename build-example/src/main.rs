//! A newcomer's tour of dynamongo, on the embedded store (or on AWS with `--aws`).
//!
//! `cargo run -p build-example` generates the models from `spec/` (in build.rs) and runs:
//! the seed's quickstart (create the table, save John and Jane, print John's name, get John
//! by a condition and print him as JSON); a batch and its `BatchResult`; a plan from
//! `explain()` and an index query; a page and its cursor; and a transfer between two
//! versioned accounts in a transaction; and a single-table design (`spec/app*.json`):
//! a workspace, its members and notes in one table, read back with one Query. With
//! `RUST_LOG=info` it also prints the spans of every operation and DynamoDB call.

use build_example::models;
use dynamongo_runtime::prelude::*;
use models::account::{self, Account};
use models::app::{self, WorkspaceItem};
use models::member::{Member, MemberRole};
use models::order::{self, Order, OrderStatus};
use models::user::{self, User};
use models::workspace::Workspace;
use models::workspace_note::{self, WorkspaceNote};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // RUST_LOG=info: each operation's and each DynamoDB call's span, when it closes.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_target(false)
        .init();
    if std::env::args().any(|a| a == "backfill") {
        return backfill().await;
    }
    let db = if std::env::args().any(|a| a == "--aws") {
        // The seed's env vars (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION_NAME,
        // AWS_TABLE_PREFIX) and the standard AWS chain.
        Db::from_env().await?
    } else {
        Db::embedded().await?
    };
    User::create_table(&db).await?;

    // store data to DynamoDB
    let john = User::save_one(
        &db,
        User::from_json(json!({
            "email": "johndoe@gmail.com",
            "name": "John Doe",
            "year_of_birth": 1990,
            "cities_visited": ["Nairobi", "New York"]
        }))?,
    )
    .await?;

    // year_of_birth, cities_visited & created_at are all optional
    let _jane = User::save_one(&db, User::new("jane@gmail.com", "Jane Doe")).await?;

    // Access attribute values
    println!("{}", john.name);

    // Fetch data from DynamoDB
    let user = User::get_one(&db, user::email().eq("johndoe@gmail.com")).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&user.to_json()).unwrap_or_default()
    );

    // A batch: every item ends in `success` or in `fail` with its reason.
    Order::create_table(&db).await?;
    let mut orders: Vec<Order> = (1..=5)
        .map(|i| {
            let mut o = Order::new(john.email.as_str(), format!("o-{i}"));
            o.status = if i % 2 == 0 {
                OrderStatus::Open
            } else {
                OrderStatus::Shipped
            };
            o
        })
        .collect();
    orders.push(Order::new("not an email", "o-x"));
    let batch = Order::save_many(&db, orders).await?;
    println!(
        "\nsave_many: {} saved, {} failed",
        batch.success_count(),
        batch.fail_count()
    );
    for f in &batch.fail {
        println!("  failed {}: {}", f.item.order_id, f.reason);
    }

    // The planner: the shipped orders come from the secondary index `by_status`.
    let shipped = Order::get_many(&db, order::status().eq(OrderStatus::Shipped)).descending();
    println!("\n{}", shipped.explain()?);
    for o in shipped.await? {
        println!("shipped: {} {}", o.customer, o.order_id);
    }

    // Pages: two orders at a time, and the cursor a web API would hand to its client.
    let johns = || Order::get_many(&db, order::customer().eq(john.email.as_str()));
    let first = johns().page(2).await?;
    let cursor = first.cursor.clone().unwrap_or_default();
    println!("\npage 1: {:?}", ids(&first.items));
    println!("cursor: {cursor}");
    let second = johns().after(cursor).page(2).await?;
    println!("page 2: {:?}", ids(&second.items));

    // Concurrent writers (spec/accounts.json): versioned accounts, and a transfer that
    // happens entirely or not at all.
    println!();
    Account::create_table(&db).await?;
    let alice = Account::save_one(&db, Account::new("alice", "alice@example.com", 100)).await?;
    let bob = Account::save_one(&db, Account::new("bob", "bob@example.com", 0)).await?;
    let mut transfer = db.transact_write();
    transfer.update(&alice, [account::balance().subtract(30)]); // only if alice is unchanged
    transfer.update(&bob, [account::balance().add(30)]);
    transfer.await?;
    // `alice` is the copy read before the transfer: saving it would undo the transfer.
    let refused = Account::save_one(&db, alice).await.unwrap_err();
    println!("stale copy of alice: {refused}");
    for id in ["alice", "bob"] {
        let a = Account::get_one(&db, id).await?;
        println!("{id}: balance {}, version {}", a.balance, a.version);
    }

    // A single-table design (spec/app.json and its entities): one table, keys rendered
    // from templates, and a workspace read back whole with one Query.
    println!();
    app::create_table(&db).await?;
    Workspace::save_one(&db, Workspace::new("acme", "Acme Inc")).await?;
    let mut ann = Member::new("acme", "ann@example.com");
    ann.role = MemberRole::Owner;
    Member::save_many(&db, [ann, Member::new("acme", "bob@example.com")]).await?;
    let mut note = WorkspaceNote::new("acme", "Kick-off");
    note.author = Some("ann@example.com".into());
    WorkspaceNote::save_one(&db, note).await?;
    for item in app::workspace(&db, "acme").await? {
        match item {
            WorkspaceItem::Workspace(w) => println!("workspace {} ({:?})", w.name, w.plan),
            WorkspaceItem::Member(m) => println!("member {} ({:?})", m.email, m.role),
            WorkspaceItem::WorkspaceNote(n) => println!("note {:?} by {:?}", n.title, n.author),
            WorkspaceItem::Unknown(item) => println!("an entity this code does not know: {item:?}"),
        }
    }
    // Ann's notes, from the overloaded index gsi1 (`author#{author}`).
    let by_ann = WorkspaceNote::get_many(&db, workspace_note::author().eq("ann@example.com"));
    println!("{}", by_ann.explain()?);
    println!("notes by ann: {}", by_ann.await?.len());
    Ok(())
}

/// `cargo run -p build-example -- backfill`: users stored in an older form (as another
/// tool, or an older model, wrote them: no `cities_visited`, no `created_at`) rewritten in
/// the current one by `User::backfill`, with a progress bar on a terminal and plain lines
/// otherwise.
async fn backfill() -> Result<(), Error> {
    use dynamongo_runtime::field::{AttributeValue, Item};
    use std::io::IsTerminal;
    let db = Db::embedded().await?;
    User::create_table(&db).await?;
    let n = 2_000;
    let table = db.table_name("users");
    for i in 0..n {
        let item = Item::from([
            (
                "email".to_string(),
                AttributeValue::S(format!("user{i:05}@example.com")),
            ),
            ("name".to_string(), AttributeValue::S(format!("User {i}"))),
        ]);
        db.client()
            .put_item()
            .table_name(&table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| Error::Config(format!("seeding: {e}")))?;
    }
    let total = User::approximate_count(&db).await?.items;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} items, {per_sec} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let report = User::backfill(&db)
        .segments(4)
        .rate(2_000.0)
        .on_page(|p| match &bar {
            Some(bar) => {
                bar.set_position(p.scanned);
                bar.set_message(format!("{} rewritten", p.rewritten));
            }
            None => println!(
                "segment {}: {} scanned, {} rewritten",
                p.segment, p.scanned, p.rewritten
            ),
        })
        .await?;
    if let Some(bar) = &bar {
        bar.finish();
    }
    println!(
        "backfill {}: {} scanned, {} rewritten, {} unchanged, {} failed, complete: {}; {}",
        report.name,
        report.scanned,
        report.rewritten,
        report.unchanged,
        report.failed.len(),
        report.complete,
        report.consumed
    );
    // Every user now has what the model writes, and a second run finds nothing to do.
    let ann = User::get_one(&db, "user00000@example.com").await?;
    println!(
        "user00000: cities_visited {:?}, created_at {}",
        ann.cities_visited, ann.created_at
    );
    let again = User::backfill(&db).name("again").await?;
    println!("a second pass: {} unchanged", again.unchanged);
    Ok(())
}

fn ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}
