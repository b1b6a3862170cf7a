//! Exports of the table definitions the specs describe, so that infrastructure code is
//! generated from the same source as the models: the CreateTable input (JSON), a
//! CloudFormation template, Terraform, and an IAM policy. Each is deterministic: the same
//! specs give the same bytes.
//!
//! Every export carries the keys, attribute definitions, global and local indexes with
//! their projections, billing mode or throughput, TTL and the stream where a spec asks,
//! with point-in-time recovery and server-side encryption on. The table prefix is a
//! parameter (CloudFormation), a variable (Terraform) or a value (`--table-prefix`).

mod cloudformation;
mod create_table;
mod iam;
mod terraform;

use crate::ir::{self, Model, Projection, StreamView, Throughput};
use crate::Error;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The CreateTable input of each table (plus the UpdateTimeToLive and
    /// UpdateContinuousBackups inputs that CreateTable cannot carry), as JSON.
    CreateTable,
    /// An AWS CloudFormation template of `AWS::DynamoDB::Table` resources (JSON).
    CloudFormation,
    /// Terraform `aws_dynamodb_table` resources (HCL).
    Terraform,
    /// An IAM policy granting exactly the DynamoDB actions dynamongo uses on the tables
    /// and their indexes (JSON).
    IamPolicy,
}

impl Format {
    /// The command line's names: `create-table`, `cloudformation`, `terraform`, `iam-policy`.
    pub const NAMES: [&'static str; 4] =
        ["create-table", "cloudformation", "terraform", "iam-policy"];

    /// From a command-line name.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "create-table" => Format::CreateTable,
            "cloudformation" => Format::CloudFormation,
            "terraform" => Format::Terraform,
            "iam-policy" => Format::IamPolicy,
            _ => return None,
        })
    }
}

/// The export of `models` in `format`; `prefix` is put before every table name (in
/// CloudFormation and Terraform it is the default of the `TablePrefix` parameter /
/// `table_prefix` variable).
///
/// A table file of a single-table design is exported once, for all its entities (which
/// are not exported on their own).
pub fn export(
    models: &[Model],
    table_files: &[ir::Table],
    format: Format,
    prefix: &str,
) -> Result<String, Error> {
    let mut tables: Vec<Table<'_>> = models
        .iter()
        .filter(|m| m.entity.is_none())
        .map(Table::new)
        .collect();
    tables.extend(table_files.iter().map(Table::of_file));
    match format {
        Format::CreateTable => Ok(json(create_table::export(&tables, prefix))),
        Format::CloudFormation => Ok(json(cloudformation::export(&tables, prefix))),
        Format::Terraform => terraform::export(&tables, prefix),
        Format::IamPolicy => Ok(json(iam::export(&tables, prefix))),
    }
}

fn json(value: serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

/// A table as every export sees it: DynamoDB's names and types, read off the IR.
pub(crate) struct Table<'a> {
    /// The resource's name (`UserTable`) and description name: the model, or the table
    /// file's table in PascalCase.
    pub name: String,
    /// The DynamoDB table name, without the prefix.
    pub table: &'a str,
    /// The spec file.
    pub source: &'a str,
    /// The generated module (Terraform's resource name).
    pub module: &'a str,
    pub throughput: Throughput,
    /// Attribute definitions: every key attribute of the table and its indexes, once,
    /// in order of first use.
    pub attributes: Vec<(&'a str, &'static str)>,
    pub hash: &'a str,
    pub range: Option<&'a str>,
    pub globals: Vec<IndexSpec<'a>>,
    pub locals: Vec<IndexSpec<'a>>,
    pub ttl: Option<&'a str>,
    pub stream: Option<StreamView>,
}

pub(crate) struct IndexSpec<'a> {
    pub name: &'a str,
    pub hash: Vec<&'a str>,
    pub range: Vec<&'a str>,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`, and the attributes an INCLUDE adds.
    pub projection: &'static str,
    pub non_key: Vec<&'a str>,
    /// A global index's capacity (its own, or the table's when provisioned).
    pub throughput: Option<(i64, i64)>,
}

