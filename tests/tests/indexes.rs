//! Secondary indexes on the embedded store: tables created as the spec says (checked
//! through DescribeTable), the planner's choice pinned by `explain()`, and the right
//! items in the right order from index queries.

use aws_sdk_dynamodb::types::{
    GlobalSecondaryIndexDescription, IndexStatus, ProjectionType, TableDescription,
};
use dynamongo_runtime::prelude::*;
use dynamongo_runtime::{chrono, plan::Operation};
use dynamongo_tests::edge::sensor::{self, Sensor};
use dynamongo_tests::models::order::{self, Order, OrderStatus};

fn at(minute: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(2024, 5, 1, 12, minute, 0)
        .unwrap()
}

fn order(customer: &str, id: &str, status: OrderStatus, minute: u32) -> Order {
    let mut o = Order::new(customer, id);
    o.status = status;
    o.placed_at = at(minute);
    o.total = Some(f64::from(minute));
    o
}

async fn orders() -> Db {
    let db = Db::embedded().await.unwrap();
    Order::create_table(&db).await.unwrap();
    let mut all = vec![
        order("a@x.io", "1", OrderStatus::Shipped, 30),
        order("a@x.io", "2", OrderStatus::Open, 10),
        order("b@x.io", "1", OrderStatus::Shipped, 5),
        order("b@x.io", "2", OrderStatus::Shipped, 50),
        order("c@x.io", "1", OrderStatus::Cancelled, 20),
    ];
    all[0].city = Some("Nairobi".into());
    all[2].city = Some("Nairobi".into());
    all[3].coupon = Some("SPRING".into());
    let r = Order::save_many(&db, all).await.unwrap();
    assert_eq!(r.fail_count(), 0);
    db
}

/// A table's description, and one of its global indexes.
async fn describe(db: &Db, table: &str) -> TableDescription {
    let out = db.client().describe_table().table_name(table).send().await;
    out.unwrap().table.unwrap()
}

fn gsi<'t>(t: &'t TableDescription, name: &str) -> &'t GlobalSecondaryIndexDescription {
    t.global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some(name))
        .unwrap_or_else(|| panic!("index {name} missing"))
}

fn key_schema(schema: &[aws_sdk_dynamodb::types::KeySchemaElement]) -> Vec<String> {
    schema
        .iter()
        .map(|k| format!("{}:{}", k.attribute_name(), k.key_type().as_str()))
        .collect()
}

fn ids(orders: &[Order]) -> Vec<(String, String)> {
    orders
        .iter()
        .map(|o| (o.customer.clone(), o.order_id.clone()))
        .collect()
}

fn pair(c: &str, id: &str) -> (String, String) {
    (c.to_string(), id.to_string())
}

