//! Every multi-item example of the seed docs: the plan `explain()` pins, and the same call
//! on the embedded store.

use dynamongo_runtime::prelude::*;
use dynamongo_runtime::{config::RetryPolicy, plan::Operation};
use dynamongo_tests::models::contacts::{self, Contacts};
use dynamongo_tests::models::user::{self, User, UserKey};
use futures::StreamExt;
use serde_json::json;

const EMAILS: [&str; 3] = ["johndoe@gmail.com", "email2@abc.io", "anotherone@xyz.com"];

fn person(email: &str, year: i64, cities: &[&str]) -> User {
    let mut u = User::new(email, email.split('@').next().unwrap_or("x"));
    u.year_of_birth = Some(year);
    u.cities_visited = cities.iter().map(|c| c.to_string()).collect();
    u
}

/// johndoe 1990 Nairobi; email2 2005; anotherone 1985 Nairobi; old 1970; young 2010 Nairobi.
async fn seeded() -> Db {
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    let r = User::save_many(
        &db,
        vec![
            person("johndoe@gmail.com", 1990, &["Nairobi", "New York"]),
            person("email2@abc.io", 2005, &["Paris"]),
            person("anotherone@xyz.com", 1985, &["Nairobi"]),
            person("old@x.io", 1970, &[]),
            person("young@x.io", 2010, &["Nairobi"]),
        ],
    )
    .await
    .unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (5, 0));
    db
}

