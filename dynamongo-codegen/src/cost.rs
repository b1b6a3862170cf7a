//! What a model's items cost: their size bounds as DynamoDB sizes items, derived once from
//! the IR (field types, rules, key templates, index projections) and kept in it
//! ([`ir::Model::sizes`](crate::ir::Model)). The generated docs, the capacity sheet
//! (`dynamongo-codegen cost`) and, through `Model::ITEM_BYTES`, the runtime's `explain()`
//! all read these figures.
//!
//! DynamoDB's rules: an item's size is the sum, over its attributes, of the name's UTF-8
//! bytes and the value's size — strings and binary by their bytes, a number 1 byte per two
//! significant digits plus 1 (plus 1 when negative), a boolean 1, a list or map 3 plus, per
//! element, 1 and its size (a map also its key's bytes). `max_length` counts characters, so
//! a string's bound in bytes is 4 per character (UTF-8).

use crate::ir::{Field, Format, Kind, Literal, Model, Number, Part, Projection, Template, Type};

/// Bounds of a size in bytes; `max: None` when nothing bounds it (a string, binary, list,
/// map or set without `max_length`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes {
    pub min: u64,
    pub max: Option<u64>,
}

/// Nothing: zero bytes.
impl Default for Bytes {
    fn default() -> Self {
        Bytes::exactly(0)
    }
}

impl Bytes {
    pub const fn exactly(n: u64) -> Self {
        Bytes {
            min: n,
            max: Some(n),
        }
    }

    pub const fn new(min: u64, max: Option<u64>) -> Self {
        Bytes { min, max }
    }

    /// Both sizes together.
    pub fn plus(self, other: Bytes) -> Bytes {
        Bytes {
            min: self.min + other.min,
            max: self.max.zip(other.max).map(|(a, b)| a + b),
        }
    }

    /// Possibly absent: nothing at least.
    pub fn or_absent(self) -> Bytes {
        Bytes { min: 0, ..self }
    }

    /// `min` to `max` repetitions of this size, each with `overhead` bytes more.
    fn repeated(self, min: u64, max: Option<u64>, overhead: u64) -> Bytes {
        Bytes {
            min: min * (self.min + overhead),
            max: max
                .zip(self.max)
                .map(|(n, each)| n.saturating_mul(each + overhead)),
        }
    }

    /// Write units (1 KB each, at least 1 when present; 0 for an absent item).
    pub fn write_units(self) -> (u64, Option<u64>) {
        let units = |b: u64| b.div_ceil(1024).max(1);
        (
            if self.min == 0 { 0 } else { units(self.min) },
            self.max.map(units),
        )
    }

    /// Strongly consistent read units of one item (4 KB each, at least 1).
    pub fn read_units(self) -> (u64, Option<u64>) {
        let units = |b: u64| b.div_ceil(4096).max(1);
        (units(self.min), self.max.map(units))
    }
}

/// A model's size bounds: its stored item and its entry in each index it may be in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sizes {
    /// The stored item (every attribute, rendered keys and the entity attribute included).
    pub item: Bytes,
    /// Per index (its DynamoDB name, in spec order): the entry's size; `min` 0 when the
    /// item may stay out of it (a sparse index: an optional key field).
    pub indexes: Vec<(String, Bytes)>,
}

/// Capacity units: at least `min`, at most `max` (`None`: unbounded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Units {
    pub min: f64,
    pub max: Option<f64>,
}

impl Units {
    fn of((min, max): (u64, Option<u64>)) -> Units {
        Units {
            min: min as f64,
            max: max.map(|m| m as f64),
        }
    }

    fn plus(self, other: Units) -> Units {
        Units {
            min: self.min + other.min,
            max: self.max.zip(other.max).map(|(a, b)| a + b),
        }
    }

    fn halved(self) -> Units {
        Units {
            min: self.min / 2.0,
            max: self.max.map(|m| m / 2.0),
        }
    }
}

impl std::fmt::Display for Units {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max}"),
            Some(max) => write!(f, "{}–{max}", self.min),
            None => write!(f, "{} or more", self.min),
        }
    }
}

impl std::fmt::Display for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max} bytes"),
            Some(max) => write!(f, "{}–{max} bytes", self.min),
            None => write!(f, "{} bytes or more (unbounded)", self.min),
        }
    }
}

