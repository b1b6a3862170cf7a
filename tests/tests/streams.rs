//! DynamoDB Streams records, as a Lambda receives them (the `aws_lambda_events` types),
//! decoded into the typed change events of models whose spec enables a stream: a fixture
//! in the documented Lambda event format, and records built from our own items.

use dynamongo_runtime::prelude::*;
use dynamongo_runtime::{
    field::Document,
    stream::{StreamBatch, StreamEvent, StreamEventRecord, Streamed},
};
use dynamongo_tests::models::account::{Account, AccountChange};
use dynamongo_tests::models::session::{Session, SessionChange, SessionKey};

/// The shape of the example event in the AWS Lambda documentation ("Using AWS Lambda with
/// Amazon DynamoDB"), with items of the `accounts` table (NEW_AND_OLD_IMAGES).
const FIXTURE: &str = r#"{
  "Records": [
    {
      "eventID": "c4ca4238a0b923820dcc509a6f75849b",
      "eventName": "INSERT",
      "eventVersion": "1.1",
      "eventSource": "aws:dynamodb",
      "awsRegion": "us-east-1",
      "dynamodb": {
        "ApproximateCreationDateTime": 1479499740,
        "Keys": { "id": { "S": "alice" } },
        "NewImage": {
          "id": { "S": "alice" },
          "owner": { "S": "alice@example.com" },
          "balance": { "N": "100" },
          "version": { "N": "1" }
        },
        "SequenceNumber": "4421584500000000017450439091",
        "SizeBytes": 26,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
      },
      "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/prod-accounts/stream/2016-11-16T20:42:48.104"
    },
    {
      "eventID": "c81e728d9d4c2f636f067f89cc14862c",
      "eventName": "MODIFY",
      "eventVersion": "1.1",
      "eventSource": "aws:dynamodb",
      "awsRegion": "us-east-1",
      "dynamodb": {
        "ApproximateCreationDateTime": 1479499740,
        "Keys": { "id": { "S": "alice" } },
        "NewImage": {
          "id": { "S": "alice" },
          "owner": { "S": "alice@example.com" },
          "balance": { "N": "70" },
          "version": { "N": "2" }
        },
        "OldImage": {
          "id": { "S": "alice" },
          "owner": { "S": "alice@example.com" },
          "balance": { "N": "100" },
          "version": { "N": "1" }
        },
        "SequenceNumber": "4421584500000000017450439092",
        "SizeBytes": 59,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
      },
      "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/prod-accounts/stream/2016-11-16T20:42:48.104"
    },
    {
      "eventID": "eccbc87e4b5ce2fe28308fd9f2a7baf3",
      "eventName": "REMOVE",
      "eventVersion": "1.1",
      "eventSource": "aws:dynamodb",
      "awsRegion": "us-east-1",
      "dynamodb": {
        "ApproximateCreationDateTime": 1479499740,
        "Keys": { "id": { "S": "alice" } },
        "OldImage": {
          "id": { "S": "alice" },
          "owner": { "S": "alice@example.com" },
          "balance": { "N": "70" },
          "version": { "N": "2" }
        },
        "SequenceNumber": "4421584500000000017450439093",
        "SizeBytes": 38,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
      },
      "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/prod-accounts/stream/2016-11-16T20:42:48.104"
    }
  ]
}"#;

fn alice(balance: i64, version: i64) -> Account {
    let mut a = Account::new("alice", "alice@example.com", balance);
    a.version = version;
    a
}

#[test]
fn a_lambda_event_decodes_into_typed_changes() {
    let batch: StreamBatch = serde_json::from_str(FIXTURE).unwrap();
    let changes: Vec<AccountChange> = batch
        .records
        .iter()
        .map(|r| Account::change(r).unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            StreamEvent::Insert(alice(100, 1)),
            StreamEvent::Modify {
                old: alice(100, 1),
                new: alice(70, 2)
            },
            StreamEvent::Remove(alice(70, 2)),
        ]
    );
    assert_eq!(changes[1].name(), "MODIFY");
    assert_eq!(changes[2].before().map(|a| a.balance), Some(70));
}

