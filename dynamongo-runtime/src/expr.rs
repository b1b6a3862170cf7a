//! Conditions and updates: the typed public wrappers and their rendering to DynamoDB
//! expression strings. Every attribute name and value goes through a placeholder.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Violation};
use crate::value::Item;

/// DynamoDB caps the operands of one `IN` at 100; longer lists are split into ORed groups.
const MAX_IN_OPERANDS: usize = 100;

/// A path to an attribute: names and list indices (`address.city`, `pets[0].name`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Segment {
    Name(String),
    Index(usize),
}

impl Segment {
    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            Segment::Name(n) => Some(n),
            Segment::Index(_) => None,
        }
    }
    pub(crate) fn index(&self) -> Option<usize> {
        match self {
            Segment::Index(i) => Some(*i),
            Segment::Name(_) => None,
        }
    }
}

impl AttrPath {
    /// A top-level attribute.
    pub fn attr(name: &str) -> Self {
        AttrPath(vec![Segment::Name(name.to_string())])
    }
    /// A nested attribute of a map.
    pub fn child(&self, name: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Name(name.to_string()));
        p
    }
    /// An element of a list.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }
    pub(crate) fn segments(&self) -> impl Iterator<Item = &Segment> {
        self.0.iter()
    }

    /// The top-level attribute name when the path has no nesting.
    pub(crate) fn top_level(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Segment::Name(n)] => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Name(n) if i == 0 => f.write_str(n)?,
                Segment::Name(n) => write!(f, ".{n}")?,
                Segment::Index(x) => write!(f, "[{x}]")?,
            }
        }
        Ok(())
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "<>",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// The untyped condition tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Cmp(AttrPath, Cmp, AttributeValue),
    Between(AttrPath, AttributeValue, AttributeValue),
    In(AttrPath, Vec<AttributeValue>),
    Contains(AttrPath, AttributeValue),
    BeginsWith(AttrPath, AttributeValue),
    Exists(AttrPath),
    NotExists(AttrPath),
    Size(AttrPath, Cmp, AttributeValue),
    SizeBetween(AttrPath, AttributeValue, AttributeValue),
    /// Full primary keys (the seed's `keys_in`).
    KeysIn(Vec<Item>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    /// The ANDed terms of this expression (itself when it is not an AND).
    pub(crate) fn and_terms(&self) -> Vec<&Expr> {
        match self {
            Expr::And(a, b) => {
                let mut v = a.and_terms();
                v.extend(b.and_terms());
                v
            }
            other => vec![other],
        }
    }

    /// The top-level attribute a comparison, `IN`, `BETWEEN` or `begins_with` is on (the
    /// terms a key condition can be made of).
    pub(crate) fn top_attr(&self) -> Option<&str> {
        match self {
            Expr::Cmp(p, _, _) | Expr::In(p, _) | Expr::Between(p, ..) | Expr::BeginsWith(p, _) => {
                p.top_level()
            }
            _ => None,
        }
    }

    /// Whether any term anywhere mentions the top-level attribute `name`.
    pub(crate) fn mentions(&self, name: &str) -> bool {
        let top = |p: &AttrPath| p.0.first() == Some(&Segment::Name(name.to_string()));
        match self {
            Expr::Cmp(p, ..)
            | Expr::Between(p, ..)
            | Expr::In(p, _)
            | Expr::Contains(p, _)
            | Expr::BeginsWith(p, _)
            | Expr::Exists(p)
            | Expr::NotExists(p)
            | Expr::Size(p, ..)
            | Expr::SizeBetween(p, ..) => top(p),
            Expr::KeysIn(items) => items.iter().any(|i| i.contains_key(name)),
            Expr::And(a, b) | Expr::Or(a, b) => a.mentions(name) || b.mentions(name),
            Expr::Not(a) => a.mentions(name),
        }
    }

    pub(crate) fn and_all(terms: Vec<Expr>) -> Option<Expr> {
        terms
            .into_iter()
            .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
    }
}

