//! The data types: the model struct, nested dict structs, enums, and their `new()`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{docs, field_type, initial_value, rust_type};
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
    let mut fallback = format!("`{}`: {}", f.attribute, f.ty.kind.spec_name());
    if f.required {
        fallback.push_str(", required");
    }
    docs(f.doc.as_deref(), &fallback)
}

/// Whether building a value of this dict needs arguments (it has required scalars).
pub fn needs_args(f: &Field) -> bool {
    initial_value(f).is_none()
}

/// `pub struct Name { ... }` plus `new()` (and `Default` when `new` takes nothing).
pub fn emit_struct(name: &str, doc: Option<&str>, fields: &[Field]) -> TokenStream {
    let name_ident = format_ident!("{}", name);
    let doc = docs(doc, &format!("`{name}`, generated from its spec."));
    let defs = fields.iter().map(|f| {
        let id = ident(&f.name);
        let ty = field_type(f);
        let d = field_doc(f);
        quote! { #d pub #id: #ty, }
    });

    let params: Vec<&Field> = fields.iter().filter(|f| needs_args(f)).collect();
    let args = params.iter().map(|f| {
        let id = ident(&f.name);
        let ty = rust_type(&f.ty.kind);
        quote!(#id: impl Into<#ty>)
    });
    let inits = fields.iter().map(|f| {
        let id = ident(&f.name);
        match initial_value(f) {
            Some(v) => quote!(#id: #v),
            None => quote!(#id: #id.into()),
        }
    });
    let lint = (params.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let new_doc = if params.is_empty() {
        format!(" A `{name}` with every field at its default.")
    } else {
        format!(" A `{name}` with the given required fields and every other field at its default.")
    };
    let default_impl = params.is_empty().then(|| {
        quote! {
            impl Default for #name_ident {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name_ident {
            #(#defs)*
        }

        impl #name_ident {
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
    let variant_docs = values.iter().map(|v| format!(" Stored as `{v}`."));
    let count = proc_macro2::Literal::usize_unsuffixed(e.variants.len());
    let type_name = &e.name;
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
        }

        impl #name {
            /// Every stored value, in spec order.
            pub const VALUES: [&'static str; #count] = [#(#values),*];

            /// The stored string.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #( Self::#variants => #values, )*
                }
            }

            /// The variant stored as `s`.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    #( #values => Some(Self::#variants), )*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl dm::FieldValue for #name {
            fn to_attr(&self) -> dm::types::AttributeValue {
                dm::types::AttributeValue::S(self.as_str().to_string())
            }
            fn from_attr(value: &dm::types::AttributeValue) -> Result<Self, dm::DecodeError> {
                dm::codegen::enum_from_attr(value, #type_name, Self::parse)
            }
            fn to_json(&self) -> dm::serde_json::Value {
                dm::serde_json::Value::String(self.as_str().to_string())
            }
            fn from_json(
                value: &dm::serde_json::Value,
                path: &str,
                errors: &mut Vec<dm::Violation>,
            ) -> Option<Self> {
                dm::codegen::enum_from_json(value, path, errors, Self::parse, &Self::VALUES)
            }
        }
    }
}
