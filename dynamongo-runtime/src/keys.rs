//! Resolving single-item strategies into a full primary key plus extra checks, with the
//! seed's rules: key equalities must be ANDed with everything else, never ORed.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Violation};
use crate::expr::{Cmp, Condition, Expr};
use crate::model::{Model, ModelKey, Target};
use crate::value::Item;

/// A full key and the checks ANDed to it.
#[derive(Clone)]
pub(crate) struct Single {
    pub key: Item,
    pub extra: Option<Expr>,
}

pub(crate) fn key_names<M: Model>() -> Vec<&'static str> {
    let mut v = vec![M::HASH_KEY.name];
    v.extend(M::RANGE_KEY.map(|r| r.name));
    v
}

/// Rejects empty key values before anything is sent.
pub(crate) fn check_key_item(key: &Item) -> Result<(), Error> {
    let mut violations = Vec::new();
    let mut entries: Vec<(&String, &AttributeValue)> = key.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in entries {
        let empty = match value {
            AttributeValue::S(s) => s.is_empty(),
            AttributeValue::B(b) => b.as_ref().is_empty(),
            _ => false,
        };
        if empty {
            violations.push(Violation::new(name.clone(), "a key value may not be empty"));
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(violations))
    }
}

pub(crate) fn resolve<M: Model>(target: Target<M>) -> Result<Single, Error> {
    match target {
        Target::Key(k) => {
            let key = k.to_key_item();
            check_key_item(&key)?;
            Ok(Single { key, extra: None })
        }
        Target::Where(c) => resolve_condition(&c),
    }
}

/// Splits a condition into key equalities and the rest.
pub(crate) fn resolve_condition<M: Model>(c: &Condition<M>) -> Result<Single, Error> {
    c.check()?;
    let names = key_names::<M>();
    let mut key = Item::new();
    let mut rest = Vec::new();
    for term in c.expr.and_terms() {
        match term {
            Expr::Cmp(p, Cmp::Eq, v) if p.top_level().is_some_and(|n| names.contains(&n)) => {
                let name = p.top_level().unwrap_or_default();
                if key.insert(name.to_string(), v.clone()).is_some() {
                    return Err(Error::Expression(format!(
                        "key attribute `{name}` has more than one equality condition"
                    )));
                }
            }
            other => {
                if let Some(name) = names.iter().find(|n| other.mentions(n)) {
                    return Err(Error::Expression(format!(
                        "the condition on key attribute `{name}` must be an equality ANDed with the rest \
                         (key conditions cannot be ORed, negated or compared otherwise for a single item)"
                    )));
                }
                rest.push(other.clone());
            }
        }
    }
    for name in &names {
        if !key.contains_key(*name) {
            return Err(Error::Expression(format!(
                "a single-item condition needs an equality on every key attribute ({}); `{name}` has none",
                names.join(", ")
            )));
        }
    }
    check_key_item(&key)?;
    Ok(Single {
        key,
        extra: Expr::and_all(rest),
    })
}

/// Canonical text of a key, for bookkeeping (sorted attribute names).
pub(crate) fn key_text(key: &Item) -> String {
    let mut entries: Vec<(&str, &AttributeValue)> =
        key.iter().map(|(k, v)| (k.as_str(), v)).collect();
    if entries.len() > 1 {
        entries.sort_by(|a, b| a.0.cmp(b.0));
    }
    key_text_of(entries)
}

/// [`key_text`] of the key attributes `names` of a whole item, without copying them.
pub(crate) fn key_text_in(item: &Item, names: &[&str]) -> String {
    let mut entries: Vec<(&str, &AttributeValue)> = names
        .iter()
        .filter_map(|n| item.get(*n).map(|v| (*n, v)))
        .collect();
    if entries.len() > 1 {
        entries.sort_by(|a, b| a.0.cmp(b.0));
    }
    key_text_of(entries)
}

fn key_text_of(entries: Vec<(&str, &AttributeValue)>) -> String {
    // Cheap and unambiguous: `name\u{0}type value\u{0}` per attribute, sorted by name.
    let mut out = String::with_capacity(64);
    for (k, v) in entries {
        out.push_str(k);
        out.push('\u{0}');
        match v {
            AttributeValue::S(s) => {
                out.push('S');
                out.push_str(s);
            }
            AttributeValue::N(n) => {
                out.push('N');
                // Numbers compare by value: 1 and 1.0 are one key.
                match n.parse::<f64>() {
                    Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                        out.push_str(&(f as i64).to_string())
                    }
                    _ => out.push_str(n),
                }
            }
            AttributeValue::B(b) => {
                out.push('B');
                for byte in b.as_ref() {
                    out.push_str(&format!("{byte:02x}"));
                }
            }
            other => out.push_str(&format!("{other:?}")),
        }
        out.push('\u{0}');
    }
    out
}

/// The key of a stored item.
pub(crate) fn key_of<M: Model>(item: &Item) -> Item {
    key_names::<M>()
        .into_iter()
        .filter_map(|n| item.get(n).map(|v| (n.to_string(), v.clone())))
        .collect()
}

/// DynamoDB's item size: attribute names plus values, as AWS counts them.
pub(crate) fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn number_size(n: &str) -> usize {
    let digits = n.chars().filter(char::is_ascii_digit).count();
    digits.div_ceil(2) + 1
}

fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(s) => s.iter().map(String::len).sum(),
        AttributeValue::Ns(s) => s.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(s) => s.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|x| 1 + value_size(x)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, x)| 1 + k.len() + value_size(x))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// DynamoDB's item size limit.
pub(crate) const MAX_ITEM_BYTES: usize = 400 * 1024;

pub(crate) fn check_item_size(item: &Item) -> Result<(), Error> {
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return Err(Error::Validation(vec![Violation::new(
            "",
            format!("the item is {size} bytes; DynamoDB stores items up to 400 KB ({MAX_ITEM_BYTES} bytes)"),
        )]));
    }
    Ok(())
}
