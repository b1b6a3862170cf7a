//! Capacity: what calls consumed (measured by a [`Meter`]) and what they will consume
//! (predicted from the spec's item size bounds, [`ItemBytes`], into an [`Estimate`]).
//!
//! DynamoDB bills and throttles by capacity units: a read unit is one strongly consistent
//! read of up to 4 KB (two eventually consistent ones), a write unit one write of up to
//! 1 KB. Every request dynamongo sends asks for the consumed capacity of the table and of
//! each index (`ReturnConsumedCapacity = INDEXES`, free of charge); a [`Meter`] adds it up.

use std::fmt;
use std::ops::{Add, AddAssign};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::ConsumedCapacity;

/// Read and write capacity units.
///
/// ```
/// use dynamongo_runtime::capacity::Capacity;
/// let c = Capacity::read(0.5) + Capacity::write(2.0);
/// assert_eq!((c.read_units, c.write_units), (0.5, 2.0));
/// assert_eq!(c.to_string(), "0.5 RCU, 2 WCU");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    /// Read capacity units.
    pub read_units: f64,
    /// Write capacity units.
    pub write_units: f64,
}

impl Capacity {
    /// Nothing consumed.
    pub const ZERO: Capacity = Capacity {
        read_units: 0.0,
        write_units: 0.0,
    };

    /// `units` read units.
    pub const fn read(units: f64) -> Self {
        Capacity {
            read_units: units,
            write_units: 0.0,
        }
    }

    /// `units` write units.
    pub const fn write(units: f64) -> Self {
        Capacity {
            read_units: 0.0,
            write_units: units,
        }
    }

    /// Read plus write units (what a rate counts).
    pub fn units(&self) -> f64 {
        self.read_units + self.write_units
    }

    /// Whether nothing was consumed.
    pub fn is_zero(&self) -> bool {
        self.units() == 0.0
    }
}

impl Add for Capacity {
    type Output = Capacity;
    fn add(self, other: Capacity) -> Capacity {
        Capacity {
            read_units: self.read_units + other.read_units,
            write_units: self.write_units + other.write_units,
        }
    }
}

impl AddAssign for Capacity {
    fn add_assign(&mut self, other: Capacity) {
        *self = *self + other;
    }
}

impl std::iter::Sum for Capacity {
    fn sum<I: Iterator<Item = Capacity>>(iter: I) -> Capacity {
        iter.fold(Capacity::ZERO, Add::add)
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} RCU, {} WCU", self.read_units, self.write_units)
    }
}

/// Adds up the capacity that the calls made through a metered [`Db`](crate::Db) consumed:
/// in total, per table and per index. Get one with [`Db::metered`](crate::Db::metered);
/// clones share the figures. Table names are as models name them (without the table
/// prefix).
///
/// A conditional write whose condition fails still costs write units, and DynamoDB does not
/// report them: the meter counts the table's share (at least one unit, more for a large
/// item).
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> dynamongo_runtime::Result<()> {
/// let db = Db::embedded().await?;
/// User::create_table(&db).await?;
/// let (metered, meter) = db.metered();
/// User::save_one(&metered, User::new("ann@example.com", "Ann")).await?;
/// User::get_one(&metered, "ann@example.com").await?;
/// assert_eq!(meter.total().write_units, 1.0);
/// assert_eq!(meter.table("users").read_units, 0.5);
/// assert_eq!(meter.requests(), 2);
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Meter {
    tally: Arc<Mutex<Tally>>,
    prefix: Arc<str>,
    /// The meter of the `Db` this one was made from: it counts too.
    parent: Option<Box<Meter>>,
}

#[derive(Default)]
struct Tally {
    /// (table, index, units); index `None`: the table's own share. A call meets a few
    /// tables and indexes: a list searched by name allocates nothing once they are in it.
    by: Vec<(String, Option<String>, Capacity)>,
    requests: u64,
}

impl Tally {
    fn add(&mut self, table: &str, index: Option<&str>, units: Capacity) {
        match self
            .by
            .iter_mut()
            .find(|(t, i, _)| t == table && i.as_deref() == index)
        {
            Some((_, _, c)) => *c += units,
            None => self
                .by
                .push((table.to_string(), index.map(str::to_string), units)),
        }
    }

    fn get(&self, table: &str, index: Option<&str>) -> Capacity {
        self.by
            .iter()
            .find(|(t, i, _)| t == table && i.as_deref() == index)
            .map_or(Capacity::ZERO, |(_, _, c)| *c)
    }
}

/// Whether a call reads or writes: DynamoDB reports capacity units without saying which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Read,
    Write,
}

