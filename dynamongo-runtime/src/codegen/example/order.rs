//! The module that `dynamongo-codegen` generates from the orders spec (`spec/orders.json`:
//! a composite key and secondary indexes), kept here for the planner's tests. The test
//! `runtime_examples_are_generated_code` (in `tests/tests/snapshots.rs`) checks that it is
//! exactly the generator's output.

use crate::codegen as dm;

/// A customer's orders: a composite key and secondary indexes.
///
/// Capacity (from the spec): a stored item is 68 bytes or more (unbounded).
/// Saving a new one costs 3 or more write units (table 1 or more, `by_status` 1 or more, `orders-by-city` 0 or more, `by_coupon` 0 or more, `by_placed` 1 or more).
/// Getting one costs 1 or more read units strongly consistent, 0.5 or more eventually.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// `customer`: email, required
    pub customer: ::std::string::String,
    /// `order_id`: string, required
    pub order_id: ::std::string::String,
    /// `status`: enum
    pub status: OrderStatus,
    /// `placed_at`: datetime
    pub placed_at: dm::chrono::DateTime<dm::chrono::Utc>,
    /// `total`: float
    pub total: ::core::option::Option<f64>,
    /// Only some orders have one: `by_coupon` is a sparse index.
    pub coupon: ::core::option::Option<::std::string::String>,
    /// `city`: string
    pub city: ::core::option::Option<::std::string::String>,
}

impl Order {
    const CUSTOMER: dm::Attr = dm::Attr::new("customer")
        .rules(dm::Rules::new().email().required());
    const ORDER_ID: dm::Attr = dm::Attr::new("order_id")
        .rules(dm::Rules::new().required());
    const STATUS: dm::Attr = dm::Attr::new("status");
    const PLACED_AT: dm::Attr = dm::Attr::new("placed_at");
    const TOTAL: dm::Attr = dm::Attr::new("total").rules(dm::Rules::new().min(0.0));
    const COUPON: dm::Attr = dm::Attr::new("coupon");
    const CITY: dm::Attr = dm::Attr::new("city");

    /// An `Order` with the given required fields and every other field at its default.
    pub fn new(
        customer: impl ::core::convert::Into<::std::string::String>,
        order_id: impl ::core::convert::Into<::std::string::String>,
    ) -> Self {
        Self {
            customer: customer.into(),
            order_id: order_id.into(),
            status: OrderStatus::Open,
            placed_at: dm::now(),
            total: ::core::option::Option::None,
            coupon: ::core::option::Option::None,
            city: ::core::option::Option::None,
        }
    }
}

impl dm::Document for Order {
    const FIELDS: usize = 7;

    fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
        visitor.field(&Self::CUSTOMER, &self.customer);
        visitor.field(&Self::ORDER_ID, &self.order_id);
        visitor.field(&Self::STATUS, &self.status);
        visitor.field(&Self::PLACED_AT, &self.placed_at);
        visitor.field(&Self::TOTAL, &self.total);
        visitor.field(&Self::COUPON, &self.coupon);
        visitor.field(&Self::CITY, &self.city);
    }

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            customer: dm::get(item, &Self::CUSTOMER)?,
            order_id: dm::get(item, &Self::ORDER_ID)?,
            status: dm::get_or(item, &Self::STATUS, || OrderStatus::Open)?,
            placed_at: dm::get_or(item, &Self::PLACED_AT, dm::now)?,
            total: dm::get(item, &Self::TOTAL)?,
            coupon: dm::get(item, &Self::COUPON)?,
            city: dm::get(item, &Self::CITY)?,
        })
    }

    fn read_json(json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
        let customer = json.field(&Self::CUSTOMER);
        let order_id = json.field(&Self::ORDER_ID);
        let status = json.or(&Self::STATUS, || OrderStatus::Open);
        let placed_at = json.or(&Self::PLACED_AT, dm::now);
        let total = json.field(&Self::TOTAL);
        let coupon = json.field(&Self::COUPON);
        let city = json.field(&Self::CITY);
        ::core::option::Option::Some(Self {
            customer: customer?,
            order_id: order_id?,
            status: status?,
            placed_at: placed_at?,
            total: total?,
            coupon: coupon?,
            city: city?,
        })
    }
}

impl dm::Model for Order {
    type Key = OrderKey;

