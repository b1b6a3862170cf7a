// A condition built for one model cannot select items of another.
use dynamongo_runtime::prelude::*;
use dynamongo_tests::snapshot_spec::contacts;
use dynamongo_tests::snapshot_spec::user::User;

async fn f(db: &Db) {
    let _ = User::get_one(db, contacts::email().eq("a@b.io")).await;
}

fn main() {
    let _ = f;
}
