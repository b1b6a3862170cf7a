// Only optional fields can be removed.
use dynamongo_tests::snapshot_spec::user;

fn main() {
    let _ = user::name().remove();
}
