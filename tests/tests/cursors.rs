//! Page cursors (DESIGN §9): `get_many(..).page(n)` and `.after(cursor)` for every plan —
//! Query, Query per hash value, index Query, Scan, segmented Scan, batched keys — read the
//! query exactly once, page by page, and no cursor leads to an empty page; a cursor of
//! another query, or one altered, cut short, forged or signed with another key, is
//! `Error::BadRequest`: thousands of them, none a panic or a read.

use std::collections::BTreeSet;

use dynamongo_runtime::ops::{GetMany, Page};
use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::order::{self, Order, OrderStatus};
use dynamongo_tests::models::user::{self, User};

async fn setup() -> Db {
    let db = Db::embedded().await.unwrap();
    Order::create_table(&db).await.unwrap();
    User::create_table(&db).await.unwrap();
    let orders: Vec<Order> = (0..180)
        .map(|i| {
            let mut o = Order::new(format!("c{}@example.com", i % 3), format!("o{i:04}"));
            o.status = if i % 2 == 0 {
                OrderStatus::Shipped
            } else {
                OrderStatus::Open
            };
            o.total = Some(i as f64);
            o
        })
        .collect();
    assert_eq!(Order::save_many(&db, orders).await.unwrap().fail_count(), 0);
    let users: Vec<User> = (0..75)
        .map(|i| User::new(format!("u{i:03}@example.com"), format!("User {i}")))
        .collect();
    assert_eq!(User::save_many(&db, users).await.unwrap().fail_count(), 0);
    db
}

/// Every page of a read, following the cursors.
async fn all_pages<M: Model + Clone>(
    read: impl Fn() -> GetMany<'static, M>,
    size: usize,
) -> (Vec<M>, Vec<String>) {
    let mut items = Vec::new();
    let mut cursors = Vec::new();
    let mut page: Page<M> = read().page(size).await.unwrap();
    loop {
        assert!(page.items.len() <= size);
        items.extend(page.items.iter().cloned());
        match page.cursor {
            None => break,
            Some(c) => {
                cursors.push(c.clone());
                page = read().after(c).page(size).await.unwrap();
            }
        }
    }
    (items, cursors)
}