/// A condition on items of model `M`, built from the generated field handles and
/// combined with `&`, `|` and `!`.
///
/// ```
/// use dynamongo_runtime::{Condition, field::{Field, Required}};
/// struct User;
/// let year: Field<User, i64, Required> = Field::new("year_of_birth");
/// let city: Field<User, Vec<String>, Required> = Field::new("cities_visited");
/// let c: Condition<User> = year.lt(1990) & !city.contains("Nairobi");
/// assert_eq!(
///     c.render().expression,
///     "(#n0 < :v0 AND (NOT contains(#n1, :v1)))"
/// );
/// ```
pub struct Condition<M> {
    pub(crate) expr: Expr,
    pub(crate) problems: Vec<String>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Condition<M> {
    fn clone(&self) -> Self {
        Condition {
            expr: self.expr.clone(),
            problems: self.problems.clone(),
            _model: PhantomData,
        }
    }
}

impl<M> fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.render();
        f.debug_struct("Condition")
            .field("expression", &r.expression)
            .field("names", &r.names)
            .field("values", &r.values)
            .finish()
    }
}

impl<M> Condition<M> {
    pub(crate) fn new(expr: Expr) -> Self {
        Condition {
            expr,
            problems: Vec::new(),
            _model: PhantomData,
        }
    }

    pub(crate) fn with_problem(mut self, problem: Option<String>) -> Self {
        self.problems.extend(problem);
        self
    }

    fn join(self, other: Condition<M>, f: fn(Box<Expr>, Box<Expr>) -> Expr) -> Self {
        let mut problems = self.problems;
        problems.extend(other.problems);
        Condition {
            expr: f(Box::new(self.expr), Box::new(other.expr)),
            problems,
            _model: PhantomData,
        }
    }

    /// Renders this condition alone (placeholders from `#n0` and `:v0`).
    pub fn render(&self) -> Rendered {
        let mut b = ExprBuilder::default();
        let expression = b.condition(&self.expr);
        b.finish(expression)
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Expression(self.problems.join("; ")))
        }
    }
}

impl<M> std::ops::BitAnd for Condition<M> {
    type Output = Condition<M>;
    fn bitand(self, rhs: Self) -> Self {
        self.join(rhs, Expr::And)
    }
}

impl<M> std::ops::BitOr for Condition<M> {
    type Output = Condition<M>;
    fn bitor(self, rhs: Self) -> Self {
        self.join(rhs, Expr::Or)
    }
}

impl<M> std::ops::Not for Condition<M> {
    type Output = Condition<M>;
    fn not(self) -> Self {
        Condition {
            expr: Expr::Not(Box::new(self.expr)),
            problems: self.problems,
            _model: PhantomData,
        }
    }
}

/// One change of an update, built from a field handle (`set`, `add`, `append`, ...).
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let john = User::update_one(
///     db,
///     "john@example.com",
///     [user::name().set("Johnny"), user::year_of_birth().add(1), user::cities_visited().append(["Lima"])],
/// )
/// .await?;
/// # Ok(()) }
/// ```
pub struct Update<M> {
    pub(crate) action: Action,
    pub(crate) violations: Vec<Violation>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Update<M> {
    fn clone(&self) -> Self {
        Update {
            action: self.action.clone(),
            violations: self.violations.clone(),
            _model: PhantomData,
        }
    }
}

impl<M> fmt::Debug for Update<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Update")
            .field("action", &self.action)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Set(AttrPath, AttributeValue),
    SetIfNotExists(AttrPath, AttributeValue),
    Remove(AttrPath),
    Add(AttrPath, AttributeValue),
    Append(AttrPath, AttributeValue),
    Prepend(AttrPath, AttributeValue),
    Delete(AttrPath, AttributeValue),
}

impl Action {
    pub(crate) fn path(&self) -> &AttrPath {
        match self {
            Action::Set(p, _)
            | Action::SetIfNotExists(p, _)
            | Action::Remove(p)
            | Action::Add(p, _)
            | Action::Append(p, _)
            | Action::Prepend(p, _)
            | Action::Delete(p, _) => p,
        }
    }
}

impl<M> Update<M> {
    pub(crate) fn new(action: Action, violations: Vec<Violation>) -> Self {
        Update {
            action,
            violations,
            _model: PhantomData,
        }
    }
}

/// A rendered expression: the text and its placeholder maps (sorted, for display).
///
/// ```
/// use dynamongo_runtime::codegen::example::user;
/// let r = user::year_of_birth().lt(2000).render();
/// assert_eq!(r.expression, "#n0 < :v0");
/// assert_eq!(r.names, [("#n0".to_string(), "year_of_birth".to_string())]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    /// The expression text.
    pub expression: String,
    /// `#n0` → attribute name.
    pub names: Vec<(String, String)>,
    /// `:v0` → value.
    pub values: Vec<(String, AttributeValue)>,
}

