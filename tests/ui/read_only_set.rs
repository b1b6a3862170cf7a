// A read-only field (`"read_only": true`) has no set(), add() or remove(): no update can
// change it; its handle still builds conditions.
use dynamongo_runtime::chrono::Utc;
use dynamongo_tests::snapshot_spec::note;

fn main() {
    let _ = note::created_at().lt(Utc::now()); // fine
    let _ = note::created_at().set(Utc::now());
    let _ = note::id().set_if_not_exists(dynamongo_runtime::uuid::Uuid::nil());
}