/// A global index's provisioned capacity: its own, or its provisioned table's; none for a
/// local index (it uses the table's) or on demand.
fn index_throughput(local: bool, own: Option<Throughput>, table: Throughput) -> Option<(i64, i64)> {
    match (local, own, table) {
        (true, _, _) => None,
        (false, Some(Throughput::Provisioned { read, write }), _)
        | (false, None, Throughput::Provisioned { read, write }) => Some((read, write)),
        _ => None,
    }
}

impl<'a> Table<'a> {
    fn new(m: &'a Model) -> Self {
        let attr = |i: usize| m.fields[i].attribute.as_str();
        let mut attributes: Vec<(&str, &'static str)> = Vec::new();
        let mut define = |i: usize| {
            let f = &m.fields[i];
            let ty = f.ty.kind.key_type().unwrap_or("S");
            if !attributes.iter().any(|(n, _)| *n == f.attribute) {
                attributes.push((&f.attribute, ty));
            }
        };
        define(m.hash_key);
        if let Some(r) = m.range_key {
            define(r);
        }
        for i in &m.indexes {
            i.hash_keys
                .iter()
                .chain(&i.range_keys)
                .for_each(|k| define(*k));
        }
        let index = |i: &'a ir::Index| {
            let (projection, non_key) = match &i.projection {
                Projection::All => ("ALL", Vec::new()),
                Projection::KeysOnly => ("KEYS_ONLY", Vec::new()),
                Projection::Include(fields) => {
                    ("INCLUDE", fields.iter().map(|f| attr(*f)).collect())
                }
            };
            let throughput = index_throughput(i.local, i.throughput, m.throughput);
            IndexSpec {
                name: &i.index_name,
                hash: i.hash_keys.iter().map(|k| attr(*k)).collect(),
                range: i.range_keys.iter().map(|k| attr(*k)).collect(),
                projection,
                non_key,
                throughput,
            }
        };
        Table {
            name: m.name.clone(),
            table: &m.table,
            source: &m.source,
            module: &m.module,
            throughput: m.throughput,
            attributes,
            hash: attr(m.hash_key),
            range: m.range_key.map(attr),
            globals: m.indexes.iter().filter(|i| !i.local).map(index).collect(),
            locals: m.indexes.iter().filter(|i| i.local).map(index).collect(),
            ttl: m.ttl_field().map(|f| f.attribute.as_str()),
            stream: m.stream,
        }
    }

    /// A table file: its rendered key attributes are strings (S), a natural index's have
    /// its entities' types; every attribute projected.
    fn of_file(t: &'a ir::Table) -> Self {
        use heck::ToUpperCamelCase;
        let mut attributes: Vec<(&str, &'static str)> = Vec::new();
        let natural = t
            .indexes
            .iter()
            .filter_map(|i| i.natural.as_ref())
            .flat_map(|n| n.hash.iter().chain(&n.range))
            .map(|(a, ty)| (a.as_str(), *ty));
        for (k, ty) in t.key_attributes().map(|k| (k, "S")).chain(natural) {
            if !attributes.iter().any(|(n, _)| *n == k) {
                attributes.push((k, ty));
            }
        }
        let names = |keys: &'a [(String, &'static str)]| keys.iter().map(|(a, _)| a.as_str());
        let spec = |i: &'a ir::TableIndex| IndexSpec {
            name: &i.name,
            hash: match &i.natural {
                Some(n) => names(&n.hash).collect(),
                None => vec![i.hash_key.as_str()],
            },
            range: match &i.natural {
                Some(n) => names(&n.range).collect(),
                None => i.range_key.iter().map(String::as_str).collect(),
            },
            projection: "ALL",
            non_key: Vec::new(),
            throughput: index_throughput(i.local, i.throughput, t.throughput),
        };
        let globals = t.indexes.iter().filter(|i| !i.local).map(spec).collect();
        let locals = t.indexes.iter().filter(|i| i.local).map(spec).collect();
        Table {
            name: t.module.to_upper_camel_case(),
            table: &t.name,
            source: &t.source,
            module: &t.module,
            throughput: t.throughput,
            attributes,
            hash: &t.hash_key,
            range: t.range_key.as_deref(),
            globals,
            locals,
            ttl: t.ttl.as_deref(),
            stream: t.stream,
        }
    }

    /// The table's provisioned capacity, `None` when it is on demand.
    pub fn provisioned(&self) -> Option<(i64, i64)> {
        match self.throughput {
            Throughput::Provisioned { read, write } => Some((read, write)),
            Throughput::OnDemand => None,
        }
    }

    pub fn billing_mode(&self) -> &'static str {
        match self.provisioned() {
            Some(_) => "PROVISIONED",
            None => "PAY_PER_REQUEST",
        }
    }
}

