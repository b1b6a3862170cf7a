// An index whose hash key has several attributes takes their values together, as a tuple
// in key order; a lone value (or `.eq(a).eq(b)`) is told so.
use dynamongo_tests::snapshot_valid::sensor;

fn main() {
    let _ = sensor::by_site_kind().eq(("north", "temp")); // fine
    let _ = sensor::by_site_kind().eq("north");
}
