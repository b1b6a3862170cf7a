//! Resolving single-item strategies into a full primary key plus extra checks, with the
//! seed's rules: key equalities must be ANDed with everything else, never ORed.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Violation};
use crate::expr::{AttrPath, Cmp, Condition, Expr};
use crate::model::{Model, ModelKey, Target};
use crate::value::{FieldValue, Item};

/// A full key and the checks ANDed to it.
#[derive(Clone)]
pub(crate) struct Single {
    pub key: Item,
    pub extra: Option<Expr>,
    /// The version a model value holds (versioned models): writes check it.
    pub version: Option<i64>,
}

impl Single {
    /// The condition a write on this item must meet: the extra checks and, for a
    /// versioned model given as a value, its version.
    pub(crate) fn write_condition<M: Model>(&self) -> Option<Expr> {
        let version = self.version.and_then(version_check::<M>);
        Expr::and_all(self.extra.iter().cloned().chain(version).collect())
    }
}

/// The condition that the stored item is at `version`: equal to it, or for version 0
/// (a copy never saved) no stored version at all (no item, or one written before the
/// model was versioned). `None` for an unversioned model.
pub(crate) fn version_check<M: Model>(version: i64) -> Option<Expr> {
    let attr = AttrPath::of(M::VERSION?);
    Some(if version == 0 {
        Expr::NotExists(attr)
    } else {
        Expr::Cmp(attr, Cmp::Eq, version.to_attr())
    })
}

/// The condition that an item's TTL has not passed (DynamoDB's rule: an item expires
/// when its TTL attribute is a number of epoch seconds before now). `None` for a model
/// without TTL.
pub(crate) fn live<M: Model>() -> Option<Expr> {
    // The clock is read, and its time written out, only for a model with a TTL.
    let ttl = M::TTL?;
    let now = chrono::Utc::now().timestamp();
    Some(Expr::Not(Box::new(Expr::Cmp(
        AttrPath::of(ttl),
        Cmp::Lt,
        now.to_attr(),
    ))))
}

/// Whether a stored item is at another version than `version` (see [`version_check`]).
pub(crate) fn is_stale<M: Model>(stored: &Item, version: i64) -> bool {
    version_check::<M>(version).is_some_and(|c| !crate::eval::matches(&c, stored))
}

pub(crate) fn key_names<M: Model>() -> KeyNames {
    let mut v = KeyNames::new();
    v.push(M::HASH_KEY.name);
    v.extend(M::RANGE_KEY.map(|r| r.name));
    v
}

/// A table's (or an index's) key attribute names, held inline.
pub(crate) type KeyNames = smallvec::SmallVec<[&'static str; 2]>;

/// An empty string or binary: not a valid key value.
fn empty_key_value(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::S(s) => s.is_empty(),
        AttributeValue::B(b) => b.as_ref().is_empty(),
        _ => false,
    }
}

/// Rejects an item of `M` whose key attributes are empty, before anything is sent (its
/// key read in place).
pub(crate) fn check_key_of<M: Model>(item: &Item) -> Result<(), Error> {
    let key_empty = |n: &str| item.get(n).is_some_and(empty_key_value);
    if !key_empty(M::HASH_KEY.name) && !M::RANGE_KEY.is_some_and(|r| key_empty(r.name)) {
        return Ok(());
    }
    check_key_item(&key_of::<M>(item))
}

/// Rejects empty key values before anything is sent.
pub(crate) fn check_key_item(key: &Item) -> Result<(), Error> {
    // The common case allocates nothing; the report lists the names in order.
    if !key.values().any(empty_key_value) {
        return Ok(());
    }
    let mut names: Vec<&String> = key
        .iter()
        .filter(|(_, v)| empty_key_value(v))
        .map(|(n, _)| n)
        .collect();
    names.sort();
    Err(Error::Validation(
        names
            .into_iter()
            .map(|n| Violation::new(n.clone(), "a key value may not be empty"))
            .collect(),
    ))
}