#[tokio::test]
async fn create_table_creates_every_index_as_specified() {
    let db = orders().await;
    let t = describe(&db, "orders").await;
    let mut defs: Vec<(String, String)> = t
        .attribute_definitions()
        .iter()
        .map(|d| {
            (
                d.attribute_name().to_string(),
                d.attribute_type().as_str().to_string(),
            )
        })
        .collect();
    defs.sort();
    let expected = [
        ("city", "S"),
        ("coupon", "S"),
        ("customer", "S"),
        ("order_id", "S"),
        ("placed_at", "S"),
        ("status", "S"),
        ("total", "N"),
    ];
    assert_eq!(
        defs,
        expected
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .to_vec()
    );
    let gsis = t.global_secondary_indexes();
    let names: Vec<&str> = gsis.iter().filter_map(|g| g.index_name()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for (name, schema, projection) in [
        (
            "by_status",
            vec!["status:HASH", "placed_at:RANGE"],
            ProjectionType::All,
        ),
        (
            "orders-by-city",
            vec!["city:HASH", "total:RANGE"],
            ProjectionType::All,
        ),
        ("by_coupon", vec!["coupon:HASH"], ProjectionType::KeysOnly),
    ] {
        let g = gsi(&t, name);
        assert_eq!(key_schema(g.key_schema()), schema, "{name}");
        let p = g.projection().unwrap();
        assert_eq!(p.projection_type(), Some(&projection), "{name}");
        let capacity = g.provisioned_throughput().unwrap();
        assert_eq!(
            capacity.read_capacity_units(),
            Some(8),
            "{name} takes the table's"
        );
        if let Some(status) = g.index_status() {
            assert_eq!(status, &IndexStatus::Active);
        }
    }
    let lsis = t.local_secondary_indexes();
    assert_eq!(lsis.len(), 1);
    assert_eq!(lsis[0].index_name(), Some("by_placed"));
    assert_eq!(
        key_schema(lsis[0].key_schema()),
        ["customer:HASH", "placed_at:RANGE"]
    );
    let p = lsis[0].projection().unwrap();
    assert_eq!(p.projection_type(), Some(&ProjectionType::Include));
    assert_eq!(p.non_key_attributes(), ["total"]);
}

#[tokio::test]
async fn hash_only_table_indexes_with_their_own_capacity() {
    let db = Db::embedded().await.unwrap();
    Sensor::create_table(&db).await.unwrap();
    let t = describe(&db, "sensors").await;
    let by_site = gsi(&t, "by_site");
    let capacity = by_site.provisioned_throughput().unwrap();
    assert_eq!(
        (
            capacity.read_capacity_units(),
            capacity.write_capacity_units()
        ),
        (Some(2), Some(1))
    );
    // Items come back by site, in recorded_at order; `by_alarm` is sparse.
    let mut items = Vec::new();
    for (i, site) in ["north", "south", "north", "north"].iter().enumerate() {
        let mut s = Sensor::new(format!("s{i}"), *site);
        s.recorded_at = at(40 - i as u32 * 10);
        s.value = Some(i as f64);
        if i == 1 {
            s.alarm = Some("hot".into());
        }
        items.push(s);
    }
    Sensor::save_many(&db, items).await.unwrap();
    let north = Sensor::get_many(&db, sensor::site().eq("north"));
    let plan = north.explain().unwrap();
    assert_eq!(
        (plan.operation, plan.index.as_deref()),
        (Operation::Query, Some("by_site"))
    );
    let north: Vec<String> = north.await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(north, ["s3", "s2", "s0"]);
    let alarms = Sensor::get_many(&db, sensor::alarm().eq("hot"))
        .await
        .unwrap();
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].id, "s1");
}

#[tokio::test]
async fn the_planner_queries_an_all_projected_index_and_says_why() {
    let db = orders().await;
    let shipped = order::status().eq(OrderStatus::Shipped);
    let plan = Order::get_many(&db, shipped.clone()).explain().unwrap();
    assert_eq!(plan.operation, Operation::Query);
    assert_eq!(plan.index.as_deref(), Some("by_status"));
    assert!(
        plan.reason.contains("the global index `by_status`"),
        "{}",
        plan.reason
    );
    assert!(plan.to_string().contains("index `by_status`"), "{plan}");

    // A condition on the index's range key becomes part of the key condition.
    let recent = shipped.clone() & order::placed_at().gt(at(10));
    let plan = Order::get_many(&db, recent.clone()).explain().unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_status"));
    assert!(plan.key_condition.unwrap().contains('>'));
    assert_eq!(plan.filter, None);

    // Two candidates: the one whose range key is constrained too wins.
    let both = shipped.clone() & order::city().eq("Nairobi") & order::total().ge(1.0);
    let plan = Order::get_many(&db, both).explain().unwrap();
    assert_eq!(plan.index.as_deref(), Some("orders-by-city"));
    assert!(
        plan.reason.contains("chosen over by_status"),
        "{}",
        plan.reason
    );
    // Neither constrained: the first in the spec.
    let plan = Order::get_many(&db, shipped.clone() & order::city().eq("Nairobi"))
        .explain()
        .unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_status"));
    assert!(plan.filter.is_some());

    // A keys-only index is never chosen for models: a Scan.
    let plan = Order::get_many(&db, order::coupon().eq("SPRING"))
        .explain()
        .unwrap();
    assert_eq!((plan.operation, plan.index), (Operation::Scan, None));
    // The table's own key first; the INCLUDE local index is not all-projected.
    let plan = Order::get_many(
        &db,
        order::customer().eq("a@x.io") & order::placed_at().gt(at(0)),
    )
    .explain()
    .unwrap();
    assert_eq!((plan.operation, plan.index), (Operation::Query, None));
}