/// `KeySchema` elements: the hash attributes, then the range attributes.
pub(crate) fn key_schema(hash: &[&str], range: &[&str]) -> serde_json::Value {
    let hash = hash
        .iter()
        .map(|a| serde_json::json!({"AttributeName": a, "KeyType": "HASH"}));
    let range = range
        .iter()
        .map(|a| serde_json::json!({"AttributeName": a, "KeyType": "RANGE"}));
    serde_json::Value::Array(hash.chain(range).collect())
}

pub(crate) fn attribute_definitions(t: &Table<'_>) -> serde_json::Value {
    t.attributes
        .iter()
        .map(|(n, ty)| serde_json::json!({"AttributeName": n, "AttributeType": ty}))
        .collect()
}

/// The `Projection` of an index, as both CreateTable and CloudFormation spell it.
pub(crate) fn projection(i: &IndexSpec<'_>) -> serde_json::Value {
    let mut p = serde_json::json!({"ProjectionType": i.projection});
    if !i.non_key.is_empty() {
        p["NonKeyAttributes"] = serde_json::json!(i.non_key);
    }
    p
}

pub(crate) fn throughput(read: i64, write: i64) -> serde_json::Value {
    serde_json::json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write})
}

/// The table's own range key as a slice, for `key_schema`.
pub(crate) fn table_keys<'a>(t: &Table<'a>) -> (Vec<&'a str>, Vec<&'a str>) {
    (vec![t.hash], t.range.into_iter().collect())
}

/// What CreateTable and CloudFormation's `AWS::DynamoDB::Table` spell alike: keys,
/// attribute definitions, billing and capacity, and the indexes.
pub(crate) fn table_properties(t: &Table<'_>) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{json, Value};
    let (hash, range) = table_keys(t);
    let mut p = serde_json::Map::new();
    p.insert("AttributeDefinitions".into(), attribute_definitions(t));
    p.insert("KeySchema".into(), key_schema(&hash, &range));
    p.insert("BillingMode".into(), json!(t.billing_mode()));
    if let Some((read, write)) = t.provisioned() {
        p.insert("ProvisionedThroughput".into(), throughput(read, write));
    }
    let index = |i: &IndexSpec<'_>| {
        let mut v = json!({
            "IndexName": i.name,
            "KeySchema": key_schema(&i.hash, &i.range),
            "Projection": projection(i),
        });
        if let Some((read, write)) = i.throughput {
            v["ProvisionedThroughput"] = throughput(read, write);
        }
        v
    };
    if !t.globals.is_empty() {
        let g: Vec<Value> = t.globals.iter().map(index).collect();
        p.insert("GlobalSecondaryIndexes".into(), Value::Array(g));
    }
    if !t.locals.is_empty() {
        let l: Vec<Value> = t.locals.iter().map(index).collect();
        p.insert("LocalSecondaryIndexes".into(), Value::Array(l));
    }
    p
}
