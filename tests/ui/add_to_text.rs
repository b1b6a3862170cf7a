// `add` exists on numbers and sets, not on text.
use dynamongo_tests::snapshot_spec::user;

fn main() {
    let _ = user::name().add(1);
}
