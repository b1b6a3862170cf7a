// `append` exists only on list fields.
use dynamongo_tests::snapshot_spec::user;

fn main() {
    let _ = user::name().append(["x"]);
}
