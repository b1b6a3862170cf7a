use dynamongo_tests::snapshot_spec::order::{self, OrderStatus};

fn main() {
    multi_attribute();
    // The hash key of `by_status` is an OrderStatus, not a string.
    let _ = order::by_status().eq("shipped");
    // `by_coupon` has no range key: no range conditions.
    let _ = order::by_coupon().eq("SPRING").range_gt("x");
    // The range key of `by_status` is a datetime.
    let _ = order::by_status().eq(OrderStatus::Open).range_gt(5);
}

fn multi_attribute() {
    use dynamongo_runtime::chrono::Utc;
    use dynamongo_tests::snapshot_valid::sensor;
    // Range conditions go in key order: `day` (a date) comes before `recorded_at`.
    let key = sensor::by_site_kind().eq(("north".to_string(), "temp".to_string()));
    let _ = key.range_gt(Utc::now());
}
