//! Typed field handles and the values they hold: what generated modules' handle functions
//! return (`user::email()` is a [`Field`]), the [`Condition`]s and [`Update`]s they build,
//! and the value types of a model's fields. Only the methods that make sense for a field's
//! type exist, so a wrong condition does not compile.

pub use crate::document::Document;
pub use crate::expr::{AttrPath, Condition, Rendered, Update};
pub use crate::item::Item;
pub use crate::value::{
    format_datetime, parse_datetime, Bytes, EpochSeconds, FieldValue, SetElement,
};
/// The SDK's attribute value, of which an [`Item`] is made.
pub use aws_sdk_dynamodb::types::AttributeValue;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use crate::error::Violation;
use crate::expr::{Action, Cmp, Expr};
use crate::rules::{Path, Rules};

/// Marker: the field always has a value (no `remove()`).
///
/// ```
/// use dynamongo_runtime::codegen::example::user;
/// let _ = user::year_of_birth().remove(); // optional: removable
/// // user::name().remove();               // required: does not compile
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Required {}

/// Marker: the field may be absent (`remove()` exists).
///
/// ```
/// use dynamongo_runtime::codegen::example::user;
/// let _ = user::year_of_birth().remove();
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Optional {}

/// [`Required`] or [`Optional`]: whether a field may be absent (only an optional field's
/// handle has `remove()`).
pub trait Presence {
    /// Whether the field may be absent.
    const OPTIONAL: bool;
}

impl Presence for Required {
    const OPTIONAL: bool = false;
}

impl Presence for Optional {
    const OPTIONAL: bool = true;
}

/// Marker: a read-only field (the spec's `"read_only": true`): set by its default or by
/// code when the item is made, never by an update — its handle builds conditions, and has
/// no `set`, `add` or `remove`.
///
/// ```compile_fail
/// use dynamongo_runtime::field::{Field, ReadOnly};
/// struct Note;
/// let created: Field<Note, i64, ReadOnly> = Field::new("created");
/// let _ = created.set(1); // a read-only field cannot be updated
/// ```
#[derive(Debug, Clone, Copy)]
pub enum ReadOnly {}

impl Presence for ReadOnly {
    const OPTIONAL: bool = false;
}

/// Marker: an encrypted field (the spec's `"encrypt": true`); `P` is [`Required`] or
/// [`Optional`]. The table holds its ciphertext, so DynamoDB can neither compare it nor
/// change it: its handle builds no condition, filter or update (they do not compile, and
/// say why). Change the value in Rust and save the item.
///
/// ```compile_fail
/// use dynamongo_runtime::field::{Encrypted, Field, Required};
/// struct Patient;
/// let diagnosis: Field<Patient, String, Encrypted<Required>> = Field::new("diagnosis");
/// let _ = diagnosis.eq("flu"); // DynamoDB cannot compare ciphertext
/// ```
/// ```compile_fail
/// use dynamongo_runtime::field::{Encrypted, Field, Required};
/// struct Patient;
/// let diagnosis: Field<Patient, String, Encrypted<Required>> = Field::new("diagnosis");
/// let _ = diagnosis.set("flu"); // nor change it in place
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Encrypted<P = Required>(PhantomData<fn() -> P>);

impl<P: Presence> Presence for Encrypted<P> {
    const OPTIONAL: bool = P::OPTIONAL;
}

/// The fields DynamoDB can read: conditions and filters name only these (every field but
/// an [`Encrypted`] one).
///
/// ```
/// use dynamongo_runtime::field::{Plaintext, ReadOnly};
/// fn comparable<P: Plaintext>() {}
/// comparable::<ReadOnly>(); // a read-only field still builds conditions
/// ```
#[diagnostic::on_unimplemented(
    message = "an encrypted field cannot be compared: DynamoDB holds only its ciphertext (`{Self}`)",
    label = "this field is encrypted (\"encrypt\": true in the spec)",
    note = "conditions and filters name plaintext fields; filter encrypted values in Rust after reading, or query by a plaintext field"
)]
pub trait Plaintext {}

impl Plaintext for Required {}
impl Plaintext for Optional {}
impl Plaintext for ReadOnly {}

