//! Tracing spans, captured by a real `tracing-subscriber` layer: one span per dynamongo
//! operation and, inside it, one per DynamoDB call, attributed per the OpenTelemetry
//! conventions for DynamoDB.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::order::{self, Order, OrderStatus};
use dynamongo_tests::models::user::User;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone)]
struct Captured {
    id: u64,
    parent: Option<u64>,
    name: String,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent().map(|p| p.id().into_u64()));
        self.0.lock().unwrap().push(Captured {
            id: id.into_u64(),
            parent,
            name: attrs.metadata().name().to_string(),
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(s) = spans.iter_mut().rev().find(|s| s.id == id.into_u64()) {
            values.record(&mut Fields(&mut s.fields));
        }
    }
}

impl Capture {
    fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

fn ops(spans: &[Captured], operation: &str) -> Vec<Captured> {
    spans
        .iter()
        .filter(|s| s.name == "dynamongo.operation" && s.fields["dynamongo.operation"] == operation)
        .cloned()
        .collect()
}

fn calls_in(spans: &[Captured], parent: &Captured) -> Vec<Captured> {
    spans
        .iter()
        .filter(|s| s.name == "dynamodb.call" && s.parent == Some(parent.id))
        .cloned()
        .collect()
}

#[tokio::test]
async fn operations_and_calls_have_spans_with_the_otel_attributes() {
    let capture = Capture::default();
    let _guard = tracing_subscriber::registry()
        .with(capture.clone())
        .set_default();
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    Order::create_table(&db).await.unwrap();
    capture.take();

    // save_one: one operation span, one PutItem call inside it.
    User::save_one(&db, User::new("a@example.com", "A"))
        .await
        .unwrap();
    let spans = capture.take();
    let op = &ops(&spans, "save_one")[0];
    assert_eq!(op.fields["dynamongo.model"], "User");
    assert_eq!(op.fields["db.system.name"], "aws.dynamodb");
    assert_eq!(op.fields["otel.name"], "save_one User");
    let calls = calls_in(&spans, op);
    assert_eq!(calls.len(), 1, "{spans:#?}");
    let put = &calls[0].fields;
    assert_eq!(put["db.system.name"], "aws.dynamodb");
    assert_eq!(put["db.operation.name"], "PutItem");
    assert_eq!(put["aws.dynamodb.table_names"], "users");
    assert_eq!(put["otel.name"], "PutItem users");
    assert_eq!(put["otel.kind"], "client");
    assert!(
        put.contains_key("aws.dynamodb.consumed_capacity"),
        "{put:?}"
    );

    // save_many: BatchWriteItem calls with their item and unprocessed counts.
    let users: Vec<User> = (0..30)
        .map(|i| User::new(format!("u{i}@example.com"), "U"))
        .collect();
    User::save_many(&db, users).await.unwrap();
    let spans = capture.take();
    let op = &ops(&spans, "save_many")[0];
    let calls = calls_in(&spans, op);
    assert_eq!(calls.len(), 2);
    let written: usize = calls
        .iter()
        .map(|c| c.fields["dynamongo.items"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(written, 30);
    assert!(calls
        .iter()
        .all(|c| c.fields["db.operation.name"] == "BatchWriteItem"
            && c.fields["dynamongo.unprocessed"] == "0"));

    // An index query: the index is named, with the counts.
    let mut o = Order::new("c@example.com", "o-1");
    o.status = OrderStatus::Shipped;
    Order::save_one(&db, o).await.unwrap();
    capture.take();
    let got = Order::get_many(&db, order::status().eq(OrderStatus::Shipped))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    let spans = capture.take();
    let op = &ops(&spans, "get_many")[0];
    let query = &calls_in(&spans, op)[0].fields;
    assert_eq!(query["db.operation.name"], "Query");
    assert_eq!(query["aws.dynamodb.index_name"], "by_status");
    assert_eq!(query["aws.dynamodb.count"], "1");
    assert_eq!(query["dynamongo.items"], "1");

    // A page and a stream have their operation spans too.
    Order::get_many(&db, order::status().eq(OrderStatus::Shipped))
        .page(5)
        .await
        .unwrap();
    let spans = capture.take();
    assert_eq!(calls_in(&spans, &ops(&spans, "get_many.page")[0]).len(), 1);
    use futures::StreamExt;
    let streamed: Vec<_> = Order::get_many(&db, order::status().eq(OrderStatus::Shipped))
        .stream()
        .collect()
        .await;
    assert_eq!(streamed.len(), 1);
    let spans = capture.take();
    assert_eq!(
        calls_in(&spans, &ops(&spans, "get_many.stream")[0]).len(),
        1
    );

    // A transaction names every table; a failed call says why.
    let mut tx = db.transact_write();
    tx.put(User::new("t@example.com", "T"));
    tx.put(Order::new("c@example.com", "o-2"));
    tx.await.unwrap();
    let spans = capture.take();
    let op = &ops(&spans, "transact_write")[0];
    assert_eq!(op.fields["aws.dynamodb.table_names"], "orders,users");
    // ... and the models of its actions (not the transaction's own type).
    assert_eq!(op.fields["dynamongo.model"], "Order,User");
    let call = &calls_in(&spans, op)[0].fields;
    assert_eq!(call["db.operation.name"], "TransactWriteItems");
    assert_eq!(call["dynamongo.items"], "2");
    let err = User::save_one(&db, User::new("a@example.com", "A"))
        .overwrite(false)
        .await;
    assert!(err.is_err());
    let spans = capture.take();
    let call = &calls_in(&spans, &ops(&spans, "save_one")[0])[0].fields;
    assert_eq!(call["error.type"], "ConditionalCheckFailedException");

    // Failed updates and deletes say why too.
    use dynamongo_tests::models::user;
    let err = User::update_one(
        &db,
        user::email().eq("a@example.com") & user::name().eq("nope"),
        [user::name().set("B")],
    )
    .await;
    assert!(err.is_err());
    let spans = capture.take();
    let call = &calls_in(&spans, &ops(&spans, "update_one")[0])[0].fields;
    assert_eq!(
        call["error.type"], "ConditionalCheckFailedException",
        "{call:?}"
    );
    let err = Order::delete_table(&db).await;
    assert!(err.is_ok());
    let err = Order::delete_table(&db).await;
    assert!(err.is_err());
    let spans = capture.take();
    let deletes = ops(&spans, "delete_table");
    assert_eq!(deletes.len(), 2);
    let calls = calls_in(&spans, &deletes[1]);
    assert_eq!(calls[0].fields["db.operation.name"], "DeleteTable");
    assert_eq!(calls[0].fields["error.type"], "ResourceNotFoundException");

    // BatchGetItem calls count the keys they ask for.
    let keys: Vec<String> = (0..30).map(|i| format!("u{i}@example.com")).collect();
    User::get_many(&db, keys).await.unwrap();
    let spans = capture.take();
    let call = &calls_in(&spans, &ops(&spans, "get_many")[0])[0].fields;
    assert_eq!(call["db.operation.name"], "BatchGetItem");
    assert_eq!(call["dynamongo.items"], "30");

    // An index handle's stream has its operation span.
    Order::create_table(&db).await.unwrap();
    capture.take();
    let streamed: Vec<_> = Order::query(&db, order::by_status().eq(OrderStatus::Shipped))
        .stream()
        .collect()
        .await;
    assert!(streamed.is_empty());
    let spans = capture.take();
    assert_eq!(calls_in(&spans, &ops(&spans, "query.stream")[0]).len(), 1);
}

/// Events, not only spans: a failed operation is one event (target `dynamongo`, with the
/// error) — `info` when the caller's request was refused (a failed condition), `warn` when
/// the service failed (a missing table) — and a call one `debug` event, so a plain `fmt()`
/// subscriber at `info` shows failures without span events turned on.
#[tokio::test]
async fn a_failed_operation_is_one_event_and_calls_are_debug_events() {
    #[derive(Clone, Default)]
    struct Events(Arc<Mutex<Vec<(tracing::Level, String, String)>>>);
    impl<S: Subscriber> Layer<S> for Events {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut fields = BTreeMap::new();
            event.record(&mut Fields(&mut fields));
            self.0.lock().unwrap().push((
                *event.metadata().level(),
                event.metadata().target().to_string(),
                format!("{fields:?}"),
            ));
        }
    }
    let events = Events::default();
    let _guard = tracing_subscriber::registry()
        .with(events.clone())
        .set_default();
    let db = Db::embedded().await.unwrap();
    User::create_table(&db).await.unwrap();
    events.0.lock().unwrap().clear();
    User::save_one(&db, User::new("a@example.com", "A"))
        .await
        .unwrap();
    let e = User::save_one(&db, User::new("a@example.com", "A"))
        .overwrite(false)
        .await;
    assert!(e.is_err());
    let seen = events.0.lock().unwrap().clone();
    let ours: Vec<_> = seen.iter().filter(|(_, t, _)| t == "dynamongo").collect();
    let at = |level| -> Vec<_> { ours.iter().filter(|(l, _, _)| *l == level).collect() };
    let refused = at(tracing::Level::INFO);
    assert_eq!(refused.len(), 1, "{ours:?}");
    assert!(
        refused[0].2.contains("conditional check failed"),
        "{refused:?}"
    );
    assert!(at(tracing::Level::WARN).is_empty(), "{ours:?}");
    assert_eq!(
        at(tracing::Level::DEBUG).len(),
        2,
        "one per PutItem call: {ours:?}"
    );
    // A table that does not exist: the service failed the call, a warning.
    events.0.lock().unwrap().clear();
    let other = Db::embedded().await.unwrap();
    assert!(User::get_one(&other, "a@example.com").await.is_err());
    let seen = events.0.lock().unwrap().clone();
    let warns: Vec<_> = seen
        .iter()
        .filter(|(l, t, _)| t == "dynamongo" && *l == tracing::Level::WARN)
        .collect();
    assert_eq!(warns.len(), 1, "{seen:?}");
}
