//! The seed's quickstart, on the embedded store (or on AWS with `--aws`).
//!
//! `cargo run -p build-example` generates the models from `spec/` (in build.rs) and runs:
//! create the table, save John and Jane, print John's name, get John by a condition and
//! print him as JSON.

#[allow(dead_code)] // every spec is generated; the quickstart uses only `User`.
mod models {
    include!(concat!(env!("OUT_DIR"), "/dynamongo/models.rs"));
}

use dynamongo_runtime::prelude::*;
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
    Ok(())
}