fn emails_of(users: &[User]) -> Vec<String> {
    let mut v: Vec<String> = users.iter().map(|u| u.email.clone()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn explain_pins_the_plan_of_every_seed_example() {
    let db = Db::embedded().await.unwrap();
    let emails = EMAILS.to_vec();

    let p = User::get_many(&db, emails.clone()).explain().unwrap();
    assert_eq!(
        (p.operation, p.keys, p.requests),
        (Operation::BatchGetItem, 3, 1)
    );
    assert_eq!(p.table, "users");

    let p = User::get_many(&db, user::email().in_(emails.clone()))
        .explain()
        .unwrap();
    assert_eq!(
        (p.operation, p.keys, p.local_filter.as_deref()),
        (Operation::BatchGetItem, 3, None)
    );

    let p = User::get_many(&db, User::keys_in(emails.clone()))
        .explain()
        .unwrap();
    assert_eq!((p.operation, p.keys), (Operation::BatchGetItem, 3));

    // Example #2: BatchGetItem has no filter; the check runs on what comes back.
    let p = User::get_many(
        &db,
        user::email().in_(emails.clone()) & user::year_of_birth().gt(2000),
    )
    .explain()
    .unwrap();
    assert_eq!(p.operation, Operation::BatchGetItem);
    assert_eq!(p.local_filter.as_deref(), Some("#n0 > :v0"));
    assert_eq!(p.names, [("#n0".to_string(), "year_of_birth".to_string())]);

    // Example #3 and #4: Scans with a filter.
    let p = User::get_many(&db, user::cities_visited().contains("Nairobi"))
        .explain()
        .unwrap();
    assert_eq!(p.operation, Operation::Scan);
    assert_eq!(p.filter.as_deref(), Some("contains(#n0, :v0)"));
    let p = User::get_many(
        &db,
        user::year_of_birth().lt(1990) & !user::cities_visited().contains("Nairobi"),
    )
    .explain()
    .unwrap();
    assert_eq!(p.operation, Operation::Scan);
    assert_eq!(
        p.filter.as_deref(),
        Some("(#n0 < :v0 AND (NOT contains(#n1, :v1)))")
    );

    // A list of strategies of every kind.
    let p = User::get_many(
        &db,
        vec![
            one("johndoe@gmail.com"),
            one("email1@gmail.com"),
            one(UserKey::from("email2@gmail.com")),
            one(User::new("email3@gmail.com", "x")),
            one(user::email().eq("email4@gmail.com")),
        ],
    )
    .explain()
    .unwrap();
    assert_eq!((p.operation, p.keys), (Operation::BatchGetItem, 5));

    // One key: GetItem. Over 100 keys: several requests.
    let p = User::get_many(&db, vec!["a@b.io"]).explain().unwrap();
    assert_eq!(p.operation, Operation::GetItem);
    let many: Vec<String> = (0..250).map(|i| format!("u{i}@x.io")).collect();
    let p = User::get_many(&db, many).explain().unwrap();
    assert_eq!(
        (p.operation, p.keys, p.requests),
        (Operation::BatchGetItem, 250, 3)
    );

    // Composite keys: hash equality → Query; plus a range condition → in the key condition.
    let id = dynamongo_runtime::uuid::Uuid::from_u128(1);
    let p = Contacts::get_many(&db, contacts::user_id().eq(id))
        .descending()
        .limit(10)
        .explain()
        .unwrap();
    assert_eq!(p.operation, Operation::Query);
    assert_eq!(p.key_condition.as_deref(), Some("#n0 = :v0"));
    assert!(p.descending && p.limit == Some(10));
    let p = Contacts::get_many(
        &db,
        contacts::user_id().eq(id)
            & contacts::email().begins_with("j")
            & contacts::created_at().exists(),
    )
    .explain()
    .unwrap();
    assert_eq!(
        p.key_condition.as_deref(),
        Some("#n0 = :v0 AND begins_with(#n1, :v1)")
    );
    assert_eq!(p.filter.as_deref(), Some("attribute_exists(#n2)"));
    let p = Contacts::get_many(
        &db,
        contacts::user_id().in_([id, dynamongo_runtime::uuid::Uuid::from_u128(2)]),
    )
    .explain()
    .unwrap();
    assert_eq!((p.operation, p.requests), (Operation::Query, 2));
    let p = Contacts::get_many(&db, Contacts::keys_in([(id, "a@b.io"), (id, "c@d.io")]))
        .explain()
        .unwrap();
    assert_eq!((p.operation, p.keys), (Operation::BatchGetItem, 2));

    // Deletes.
    let p = User::delete_many(&db, emails.clone()).explain().unwrap();
    assert_eq!((p.operation, p.keys), (Operation::BatchWriteItem, 3));
    let p = User::delete_many(&db, user::email().in_(emails.clone()))
        .explain()
        .unwrap();
    assert_eq!(p.operation, Operation::BatchWriteItem);
    let p = User::delete_many(&db, user::cities_visited().contains("Nairobi"))
        .explain()
        .unwrap();
    assert_eq!(p.operation, Operation::DeleteItem);
    assert_eq!(p.find.as_ref().map(|f| f.operation), Some(Operation::Scan));
    assert!(p.to_string().contains("why:"), "{p}");

    // An expression error is reported by explain too.
    let err = User::get_many(&db, vec![user::email().eq("a") | user::name().eq("b")])
        .explain()
        .unwrap_err();
    assert!(matches!(err, Error::Expression(_)));
}

#[tokio::test]
async fn get_many_examples() {
    let db = seeded().await;
    let emails = EMAILS.to_vec();
    let all3 = ["anotherone@xyz.com", "email2@abc.io", "johndoe@gmail.com"];
    assert_eq!(
        emails_of(&User::get_many(&db, emails.clone()).await.unwrap()),
        all3
    );
    assert_eq!(
        emails_of(
            &User::get_many(&db, user::email().in_(emails.clone()))
                .await
                .unwrap()
        ),
        all3
    );
    assert_eq!(
        emails_of(
            &User::get_many(&db, User::keys_in(emails.clone()))
                .await
                .unwrap()
        ),
        all3
    );
    // #2
    let got = User::get_many(
        &db,
        user::email().in_(emails.clone()) & user::year_of_birth().gt(2000),
    )
    .await
    .unwrap();
    assert_eq!(emails_of(&got), ["email2@abc.io"]);
    // #3
    let got = User::get_many(&db, user::cities_visited().contains("Nairobi"))
        .await
        .unwrap();
    assert_eq!(
        emails_of(&got),
        ["anotherone@xyz.com", "johndoe@gmail.com", "young@x.io"]
    );
    // #4, with `!` for the seed's `not`
    let got = User::get_many(
        &db,
        user::year_of_birth().lt(1990) & !user::cities_visited().contains("Nairobi"),
    )
    .await
    .unwrap();
    assert_eq!(emails_of(&got), ["old@x.io"]);
    // A list mixing every strategy; absent keys are simply not returned.
    let got = User::get_many(
        &db,
        vec![
            one("johndoe@gmail.com"),
            one("email1@gmail.com"),
            one(UserKey::from("email2@abc.io")),
            one(User::new("old@x.io", "x")),
            one(user::email().eq("young@x.io") & user::year_of_birth().lt(2000)),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        emails_of(&got),
        ["email2@abc.io", "johndoe@gmail.com", "old@x.io"]
    );
    // Keys come back in the order given; descending reverses it.
    let got = User::get_many(&db, emails.clone()).await.unwrap();
    assert_eq!(
        got.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        EMAILS
    );
    let got = User::get_many(&db, emails.clone())
        .descending()
        .await
        .unwrap();
    assert_eq!(
        got.iter()
            .map(|u| u.email.as_str())
            .rev()
            .collect::<Vec<_>>(),
        EMAILS
    );
    // limit
    assert_eq!(
        User::get_many(&db, user::year_of_birth().exists())
            .limit(2)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn query_order_limit_and_pagination_on_composite_keys() {
    let db = Db::embedded().await.unwrap();
    Contacts::create_table(&db).await.unwrap();
    let a = dynamongo_runtime::uuid::Uuid::from_u128(1);
    let b = dynamongo_runtime::uuid::Uuid::from_u128(2);
    let mut items = Vec::new();
    for i in 0..300 {
        items.push(Contacts::new(a, format!("c{i:03}@x.io")));
    }
    items.push(Contacts::new(b, "z@x.io"));
    let r = Contacts::save_many(&db, items).await.unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (301, 0));

    let got = Contacts::get_many(&db, contacts::user_id().eq(a))
        .await
        .unwrap();
    assert_eq!(got.len(), 300);
    assert!(
        got.windows(2).all(|w| w[0].email < w[1].email),
        "ascending by range key"
    );
    let got = Contacts::get_many(&db, contacts::user_id().eq(a))
        .descending()
        .limit(5)
        .await
        .unwrap();
    let emails: Vec<&str> = got.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(
        emails,
        [
            "c299@x.io",
            "c298@x.io",
            "c297@x.io",
            "c296@x.io",
            "c295@x.io"
        ]
    );
    let got = Contacts::get_many(
        &db,
        contacts::user_id().eq(a) & contacts::email().between("c010@x.io", "c019@x.io"),
    )
    .await
    .unwrap();
    assert_eq!(got.len(), 10);
    let got = Contacts::get_many(&db, contacts::user_id().in_([a, b]))
        .await
        .unwrap();
    assert_eq!(got.len(), 301);
    let keys = [(a, "c001@x.io"), (b, "z@x.io"), (b, "nobody@x.io")];
    let got = Contacts::get_many(&db, Contacts::keys_in(keys))
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
}

#[tokio::test]
async fn save_many_with_overwrite_false_reports_each_failure() {
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    let items = vec![
        User::from_json(json!({
            "email": "johndoe@gmail.com", "name": "John Doe",
            "year_of_birth": 1990, "cities_visited": ["Nairobi", "New York"]
        }))
        .unwrap(),
        User::new("johndoe@gmail.com", "John Doe"),
    ];
    let r = User::save_many(&db, items).overwrite(false).await.unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (1, 1));
    assert!(r.fail[0].reason.is_conditional_check_failed());
    // Invalid items fail without being sent; valid ones are saved.
    let r = User::save_many(&db, vec![User::new("bad", ""), User::new("ok@x.io", "Ok")])
        .await
        .unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (1, 1));
    assert!(matches!(r.fail[0].reason, Error::Validation(_)));
    // overwrite = a condition.
    let r = User::save_many(
        &db,
        vec![
            User::new("johndoe@gmail.com", "J2"),
            User::new("fresh@x.io", "F"),
        ],
    )
    .overwrite(user::year_of_birth().lt(1980))
    .await
    .unwrap();
    assert_eq!(
        (r.success_count(), r.fail_count()),
        (1, 1),
        "john was born in 1990"
    );
}

#[tokio::test]
async fn more_than_a_batch_of_items_and_keys() {
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    let users: Vec<User> = (0..260)
        .map(|i| person(&format!("u{i:03}@x.io"), 1950 + i % 60, &[]))
        .collect();
    let r = User::save_many(&db, users.clone()).await.unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (260, 0));
    let emails: Vec<String> = users.iter().map(|u| u.email.clone()).collect();
    let got = User::get_many(&db, emails.clone()).await.unwrap();
    assert_eq!(got.len(), 260, "three BatchGetItem requests");
    let got = User::get_many(&db, user::email().in_(emails.clone()))
        .await
        .unwrap();
    assert_eq!(got.len(), 260);
    // A duplicate key in one save_many: the later item wins, both are accounted for.
    let r = User::save_many(
        &db,
        vec![User::new("d@x.io", "first"), User::new("d@x.io", "second")],
    )
    .await
    .unwrap();
    assert_eq!(r.success_count(), 2);
    assert_eq!(User::get_one(&db, "d@x.io").await.unwrap().name, "second");
    let r = User::delete_many(&db, emails[..130].to_vec())
        .await
        .unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (130, 0));
    let left = User::get_many(&db, user::email().begins_with("u"))
        .await
        .unwrap();
    assert_eq!(left.len(), 130);
}