#[tokio::test]
async fn index_queries_return_the_right_items_in_order() {
    let db = orders().await;
    let shipped = || order::status().eq(OrderStatus::Shipped);
    let got = Order::get_many(&db, shipped()).await.unwrap();
    assert_eq!(
        ids(&got),
        [
            pair("b@x.io", "1"),
            pair("a@x.io", "1"),
            pair("b@x.io", "2")
        ]
    );
    let got = Order::get_many(&db, shipped()).descending().await.unwrap();
    assert_eq!(
        ids(&got),
        [
            pair("b@x.io", "2"),
            pair("a@x.io", "1"),
            pair("b@x.io", "1")
        ]
    );
    let got = Order::get_many(&db, shipped())
        .descending()
        .limit(2)
        .await
        .unwrap();
    assert_eq!(ids(&got), [pair("b@x.io", "2"), pair("a@x.io", "1")]);
    let got = Order::get_many(&db, shipped() & order::placed_at().between(at(6), at(49)))
        .await
        .unwrap();
    assert_eq!(ids(&got), [pair("a@x.io", "1")]);
    // Filters on other attributes, and streams.
    use futures::StreamExt;
    let streamed: Vec<Order> = Order::get_many(&db, shipped() & order::total().gt(10.0))
        .stream()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(ids(&streamed), [pair("a@x.io", "1"), pair("b@x.io", "2")]);
    // A sparse index: only the orders with a city.
    let got = Order::get_many(&db, order::city().eq("Nairobi") & order::total().lt(100.0))
        .await
        .unwrap();
    assert_eq!(ids(&got), [pair("b@x.io", "1"), pair("a@x.io", "1")]);
    // A global index has no strongly consistent reads: refused with a clear error.
    let err = Order::get_many(&db, shipped())
        .consistent(true)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot be read consistently"),
        "{err}"
    );
}

#[tokio::test]
async fn delete_many_finds_through_an_index() {
    let db = orders().await;
    let cancelled = order::status().eq(OrderStatus::Cancelled);
    let plan = Order::delete_many(&db, cancelled.clone())
        .explain()
        .unwrap();
    let find = plan.find.expect("a read finds the items first");
    assert_eq!(find.index.as_deref(), Some("by_status"));
    let r = Order::delete_many(&db, cancelled).await.unwrap();
    assert_eq!(r.success_count(), 1);
    let left = Order::get_many(&db, order::customer().eq("c@x.io"))
        .await
        .unwrap();
    assert!(left.is_empty());
    assert_eq!(
        Order::get_many(&db, order::customer().eq("a@x.io"))
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn typed_index_handles_query_and_return_what_the_index_holds() {
    use dynamongo_tests::models::order::{OrderByCoupon, OrderByPlaced};
    let db = orders().await;
    // All attributes: whole models, in range-key order, with the range condition typed.
    let q = Order::query(
        &db,
        order::by_status().eq(OrderStatus::Shipped).range_gt(at(5)),
    );
    let plan = q.explain().unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_status"));
    assert!(plan.key_condition.as_deref().unwrap().contains('>'));
    let got: Vec<Order> = q.descending().await.unwrap();
    assert_eq!(ids(&got), [pair("b@x.io", "2"), pair("a@x.io", "1")]);
    // keys_only: the projection struct, exactly the table's and the index's keys.
    let got: Vec<OrderByCoupon> = Order::query(&db, order::by_coupon().eq("SPRING"))
        .await
        .unwrap();
    assert_eq!(
        got,
        [OrderByCoupon {
            customer: "b@x.io".into(),
            order_id: "2".into(),
            coupon: "SPRING".into(),
        }]
    );
    // INCLUDE on a local index: the keys and `total`, filtered and limited.
    let got: Vec<OrderByPlaced> = Order::query(
        &db,
        order::by_placed().eq("b@x.io").range_between(at(0), at(59)),
    )
    .filter(order::total().gt(1.0))
    .limit(5)
    .await
    .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].order_id, "1");
    assert_eq!((got[0].total, got[1].total), (Some(5.0), Some(50.0)));
    assert_eq!(got[1].placed_at, at(50));
}