impl Sizes {
    /// Write units of saving a new item: the whole (table and indexes), and each index's
    /// part (0 for an index the item stays out of). An overwrite or update is charged on
    /// the larger of the old and new item, and an index key it changes twice; a
    /// transaction doubles the table's part.
    pub fn save_units(&self) -> (Units, Vec<(&str, Units)>) {
        let table = Units::of(self.item.write_units());
        let by_index: Vec<(&str, Units)> = self
            .indexes
            .iter()
            .map(|(name, b)| (name.as_str(), Units::of(b.write_units())))
            .collect();
        let total = by_index.iter().fold(table, |t, (_, u)| t.plus(*u));
        (total, by_index)
    }

    /// Read units of getting one item.
    pub fn get_units(&self, consistent: bool) -> Units {
        let strong = Units::of(self.item.read_units());
        if consistent {
            strong
        } else {
            strong.halved()
        }
    }
}

/// The size bounds of `m`'s items.
pub fn sizes(m: &Model) -> Sizes {
    let encrypted = m.encrypted_table();
    let present = |f: &Field| {
        if f.encrypt {
            encrypted_field_bytes(f)
        } else {
            field_bytes(f)
        }
    };
    let mut item = m
        .fields
        .iter()
        .map(present)
        .fold(Bytes::default(), Bytes::plus);
    let mut indexes = Vec::new();
    if let Some(e) = &m.entity {
        // Rendered keys and the entity name are attributes of every item too.
        item = item.plus(named(&e.attribute, Bytes::exactly(e.name.len() as u64)));
        for t in e.primary() {
            item = item.plus(template_bytes(m, t));
        }
        let mut index_keys = Bytes::default();
        for i in &e.indexes {
            for t in std::iter::once(&i.hash).chain(&i.range) {
                let b = template_bytes(m, t);
                index_keys = index_keys.plus(if sparse_template(m, t) {
                    b.or_absent()
                } else {
                    b
                });
            }
        }
        item = item.plus(index_keys);
        if encrypted {
            let keys = e
                .primary()
                .map(|t| template_bytes(m, t))
                .fold(Bytes::default(), Bytes::plus);
            item = item.plus(encryption_bytes(m, keys));
        }
        // A table file's indexes project every attribute.
        for i in &e.indexes {
            let sparse = std::iter::once(&i.hash)
                .chain(&i.range)
                .any(|t| sparse_template(m, t));
            indexes.push((i.name.clone(), if sparse { item.or_absent() } else { item }));
        }
        for (name, keys) in &e.natural {
            let sparse = keys.iter().any(|k| m.fields[*k].is_optional());
            indexes.push((name.clone(), if sparse { item.or_absent() } else { item }));
        }
    } else {
        if encrypted {
            let keys = [Some(m.hash_key), m.range_key]
                .into_iter()
                .flatten()
                .map(|k| value_bytes(&m.fields[k].ty))
                .fold(Bytes::default(), Bytes::plus);
            item = item.plus(encryption_bytes(m, keys));
        }
        for index in &m.indexes {
            let keys: Vec<usize> = index
                .hash_keys
                .iter()
                .chain(&index.range_keys)
                .copied()
                .collect();
            let sparse = keys.iter().any(|k| m.fields[*k].is_optional());
            let entry = match &index.projection {
                Projection::All => item,
                projection => {
                    let included: &[usize] = match projection {
                        Projection::Include(f) => f,
                        _ => &[],
                    };
                    let table_keys = [Some(m.hash_key), m.range_key].into_iter().flatten();
                    let mut attrs: Vec<usize> = table_keys.chain(keys.iter().copied()).collect();
                    attrs.extend(included);
                    attrs.sort_unstable();
                    attrs.dedup();
                    attrs
                        .into_iter()
                        .map(|i| present(&m.fields[i]))
                        .fold(Bytes::default(), Bytes::plus)
                }
            };
            // In the index, its key fields are there: their minimum counts.
            let entry = if sparse { entry.or_absent() } else { entry };
            indexes.push((index.index_name.clone(), entry));
        }
    }
    Sizes { item, indexes }
}

