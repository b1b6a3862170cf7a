//! The planner, table-driven and without a store: a strategy goes in, the plan that
//! `explain()` shows comes out (operation, index, key condition, filter, checks applied
//! to returned items, request and key counts). Nothing is sent: the `Db` points nowhere.

use dynamongo_runtime::codegen::example::order::{self, Order, OrderStatus};
use dynamongo_runtime::codegen::example::user::{self, User};
use dynamongo_runtime::plan::{Operation, Plan};
use dynamongo_runtime::prelude::*;

/// A connection that is never used: `explain()` sends nothing.
fn db() -> Db {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-2"))
        .build();
    Db::from_client(aws_sdk_dynamodb::Client::from_conf(config), "t-")
}

/// What a row expects of a plan.
struct Want {
    operation: Operation,
    index: Option<&'static str>,
    requests: usize,
    keys: usize,
    key_condition: Option<&'static str>,
    filter: Option<&'static str>,
    local_filter: Option<&'static str>,
    /// Every placeholder name, in order.
    names: &'static [&'static str],
    /// A phrase of the reason.
    because: &'static str,
}

impl Want {
    fn new(operation: Operation, because: &'static str) -> Self {
        Want {
            operation,
            index: None,
            requests: 1,
            keys: 0,
            key_condition: None,
            filter: None,
            local_filter: None,
            names: &[],
            because,
        }
    }
    fn keys(mut self, keys: usize, requests: usize) -> Self {
        (self.keys, self.requests) = (keys, requests);
        self
    }
    fn requests(mut self, n: usize) -> Self {
        self.requests = n;
        self
    }
    fn index(mut self, index: &'static str) -> Self {
        self.index = Some(index);
        self
    }
    fn key_condition(mut self, text: &'static str) -> Self {
        self.key_condition = Some(text);
        self
    }
    fn filter(mut self, text: &'static str) -> Self {
        self.filter = Some(text);
        self
    }
    fn local(mut self, text: &'static str) -> Self {
        self.local_filter = Some(text);
        self
    }
    fn names(mut self, names: &'static [&'static str]) -> Self {
        self.names = names;
        self
    }
}

