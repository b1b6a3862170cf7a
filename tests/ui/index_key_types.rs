use dynamongo_tests::snapshot_spec::order::{self, OrderStatus};

fn main() {
    // The hash key of `by_status` is an OrderStatus, not a string.
    let _ = order::by_status().eq("shipped");
    // `by_coupon` has no range key: no range conditions.
    let _ = order::by_coupon().eq("SPRING").range_gt("x");
    // The range key of `by_status` is a datetime.
    let _ = order::by_status().eq(OrderStatus::Open).range_gt(5);
}