/// A record as the stream would carry it, from our own items.
fn record(
    name: &str,
    keys: Option<&dynamongo_runtime::field::Item>,
    new: Option<&dynamongo_runtime::field::Item>,
    old: Option<&dynamongo_runtime::field::Item>,
) -> StreamEventRecord {
    let image = |i: Option<&dynamongo_runtime::field::Item>| {
        serde_dynamo::Item::from(i.cloned().unwrap_or_default())
    };
    let mut r = StreamEventRecord::default();
    r.event_name = name.to_string();
    r.change.keys = image(keys);
    r.change.new_image = image(new);
    r.change.old_image = image(old);
    r
}

#[test]
fn records_built_from_our_items_round_trip() {
    let before = alice(5, 3);
    let after = alice(9, 4);
    let key = dynamongo_runtime::field::Item::from([(
        "id".to_string(),
        dynamongo_runtime::field::AttributeValue::S("alice".into()),
    )]);
    let (b, a) = (before.to_item(), after.to_item());
    let modify = record("MODIFY", Some(&key), Some(&a), Some(&b));
    assert_eq!(
        Account::change(&modify).unwrap(),
        StreamEvent::Modify {
            old: before.clone(),
            new: after.clone()
        }
    );
    // Serialised as a Lambda would receive it and read back: the same event.
    let json = serde_json::to_string(&modify).unwrap();
    let back: StreamEventRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(Account::change(&back).unwrap().after(), Some(&after));

    // A KEYS_ONLY stream: keys on both sides, whatever else the record holds.
    let token = dynamongo_runtime::uuid::Uuid::new_v4();
    let session = Session::new("ann@example.com", dynamongo_runtime::chrono::Utc::now());
    let mut session = session;
    session.token = token;
    let session_key = dynamongo_runtime::field::Item::from([(
        "token".to_string(),
        dynamongo_runtime::field::AttributeValue::S(token.to_string()),
    )]);
    let removed = record("REMOVE", Some(&session_key), None, Some(&session.to_item()));
    let change: SessionChange = Session::change(&removed).unwrap();
    assert_eq!(change, StreamEvent::Remove(SessionKey { token }));
}

#[test]
fn a_record_that_does_not_fit_names_what_is_wrong() {
    let mut wrong = alice(1, 1).to_item();
    wrong.insert(
        "balance".into(),
        dynamongo_runtime::field::AttributeValue::S("lots".into()),
    );
    let key = dynamongo_runtime::field::Item::from([(
        "id".to_string(),
        dynamongo_runtime::field::AttributeValue::S("alice".into()),
    )]);
    let r = record("INSERT", Some(&key), Some(&wrong), None);
    match Account::change(&r).unwrap_err() {
        Error::Decode { source, .. } => {
            assert_eq!(source.path(), "balance");
            assert!(source.to_string().contains("expected N"), "{source}");
        }
        other => panic!("{other}"),
    }
    // NEW_AND_OLD_IMAGES promises an old image on MODIFY.
    let r = record("MODIFY", Some(&key), Some(&alice(1, 2).to_item()), None);
    match Account::change(&r).unwrap_err() {
        Error::Decode { source, table } => {
            assert_eq!(source.path(), "OldImage");
            assert_eq!(table, "accounts");
        }
        other => panic!("{other}"),
    }
    // The table comes from the record's ARN when it has one.
    let mut r = record("SOMETHING", Some(&key), None, None);
    r.event_source_arn =
        Some("arn:aws:dynamodb:us-east-1:123456789012:table/prod-accounts/stream/x".into());
    match Account::change(&r).unwrap_err() {
        Error::Decode { source, table } => {
            assert_eq!(source.path(), "eventName");
            assert_eq!(table, "prod-accounts");
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn create_table_enables_the_stream_the_spec_asks_for() {
    let db = Db::embedded().await.unwrap();
    Account::create_table(&db).await.unwrap();
    Session::create_table(&db).await.unwrap();
    for (table, view) in [
        ("accounts", "NEW_AND_OLD_IMAGES"),
        ("sessions", "KEYS_ONLY"),
    ] {
        let d = db
            .client()
            .describe_table()
            .table_name(table)
            .send()
            .await
            .unwrap();
        let t = d.table().unwrap();
        let s = t.stream_specification().unwrap();
        assert!(s.stream_enabled());
        assert_eq!(s.stream_view_type().map(|v| v.as_str()), Some(view));
        assert!(t.latest_stream_arn().is_some());
    }
}
