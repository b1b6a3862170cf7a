//! The seed's quickstart, on the embedded store (or on AWS with `--aws`).
//!
//! `cargo run -p build-example` generates the models from `spec/` (in build.rs) and runs:
//! create the table, save John and Jane, print John's name, get John by a condition and
//! print him as JSON; then query orders through a secondary index and show the plan; then
//! move money between two versioned accounts in a transaction.

#[allow(dead_code)] // every spec is generated; the example uses some of them.
mod models {
    include!(concat!(env!("OUT_DIR"), "/dynamongo/models.rs"));
}

use dynamongo_runtime::prelude::*;
use models::account::{self, Account};
use models::order::{self, Order, OrderStatus};
use models::user::{self, User};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Error> {
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

    // A secondary index: John's orders by status, newest first (spec/orders.json).
    Order::create_table(&db).await?;
    let orders = ["o-1", "o-2", "o-3"].map(|id| {
        let mut o = Order::new(john.email.as_str(), id);
        o.status = Some(if id == "o-2" {
            OrderStatus::Open
        } else {
            OrderStatus::Shipped
        });
        o
    });
    Order::save_many(&db, orders).await?;
    let shipped = Order::get_many(&db, order::status().eq(OrderStatus::Shipped)).descending();
    println!("{}", shipped.explain()?);
    for o in shipped.await? {
        println!("shipped: {} {}", o.customer, o.order_id);
    }

    // Concurrent writers (spec/accounts.json): versioned accounts, and a transfer that
    // happens entirely or not at all.
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
    Ok(())
}