/// [`Required`] and [`Optional`]: the fields updates may change (not [`ReadOnly`], not
/// [`Encrypted`]).
///
/// ```
/// use dynamongo_runtime::codegen::example::user;
/// let _ = user::name().set("Jane"); // `Required`: writable
/// ```
#[diagnostic::on_unimplemented(
    message = "this field cannot be changed by an update (`{Self}`)",
    label = "a read-only or encrypted field",
    note = "a read-only field is set when the item is made; an encrypted field is changed in Rust and the item saved (`save_one`), since DynamoDB cannot change ciphertext"
)]
pub trait Writable: Presence {}

impl Writable for Required {}
impl Writable for Optional {}

/// [`Optional`]: the fields an update may remove.
///
/// ```
/// use dynamongo_runtime::codegen::example::user;
/// let _ = user::year_of_birth().remove(); // optional
/// ```
#[diagnostic::on_unimplemented(
    message = "only an optional plaintext field can be removed by an update (this one is `{Self}`)",
    label = "not an optional plaintext field",
    note = "a required field always has a value: set it instead"
)]
pub trait Removable: Writable {}

impl Removable for Optional {}

/// Variance and auto-trait marker of a handle (it owns no `M`, `T` or `P`).
type Marker<M, T, P> = PhantomData<fn() -> (M, T, P)>;

/// A handle on field of type `T` in model `M`; `P` is [`Required`] or [`Optional`].
///
/// ```
/// use dynamongo_runtime::field::{Field, Optional, Required};
/// struct User;
/// let name: Field<User, String, Required> = Field::new("name");
/// let c = name.begins_with("Jo");
/// assert_eq!(c.render().expression, "begins_with(#n0, :v0)");
/// let nick: Field<User, String, Optional> = Field::new("nick");
/// let _ = nick.remove(); // only optional fields have remove()
/// ```
pub struct Field<M, T, P = Required> {
    path: AttrPath,
    rules: &'static Rules,
    _marker: Marker<M, T, P>,
}

impl<M, T, P> Clone for Field<M, T, P> {
    fn clone(&self) -> Self {
        Field {
            path: self.path.clone(),
            rules: self.rules,
            _marker: PhantomData,
        }
    }
}

impl<M, T, P> fmt::Debug for Field<M, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Field({})", self.path)
    }
}

impl<M, T, P> Field<M, T, P> {
    /// A handle on the top-level attribute `attribute`, with no value rules.
    pub fn new(attribute: &str) -> Self {
        Field::on(AttrPath::attr(attribute))
    }

    fn on(path: AttrPath) -> Self {
        Field {
            path,
            rules: &Rules::NONE,
            _marker: PhantomData,
        }
    }

    /// The handle of a generated struct's field: its attribute and rules (its path borrows
    /// the name: no allocation).
    #[doc(hidden)]
    pub fn of(attr: &'static crate::rules::Attr) -> Self {
        Field::on(AttrPath::of(attr.name)).rules(&attr.rules)
    }

    /// The same handle, checking update values against `rules` (generated from the spec).
    #[doc(hidden)]
    pub fn rules(mut self, rules: &'static Rules) -> Self {
        self.rules = rules;
        self
    }

    pub(crate) fn rule_set(&self) -> &'static Rules {
        self.rules
    }

    /// The attribute path.
    pub fn path(&self) -> &AttrPath {
        &self.path
    }

    fn cond(&self, e: Expr) -> Condition<M> {
        Condition::new(e)
    }
}

impl<M, T: FieldValue, P> Field<M, T, P> {
    fn val(&self, v: T) -> (AttributeValue, Option<String>) {
        let problem = v.unsendable().map(|p| format!("{}: {p}", self.path));
        (v.to_attr(), problem)
    }

    fn checked(&self, v: &T) -> Vec<Violation> {
        let mut out = Vec::new();
        // A top-level field's name is borrowed; a document path is written out.
        let name = self.path.top_level().map_or_else(
            || std::borrow::Cow::Owned(self.path.to_string()),
            std::borrow::Cow::Borrowed,
        );
        v.check(self.rules, &Path::Root.field(&name), &mut out);
        out
    }