#[tokio::test]
async fn delete_many_examples() {
    let db = seeded().await;
    // A list of every strategy.
    User::save_many(
        &db,
        (1..=5).map(|i| person(&format!("email{i}@gmail.com"), 1990 + i, &[])),
    )
    .await
    .unwrap();
    let r = User::delete_many(
        &db,
        vec![
            one("email1@gmail.com"),
            one(UserKey::from("email2@gmail.com")),
            one(User::new("email3@gmail.com", "x")),
            one(user::email().eq("email4@gmail.com")),
            one(user::email().eq("email5@gmail.com") & user::year_of_birth().gt(2000)),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        (r.success_count(), r.fail_count()),
        (4, 1),
        "email5 (1995) fails its check and stays"
    );
    assert!(r
        .fail
        .iter()
        .all(|f| f.reason.is_conditional_check_failed()));

    // #2: only those born after 2000.
    let r = User::delete_many(
        &db,
        user::email().in_(EMAILS) & user::year_of_birth().gt(2000),
    )
    .await
    .unwrap();
    assert_eq!(
        r.success
            .iter()
            .map(|k| k.email.as_str())
            .collect::<Vec<_>>(),
        ["email2@abc.io"]
    );
    // #4: born before 1990 and never visited Nairobi.
    let r = User::delete_many(
        &db,
        user::year_of_birth().lt(1990) & !user::cities_visited().contains("Nairobi"),
    )
    .await
    .unwrap();
    assert_eq!(
        r.success
            .iter()
            .map(|k| k.email.as_str())
            .collect::<Vec<_>>(),
        ["old@x.io"]
    );
    // #3: everyone who visited Nairobi.
    let r = User::delete_many(&db, user::cities_visited().contains("Nairobi"))
        .await
        .unwrap();
    assert_eq!(r.success_count(), 3);
    // #1: unconditionally by key.
    User::save_many(&db, EMAILS.iter().map(|e| person(e, 1999, &[])))
        .await
        .unwrap();
    let r = User::delete_many(&db, User::keys_in(EMAILS)).await.unwrap();
    assert_eq!(r.success_count(), 3);
    let left = User::get_many(&db, user::email().exists()).await.unwrap();
    assert_eq!(emails_of(&left), ["email5@gmail.com"]);
}

#[tokio::test]
async fn streams_yield_every_item_once() {
    let db = Db::embedded()
        .await
        .unwrap()
        .with_retry_policy(RetryPolicy {
            concurrency: 4,
            ..Default::default()
        });
    Contacts::create_table(&db).await.unwrap();
    let id = dynamongo_runtime::uuid::Uuid::from_u128(9);
    let n = 50_000;
    let items = (0..n).map(|i| Contacts::new(id, format!("{i:06}@x.io")));
    let r = Contacts::save_many(&db, items).await.unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (n, 0));
    let mut seen = vec![false; n];
    let mut count = 0;
    let mut s = Contacts::get_many(&db, contacts::email().exists()).stream();
    while let Some(c) = s.next().await {
        let c = c.unwrap();
        let i: usize = c.email[..6].parse().unwrap();
        assert!(!seen[i], "{} arrived twice", c.email);
        seen[i] = true;
        count += 1;
    }
    assert_eq!(count, n);
    let q = Contacts::get_many(&db, contacts::user_id().eq(id))
        .stream()
        .count()
        .await;
    assert_eq!(q, n);
}