fn leak(db: Db) -> &'static Db {
    Box::leak(Box::new(db))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_every_plan_read_the_query_exactly_once() {
    let db = leak(setup().await);
    let ids = |v: &[Order]| v.iter().map(|o| o.order_id.clone()).collect::<Vec<_>>();

    // Query on the table, ascending and descending: the same order as one read.
    for descending in [false, true] {
        let read = move || {
            let r = Order::get_many(db, order::customer().eq("c1@example.com"));
            if descending {
                r.descending()
            } else {
                r
            }
        };
        let (paged, cursors) = all_pages(read, 7).await;
        assert_eq!(ids(&paged), ids(&read().await.unwrap()));
        assert_eq!(paged.len(), 60);
        assert_eq!(cursors.len(), 60 / 7);
        // Pages that fill exactly: the last full page has no cursor (no empty page).
        let (paged, cursors) = all_pages(read, 6).await;
        assert_eq!(paged.len(), 60);
        assert_eq!(cursors.len(), 9);
        let (_, cursors) = all_pages(read, 60).await;
        assert!(cursors.is_empty(), "one page holds them all");
    }
    // One Query per hash value (in_ on the hash key of a composite table).
    let read = || {
        Order::get_many(
            db,
            order::customer().in_(["c0@example.com", "c2@example.com"]),
        )
    };
    let (paged, _) = all_pages(read, 11).await;
    assert_eq!(ids(&paged), ids(&read().await.unwrap()));
    assert_eq!(paged.len(), 120);
    // Exactly full pages, the last one at the end of the last hash value; and a page that
    // ends exactly at the end of the first: its cursor leads to the second's items.
    let (paged, cursors) = all_pages(read, 12).await;
    assert_eq!((paged.len(), cursors.len()), (120, 9));
    let (paged, cursors) = all_pages(read, 60).await;
    assert_eq!((paged.len(), cursors.len()), (120, 1));
    let only_first = || {
        Order::get_many(
            db,
            order::customer().in_(["c0@example.com", "nobody@example.com"]),
        )
    };
    let (paged, cursors) = all_pages(only_first, 60).await;
    assert_eq!(
        (paged.len(), cursors.len()),
        (60, 0),
        "an empty hash value is no page"
    );
    // A Query on a global index, with a filter.
    let read = || {
        Order::get_many(
            db,
            order::status().eq(OrderStatus::Shipped) & order::total().lt(100.0),
        )
    };
    assert_eq!(
        read().explain().unwrap().index.as_deref(),
        Some("by_status")
    );
    let (paged, _) = all_pages(read, 9).await;
    assert_eq!(ids(&paged), ids(&read().await.unwrap()));
    assert_eq!(paged.len(), 50);
    // The same through the index's typed handle.
    let handle = || Order::query(db, order::by_status().eq(OrderStatus::Shipped));
    let mut pages = vec![handle().page(8).await.unwrap()];
    while let Some(c) = pages.last().unwrap().cursor.clone() {
        pages.push(handle().after(c).page(8).await.unwrap());
    }
    let paged: Vec<Order> = pages.into_iter().flat_map(|p| p.items).collect();
    assert_eq!(ids(&paged), ids(&handle().await.unwrap()));
    assert_eq!(paged.len(), 90);
    // The planner's query on the index and the handle's are one query: they share cursors.
    let planned = || Order::get_many(db, order::status().eq(OrderStatus::Shipped));
    let first = planned().page(8).await.unwrap();
    let cursor = first.cursor.unwrap();
    let by_handle = handle().after(cursor.clone()).page(8).await.unwrap();
    let by_planner = planned().after(cursor).page(8).await.unwrap();
    assert_eq!(ids(&by_handle.items), ids(&by_planner.items));
    assert_eq!(by_handle.cursor, by_planner.cursor);
    let back = planned().after(by_handle.cursor.unwrap()).page(8).await;
    assert!(back.is_ok(), "{back:?}");

    // A Scan with a filter, and a segmented one.
    for segments in [1, 3] {
        let read =
            move || User::get_many(db, user::name().begins_with("User 1")).segments(segments);
        let (paged, _) = all_pages(read, 4).await;
        let got: BTreeSet<String> = paged.iter().map(|u| u.email.clone()).collect();
        let want: BTreeSet<String> = read().await.unwrap().into_iter().map(|u| u.email).collect();
        assert_eq!(paged.len(), got.len(), "no item twice");
        assert_eq!(got, want);
        assert_eq!(got.len(), 11); // User 1, User 10..19
                                   // Exactly full pages of an unfiltered scan: no cursor after the last.
        let every = move || User::get_many(db, user::email().exists()).segments(segments);
        let (paged, cursors) = all_pages(every, 25).await;
        assert_eq!((paged.len(), cursors.len()), (75, 2), "{segments} segments");
    }
    // Batched keys, some of them missing, in the order given.
    let keys: Vec<String> = (0..90)
        .map(|i| format!("u{:03}@example.com", i * 2 % 97))
        .collect();
    let wanted = keys.clone();
    let read = move || User::get_many(db, wanted.clone());
    let (paged, cursors) = all_pages(read.clone(), 25).await;
    let emails: Vec<String> = paged.iter().map(|u| u.email.clone()).collect();
    let expected: Vec<String> = read().await.unwrap().into_iter().map(|u| u.email).collect();
    assert_eq!(emails, expected);
    assert_eq!(cursors.len(), 3);
    // The last page has no cursor; a page holds at least one item.
    let last = User::get_many(db, vec!["u001@example.com"])
        .page(5)
        .await
        .unwrap();
    assert!(last.cursor.is_none());
    assert!(User::get_many(db, vec!["u001@example.com"])
        .page(0)
        .await
        .is_err());
}

