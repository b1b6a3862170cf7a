//! `--format iam-policy`: exactly the DynamoDB actions dynamongo's operations call, on the
//! tables of the specs and their indexes: item reads and writes (transactions are
//! authorised per item action, and condition checks as `ConditionCheckItem`), Query and
//! Scan on the indexes, and what `create_table` / `delete_table` use.

use serde_json::{json, Value};

use super::Table;

const ITEM_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
];

const INDEX_ACTIONS: &[&str] = &["dynamodb:Query", "dynamodb:Scan"];

fn arn(table: &str) -> String {
    format!("arn:aws:dynamodb:*:*:table/{table}")
}

pub(crate) fn export(tables: &[Table<'_>], prefix: &str) -> Value {
    let names: Vec<String> = tables
        .iter()
        .map(|t| format!("{prefix}{}", t.table))
        .collect();
    let table_arns: Vec<String> = names.iter().map(|n| arn(n)).collect();
    let index_arns: Vec<String> = tables
        .iter()
        .zip(&names)
        .flat_map(|(t, n)| {
            t.globals
                .iter()
                .chain(&t.locals)
                .map(move |i| format!("{}/index/{}", arn(n), i.name))
        })
        .collect();
    let mut table_actions = vec![
        "dynamodb:CreateTable",
        "dynamodb:DeleteTable",
        "dynamodb:DescribeTable",
    ];
    if tables.iter().any(|t| t.ttl.is_some()) {
        table_actions.push("dynamodb:UpdateTimeToLive");
    }
    let mut statements = vec![json!({
        "Sid": "DynamongoItems",
        "Effect": "Allow",
        "Action": ITEM_ACTIONS,
        "Resource": table_arns,
    })];
    if !index_arns.is_empty() {
        statements.push(json!({
            "Sid": "DynamongoIndexes",
            "Effect": "Allow",
            "Action": INDEX_ACTIONS,
            "Resource": index_arns,
        }));
    }
    statements.push(json!({
        "Sid": "DynamongoTables",
        "Effect": "Allow",
        "Action": table_actions,
        "Resource": table_arns,
    }));
    json!({"Version": "2012-10-17", "Statement": statements})
}
