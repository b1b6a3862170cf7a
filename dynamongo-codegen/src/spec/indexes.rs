//! Secondary indexes of a spec (`indexes`): checked against the fields and DynamoDB's
//! rules, every mistake reported with its pointer.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use heck::ToUpperCamelCase;

use super::{str_of, Cx, TableKeys, TypeNames};
use crate::error::pointer_segment;
use crate::ident;
use crate::ir::{self, Projection, Throughput};

/// DynamoDB's limits per table.
const MAX_GLOBAL: usize = 20;
const MAX_LOCAL: usize = 5;

impl Cx<'_> {
    pub(crate) fn indexes(
        &mut self,
        specs: &Map<String, Value>,
        fields: &[ir::Field],
        table: TableKeys,
        model: &str,
        types: &mut TypeNames,
    ) -> Vec<ir::Index> {
        let mut out = Vec::new();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for (name, spec) in specs {
            let p = format!("/indexes/{}", pointer_segment(name));
            let Some(spec) = spec.as_object() else {
                continue;
            };
            if !ident::is_snake_ident(name) {
                self.err(
                    &p,
                    format!(
                        "index name `{name}` is not a snake_case Rust identifier (it names the \
                         handle); keep the DynamoDB name with \"index_name\""
                    ),
                );
            } else if fields
                .iter()
                .any(|f| ident::escaped(&f.name) == ident::escaped(name))
            {
                self.err(
                    &p,
                    format!("index `{name}` has the name of a field; its handle would clash"),
                );
            }
            let index_name = str_of(spec, "index_name").unwrap_or(name).to_string();
            if let Some(other) = names.insert(index_name.clone(), name.clone()) {
                self.err(
                    &p,
                    format!("index name `{index_name}` is also used by index `{other}`"),
                );
            }
            if let Some(mut index) = self.index(name, index_name, spec, &p, fields, &table) {
                if index.projection != Projection::All {
                    let type_name = format!("{model}{}", name.to_upper_camel_case());
                    types.claim(self, &p, &type_name);
                    index.projection_type = Some(type_name);
                }
                out.push(index);
            }
        }
        for (local, max, kind) in [(false, MAX_GLOBAL, "global"), (true, MAX_LOCAL, "local")] {
            let n = out.iter().filter(|i| i.local == local).count();
            if n > max {
                self.err(
                    "/indexes",
                    format!("{n} {kind} indexes; DynamoDB allows {max} per table"),
                );
            }
        }
        out
    }

    fn index(
        &mut self,
        name: &str,
        index_name: String,
        spec: &Map<String, Value>,
        p: &str,
        fields: &[ir::Field],
        table: &TableKeys,
    ) -> Option<ir::Index> {
        let local = spec.get("local").and_then(Value::as_bool).unwrap_or(false);
        let table_hash = &fields[table.hash].name;
        let hash_key = match (str_of(spec, "hash_key"), local) {
            (None, true) => Some(table.hash),
            (Some(h), true) if h != table_hash => {
                self.err(
                    &format!("{p}/hash_key"),
                    format!(
                        "local index `{name}` has hash key `{h}`; a local index has the table's, `{table_hash}`"
                    ),
                );
                None
            }
            (Some(h), _) => self.index_key(fields, h, &format!("{p}/hash_key"), name, "hash"),
            (None, false) => {
                self.err(p, format!("global index `{name}` needs \"hash_key\""));
                None
            }
        };
        let range_key = match str_of(spec, "range_key") {
            Some(r) => self.index_key(fields, r, &format!("{p}/range_key"), name, "range"),
            None if local => {
                self.err(p, format!("local index `{name}` needs \"range_key\""));
                None
            }
            None => None,
        };
        if local && table.range.is_none() {
            self.err(
                &format!("{p}/local"),
                format!("local index `{name}`: a table needs a range key to have local indexes"),
            );
        }
        if hash_key.is_some() && hash_key == range_key {
            self.err(
                &format!("{p}/range_key"),
                format!("index `{name}` has the same field as hash and range key"),
            );
        }
        let keys: Vec<usize> = [Some(table.hash), table.range, hash_key, range_key]
            .into_iter()
            .flatten()
            .collect();
        let projection = self.projection(
            spec.get("projection"),
            &format!("{p}/projection"),
            fields,
            &keys,
        );
        let throughput = match spec.get("throughput") {
            None => None,
            Some(_) if local => {
                self.err(
                    &format!("{p}/throughput"),
                    "a local index uses the table's capacity; it takes no \"throughput\"",
                );
                None
            }
            Some(_) if table.throughput == Throughput::OnDemand => {
                self.err(
                    &format!("{p}/throughput"),
                    "the table is on demand; its indexes take no \"throughput\"",
                );
                None
            }
            Some(t) => Some(Throughput::Provisioned {
                read: t["read_units"].as_i64().unwrap_or(8),
                write: t["write_units"].as_i64().unwrap_or(8),
            }),
        };
        Some(ir::Index {
            name: name.to_string(),
            index_name,
            local,
            hash_key: hash_key?,
            range_key,
            projection: projection?,
            projection_type: None,
            throughput,
        })
    }

    /// A key field of an index: it must exist and be a string, number or binary scalar.
    /// It may be optional: items without it are not in the index (a sparse index).
    fn index_key(
        &mut self,
        fields: &[ir::Field],
        field: &str,
        pointer: &str,
        index: &str,
        role: &str,
    ) -> Option<usize> {
        let Some(i) = fields.iter().position(|f| f.name == field) else {
            self.err(
                pointer,
                format!("{role} key `{field}` of index `{index}` names no field in /fields"),
            );
            return None;
        };
        if fields[i].ty.kind.key_type().is_none() {
            self.err(
                pointer,
                format!(
                    "{role} key `{field}` of index `{index}` has type `{}`; a key must be a string, number or binary scalar",
                    fields[i].ty.kind.spec_name()
                ),
            );
            return None;
        }
        Some(i)
    }

    fn projection(
        &mut self,
        value: Option<&Value>,
        pointer: &str,
        fields: &[ir::Field],
        keys: &[usize],
    ) -> Option<Projection> {
        match value {
            None => Some(Projection::All),
            Some(Value::String(s)) if s == "all" => Some(Projection::All),
            Some(Value::String(_)) => Some(Projection::KeysOnly),
            Some(Value::Array(list)) => {
                let before = self.errors.len();
                let mut included = Vec::new();
                for (n, v) in list.iter().enumerate() {
                    let name = v.as_str().unwrap_or_default();
                    let p = format!("{pointer}/{n}");
                    match fields.iter().position(|f| f.name == name) {
                        None => self.err(
                            &p,
                            format!("projected field `{name}` names no field in /fields"),
                        ),
                        Some(i) if keys.contains(&i) => self.err(
                            &p,
                            format!("`{name}` is a key attribute; keys are always projected"),
                        ),
                        Some(i) if included.contains(&i) => {
                            self.err(&p, format!("`{name}` is projected twice"))
                        }
                        Some(i) => included.push(i),
                    }
                }
                (self.errors.len() == before).then_some(Projection::Include(included))
            }
            Some(_) => None,
        }
    }
}
