//! Generated conversions allocate no more than the SDK's item type requires: one table,
//! one `String` per attribute name, one buffer per string/number/binary value (and per
//! list or map, plus what they hold). Counted, not timed, so the check is exact on any
//! machine; BENCHMARKS.md has the timings.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamongo_runtime::{
    codegen,
    field::{Document, Item},
};
use dynamongo_tests::edge::wide::Wide;
use dynamongo_tests::models::user::User;

/// Counts the allocations of the current thread only (tests run on several threads).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the counter may already be gone while a thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

/// What building `value` must allocate at least.
fn floor_of_value(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 0,
        AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_) => 1,
        AttributeValue::L(l) if l.is_empty() => 0,
        AttributeValue::L(l) => 1 + l.iter().map(floor_of_value).sum::<usize>(),
        AttributeValue::M(m) => floor_of_item(m),
        AttributeValue::Ss(s) | AttributeValue::Ns(s) if s.is_empty() => 0,
        AttributeValue::Ss(s) | AttributeValue::Ns(s) => 1 + s.len(),
        other => panic!("unexpected value in a generated item: {other:?}"),
    }
}

/// What building `item` must allocate at least: its table, its names, its values.
fn floor_of_item(item: &Item) -> usize {
    let table = usize::from(!item.is_empty());
    table + item.len() + item.values().map(floor_of_value).sum::<usize>()
}

fn full_wide() -> Wide {
    let mut w = Wide::new("wide-1");
    w.f00_int = Some(1);
    w.f01_float = Some(1.25);
    w.f02_boolean = Some(true);
    w.f03_string = Some("text".into());
    w.f04_datetime = Some(codegen::now());
    w.f05_int = Some(-5);
    w.f06_string = Some("more text".into());
    w.f07_float = Some(7.5e-9);
    w
}

#[test]
fn to_item_allocates_only_what_the_item_holds() {
    let mut user = User::new("jane@x.io", "Jane");
    user.year_of_birth = Some(1990);
    user.cities_visited = vec!["Nairobi".into(), "Paris".into()];
    let wide = full_wide();

    let (item, n) = allocations(|| user.to_item());
    assert_eq!(n, floor_of_item(&item), "User::to_item: {item:?}");
    let (item, n) = allocations(|| wide.to_item());
    assert_eq!(n, floor_of_item(&item), "Wide::to_item: {item:?}");
}

#[test]
fn from_item_allocates_only_the_strings_it_keeps() {
    let wide = full_wide();
    let item = wide.to_item();
    let (back, n) = allocations(|| Wide::from_item(&item));
    assert_eq!(back.ok().as_ref(), Some(&wide));
    // id, f03_string, f06_string: numbers, booleans and datetimes are parsed in place.
    assert_eq!(n, 3, "Wide::from_item");
}