/// `ExpressionAttributeNames` as the SDK takes them.
pub(crate) type Names = HashMap<String, String>;
/// `ExpressionAttributeValues` as the SDK takes them.
pub(crate) type Values = HashMap<String, AttributeValue>;

/// Allocates placeholders, sharing one namespace across the expressions of one request.
#[derive(Default)]
pub(crate) struct ExprBuilder {
    names: Vec<(String, String)>,
    name_index: HashMap<String, usize>,
    values: Vec<(String, AttributeValue)>,
}

impl ExprBuilder {
    pub(crate) fn name(&mut self, name: &str) -> String {
        let next = self.names.len();
        let i = *self
            .name_index
            .entry(name.to_string())
            .or_insert_with(|| next);
        if i == next {
            self.names.push((format!("#n{i}"), name.to_string()));
        }
        format!("#n{i}")
    }

    pub(crate) fn value(&mut self, v: AttributeValue) -> String {
        let p = format!(":v{}", self.values.len());
        self.values.push((p.clone(), v));
        p
    }

    pub(crate) fn path(&mut self, p: &AttrPath) -> String {
        let mut out = String::new();
        for (i, seg) in p.0.iter().enumerate() {
            match seg {
                Segment::Name(n) => {
                    if i > 0 {
                        out.push('.');
                    }
                    let ph = self.name(n);
                    out.push_str(&ph);
                }
                Segment::Index(x) => out.push_str(&format!("[{x}]")),
            }
        }
        out
    }

    pub(crate) fn condition(&mut self, e: &Expr) -> String {
        match e {
            Expr::Cmp(p, op, v) => {
                let p = self.path(p);
                let v = self.value(v.clone());
                format!("{p} {} {v}", op.symbol())
            }
            Expr::Between(p, lo, hi) => {
                let p = self.path(p);
                let lo = self.value(lo.clone());
                let hi = self.value(hi.clone());
                format!("{p} BETWEEN {lo} AND {hi}")
            }
            Expr::In(p, values) => {
                if values.is_empty() {
                    // `x IN ()` is not valid; an empty set matches nothing.
                    let p = self.path(p);
                    return format!("(attribute_exists({p}) AND attribute_not_exists({p}))");
                }
                let path = self.path(p);
                let groups: Vec<String> = values
                    .chunks(MAX_IN_OPERANDS)
                    .map(|chunk| {
                        let vs: Vec<String> = chunk.iter().map(|v| self.value(v.clone())).collect();
                        format!("{path} IN ({})", vs.join(", "))
                    })
                    .collect();
                if groups.len() == 1 {
                    groups.into_iter().next().unwrap_or_default()
                } else {
                    format!("({})", groups.join(" OR "))
                }
            }
            Expr::Contains(p, v) => {
                let p = self.path(p);
                let v = self.value(v.clone());
                format!("contains({p}, {v})")
            }
            Expr::BeginsWith(p, v) => {
                let p = self.path(p);
                let v = self.value(v.clone());
                format!("begins_with({p}, {v})")
            }
            Expr::Exists(p) => format!("attribute_exists({})", self.path(p)),
            Expr::NotExists(p) => format!("attribute_not_exists({})", self.path(p)),
            Expr::Size(p, op, v) => {
                let p = self.path(p);
                let v = self.value(v.clone());
                format!("size({p}) {} {v}", op.symbol())
            }
            Expr::SizeBetween(p, lo, hi) => {
                let p = self.path(p);
                let lo = self.value(lo.clone());
                let hi = self.value(hi.clone());
                format!("size({p}) BETWEEN {lo} AND {hi}")
            }
            Expr::KeysIn(items) => {
                if items.is_empty() {
                    return "(attribute_exists(#n_none) AND attribute_not_exists(#n_none))"
                        .replace("#n_none", &self.name("__dynamongo_none__"));
                }
                let alts: Vec<String> = items
                    .iter()
                    .map(|item| {
                        let mut keys: Vec<(&String, &AttributeValue)> = item.iter().collect();
                        keys.sort_by(|a, b| a.0.cmp(b.0));
                        let parts: Vec<String> = keys
                            .into_iter()
                            .map(|(k, v)| {
                                let n = self.name(k);
                                let v = self.value(v.clone());
                                format!("{n} = {v}")
                            })
                            .collect();
                        format!("({})", parts.join(" AND "))
                    })
                    .collect();
                format!("({})", alts.join(" OR "))
            }
            Expr::And(a, b) => {
                let a = self.condition(a);
                let b = self.condition(b);
                format!("({a} AND {b})")
            }
            Expr::Or(a, b) => {
                let a = self.condition(a);
                let b = self.condition(b);
                format!("({a} OR {b})")
            }
            Expr::Not(a) => format!("(NOT {})", self.condition(a)),
        }
    }