    fn cmp(&self, op: Cmp, v: T) -> Condition<M> {
        let (v, problem) = self.val(v);
        self.cond(Expr::Cmp(self.path.clone(), op, v))
            .with_problem(problem)
    }

    /// `field = value`.
    pub fn eq(&self, value: impl Into<T>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cmp(Cmp::Eq, value.into())
    }

    /// `field <> value`.
    pub fn ne(&self, value: impl Into<T>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cmp(Cmp::Ne, value.into())
    }

    /// `field IN (values...)` (lists over 100 values are split into ORed groups).
    pub fn in_<V: Into<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition<M>
    where
        P: Plaintext,
    {
        let mut problems = Vec::new();
        let values = values
            .into_iter()
            .map(|v| {
                let (v, p) = self.val(v.into());
                problems.extend(p);
                v
            })
            .collect();
        let mut c = self.cond(Expr::In(self.path.clone(), values));
        c.problems = problems;
        c
    }

    /// `attribute_exists(field)`.
    pub fn exists(&self) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cond(Expr::Exists(self.path.clone()))
    }

    /// `attribute_not_exists(field)`.
    pub fn not_exists(&self) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cond(Expr::NotExists(self.path.clone()))
    }

    /// `size(field)`: compare it with [`Size`]'s methods.
    pub fn size(&self) -> Size<M>
    where
        P: Plaintext,
    {
        Size {
            path: self.path.clone(),
            _model: PhantomData,
        }
    }
}

impl<M, T: FieldValue, P> Field<M, T, P> {
    /// `SET field = value` (checked against the field's rules before sending).
    pub fn set(&self, value: impl Into<T>) -> Update<M>
    where
        P: Writable,
    {
        let v = value.into();
        let violations = self.checked(&v);
        Update::new(Action::Set(self.path.clone(), v.into_attr()), violations)
    }

    /// `SET field = if_not_exists(field, value)`.
    pub fn set_if_not_exists(&self, value: impl Into<T>) -> Update<M>
    where
        P: Writable,
    {
        let v = value.into();
        Update::new(
            Action::SetIfNotExists(self.path.clone(), v.to_attr()),
            self.checked(&v),
        )
    }
}

impl<M, T, P> Field<M, T, P> {
    /// The handle of a generated dict's field: its attribute and rules.
    #[doc(hidden)]
    pub fn child_of<U, Q>(&self, attr: &'static crate::rules::Attr) -> Field<M, U, Q> {
        self.child(attr.name).rules(&attr.rules)
    }

    /// For generated dict handles: the handle of a nested attribute.
    #[doc(hidden)]
    pub fn child<U, Q>(&self, attribute: &str) -> Field<M, U, Q> {
        Field {
            path: self.path.child(attribute),
            rules: &Rules::NONE,
            _marker: PhantomData,
        }
    }
}

impl<M, T: FieldValue, P> Field<M, T, P> {
    /// `REMOVE field` (only optional plaintext fields can be removed).
    pub fn remove(&self) -> Update<M>
    where
        P: Removable,
    {
        Update::new(Action::Remove(self.path.clone()), Vec::new())
    }
}

/// Types that compare with `<`, `<=`, `>`, `>=` and `BETWEEN`.
///
/// ```
/// use dynamongo_runtime::codegen::example::user;
/// let c = user::year_of_birth().between(1980, 1990) & user::name().ge("M");
/// assert_eq!(c.render().expression, "(#n0 BETWEEN :v0 AND :v1 AND #n1 >= :v2)");
/// ```
pub trait Ordered: FieldValue {}
impl Ordered for i64 {}
impl Ordered for f64 {}
impl Ordered for String {}
impl Ordered for uuid::Uuid {}
impl Ordered for chrono::DateTime<chrono::Utc> {}
impl Ordered for crate::value::EpochSeconds {}
impl Ordered for chrono::NaiveDate {}
impl Ordered for chrono::TimeDelta {}
impl Ordered for crate::value::Bytes {}