/// The size bounds of an item of collection `c` of table `t`: the widest of its members'
/// (their entries in the collection's index, when it is read from one).
pub fn collection(c: &crate::ir::Collection, t: &crate::ir::Table, models: &[Model]) -> Bytes {
    let index = c
        .index
        .and_then(|i| t.indexes.get(i))
        .map(|i| i.name.as_str());
    let members = c
        .members
        .iter()
        .filter_map(|(name, _, _)| models.iter().find(|m| &m.name == name && m.table == t.name))
        .map(|m| match index {
            Some(i) => m
                .sizes
                .indexes
                .iter()
                .find(|(n, _)| n == i)
                .map_or(m.sizes.item, |(_, b)| *b),
            None => m.sizes.item,
        });
    members
        .reduce(|a, b| Bytes {
            min: a.min.min(b.min),
            max: a.max.zip(b.max).map(|(x, y)| x.max(y)),
        })
        .unwrap_or(Bytes::new(0, None))
}

/// An attribute: its name's bytes and its value.
fn named(name: &str, value: Bytes) -> Bytes {
    Bytes::exactly(name.len() as u64).plus(value)
}

/// A top-level field's attribute, absent when it may be.
fn field_bytes(f: &Field) -> Bytes {
    let b = named(&f.attribute, value_bytes(&f.ty));
    if may_be_absent(f) {
        b.or_absent()
    } else {
        b
    }
}

/// What the encryption SDK writes of an encrypted value (measured on its items): binary
/// made of a 2-byte type, the value serialized and a 16-byte authentication tag; a
/// collection is serialized with a 4-byte count and, per element, a 2-byte type and a
/// 4-byte length (at most 4 times its size in DynamoDB's count).
const CIPHER_OVERHEAD: u64 = 18;

fn encrypted_field_bytes(f: &Field) -> Bytes {
    let value = value_bytes(&f.ty);
    let collection = matches!(
        f.ty.kind,
        Kind::List(_)
            | Kind::Map(_)
            | Kind::Dict(_)
            | Kind::StringSet
            | Kind::NumberSet
            | Kind::BinarySet
    );
    let cipher = if collection {
        Bytes::new(
            CIPHER_OVERHEAD + 4,
            value.max.map(|m| 4 * m + CIPHER_OVERHEAD + 4),
        )
    } else {
        Bytes::new(
            value.min + CIPHER_OVERHEAD,
            value.max.map(|m| m + CIPHER_OVERHEAD),
        )
    };
    let b = named(&f.attribute, cipher);
    if may_be_absent(f) {
        b.or_absent()
    } else {
        b
    }
}

/// The SDK's two attributes on every item of an encrypted table (measured on its items):
/// `aws_dbe_foot`, a 48-byte HMAC for the data key and a 103-byte ECDSA P-384 signature;
/// `aws_dbe_head`, about 300 bytes: format and suite, a 32-byte message id, one byte per
/// signed attribute, the encryption context (table name, key names and values, the
/// signing public key), the encrypted data key and a 32-byte commitment. Its bounds are
/// conservative: the key values and the keyring's key name make it vary.
fn encryption_bytes(m: &Model, keys: Bytes) -> Bytes {
    let signed = m
        .crypto
        .iter()
        .filter(|(_, a)| *a != crate::ir::CryptoAction::DoNothing)
        .count() as u64;
    let footer = named("aws_dbe_foot", Bytes::exactly(151));
    let varying = m.table.len() as u64 + signed;
    let header = named(
        "aws_dbe_head",
        Bytes::new(200 + varying, keys.max.map(|k| 420 + varying + 2 * k)),
    );
    footer.plus(header)
}

/// Whether a field may be left out of a stored item: an optional value, or a set (an empty
/// set is not written).
fn may_be_absent(f: &Field) -> bool {
    f.is_optional()
        || matches!(
            f.ty.kind,
            Kind::StringSet | Kind::NumberSet | Kind::BinarySet
        )
}

/// Whether a key template renders only when optional fields are there.
fn sparse_template(m: &Model, t: &Template) -> bool {
    t.fields().any(|i| m.fields[i].is_optional())
}