    /// `SET ... REMOVE ... ADD ... DELETE ...` for a list of actions.
    pub(crate) fn update(&mut self, actions: &[&Action]) -> String {
        let (mut set, mut remove, mut add, mut delete) = (vec![], vec![], vec![], vec![]);
        for a in actions {
            match a {
                Action::Set(p, v) => {
                    let p = self.path(p);
                    let v = self.value(v.clone());
                    set.push(format!("{p} = {v}"));
                }
                Action::SetIfNotExists(p, v) => {
                    let p = self.path(p);
                    let v = self.value(v.clone());
                    set.push(format!("{p} = if_not_exists({p}, {v})"));
                }
                Action::Append(p, v) | Action::Prepend(p, v) => {
                    let p = self.path(p);
                    let v = self.value(v.clone());
                    let empty = self.value(AttributeValue::L(vec![]));
                    let current = format!("if_not_exists({p}, {empty})");
                    if matches!(a, Action::Append(..)) {
                        set.push(format!("{p} = list_append({current}, {v})"));
                    } else {
                        set.push(format!("{p} = list_append({v}, {current})"));
                    }
                }
                Action::Remove(p) => remove.push(self.path(p)),
                Action::Add(p, v) => {
                    let p = self.path(p);
                    let v = self.value(v.clone());
                    add.push(format!("{p} {v}"));
                }
                Action::Delete(p, v) => {
                    let p = self.path(p);
                    let v = self.value(v.clone());
                    delete.push(format!("{p} {v}"));
                }
            }
        }
        let mut parts = Vec::new();
        for (kw, list) in [
            ("SET", set),
            ("REMOVE", remove),
            ("ADD", add),
            ("DELETE", delete),
        ] {
            if !list.is_empty() {
                parts.push(format!("{kw} {}", list.join(", ")));
            }
        }
        parts.join(" ")
    }

    pub(crate) fn finish(self, expression: String) -> Rendered {
        Rendered {
            expression,
            names: self.names,
            values: self.values,
        }
    }

    /// The placeholder maps for the SDK (None when empty, as the API wants).
    /// A `KeyConditionExpression`: its terms joined by `AND`, without parentheses (the
    /// grammar of key conditions has none).
    pub(crate) fn key_condition(&mut self, e: &Expr) -> String {
        let terms: Vec<String> = e
            .and_terms()
            .into_iter()
            .map(|t| self.condition(t))
            .collect();
        terms.join(" AND ")
    }

    pub(crate) fn into_maps(self) -> (Option<Names>, Option<Values>) {
        let names = (!self.names.is_empty()).then(|| self.names.into_iter().collect());
        let values = (!self.values.is_empty()).then(|| self.values.into_iter().collect());
        (names, values)
    }
}

/// A condition on its own: its text and placeholder maps, for a `ConditionExpression`.
pub(crate) fn condition_request(expr: &Expr) -> (String, Option<Names>, Option<Values>) {
    let mut b = ExprBuilder::default();
    let text = b.condition(expr);
    let (names, values) = b.into_maps();
    (text, names, values)
}
