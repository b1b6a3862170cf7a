//! Single-table design (DESIGN §10): an entity's key attributes are rendered from its
//! fields by key templates (`note#{created_at}#{id}`) on every write, parsed back into
//! fields where a key is read, and conditions on the fields become key conditions on the
//! rendered attributes. The generator checks the templates at build time (placeholders of
//! the right types, the injectivity rule, distinct leading literals); this engine applies
//! them.
//!
//! Rendering is injective: a variable-width value (text, enum) may not contain the first
//! character of the literal that follows it, and fixed-width values (padded ints, dates,
//! datetimes, uuids) always have their width, so a rendered key parses back into exactly
//! one set of field values.

use std::borrow::Cow;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{DecodeError, Error, Violation};
use crate::expr::{Action, AttrPath, Cmp, Expr};
use crate::value::Item;

/// How a placeholder's stored value is written into a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Variable width (string-like, enum): the text as stored.
    Text,
    /// Fixed width (uuid, date, datetime): the text as stored, always this many bytes.
    Fixed(usize),
    /// A non-negative int zero-padded to this many digits (`{seq:08}`).
    Int(usize),
}

impl Format {
    fn fixed_width(self) -> bool {
        !matches!(self, Format::Text)
    }
}

/// One piece of a key template: literal text, or a field's stored attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(&'static str),
    /// A placeholder: the field's attribute name and how it is written.
    Field(&'static str, Format),
}

/// A key template: the key attribute it renders and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// The key attribute (`pk`, `gsi1sk`).
    pub attr: &'static str,
    /// Literals and placeholders, in order.
    pub parts: &'static [Part],
}

/// The key templates of one secondary index of the entity's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexKeys {
    /// The DynamoDB index name.
    pub index: &'static str,
    /// The partition key template.
    pub hash: Template,
    /// The sort key template, when the index has a sort key.
    pub range: Option<Template>,
}

/// An entity of a single-table design: its name as stored, the attribute that holds it,
/// and its key templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity {
    /// The entity name written on every item (`note`).
    pub name: &'static str,
    /// The attribute that holds it (the table file's `entity_attribute`).
    pub attribute: &'static str,
    /// The table's partition key template.
    pub hash: Template,
    /// The table's sort key template, when the table has a sort key.
    pub range: Option<Template>,
    /// The templates of the indexes this entity is in.
    pub indexes: &'static [IndexKeys],
    /// The table's TTL attribute (its entities' TTL fields share it), which
    /// `create_table` on any entity enables.
    pub table_ttl: Option<&'static str>,
}

/// The largest character: every rendered value of a fixed-width placeholder, and every
/// literal, sorts below it.
const MAX: char = '\u{10FFFF}';