/// The two halves of a genuine cursor of another query.
async fn other_cursor_tag(db: &'static Db) -> (String, String) {
    let c = Order::get_many(db, order::customer().eq("c0@example.com"))
        .page(3)
        .await
        .unwrap()
        .cursor
        .unwrap();
    let (body, tag) = c.split_once('.').unwrap();
    (body.to_string(), tag.to_string())
}

fn refused(r: dynamongo_runtime::Result<Page<Order>>, what: &str) {
    match r {
        Err(Error::BadRequest(v)) => assert_eq!(v[0].path, "cursor", "{what}: {v:?}"),
        Err(other) => panic!("{what}: expected a cursor violation, got {other}"),
        Ok(p) => panic!("{what}: a page of {} items was read", p.items.len()),
    }
}

/// A small generator, so that the run is repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn altered_foreign_and_made_up_cursors_are_refused() {
    let db = leak(setup().await);
    let query = || Order::get_many(db, order::customer().eq("c1@example.com"));
    let cursor = query().page(10).await.unwrap().cursor.unwrap();
    // The genuine cursor works.
    assert_eq!(
        query()
            .after(cursor.clone())
            .page(10)
            .await
            .unwrap()
            .items
            .len(),
        10
    );

    let mut bad: Vec<(String, String)> = Vec::new();
    // Every character changed, three ways.
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .chars()
        .collect();
    for (i, c) in cursor.char_indices() {
        for shift in [1, 17, 40] {
            let pos = alphabet.iter().position(|a| *a == c).unwrap_or(0); // `.` too
            let other = alphabet[(pos + shift) % alphabet.len()];
            let mut m = cursor.clone();
            m.replace_range(i..i + 1, &other.to_string());
            bad.push((m, format!("char {i} -> {other}")));
        }
    }
    // Cut short at every length, and extended.
    for n in 0..cursor.len() {
        bad.push((cursor[..n].to_string(), format!("cut at {n}")));
    }
    bad.push((format!("{cursor}A"), "one more char".into()));
    bad.push((format!("{cursor}{cursor}"), "doubled".into()));
    // Random strings, of the cursor alphabet and of anything.
    let mut rng = Rng(7);
    for k in 0..1500 {
        let len = 1 + (rng.next() % 300) as usize;
        let s: String = if k % 2 == 0 {
            (0..len)
                .map(|_| alphabet[(rng.next() % 64) as usize])
                .collect()
        } else {
            (0..len)
                .map(|_| char::from_u32((rng.next() % 0x3000) as u32).unwrap_or('?'))
                .collect()
        };
        bad.push((s, format!("random {k}")));
    }
    // Valid base64 of content that is not a cursor.
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    for s in [
        "{}",
        "null",
        "{\"v\":1}.0000000000000000",
        "{\"v\":1,\"q\":\"0\",\"p\":0,\"k\":null}.ffffffffffffffff",
        "not json at all.0123456789abcdef",
        ".",
        "\u{0}\u{1}",
    ] {
        bad.push((b64(s), format!("base64 of {s:?}")));
    }
    // Cursors of other queries: another customer, another table's scan, descending.
    let other = Order::get_many(db, order::customer().eq("c2@example.com"))
        .page(10)
        .await
        .unwrap();
    bad.push((other.cursor.unwrap(), "another customer's".into()));
    let users = User::get_many(db, user::email().exists())
        .page(10)
        .await
        .unwrap();
    bad.push((users.cursor.unwrap(), "a scan of users".into()));
    let desc = Order::get_many(db, order::customer().eq("c1@example.com"))
        .descending()
        .page(10)
        .await
        .unwrap();
    bad.push((desc.cursor.unwrap(), "the descending query's".into()));
    // Upper-cased, and the signature of another cursor on this one's content.
    bad.push((cursor.to_uppercase(), "upper-cased".into()));
    let (body, _) = cursor.split_once('.').unwrap();
    let (_, tag) = other_cursor_tag(db).await;
    bad.push((format!("{body}.{tag}"), "another cursor's signature".into()));
    // The same query on another Db (another process, or a restart): another key.
    let elsewhere = Db::from_client(db.client().clone(), db.table_prefix());
    let theirs = Order::get_many(&elsewhere, order::customer().eq("c1@example.com"))
        .page(10)
        .await
        .unwrap();
    bad.push((theirs.cursor.unwrap(), "signed by another Db's key".into()));

    assert!(bad.len() > 2000, "{} cursors", bad.len());
    for (c, what) in &bad {
        refused(query().after(c.clone()).page(10).await, what);
    }
}

