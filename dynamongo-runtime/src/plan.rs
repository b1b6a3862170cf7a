//! The planner: which DynamoDB call serves a multi-item strategy, and why.
//!
//! - full keys → GetItem (one) / BatchGetItem (many), other checks applied to the items
//!   returned (BatchGetItem has no filter);
//! - hash-key equality (plus a range-key condition) → Query, the rest as FilterExpression;
//! - hash key `in_` a list → BatchGetItem without a range key, one Query per hash value
//!   with one;
//! - anything else → Scan with a FilterExpression.
//!
//! What a read or delete acts on is a strategy: [`Strategy`] for one item (a key, a key
//! tuple, a model, a key condition), [`ManyStrategy`] for many (a list of those, `in_` /
//! `keys_in`, any condition). `get_many(..).explain()` gives the [`Plan`].

pub use crate::model::{one, ManyStrategy, Strategy, Target, Targets};

use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::capacity::{read_units, Estimate, ItemBytes, Range, TableStats};
use crate::error::Error;
use crate::expr::{Cmp, Expr, ExprBuilder};
use crate::keys::{self, key_names};
use crate::model::{IndexDef, Model, ModelKey, Projection};
use crate::read::ReadOptions;
use crate::value::Item;

/// Keys per BatchGetItem request.
pub(crate) const BATCH_GET_MAX: usize = 100;

/// How the items are read.
#[derive(Debug, Clone)]
pub(crate) enum Access {
    /// Full keys; each with its own checks (from a list of strategies).
    Keys(Vec<(Item, Option<Expr>)>),
    /// One Query per hash value, on the table or on an index.
    Query {
        /// The index queried (`None`: the table).
        index: Option<&'static IndexDef>,
        hash_values: Vec<AttributeValue>,
        range: Option<Expr>,
        filter: Option<Expr>,
    },
    /// A Scan.
    Scan { filter: Option<Expr> },
}

/// A plan: the access path and the checks applied here to what comes back.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub access: Access,
    pub local: Option<Expr>,
    pub reason: Reason,
}

/// Why a plan reads the way it does, in words: put together only when shown (`explain()`,
/// the scan warning or refusal), not on every read.
#[derive(Debug, Clone)]
pub(crate) enum Reason {
    /// Said in full.
    Said(std::borrow::Cow<'static, str>),
    /// An equality (`values: None`) or an `in_` on the hash key `hash` (of `values`
    /// distinct values), and what it gives.
    Hash {
        hash: &'static str,
        values: Option<usize>,
        gives: Gives,
    },
    /// No equality or `in_` on the hash key `hash` at the top of the condition.
    NoHashKey(&'static str),
}

/// What a condition on the hash key gives a plan.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Gives {
    /// Full keys (the range key has an equality, or there is none).
    FullKeys,
    /// A Query on the table, with or without a condition on the range key.
    Query { range: bool },
    /// Nothing on the range key (why an index whose range key is constrained serves).
    NoRange,
}

impl From<&'static str> for Reason {
    fn from(s: &'static str) -> Self {
        Reason::Said(s.into())
    }
}

impl From<String> for Reason {
    fn from(s: String) -> Self {
        Reason::Said(s.into())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Said(s) => f.write_str(s),
            Reason::Hash {
                hash,
                values,
                gives,
            } => {
                match values {
                    None => write!(f, "equality on the hash key `{hash}`")?,
                    Some(n) => write!(f, "hash key `{hash}` in a list of {n} value(s)")?,
                }
                f.write_str(match gives {
                    Gives::FullKeys => " gives full keys",
                    Gives::Query { range: true } => " and a condition on the range key",
                    Gives::Query { range: false } => "",
                    Gives::NoRange => " and no condition on the range key",
                })
            }
            Reason::NoHashKey(hash) => write!(
                f,
                "no equality or in_ on the hash key `{hash}` is ANDed at the top of the condition"
            ),
        }
    }
}