fn check(rows: Vec<(&str, dynamongo_runtime::Result<Plan>, Want)>) {
    let mut wrong = Vec::new();
    for (name, plan, want) in rows {
        let plan = match plan {
            Ok(p) => p,
            Err(e) => {
                wrong.push(format!("{name}: no plan: {e}"));
                continue;
            }
        };
        let names: Vec<&str> = plan.names.iter().map(|(_, n)| n.as_str()).collect();
        let got = (
            plan.operation,
            plan.index.as_deref(),
            plan.requests,
            plan.keys,
            plan.key_condition.as_deref(),
            plan.filter.as_deref(),
            plan.local_filter.as_deref(),
        );
        let expected = (
            want.operation,
            want.index,
            want.requests,
            want.keys,
            want.key_condition,
            want.filter,
            want.local_filter,
        );
        if got != expected || names != want.names || !plan.reason.contains(want.because) {
            wrong.push(format!(
                "{name}:\n  want {expected:?} names {:?} because {:?}\n  got  {got:?} names {names:?} because {:?}",
                want.names, want.because, plan.reason
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn hash_only_table() {
    use Operation::*;
    let db = &db();
    let many: Vec<String> = (0..150).map(|i| format!("u{i}@b.io")).collect();
    check(vec![
        (
            "one key",
            User::get_many(db, vec!["a@b.io"]).explain(),
            Want::new(GetItem, "full keys").keys(1, 1),
        ),
        (
            "two keys",
            User::get_many(db, vec!["a@b.io", "c@d.io"]).explain(),
            Want::new(BatchGetItem, "full keys").keys(2, 1),
        ),
        (
            "150 keys: two requests of at most 100",
            User::get_many(db, many).explain(),
            Want::new(BatchGetItem, "full keys").keys(150, 2),
        ),
        (
            "hash key equality",
            User::get_many(db, user::email().eq("a@b.io")).explain(),
            Want::new(GetItem, "equality on the hash key `email`").keys(1, 1),
        ),
        (
            "hash key equality and a check: GetItem has no filter, the check runs here",
            User::get_many(db, user::email().eq("a@b.io") & user::name().eq("J")).explain(),
            Want::new(GetItem, "gives full keys")
                .keys(1, 1)
                .local("#n0 = :v0")
                .names(&["name"]),
        ),
        (
            "hash key in_ a list",
            User::get_many(db, user::email().in_(["a@b.io", "c@d.io"])).explain(),
            Want::new(BatchGetItem, "in a list of 2").keys(2, 1),
        ),
        (
            "another attribute",
            User::get_many(db, user::name().eq("J")).explain(),
            Want::new(Scan, "no equality or in_ on the hash key")
                .filter("#n0 = :v0")
                .names(&["name"]),
        ),
        (
            "hash key equalities ORed are no key",
            User::get_many(db, user::email().eq("a@b.io") | user::email().eq("c@d.io")).explain(),
            Want::new(Scan, "ANDed at the top")
                .filter("(#n0 = :v0 OR #n0 = :v1)")
                .names(&["email"]),
        ),
        (
            "begins_with on a hash key is no key",
            User::get_many(db, user::email().begins_with("a")).explain(),
            Want::new(Scan, "no equality")
                .filter("begins_with(#n0, :v0)")
                .names(&["email"]),
        ),
        (
            "a parallel scan: a request per segment",
            User::get_many(db, user::name().eq("J"))
                .segments(4)
                .explain(),
            Want::new(Scan, "no equality")
                .requests(4)
                .filter("#n0 = :v0")
                .names(&["name"]),
        ),
        (
            "deleting keys: batched",
            User::delete_many(db, vec!["a@b.io"]).explain(),
            Want::new(BatchWriteItem, "batched deletes").keys(1, 1),
        ),
        (
            "deleting by a condition: found first, each deleted on the condition",
            User::delete_many(db, user::name().eq("J")).explain(),
            Want::new(DeleteItem, "found first")
                .requests(0)
                .filter("#n0 = :v0")
                .names(&["name"]),
        ),
    ]);
}

#[test]
fn composite_key_and_indexes() {
    use Operation::*;
    let db = &db();
    let c = || order::customer().eq("c@d.io");
    check(vec![
        (
            "hash key equality: Query",
            Order::get_many(db, c()).explain(),
            Want::new(Query, "equality on the hash key `customer`")
                .key_condition("#n0 = :v0")
                .names(&["customer"]),
        ),
        (
            "and begins_with on the range key: in the key condition",
            Order::get_many(db, c() & order::order_id().begins_with("2026")).explain(),
            Want::new(Query, "a condition on the range key")
                .key_condition("#n0 = :v0 AND begins_with(#n1, :v1)")
                .names(&["customer", "order_id"]),
        ),
        (
            "and between on the range key",
            Order::get_many(db, c() & order::order_id().between("a", "m")).explain(),
            Want::new(Query, "range key")
                .key_condition("#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2")
                .names(&["customer", "order_id"]),
        ),
        (
            "both keys equal: GetItem",
            Order::get_many(db, c() & order::order_id().eq("o1")).explain(),
            Want::new(GetItem, "gives full keys").keys(1, 1),
        ),
        (
            "another attribute beside the hash key: a filter",
            Order::get_many(db, c() & order::status().eq(OrderStatus::Open)).explain(),
            Want::new(Query, "hash key `customer`")
                .key_condition("#n0 = :v0")
                .filter("#n1 = :v1")
                .names(&["customer", "status"]),
        ),
        (
            "hash key in_ a list: a Query per value",
            Order::get_many(db, order::customer().in_(["a@b.io", "c@d.io"])).explain(),
            Want::new(Query, "in a list of 2")
                .requests(2)
                .key_condition("#n0 = :v0")
                .names(&["customer"]),
        ),
        (
            "a global index's hash key",
            Order::get_many(db, order::status().eq(OrderStatus::Open)).explain(),
            Want::new(Query, "the hash key of the global index `by_status`")
                .index("by_status")
                .key_condition("#n0 = :v0")
                .names(&["status"]),
        ),
        (
            "a global index's hash and range keys, by its DynamoDB name",
            Order::get_many(db, order::city().eq("Nairobi") & order::total().gt(10.0)).explain(),
            Want::new(Query, "a condition on its range key `total`")
                .index("orders-by-city")
                .key_condition("#n0 = :v0 AND #n1 > :v1")
                .names(&["city", "total"]),
        ),
        (
            "a keys-only index cannot give whole items: Scan",
            Order::get_many(db, order::coupon().eq("X")).explain(),
            Want::new(Scan, "no equality")
                .filter("#n0 = :v0")
                .names(&["coupon"]),
        ),
        (
            "an attribute of no key",
            Order::get_many(db, order::total().gt(5.0)).explain(),
            Want::new(Scan, "no equality")
                .filter("#n0 > :v0")
                .names(&["total"]),
        ),
        (
            "a key ORed with anything is no key",
            Order::get_many(db, c() | order::city().eq("x")).explain(),
            Want::new(Scan, "ANDed at the top")
                .filter("(#n0 = :v0 OR #n1 = :v1)")
                .names(&["customer", "city"]),
        ),
        (
            "a negated key is no key",
            Order::get_many(db, !c()).explain(),
            Want::new(Scan, "no equality")
                .filter("(NOT #n0 = :v0)")
                .names(&["customer"]),
        ),
    ]);
}

#[test]
fn options_show_in_the_plan() {
    let db = &db();
    let plan = Order::get_many(db, order::customer().eq("c@d.io"))
        .descending()
        .limit(5)
        .explain()
        .expect("a plan");
    assert!(plan.descending);
    assert_eq!(plan.limit, Some(5));
    assert_eq!(plan.table, "t-orders", "the table prefix applies");
    let plan = User::get_many(db, user::name().eq("J"))
        .segments(4)
        .explain()
        .expect("a plan");
    assert_eq!(plan.segments, 4);
    let bad = User::get_many(db, user::name().eq("J"))
        .segments(0)
        .explain();
    assert!(
        matches!(&bad, Err(Error::Config(m)) if m.contains("segments(0)")),
        "{bad:?}"
    );
}

/// Entities of a single-table design (DESIGN §10): conditions on fields become
/// conditions on the rendered keys, and the entity check is always there.
#[test]
fn single_table_entities() {
    use dynamongo_runtime::codegen::example::app;
    use dynamongo_runtime::codegen::example::member::{self, Member};
    use dynamongo_runtime::codegen::example::workspace::Workspace;
    use dynamongo_runtime::codegen::example::workspace_note::{self, WorkspaceNote};
    use Operation::*;
    let db = &db();
    let t = |m: u32| {
        use dynamongo_runtime::chrono::TimeZone;
        dynamongo_runtime::chrono::Utc
            .with_ymd_and_hms(2026, 1, 2, 3, m, 0)
            .unwrap()
    };
    let ws = || workspace_note::workspace().eq("acme");
    let id = dynamongo_runtime::uuid::Uuid::nil();
    check(vec![
        (
            "a key: GetItem, the entity checked on the item returned",
            Workspace::get_many(db, vec!["acme"]).explain(),
            Want::new(GetItem, "full keys")
                .keys(1, 1)
                .local("#n0 = :v0")
                .names(&["entity"]),
        ),
        (
            "the partition's fields: a Query on the entity's sort prefix",
            Member::get_many(db, member::workspace().eq("acme")).explain(),
            Want::new(Query, "equality on the hash key `pk`")
                .key_condition("#n0 = :v0 AND begins_with(#n1, :v1)")
                .filter("#n2 = :v2")
                .names(&["pk", "sk", "entity"]),
        ),
        (
            "every key field: full keys",
            Member::get_many(
                db,
                member::workspace().eq("acme") & member::email().eq("a@b.io"),
            )
            .explain(),
            Want::new(GetItem, "gives full keys")
                .keys(1, 1)
                .local("#n0 = :v0")
                .names(&["entity"]),
        ),
        (
            "a range on a fixed-width field: exact bounds, no filter on it",
            WorkspaceNote::get_many(db, ws() & workspace_note::created_at().gt(t(2))).explain(),
            Want::new(Query, "a condition on the range key")
                .key_condition("#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2")
                .filter("#n2 = :v3")
                .names(&["pk", "sk", "entity"]),
        ),
        (
            "a range on a text field: bounds and the term kept as a filter",
            Member::get_many(db, member::workspace().eq("acme") & member::email().ge("m"))
                .explain(),
            Want::new(Query, "a condition on the range key")
                .key_condition("#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2")
                .filter("(#n2 >= :v3 AND #n3 = :v4)")
                .names(&["pk", "sk", "email", "entity"]),
        ),
        (
            "an index template's fields: a Query on the index",
            WorkspaceNote::get_many(db, workspace_note::author().eq("a@b.io")).explain(),
            Want::new(Query, "the hash key of the global index `gsi1`")
                .index("gsi1")
                .key_condition("#n0 = :v0 AND begins_with(#n1, :v1)")
                .filter("#n2 = :v2")
                .names(&["gsi1pk", "gsi1sk", "entity"]),
        ),
        (
            "no partition: a Scan of the entity",
            WorkspaceNote::get_many(db, workspace_note::title().eq("T")).explain(),
            Want::new(Scan, "no equality or in_ on the hash key `pk`")
                .filter("(#n0 = :v0 AND #n1 = :v1)")
                .names(&["title", "entity"]),
        ),
        (
            "full keys of a note",
            WorkspaceNote::get_many(
                db,
                ws() & workspace_note::created_at().eq(t(1)) & workspace_note::id().eq(id),
            )
            .explain(),
            Want::new(GetItem, "gives full keys")
                .keys(1, 1)
                .local("#n0 = :v0")
                .names(&["entity"]),
        ),
        (
            "a collection: one Query on the partition, every entity",
            app::workspace(db, "acme").explain(),
            Want::new(Query, "the collection `workspace`")
                .key_condition("#n0 = :v0")
                .names(&["pk"]),
        ),
    ]);
    // The bounds of a fixed-width range, as rendered.
    let plan = WorkspaceNote::get_many(db, ws() & workspace_note::created_at().gt(t(2)))
        .explain()
        .unwrap();
    let values: Vec<String> = plan
        .values
        .iter()
        .map(|(_, v)| v.as_s().cloned().unwrap_or_default())
        .collect();
    assert_eq!(
        values[..3],
        [
            "ws#acme".to_string(),
            "note#2026-01-02T03:02:00.000000+0000\u{10FFFF}".to_string(),
            "note#\u{10FFFF}".to_string(),
        ]
    );
}
