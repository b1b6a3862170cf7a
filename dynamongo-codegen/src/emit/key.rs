//! The key type (`UserKey`), its conversions, and the strategy impls that let a key scalar,
//! a key tuple, the key type or the model select an item.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::rust_type;
use crate::ident::ident;
use crate::ir::{Field, Model};

/// The Rust types a key field accepts, each with how to convert a variable of it.
fn inputs(f: &Field, var: &TokenStream) -> Vec<(TokenStream, TokenStream)> {
    let t = rust_type(&f.ty.kind);
    let mut v = vec![(t, var.clone())];
    if f.ty.kind.is_text() {
        v.push((quote!(&str), quote!(#var.to_string())));
    }
    v
}

pub fn emit_key(m: &Model) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let key = format_ident!("{}", m.key_name());
    let keys = m.key_fields();
    let doc = format!(
        " The primary key of [`{}`]: {}.",
        m.name,
        keys.iter()
            .map(|f| format!("`{}`", f.attribute))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    let defs = keys.iter().map(|f| {
        let id = ident(&f.name);
        let ty = rust_type(&f.ty.kind);
        let d = format!(" `{}` ({}).", f.attribute, f.ty.kind.spec_name());
        quote!(#[doc = #d] pub #id: #ty,)
    });
    let n = keys.len();
    let capacity = proc_macro2::Literal::usize_unsuffixed(n);
    let puts = keys.iter().map(|f| {
        let id = ident(&f.name);
        let attr = &f.attribute;
        quote!(dm::codegen::put_key(&mut item, #attr, &self.#id);)
    });
    let gets = keys.iter().map(|f| {
        let id = ident(&f.name);
        let attr = &f.attribute;
        quote!(#id: dm::codegen::get(item, #attr)?)
    });
    let clones = keys.iter().map(|f| {
        let id = ident(&f.name);
        if f.ty.kind.is_copy() {
            quote!(#id: item.#id)
        } else {
            quote!(#id: item.#id.clone())
        }
    });

    // Every combination of accepted input types: scalar for a hash-only key, tuples otherwise.
    let vars: Vec<TokenStream> = (0..n)
        .map(|i| {
            let v = format_ident!("k{}", i);
            quote!(#v)
        })
        .collect();
    let mut combos: Vec<(Vec<TokenStream>, Vec<TokenStream>)> = vec![(vec![], vec![])];
    for (f, var) in keys.iter().zip(&vars) {
        let mut next = Vec::new();
        for (tys, convs) in &combos {
            for (t, c) in inputs(f, var) {
                let mut tys = tys.clone();
                let mut convs = convs.clone();
                tys.push(t);
                convs.push(c);
                next.push((tys, convs));
            }
        }
        combos = next;
    }
    let ids: Vec<_> = keys.iter().map(|f| ident(&f.name)).collect();
    let conversions = combos.iter().map(|(tys, convs)| {
        let (input, pattern) = if n == 1 {
            let t = &tys[0];
            let v = &vars[0];
            (quote!(#t), quote!(#v))
        } else {
            (quote!((#(#tys),*)), quote!((#(#vars),*)))
        };
        quote! {
            impl From<#input> for #key {
                fn from(#pattern: #input) -> Self {
                    Self { #(#ids: #convs),* }
                }
            }

            impl dm::Strategy<#model> for #input {
                fn into_target(self) -> dm::Target<#model> {
                    dm::Target::Key(self.into())
                }
            }
        }
    });

    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #key {
            #(#defs)*
        }

        impl dm::ModelKey for #key {
            fn to_key_item(&self) -> dm::Item {
                let mut item = dm::Item::with_capacity(#capacity);
                #(#puts)*
                item
            }
            fn from_key_item(item: &dm::Item) -> Result<Self, dm::DecodeError> {
                Ok(Self { #(#gets),* })
            }
        }

        #(#conversions)*

        impl From<&#model> for #key {
            fn from(item: &#model) -> Self {
                Self { #(#clones),* }
            }
        }

        impl dm::Strategy<#model> for #key {
            fn into_target(self) -> dm::Target<#model> {
                dm::Target::Key(self)
            }
        }

        impl dm::Strategy<#model> for &#model {
            fn into_target(self) -> dm::Target<#model> {
                dm::Target::Key(self.into())
            }
        }

        impl dm::Strategy<#model> for #model {
            fn into_target(self) -> dm::Target<#model> {
                dm::Target::Key((&self).into())
            }
        }
    }
}

/// The `Model` impl.
pub fn emit_model_impl(m: &Model) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let key = format_ident!("{}", m.key_name());
    let table = &m.table;
    let key_attr = |f: &Field| {
        let name = &f.attribute;
        let ty = format_ident!("{}", f.ty.kind.key_type().unwrap_or("S"));
        quote!(dm::KeyAttr { name: #name, ty: dm::ScalarType::#ty })
    };
    let hash = key_attr(m.hash());
    let range = match m.range() {
        Some(r) => {
            let r = key_attr(r);
            quote!(Some(#r))
        }
        None => quote!(None),
    };
    let throughput = match m.throughput {
        crate::ir::Throughput::OnDemand => quote!(dm::Throughput::OnDemand),
        crate::ir::Throughput::Provisioned { read, write } => {
            quote!(dm::Throughput::Provisioned { read: #read, write: #write })
        }
    };
    let json_updates = super::handles::emit_json_updates(m);
    quote! {
        impl dm::Model for #model {
            type Key = #key;
            const TABLE: &'static str = #table;
            const HASH_KEY: dm::KeyAttr = #hash;
            const RANGE_KEY: Option<dm::KeyAttr> = #range;
            const THROUGHPUT: dm::Throughput = #throughput;

            fn key(&self) -> #key {
                self.into()
            }

            #json_updates
        }
    }
}