/// The DynamoDB operation a plan uses.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let plan = User::get_many(db, vec!["a@b.io", "c@d.io"]).explain()?;
/// assert_eq!(plan.operation, dynamongo_runtime::plan::Operation::BatchGetItem);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// One GetItem.
    GetItem,
    /// BatchGetItem in requests of up to 100 keys.
    BatchGetItem,
    /// Query (one per hash value).
    Query,
    /// Scan with a filter.
    Scan,
    /// One DeleteItem per item (conditional deletes).
    DeleteItem,
    /// BatchWriteItem in requests of up to 25 deletes.
    BatchWriteItem,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::GetItem => "GetItem",
            Operation::BatchGetItem => "BatchGetItem",
            Operation::Query => "Query",
            Operation::Scan => "Scan",
            Operation::DeleteItem => "DeleteItem",
            Operation::BatchWriteItem => "BatchWriteItem",
        })
    }
}

/// What a multi-item call will send, shown without sending anything (`explain()`).
///
/// ```
/// use dynamongo_runtime::plan::Operation;
/// # fn show(plan: dynamongo_runtime::plan::Plan) {
/// if plan.operation == Operation::Scan { eprintln!("{plan}"); }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Plan {
    /// The operation.
    pub operation: Operation,
    /// The (prefixed) table.
    pub table: String,
    /// The secondary index queried, if any.
    pub index: Option<String>,
    /// How many requests at least (keys / 100 for BatchGetItem, hash values for Query,
    /// segments for a Scan).
    pub requests: usize,
    /// Full keys read (GetItem / BatchGetItem).
    pub keys: usize,
    /// `KeyConditionExpression` (Query; the first one when there are several).
    pub key_condition: Option<String>,
    /// `FilterExpression` (Query / Scan).
    pub filter: Option<String>,
    /// Checks applied here to the items returned (what BatchGetItem cannot filter).
    pub local_filter: Option<String>,
    /// Placeholder names.
    pub names: Vec<(String, String)>,
    /// Placeholder values.
    pub values: Vec<(String, AttributeValue)>,
    /// Query order (`ScanIndexForward`); key order for batch reads.
    pub descending: bool,
    /// Most items returned.
    pub limit: Option<usize>,
    /// Segments of a parallel Scan read concurrently (1: a plain Scan, and every other
    /// operation).
    pub segments: u32,
    /// Why this operation.
    pub reason: String,
    /// For deletes: the read that finds the items first.
    pub find: Option<Box<Plan>>,
    /// What the call will cost, from the model's item size bounds (for deletes: the
    /// writes; the read's is in `find`).
    pub estimate: Estimate,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on `{}`", self.operation, self.table)?;
        if let Some(index) = &self.index {
            write!(f, " index `{index}`")?;
        }
        match self.operation {
            Operation::BatchGetItem
            | Operation::BatchWriteItem
            | Operation::GetItem
            | Operation::DeleteItem => {
                write!(f, ": {} key(s) in {} request(s)", self.keys, self.requests)?
            }
            Operation::Query => write!(f, ": {} request(s) at least", self.requests)?,
            Operation::Scan if self.segments > 1 => {
                write!(f, ": {} segments in parallel", self.segments)?
            }
            Operation::Scan => {}
        }
        if let Some(k) = &self.key_condition {
            write!(f, "\n  key condition: {k}")?;
        }
        if let Some(x) = &self.filter {
            write!(f, "\n  filter: {x}")?;
        }
        if let Some(x) = &self.local_filter {
            write!(f, "\n  checked on the items returned: {x}")?;
        }
        for (k, v) in &self.names {
            write!(f, "\n  {k} = {v}")?;
        }
        for (k, v) in &self.values {
            write!(f, "\n  {k} = {v:?}")?;
        }
        if self.descending {
            write!(f, "\n  descending")?;
        }
        if let Some(l) = self.limit {
            write!(f, "\n  limit {l}")?;
        }
        write!(f, "\n  why: {}", self.reason)?;
        if let Some(find) = &self.find {
            write!(f, "\nfound by: {find}")?;
        }
        Ok(())
    }
}

fn is_key_term(e: &Expr, name: &str) -> bool {
    e.mentions(name)
}

