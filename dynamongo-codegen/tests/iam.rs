//! The IAM policy export grants exactly the DynamoDB actions the runtime calls: every SDK
//! call in `dynamongo-runtime/src` is found (`client()` followed by the operation), mapped
//! to its IAM actions, and compared with the actions of the exported policy for `spec/`.
//! A new call without its permission, or a permission nothing uses, fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dynamongo_codegen::export::{export, Format};
use dynamongo_codegen::{generate, Options};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("source dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The SDK operations called as `….client()` + whitespace + `.operation(`.
fn sdk_calls(text: &str) -> Vec<String> {
    let mut calls = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".client()") {
        rest = &rest[at + ".client()".len()..];
        let next = rest.trim_start();
        if let Some(call) = next.strip_prefix('.') {
            let name: String = call
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if call[name.len()..].starts_with('(') && !name.is_empty() {
                calls.push(name);
            }
        }
    }
    calls
}

/// IAM authorises a transaction per item action (and a condition check as its own).
fn iam_actions(operation: &str) -> Vec<String> {
    let pascal = |s: &str| -> String {
        s.split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    };
    let names: Vec<&str> = match operation {
        "transact_write_items" => vec!["PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"],
        "transact_get_items" => vec!["GetItem"],
        _ => return vec![format!("dynamodb:{}", pascal(operation))],
    };
    names.iter().map(|n| format!("dynamodb:{n}")).collect()
}

#[test]
fn iam_policy_grants_exactly_the_calls_the_runtime_makes() {
    let mut files = Vec::new();
    rust_files(&root().join("dynamongo-runtime/src"), &mut files);
    let mut called = BTreeSet::new();
    let mut operations = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("source readable");
        for op in sdk_calls(&text) {
            called.extend(iam_actions(&op));
            operations.insert(op);
        }
    }
    // The scan finds the calls it should (a guard against a scan that finds nothing).
    for op in [
        "put_item",
        "query",
        "batch_write_item",
        "transact_write_items",
        "create_table",
    ] {
        assert!(
            operations.contains(op),
            "no `{op}` call found in the runtime: {operations:?}"
        );
    }
    let generated = generate(&Options::new(root().join("spec"))).expect("spec/ is valid");
    let models = &generated.models;
    assert!(
        models.iter().any(|m| m.ttl_field().is_some()),
        "spec/ needs a model with a TTL field for UpdateTimeToLive to be exported"
    );
    let policy: serde_json::Value = serde_json::from_str(
        &export(models, &generated.tables, Format::IamPolicy, "").expect("exports"),
    )
    .expect("the policy is JSON");
    let granted: BTreeSet<String> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    let missing: Vec<&String> = called.difference(&granted).collect();
    let unused: Vec<&String> = granted.difference(&called).collect();
    assert!(
        missing.is_empty() && unused.is_empty(),
        "the runtime calls but the policy does not grant: {missing:?}\n\
         the policy grants but the runtime never calls: {unused:?}"
    );
}