/// A filter comparing a map value: each build of the query holds a new `HashMap`, whose
/// order differs; the cursor is bound to the canonical form (sorted), so it still fits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_fits_its_query_however_its_maps_are_ordered() {
    use dynamongo_tests::models::everything::{self, Everything};
    let db = Db::embedded().await.unwrap();
    Everything::create_table(&db).await.unwrap();
    let limits: std::collections::BTreeMap<String, i64> =
        (0..12).map(|i| (format!("limit{i}"), i)).collect();
    let items: Vec<Everything> = (0..30)
        .map(|v| {
            let mut e = Everything::new("e", v);
            e.limits = limits.clone();
            e
        })
        .collect();
    assert_eq!(
        Everything::save_many(&db, items)
            .await
            .unwrap()
            .fail_count(),
        0
    );
    let read = || {
        Everything::get_many(
            &db,
            everything::id().eq("e") & everything::limits().eq(limits.clone()),
        )
    };
    let mut page = read().page(4).await.unwrap();
    let mut seen = page.items.len();
    while let Some(c) = page.cursor {
        page = read().after(c).page(4).await.unwrap();
        seen += page.items.len();
    }
    assert_eq!(seen, 30);
}

/// A cursor of a list of keys names the keys themselves: another list of the same
/// length is another query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_list_cursor_fits_only_its_list() {
    let db = leak(setup().await);
    let list = |from: usize| -> Vec<String> {
        (from..from + 10)
            .map(|i| format!("u{i:03}@example.com"))
            .collect()
    };
    let cursor = User::get_many(db, list(0))
        .page(4)
        .await
        .unwrap()
        .cursor
        .unwrap();
    let again = User::get_many(db, list(0))
        .after(cursor.clone())
        .page(4)
        .await
        .unwrap();
    assert_eq!(again.items[0].email, "u004@example.com");
    let other = User::get_many(db, list(40)).after(cursor).page(4).await;
    assert!(
        matches!(&other, Err(Error::BadRequest(v)) if v[0].path == "cursor"),
        "{other:?}"
    );
}

/// Every instance of a service signs with the same key: their cursors are one another's;
/// after a rotation the old key's cursors are still accepted, and a third key's are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_cursors_under_one_key_and_keys_rotate() {
    let db = setup().await;
    let with = |current: &str, previous: &[&str]| {
        Db::from_client(db.client().clone(), db.table_prefix())
            .with_cursor_keys(current, previous.iter().copied())
            .unwrap()
    };
    let (a, b) = (
        with("the service's key, 32 bytes long", &[]),
        with("the service's key, 32 bytes long", &[]),
    );
    fn query(db: &Db) -> dynamongo_runtime::ops::GetMany<'_, Order> {
        Order::get_many(db, order::customer().eq("c1@example.com"))
    }
    let cursor = query(&a).page(10).await.unwrap().cursor.unwrap();
    assert_eq!(
        query(&b)
            .after(cursor.clone())
            .page(10)
            .await
            .unwrap()
            .items
            .len(),
        10
    );
    let rotated = with(
        "the next key, also long enough",
        &["the service's key, 32 bytes long"],
    );
    assert_eq!(
        query(&rotated)
            .after(cursor.clone())
            .page(10)
            .await
            .unwrap()
            .items
            .len(),
        10
    );
    let stranger = with("somebody else's key of 32 bytes", &[]);
    assert!(matches!(
        query(&stranger).after(cursor).page(10).await,
        Err(Error::BadRequest(_))
    ));
    // Keys too short to be secrets are refused.
    let short = Db::from_client(db.client().clone(), "").with_cursor_keys("short", [""; 0]);
    assert!(matches!(short, Err(Error::Config(_))), "{short:?}");
}