    const TABLE: &'static str = "orders";
    const HASH_KEY: dm::KeyAttr = dm::KeyAttr::new(
        Order::CUSTOMER.name,
        dm::ScalarType::S,
    );
    const RANGE_KEY: ::core::option::Option<dm::KeyAttr> = ::core::option::Option::Some(
        dm::KeyAttr::new(Order::ORDER_ID.name, dm::ScalarType::S),
    );
    const THROUGHPUT: dm::Throughput = dm::Throughput::provisioned(8, 8);
    const INDEXES: &'static [dm::IndexDef] = &[
        BY_STATUS_INDEX,
        BY_CITY_INDEX,
        BY_COUPON_INDEX,
        BY_PLACED_INDEX,
    ];
    const ITEM_BYTES: dm::ItemBytes = dm::ItemBytes::new(
        68,
        ::core::option::Option::None,
    );
    const INDEX_BYTES: &'static [(&'static str, dm::ItemBytes)] = &[
        ("by_status", dm::ItemBytes::new(68, ::core::option::Option::None)),
        ("orders-by-city", dm::ItemBytes::new(0, ::core::option::Option::None)),
        ("by_coupon", dm::ItemBytes::new(0, ::core::option::Option::None)),
        ("by_placed", dm::ItemBytes::new(58, ::core::option::Option::None)),
    ];
    fn key(&self) -> OrderKey {
        OrderKey {
            customer: self.customer.clone(),
            order_id: self.order_id.clone(),
        }
    }

    fn json_updates(json: &mut dm::JsonUpdates<'_, Self>) {
        json.key(&customer());
        json.key(&order_id());
        json.set(&status());
        json.set(&placed_at());
        json.set(&total());
        json.set(&coupon());
        json.set(&city());
    }
}

/// The primary key of [`Order`]: `customer` and `order_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderKey {
    /// `customer` (email).
    pub customer: ::std::string::String,
    /// `order_id` (string).
    pub order_id: ::std::string::String,
}

impl dm::ModelKey for OrderKey {
    fn to_key_item(&self) -> dm::Item {
        dm::Item::from([
            dm::attr(&Order::CUSTOMER, &self.customer),
            dm::attr(&Order::ORDER_ID, &self.order_id),
        ])
    }

    fn from_key_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            customer: dm::get(item, &Order::CUSTOMER)?,
            order_id: dm::get(item, &Order::ORDER_ID)?,
        })
    }
}

impl dm::Strategy<Order> for OrderKey {
    fn into_target(self) -> dm::Target<Order> {
        dm::Target::Key(self)
    }
}

impl ::core::convert::From<(::std::string::String, ::std::string::String)> for OrderKey {
    fn from(
        (customer, order_id): (::std::string::String, ::std::string::String),
    ) -> Self {
        Self { customer, order_id }
    }
}

