//! Field handles: one function per field (`user::email()`), typed so that only the
//! conditions and updates that fit the field exist; nested handle types for dicts.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{attr_const, code, handle_value_type, presence, rust_type};
use crate::ident::ident;
use crate::ir::{Dict, Field, Kind, Model};

fn handles_name(d: &Dict) -> proc_macro2::Ident {
    format_ident!("{}Fields", d.name)
}

/// The handle type of a field, and the expression building it from `base` (a new
/// top-level handle, or the child of the dict handle `self.0`).
fn handle(
    model: &proc_macro2::Ident,
    owner: &str,
    f: &Field,
    top: bool,
) -> (TokenStream, TokenStream) {
    let owner = format_ident!("{}", owner);
    let c = attr_const(f);
    let build = if top {
        quote!(dm::Field::of(&#owner::#c))
    } else {
        quote!(self.0.child_of(&#owner::#c))
    };
    match &f.ty.kind {
        Kind::Dict(d) => {
            let h = handles_name(d);
            (quote!(#h), quote!(#h(#build)))
        }
        kind => {
            let ty = handle_value_type(kind);
            let p = presence(f);
            (quote!(dm::Field<#model, #ty #p>), build)
        }
    }
}

/// Methods of std traits (clippy's `should_implement_trait` list).
const TRAIT_METHODS: &[&str] = &[
    "add",
    "as_mut",
    "as_ref",
    "bitand",
    "bitor",
    "bitxor",
    "borrow",
    "borrow_mut",
    "clone",
    "cmp",
    "default",
    "deref",
    "deref_mut",
    "div",
    "drop",
    "eq",
    "from_iter",
    "from_str",
    "hash",
    "index",
    "index_mut",
    "into_iter",
    "mul",
    "neg",
    "next",
    "not",
    "rem",
    "shl",
    "shr",
    "sub",
];

/// A dict handle method is named after its field, whatever clippy expects of that name
/// (`clone`, `new`, `into_x`); silence exactly the lints the name calls for.
fn method_lints(name: &str) -> TokenStream {
    let mut lints = Vec::new();
    if TRAIT_METHODS.contains(&name) {
        lints.push(quote!(clippy::should_implement_trait));
    }
    if name == "new" {
        lints.push(quote!(clippy::new_ret_no_self));
    }
    if name.starts_with("from_") || name.starts_with("into_") || name.ends_with("_mut") {
        lints.push(quote!(clippy::wrong_self_convention));
    }
    if lints.is_empty() {
        quote!()
    } else {
        quote!(#[allow(#(#lints),*)])
    }
}

fn handle_doc(f: &Field) -> String {
    format!(
        " The `{}` field ({}): conditions and updates.",
        f.attribute,
        f.ty.kind.spec_name()
    )
}

/// `pub fn email() -> Field<User, String, Required>` for every top-level field.
pub fn emit_field_fns(m: &Model) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let fns = m.fields.iter().map(|f| {
        let name = ident(&f.name);
        let (ty, build) = handle(&model, &m.name, f, true);
        let doc = handle_doc(f);
        quote! {
            #[doc = #doc]
            pub fn #name() -> #ty {
                #build
            }
        }
    });
    quote!(#(#fns)*)
}

/// The dicts reachable through field handles: a dict field of the model, or of such a
/// dict (not one inside a list or map).
pub fn handled_dicts(fields: &[Field]) -> Vec<&str> {
    let mut out = Vec::new();
    for f in fields {
        if let Kind::Dict(d) = &f.ty.kind {
            out.push(d.name.as_str());
            out.extend(handled_dicts(&d.fields));
        }
    }
    out
}

/// `pub struct AddressFields(...)` with one method per sub-field, for a dict.
pub fn emit_dict_handles(m: &Model, d: &Dict) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let h = handles_name(d);
    let dict = format_ident!("{}", d.name);
    let methods = d.fields.iter().map(|f| {
        let name = ident(&f.name);
        let (ty, build) = handle(&model, &d.name, f, false);
        let doc = handle_doc(f);
        let lints = method_lints(&f.name);
        quote! {
            #[doc = #doc]
            #lints
            pub fn #name(&self) -> #ty {
                #build
            }
        }
    });
    let doc = format!(
        " Handles on the fields of [`{}`]; dereferences to the handle of the whole dict.",
        d.name
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #h(dm::Field<#model, #dict>);

        impl #h {
            #(#methods)*
        }

        impl ::core::ops::Deref for #h {
            type Target = dm::Field<#model, #dict>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    }
}

/// `pub fn by_status() -> dm::Index<..>` for every index: its key conditions are typed by
/// the index's keys, and a query returns the model or the index's projection struct.
pub fn emit_index_fns(m: &Model) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let fns = m.indexes.iter().map(|i| {
        let name = ident(&i.name);
        // One type, or a tuple in key order for a multi-attribute key.
        let types = |keys: &[usize]| -> Vec<TokenStream> {
            keys.iter()
                .map(|k| rust_type(&m.fields[*k].ty.kind))
                .collect()
        };
        let key_type = |keys: &[usize]| match types(keys).as_slice() {
            [] => quote!(dm::NoRange),
            [one] => one.clone(),
            many => quote!((#(#many),*)),
        };
        let hash = key_type(&i.hash_keys);
        let range = key_type(&i.range_keys);
        let out = match &i.projection_type {
            Some(t) => {
                let t = format_ident!("{}", t);
                quote!(#t)
            }
            None => quote!(#model),
        };
        let def = super::key::index_const(i);
        let attrs = |keys: &[usize]| {
            let names: Vec<String> = keys.iter().map(|k| code(&m.fields[*k].attribute)).collect();
            names.join(", ")
        };
        let mut doc = format!(
            " The {} index `{}`: hash key {}",
            if i.local { "local" } else { "global" },
            i.index_name,
            attrs(&i.hash_keys)
        );
        if !i.range_keys.is_empty() {
            doc.push_str(&format!(", range key {}", attrs(&i.range_keys)));
        }
        doc.push_str(match &i.projection_type {
            None => "; it holds every attribute.",
            Some(_) => "; a query returns what it holds.",
        });
        quote! {
            #[doc = #doc]
            pub fn #name() -> dm::Index<#model, #hash, #range, #out> {
                dm::Index::new(&#def)
            }
        }
    });
    quote!(#(#fns)*)
}
