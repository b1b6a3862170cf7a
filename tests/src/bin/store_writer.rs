//! A process that writes to an embedded file store and says so after each write is
//! acknowledged: `store_writer PATH COUNT` prints `ack <n>` once user `n` is saved. The
//! durability test kills it with SIGKILL mid-run and reopens the file.

use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::user::User;
use std::io::Write as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(count)) = (args.next(), args.next()) else {
        return Err("usage: store_writer PATH COUNT".into());
    };
    let count: usize = count.parse()?;
    let db = Db::embedded_at(&path).await?;
    match User::create_table(&db).await {
        Ok(()) | Err(Error::TableExists(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let mut out = std::io::stdout().lock();
    for n in 0..count {
        User::save_one(
            &db,
            User::new(format!("u{n}@example.com"), format!("User {n}")),
        )
        .await?;
        writeln!(out, "ack {n}")?;
        out.flush()?;
    }
    Ok(())
}
