// A primary-key field of an entity never changes: its handle has no `set` (the item's key
// is rendered from it).
use dynamongo_tests::snapshot_spec::member;

fn main() {
    let _ = member::email().set("eve@example.com");
}