pub(crate) fn resolve<M: Model>(target: Target<M>) -> Result<Single, Error> {
    match target {
        Target::Key(k) => {
            let key = key_item::<M>(&k)?;
            check_key_item(&key)?;
            Ok(Single {
                key,
                extra: None,
                version: None,
            })
        }
        Target::Item(k, version) => {
            let key = key_item::<M>(&k)?;
            check_key_item(&key)?;
            Ok(Single {
                key,
                extra: None,
                version: version.filter(|_| M::VERSION.is_some()),
            })
        }
        Target::Where(c) => resolve_condition(&c),
    }
}

/// The DynamoDB key of a model's key: the key map as it is, or for an entity rendered
/// from its primary-key fields by its templates.
pub(crate) fn key_item<M: Model>(key: &M::Key) -> Result<Item, Error> {
    let item = key.to_key_item();
    match M::ENTITY {
        Some(e) => e.key_item(&item),
        None => Ok(item),
    }
}

/// Splits a condition into key equalities and the rest (for an entity: equalities on
/// its primary-key fields, rendered into its key).
pub(crate) fn resolve_condition<M: Model>(c: &Condition<M>) -> Result<Single, Error> {
    c.check()?;
    let names: KeyNames = match M::ENTITY {
        Some(e) => e.key_fields().collect(),
        None => key_names::<M>(),
    };
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
    if let Some(e) = M::ENTITY {
        key = e.key_item(&key)?;
    }
    check_key_item(&key)?;
    Ok(Single {
        key,
        extra: Expr::and_all(rest),
        version: None,
    })
}

/// Text of the key attributes `names` of an item (a key or a whole item), for
/// bookkeeping: equal keys give equal text (numbers compared by value) for one `names`.
pub(crate) fn key_text_in(item: &Item, names: &[&str]) -> String {
    key_text_of(names.iter().filter_map(|n| item.get(*n).map(|v| (*n, v))))
}

fn key_text_of<'a>(entries: impl Iterator<Item = (&'a str, &'a AttributeValue)>) -> String {
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
                // Numbers compare by value: 1, 1.0 and 10E-1 are one key.
                match Decimal::parse(n) {
                    Some(d) => d.write_canonical(&mut out),
                    None => out.push_str(n),
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

/// The size of one attribute value, as DynamoDB counts it.
pub(crate) fn value_size(v: &AttributeValue) -> usize {
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

pub(crate) fn check_item_size(item: &Item) -> Result<usize, Error> {
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return Err(Error::Validation(vec![Violation::new(
            "",
            format!("the item is {size} bytes; DynamoDB stores items up to 400 KB ({MAX_ITEM_BYTES} bytes)"),
        )]));
    }
    Ok(size)
}

/// A decimal number as DynamoDB compares it: by value, whatever its spelling
/// (`1`, `1.0`, `+1`, `10E-1`, `0.1e1` are one number). Borrowed from the text; no
/// allocation.
#[derive(Debug, Clone, Copy)]
struct Decimal<'a> {
    negative: bool,
    /// The digits before and after the point.
    int: &'a [u8],
    frac: &'a [u8],
    /// Where the significant digits start and end in `int ++ frac` (`start == end`: zero).
    start: usize,
    end: usize,
    /// The power of ten of the first significant digit, plus one.
    magnitude: i64,
}

