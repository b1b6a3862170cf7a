// A collection's enum holds its members: an entity of another table is not one.
use dynamongo_tests::snapshot_spec::app::WorkspaceItem;
use dynamongo_tests::snapshot_valid::job::Job;

fn main() {
    let _ = WorkspaceItem::Member(Job::new("q", 1));
}