impl<M, T: Ordered, P> Field<M, T, P> {
    /// `field < value`.
    pub fn lt(&self, value: impl Into<T>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cmp(Cmp::Lt, value.into())
    }
    /// `field <= value`.
    pub fn le(&self, value: impl Into<T>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cmp(Cmp::Le, value.into())
    }
    /// `field > value`.
    pub fn gt(&self, value: impl Into<T>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cmp(Cmp::Gt, value.into())
    }
    /// `field >= value`.
    pub fn ge(&self, value: impl Into<T>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cmp(Cmp::Ge, value.into())
    }
    /// `field BETWEEN low AND high` (both ends included).
    pub fn between(&self, low: impl Into<T>, high: impl Into<T>) -> Condition<M>
    where
        P: Plaintext,
    {
        let (lo, p1) = self.val(low.into());
        let (hi, p2) = self.val(high.into());
        self.cond(Expr::Between(self.path.clone(), lo, hi))
            .with_problem(p1)
            .with_problem(p2)
    }
}

/// Numbers: `add` and the seed's `subtract`, `increment`, `decrement`.
pub trait Numeric: Ordered + std::ops::Neg<Output = Self> + From<i8> {}
impl Numeric for i64 {}
impl Numeric for f64 {}

impl<M, T: Numeric, P> Field<M, T, P> {
    /// `ADD field value` (a missing attribute counts as 0).
    pub fn add(&self, value: impl Into<T>) -> Update<M>
    where
        P: Writable,
    {
        let v = value.into();
        let mut violations = Vec::new();
        if let Some(p) = v.unsendable() {
            violations.push(Violation::new(self.path.to_string(), p));
        }
        Update::new(Action::Add(self.path.clone(), v.to_attr()), violations)
    }
    /// `ADD field -value`.
    pub fn subtract(&self, value: impl Into<T>) -> Update<M>
    where
        P: Writable,
    {
        self.add(-value.into())
    }
    /// `ADD field 1`.
    pub fn increment(&self) -> Update<M>
    where
        P: Writable,
    {
        self.add(T::from(1))
    }
    /// `ADD field -1`.
    pub fn decrement(&self) -> Update<M>
    where
        P: Writable,
    {
        self.add(T::from(-1))
    }
}

impl<M, P> Field<M, String, P> {
    /// `begins_with(field, prefix)`.
    pub fn begins_with(&self, prefix: impl Into<String>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cond(Expr::BeginsWith(
            self.path.clone(),
            AttributeValue::S(prefix.into()),
        ))
    }
    /// `contains(field, text)`: substring match.
    pub fn contains(&self, text: impl Into<String>) -> Condition<M>
    where
        P: Plaintext,
    {
        self.cond(Expr::Contains(
            self.path.clone(),
            AttributeValue::S(text.into()),
        ))
    }
}

impl<M, U: FieldValue, P> Field<M, Vec<U>, P> {
    /// `contains(list, element)`.
    pub fn contains(&self, element: impl Into<U>) -> Condition<M>
    where
        P: Plaintext,
    {
        let (v, problem) = element_val(&self.path, element.into());
        self.cond(Expr::Contains(self.path.clone(), v))
            .with_problem(problem)
    }
    /// `SET list = list_append(list, values)`.
    pub fn append<V: Into<U>>(&self, values: impl IntoIterator<Item = V>) -> Update<M>
    where
        P: Writable,
    {
        let values: Vec<U> = values.into_iter().map(Into::into).collect();
        let violations = self.element_violations(&values);
        Update::new(
            Action::Append(self.path.clone(), values.to_attr()),
            violations,
        )
    }
    /// `SET list = list_append(values, list)`.
    pub fn prepend<V: Into<U>>(&self, values: impl IntoIterator<Item = V>) -> Update<M>
    where
        P: Writable,
    {
        let values: Vec<U> = values.into_iter().map(Into::into).collect();
        let violations = self.element_violations(&values);
        Update::new(
            Action::Prepend(self.path.clone(), values.to_attr()),
            violations,
        )
    }
    /// A handle on element `i` (`list[i]`), for conditions and updates on one element.
    pub fn at(&self, i: usize) -> Field<M, U, Required>
    where
        P: Plaintext,
    {
        Field {
            path: self.path.index(i),
            rules: self.rules.item_rules(),
            _marker: PhantomData,
        }
    }