impl<'a> Decimal<'a> {
    /// `[+-]digits[.digits][(e|E)[+-]digits]`; `None` for anything else.
    fn parse(text: &'a str) -> Option<Self> {
        let bytes = text.as_bytes();
        let (negative, rest) = match bytes.first()? {
            b'-' => (true, &bytes[1..]),
            b'+' => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let (mantissa, exp) = match rest.iter().position(|b| matches!(b, b'e' | b'E')) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac) = match mantissa.iter().position(|b| *b == b'.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, &mantissa[mantissa.len()..]),
        };
        if int.is_empty() && frac.is_empty() || !int.iter().chain(frac).all(u8::is_ascii_digit) {
            return None;
        }
        let exp: i64 = match exp {
            Some(e) => std::str::from_utf8(e).ok()?.parse().ok()?,
            None => 0,
        };
        let digit = |i: usize| {
            if i < int.len() {
                int[i]
            } else {
                frac[i - int.len()]
            }
        };
        let len = int.len() + frac.len();
        let start = (0..len).find(|&i| digit(i) != b'0').unwrap_or(len);
        let end = (start..len)
            .rev()
            .find(|&i| digit(i) != b'0')
            .map_or(start, |i| i + 1);
        let magnitude = (int.len() as i64)
            .checked_sub(start as i64)?
            .checked_add(exp)?;
        Some(Decimal {
            negative: negative && start < end,
            int,
            frac,
            start,
            end,
            magnitude: if start < end { magnitude } else { 0 },
        })
    }

    fn digits(&self) -> impl Iterator<Item = u8> + 'a {
        self.int
            .iter()
            .chain(self.frac)
            .copied()
            .skip(self.start)
            .take(self.end - self.start)
    }

    fn same(&self, other: &Decimal<'_>) -> bool {
        self.negative == other.negative
            && self.magnitude == other.magnitude
            && self.digits().eq(other.digits())
    }

    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.negative as u8);
        state.write_i64(self.magnitude);
        for d in self.digits() {
            state.write_u8(d);
        }
    }

    /// `-0.123e4` style: sign, significant digits, magnitude.
    fn write_canonical(&self, out: &mut String) {
        if self.negative {
            out.push('-');
        }
        out.push_str("0.");
        out.extend(self.digits().map(char::from));
        out.push('e');
        out.push_str(&self.magnitude.to_string());
    }
}

/// Two key attribute values are one key value: strings and binaries by their bytes,
/// numbers by value.
fn same_value(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => {
            x == y
                || match (Decimal::parse(x), Decimal::parse(y)) {
                    (Some(x), Some(y)) => x.same(&y),
                    _ => false,
                }
        }
        _ => a == b,
    }
}

fn hash_value<H: Hasher>(v: Option<&AttributeValue>, state: &mut H) {
    match v {
        None => state.write_u8(0),
        Some(AttributeValue::S(s)) => {
            state.write_u8(1);
            state.write(s.as_bytes());
            state.write_u8(0xff);
        }
        Some(AttributeValue::N(n)) => {
            state.write_u8(2);
            match Decimal::parse(n) {
                Some(d) => d.hash(state),
                None => state.write(n.as_bytes()),
            }
        }
        Some(AttributeValue::B(b)) => {
            state.write_u8(3);
            state.write(b.as_ref());
        }
        // Not a key type: equal values still hash alike, through their debug text.
        Some(other) => {
            state.write_u8(4);
            state.write(format!("{other:?}").as_bytes());
        }
    }
}

/// The key attributes `names` of an item (a key or a whole item), compared and hashed
/// by value: finds returned items among the keys asked for without building text.
#[derive(Clone, Copy)]
pub(crate) struct KeyRef<'a> {
    item: &'a Item,
    names: &'a [&'a str],
}

impl<'a> KeyRef<'a> {
    pub(crate) fn new(item: &'a Item, names: &'a [&'a str]) -> Self {
        KeyRef { item, names }
    }
}

impl PartialEq for KeyRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.names
            .iter()
            .all(|n| match (self.item.get(*n), other.item.get(*n)) {
                (Some(a), Some(b)) => same_value(a, b),
                (None, None) => true,
                _ => false,
            })
    }
}

impl Eq for KeyRef<'_> {}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for n in self.names {
            hash_value(self.item.get(*n), state);
        }
    }
}