#[tokio::test]
async fn index_queries_follow_pages() {
    // 40 orders of about 30 KB each: more than one 1 MB page of the index.
    let db = Db::embedded().await.unwrap();
    Order::create_table(&db).await.unwrap();
    let big = "x".repeat(30_000);
    let orders: Vec<Order> = (0..40)
        .map(|i| {
            let mut o = order("p@x.io", &format!("{i:02}"), OrderStatus::Open, i);
            o.city = Some(big.clone());
            o
        })
        .collect();
    Order::save_many(&db, orders).await.unwrap();
    let open = Order::get_many(&db, order::status().eq(OrderStatus::Open))
        .await
        .unwrap();
    let got: Vec<&str> = open.iter().map(|o| o.order_id.as_str()).collect();
    let expected: Vec<String> = (0..40).map(|i| format!("{i:02}")).collect();
    assert_eq!(got, expected);
    let typed = Order::query(&db, order::by_status().eq(OrderStatus::Open))
        .descending()
        .await
        .unwrap();
    assert_eq!(typed.len(), 40);
    assert_eq!(typed[0].order_id, "39");
}

/// DynamoDB's multi-attribute keys (a global index's hash and range keys of up to four
/// attributes each), which the embedded store supports.
#[tokio::test]
async fn multi_attribute_index_keys() {
    use dynamongo_runtime::chrono::NaiveDate;
    let db = Db::embedded().await.unwrap();
    Sensor::create_table(&db).await.unwrap();
    let t = describe(&db, "sensors").await;
    let schema = key_schema(gsi(&t, "by_site_kind").key_schema());
    assert_eq!(
        schema,
        ["site:HASH", "kind:HASH", "day:RANGE", "recorded_at:RANGE"]
    );
    let day = |d: u32| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
    let mut items = Vec::new();
    for (i, (kind, d, minute)) in [
        ("temp", 1, 10),
        ("temp", 1, 20),
        ("temp", 2, 5),
        ("wind", 1, 30),
        ("temp", 1, 40),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = Sensor::new(format!("m{i}"), "north");
        s.kind = Some(kind.to_string());
        s.day = Some(day(d));
        s.recorded_at = at(minute);
        items.push(s);
    }
    Sensor::save_many(&db, items).await.unwrap();
    // The planner: every hash attribute has an equality, range attributes in order.
    let cond = sensor::site().eq("north")
        & sensor::kind().eq("temp")
        & sensor::day().eq(day(1))
        & sensor::recorded_at().gt(at(15));
    let plan = Sensor::get_many(&db, cond.clone()).explain().unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_site_kind"));
    assert!(plan.reason.contains("`site` and `kind`"), "{}", plan.reason);
    assert_eq!(plan.filter, None, "{plan}");
    let got: Vec<String> = Sensor::get_many(&db, cond)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(got, ["m1", "m4"]);
    // Without an equality on `kind`, the index cannot serve: `by_site` does.
    let plan = Sensor::get_many(&db, sensor::site().eq("north") & sensor::day().eq(day(1)))
        .explain()
        .unwrap();
    assert_eq!(plan.index.as_deref(), Some("by_site"));
    // The typed handle: the hash key is a tuple, range conditions go in key order.
    let got = Sensor::query(
        &db,
        sensor::by_site_kind()
            .eq(("north".to_string(), "temp".to_string()))
            .range_eq(day(1))
            .range_le(at(20)),
    )
    .descending()
    .await
    .unwrap();
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m0"]);
}