impl Template {
    /// The template as written in the spec (`ws#{workspace}`).
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(l) => (*l).to_string(),
                Part::Field(f, Format::Int(w)) => format!("{{{f}:0{w}}}"),
                Part::Field(f, _) => format!("{{{f}}}"),
            })
            .collect()
    }

    /// The fields (attribute names) the template uses.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(f, _) => Some(*f),
            Part::Lit(_) => None,
        })
    }

    /// The first character of the literal right after part `i` (what a variable-width
    /// value there may not contain), if one follows.
    fn stop_after(&self, i: usize) -> Option<char> {
        match self.parts.get(i + 1) {
            Some(Part::Lit(l)) => l.chars().next(),
            _ => None,
        }
    }

    /// Renders the key from the fields' stored values; `Ok(None)` when a field has no
    /// value (an index key is then not written: a sparse index).
    pub(crate) fn render<'v>(
        &self,
        value: impl Fn(&str) -> Option<&'v AttributeValue>,
    ) -> Result<Option<String>, Violation> {
        let mut out = String::new();
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Lit(l) => out.push_str(l),
                Part::Field(f, format) => {
                    let Some(v) = value(f).filter(|v| !is_null(v)) else {
                        return Ok(None);
                    };
                    let text = render_value(*format, v, self.stop_after(i))
                        .map_err(|why| self.violation(f, why))?;
                    out.push_str(&text);
                }
            }
        }
        Ok(Some(out))
    }

    /// Renders a key every field of which must have a value (a primary key): a missing
    /// one is a violation naming it.
    fn render_required<'v>(
        &self,
        value: impl Fn(&str) -> Option<&'v AttributeValue>,
    ) -> Result<String, Violation> {
        match self.render(&value)? {
            Some(text) => Ok(text),
            None => {
                let missing = self
                    .fields()
                    .find(|f| value(f).is_none_or(is_null))
                    .unwrap_or(self.attr);
                Err(self.violation(missing, "a value is required".to_string()))
            }
        }
    }

    fn violation(&self, field: &str, why: String) -> Violation {
        Violation::new(
            field,
            format!(
                "{why} (it is part of the key `{}` = `{}`)",
                self.attr,
                self.text()
            ),
        )
    }

    /// The fields' stored values of a rendered key (`None`: the text was not rendered by
    /// this template).
    pub(crate) fn parse(&self, text: &str) -> Option<Vec<(&'static str, AttributeValue)>> {
        let mut rest = text;
        let mut out = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Lit(l) => rest = rest.strip_prefix(l)?,
                Part::Field(f, format) => {
                    let end = match format {
                        Format::Text => match self.stop_after(i) {
                            Some(c) => rest.find(c)?,
                            None if i + 1 == self.parts.len() => rest.len(),
                            None => return None,
                        },
                        Format::Fixed(w) | Format::Int(w) => *w,
                    };
                    let value = rest.get(..end)?;
                    rest = &rest[end..];
                    let av = match format {
                        Format::Int(_) => {
                            let n: u64 = value.parse().ok()?;
                            AttributeValue::N(n.to_string())
                        }
                        _ => AttributeValue::S(value.to_string()),
                    };
                    out.push((*f, av));
                }
            }
        }
        rest.is_empty().then_some(out)
    }
}

fn is_null(v: &AttributeValue) -> bool {
    matches!(v, AttributeValue::Null(_)) || matches!(v, AttributeValue::S(s) if s.is_empty())
}

/// One placeholder's text in a key.
fn render_value(format: Format, v: &AttributeValue, stop: Option<char>) -> Result<String, String> {
    match (format, v) {
        (Format::Text, AttributeValue::S(s)) => match stop {
            Some(c) if s.contains(c) => Err(format!(
                "`{s}` contains `{c}`, which separates it from what follows in the key"
            )),
            _ => Ok(s.clone()),
        },
        (Format::Fixed(w), AttributeValue::S(s)) => {
            if s.len() == w {
                Ok(s.clone())
            } else {
                Err(format!(
                    "`{s}` is not {w} characters long, as a key part must be"
                ))
            }
        }
        (Format::Int(w), AttributeValue::N(n)) => match n.parse::<i64>() {
            Ok(i) if i >= 0 && fits(i, w) => Ok(format!("{i:0w$}")),
            _ => Err(format!(
                "{n} does not fit the key: it must be a whole number from 0 to {}",
                "9".repeat(w)
            )),
        },
        _ => Err("has a value of the wrong type for a key part".to_string()),
    }
}

fn fits(i: i64, width: usize) -> bool {
    u32::try_from(width)
        .ok()
        .and_then(|w| 10i64.checked_pow(w))
        .is_none_or(|limit| i < limit)
}

impl Entity {
    /// The primary-key templates: partition, then sort.
    fn primary(&self) -> impl Iterator<Item = &Template> {
        std::iter::once(&self.hash).chain(&self.range)
    }

    /// The index key templates.
    fn index_templates(&self) -> impl Iterator<Item = &Template> {
        self.indexes
            .iter()
            .flat_map(|i| std::iter::once(&i.hash).chain(&i.range))
    }