/// Plans a multi-item read.
pub(crate) fn plan<M: Model>(targets: Targets<M>) -> Result<Planned, Error> {
    match targets {
        Targets::List(list) => {
            let keys = list
                .into_iter()
                .map(|t| keys::resolve(t).map(|single| (single.key, single.extra)))
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(Planned {
                access: Access::Keys(keys::dedup_keys(keys, &key_names::<M>(), |(k, _)| k)),
                // An entity's read returns that entity only.
                local: M::ENTITY.map(|e| e.is_this()),
                reason: "a list of single-item strategies: full keys".into(),
            })
        }
        Targets::Where(c) => {
            c.check()?;
            match M::ENTITY {
                Some(e) => {
                    let (expr, why, keyed) = e.rewrite(&c.expr)?;
                    // An index keyed by the entity's own attributes (a natural, multi-
                    // attribute key) whose key takes more of the condition than the
                    // templates do.
                    let this = e.is_this();
                    let mut terms = c.expr.and_terms();
                    terms.push(&this);
                    let not_templates = "no key template takes as much of the condition";
                    if let Some((mut planned, used)) =
                        index_query::<M>(&terms, &not_templates, None)
                    {
                        if used > keyed {
                            planned.reason = format!(
                                "entity `{}` (its items have `{}` = `{}`): {}",
                                e.name, e.attribute, e.name, planned.reason
                            )
                            .into();
                            return Ok(planned);
                        }
                    }
                    let mut planned = plan_condition::<M>(&expr)?;
                    planned.reason = format!("{why}: {}", planned.reason).into();
                    Ok(planned)
                }
                None => plan_condition::<M>(&c.expr),
            }
        }
    }
}

fn plan_condition<M: Model>(expr: &Expr) -> Result<Planned, Error> {
    let terms = expr.and_terms();
    if let Some(planned) = whole_partition::<M>(&terms) {
        return Ok(planned);
    }
    search::<M>(expr, &terms)
}

/// The commonest read, a partition and nothing else (`hash == v` on a table with a range
/// key): its Query, without [`search`] (which finds the same: no other term constrains a
/// range key or an index).
fn whole_partition<M: Model>(terms: &[&Expr]) -> Option<Planned> {
    let hash = M::HASH_KEY.name;
    let (Some(_), [t @ Expr::Cmp(_, Cmp::Eq, v)]) = (M::RANGE_KEY, terms) else {
        return None;
    };
    on_top_level(t, hash).then(|| Planned {
        access: Access::Query {
            index: None,
            hash_values: vec![v.clone()],
            range: None,
            filter: None,
        },
        local: None,
        reason: Reason::Hash {
            hash,
            values: None,
            gives: Gives::Query { range: false },
        },
    })
}

