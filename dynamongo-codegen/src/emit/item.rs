//! Conversions written out field by field: item ⇄ struct, JSON ⇄ struct (`Document`),
//! and `FieldValue` for nested dicts.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{initial_value, rust_type};
use super::validate::{check_fns, validate_body};
use crate::ident::ident;
use crate::ir::{Field, Kind};

/// A closure producing `init`, or the function itself when `init` is a bare call
/// (`dm::codegen::now()` → `dm::codegen::now`), as clippy prefers.
fn maker(init: TokenStream) -> TokenStream {
    let text = init.to_string();
    if let Some(path) = text.strip_suffix("()") {
        if !path.contains('(') && !path.contains('!') {
            if let Ok(p) = syn::parse_str::<syn::Path>(path) {
                return quote!(#p);
            }
        }
    }
    quote!(|| #init)
}

fn to_item(fields: &[Field]) -> TokenStream {
    let n = proc_macro2::Literal::usize_unsuffixed(fields.len());
    let puts = fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = &f.attribute;
        if f.is_optional() {
            quote! {
                if let Some(v) = &self.#id {
                    dm::codegen::put(&mut item, #attr, v);
                }
            }
        } else {
            quote!(dm::codegen::put(&mut item, #attr, &self.#id);)
        }
    });
    quote! {
        fn to_item(&self) -> dm::Item {
            let mut item = dm::Item::with_capacity(#n);
            #(#puts)*
            item
        }
    }
}

fn from_item(fields: &[Field]) -> TokenStream {
    let gets = fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = &f.attribute;
        let get = match &f.ty.kind {
            _ if f.is_optional() => quote!(dm::codegen::get_opt(item, #attr)?),
            Kind::Dict(_) => quote!(dm::codegen::get_dict(item, #attr)?),
            k if k.always_present() => quote!(dm::codegen::get_or_default(item, #attr)?),
            _ => quote!(dm::codegen::get(item, #attr)?),
        };
        quote!(#id: #get)
    });
    quote! {
        fn from_item(item: &dm::Item) -> Result<Self, dm::DecodeError> {
            Ok(Self { #(#gets),* })
        }
    }
}

fn to_json(fields: &[Field]) -> TokenStream {
    let inserts = fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = &f.attribute;
        let value = if f.is_optional() {
            quote!(dm::codegen::opt_json(&self.#id))
        } else {
            quote!(dm::FieldValue::to_json(&self.#id))
        };
        quote!(map.insert(#attr.to_string(), #value);)
    });
    quote! {
        fn to_json_value(&self) -> dm::serde_json::Value {
            let mut map = dm::serde_json::Map::new();
            #(#inserts)*
            dm::serde_json::Value::Object(map)
        }
    }
}

fn from_json(fields: &[Field]) -> TokenStream {
    let known = fields.iter().map(|f| &f.attribute);
    let reads = fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = &f.attribute;
        let ty = rust_type(&f.ty.kind);
        if let Kind::Dict(_) = f.ty.kind {
            return quote!(let #id = dm::codegen::json_dict::<#ty>(obj, #attr, prefix, out););
        }
        let read = quote!(dm::codegen::json_field::<#ty>(obj, #attr, prefix, out));
        match (initial_value(f), f.is_optional()) {
            (_, true) if f.default.is_none() => quote!(let #id = #read;),
            (Some(init), true) => {
                let make = maker(init);
                quote!(let #id = dm::codegen::or_else(#read, #make);)
            }
            (Some(init), false) => {
                let make = maker(init);
                quote!(let #id = Some(dm::codegen::unwrap_or_else(#read, #make));)
            }
            (None, _) => quote!(let #id = dm::codegen::require(#read, #attr, prefix, out);),
        }
    });
    let fields_out = fields.iter().map(|f| {
        let id = ident(&f.name);
        if f.is_optional() {
            quote!(#id)
        } else {
            quote!(#id: #id?)
        }
    });
    quote! {
        fn from_json_value(
            value: &dm::serde_json::Value,
            prefix: &str,
            out: &mut Vec<dm::Violation>,
        ) -> Option<Self> {
            let obj = dm::codegen::json_object(value, prefix, &[#(#known),*], out)?;
            #(#reads)*
            Some(Self { #(#fields_out),* })
        }
    }
}

/// `impl Document for Name` plus the check functions, for a model or a dict.
pub fn emit_document(name: &str, fields: &[Field]) -> TokenStream {
    let name_ident = format_ident!("{}", name);
    let checks = check_fns(fields);
    let check_impl = (!checks.is_empty()).then(|| quote!(impl #name_ident { #checks }));
    let (ti, fi, tj, fj) = (
        to_item(fields),
        from_item(fields),
        to_json(fields),
        from_json(fields),
    );
    let validate = validate_body(fields);
    quote! {
        #check_impl

        impl dm::Document for #name_ident {
            #ti
            #fi
            fn validate_into(&self, prefix: &str, out: &mut Vec<dm::Violation>) {
                #validate
            }
            #tj
            #fj
        }
    }
}

/// A dict is stored as a map (`M`).
pub fn emit_dict_value(name: &str) -> TokenStream {
    let name_ident = format_ident!("{}", name);
    quote! {
        impl dm::FieldValue for #name_ident {
            fn to_attr(&self) -> dm::types::AttributeValue {
                dm::codegen::dict_to_attr(self)
            }
            fn from_attr(value: &dm::types::AttributeValue) -> Result<Self, dm::DecodeError> {
                dm::codegen::dict_from_attr(value)
            }
            fn to_json(&self) -> dm::serde_json::Value {
                dm::Document::to_json_value(self)
            }
            fn from_json(
                value: &dm::serde_json::Value,
                path: &str,
                errors: &mut Vec<dm::Violation>,
            ) -> Option<Self> {
                <Self as dm::Document>::from_json_value(value, path, errors)
            }
        }
    }
}
