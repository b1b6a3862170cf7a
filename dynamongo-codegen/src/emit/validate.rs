//! Validation: one check function per field with rules (shared by `validate()` and the
//! field handles' update values), and `validate_into`.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::{format_ident, quote};

use super::types::literal;
use crate::ident::ident;
use crate::ir::{Field, Kind, Literal, Number, Type};

fn bound(n: Number) -> TokenStream {
    let f = match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    };
    let l = Lit::f64_unsuffixed(f);
    quote!(#l)
}

fn contains_float(kind: &Kind) -> bool {
    match kind {
        Kind::Float => true,
        Kind::List(t) | Kind::Map(t) => contains_float(&t.kind),
        _ => false,
    }
}

/// Statements checking `v` (an expression of type `&T`) at `path` (a `&str` expression).
fn checks(ty: &Type, v: &TokenStream, path: &TokenStream) -> TokenStream {
    let r = &ty.rules;
    let mut out = Vec::new();
    if let Some(min) = r.min_value {
        let b = bound(min);
        out.push(quote!(dm::codegen::min_value(#v, #b, #path, out);));
    }
    if let Some(max) = r.max_value {
        let b = bound(max);
        out.push(quote!(dm::codegen::max_value(#v, #b, #path, out);));
    }
    if r.min_length.is_some() || r.max_length.is_some() {
        let len = match &ty.kind {
            k if k.is_text() => quote!(#v.chars().count()),
            Kind::Binary => quote!(#v.0.len()),
            _ => quote!(#v.len()),
        };
        let opt = |o: Option<u64>| match o.map(proc_macro2::Literal::u64_unsuffixed) {
            Some(n) => quote!(Some(#n)),
            None => quote!(None),
        };
        let (min, max) = (opt(r.min_length), opt(r.max_length));
        out.push(quote!(dm::codegen::length(#len, #min, #max, #path, out);));
    }
    if let Some(re) = &r.regex {
        out.push(quote! {
            {
                static RE: dm::codegen::LazyLock<Option<dm::codegen::Regex>> =
                    dm::codegen::LazyLock::new(|| dm::codegen::Regex::new(#re).ok());
                if let Some(re) = RE.as_ref() {
                    dm::codegen::regex(#v, re, #re, #path, out);
                }
            }
        });
    }
    if let Some(choices) = &r.choices {
        let plain = Type {
            kind: ty.kind.clone(),
            rules: Default::default(),
        };
        if ty.kind.is_text() {
            let texts = choices.iter().filter_map(|c| match c {
                Literal::Text(t) => Some(t),
                _ => None,
            });
            out.push(quote!(dm::codegen::choices(&#v.as_str(), &[#(#texts),*], #path, out);));
        } else {
            let lits = choices.iter().map(|c| literal(c, &plain));
            out.push(quote!(dm::codegen::choices(#v, &[#(#lits),*], #path, out);));
        }
    }
    match &ty.kind {
        Kind::Email => out.push(quote!(dm::codegen::email(#v, #path, out);)),
        Kind::Url => out.push(quote!(dm::codegen::url(#v, #path, out);)),
        Kind::IpAddress => out.push(quote!(dm::codegen::ip_address(#v, #path, out);)),
        Kind::List(item) => {
            let inner = checks(item, &quote!(x), &quote!(&p));
            if !inner.is_empty() {
                out.push(quote! {
                    for (i, x) in #v.iter().enumerate() {
                        let p = format!("{}[{}]", #path, i);
                        #inner
                    }
                });
            }
        }
        Kind::Map(item) => {
            let inner = checks(item, &quote!(x), &quote!(&p));
            if !inner.is_empty() {
                out.push(quote! {
                    for (k, x) in #v.iter() {
                        let p = dm::codegen::join(#path, k);
                        #inner
                    }
                });
            }
        }
        Kind::Dict(_) => out.push(quote!(dm::Document::validate_into(#v, #path, out);)),
        _ => {}
    }
    quote!(#(#out)*)
}

/// The name of a field's check function (an associated fn of the owning struct).
pub fn check_fn_name(f: &Field) -> proc_macro2::Ident {
    format_ident!("check_{}", f.name)
}

/// Whether the field has a check function.
pub fn has_check(f: &Field) -> bool {
    !field_checks(f).is_empty()
}

fn field_checks(f: &Field) -> TokenStream {
    let body = checks(&f.ty, &quote!(v), &quote!(path));
    if contains_float(&f.ty.kind) {
        quote!(dm::codegen::sendable(v, path, out); #body)
    } else {
        body
    }
}

/// `fn check_x(v: &T, path: &str, out: &mut Vec<Violation>)` for every field with rules.
pub fn check_fns(fields: &[Field]) -> TokenStream {
    let fns = fields.iter().filter(|f| has_check(f)).map(|f| {
        let name = check_fn_name(f);
        let ty = super::types::rust_type(&f.ty.kind);
        let body = field_checks(f);
        let doc = format!(" The rules of `{}`.", f.attribute);
        // The signature is fixed by `dm::Check<T>`, so `&String` / `&Vec<T>` stay.
        let lint = (f.ty.kind.is_text() || matches!(f.ty.kind, Kind::List(_)))
            .then(|| quote!(#[allow(clippy::ptr_arg)]));
        quote! {
            #[doc = #doc]
            #lint
            fn #name(v: &#ty, path: &str, out: &mut Vec<dm::Violation>) {
                #body
            }
        }
    });
    quote!(#(#fns)*)
}

/// The body of `validate_into(&self, prefix, out)`.
pub fn validate_body(fields: &[Field]) -> TokenStream {
    let mut stmts = Vec::new();
    for f in fields {
        let id = ident(&f.name);
        let attr = &f.attribute;
        let path = quote!(&dm::codegen::join(prefix, #attr));
        let required_text =
            f.required && (f.ty.kind.is_text() || matches!(f.ty.kind, Kind::Binary));
        if required_text {
            stmts.push(quote!(dm::codegen::not_empty(&self.#id, #path, out);));
        }
        if has_check(f) {
            let check = check_fn_name(f);
            if f.is_optional() {
                stmts.push(quote! {
                    if let Some(v) = &self.#id {
                        Self::#check(v, #path, out);
                    }
                });
            } else {
                stmts.push(quote!(Self::#check(&self.#id, #path, out);));
            }
        }
    }
    if stmts.is_empty() {
        quote!(let _ = (prefix, out);)
    } else {
        quote!(#(#stmts)*)
    }
}
