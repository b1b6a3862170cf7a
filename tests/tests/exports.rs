//! The spec as the source of truth (DESIGN §9): the exports of `spec/`, checked by the real
//! tools — cfn-lint on the CloudFormation template, python-hcl2 on the Terraform (compared
//! with the specs, read here on their own), and boto3 creating the tables of the
//! CreateTable JSON on the embedded store, compared through DescribeTable with what
//! `create_table` makes. The tools live in the virtualenv `target/export-tools`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use dynamongo_codegen::export::{export, Format};
use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::{
    account::Account, app, contacts::Contacts, everything::Everything, note::Note, order::Order,
    session::Session, user::User,
};
use serde_json::{json, Value};

const TOOLS: &[&str] = &["cfn-lint==1.58.0", "python-hcl2==8.1.4", "boto3==1.44.8"];

fn tools() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| dynamongo_tests::python::venv("export-tools", TOOLS))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn exported(format: Format, prefix: &str) -> String {
    let options = dynamongo_codegen::Options::new(workspace().join("spec"));
    let generated = dynamongo_codegen::generate(&options).expect("spec/ is valid");
    export(&generated.models, &generated.tables, format, prefix).expect("spec/ exports")
}

fn written(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn python(args: &[&str], envs: &[(&str, &str)]) -> String {
    let script = workspace().join("tests/python/export_tools.py");
    let out = Command::new(tools().join("python"))
        .arg(script)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "export_tools.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn exports_are_deterministic() {
    for format in Format::NAMES.map(|n| Format::from_name(n).unwrap()) {
        let a = exported(format, "prod-");
        assert_eq!(a, exported(format, "prod-"), "{format:?}");
        assert!(a.ends_with('\n'));
    }
    // The prefix is a parameter, a variable, or in the names.
    assert!(exported(Format::CloudFormation, "prod-").contains("\"Default\": \"prod-\""));
    assert!(exported(Format::Terraform, "prod-").contains("default     = \"prod-\""));
    assert!(exported(Format::CreateTable, "prod-").contains("\"TableName\": \"prod-users\""));
    assert!(exported(Format::IamPolicy, "prod-").contains("table/prod-users\""));
}

#[test]
fn cloudformation_export_passes_cfn_lint() {
    let (_dir, path) = written("tables.json", &exported(Format::CloudFormation, ""));
    let out = Command::new(tools().join("cfn-lint"))
        .arg(&path)
        .output()
        .expect("cfn-lint runs");
    let report = String::from_utf8_lossy(&out.stdout);
    // cfn-lint's exit code is a bit set: 2 errors, 4 warnings, 8 informational.
    assert_eq!(
        out.status.code(),
        Some(0),
        "cfn-lint found issues:\n{report}"
    );

    let template: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let orders = &template["Resources"]["OrderTable"]["Properties"];
    assert_eq!(
        orders["TableName"],
        json!({"Fn::Sub": "${TablePrefix}orders"})
    );
    assert_eq!(
        orders["GlobalSecondaryIndexes"].as_array().unwrap().len(),
        3
    );
    assert_eq!(
        orders["LocalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"],
        json!(["total"])
    );
    let sessions = &template["Resources"]["SessionTable"]["Properties"];
    assert_eq!(
        sessions["TimeToLiveSpecification"],
        json!({"AttributeName": "expires_at", "Enabled": true})
    );
    assert_eq!(
        sessions["StreamSpecification"],
        json!({"StreamViewType": "KEYS_ONLY"})
    );
    assert_eq!(
        sessions["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(sessions["SSESpecification"]["SSEEnabled"], true);
    assert!(template["Outputs"]["AccountTableStreamArn"].is_object());
}

/// What a spec says a table is, read from the spec JSON here (not through the generator):
/// a model's own table, or a table file's (once for all its entities, whose TTL field
/// gives the table's TTL).
fn expected_tables() -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(workspace().join("spec"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let specs: Vec<Value> = files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    let entity_ttl = |table: &str| {
        specs
            .iter()
            .filter(|s| s["table"] == table && s.get("keys").is_some())
            .flat_map(|s| s["fields"].as_object().unwrap().iter())
            .find(|(_, f)| f["type"] == "ttl")
            .map(|(n, f)| f["attribute"].as_str().unwrap_or(n).to_string())
    };
    let billing_of = |spec: &Value| match &spec["throughput"] {
        Value::String(_) => json!({"billing_mode": "PAY_PER_REQUEST"}),
        t => json!({"billing_mode": "PROVISIONED",
            "read_capacity": t["read_units"].as_i64().unwrap_or(8),
            "write_capacity": t["write_units"].as_i64().unwrap_or(8)}),
    };
    let table_file = |spec: &Value| {
        let name = spec["table"].as_str().unwrap();
        let mut attributes = std::collections::BTreeMap::new();
        let mut key = |k: &Value| {
            k.as_str().map(|k| {
                attributes.insert(k.to_string(), "S");
                k.to_string()
            })
        };
        let (hash, range) = (key(&spec["hash_key"]), key(&spec["range_key"]));
        let mut globals = std::collections::BTreeMap::new();
        for (index, i) in spec["indexes"].as_object().into_iter().flatten() {
            let entry = json!({"hash_key": key(&i["hash_key"]), "range_key": key(&i["range_key"]),
                "projection_type": "ALL", "non_key_attributes": Vec::<String>::new()});
            globals.insert(index.clone(), entry);
        }
        json!({
            "name": format!("${{var.table_prefix}}{name}"),
            "hash_key": hash, "range_key": range, "attributes": attributes,
            "billing": billing_of(spec), "globals": globals,
            "locals": std::collections::BTreeMap::<String, Value>::new(),
            "ttl": entity_ttl(name),
            "stream": spec["stream"].as_str().map(str::to_uppercase),
        })
    };
    specs
        .iter()
        .filter(|spec| spec.get("keys").is_none())
        .map(|spec| {
            if spec.get("model").is_none() {
                return table_file(spec);
            }
            let fields = spec["fields"].as_object().unwrap();
            let attr = |name: &str| -> String {
                fields[name]["attribute"]
                    .as_str()
                    .unwrap_or(name)
                    .to_string()
            };
            let ty = |name: &str| match fields[name]["type"].as_str().unwrap() {
                "int" | "float" | "timedelta" => "N",
                "binary" => "B",
                _ => "S",
            };
            let mut attributes = std::collections::BTreeMap::new();
            let mut key = |name: &str| {
                attributes.insert(attr(name), ty(name));
                attr(name)
            };
            let hash = key(spec["hash_key"].as_str().unwrap());
            let range = spec["range_key"].as_str().map(&mut key);
            let mut globals = std::collections::BTreeMap::new();
            let mut locals = std::collections::BTreeMap::new();
            for (name, index) in spec["indexes"].as_object().into_iter().flatten() {
                let index_hash = match index["local"].as_bool() {
                    Some(true) => hash.clone(),
                    _ => key(index["hash_key"].as_str().unwrap()),
                };
                let index_range = index["range_key"].as_str().map(&mut key);
                let (projection, non_key) = match &index["projection"] {
                    Value::Array(fs) => (
                        "INCLUDE",
                        fs.iter().map(|f| attr(f.as_str().unwrap())).collect(),
                    ),
                    Value::String(s) if s == "keys_only" => ("KEYS_ONLY", Vec::new()),
                    _ => ("ALL", Vec::new()),
                };
                let entry = json!({"hash_key": index_hash, "range_key": index_range,
                    "projection_type": projection, "non_key_attributes": non_key});
                let dynamodb_name = index["index_name"].as_str().unwrap_or(name).to_string();
                match index["local"].as_bool() {
                    Some(true) => locals.insert(dynamodb_name, entry),
                    _ => globals.insert(dynamodb_name, entry),
                };
            }
            let ttl = fields
                .iter()
                .find(|(_, f)| f["type"] == "ttl")
                .map(|(n, _)| attr(n));
            let billing = billing_of(spec);
            json!({
                "name": format!("${{var.table_prefix}}{}", spec["table"].as_str().unwrap()),
                "hash_key": hash, "range_key": range, "attributes": attributes,
                "billing": billing, "globals": globals, "locals": locals, "ttl": ttl,
                "stream": spec["stream"].as_str().map(str::to_uppercase),
            })
        })
        .collect()
}

/// The same facts, read off one parsed `aws_dynamodb_table` resource.
fn terraform_table(r: &Value) -> Value {
    let one = |v: &Value| v.as_array().map(|a| a.to_vec()).unwrap_or_default();
    let attributes: std::collections::BTreeMap<String, String> = one(&r["attribute"])
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let index = |v: &Value| -> std::collections::BTreeMap<String, Value> {
        one(v)
            .iter()
            .map(|i| {
                (i["name"].as_str().unwrap().to_string(), json!({
                    "hash_key": i.get("hash_key").cloned().unwrap_or(r["hash_key"].clone()),
                    "range_key": i["range_key"],
                    "projection_type": i["projection_type"],
                    "non_key_attributes": i.get("non_key_attributes").cloned().unwrap_or(json!([])),
                }))
            })
            .collect()
    };
    let billing = match r["billing_mode"].as_str() {
        Some("PROVISIONED") => json!({"billing_mode": "PROVISIONED",
            "read_capacity": r["read_capacity"], "write_capacity": r["write_capacity"]}),
        other => json!({"billing_mode": other}),
    };
    assert_eq!(r["point_in_time_recovery"][0]["enabled"], true);
    assert_eq!(r["server_side_encryption"][0]["enabled"], true);
    json!({
        "name": r["name"], "hash_key": r["hash_key"], "range_key": r["range_key"],
        "attributes": attributes, "billing": billing,
        "globals": index(&r["global_secondary_index"]), "locals": index(&r["local_secondary_index"]),
        "ttl": r["ttl"][0]["attribute_name"],
        "stream": if r["stream_enabled"] == true { r["stream_view_type"].clone() } else { Value::Null },
    })
}

#[test]
fn terraform_export_parses_as_hcl_and_matches_the_specs() {
    let (_dir, path) = written("main.tf", &exported(Format::Terraform, "dev-"));
    let parsed: Value =
        serde_json::from_str(&python(&["hcl2json", path.to_str().unwrap()], &[])).unwrap();
    assert_eq!(parsed["variable"][0]["table_prefix"]["default"], "dev-");
    let mut got: Vec<Value> = parsed["resource"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["aws_dynamodb_table"]
                .as_object()
                .unwrap()
                .values()
                .cloned()
        })
        .map(|r| terraform_table(&r))
        .collect();
    let mut want = expected_tables();
    let by_name = |v: &Value| v["name"].as_str().unwrap().to_string();
    got.sort_by_key(by_name);
    want.sort_by_key(by_name);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "\nterraform: {g:#}\nspec: {w:#}");
    }
}

/// A DescribeTable (and DescribeTimeToLive) in a form that compares across prefixes.
async fn described(db: &Db, table: &str) -> Value {
    let t = db
        .client()
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let t = t.table().unwrap();
    let keys = |k: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
        k.iter()
            .map(|e| {
                (
                    e.attribute_name().to_string(),
                    e.key_type().as_str().to_string(),
                )
            })
            .collect()
    };
    let projection = |p: Option<&aws_sdk_dynamodb::types::Projection>| {
        p.map(|p| {
            let mut non_key = p.non_key_attributes().to_vec();
            non_key.sort();
            json!([p.projection_type().map(|t| t.as_str()), non_key])
        })
    };
    let mut attributes: Vec<(String, String)> = t
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_string(),
                a.attribute_type().as_str().to_string(),
            )
        })
        .collect();
    attributes.sort();
    let mut globals: Vec<Value> = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let tp = g.provisioned_throughput();
            json!([
                g.index_name(),
                keys(g.key_schema()),
                projection(g.projection()),
                tp.and_then(|t| t.read_capacity_units()),
                tp.and_then(|t| t.write_capacity_units())
            ])
        })
        .collect();
    globals.sort_by_key(|v| v[0].to_string());
    let mut locals: Vec<Value> = t
        .local_secondary_indexes()
        .iter()
        .map(|l| {
            json!([
                l.index_name(),
                keys(l.key_schema()),
                projection(l.projection())
            ])
        })
        .collect();
    locals.sort_by_key(|v| v[0].to_string());
    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().map(|d| {
        json!([
            d.attribute_name(),
            d.time_to_live_status().map(|s| s.as_str())
        ])
    });
    let tp = t.provisioned_throughput();
    json!({
        "keys": keys(t.key_schema()),
        "attributes": attributes,
        "billing": t.billing_mode_summary().and_then(|b| b.billing_mode()).map(|b| b.as_str()),
        "throughput": [tp.and_then(|t| t.read_capacity_units()), tp.and_then(|t| t.write_capacity_units())],
        "globals": globals,
        "locals": locals,
        "stream": t.stream_specification().map(|s| json!([s.stream_enabled(), s.stream_view_type().map(|v| v.as_str())])),
        "ttl": ttl,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_table_export_makes_the_tables_create_table_makes() {
    let db = Db::embedded().await.unwrap();
    let ours = Db::builder()
        .endpoint_url(db.endpoint_url().unwrap())
        .region("us-east-1")
        .credentials("dynamongo-embedded", "dynamongo-embedded")
        .table_prefix("ours-")
        .build()
        .await
        .unwrap();
    User::create_table(&ours).await.unwrap();
    Contacts::create_table(&ours).await.unwrap();
    Everything::create_table(&ours).await.unwrap();
    Order::create_table(&ours).await.unwrap();
    Account::create_table(&ours).await.unwrap();
    Session::create_table(&ours).await.unwrap();
    Note::create_table(&ours).await.unwrap();
    app::create_table(&ours).await.unwrap();

    let (_dir, path) = written("tables.json", &exported(Format::CreateTable, "json-"));
    let endpoint = db.endpoint_url().unwrap();
    let made = python(
        &["create-tables", path.to_str().unwrap()],
        &[
            ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
            ("AWS_ACCESS_KEY_ID", "dynamongo-embedded"),
            ("AWS_SECRET_ACCESS_KEY", "dynamongo-embedded"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ],
    );
    assert_eq!(made.trim(), "8");
    for table in [
        "app",
        "users",
        "user-contacts",
        "everything",
        "orders",
        "accounts",
        "sessions",
        "notes",
    ] {
        let a = described(&db, &format!("ours-{table}")).await;
        let b = described(&db, &format!("json-{table}")).await;
        assert_eq!(a, b, "table {table}:\ncreate_table: {a:#}\nexport: {b:#}");
    }
    // The facts that differ per table made it across.
    let sessions = described(&db, "json-sessions").await;
    assert_eq!(sessions["ttl"], json!(["expires_at", "ENABLED"]));
    assert_eq!(sessions["stream"], json!([true, "KEYS_ONLY"]));
    let orders = described(&db, "json-orders").await;
    assert_eq!(orders["globals"].as_array().unwrap().len(), 3);
}