impl Kind {
    fn of(self, units: f64) -> Capacity {
        match self {
            Kind::Read => Capacity::read(units),
            Kind::Write => Capacity::write(units),
        }
    }
}

impl fmt::Debug for Meter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meter")
            .field("total", &self.total())
            .field("requests", &self.requests())
            .finish()
    }
}

impl Meter {
    pub(crate) fn new(prefix: Arc<str>, parent: Option<Meter>) -> Self {
        Meter {
            tally: Arc::default(),
            prefix,
            parent: parent.map(Box::new),
        }
    }

    /// Everything consumed: tables and indexes.
    pub fn total(&self) -> Capacity {
        self.lock().by.iter().map(|(_, _, c)| *c).sum()
    }

    /// What `table`'s own share was (its indexes not included).
    pub fn table(&self, table: &str) -> Capacity {
        self.lock().get(table, None)
    }

    /// What `index` of `table` consumed (its DynamoDB name).
    pub fn index(&self, table: &str, index: &str) -> Capacity {
        self.lock().get(table, Some(index))
    }

    /// Every table and index that consumed anything, in name order: `(table, index,
    /// units)`, the table's own share with index `None`.
    pub fn breakdown(&self) -> Vec<(String, Option<String>, Capacity)> {
        let mut all = self.lock().by.clone();
        all.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        all
    }

    /// Requests that reported consumption (and failed conditional writes).
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        // The tally is only ever added to; a panic elsewhere leaves it consistent.
        self.tally.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds what one response reported.
    pub(crate) fn record(&self, kind: Kind, consumed: &ConsumedCapacity) {
        let table = consumed.table_name().unwrap_or_default();
        let table = table.strip_prefix(&*self.prefix).unwrap_or(table);
        let mut indexes = 0.0;
        {
            let mut tally = self.lock();
            tally.requests += 1;
            let maps = [
                consumed.global_secondary_indexes(),
                consumed.local_secondary_indexes(),
            ];
            for (name, c) in maps.into_iter().flatten().flat_map(|m| m.iter()) {
                let units = c.capacity_units().unwrap_or_default();
                indexes += units;
                tally.add(table, Some(name), kind.of(units));
            }
            // The table's share: as reported, or what the total leaves beside the indexes.
            let own = consumed
                .table()
                .and_then(|t| t.capacity_units())
                .unwrap_or_else(|| {
                    (consumed.capacity_units().unwrap_or_default() - indexes).max(0.0)
                });
            tally.add(table, None, kind.of(own));
        }
        if let Some(p) = &self.parent {
            p.record(kind, consumed);
        }
    }

    /// Counts a conditional write that failed: DynamoDB charges the table's share without
    /// reporting it.
    pub(crate) fn record_failed_write(&self, table: &str, units: f64) {
        let name = table.strip_prefix(&*self.prefix).unwrap_or(table);
        {
            let mut tally = self.lock();
            tally.requests += 1;
            tally.add(name, None, Capacity::write(units));
        }
        if let Some(p) = &self.parent {
            p.record_failed_write(table, units);
        }
    }
}

/// Write units of a write of `bytes` (1 KB each, at least one).
pub fn write_units(bytes: u64) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// Read units of reading `bytes` at once (4 KB each, at least one; half when eventually
/// consistent).
pub fn read_units(bytes: u64, consistent: bool) -> f64 {
    let strong = bytes.div_ceil(4096).max(1) as f64;
    if consistent {
        strong
    } else {
        strong / 2.0
    }
}

/// Bounds of a stored item's size in bytes, as DynamoDB sizes items (attribute names and
/// values): derived from the spec by the generator (`Model::ITEM_BYTES`); `max` is `None`
/// when a string, binary, list, map or set field has no `max_length`.
///
/// ```
/// use dynamongo_runtime::capacity::ItemBytes;
/// let b = ItemBytes::new(40, Some(2_100));
/// assert_eq!(b.write_units(), (1.0, Some(3.0)));
/// assert_eq!(ItemBytes::new(40, None).write_units(), (1.0, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemBytes {
    /// The smallest item.
    pub min: u64,
    /// The largest item, when bounded.
    pub max: Option<u64>,
}