/// Plans the condition whose top-level `AND` terms are `terms`: keys, a Query (of the
/// table or an index) or a Scan.
fn search<M: Model>(expr: &Expr, terms: &[&Expr]) -> Result<Planned, Error> {
    let hash = M::HASH_KEY.name;
    let range = M::RANGE_KEY.map(|r| r.name);
    let rest = |skip: &[usize]| -> Vec<Expr> {
        terms
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, t)| (*t).clone())
            .collect()
    };

    // keys_in(...)
    if let Some((i, Expr::KeysIn(items))) = terms
        .iter()
        .enumerate()
        .find(|(_, t)| matches!(t, Expr::KeysIn(_)))
    {
        for k in items {
            keys::check_key_item(k)?;
            for n in key_names::<M>() {
                if !k.contains_key(n) {
                    return Err(Error::Expression(format!("keys_in: a key lacks `{n}`")));
                }
            }
        }
        return Ok(Planned {
            access: Access::Keys(keys::dedup_keys(
                items.iter().map(|k| (k.clone(), None)).collect(),
                &key_names::<M>(),
                |(k, _)| k,
            )),
            local: Expr::and_all(rest(&[i])),
            reason: "keys_in: full keys".into(),
        });
    }

    let hash_eq = terms
        .iter()
        .position(|t| on_top_level(t, hash) && matches!(t, Expr::Cmp(_, Cmp::Eq, _)));
    let hash_in = terms
        .iter()
        .position(|t| on_top_level(t, hash) && matches!(t, Expr::In(..)));

    let hash_values: Vec<AttributeValue>;
    let hash_index: usize;
    // `None`: an equality; else an `in_` of so many distinct values.
    let values: Option<usize>;
    match (hash_eq, hash_in) {
        (Some(i), _) => {
            let Expr::Cmp(_, _, v) = terms[i] else {
                return Err(inconsistent());
            };
            hash_values = vec![v.clone()];
            hash_index = i;
            values = None;
        }
        (None, Some(i)) => {
            let Expr::In(_, vs) = terms[i] else {
                return Err(inconsistent());
            };
            let mut seen = std::collections::HashSet::new();
            hash_values = vs
                .iter()
                .filter(|v| seen.insert(format!("{v:?}")))
                .cloned()
                .collect();
            hash_index = i;
            values = Some(hash_values.len());
        }
        (None, None) => {
            let no_key = Reason::NoHashKey(hash);
            if let Some((planned, _)) = index_query::<M>(terms, &no_key, None) {
                return Ok(planned);
            }
            return Ok(Planned {
                access: Access::Scan {
                    filter: Some(expr.clone()),
                },
                local: None,
                reason: no_key,
            });
        }
    }
    let why = |gives| Reason::Hash {
        hash,
        values,
        gives,
    };

    // Range key: an equality makes full keys; another comparison makes a key condition.
    let range_term = range.and_then(|r| {
        terms
            .iter()
            .enumerate()
            .position(|(i, t)| i != hash_index && on_top_level(t, r) && is_range_condition(t))
    });
    let range_eq = range_term.filter(|i| matches!(terms[*i], Expr::Cmp(_, Cmp::Eq, _)));

    if range.is_none() || range_eq.is_some() {
        // Full keys: batched gets, everything else checked on what comes back.
        let mut skip = vec![hash_index];
        skip.extend(range_eq);
        let keys = hash_values
            .iter()
            .map(|h| {
                let mut k = Item::from([(hash.to_string(), h.clone())]);
                if let (Some(r), Some(i)) = (range, range_eq) {
                    if let Expr::Cmp(_, _, v) = terms[i] {
                        k.insert(r.to_string(), v.clone());
                    }
                }
                keys::check_key_item(&k)?;
                Ok((k, None))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        return Ok(Planned {
            access: Access::Keys(keys::dedup_keys(keys, &key_names::<M>(), |(k, _)| k)),
            local: Expr::and_all(rest(&skip)),
            reason: why(Gives::FullKeys),
        });
    }

    // One hash value, no condition on the range key: a local index whose range key is
    // constrained serves better than the table.
    if range_term.is_none() && hash_values.len() == 1 {
        if let Some((planned, _)) = index_query::<M>(terms, &why(Gives::NoRange), Some(true)) {
            return Ok(planned);
        }
    }
    let mut skip = vec![hash_index];
    skip.extend(range_term);
    let (filter, local): (Vec<Expr>, Vec<Expr>) = rest(&skip)
        .into_iter()
        .partition(|t| !key_names::<M>().iter().any(|n| is_key_term(t, n)));
    Ok(Planned {
        access: Access::Query {
            index: None,
            hash_values,
            range: range_term.map(|i| terms[i].clone()),
            filter: Expr::and_all(filter),
        },
        local: Expr::and_all(local),
        reason: why(Gives::Query {
            range: range_term.is_some(),
        }),
    })
}

/// A Query on an index that projects every attribute, when one has an equality on each
/// of its hash attributes ANDed at the top of the condition (and, with `need_range`, a
/// condition on its range key too). Range conditions are taken in key order: equalities,
/// then at most one other comparison. Among several indexes, the first in spec order whose
/// range key is constrained, else the first; deterministic, and `explain()` says which
/// and why. With the plan, how many terms its key takes.
fn index_query<M: Model>(
    terms: &[&Expr],
    why_not_table: &dyn fmt::Display,
    need_range: Option<bool>,
) -> Option<(Planned, usize)> {
    let eq_term = |name: &str, taken: &[usize]| {
        terms.iter().enumerate().position(|(i, t)| {
            !taken.contains(&i) && on_top_level(t, name) && matches!(t, Expr::Cmp(_, Cmp::Eq, _))
        })
    };
    let candidates = M::INDEXES
        .iter()
        .filter(|i| i.projection == Projection::All);
    let found: Vec<(&'static IndexDef, Vec<usize>, Vec<usize>)> = candidates
        .filter_map(|index| {
            let mut hash_terms: Vec<usize> = Vec::new();
            for h in index.hash {
                let t = eq_term(h.name, &hash_terms)?;
                hash_terms.push(t);
            }
            let mut range_terms: Vec<usize> = Vec::new();
            for r in index.range {
                let taken: Vec<usize> = hash_terms.iter().chain(&range_terms).copied().collect();
                if let Some(t) = eq_term(r.name, &taken) {
                    range_terms.push(t);
                    continue;
                }
                let other = terms.iter().enumerate().position(|(i, t)| {
                    !taken.contains(&i) && on_top_level(t, r.name) && is_range_condition(t)
                });
                range_terms.extend(other);
                break;
            }
            Some((index, hash_terms, range_terms))
        })
        .filter(|(_, _, r)| need_range != Some(true) || !r.is_empty())
        .collect();
    // The first, in spec order, of those whose range key is constrained and whose key
    // uses the most terms of the condition (multi-attribute keys can use more); else the
    // first.
    let used = |(_, h, r): &&(&IndexDef, Vec<usize>, Vec<usize>)| h.len() + r.len();
    let most = found
        .iter()
        .filter(|(_, _, r)| !r.is_empty())
        .map(|f| used(&f))
        .max();
    let (index, hash_terms, range_terms) = found
        .iter()
        .find(|f| !f.2.is_empty() && Some(used(f)) == most)
        .or(found.first())
        .cloned()?;
    let Expr::Cmp(_, _, hash_value) = terms[hash_terms[0]] else {
        return None;
    };
    // The other hash equalities and the range conditions join the key condition.
    let key_rest: Vec<Expr> = hash_terms[1..]
        .iter()
        .chain(&range_terms)
        .map(|i| terms[*i].clone())
        .collect();
    let index_keys: Vec<&str> = index.key_names().collect();
    let (filter, local): (Vec<Expr>, Vec<Expr>) = terms
        .iter()
        .enumerate()
        .filter(|(i, _)| !hash_terms.contains(i) && !range_terms.contains(i))
        .map(|(_, t)| (*t).clone())
        .partition(|t| !index_keys.iter().any(|n| is_key_term(t, n)));
    let kind = if index.local { "local" } else { "global" };
    let quoted = |keys: &[crate::model::KeyAttr]| {
        let names: Vec<String> = keys.iter().map(|k| format!("`{}`", k.name)).collect();
        names.join(" and ")
    };
    let mut reason = format!(
        "{why_not_table}; equality on {}, the hash key of the {kind} index `{}`",
        quoted(index.hash),
        index.name
    );
    if !range_terms.is_empty() {
        let on = quoted(&index.range[..range_terms.len()]);
        reason.push_str(&format!(", and a condition on its range key {on}"));
    }
    if found.len() > 1 {
        let others: Vec<&str> = found
            .iter()
            .filter(|(i, ..)| i.name != index.name)
            .map(|(i, ..)| i.name)
            .collect();
        reason.push_str(&format!(
            " (chosen over {}: {})",
            others.join(", "),
            if range_terms.is_empty() {
                "the first in the spec"
            } else if found
                .iter()
                .any(|f| !f.2.is_empty() && used(&f) < hash_terms.len() + range_terms.len())
            {
                "its key uses the most of the condition"
            } else {
                "its range key is constrained too"
            }
        ));
    }
    let planned = Planned {
        access: Access::Query {
            index: Some(index),
            hash_values: vec![hash_value.clone()],
            range: Expr::and_all(key_rest),
            filter: Expr::and_all(filter),
        },
        local: Expr::and_all(local),
        reason: reason.into(),
    };
    Some((planned, hash_terms.len() + range_terms.len()))
}

/// Whether a term is a comparison, `IN`, `BETWEEN` or `begins_with` on the top-level
/// attribute `name`.
fn on_top_level(e: &Expr, name: &str) -> bool {
    e.top_attr() == Some(name)
}

/// Whether a term can be a range-key condition of a Query.
fn is_range_condition(t: &Expr) -> bool {
    matches!(
        t,
        Expr::Cmp(_, Cmp::Eq | Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge, _)
            | Expr::Between(..)
            | Expr::BeginsWith(..)
    )
}

fn inconsistent() -> Error {
    Error::Expression("planner: inconsistent condition".to_string())
}

/// The key condition of a Query for one hash value, on the table or an index.
pub(crate) fn key_condition<M: Model>(
    index: Option<&IndexDef>,
    hash_value: &AttributeValue,
    range: Option<&Expr>,
) -> Expr {
    let hash = index
        .and_then(|i| i.hash.first())
        .map_or(M::HASH_KEY.name, |k| k.name);
    let h = Expr::Cmp(crate::expr::AttrPath::of(hash), Cmp::Eq, hash_value.clone());
    match range {
        Some(r) => Expr::And(Box::new(h), Box::new(r.clone())),
        None => h,
    }
}

/// The public description of a read plan.
pub(crate) fn describe<M: Model>(table: String, p: &Planned, options: &ReadOptions) -> Plan {
    let ReadOptions {
        descending,
        limit,
        segments,
        ..
    } = *options;
    let mut b = ExprBuilder::default();
    let segments = match p.access {
        Access::Scan { .. } => segments.max(1),
        _ => 1,
    };
    let (operation, requests, keys, key_condition, filter) = match &p.access {
        Access::Keys(keys) => {
            let op = if keys.len() == 1 {
                Operation::GetItem
            } else {
                Operation::BatchGetItem
            };
            (
                op,
                keys.len().div_ceil(BATCH_GET_MAX),
                keys.len(),
                None,
                None,
            )
        }
        Access::Query {
            index,
            hash_values,
            range,
            filter,
        } => {
            let kc = hash_values
                .first()
                .map(|h| b.key_condition(&key_condition::<M>(*index, h, range.as_ref())));
            let f = filter.as_ref().map(|f| b.condition(f));
            (Operation::Query, hash_values.len(), 0, kc, f)
        }
        Access::Scan { filter } => (
            Operation::Scan,
            segments as usize,
            0,
            None,
            filter.as_ref().map(|f| b.condition(f)),
        ),
    };
    let mut local = p.local.as_ref().map(|l| b.condition(l));
    if let Access::Keys(keys) = &p.access {
        let per_key = keys.iter().filter(|(_, e)| e.is_some()).count();
        if per_key > 0 {
            let note = format!("per-key checks on {per_key} key(s)");
            local = Some(match local {
                Some(l) => format!("{l}; {note}"),
                None => note,
            });
        }
    }
    let rendered = b.finish(String::new());
    let index = match &p.access {
        Access::Query { index, .. } => index.map(|i| i.name.to_string()),
        _ => None,
    };
    let items = match (options.items, &p.access) {
        (Some(i), _) => i,
        (None, Access::Query { index: Some(i), .. }) => entry_bytes::<M>(i),
        (None, _) => M::ITEM_BYTES,
    };
    let estimate = estimate(&p.access, p.local.is_some(), items, options);
    Plan {
        operation,
        table,
        index,
        requests,
        keys,
        key_condition,
        filter,
        local_filter: local,
        names: rendered.names,
        values: rendered.values,
        descending,
        limit,
        segments,
        reason: p.reason.to_string(),
        find: None,
        estimate,
    }
}

/// What deleting `items` items of `M` costs (`None`: as many as a read finds): each
/// delete pays the table at least one write unit (an absent item too), and each index the
/// item was in its entry's share.
pub(crate) fn delete_estimate<M: Model>(items: Option<u64>, requests: u64) -> Estimate {
    let (_, table_max) = M::ITEM_BYTES.write_units();
    let index_max = M::INDEX_BYTES
        .iter()
        .try_fold(0.0, |sum, (_, b)| b.write_units().1.map(|u| sum + u));
    let per_item = table_max.zip(index_max).map(|(t, i)| t + i);
    let mut e = Estimate::new(
        Range::new(requests, items.map(|_| requests)),
        Range::exactly(0),
        Range::exactly(0.0),
    );
    e.write_units = Range::new(
        items.unwrap_or(0) as f64,
        items.zip(per_item).map(|(n, u)| n as f64 * u),
    );
    e
}

/// A Scan's estimate completed by the table's statistics: at most every item, and the
/// read units of its size (plus one unit of rounding per 1 MB page and segment).
pub(crate) fn with_stats(plan: &mut Plan, stats: TableStats, consistent: bool) {
    let e = &mut plan.estimate;
    let pages = stats.bytes.div_ceil(1024 * 1024) + u64::from(plan.segments.max(1));
    let unit = read_units(0, consistent);
    let bytes = read_units(stats.bytes, consistent).max(unit);
    e.items.max = Some(stats.items);
    e.read_units.max = Some(bytes + pages as f64 * unit);
    e.requests.max = Some(pages);
    e.notes.retain(|n| !n.starts_with("a Scan reads"));
    e.notes.push(format!(
        "a Scan reads, and pays for, the whole table: about {} items, {} bytes (DescribeTable, \
         updated about every six hours)",
        stats.items, stats.bytes
    ));
}

/// The size of an item's entry in `index`.
pub(crate) fn entry_bytes<M: Model>(index: &IndexDef) -> ItemBytes {
    M::INDEX_BYTES
        .iter()
        .find(|(name, _)| *name == index.name)
        .map_or(M::ITEM_BYTES, |(_, b)| *b)
}

/// What a read plan will cost, from the size bounds of what it reads (`items`): the
/// minimum is what DynamoDB charges for finding nothing (one read unit per request, half
/// when eventually consistent; each key of a batch too), the maximum is known when the
/// number of items read is (keys, or a limit without filters) and the items are bounded.
fn estimate(access: &Access, local: bool, items: ItemBytes, options: &ReadOptions) -> Estimate {
    let unit = read_units(0, options.consistent);
    let per_item = items.read_units(options.consistent).1;
    let filtered = match access {
        Access::Query { filter, .. } | Access::Scan { filter } => filter.is_some(),
        Access::Keys(_) => false,
    };
    let mut e = match access {
        Access::Keys(keys) => {
            let n = keys.len() as u64;
            let requests = n.div_ceil(BATCH_GET_MAX as u64);
            Estimate::new(
                Range::exactly(requests),
                Range::new(0, Some(n)),
                Range::new(n as f64 * unit, per_item.map(|u| n as f64 * u)),
            )
        }
        Access::Query { hash_values, .. } => {
            let parts = hash_values.len() as u64;
            // A limit bounds what is read only when nothing read is discarded.
            let read = options
                .limit
                .filter(|_| !filtered && !local)
                .map(|l| l as u64);
            let max = read.zip(items.max).map(|(l, bytes)| {
                parts as f64 * read_units(l.saturating_mul(bytes), options.consistent)
            });
            Estimate::new(
                Range::new(parts, read.map(|_| parts)),
                Range::new(0, read.map(|l| l * parts)),
                Range::new(parts as f64 * unit, max),
            )
        }
        Access::Scan { .. } => {
            let segments = u64::from(options.segments.max(1));
            let mut e = Estimate::new(
                Range::new(segments, None),
                Range::new(0, None),
                Range::new(segments as f64 * unit, None),
            );
            e.notes.push(
                "a Scan reads, and pays for, the whole table: its maximum needs the table's \
                 size (`explain_with_stats`)"
                    .to_string(),
            );
            e
        }
    };
    if filtered {
        e.notes.push(
            "the FilterExpression is applied after reading: the items it discards are paid for"
                .to_string(),
        );
    }
    if local {
        e.notes.push(
            "checks applied here discard items after they are read (and paid for)".to_string(),
        );
    }
    if items.max.is_none() && !matches!(access, Access::Scan { .. }) {
        e.notes.push(format!(
            "items are {items}: a field without `max_length` leaves the maximum open"
        ));
    }
    e
}

/// Keys of a list of targets for deletes: (key, its own checks).
pub(crate) fn delete_targets<M: Model>(list: Vec<Target<M>>) -> Result<Vec<keys::Single>, Error> {
    list.into_iter().map(keys::resolve).collect()
}

/// The model key of a key item, for results.
pub(crate) fn model_key<M: Model>(key: &Item) -> Result<M::Key, Error> {
    M::Key::from_key_item(key)
        .map_err(|e| Error::Expression(format!("key does not fit the model: {e}")))
}

/// The canonical form of a read, which page cursors are bound to: the table, the access
/// path with every key or hash value, the index, the key condition, the filter and the
/// checks made here, the order, the segments and whether expired items are shown — as
/// JSON with maps in sorted order, under a version of its own. Never `explain()`'s wording,
/// which may change, and never anything that changes between two builds of one query
/// (the TTL check's clock).
pub(crate) fn canonical(
    table: &str,
    planned: &Planned,
    descending: bool,
    segments: u32,
    include_expired: bool,
) -> String {
    use serde_json::{json, Value};
    let expr = |e: Option<&Expr>| -> Value {
        e.map_or(Value::Null, |e| {
            let mut b = ExprBuilder::default();
            let text = b.condition(e);
            let r = b.finish(text);
            json!({
                "text": r.expression,
                "names": r.names.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "values": r.values.iter().map(|(k, v)| json!([k, canonical_value(v)])).collect::<Vec<_>>(),
            })
        })
    };
    let item = |i: &Item| -> Value {
        let mut keys: Vec<(&String, &AttributeValue)> = i.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        Value::Array(
            keys.into_iter()
                .map(|(k, v)| json!([k, canonical_value(v)]))
                .collect(),
        )
    };
    let access = match &planned.access {
        Access::Keys(keys) => json!({
            "keys": keys.iter().map(|(k, e)| json!([item(k), expr(e.as_ref())])).collect::<Vec<_>>(),
        }),
        Access::Query {
            index,
            hash_values,
            range,
            filter,
        } => json!({
            "query": {
                "index": index.map(|i| i.name),
                "hash": hash_values.iter().map(canonical_value).collect::<Vec<_>>(),
                "range": expr(range.as_ref()),
                "filter": expr(filter.as_ref()),
            }
        }),
        Access::Scan { filter } => json!({ "scan": { "filter": expr(filter.as_ref()) } }),
    };
    json!({
        "form": 1,
        "table": table,
        "access": access,
        "local": expr(planned.local.as_ref()),
        "descending": descending,
        "segments": segments,
        "include_expired": include_expired,
    })
    .to_string()
}

/// An attribute value as JSON with a single order: map entries and set members sorted.
fn canonical_value(v: &AttributeValue) -> serde_json::Value {
    use serde_json::{json, Value};
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b.as_ref() }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(s) => json!({ "SS": sorted(s.clone()) }),
        AttributeValue::Ns(s) => json!({ "NS": sorted(s.clone()) }),
        AttributeValue::Bs(s) => {
            let mut v: Vec<&[u8]> = s.iter().map(|b| b.as_ref()).collect();
            v.sort();
            json!({ "BS": v })
        }
        AttributeValue::L(l) => json!({ "L": l.iter().map(canonical_value).collect::<Vec<_>>() }),
        AttributeValue::M(m) => {
            let mut keys: Vec<(&String, &AttributeValue)> = m.iter().collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            json!({ "M": keys.into_iter().map(|(k, v)| json!([k, canonical_value(v)])).collect::<Vec<_>>() })
        }
        _ => Value::String("unknown".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::example::order::{self, Order};
    use crate::codegen::example::user::{self, User};

    /// The shortcut for a whole partition plans exactly what the search plans, and only
    /// that: a table with a range key (and a local index on the same partition), the hash
    /// key's equality alone.
    #[test]
    fn a_whole_partition_is_planned_as_the_search_plans_it() {
        let same = |e: &Expr, expected: bool| {
            let terms = e.and_terms();
            let short = whole_partition::<Order>(&terms);
            assert_eq!(short.is_some(), expected, "{e:?}");
            if let Some(short) = short {
                let full = search::<Order>(e, &terms).expect("a plan");
                assert_eq!(format!("{short:?}"), format!("{full:?}"));
                assert_eq!(short.reason.to_string(), full.reason.to_string());
            }
        };
        same(&order::customer().eq("a@b.io").expr, true);
        same(&order::customer().ne("a@b.io").expr, false);
        same(&order::status().eq(order::OrderStatus::Open).expr, false);
        same(
            &(order::customer().eq("a@b.io") & order::city().eq("Nairobi")).expr,
            false,
        );
        // No range key: the hash key's equality names one item (GetItem), not a Query.
        let e = user::email().eq("a@b.io").expr;
        assert!(whole_partition::<User>(&e.and_terms()).is_none());
    }
}
