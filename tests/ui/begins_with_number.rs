// `begins_with` exists only on text fields.
use dynamongo_tests::snapshot_spec::user;

fn main() {
    let _ = user::year_of_birth().begins_with("19");
}
