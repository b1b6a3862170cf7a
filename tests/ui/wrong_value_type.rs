// A condition value of the wrong type does not compile.
use dynamongo_tests::snapshot_spec::user;

fn main() {
    let _ = user::year_of_birth().lt("nineteen ninety");
}