    /// The attributes of the fields in the primary-key templates (which updates cannot
    /// change).
    pub(crate) fn key_fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.primary().flat_map(Template::fields)
    }

    /// The condition that an item is this entity.
    pub(crate) fn is_this(&self) -> Expr {
        Expr::Cmp(
            AttrPath::of(self.attribute),
            Cmp::Eq,
            AttributeValue::S(self.name.to_string()),
        )
    }

    /// Whether a stored item is this entity (has the entity attribute with its name).
    pub(crate) fn holds(&self, item: &Item) -> bool {
        matches!(item.get(self.attribute), Some(AttributeValue::S(s)) if s == self.name)
    }

    /// Writes the key attributes and the entity attribute of an item from its fields:
    /// the primary key always (its fields are required), each index key when every field
    /// of its template has a value.
    pub(crate) fn write_keys(&self, item: &mut Item) -> Result<(), Error> {
        let mut keys = Item::new();
        let mut bad = Vec::new();
        render_all(self.primary(), true, item, &mut keys, &mut bad);
        render_all(self.index_templates(), false, item, &mut keys, &mut bad);
        if !bad.is_empty() {
            return Err(Error::Validation(bad));
        }
        item.extend(keys);
        item.insert(
            self.attribute.to_string(),
            AttributeValue::S(self.name.to_string()),
        );
        Ok(())
    }

    /// The primary key of an item whose primary-key fields are `fields`.
    pub(crate) fn key_item(&self, fields: &Item) -> Result<Item, Error> {
        let mut key = Item::new();
        let mut bad = Vec::new();
        render_all(self.primary(), true, fields, &mut key, &mut bad);
        if bad.is_empty() {
            Ok(key)
        } else {
            Err(Error::Validation(bad))
        }
    }

    /// The primary-key fields of a key item: parsed from the rendered key attributes, or
    /// the item itself when it holds the fields (a whole item, or fields read from JSON).
    pub(crate) fn key_fields_of<'i>(&self, item: &'i Item) -> Result<Cow<'i, Item>, DecodeError> {
        if !item.contains_key(self.hash.attr) {
            return Ok(Cow::Borrowed(item));
        }
        let mut out = Item::new();
        for t in self.primary() {
            let parsed = match item.get(t.attr) {
                Some(AttributeValue::S(text)) => t.parse(text),
                _ => None,
            };
            let Some(parsed) = parsed else {
                return Err(DecodeError::new(
                    format!("a key written by the template `{}`", t.text()),
                    "another text",
                )
                .at(t.attr));
            };
            out.extend(parsed.into_iter().map(|(f, v)| (f.to_string(), v)));
        }
        Ok(Cow::Owned(out))
    }

    /// The fields an update must know to render the index keys it rewrites, and neither
    /// sets nor finds in the item's key: `update_one` reads them from the stored item.
    pub(crate) fn missing_fields<'a>(
        &self,
        key: &Item,
        actions: impl Iterator<Item = &'a Action> + Clone,
    ) -> Vec<&'static str> {
        let Ok(fields) = self.key_fields_of(key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for t in self.index_templates() {
            let in_template = |a: &&Action| {
                a.path()
                    .top_level()
                    .is_some_and(|n| t.fields().any(|f| f == n))
            };
            let touched: Vec<&Action> = actions.clone().filter(in_template).collect();
            if touched.is_empty() || touched.iter().any(|a| matches!(a, Action::Remove(_))) {
                continue;
            }
            for f in t.fields() {
                let set = touched.iter().any(|a| a.path().top_level() == Some(f));
                if !set && !fields.contains_key(f) && !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        out
    }

    /// The index key actions an update needs: an index key attribute whose template uses
    /// a field the update sets is rendered again (its other fields come from the key, from
    /// the same update, or from `known`: the stored values `update_one` read), and one
    /// whose template uses a field the update removes is removed.
    pub(crate) fn index_actions(
        &self,
        key: &Item,
        actions: &[Action],
        known: Option<&Item>,
    ) -> Result<Vec<Action>, Error> {
        let mut fields = self
            .key_fields_of(key)
            .map_err(|e| Error::Validation(vec![Violation::new(e.path(), e.to_string())]))?
            .into_owned();
        // Read from the stored item: a field it lacks is absent, not unknown.
        let read = known.is_some();
        fields.extend(
            known
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let mut out = Vec::new();
        let mut bad = Vec::new();
        for t in self.index_templates() {
            let touched: Vec<&Action> = actions
                .iter()
                .filter(|a| {
                    a.path()
                        .top_level()
                        .is_some_and(|n| t.fields().any(|f| f == n))
                })
                .collect();
            if touched.is_empty() {
                continue;
            }
            if touched.iter().any(|a| matches!(a, Action::Remove(_))) {
                out.push(Action::Remove(AttrPath::of(t.attr)));
                continue;
            }
            let mut values = Item::new();
            for a in &touched {
                match a {
                    Action::Set(p, v) => {
                        values.insert(p.to_string(), v.clone());
                    }
                    other => bad.push(Violation::new(
                        other.path().to_string(),
                        format!(
                            "it is part of the index key `{}` = `{}`: change it with `set`",
                            t.attr,
                            t.text()
                        ),
                    )),
                }
            }
            let missing: Vec<&str> = t
                .fields()
                .filter(|f| !read && !values.contains_key(*f) && !fields.contains_key(*f))
                .collect();
            if !missing.is_empty() {
                let set: Vec<String> = touched.iter().map(|a| format!("`{}`", a.path())).collect();
                let missing: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                bad.push(Violation::new(
                    touched[0].path().to_string(),
                    format!(
                        "updating {} rewrites the index key `{}` = `{}`; set {} in the same update \
                         (update_one reads them from the stored item; a transaction cannot)",
                        set.join(", "),
                        t.attr,
                        t.text(),
                        missing.join(", ")
                    ),
                ));
                continue;
            }
            match t.render(|f| values.get(f).or_else(|| fields.get(f))) {
                Ok(Some(text)) => {
                    out.push(Action::Set(AttrPath::of(t.attr), AttributeValue::S(text)))
                }
                Ok(None) => out.push(Action::Remove(AttrPath::of(t.attr))),
                Err(v) => bad.push(v),
            }
        }
        if bad.is_empty() {
            Ok(out)
        } else {
            Err(Error::Validation(bad))
        }
    }

    /// Conditions on the entity's fields as conditions on its rendered keys: equality on
    /// every field of a partition template becomes the partition (the table's first,
    /// then each index's), equality on the leading fields of its sort template a
    /// `begins_with`, and a range on the next field a key condition on the rendered
    /// bounds — exact where the field has a fixed width, a superset (with the term kept as
    /// a filter) where it does not. The entity check is always ANDed. With the condition,
    /// the words `explain()` adds to its reason, and how many of the condition's terms
    /// became key conditions.
    pub(crate) fn rewrite(&self, expr: &Expr) -> Result<(Expr, String, usize), Error> {
        let mut why = format!(
            "entity `{}` (its items have `{}` = `{}`)",
            self.name, self.attribute, self.name
        );
        let terms = expr.and_terms();
        let mut out: Vec<Expr> = Vec::new();
        let mut used = vec![false; terms.len()];
        let eq = |field: &str, used: &[bool]| {
            terms.iter().enumerate().find_map(|(i, t)| match t {
                Expr::Cmp(p, Cmp::Eq, v) if !used[i] && p.top_level() == Some(field) => {
                    Some((i, v))
                }
                _ => None,
            })
        };
        // The first candidate whose partition fields all have an equality: the table's,
        // then each index's. A local index shares the table's partition and differs by its
        // sort key: the table and its local indexes compete, and the one whose sort
        // template takes the most terms wins (the table on a tie; a local index reads
        // consistently too).
        let mut best: Option<(usize, Vec<Expr>, String, Vec<bool>)> = None;
        let candidates = std::iter::once((&self.hash, self.range.as_ref()))
            .chain(self.indexes.iter().map(|i| (&i.hash, i.range.as_ref())));
        for (hash, range) in candidates {
            if best.is_some() && hash.attr != self.hash.attr {
                continue;
            }
            let mut taken = used.clone();
            let mut values = Item::new();
            let all = hash.fields().all(|f| match eq(f, &taken) {
                Some((i, v)) => {
                    taken[i] = true;
                    values.insert(f.to_string(), v.clone());
                    true
                }
                None => false,
            });
            if !all {
                continue;
            }
            let rendered = hash
                .render(|f| values.get(f))
                .map_err(|v| Error::Validation(vec![v]))?
                .ok_or_else(|| {
                    Error::Expression("planner: a partition field has no value".into())
                })?;
            let mut conditions = vec![Expr::Cmp(
                AttrPath::of(hash.attr),
                Cmp::Eq,
                AttributeValue::S(rendered),
            )];
            let mut words = format!(
                "; equality on {} renders `{}` = `{}`",
                hash.fields()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                hash.attr,
                hash.text()
            );
            if let Some(range) = range {
                if let Some(c) = sort_condition(range, &terms, &mut taken)? {
                    words.push_str(&format!(
                        ", and `{}` = `{}` is bounded by its literals and the fields given",
                        range.attr,
                        range.text()
                    ));
                    conditions.push(c);
                }
            }
            let score = taken.iter().filter(|t| **t).count();
            if best.as_ref().is_none_or(|(b, ..)| score > *b) {
                best = Some((score, conditions, words, taken));
            }
        }
        let matched = best.is_some();
        if let Some((_, conditions, words, taken)) = best {
            out.extend(conditions);
            why.push_str(&words);
            used = taken;
        }
        // `in_` on the one field of the table's partition template: a partition per value
        // (a value that cannot be rendered matches no item, and is left out).
        if let (false, [field]) = (matched, self.hash.fields().collect::<Vec<_>>().as_slice()) {
            let list = terms.iter().enumerate().find_map(|(i, t)| match t {
                Expr::In(p, vs) if p.top_level() == Some(*field) => Some((i, vs)),
                _ => None,
            });
            if let Some((i, vs)) = list {
                let rendered: Vec<AttributeValue> = vs
                    .iter()
                    .filter_map(|v| {
                        let item = Item::from([(field.to_string(), v.clone())]);
                        self.hash.render(|f| item.get(f)).ok().flatten()
                    })
                    .map(AttributeValue::S)
                    .collect();
                if rendered.is_empty() {
                    // No value can be a key: the term stays, as a filter of a Scan.
                    return self.finish(out, &terms, &used, why);
                }
                used[i] = true;
                out.push(Expr::In(AttrPath::of(self.hash.attr), rendered));
                why.push_str(&format!(
                    "; `{field}` in a list renders one `{}` = `{}` each",
                    self.hash.attr,
                    self.hash.text()
                ));
                if let Some(range) = &self.range {
                    out.extend(sort_condition(range, &terms, &mut used)?);
                }
            }
        }
        self.finish(out, &terms, &used, why)
    }

    /// The rewritten condition: the key conditions, the terms not used for them, and the
    /// entity check.
    fn finish(
        &self,
        mut out: Vec<Expr>,
        terms: &[&Expr],
        used: &[bool],
        why: String,
    ) -> Result<(Expr, String, usize), Error> {
        let keyed = used.iter().filter(|u| **u).count();
        out.extend(
            terms
                .iter()
                .zip(used)
                .filter(|(_, u)| !**u)
                .map(|(t, _)| (*t).clone()),
        );
        out.push(self.is_this());
        let expr = Expr::and_all(out)
            .ok_or_else(|| Error::Expression("planner: empty condition".into()))?;
        Ok((expr, why, keyed))
    }
}

/// Renders `templates` from the fields of `fields` into `out` (key attribute → text): a
/// template whose fields lack a value is a violation when `required` (a primary key), and
/// is left out otherwise (a sparse index key).
fn render_all<'t>(
    templates: impl Iterator<Item = &'t Template>,
    required: bool,
    fields: &Item,
    out: &mut Item,
    bad: &mut Vec<Violation>,
) {
    for t in templates {
        let rendered = match required {
            true => t.render_required(|f| fields.get(f)).map(Some),
            false => t.render(|f| fields.get(f)),
        };
        match rendered {
            Ok(Some(text)) => {
                out.insert(t.attr.to_string(), AttributeValue::S(text));
            }
            Ok(None) => {}
            Err(v) => bad.push(v),
        }
    }
}

/// The sort-key condition for the terms on a sort template's fields (marking the terms
/// it makes redundant as used).
fn sort_condition(t: &Template, terms: &[&Expr], used: &mut [bool]) -> Result<Option<Expr>, Error> {
    let on = |field: &str, used: &[bool], want: fn(&Expr) -> bool| {
        terms
            .iter()
            .enumerate()
            .position(|(i, e)| !used[i] && want(e) && e.top_attr() == Some(field))
    };
    let attr = || AttrPath::of(t.attr);
    let s = |text: String| AttributeValue::S(text);
    // The fields given so far bound the key by their prefix (none when it is empty).
    let by_prefix =
        |prefix: String| (!prefix.is_empty()).then(|| Expr::BeginsWith(attr(), s(prefix)));
    let mut prefix = String::new();
    for (i, part) in t.parts.iter().enumerate() {
        let (field, format) = match part {
            Part::Lit(l) => {
                prefix.push_str(l);
                continue;
            }
            Part::Field(f, format) => (*f, *format),
        };
        let stop = t.stop_after(i);
        if let Some(k) = on(field, used, |e| matches!(e, Expr::Cmp(_, Cmp::Eq, _))) {
            let Expr::Cmp(_, _, v) = terms[k] else {
                return Err(Error::Expression("planner: inconsistent condition".into()));
            };
            let text = render_value(format, v, stop)
                .map_err(|why| Error::Validation(vec![t.violation(field, why)]))?;
            prefix.push_str(&text);
            used[k] = true;
            continue;
        }
        // No equality on this field: a range on it bounds the key, or the prefix does.
        let last = i + 1 == t.parts.len();
        let ranged = on(field, used, |e| {
            matches!(
                e,
                Expr::Cmp(_, Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge, _)
                    | Expr::Between(..)
                    | Expr::BeginsWith(..)
            )
        });
        let Some(k) = ranged else {
            return Ok(by_prefix(prefix));
        };
        let fixed = format.fixed_width();
        let bound = |v: &AttributeValue| bound_text(format, v);
        let top = format!("{prefix}{MAX}");
        let cond = match terms[k] {
            Expr::BeginsWith(_, AttributeValue::S(v)) if !fixed => {
                Some(Expr::BeginsWith(attr(), s(format!("{prefix}{v}"))))
            }
            Expr::Cmp(_, cmp, v) => match (bound(v), cmp, fixed) {
                (Some(b), Cmp::Ge, _) => Some(between(t.attr, format!("{prefix}{b}"), top)),
                (Some(b), Cmp::Gt, true) => Some(between(t.attr, format!("{prefix}{b}{MAX}"), top)),
                (Some(b), Cmp::Gt, false) => Some(between(t.attr, format!("{prefix}{b}"), top)),
                (Some(b), Cmp::Le, true) => {
                    Some(between(t.attr, prefix.clone(), format!("{prefix}{b}{MAX}")))
                }
                (Some(b), Cmp::Lt, true) => {
                    Some(between(t.attr, prefix.clone(), format!("{prefix}{b}")))
                }
                // Below every int the key can hold, or above it: the filter decides
                // (everything or nothing on that side), the prefix bounds the read.
                _ => None,
            },
            Expr::Between(_, lo, hi) => match (bound(lo), bound(hi), fixed) {
                (Some(a), Some(b), true) => Some(between(
                    t.attr,
                    format!("{prefix}{a}"),
                    format!("{prefix}{b}{MAX}"),
                )),
                (Some(a), _, false) => Some(between(t.attr, format!("{prefix}{a}"), top)),
                _ => None,
            },
            _ => None,
        };
        // Exact for a fixed-width field, except `<` on the last part (the bound is
        // inclusive) and a clamped int bound; otherwise the term stays as a filter.
        let exact = cond.is_some()
            && fixed
            && !(last && matches!(terms[k], Expr::Cmp(_, Cmp::Lt, _)))
            && !clamped(format, terms[k]);
        used[k] = exact;
        return Ok(cond.or_else(|| by_prefix(prefix)));
    }
    // Every field equal: the full key.
    Ok(Some(Expr::Cmp(attr(), Cmp::Eq, s(prefix))))
}

fn between(attr: &'static str, lo: String, hi: String) -> Expr {
    Expr::Between(
        AttrPath::of(attr),
        AttributeValue::S(lo),
        AttributeValue::S(hi),
    )
}

/// A range bound's text in a key: an int is padded, and one outside what the width holds
/// has none (below 0, or above the widest).
fn bound_text(format: Format, v: &AttributeValue) -> Option<String> {
    render_value(format, v, None).ok()
}

fn clamped(format: Format, term: &Expr) -> bool {
    let outside = |v: &AttributeValue| bound_text(format, v).is_none();
    match term {
        Expr::Cmp(_, _, v) => outside(v),
        Expr::Between(_, a, b) => outside(a) || outside(b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `org#{org}#{seq:04}#{day}|{name}`: text then fixed widths then text (last, free).
    const TEMPLATE: Template = Template {
        attr: "sk",
        parts: &[
            Part::Lit("org#"),
            Part::Field("org", Format::Text),
            Part::Lit("#"),
            Part::Field("seq", Format::Int(4)),
            Part::Field("day", Format::Fixed(10)),
            Part::Lit("|"),
            Part::Field("name", Format::Text),
        ],
    };

    fn item(org: &str, seq: i64, day: &str, name: &str) -> Item {
        Item::from([
            ("org".to_string(), AttributeValue::S(org.into())),
            ("seq".to_string(), AttributeValue::N(seq.to_string())),
            ("day".to_string(), AttributeValue::S(day.into())),
            ("name".to_string(), AttributeValue::S(name.into())),
        ])
    }

    fn render(i: &Item) -> Result<Option<String>, Violation> {
        TEMPLATE.render(|f| i.get(f))
    }

    #[test]
    fn renders_pads_and_refuses_what_would_be_ambiguous() {
        let i = item("acme", 7, "2026-01-02", "a|b#c");
        assert_eq!(
            render(&i).unwrap().as_deref(),
            Some("org#acme#00072026-01-02|a|b#c")
        );
        let bad = render(&item("ac#me", 7, "2026-01-02", "x")).unwrap_err();
        assert_eq!(bad.path, "org");
        assert!(bad.message.contains("`#`"), "{}", bad.message);
        for seq in [-1, 10_000] {
            let bad = render(&item("acme", seq, "2026-01-02", "x")).unwrap_err();
            assert_eq!(bad.path, "seq", "{}", bad.message);
        }
        assert!(render(&item("acme", 1, "2026-1-2", "x")).is_err());
        let mut sparse = item("acme", 1, "2026-01-02", "x");
        sparse.remove("name");
        assert_eq!(render(&sparse).unwrap(), None);
    }

    proptest! {
        /// Rendering is injective: every key it writes parses back into exactly the
        /// values it was rendered from.
        #[test]
        fn a_rendered_key_parses_back_into_its_values(
            org in "[^#]{1,8}",
            seq in 0i64..10_000,
            day in "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            name in ".{1,8}",
        ) {
            let i = item(&org, seq, &day, &name);
            let text = render(&i).unwrap().unwrap();
            let back: Item = TEMPLATE
                .parse(&text)
                .unwrap()
                .into_iter()
                .map(|(f, v)| (f.to_string(), v))
                .collect();
            prop_assert_eq!(back, i);
        }

        /// Two different items never render the same key.
        #[test]
        fn different_values_render_different_keys(
            a in ("[^#]{1,4}", 0i64..100, "[a|#]{1,4}"),
            b in ("[^#]{1,4}", 0i64..100, "[a|#]{1,4}"),
        ) {
            let (x, y) = (item(&a.0, a.1, "2026-01-02", &a.2), item(&b.0, b.1, "2026-01-02", &b.2));
            prop_assume!(x != y);
            prop_assert_ne!(render(&x).unwrap(), render(&y).unwrap());
        }
    }
}
