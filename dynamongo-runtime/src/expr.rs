//! Conditions and updates: the typed public wrappers and their rendering to DynamoDB
//! expression strings. Every attribute name and value goes through a placeholder.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use smallvec::{smallvec, SmallVec};

use crate::error::{Error, Violation};
use crate::value::Item;

/// DynamoDB caps the operands of one `IN` at 100; longer lists are split into ORed groups.
const MAX_IN_OPERANDS: usize = 100;

/// A path to an attribute: names and list indices (`address.city`, `pets[0].name`).
///
/// A top-level attribute named by generated code (a `&'static str`) allocates nothing:
/// one segment is held inline, and its name borrowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath(SmallVec<[Segment; 1]>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Segment {
    Name(Cow<'static, str>),
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
        AttrPath(smallvec![Segment::Name(Cow::Owned(name.to_string()))])
    }

    /// A top-level attribute whose name lives for the program (a field's, a key's): no
    /// allocation, and none when cloned.
    pub(crate) fn of(name: &'static str) -> Self {
        AttrPath(smallvec![Segment::Name(Cow::Borrowed(name))])
    }

    /// A nested attribute of a map.
    pub fn child(&self, name: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Name(Cow::Owned(name.to_string())));
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
    pub(crate) fn and_terms(&self) -> SmallVec<[&Expr; 4]> {
        let mut terms = SmallVec::new();
        self.push_and_terms(&mut terms);
        terms
    }

    fn push_and_terms<'e>(&'e self, terms: &mut SmallVec<[&'e Expr; 4]>) {
        match self {
            Expr::And(a, b) => {
                a.push_and_terms(terms);
                b.push_and_terms(terms);
            }
            other => terms.push(other),
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
        let top = |p: &AttrPath| p.0.first().and_then(Segment::name) == Some(name);
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
/// Each expression is written into one `String` as it is walked (no string per term), and
/// a name is looked up among the few already placed rather than hashed.
#[derive(Default)]
pub(crate) struct ExprBuilder {
    /// Placeholder → attribute name, as the request takes it.
    names: Names,
    values: Values,
}

impl ExprBuilder {
    /// The placeholder of attribute `name` (`#n0`), placed once per request.
    pub(crate) fn name(&mut self, name: &str) -> String {
        let mut out = String::new();
        self.put_name(&mut out, name);
        out
    }

    fn put_name(&mut self, out: &mut String, name: &str) {
        // A request names few attributes: they are looked up among those placed.
        match self.names.iter().find(|(_, n)| *n == name) {
            Some((placeholder, _)) => out.push_str(placeholder),
            None => {
                let placeholder = placeholder("#n", self.names.len());
                out.push_str(&placeholder);
                self.names.insert(placeholder, name.to_string());
            }
        }
    }

    /// The placeholder of a new value (`:v0`).
    pub(crate) fn value(&mut self, v: AttributeValue) -> String {
        let mut out = String::new();
        self.put_value(&mut out, v);
        out
    }

    fn put_value(&mut self, out: &mut String, v: AttributeValue) {
        let p = placeholder(":v", self.values.len());
        out.push_str(&p);
        self.values.insert(p, v);
    }

    /// A document path (`#n0.#n1[2]`).
    pub(crate) fn path(&mut self, p: &AttrPath) -> String {
        let mut out = String::new();
        self.put_path(&mut out, p);
        out
    }

    fn put_path(&mut self, out: &mut String, p: &AttrPath) {
        for (i, seg) in p.0.iter().enumerate() {
            match seg {
                Segment::Name(n) => {
                    if i > 0 {
                        out.push('.');
                    }
                    self.put_name(out, n);
                }
                Segment::Index(x) => {
                    out.push('[');
                    push_int(out, *x);
                    out.push(']');
                }
            }
        }
    }

    /// A `ConditionExpression` (or filter).
    pub(crate) fn condition(&mut self, e: &Expr) -> String {
        let mut out = String::with_capacity(32);
        self.put_condition(&mut out, e);
        out
    }

    fn put_condition(&mut self, out: &mut String, e: &Expr) {
        match e {
            Expr::Cmp(p, op, v) => {
                self.put_path(out, p);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                self.put_value(out, v.clone());
            }
            Expr::Between(p, lo, hi) => {
                self.put_path(out, p);
                self.put_between(out, lo, hi);
            }
            Expr::In(p, values) => {
                let path = self.path(p);
                if values.is_empty() {
                    // `x IN ()` is not valid; an empty set matches nothing.
                    return put_nothing(out, &path);
                }
                let grouped = values.len() > MAX_IN_OPERANDS;
                if grouped {
                    out.push('(');
                }
                for (g, chunk) in values.chunks(MAX_IN_OPERANDS).enumerate() {
                    if g > 0 {
                        out.push_str(" OR ");
                    }
                    out.push_str(&path);
                    out.push_str(" IN (");
                    for (i, v) in chunk.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        self.put_value(out, v.clone());
                    }
                    out.push(')');
                }
                if grouped {
                    out.push(')');
                }
            }
            Expr::Contains(p, v) => self.call(out, "contains(", p, v),
            Expr::BeginsWith(p, v) => self.call(out, "begins_with(", p, v),
            Expr::Exists(p) => {
                out.push_str("attribute_exists(");
                self.put_path(out, p);
                out.push(')');
            }
            Expr::NotExists(p) => {
                out.push_str("attribute_not_exists(");
                self.put_path(out, p);
                out.push(')');
            }
            Expr::Size(p, op, v) => {
                out.push_str("size(");
                self.put_path(out, p);
                out.push_str(") ");
                out.push_str(op.symbol());
                out.push(' ');
                self.put_value(out, v.clone());
            }
            Expr::SizeBetween(p, lo, hi) => {
                out.push_str("size(");
                self.put_path(out, p);
                out.push(')');
                self.put_between(out, lo, hi);
            }
            Expr::KeysIn(items) => {
                if items.is_empty() {
                    let none = self.name("__dynamongo_none__");
                    return put_nothing(out, &none);
                }
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" OR ");
                    }
                    let mut keys: Vec<(&String, &AttributeValue)> = item.iter().collect();
                    keys.sort_by(|a, b| a.0.cmp(b.0));
                    out.push('(');
                    for (j, (k, v)) in keys.into_iter().enumerate() {
                        if j > 0 {
                            out.push_str(" AND ");
                        }
                        self.put_name(out, k);
                        out.push_str(" = ");
                        self.put_value(out, v.clone());
                    }
                    out.push(')');
                }
                out.push(')');
            }
            Expr::And(a, b) => self.pair(out, a, " AND ", b),
            Expr::Or(a, b) => self.pair(out, a, " OR ", b),
            Expr::Not(a) => {
                out.push_str("(NOT ");
                self.put_condition(out, a);
                out.push(')');
            }
        }
    }

    /// ` BETWEEN lo AND hi`, after what is compared.
    fn put_between(&mut self, out: &mut String, lo: &AttributeValue, hi: &AttributeValue) {
        out.push_str(" BETWEEN ");
        self.put_value(out, lo.clone());
        out.push_str(" AND ");
        self.put_value(out, hi.clone());
    }

    /// `f(path, value)`.
    fn call(&mut self, out: &mut String, f: &str, p: &AttrPath, v: &AttributeValue) {
        out.push_str(f);
        self.put_path(out, p);
        out.push_str(", ");
        self.put_value(out, v.clone());
        out.push(')');
    }

    /// `(a OP b)`.
    fn pair(&mut self, out: &mut String, a: &Expr, op: &str, b: &Expr) {
        out.push('(');
        self.put_condition(out, a);
        out.push_str(op);
        self.put_condition(out, b);
        out.push(')');
    }

    /// `SET ... REMOVE ... ADD ... DELETE ...` for a list of actions (placeholders placed
    /// in the actions' order, each clause written as its actions come, keyword first).
    pub(crate) fn update(&mut self, actions: &[Action]) -> String {
        let mut clauses: [String; 4] = Default::default();
        for a in actions {
            let (keyword, out) = match a {
                Action::Set(..)
                | Action::SetIfNotExists(..)
                | Action::Append(..)
                | Action::Prepend(..) => ("SET ", &mut clauses[0]),
                Action::Remove(_) => ("REMOVE ", &mut clauses[1]),
                Action::Add(..) => ("ADD ", &mut clauses[2]),
                Action::Delete(..) => ("DELETE ", &mut clauses[3]),
            };
            if out.is_empty() {
                out.reserve(32);
                out.push_str(keyword);
            } else {
                out.push_str(", ");
            }
            match a {
                Action::Set(p, v) => {
                    self.put_path(out, p);
                    out.push_str(" = ");
                    self.put_value(out, v.clone());
                }
                Action::SetIfNotExists(p, v) => {
                    let p = self.path(p);
                    out.push_str(&p);
                    out.push_str(" = if_not_exists(");
                    out.push_str(&p);
                    out.push_str(", ");
                    self.put_value(out, v.clone());
                    out.push(')');
                }
                Action::Append(p, v) | Action::Prepend(p, v) => {
                    let p = self.path(p);
                    let v = self.value(v.clone());
                    let empty = self.value(AttributeValue::L(vec![]));
                    let current = format!("if_not_exists({p}, {empty})");
                    out.push_str(&p);
                    out.push_str(" = list_append(");
                    if matches!(a, Action::Append(..)) {
                        out.push_str(&current);
                        out.push_str(", ");
                        out.push_str(&v);
                    } else {
                        out.push_str(&v);
                        out.push_str(", ");
                        out.push_str(&current);
                    }
                    out.push(')');
                }
                Action::Remove(p) => self.put_path(out, p),
                Action::Add(p, v) | Action::Delete(p, v) => {
                    self.put_path(out, p);
                    out.push(' ');
                    self.put_value(out, v.clone());
                }
            }
        }
        // One clause (the common case) is the expression as it stands.
        let mut used = clauses.into_iter().filter(|c| !c.is_empty());
        let mut text = used.next().unwrap_or_default();
        for clause in used {
            text.push(' ');
            text.push_str(&clause);
        }
        text
    }

    pub(crate) fn finish(self, expression: String) -> Rendered {
        // In the order they were placed: `#n2` before `#n10`.
        fn placed<V>(map: HashMap<String, V>) -> Vec<(String, V)> {
            let mut v: Vec<(String, V)> = map.into_iter().collect();
            v.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
            v
        }
        Rendered {
            expression,
            names: placed(self.names),
            values: placed(self.values),
        }
    }

    /// A `KeyConditionExpression`: its terms joined by `AND`, without parentheses (the
    /// grammar of key conditions has none).
    pub(crate) fn key_condition(&mut self, e: &Expr) -> String {
        let mut out = String::with_capacity(32);
        for (i, t) in e.and_terms().into_iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            self.put_condition(&mut out, t);
        }
        out
    }

    /// The placeholder maps for the SDK (None when empty, as the API wants).
    pub(crate) fn into_maps(self) -> (Option<Names>, Option<Values>) {
        let names = (!self.names.is_empty()).then_some(self.names);
        let values = (!self.values.is_empty()).then_some(self.values);
        (names, values)
    }
}

/// A condition no item meets, on the attribute at `path`: it both exists and does not.
fn put_nothing(out: &mut String, path: &str) {
    out.push_str("(attribute_exists(");
    out.push_str(path);
    out.push_str(") AND attribute_not_exists(");
    out.push_str(path);
    out.push_str("))");
}

/// Writes `n` in decimal.
fn push_int(out: &mut String, n: usize) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// A placeholder: `prefix` and a number (`#n0`, `:v12`).
fn placeholder(prefix: &str, n: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + 3);
    out.push_str(prefix);
    push_int(&mut out, n);
    out
}

/// A condition on its own: its text and placeholder maps, for a `ConditionExpression`.
pub(crate) fn condition_request(expr: &Expr) -> (String, Option<Names>, Option<Values>) {
    let mut b = ExprBuilder::default();
    let text = b.condition(expr);
    let (names, values) = b.into_maps();
    (text, names, values)
}
