//! Rust types, constants and rules for IR types. Every std item is named by absolute
//! path, so a model, dict or enum named `Option`, `String` or `Vec` cannot change what
//! generated code means.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Default, Field, Kind, Literal, Number, Type};

/// The Rust type a value of `kind` is held in.
pub fn rust_type(kind: &Kind) -> TokenStream {
    match kind {
        Kind::Int => quote!(i64),
        Kind::Float => quote!(f64),
        Kind::Boolean => quote!(bool),
        Kind::String | Kind::Email | Kind::Url | Kind::IpAddress => {
            quote!(::std::string::String)
        }
        Kind::Uuid => quote!(dm::uuid::Uuid),
        Kind::DateTime | Kind::Ttl => quote!(dm::chrono::DateTime<dm::chrono::Utc>),
        Kind::Date => quote!(dm::chrono::NaiveDate),
        Kind::Timedelta => quote!(dm::chrono::TimeDelta),
        Kind::List(item) => {
            let t = rust_type(&item.kind);
            quote!(::std::vec::Vec<#t>)
        }
        Kind::Dict(d) => {
            let n = format_ident!("{}", d.name);
            quote!(#n)
        }
        Kind::Enum(e) => {
            let n = format_ident!("{}", e.name);
            quote!(#n)
        }
        Kind::StringSet => quote!(::std::collections::BTreeSet<::std::string::String>),
        Kind::NumberSet => quote!(::std::collections::BTreeSet<i64>),
        Kind::Binary => quote!(dm::Bytes),
        Kind::BinarySet => quote!(::std::collections::BTreeSet<dm::Bytes>),
        Kind::Map(item) => {
            let t = rust_type(&item.kind);
            quote!(::std::collections::BTreeMap<::std::string::String, #t>)
        }
    }
}

/// The value type of a field's handle: the struct's type, except for a TTL field, whose
/// conditions and updates take `EpochSeconds` (stored as N).
pub fn handle_value_type(kind: &Kind) -> TokenStream {
    match kind {
        Kind::Ttl => quote!(dm::EpochSeconds),
        kind => rust_type(kind),
    }
}

/// The type of the struct field (`Option<T>` for optional scalars).
pub fn field_type(f: &Field) -> TokenStream {
    let t = rust_type(&f.ty.kind);
    if f.is_optional() {
        quote!(::core::option::Option<#t>)
    } else {
        t
    }
}

/// An `Option` as a Rust expression: `::core::option::Option::Some(value)` or `None`.
pub fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// `, dm::Optional` for the handle of an optional field (`dm::Required` is the default).
pub fn presence(f: &Field) -> TokenStream {
    if f.encrypt && f.is_optional() {
        quote!(, dm::Encrypted<dm::Optional>)
    } else if f.encrypt {
        quote!(, dm::Encrypted)
    } else if f.read_only || f.key {
        quote!(, dm::ReadOnly)
    } else if f.is_optional() {
        quote!(, dm::Optional)
    } else {
        quote!()
    }
}

/// A constant of type `ty` as a Rust expression.
pub fn literal(lit: &Literal, ty: &Type) -> TokenStream {
    match (lit, &ty.kind) {
        (Literal::Int(i), _) => {
            let l = Lit::i64_unsuffixed(*i);
            quote!(#l)
        }
        (Literal::Float(f), _) => float(*f),
        (Literal::Bool(b), _) => quote!(#b),
        (Literal::Seconds(s), _) => {
            let l = Lit::i64_unsuffixed(*s);
            quote!(dm::seconds(#l))
        }
        (Literal::Text(t), Kind::Uuid) => {
            let n = uuid::Uuid::parse_str(t)
                .map(|u| u.as_u128())
                .unwrap_or_default();
            let l = Lit::u128_unsuffixed(n);
            quote!(dm::uuid::Uuid::from_u128(#l))
        }
        (Literal::Text(t), Kind::DateTime) => {
            let d = chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| (d.timestamp(), d.timestamp_subsec_nanos()));
            let (secs, nanos) = d.unwrap_or_default();
            let (secs, nanos) = (Lit::i64_unsuffixed(secs), Lit::u32_unsuffixed(nanos));
            quote!(dm::datetime(#secs, #nanos))
        }
        (Literal::Text(t), Kind::Date) => {
            use chrono::Datelike;
            let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap_or_default();
            let y = Lit::i32_unsuffixed(d.year());
            let (m, day) = (Lit::u32_unsuffixed(d.month()), Lit::u32_unsuffixed(d.day()));
            quote!(dm::date(#y, #m, #day))
        }
        (Literal::Text(t), Kind::Enum(e)) => {
            let name = format_ident!("{}", e.name);
            let variant = e
                .variants
                .iter()
                .find(|(_, v)| v == t)
                .map(|(n, _)| format_ident!("{}", n));
            quote!(#name::#variant)
        }
        (Literal::Text(t), _) => quote!(dm::text(#t)),
        (Literal::List(items), Kind::List(item_ty)) => {
            let items = items.iter().map(|l| literal(l, item_ty));
            quote!(::std::vec::Vec::from([#(#items),*]))
        }
        (Literal::StrSet(items), _) => quote!(dm::text_set([#(#items),*])),
        (Literal::NumSet(items), _) => {
            let items = items.iter().map(|i| Lit::i64_unsuffixed(*i));
            quote!(::std::collections::BTreeSet::from([#(#items),*]))
        }
        (Literal::Map(entries), Kind::Map(item_ty)) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = literal(v, item_ty);
                quote!((#k, #v))
            });
            quote!(dm::map([#(#entries),*]))
        }
        // The parser only pairs literals with matching types.
        _ => quote!(::core::default::Default::default()),
    }
}

fn float(f: f64) -> TokenStream {
    let l = Lit::f64_unsuffixed(f);
    if f < 0.0 {
        // A negative literal is two tokens; the minus is explicit.
        let l = Lit::f64_unsuffixed(-f);
        quote!(-#l)
    } else {
        quote!(#l)
    }
}

/// The default of a field as an expression of its value type, if the spec gives one.
pub fn default_value(f: &Field) -> Option<TokenStream> {
    match f.default.as_ref()? {
        Default::Value(lit) => Some(literal(lit, &f.ty)),
        Default::Now => Some(quote!(dm::now())),
        Default::Today => Some(quote!(dm::today())),
        Default::Uuid4 => Some(quote!(dm::uuid4())),
        Default::Uuid7 => Some(quote!(dm::uuid7())),
    }
}

/// The default as something to call: `dm::now` or a closure.
pub fn default_maker(f: &Field) -> Option<TokenStream> {
    Some(match f.default.as_ref()? {
        Default::Now => quote!(dm::now),
        Default::Today => quote!(dm::today),
        Default::Uuid4 => quote!(dm::uuid4),
        Default::Uuid7 => quote!(dm::uuid7),
        Default::Value(lit) => {
            let v = literal(lit, &f.ty);
            quote!(|| #v)
        }
    })
}

/// The value a field starts with in `new()` when it is not an argument: its default,
/// else `None` / an empty collection / the dict's own defaults.
pub fn initial_value(f: &Field) -> Option<TokenStream> {
    if f.needs_arg() {
        return None;
    }
    Some(match (default_value(f), f.is_optional()) {
        (Some(v), true) => quote!(::core::option::Option::Some(#v)),
        (Some(v), false) => v,
        (None, true) => quote!(::core::option::Option::None),
        (None, false) => match &f.ty.kind {
            Kind::Dict(d) => {
                let n = format_ident!("{}", d.name);
                quote!(#n::new())
            }
            _ => quote!(::core::default::Default::default()),
        },
    })
}

/// The rules of a field as a constant expression (`dm::Rules::new().min(1900.0)`).
pub fn rules(f: &Field) -> TokenStream {
    let base = type_rules(&f.ty);
    if f.refuses_empty() {
        quote!(#base.required())
    } else {
        base
    }
}

fn bound(n: Number) -> TokenStream {
    match n {
        Number::Int(i) => float(i as f64),
        Number::Float(f) => float(f),
    }
}

fn type_rules(ty: &Type) -> TokenStream {
    let r = &ty.rules;
    let mut calls = Vec::new();
    if let Some(n) = r.min_value {
        let b = bound(n);
        calls.push(quote!(.min(#b)));
    }
    if let Some(n) = r.max_value {
        let b = bound(n);
        calls.push(quote!(.max(#b)));
    }
    if let Some(n) = r.min_length {
        let n = Lit::u64_unsuffixed(n);
        calls.push(quote!(.min_length(#n)));
    }
    if let Some(n) = r.max_length {
        let n = Lit::u64_unsuffixed(n);
        calls.push(quote!(.max_length(#n)));
    }
    if let Some(re) = &r.regex {
        calls.push(quote!(.regex(#re)));
    }
    if let Some(choices) = &r.choices {
        let (method, lits): (_, Vec<TokenStream>) = match ty.kind {
            Kind::Int => (
                quote!(one_of_int),
                choices.iter().map(|c| literal(c, ty)).collect(),
            ),
            Kind::Float => (
                quote!(one_of_float),
                choices
                    .iter()
                    .map(|c| match c {
                        Literal::Int(i) => float(*i as f64),
                        Literal::Float(f) => float(*f),
                        other => literal(other, ty),
                    })
                    .collect(),
            ),
            _ => (
                quote!(one_of),
                choices
                    .iter()
                    .filter_map(|c| match c {
                        Literal::Text(t) => Some(quote!(#t)),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        calls.push(quote!(.#method(&[#(#lits),*])));
    }
    match &ty.kind {
        Kind::Email => calls.push(quote!(.email())),
        Kind::Url => calls.push(quote!(.url())),
        Kind::IpAddress => calls.push(quote!(.ip_address())),
        Kind::List(item) | Kind::Map(item) if item.has_rules() => {
            let inner = type_rules(item);
            calls.push(quote!(.items(&#inner)));
        }
        _ => {}
    }
    quote!(dm::Rules::new() #(#calls)*)
}

/// The constant of a struct's field (`YEAR_OF_BIRTH`, a `dm::Attr`): its attribute
/// name, the one place the generated code states it, and its rules.
pub fn attr_const(f: &Field) -> proc_macro2::Ident {
    format_ident!("{}", f.name.to_uppercase())
}

/// `const YEAR_OF_BIRTH: dm::Attr = dm::Attr::new("year_of_birth").rules(..);`
pub fn attr_decl(f: &Field) -> TokenStream {
    let c = attr_const(f);
    let name = &f.attribute;
    let mut attr = quote!(dm::Attr::new(#name));
    if let Some(old) = &f.renamed_from {
        attr = quote!(#attr.renamed_from(#old));
    }
    if f.has_rules() {
        let r = rules(f);
        attr = quote!(#attr.rules(#r));
    }
    quote!(const #c: dm::Attr = #attr;)
}

/// The attribute of a field of `owner` (`&Self::EMAIL`), for the runtime's helpers.
pub fn attr_ref(f: &Field, owner: &TokenStream) -> TokenStream {
    let c = attr_const(f);
    quote!(&#owner::#c)
}

/// The attribute name of a field of `owner` (`Self::EMAIL.name`), where a `&str` is
/// wanted (key and index definitions).
pub fn attr_name(f: &Field, owner: &TokenStream) -> TokenStream {
    let c = attr_const(f);
    quote!(#owner::#c.name)
}

/// Spec text (an attribute name, a key template, a stored value) as a Markdown code span
/// for a one-line doc: control characters written as escapes (`\t`, `\n`), so no tab
/// (`clippy::tabs_in_doc_comments`) and no new line (a fence, a doctest) reaches the doc;
/// a fence longer than any run of backticks in the text.
pub fn code(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    let (mut run, mut longest) = (0, 0);
    for c in escaped.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // CommonMark strips one space at each end when both are there; it keeps a backtick at
    // an edge apart from the fence.
    let pad = if escaped.starts_with(['`', ' ']) || escaped.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{escaped}{pad}{fence}")
}

/// Doc attributes from spec text: each line trimmed, so no line becomes an indented
/// (doctest) code block.
pub fn docs(text: Option<&str>, fallback: &str) -> TokenStream {
    let text = text.unwrap_or(fallback);
    let lines = text.lines().map(|l| format!(" {}", l.trim()));
    quote!(#(#[doc = #lines])*)
}

/// The extra attributes the generator's options give a type or field (checked when the
/// options were applied, so each parses).
pub fn attributes(list: &[String]) -> TokenStream {
    list.iter()
        .filter_map(|a| a.parse::<TokenStream>().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn code_spans_hold_any_text() {
        assert_eq!(code("pk"), "`pk`");
        assert_eq!(code("a\t{id}"), "`a\\t{id}`");
        assert_eq!(code("a\n```\n{id}"), "````a\\n```\\n{id}````");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("my attr"), "`my attr`");
    }
}
