//! The data types: the model struct and nested dict structs with their rules and `new()`,
//! and enums.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{attr_decl, attributes, code, docs, field_type, initial_value, rust_type};
use crate::ident::ident;
use crate::ir::{Dict, Enum, Field, Kind};

/// Every dict and enum reachable from `fields`, depth first, in spec order.
pub fn nested<'a>(fields: &'a [Field], dicts: &mut Vec<&'a Dict>, enums: &mut Vec<&'a Enum>) {
    fn walk<'a>(kind: &'a Kind, dicts: &mut Vec<&'a Dict>, enums: &mut Vec<&'a Enum>) {
        match kind {
            Kind::Dict(d) => {
                dicts.push(d);
                nested(&d.fields, dicts, enums);
            }
            Kind::Enum(e) => enums.push(e),
            Kind::List(t) | Kind::Map(t) => walk(&t.kind, dicts, enums),
            _ => {}
        }
    }
    for f in fields {
        walk(&f.ty.kind, dicts, enums);
    }
}

fn field_doc(f: &Field) -> TokenStream {
    let mut fallback = format!("{}: {}", code(&f.attribute), f.ty.kind.spec_name());
    if f.required {
        fallback.push_str(", required");
    }
    docs(f.doc.as_deref(), &fallback)
}

/// "An `Everything`", "A `User`".
fn article(name: &str) -> &'static str {
    if name.starts_with(['A', 'E', 'I', 'O']) {
        "An"
    } else {
        "A"
    }
}

/// `pub struct Name { ... }`, its rules and `new()` (and `Default` when `new` takes nothing).
pub fn emit_struct(
    name: &str,
    doc: Option<&str>,
    fields: &[Field],
    type_attributes: &[String],
) -> TokenStream {
    let name_ident = format_ident!("{}", name);
    let doc = docs(doc, &format!("`{name}`, generated from its spec."));
    let extra = attributes(type_attributes);
    let defs = fields.iter().map(|f| {
        let id = ident(&f.name);
        let ty = field_type(f);
        let d = field_doc(f);
        let a = attributes(&f.attributes);
        quote! { #d #a pub #id: #ty, }
    });
    let consts = fields.iter().map(attr_decl);

    let params: Vec<&Field> = fields.iter().filter(|f| f.needs_arg()).collect();
    let args = params.iter().map(|f| {
        let id = ident(&f.name);
        let ty = rust_type(&f.ty.kind);
        quote!(#id: impl ::core::convert::Into<#ty>)
    });
    let inits = fields.iter().map(|f| {
        let id = ident(&f.name);
        match initial_value(f) {
            Some(v) => quote!(#id: #v),
            None => quote!(#id: #id.into()),
        }
    });
    let lint = (params.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let a = article(name);
    let new_doc = if params.is_empty() {
        format!(" {a} `{name}` with every field at its default.")
    } else {
        format!(
            " {a} `{name}` with the given required fields and every other field at its default."
        )
    };
    let default_impl = params.is_empty().then(|| {
        quote! {
            impl ::core::default::Default for #name_ident {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #extra
        pub struct #name_ident {
            #(#defs)*
        }

        impl #name_ident {
            #(#consts)*

            #[doc = #new_doc]
            #lint
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }

        #default_impl
    }
}

/// A Rust enum for an `enum` field, stored as its exact strings.
pub fn emit_enum(e: &Enum) -> TokenStream {
    let name = format_ident!("{}", e.name);
    let doc = docs(
        e.doc.as_deref(),
        &format!("The values of `{}`, stored as their exact strings.", e.name),
    );
    let variants: Vec<_> = e
        .variants
        .iter()
        .map(|(v, _)| format_ident!("{}", v))
        .collect();
    let values: Vec<&String> = e.variants.iter().map(|(_, s)| s).collect();
    let variant_docs = values.iter().map(|v| format!(" Stored as {}.", code(v)));
    let count = proc_macro2::Literal::usize_unsuffixed(e.variants.len());
    let type_name = &e.name;
    // Stored values the enum no longer has, read as the variants their aliases name.
    let (aliases, parse_stored) = if e.aliases.is_empty() {
        (quote!(), quote!(Self::parse))
    } else {
        let n = proc_macro2::Literal::usize_unsuffixed(e.aliases.len());
        let pairs = e.aliases.iter().map(|(old, v)| {
            let v = format_ident!("{}", v);
            quote!((#old, Self::#v))
        });
        (
            quote! {
                /// Values items were stored with that the enum no longer has, and the
                /// variants they read as (the spec's `aliases`).
                pub const ALIASES: [(&'static str, Self); #n] = [#(#pairs),*];

                /// The variant a stored `s` reads as: its own, or an alias's.
                pub fn parse_stored(s: &str) -> ::core::option::Option<Self> {
                    Self::parse(s).or_else(|| dm::parse_alias(s, &Self::ALIASES))
                }
            },
            quote!(Self::parse_stored),
        )
    };
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
        }

        impl #name {
            /// Every variant, in spec order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// Every stored value, in spec order.
            pub const VALUES: [&'static str; #count] = [#(#values),*];

            /// The stored string.
            pub fn as_str(&self) -> &'static str {
                Self::VALUES[*self as usize]
            }

            /// The variant stored as `s`.
            pub fn parse(s: &str) -> ::core::option::Option<Self> {
                dm::parse_enum(s, &Self::VALUES, &Self::ALL)
            }

            #aliases
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl dm::FieldValue for #name {
            fn to_attr(&self) -> dm::AttributeValue {
                dm::AttributeValue::S(self.as_str().into())
            }

            fn from_attr(value: &dm::AttributeValue) -> ::core::result::Result<Self, dm::DecodeError> {
                dm::enum_from_attr(value, #type_name, #parse_stored)
            }

            fn to_json(&self) -> dm::serde_json::Value {
                dm::serde_json::Value::String(self.as_str().into())
            }

            fn from_json(
                value: &dm::serde_json::Value,
                path: &str,
                out: &mut ::std::vec::Vec<dm::Violation>,
            ) -> ::core::option::Option<Self> {
                dm::enum_from_json(value, path, out, Self::parse, &Self::VALUES)
            }
        }

        impl dm::KeyEnum for #name {}
    }
}