impl ItemBytes {
    /// Nothing known (what a model not generated by this version says).
    pub const UNKNOWN: ItemBytes = ItemBytes { min: 0, max: None };

    /// Between `min` and `max` bytes.
    pub const fn new(min: u64, max: Option<u64>) -> Self {
        ItemBytes { min, max }
    }

    /// Write units of writing such an item: (min, max).
    pub fn write_units(&self) -> (f64, Option<f64>) {
        (write_units(self.min), self.max.map(write_units))
    }

    /// Read units of reading one such item: (min, max).
    pub fn read_units(&self, consistent: bool) -> (f64, Option<f64>) {
        (
            read_units(self.min, consistent),
            self.max.map(|m| read_units(m, consistent)),
        )
    }
}

impl fmt::Display for ItemBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max} bytes"),
            Some(max) => write!(f, "{}–{max} bytes", self.min),
            None => write!(f, "{} bytes or more", self.min),
        }
    }
}

/// What DescribeTable says of a table's items: their count and total size (DynamoDB
/// updates both about every six hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableStats {
    /// Items in the table (approximate).
    pub items: u64,
    /// Their total size in bytes (approximate).
    pub bytes: u64,
}

/// A range: at least `min`, at most `max` (`None`: no bound known).
///
/// ```
/// use dynamongo_runtime::capacity::Range;
/// let r = Range::new(0.5, Some(2.0));
/// assert_eq!(r.to_string(), "0.5–2");
/// assert_eq!(Range::new(1.0, None).to_string(), "1 or more");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range<T> {
    /// The least.
    pub min: T,
    /// The most, when bounded.
    pub max: Option<T>,
}

impl<T: Copy + PartialEq + fmt::Display> Range<T> {
    /// From `min` to `max`.
    pub const fn new(min: T, max: Option<T>) -> Self {
        Range { min, max }
    }

    /// Exactly `n`.
    pub const fn exactly(n: T) -> Self {
        Range {
            min: n,
            max: Some(n),
        }
    }
}

impl<T: Copy + PartialEq + fmt::Display> fmt::Display for Range<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max}"),
            Some(max) => write!(f, "{}–{max}", self.min),
            None => write!(f, "{} or more", self.min),
        }
    }
}

/// What a planned call will cost, from the model's item size bounds: requests, items
/// read, read and write units, each a [`Range`] (retries of throttled requests not
/// counted). Part of every [`Plan`](crate::plan::Plan) (`plan.estimate`).
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let plan = User::get_many(db, vec!["a@b.io", "c@d.io"]).explain()?;
/// assert_eq!(plan.estimate.items.max, Some(2));
/// println!("{}", plan.estimate);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Estimate {
    /// Requests sent.
    pub requests: Range<u64>,
    /// Items read (before filters).
    pub items: Range<u64>,
    /// Read units.
    pub read_units: Range<f64>,
    /// Write units.
    pub write_units: Range<f64>,
    /// What the estimate rests on, and what makes a call cost more than it returns
    /// (a filter that discards items it paid for, a Scan's unknown size).
    pub notes: Vec<String>,
}