impl dm::Strategy<Order> for (::std::string::String, ::std::string::String) {
    fn into_target(self) -> dm::Target<Order> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<(::std::string::String, &str)> for OrderKey {
    fn from((customer, order_id): (::std::string::String, &str)) -> Self {
        Self {
            customer,
            order_id: order_id.into(),
        }
    }
}

impl dm::Strategy<Order> for (::std::string::String, &str) {
    fn into_target(self) -> dm::Target<Order> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<(&str, ::std::string::String)> for OrderKey {
    fn from((customer, order_id): (&str, ::std::string::String)) -> Self {
        Self {
            customer: customer.into(),
            order_id,
        }
    }
}

impl dm::Strategy<Order> for (&str, ::std::string::String) {
    fn into_target(self) -> dm::Target<Order> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<(&str, &str)> for OrderKey {
    fn from((customer, order_id): (&str, &str)) -> Self {
        Self {
            customer: customer.into(),
            order_id: order_id.into(),
        }
    }
}

impl dm::Strategy<Order> for (&str, &str) {
    fn into_target(self) -> dm::Target<Order> {
        dm::Target::Key(self.into())
    }
}

/// The `customer` field (email): conditions and updates.
pub fn customer() -> dm::Field<Order, ::std::string::String> {
    dm::Field::of(&Order::CUSTOMER)
}

/// The `order_id` field (string): conditions and updates.
pub fn order_id() -> dm::Field<Order, ::std::string::String> {
    dm::Field::of(&Order::ORDER_ID)
}

/// The `status` field (enum): conditions and updates.
pub fn status() -> dm::Field<Order, OrderStatus> {
    dm::Field::of(&Order::STATUS)
}

/// The `placed_at` field (datetime): conditions and updates.
pub fn placed_at() -> dm::Field<Order, dm::chrono::DateTime<dm::chrono::Utc>> {
    dm::Field::of(&Order::PLACED_AT)
}

/// The `total` field (float): conditions and updates.
pub fn total() -> dm::Field<Order, f64, dm::Optional> {
    dm::Field::of(&Order::TOTAL)
}

/// The `coupon` field (string): conditions and updates.
pub fn coupon() -> dm::Field<Order, ::std::string::String, dm::Optional> {
    dm::Field::of(&Order::COUPON)
}

/// The `city` field (string): conditions and updates.
pub fn city() -> dm::Field<Order, ::std::string::String, dm::Optional> {
    dm::Field::of(&Order::CITY)
}

/// The global index `by_status`: hash key `status`, range key `placed_at`; it holds every attribute.
pub fn by_status() -> dm::Index<
    Order,
    OrderStatus,
    dm::chrono::DateTime<dm::chrono::Utc>,
    Order,
> {
    dm::Index::new(&BY_STATUS_INDEX)
}

/// The global index `orders-by-city`: hash key `city`, range key `total`; it holds every attribute.
pub fn by_city() -> dm::Index<Order, ::std::string::String, f64, Order> {
    dm::Index::new(&BY_CITY_INDEX)
}

/// The global index `by_coupon`: hash key `coupon`; a query returns what it holds.
pub fn by_coupon() -> dm::Index<
    Order,
    ::std::string::String,
    dm::NoRange,
    OrderByCoupon,
> {
    dm::Index::new(&BY_COUPON_INDEX)
}

/// The local index `by_placed`: hash key `customer`, range key `placed_at`; a query returns what it holds.
pub fn by_placed() -> dm::Index<
    Order,
    ::std::string::String,
    dm::chrono::DateTime<dm::chrono::Utc>,
    OrderByPlaced,
> {
    dm::Index::new(&BY_PLACED_INDEX)
}

/// The definition of the index `by_status`.
const BY_STATUS_INDEX: dm::IndexDef = dm::IndexDef::global(
        "by_status",
        &[dm::KeyAttr::new(Order::STATUS.name, dm::ScalarType::S)],
    )
    .range(&[dm::KeyAttr::new(Order::PLACED_AT.name, dm::ScalarType::S)]);
/// The definition of the index `orders-by-city`.
const BY_CITY_INDEX: dm::IndexDef = dm::IndexDef::global(
        "orders-by-city",
        &[dm::KeyAttr::new(Order::CITY.name, dm::ScalarType::S)],
    )
    .range(&[dm::KeyAttr::new(Order::TOTAL.name, dm::ScalarType::N)]);
/// The definition of the index `by_coupon`.
const BY_COUPON_INDEX: dm::IndexDef = dm::IndexDef::global(
        "by_coupon",
        &[dm::KeyAttr::new(Order::COUPON.name, dm::ScalarType::S)],
    )
    .projection(dm::Projection::KeysOnly);
/// The definition of the index `by_placed`.
const BY_PLACED_INDEX: dm::IndexDef = dm::IndexDef::local(
        "by_placed",
        &[dm::KeyAttr::new(Order::CUSTOMER.name, dm::ScalarType::S)],
        &[dm::KeyAttr::new(Order::PLACED_AT.name, dm::ScalarType::S)],
    )
    .projection(dm::Projection::Include(&[Order::TOTAL.name]));
/// What the index `by_coupon` of [`Order`] holds: the keys and the fields it includes.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderByCoupon {
    /// `customer`: email, required
    pub customer: ::std::string::String,
    /// `order_id`: string, required
    pub order_id: ::std::string::String,
    /// Only some orders have one: `by_coupon` is a sparse index.
    pub coupon: ::std::string::String,
}

impl OrderByCoupon {
    const CUSTOMER: dm::Attr = dm::Attr::new("customer")
        .rules(dm::Rules::new().email().required());
    const ORDER_ID: dm::Attr = dm::Attr::new("order_id")
        .rules(dm::Rules::new().required());
    const COUPON: dm::Attr = dm::Attr::new("coupon").rules(dm::Rules::new().required());

    /// An `OrderByCoupon` with the given required fields and every other field at its default.
    pub fn new(
        customer: impl ::core::convert::Into<::std::string::String>,
        order_id: impl ::core::convert::Into<::std::string::String>,
        coupon: impl ::core::convert::Into<::std::string::String>,
    ) -> Self {
        Self {
            customer: customer.into(),
            order_id: order_id.into(),
            coupon: coupon.into(),
        }
    }
}

impl dm::Document for OrderByCoupon {
    const FIELDS: usize = 3;

    fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
        visitor.field(&Self::CUSTOMER, &self.customer);
        visitor.field(&Self::ORDER_ID, &self.order_id);
        visitor.field(&Self::COUPON, &self.coupon);
    }

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            customer: dm::get(item, &Self::CUSTOMER)?,
            order_id: dm::get(item, &Self::ORDER_ID)?,
            coupon: dm::get(item, &Self::COUPON)?,
        })
    }

    fn read_json(json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
        let customer = json.field(&Self::CUSTOMER);
        let order_id = json.field(&Self::ORDER_ID);
        let coupon = json.field(&Self::COUPON);
        ::core::option::Option::Some(Self {
            customer: customer?,
            order_id: order_id?,
            coupon: coupon?,
        })
    }
}

/// What the index `by_placed` of [`Order`] holds: the keys and the fields it includes.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderByPlaced {
    /// `customer`: email, required
    pub customer: ::std::string::String,
    /// `order_id`: string, required
    pub order_id: ::std::string::String,
    /// `placed_at`: datetime, required
    pub placed_at: dm::chrono::DateTime<dm::chrono::Utc>,
    /// `total`: float
    pub total: ::core::option::Option<f64>,
}

impl OrderByPlaced {
    const CUSTOMER: dm::Attr = dm::Attr::new("customer")
        .rules(dm::Rules::new().email().required());
    const ORDER_ID: dm::Attr = dm::Attr::new("order_id")
        .rules(dm::Rules::new().required());
    const PLACED_AT: dm::Attr = dm::Attr::new("placed_at");
    const TOTAL: dm::Attr = dm::Attr::new("total").rules(dm::Rules::new().min(0.0));

    /// An `OrderByPlaced` with the given required fields and every other field at its default.
    pub fn new(
        customer: impl ::core::convert::Into<::std::string::String>,
        order_id: impl ::core::convert::Into<::std::string::String>,
        placed_at: impl ::core::convert::Into<dm::chrono::DateTime<dm::chrono::Utc>>,
    ) -> Self {
        Self {
            customer: customer.into(),
            order_id: order_id.into(),
            placed_at: placed_at.into(),
            total: ::core::option::Option::None,
        }
    }
}

impl dm::Document for OrderByPlaced {
    const FIELDS: usize = 4;

    fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
        visitor.field(&Self::CUSTOMER, &self.customer);
        visitor.field(&Self::ORDER_ID, &self.order_id);
        visitor.field(&Self::PLACED_AT, &self.placed_at);
        visitor.field(&Self::TOTAL, &self.total);
    }

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            customer: dm::get(item, &Self::CUSTOMER)?,
            order_id: dm::get(item, &Self::ORDER_ID)?,
            placed_at: dm::get(item, &Self::PLACED_AT)?,
            total: dm::get(item, &Self::TOTAL)?,
        })
    }

    fn read_json(json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
        let customer = json.field(&Self::CUSTOMER);
        let order_id = json.field(&Self::ORDER_ID);
        let placed_at = json.field(&Self::PLACED_AT);
        let total = json.field(&Self::TOTAL);
        ::core::option::Option::Some(Self {
            customer: customer?,
            order_id: order_id?,
            placed_at: placed_at?,
            total: total?,
        })
    }
}

/// The values of `OrderStatus`, stored as their exact strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderStatus {
    /// Stored as `open`.
    Open,
    /// Stored as `shipped`.
    Shipped,
    /// Stored as `cancelled`.
    Cancelled,
}

impl OrderStatus {
    /// Every variant, in spec order.
    pub const ALL: [Self; 3] = [Self::Open, Self::Shipped, Self::Cancelled];

    /// Every stored value, in spec order.
    pub const VALUES: [&'static str; 3] = ["open", "shipped", "cancelled"];

    /// The stored string.
    pub fn as_str(&self) -> &'static str {
        Self::VALUES[*self as usize]
    }

    /// The variant stored as `s`.
    pub fn parse(s: &str) -> ::core::option::Option<Self> {
        dm::parse_enum(s, &Self::VALUES, &Self::ALL)
    }
}

impl ::core::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl dm::FieldValue for OrderStatus {
    fn to_attr(&self) -> dm::AttributeValue {
        dm::AttributeValue::S(self.as_str().into())
    }

    fn from_attr(
        value: &dm::AttributeValue,
    ) -> ::core::result::Result<Self, dm::DecodeError> {
        dm::enum_from_attr(value, "OrderStatus", Self::parse)
    }

    fn to_json(&self) -> dm::serde_json::Value {
        dm::serde_json::Value::String(self.as_str().into())
    }

    fn from_json(
        value: &dm::serde_json::Value,
        path: &str,
        out: &mut ::std::vec::Vec<dm::Violation>,
    ) -> ::core::option::Option<Self> {
        dm::enum_from_json(value, path, out, Self::parse, &Self::VALUES)
    }
}

impl dm::KeyEnum for OrderStatus {}