/// Drops repeated keys (compared as [`KeyRef`]s), keeping the first of each in order.
pub(crate) fn dedup_keys<T>(list: Vec<T>, names: &[&str], key: impl Fn(&T) -> &Item) -> Vec<T> {
    let keep: Vec<bool> = {
        let mut seen = HashSet::with_capacity(list.len());
        list.iter()
            .map(|t| seen.insert(KeyRef::new(key(t), names)))
            .collect()
    };
    if keep.iter().all(|k| *k) {
        return list;
    }
    list.into_iter()
        .zip(keep)
        .filter_map(|(t, k)| k.then_some(t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(text.to_string())
    }

    #[test]
    fn numbers_compare_by_value() {
        for (a, b) in [
            ("1", "1.0"),
            ("1", "+1"),
            ("1", "10E-1"),
            ("1", "0.1e1"),
            ("-2.50", "-2.5"),
            ("0", "-0.000"),
            ("0", "0e10"),
            (
                "123456789012345678901234567890",
                "1.2345678901234567890123456789e29",
            ),
            ("0.001", "1e-3"),
        ] {
            assert!(same_value(&n(a), &n(b)), "{a} == {b}");
            let (x, y) = (Decimal::parse(a).unwrap(), Decimal::parse(b).unwrap());
            let (mut sx, mut sy) = (String::new(), String::new());
            x.write_canonical(&mut sx);
            y.write_canonical(&mut sy);
            assert_eq!(sx, sy, "{a} and {b}");
        }
        for (a, b) in [
            ("1", "2"),
            ("1", "-1"),
            ("1", "10"),
            ("0.1", "1"),
            (
                "12345678901234567890123456789012345678",
                "12345678901234567890123456789012345679",
            ),
        ] {
            assert!(!same_value(&n(a), &n(b)), "{a} != {b}");
        }
    }

    #[test]
    fn odd_number_text_falls_back_to_the_text() {
        for bad in [
            "",
            "-",
            ".",
            "1e",
            "e5",
            "1.2.3",
            "0x10",
            "1e99999999999999999999",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
        assert!(same_value(&n("abc"), &n("abc")));
        assert!(!same_value(&n("abc"), &n("abd")));
    }

    #[test]
    fn key_refs_find_returned_items_and_drop_repeats() {
        let names = ["id", "at"];
        let key = |id: &str, at: &str| {
            Item::from([
                ("id".to_string(), AttributeValue::S(id.to_string())),
                ("at".to_string(), n(at)),
            ])
        };
        let mut whole = key("a", "1.50");
        whole.insert("other".into(), AttributeValue::Bool(true));
        let set: HashSet<KeyRef> = [KeyRef::new(&whole, &names)].into();
        let asked = key("a", "1.5");
        assert!(set.contains(&KeyRef::new(&asked, &names)));
        assert!(!set.contains(&KeyRef::new(&key("a", "1.6"), &names)));
        assert!(!set.contains(&KeyRef::new(&key("b", "1.5"), &names)));

        let list = vec![key("a", "1"), key("b", "1"), key("a", "1.0"), key("a", "2")];
        let kept = dedup_keys(list, &names, |k| k);
        assert_eq!(kept, vec![key("a", "1"), key("b", "1"), key("a", "2")]);
        assert_eq!(
            key_text_in(&key("a", "1"), &names),
            key_text_in(&key("a", "1.00"), &names)
        );
    }

    #[test]
    fn empty_key_values_are_reported_by_name() {
        let k = Item::from([
            ("b".to_string(), AttributeValue::S(String::new())),
            ("a".to_string(), AttributeValue::S(String::new())),
            ("c".to_string(), AttributeValue::S("x".into())),
        ]);
        let Err(Error::Validation(v)) = check_key_item(&k) else {
            panic!("expected a validation error")
        };
        let names: Vec<&str> = v.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(check_key_item(&Item::from([("a".to_string(), n("0"))])).is_ok());
    }
}
