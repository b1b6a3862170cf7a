//! Evaluating a condition on an item here, the way DynamoDB does, for the checks that
//! BatchGetItem cannot carry (it has no filter): they are applied to what comes back.

use std::cmp::Ordering;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Error;
use crate::expr::{Action, AttrPath, Cmp, Expr, Segment};
use crate::value::Item;

fn resolve<'a>(item: &'a Item, path: &AttrPath) -> Option<&'a AttributeValue> {
    let mut segments = path.segments();
    let first = segments.next()?;
    let mut current = item.get(first.name()?)?;
    for seg in segments {
        current = match (seg.name(), seg.index(), current) {
            (Some(n), _, AttributeValue::M(m)) => m.get(n)?,
            (_, Some(i), AttributeValue::L(l)) => l.get(i)?,
            _ => return None,
        };
    }
    Some(current)
}

fn number(s: &str) -> Option<f64> {
    s.parse().ok()
}

/// DynamoDB's ordering: numbers numerically, strings and binaries bytewise; other types
/// (and mixed types) do not compare.
fn compare(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => number(x)?.partial_cmp(&number(y)?),
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.as_ref().cmp(y.as_ref())),
        _ => None,
    }
}

pub(crate) fn equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => number(x) == number(y),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => {
            let mut x: Vec<f64> = x.iter().filter_map(|n| number(n)).collect();
            let mut y: Vec<f64> = y.iter().filter_map(|n| number(n)).collect();
            x.sort_by(f64::total_cmp);
            y.sort_by(f64::total_cmp);
            x == y
        }
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => {
            let mut x = x.clone();
            let mut y = y.clone();
            x.sort();
            y.sort();
            x == y
        }
        (AttributeValue::L(x), AttributeValue::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (AttributeValue::M(x), AttributeValue::M(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn size(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        _ => return None,
    })
}

fn cmp_holds(op: Cmp, ord: Option<Ordering>, eq: bool) -> bool {
    match op {
        Cmp::Eq => eq,
        Cmp::Ne => !eq,
        Cmp::Lt => ord == Some(Ordering::Less),
        Cmp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        Cmp::Gt => ord == Some(Ordering::Greater),
        Cmp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// Whether `item` satisfies `expr`.
pub(crate) fn matches(expr: &Expr, item: &Item) -> bool {
    match expr {
        Expr::Cmp(p, op, v) => match resolve(item, p) {
            Some(a) => cmp_holds(*op, compare(a, v), equal(a, v)),
            // A missing attribute is "not equal" to anything, and fails every other comparison.
            None => *op == Cmp::Ne,
        },
        Expr::Between(p, lo, hi) => resolve(item, p).is_some_and(|a| {
            matches!(compare(a, lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(compare(a, hi), Some(Ordering::Less | Ordering::Equal))
        }),
        Expr::In(p, values) => resolve(item, p).is_some_and(|a| values.iter().any(|v| equal(a, v))),
        Expr::Contains(p, v) => resolve(item, p).is_some_and(|a| match (a, v) {
            (AttributeValue::S(s), AttributeValue::S(x)) => s.contains(x.as_str()),
            (AttributeValue::Ss(s), AttributeValue::S(x)) => s.contains(x),
            (AttributeValue::Ns(s), AttributeValue::N(x)) => {
                s.iter().any(|n| number(n) == number(x))
            }
            (AttributeValue::Bs(s), AttributeValue::B(x)) => s.contains(x),
            (AttributeValue::B(b), AttributeValue::B(x)) => {
                let (b, x) = (b.as_ref(), x.as_ref());
                x.is_empty() || b.windows(x.len()).any(|w| w == x)
            }
            (AttributeValue::L(l), x) => l.iter().any(|e| equal(e, x)),
            _ => false,
        }),
        Expr::BeginsWith(p, v) => resolve(item, p).is_some_and(|a| match (a, v) {
            (AttributeValue::S(s), AttributeValue::S(x)) => s.starts_with(x.as_str()),
            (AttributeValue::B(b), AttributeValue::B(x)) => b.as_ref().starts_with(x.as_ref()),
            _ => false,
        }),
        Expr::Exists(p) => resolve(item, p).is_some(),
        Expr::NotExists(p) => resolve(item, p).is_none(),
        Expr::Size(p, op, v) => resolve(item, p).and_then(size).is_some_and(|n| {
            let n = AttributeValue::N(n.to_string());
            cmp_holds(*op, compare(&n, v), equal(&n, v))
        }),
        Expr::SizeBetween(p, lo, hi) => resolve(item, p).and_then(size).is_some_and(|n| {
            let n = AttributeValue::N(n.to_string());
            matches!(compare(&n, lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(compare(&n, hi), Some(Ordering::Less | Ordering::Equal))
        }),
        Expr::KeysIn(keys) => keys.iter().any(|k| {
            k.iter()
                .all(|(name, v)| item.get(name).is_some_and(|a| equal(a, v)))
        }),
        Expr::And(a, b) => matches(a, item) && matches(b, item),
        Expr::Or(a, b) => matches(a, item) || matches(b, item),
        Expr::Not(a) => !matches(a, item),
    }
}

/// Whether two items hold the same attributes with equal values, as DynamoDB compares
/// them (numbers as numbers, sets in any order): how a retried write recognises the item
/// that its own lost attempt stored.
pub(crate) fn same_item(a: &Item, b: &Item) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
}

/// Whether the attribute at `path` of `item` equals `value`.
pub(crate) fn holds(item: &Item, path: &AttrPath, value: &AttributeValue) -> bool {
    resolve(item, path).is_some_and(|v| equal(v, value))
}

/// Whether `item` has an attribute at `path`.
pub(crate) fn has(item: &Item, path: &AttrPath) -> bool {
    resolve(item, path).is_some()
}

/// The attribute an update action changes at the top level of the item.
pub(crate) fn top_attribute(action: &Action) -> Option<&str> {
    action.path().segments().next().and_then(Segment::name)
}

/// Applies an update action to an item here, as DynamoDB's UpdateItem would: for writes
/// that send the whole item (an encrypted model's update is a read, this, and a put).
pub(crate) fn apply(item: &mut Item, action: &Action) -> Result<(), Error> {
    let path = action.path();
    let segments: Vec<&Segment> = path.segments().collect();
    let Some((last, parents)) = segments.split_last() else {
        return Ok(());
    };
    let missing = || {
        Error::Expression(format!(
            "the document path `{path}` is not in the stored item"
        ))
    };
    // The map or list holding the last segment.
    enum Holder<'a> {
        Top(&'a mut Item),
        Map(&'a mut std::collections::HashMap<String, AttributeValue>),
        List(&'a mut Vec<AttributeValue>),
    }
    let mut holder = Holder::Top(item);
    for seg in parents {
        let next = match (holder, seg) {
            (Holder::Top(m), Segment::Name(n)) => m.get_mut(n.as_ref()),
            (Holder::Map(m), Segment::Name(n)) => m.get_mut(n.as_ref()),
            (Holder::List(l), Segment::Index(i)) => l.get_mut(*i),
            _ => None,
        };
        holder = match next.ok_or_else(missing)? {
            AttributeValue::M(m) => Holder::Map(m),
            AttributeValue::L(l) => Holder::List(l),
            _ => return Err(missing()),
        };
    }
    let current: Option<&AttributeValue> = match (&holder, last) {
        (Holder::Top(m), Segment::Name(n)) => m.get(n.as_ref()),
        (Holder::Map(m), Segment::Name(n)) => m.get(n.as_ref()),
        (Holder::List(l), Segment::Index(i)) => l.get(*i),
        _ => return Err(missing()),
    };
    let new = match action {
        Action::Set(_, v) => Some(v.clone()),
        Action::SetIfNotExists(_, v) => Some(current.cloned().unwrap_or_else(|| v.clone())),
        Action::Remove(_) => None,
        Action::Add(_, v) => Some(match current {
            None => v.clone(),
            Some(c) => added(c, v).ok_or_else(|| {
                Error::Expression(format!(
                    "ADD on `{path}`: the stored value is not a number or set of that type"
                ))
            })?,
        }),
        Action::Append(_, AttributeValue::L(more))
        | Action::Prepend(_, AttributeValue::L(more)) => {
            let mut list = match current {
                None => Vec::new(),
                Some(AttributeValue::L(l)) => l.clone(),
                Some(_) => return Err(Error::Expression(format!("`{path}` is not a list"))),
            };
            if matches!(action, Action::Append(..)) {
                list.extend(more.iter().cloned());
            } else {
                list.splice(0..0, more.iter().cloned());
            }
            Some(AttributeValue::L(list))
        }
        Action::Append(..) | Action::Prepend(..) => {
            return Err(Error::Expression(format!(
                "list_append on `{path}` needs a list"
            )))
        }
        Action::Delete(_, v) => match current {
            None => None,
            Some(c) => deleted(c, v).ok_or_else(|| {
                Error::Expression(format!(
                    "DELETE on `{path}`: the stored value is not a set of that type"
                ))
            })?,
        },
    };
    match (holder, last, new) {
        (Holder::Top(m), Segment::Name(n), Some(v)) => {
            m.insert(n.to_string(), v);
        }
        (Holder::Top(m), Segment::Name(n), None) => {
            m.remove(n.as_ref());
        }
        (Holder::Map(m), Segment::Name(n), Some(v)) => {
            m.insert(n.to_string(), v);
        }
        (Holder::Map(m), Segment::Name(n), None) => {
            m.remove(n.as_ref());
        }
        (Holder::List(l), Segment::Index(i), Some(v)) => match l.get_mut(*i) {
            Some(slot) => *slot = v,
            // DynamoDB appends past the end of a list.
            None => l.push(v),
        },
        (Holder::List(l), Segment::Index(i), None) => {
            if *i < l.len() {
                l.remove(*i);
            }
        }
        _ => return Err(missing()),
    }
    Ok(())
}

/// `a + b` for numbers (exact for integers), `a ∪ b` for sets of one type.
fn added(a: &AttributeValue, b: &AttributeValue) -> Option<AttributeValue> {
    use AttributeValue as V;
    Some(match (a, b) {
        (V::N(x), V::N(y)) => V::N(match (x.parse::<i128>(), y.parse::<i128>()) {
            (Ok(x), Ok(y)) => x.checked_add(y)?.to_string(),
            _ => (x.parse::<f64>().ok()? + y.parse::<f64>().ok()?).to_string(),
        }),
        (V::Ss(x), V::Ss(y)) => V::Ss(union(x, y)),
        (V::Ns(x), V::Ns(y)) => V::Ns(union(x, y)),
        (V::Bs(x), V::Bs(y)) => V::Bs(union(x, y)),
        _ => return None,
    })
}

/// `a ∖ b` for sets of one type; `None` inside when nothing is left (the attribute goes).
fn deleted(a: &AttributeValue, b: &AttributeValue) -> Option<Option<AttributeValue>> {
    use AttributeValue as V;
    fn minus<T: PartialEq + Clone>(x: &[T], y: &[T]) -> Vec<T> {
        x.iter().filter(|e| !y.contains(e)).cloned().collect()
    }
    let left = match (a, b) {
        (V::Ss(x), V::Ss(y)) => V::Ss(minus(x, y)),
        (V::Ns(x), V::Ns(y)) => V::Ns(minus(x, y)),
        (V::Bs(x), V::Bs(y)) => V::Bs(minus(x, y)),
        _ => return None,
    };
    let empty = match &left {
        V::Ss(x) | V::Ns(x) => x.is_empty(),
        V::Bs(x) => x.is_empty(),
        _ => false,
    };
    Some((!empty).then_some(left))
}

fn union<T: PartialEq + Clone>(x: &[T], y: &[T]) -> Vec<T> {
    let mut out = x.to_vec();
    out.extend(y.iter().filter(|e| !x.contains(e)).cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item::from([
            ("n".to_string(), AttributeValue::N("1990".into())),
            ("s".to_string(), AttributeValue::S("Nairobi".into())),
            (
                "l".to_string(),
                AttributeValue::L(vec![AttributeValue::S("x".into())]),
            ),
            (
                "m".to_string(),
                AttributeValue::M(Item::from([(
                    "c".to_string(),
                    AttributeValue::S("y".into()),
                )])),
            ),
        ])
    }

    /// The actions an encrypted model's update applies here give what UpdateItem would.
    #[test]
    fn applies_updates_like_dynamodb() {
        use AttributeValue as V;
        let mut i = item();
        let path = |p: &str| AttrPath::attr(p);
        let nested = path("m").child("c");
        let apply_all = |i: &mut Item, actions: Vec<Action>| {
            for a in &actions {
                apply(i, a).unwrap();
            }
        };
        apply_all(
            &mut i,
            vec![
                Action::Add(path("n"), V::N("10".into())),
                Action::Set(nested.clone(), V::S("z".into())),
                Action::SetIfNotExists(path("s"), V::S("ignored".into())),
                Action::SetIfNotExists(path("new"), V::S("made".into())),
                Action::Append(path("l"), V::L(vec![V::S("y".into())])),
                Action::Prepend(path("l"), V::L(vec![V::S("w".into())])),
                Action::Add(path("tags"), V::Ss(vec!["a".into(), "b".into()])),
            ],
        );
        assert_eq!(i["n"], V::N("2000".into()));
        assert!(holds(&i, &nested, &V::S("z".into())));
        assert_eq!(i["s"], V::S("Nairobi".into()));
        assert_eq!(i["new"], V::S("made".into()));
        let l = |v: &[&str]| V::L(v.iter().map(|s| V::S(s.to_string())).collect());
        assert_eq!(i["l"], l(&["w", "x", "y"]));
        apply_all(
            &mut i,
            vec![
                Action::Add(path("tags"), V::Ss(vec!["b".into(), "c".into()])),
                Action::Remove(path("l").index(0)),
                Action::Add(path("n"), V::N("0.5".into())),
            ],
        );
        assert_eq!(i["tags"], V::Ss(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(i["l"], l(&["x", "y"]));
        assert_eq!(i["n"], V::N("2000.5".into()));
        // A set emptied by DELETE is removed, as DynamoDB removes it.
        apply(
            &mut i,
            &Action::Delete(
                path("tags"),
                V::Ss(vec!["a".into(), "b".into(), "c".into()]),
            ),
        )
        .unwrap();
        assert!(!i.contains_key("tags"));
        apply(&mut i, &Action::Remove(path("s"))).unwrap();
        assert!(!i.contains_key("s"));
        // What DynamoDB refuses is refused: a path through a missing map, ADD to text.
        assert!(apply(
            &mut i,
            &Action::Set(path("nope").child("x"), V::S("v".into()))
        )
        .is_err());
        assert!(apply(&mut i, &Action::Add(path("new"), V::N("1".into()))).is_err());
    }

    #[test]
    fn evaluates_like_dynamodb() {
        let i = item();
        let n = || AttrPath::of("n");
        assert!(matches(
            &Expr::Cmp(n(), Cmp::Lt, AttributeValue::N("2000".into())),
            &i
        ));
        assert!(matches(
            &Expr::Cmp(n(), Cmp::Eq, AttributeValue::N("1990.0".into())),
            &i
        ));
        assert!(!matches(
            &Expr::Cmp(n(), Cmp::Lt, AttributeValue::S("2000".into())),
            &i
        ));
        assert!(matches(
            &Expr::Cmp(AttrPath::of("zz"), Cmp::Ne, AttributeValue::N("1".into())),
            &i
        ));
        assert!(!matches(
            &Expr::Cmp(AttrPath::of("zz"), Cmp::Lt, AttributeValue::N("1".into())),
            &i
        ));
        assert!(matches(
            &Expr::Contains(AttrPath::of("l"), AttributeValue::S("x".into())),
            &i
        ));
        assert!(matches(
            &Expr::Contains(AttrPath::of("s"), AttributeValue::S("rob".into())),
            &i
        ));
        assert!(matches(
            &Expr::BeginsWith(AttrPath::of("s"), AttributeValue::S("Nai".into())),
            &i
        ));
        assert!(matches(&Expr::Exists(AttrPath::of("m").child("c")), &i));
        assert!(matches(&Expr::NotExists(AttrPath::of("m").child("d")), &i));
        assert!(matches(
            &Expr::Size(AttrPath::of("s"), Cmp::Eq, AttributeValue::N("7".into())),
            &i
        ));
        let both = Expr::And(
            Box::new(Expr::Between(
                n(),
                AttributeValue::N("1900".into()),
                AttributeValue::N("1990".into()),
            )),
            Box::new(Expr::Not(Box::new(Expr::Exists(AttrPath::of("zz"))))),
        );
        assert!(matches(&both, &i));
    }
}