    fn element_violations(&self, values: &[U]) -> Vec<Violation> {
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(p) = v.unsendable() {
                out.push(Violation::new(format!("{}[+{i}]", self.path), p));
            }
        }
        out
    }
}

fn element_val<U: FieldValue>(path: &AttrPath, v: U) -> (AttributeValue, Option<String>) {
    let problem = v.unsendable().map(|p| format!("{path}: {p}"));
    (v.to_attr(), problem)
}

impl<M, U: SetElement, P> Field<M, BTreeSet<U>, P> {
    /// `contains(set, element)`.
    pub fn contains(&self, element: impl Into<U>) -> Condition<M>
    where
        P: Plaintext,
    {
        let (v, problem) = element_val(&self.path, element.into());
        self.cond(Expr::Contains(self.path.clone(), v))
            .with_problem(problem)
    }
    /// `ADD set elements` (set union).
    pub fn add<V: Into<U>>(&self, elements: impl IntoIterator<Item = V>) -> Update<M>
    where
        P: Writable,
    {
        let set: BTreeSet<U> = elements.into_iter().map(Into::into).collect();
        Update::new(
            Action::Add(self.path.clone(), set.to_attr()),
            set_violations(&self.path, &set),
        )
    }
    /// `DELETE set elements` (set difference).
    pub fn delete<V: Into<U>>(&self, elements: impl IntoIterator<Item = V>) -> Update<M>
    where
        P: Writable,
    {
        let set: BTreeSet<U> = elements.into_iter().map(Into::into).collect();
        Update::new(
            Action::Delete(self.path.clone(), set.to_attr()),
            set_violations(&self.path, &set),
        )
    }
}

fn set_violations<U: SetElement>(path: &AttrPath, set: &BTreeSet<U>) -> Vec<Violation> {
    if set.is_empty() {
        vec![Violation::new(
            path.to_string(),
            "a set update needs at least one element",
        )]
    } else {
        Vec::new()
    }
}

impl<M, U: FieldValue, P> Field<M, BTreeMap<String, U>, P> {
    /// A handle on one entry of the map.
    pub fn key(&self, key: &str) -> Field<M, U, Optional>
    where
        P: Plaintext,
    {
        Field {
            path: self.path.child(key),
            rules: self.rules.item_rules(),
            _marker: PhantomData,
        }
    }
}

/// `size(field)`, compared with a number.
pub struct Size<M> {
    path: AttrPath,
    _model: PhantomData<fn() -> M>,
}

impl<M> Size<M> {
    fn cmp(&self, op: Cmp, n: i64) -> Condition<M> {
        Condition::new(Expr::Size(
            self.path.clone(),
            op,
            AttributeValue::N(n.to_string()),
        ))
    }
    /// `size(field) = n`.
    pub fn eq(&self, n: i64) -> Condition<M> {
        self.cmp(Cmp::Eq, n)
    }
    /// `size(field) <> n`.
    pub fn ne(&self, n: i64) -> Condition<M> {
        self.cmp(Cmp::Ne, n)
    }
    /// `size(field) < n`.
    pub fn lt(&self, n: i64) -> Condition<M> {
        self.cmp(Cmp::Lt, n)
    }
    /// `size(field) <= n`.
    pub fn le(&self, n: i64) -> Condition<M> {
        self.cmp(Cmp::Le, n)
    }
    /// `size(field) > n`.
    pub fn gt(&self, n: i64) -> Condition<M> {
        self.cmp(Cmp::Gt, n)
    }
    /// `size(field) >= n`.
    pub fn ge(&self, n: i64) -> Condition<M> {
        self.cmp(Cmp::Ge, n)
    }
    /// `size(field) BETWEEN low AND high`.
    pub fn between(&self, low: i64, high: i64) -> Condition<M> {
        Condition::new(Expr::SizeBetween(
            self.path.clone(),
            AttributeValue::N(low.to_string()),
            AttributeValue::N(high.to_string()),
        ))
    }
}