impl Estimate {
    pub(crate) fn new(requests: Range<u64>, items: Range<u64>, read_units: Range<f64>) -> Self {
        Estimate {
            requests,
            items,
            read_units,
            write_units: Range::exactly(0.0),
            notes: Vec::new(),
        }
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} request(s), {} item(s), {} RCU, {} WCU",
            self.requests, self.items, self.read_units, self.write_units
        )?;
        for n in &self.notes {
            write!(f, "; {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::Capacity as Units;

    #[test]
    fn a_meter_splits_table_and_indexes_and_strips_the_prefix() {
        let parent = Meter::new("test-".into(), None);
        let meter = Meter::new("test-".into(), Some(parent.clone()));
        let consumed = ConsumedCapacity::builder()
            .table_name("test-orders")
            .capacity_units(3.0)
            .table(Units::builder().capacity_units(1.0).build())
            .global_secondary_indexes("by_status", Units::builder().capacity_units(2.0).build())
            .build();
        meter.record(Kind::Write, &consumed);
        assert_eq!(meter.total(), Capacity::write(3.0));
        assert_eq!(meter.table("orders"), Capacity::write(1.0));
        assert_eq!(meter.index("orders", "by_status"), Capacity::write(2.0));
        assert_eq!(parent.total(), Capacity::write(3.0));
        // TOTAL only: all of it is the table's.
        let total = ConsumedCapacity::builder()
            .table_name("test-orders")
            .capacity_units(0.5)
            .build();
        meter.record(Kind::Read, &total);
        assert_eq!(
            meter.table("orders"),
            Capacity {
                read_units: 0.5,
                write_units: 1.0
            }
        );
        meter.record_failed_write("test-orders", 1.0);
        assert_eq!(meter.requests(), 3);
        assert_eq!(parent.table("orders").write_units, 2.0);
    }

    #[test]
    fn units_round_up_per_kilobyte() {
        assert_eq!(write_units(0), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(10, false), 0.5);
    }
}

/// A rate of capacity units per second for bulk work (`.rate(n)` on `save_many`,
/// `get_many`, `delete_many`): a token bucket that holds one second's worth (it starts
/// full), charged with each request's predicted cost before it is sent and corrected by
/// what it consumed after, so that sustained consumption stays at the rate. A request
/// that costs more than a second's worth waits for a full bucket (a burst of one request).
#[derive(Debug)]
pub(crate) struct Pace {
    rate: f64,
    state: Mutex<(f64, std::time::Instant)>,
}

impl Pace {
    /// A bucket for `units_per_second` (finite and above zero, else [`Error::Config`]).
    ///
    /// [`Error::Config`]: crate::Error::Config
    pub(crate) fn new(units_per_second: f64) -> Result<Arc<Pace>, crate::Error> {
        if !(units_per_second.is_finite() && units_per_second > 0.0) {
            return Err(crate::Error::Config(format!(
                "rate({units_per_second}): a rate is a number of capacity units per second above zero"
            )));
        }
        Ok(Arc::new(Pace {
            rate: units_per_second,
            state: Mutex::new((units_per_second, std::time::Instant::now())),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (f64, std::time::Instant)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `units` may be spent, and charges them.
    pub(crate) async fn take(&self, units: f64) {
        loop {
            let wait = {
                let mut state = self.lock();
                let now = std::time::Instant::now();
                let refill = now.duration_since(state.1).as_secs_f64() * self.rate;
                state.0 = (state.0 + refill).min(self.rate);
                state.1 = now;
                let needed = units.min(self.rate);
                if state.0 >= needed {
                    state.0 -= units;
                    return;
                }
                (needed - state.0) / self.rate
            };
            tokio::time::sleep(std::time::Duration::from_secs_f64(wait)).await;
        }
    }

    /// A request charged `charged` consumed `used`: the bucket is corrected.
    pub(crate) fn settle(&self, charged: f64, used: f64) {
        let mut state = self.lock();
        state.0 = (state.0 + charged - used).min(self.rate);
    }
}

/// The least a write of an `M` costs on its indexes: one unit on each index every item
/// is in (a sparse index may cost nothing). Part of a write's predicted cost.
pub(crate) fn index_write_units<M: crate::Model>() -> f64 {
    M::INDEX_BYTES
        .iter()
        .filter(|(_, b)| b.min > 0)
        .map(|(_, b)| write_units(b.min))
        .sum()
}

/// A write's rate: the bucket, and the index units each write is predicted to cost.
pub(crate) type WriteRate<'p> = Option<(&'p Pace, f64)>;

/// Charges `pace` (when there is one) for a request predicted to cost `units`; the
/// returned charge is settled with what it consumed.
pub(crate) async fn pace(pace: Option<&Pace>, units: f64) -> Charge<'_> {
    if let Some(p) = pace {
        p.take(units).await;
    }
    Charge { pace, units }
}

/// What a request was charged, to correct by its consumption.
pub(crate) struct Charge<'p> {
    pace: Option<&'p Pace>,
    units: f64,
}

impl Charge<'_> {
    /// The request consumed `used` units.
    pub(crate) fn settle(self, used: f64) {
        if let Some(p) = self.pace {
            p.settle(self.units, used);
        }
    }
}