#[tokio::test]
async fn repeated_keys_are_read_and_deleted_once() {
    let db = seeded().await;
    let (a, b) = (EMAILS[0], EMAILS[1]);
    // In the order given, each item once: BatchGetItem refuses a request with a key twice.
    let got = User::get_many(&db, vec![a, b, a, b, a]).await.unwrap();
    let order: Vec<&str> = got.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(order, [a, b]);
    let got = User::get_many(&db, User::keys_in([b, b, a])).await.unwrap();
    let order: Vec<&str> = got.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(order, [b, a]);
    let p = User::get_many(&db, user::email().in_([a, a, b]))
        .explain()
        .unwrap();
    assert_eq!((p.operation, p.keys), (Operation::BatchGetItem, 2));

    let r = User::delete_many(&db, vec![a, a, b]).await.unwrap();
    assert_eq!((r.success_count(), r.fail_count()), (2, 0));
    let r = User::delete_many(&db, User::keys_in([b, b])).await.unwrap();
    assert_eq!(r.fail_count(), 0);
    assert!(User::get_many(&db, vec![a, b]).await.unwrap().is_empty());
}

#[tokio::test]
async fn parallel_scan_reads_every_item_once() {
    let db = seeded().await;
    let born_after_1980 = || user::year_of_birth().gt(1980);
    let plain = User::get_many(&db, born_after_1980()).await.unwrap();
    assert_eq!(plain.len(), 4);
    for n in [1, 2, 3, 7] {
        let split = User::get_many(&db, born_after_1980()).segments(n);
        let plan = split.explain().unwrap();
        assert_eq!((plan.operation, plan.segments), (Operation::Scan, n));
        if n > 1 {
            assert!(plan
                .to_string()
                .contains(&format!("{n} segments in parallel")));
        }
        let got = split.await.unwrap();
        assert_eq!(emails_of(&got), emails_of(&plain), "{n} segments");
    }
    // Streams and limits work across segments too.
    let some: Vec<User> = User::get_many(&db, born_after_1980())
        .segments(3)
        .limit(2)
        .stream()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(some.len(), 2);
    // Plans that do not scan are unaffected.
    let p = User::get_many(&db, vec![EMAILS[0], EMAILS[1]])
        .segments(4)
        .explain()
        .unwrap();
    assert_eq!((p.operation, p.segments), (Operation::BatchGetItem, 1));
    for bad in [0, 1_000_001] {
        let err = User::get_many(&db, born_after_1980())
            .segments(bad)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains(&format!("segments({bad})"))),
            "{err}"
        );
    }
}

/// A `"uuid7"` default makes time-ordered ids: a Query by the hash key returns the items
/// in the order they were made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuid7_range_keys_list_items_in_creation_order() {
    use dynamongo_tests::edge::event_log::{self, EventLog};
    let db = Db::embedded().await.unwrap();
    EventLog::create_table(&db).await.unwrap();
    let mut made = Vec::new();
    for i in 0..40 {
        let mut e = EventLog::new("s");
        e.body = Some(format!("event {i}"));
        made.push(e.id);
        EventLog::save_one(&db, e).await.unwrap();
    }
    assert_eq!(made[0].get_version_num(), 7);
    let listed: Vec<_> = EventLog::get_many(&db, event_log::stream().eq("s"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(listed, made);
}
