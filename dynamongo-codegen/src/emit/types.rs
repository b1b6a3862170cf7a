//! Rust types and constant expressions for IR types.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Default, Field, Kind, Literal, Type};

/// The Rust type a value of `kind` is held in.
pub fn rust_type(kind: &Kind) -> TokenStream {
    match kind {
        Kind::Int => quote!(i64),
        Kind::Float => quote!(f64),
        Kind::Boolean => quote!(bool),
        Kind::String | Kind::Email | Kind::Url | Kind::IpAddress => quote!(String),
        Kind::Uuid => quote!(dm::uuid::Uuid),
        Kind::DateTime => quote!(dm::chrono::DateTime<dm::chrono::Utc>),
        Kind::Date => quote!(dm::chrono::NaiveDate),
        Kind::Timedelta => quote!(dm::chrono::TimeDelta),
        Kind::List(item) => {
            let t = rust_type(&item.kind);
            quote!(Vec<#t>)
        }
        Kind::Dict(d) => {
            let n = format_ident!("{}", d.name);
            quote!(#n)
        }
        Kind::Enum(e) => {
            let n = format_ident!("{}", e.name);
            quote!(#n)
        }
        Kind::StringSet => quote!(std::collections::BTreeSet<String>),
        Kind::NumberSet => quote!(std::collections::BTreeSet<i64>),
        Kind::Binary => quote!(dm::Bytes),
        Kind::BinarySet => quote!(std::collections::BTreeSet<dm::Bytes>),
        Kind::Map(item) => {
            let t = rust_type(&item.kind);
            quote!(std::collections::BTreeMap<String, #t>)
        }
    }
}

/// The type of the struct field (`Option<T>` for optional scalars).
pub fn field_type(f: &Field) -> TokenStream {
    let t = rust_type(&f.ty.kind);
    if f.is_optional() {
        quote!(Option<#t>)
    } else {
        t
    }
}

/// `dm::Required` or `dm::Optional`, for field handles.
pub fn presence(f: &Field) -> TokenStream {
    if f.is_optional() {
        quote!(dm::Optional)
    } else {
        quote!(dm::Required)
    }
}

/// A constant of type `ty` as a Rust expression.
pub fn literal(lit: &Literal, ty: &Type) -> TokenStream {
    match (lit, &ty.kind) {
        (Literal::Int(i), _) => {
            let l = Lit::i64_unsuffixed(*i);
            quote!(#l)
        }
        (Literal::Float(f), _) => {
            let l = Lit::f64_unsuffixed(*f);
            quote!(#l)
        }
        (Literal::Bool(b), _) => quote!(#b),
        (Literal::Seconds(s), _) => quote!(dm::codegen::seconds(#s)),
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
            quote!(dm::codegen::datetime(#secs, #nanos))
        }
        (Literal::Text(t), Kind::Date) => {
            use chrono::Datelike;
            let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap_or_default();
            let (y, m, day) = (d.year(), d.month(), d.day());
            quote!(dm::codegen::date(#y, #m, #day))
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
        (Literal::Text(t), _) => quote!(#t.to_string()),
        (Literal::List(items), Kind::List(item_ty)) => {
            let items = items.iter().map(|l| literal(l, item_ty));
            quote!(vec![#(#items),*])
        }
        (Literal::StrSet(items), _) => {
            quote!(std::collections::BTreeSet::from([#(#items.to_string()),*]))
        }
        (Literal::NumSet(items), _) => quote!(std::collections::BTreeSet::from([#(#items),*])),
        (Literal::Map(entries), Kind::Map(item_ty)) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = literal(v, item_ty);
                quote!((#k, #v))
            });
            quote!(dm::codegen::map([#(#entries),*]))
        }
        // The parser only pairs literals with matching types.
        _ => quote!(Default::default()),
    }
}

/// The value a field starts with when none is given (`new()`, JSON input):
/// its default, else `None` / an empty collection / the dict's own defaults.
pub fn initial_value(f: &Field) -> Option<TokenStream> {
    let value = match &f.default {
        Some(Default::Value(lit)) => Some(literal(lit, &f.ty)),
        Some(Default::Now) => Some(quote!(dm::codegen::now())),
        Some(Default::Today) => Some(quote!(dm::codegen::today())),
        Some(Default::Uuid4) => Some(quote!(dm::codegen::uuid4())),
        None => None,
    };
    match (value, f.is_optional()) {
        (Some(v), true) => Some(quote!(Some(#v))),
        (Some(v), false) => Some(v),
        (None, true) => Some(quote!(None)),
        (None, false) => match &f.ty.kind {
            Kind::Dict(d) if d.fields.iter().all(|f| initial_value(f).is_some()) => {
                let n = format_ident!("{}", d.name);
                Some(quote!(#n::new()))
            }
            Kind::Dict(_) => None,
            k if k.always_present() => Some(quote!(Default::default())),
            _ => None,
        },
    }
}

/// Doc attributes from spec text: each line trimmed, so no line becomes an indented
/// (doctest) code block.
pub fn docs(text: Option<&str>, fallback: &str) -> TokenStream {
    let text = text.unwrap_or(fallback);
    let lines = text.lines().map(|l| format!(" {}", l.trim()));
    quote!(#(#[doc = #lines])*)
}
