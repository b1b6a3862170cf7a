// Conditions of two models cannot be combined.
use dynamongo_tests::snapshot_spec::{contacts, user};

fn main() {
    let _ = user::name().eq("a") & contacts::email().eq("b");
}