/// A rendered key attribute: its name and text.
fn template_bytes(m: &Model, t: &Template) -> Bytes {
    let text = t
        .parts
        .iter()
        .map(|p| match p {
            Part::Lit(l) => Bytes::exactly(l.len() as u64),
            Part::Field {
                format: Format::Fixed(w),
                ..
            } => Bytes::exactly(*w as u64),
            // Zero-padded to the width, more digits when the number has them.
            Part::Field {
                format: Format::Int(w),
                ..
            } => Bytes::new(*w as u64, Some((*w).max(19) as u64)),
            Part::Field { field, .. } => value_bytes(&m.fields[*field].ty),
        })
        .fold(Bytes::default(), Bytes::plus);
    named(&t.attr, text)
}

/// Widest number DynamoDB stores: 38 significant digits.
const NUMBER_MAX: u64 = 21;

/// A value of type `ty`, when present (an absent one is not written at all).
fn value_bytes(ty: &Type) -> Bytes {
    let r = &ty.rules;
    if let Some(choices) = &r.choices {
        let sizes: Vec<Bytes> = choices.iter().map(literal_bytes).collect();
        if !sizes.is_empty() && sizes.iter().all(|b| b.max.is_some()) {
            return Bytes::new(
                sizes.iter().map(|b| b.min).min().unwrap_or(0),
                sizes.iter().filter_map(|b| b.max).max(),
            );
        }
    }
    let min_len = r.min_length.unwrap_or(0);
    let max_len = r.max_length;
    match &ty.kind {
        Kind::Int | Kind::Timedelta => int_bytes(number(r.min_value), number(r.max_value)),
        // A float has 17 significant digits at most (the shortest text that reads back).
        Kind::Float => {
            let (lo, hi) = (number(r.min_value), number(r.max_value));
            let zero = lo.is_none_or(|l| l <= 0.0) && hi.is_none_or(|h| h >= 0.0);
            let negative = lo.is_none_or(|l| l < 0.0);
            Bytes::new(if zero { 1 } else { 2 }, Some(10 + u64::from(negative)))
        }
        Kind::Boolean => Bytes::exactly(1),
        // Text is not written when empty.
        Kind::String | Kind::Email | Kind::Url => {
            Bytes::new(min_len.max(1), max_len.map(|n| 4 * n))
        }
        Kind::IpAddress => Bytes::new(
            min_len.max(2),
            Some(max_len.map_or(45, |n| (4 * n).min(45))),
        ),
        Kind::Uuid => Bytes::exactly(36),
        // `2020-01-02T03:04:05.678901+0000`
        Kind::DateTime => Bytes::exactly(31),
        Kind::Date => Bytes::exactly(10),
        // Epoch seconds: 12 digits and a sign at most for any date chrono holds in a TTL.
        Kind::Ttl => Bytes::new(1, Some(8)),
        Kind::Enum(e) => {
            let lens = e.variants.iter().map(|(_, v)| v.len() as u64);
            Bytes::new(lens.clone().min().unwrap_or(0), lens.max())
        }
        Kind::Binary => Bytes::new(min_len.max(1), max_len),
        Kind::StringSet | Kind::BinarySet => Bytes::new(min_len.max(1), None),
        Kind::NumberSet => Bytes::new(min_len.max(1), max_len.map(|n| n * 12)),
        // `L`: 3, and 1 per element besides its size.
        Kind::List(t) => value_bytes(t)
            .repeated(min_len, max_len, 1)
            .plus(Bytes::exactly(3)),
        // `M` with text keys: 3, and per entry its key, 1 and its value.
        Kind::Map(t) => value_bytes(t)
            .plus(Bytes::new(1, None))
            .repeated(min_len, max_len, 1)
            .plus(Bytes::exactly(3)),
        Kind::Dict(d) => d
            .fields
            .iter()
            .map(|f| {
                let b = Bytes::exactly(1).plus(named(&f.attribute, value_bytes(&f.ty)));
                if may_be_absent(f) {
                    b.or_absent()
                } else {
                    b
                }
            })
            .fold(Bytes::exactly(3), Bytes::plus),
    }
}

fn number(n: Option<Number>) -> Option<f64> {
    n.map(|n| match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    })
}

