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
                    let base = format!("{model}{}", name.to_upper_camel_case());
                    index.projection_type = Some(types.derive(&base, "Projection", &[]));
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
        // A key is one field, or (global indexes) a list of up to four: a multi-attribute key.
        let names = |key: &str| -> Option<Vec<(String, String)>> {
            match spec.get(key)? {
                Value::String(s) => Some(vec![(s.clone(), format!("{p}/{key}"))]),
                Value::Array(list) => Some(
                    list.iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let s = v.as_str().unwrap_or_default().to_string();
                            (s, format!("{p}/{key}/{i}"))
                        })
                        .collect(),
                ),
                _ => None,
            }
        };
        let (hash_names, range_names) = (names("hash_key"), names("range_key"));
        let many =
            |list: &Option<Vec<(String, String)>>| list.as_ref().is_some_and(|l| l.len() > 1);
        if local && (many(&hash_names) || many(&range_names)) {
            self.err(
                p,
                format!("local index `{name}`: only a global index can have a multi-attribute key"),
            );
            return None;
        }
        let resolve =
            |cx: &mut Self, list: Vec<(String, String)>, role: &str| -> Option<Vec<usize>> {
                let keys: Vec<Option<usize>> = list
                    .iter()
                    .map(|(f, pointer)| cx.index_key(fields, f, pointer, name, role))
                    .collect();
                keys.into_iter().collect()
            };
        let hash_keys = match (hash_names, local) {
            (None, true) => Some(vec![table.hash]),
            (Some(h), true) if h[0].0 != *table_hash => {
                self.err(
                    &format!("{p}/hash_key"),
                    format!(
                        "local index `{name}` has hash key `{}`; a local index has the table's, `{table_hash}`",
                        h[0].0
                    ),
                );
                None
            }
            (Some(h), _) => resolve(self, h, "hash"),
            (None, false) => {
                self.err(p, format!("global index `{name}` needs \"hash_key\""));
                None
            }
        };
        let range_keys = match range_names {
            Some(r) => resolve(self, r, "range"),
            None if local => {
                self.err(p, format!("local index `{name}` needs \"range_key\""));
                None
            }
            None => Some(Vec::new()),
        };
        if local && table.range.is_none() {
            self.err(
                &format!("{p}/local"),
                format!("local index `{name}`: a table needs a range key to have local indexes"),
            );
        }
        let all: Vec<usize> = hash_keys
            .iter()
            .chain(&range_keys)
            .flatten()
            .copied()
            .collect();
        if (1..all.len()).any(|i| all[..i].contains(&all[i])) {
            self.err(p, format!("index `{name}` uses a field twice in its key"));
        }
        let keys: Vec<usize> = [Some(table.hash), table.range]
            .into_iter()
            .flatten()
            .chain(all.iter().copied())
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
            hash_keys: hash_keys?,
            range_keys: range_keys?,
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
        if fields[i].version {
            self.err(
                pointer,
                format!("{role} key `{field}` of index `{index}` is the version field, which changes with every write"),
            );
            return None;
        }
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
