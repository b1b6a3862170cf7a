//! `--format create-table`: per table, the inputs of the calls that make it as the spec
//! says — CreateTable, then UpdateTimeToLive (a TTL field) and UpdateContinuousBackups
//! (point-in-time recovery), which CreateTable cannot carry. Keyed by the spec's table
//! name; each input is what the API (and `aws dynamodb create-table --cli-input-json`)
//! takes.

use serde_json::{json, Map, Value};

use super::{table_properties, Table};

pub(crate) fn export(tables: &[Table<'_>], prefix: &str) -> Value {
    let mut out = Map::new();
    for t in tables {
        let name = format!("{prefix}{}", t.table);
        let mut create = Map::new();
        create.insert("TableName".into(), json!(name));
        create.extend(table_properties(t));
        if let Some(view) = t.stream {
            create.insert(
                "StreamSpecification".into(),
                json!({"StreamEnabled": true, "StreamViewType": view.dynamodb_name()}),
            );
        }
        create.insert("SSESpecification".into(), json!({"Enabled": true}));
        let mut calls = Map::new();
        calls.insert("CreateTable".into(), Value::Object(create));
        if let Some(attr) = t.ttl {
            calls.insert(
                "UpdateTimeToLive".into(),
                json!({
                    "TableName": name,
                    "TimeToLiveSpecification": {"AttributeName": attr, "Enabled": true},
                }),
            );
        }
        calls.insert(
            "UpdateContinuousBackups".into(),
            json!({
                "TableName": name,
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
            }),
        );
        out.insert(t.table.to_string(), Value::Object(calls));
    }
    Value::Object(out)
}