/// Bytes of a whole number between `lo` and `hi`.
fn int_bytes(lo: Option<f64>, hi: Option<f64>) -> Bytes {
    let lo = lo.map_or(i64::MIN as f64, f64::ceil);
    let hi = hi.map_or(i64::MAX as f64, f64::floor);
    let digits = |x: f64| (x.abs().max(1.0).log10().floor() as u64 + 1).min(19);
    let size = |x: f64| digits(x).div_ceil(2) + 1 + u64::from(x < 0.0);
    let min = if lo <= 0.0 && hi >= 0.0 {
        1
    } else if hi > 0.0 {
        2
    } else {
        3
    };
    Bytes::new(min, Some(size(lo).max(size(hi)).min(NUMBER_MAX)))
}

/// A literal's bytes (for `choices`).
fn literal_bytes(l: &Literal) -> Bytes {
    match l {
        Literal::Text(t) => Bytes::exactly(t.len() as u64),
        Literal::Int(i) => int_bytes(Some(*i as f64), Some(*i as f64)),
        Literal::Seconds(i) => int_bytes(Some(*i as f64), Some(*i as f64)),
        Literal::Bool(_) => Bytes::exactly(1),
        _ => Bytes::new(0, None),
    }
}

/// The capacity sheet of a spec set: one entry per model, in model-name order, as
/// `dynamongo-codegen cost SPEC_DIR --format json` prints it.
pub fn sheet_json(models: &[Model]) -> serde_json::Value {
    use serde_json::json;
    let units = |u: Units| json!({"min": u.min, "max": u.max});
    let mut sorted: Vec<&Model> = models.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = sorted.into_iter().map(|m| {
        let s = &m.sizes;
        let (save, by_index) = s.save_units();
        let by_index: serde_json::Map<String, serde_json::Value> = by_index
            .into_iter()
            .map(|(name, u)| (name.to_string(), units(u)))
            .collect();
        json!({
            "model": m.name,
            "table": m.table,
            "item_bytes": {"min": s.item.min, "max": s.item.max},
            "write_units": {"min": save.min, "max": save.max, "by_index": by_index},
            "read_units": {
                "strong": units(s.get_units(true)),
                "eventual": units(s.get_units(false)),
            },
        })
    });
    serde_json::Value::Array(rows.collect())
}

/// The capacity sheet as text: a few lines per model, for a reviewer.
pub fn sheet_text(models: &[Model]) -> String {
    use std::fmt::Write;
    let mut sorted: Vec<&Model> = models.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for m in sorted {
        let s = &m.sizes;
        let (save, by_index) = s.save_units();
        let table = Units::of(s.item.write_units());
        let _ = writeln!(out, "{} (table {})", m.name, m.table);
        let _ = writeln!(out, "  item:   {}", s.item);
        let shares: String = by_index
            .iter()
            .map(|(name, u)| format!(", {name} {u}"))
            .collect();
        let _ = writeln!(out, "  save:   {save} WCU (table {table}{shares})");
        let _ = writeln!(
            out,
            "  update, delete: as a save, on the larger of the old and new item; an index \
             whose key changes is paid twice; in a transaction the table's part doubles"
        );
        let _ = writeln!(
            out,
            "  get:    {} RCU strongly consistent, {} eventually",
            s.get_units(true),
            s.get_units(false)
        );
        for (name, b) in &s.indexes {
            let sparse = if b.min == 0 {
                " (sparse: an item without its key is not in it)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  index {name}: an entry is {b}{sparse}; a query pays per 4 KB of entries read"
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_sized_by_their_digits() {
        assert_eq!(
            int_bytes(Some(1900.0), Some(2018.0)),
            Bytes::new(2, Some(3))
        );
        assert_eq!(int_bytes(None, None), Bytes::new(1, Some(12)));
        assert_eq!(int_bytes(Some(0.0), Some(9.0)), Bytes::new(1, Some(2)));
        assert_eq!(int_bytes(Some(-5.0), Some(-1.0)), Bytes::new(3, Some(3)));
    }

    #[test]
    fn units_round_up() {
        assert_eq!(Bytes::new(0, Some(1025)).write_units(), (0, Some(2)));
        assert_eq!(Bytes::new(10, None).read_units(), (1, None));
    }
}
