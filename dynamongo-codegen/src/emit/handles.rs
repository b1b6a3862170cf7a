//! Field handles: one function per field (`user::email()`), typed so that only the
//! conditions and updates that fit the field exist; nested handle types for dicts.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{presence, rust_type};
use super::validate::{check_fn_name, has_check};
use crate::ident::ident;
use crate::ir::{Dict, Field, Kind, Model};

fn handles_name(d: &Dict) -> proc_macro2::Ident {
    format_ident!("{}Fields", d.name)
}

/// The handle type of a field, and the expression building it from `path`/`parent`.
fn handle(
    model: &proc_macro2::Ident,
    owner: &str,
    f: &Field,
    top: bool,
) -> (TokenStream, TokenStream) {
    let attr = &f.attribute;
    let ty = rust_type(&f.ty.kind);
    let p = presence(f);
    let owner_ident = format_ident!("{}", owner);
    let field_ty = quote!(dm::Field<#model, #ty, #p>);
    let check_fn = has_check(f).then(|| check_fn_name(f));
    let build = match (top, check_fn) {
        (true, None) => quote!(dm::Field::new(#attr)),
        (true, Some(c)) => {
            quote!(dm::Field::with_check(dm::AttrPath::attr(#attr), #owner_ident::#c))
        }
        (false, None) => quote!(self.0.child(#attr, None)),
        (false, Some(c)) => quote!(self.0.child(#attr, Some(#owner_ident::#c as dm::Check<#ty>))),
    };
    match &f.ty.kind {
        Kind::Dict(d) => {
            let h = handles_name(d);
            (quote!(#h), quote!(#h(#build)))
        }
        _ => (field_ty, build),
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

/// `pub struct UserAddressFields(...)` with one method per sub-field, for a dict.
pub fn emit_dict_handles(m: &Model, d: &Dict) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let h = handles_name(d);
    let dict = format_ident!("{}", d.name);
    let methods = d.fields.iter().map(|f| {
        let name = ident(&f.name);
        let (ty, build) = handle(&model, &d.name, f, false);
        let doc = handle_doc(f);
        quote! {
            #[doc = #doc]
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
        pub struct #h(dm::Field<#model, #dict, dm::Required>);

        impl #h {
            #(#methods)*
        }

        impl std::ops::Deref for #h {
            type Target = dm::Field<#model, #dict, dm::Required>;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    }
}

/// `Model::json_updates`: the key and one update per other attribute of a JSON object.
pub fn emit_json_updates(m: &Model) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let key = format_ident!("{}", m.key_name());
    let known = m.fields.iter().map(|f| &f.attribute);
    let key_fields = m.key_fields();
    let key_reads = key_fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = &f.attribute;
        let ty = rust_type(&f.ty.kind);
        quote! {
            let #id = obj.and_then(|o| dm::codegen::json_field::<#ty>(o, #attr, "", &mut out));
            let #id = dm::codegen::require(#id, #attr, "", &mut out);
        }
    });
    let others = m
        .fields
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != m.hash_key && Some(*i) != m.range_key);
    let updates: Vec<TokenStream> = others.map(|(_, f)| {
        let name = ident(&f.name);
        let attr = &f.attribute;
        let ty = rust_type(&f.ty.kind);
        let on_empty = if f.is_optional() {
            quote!(updates.push(#name().remove());)
        } else {
            quote!(dm::codegen::violation(#attr, "is required and cannot be emptied", &mut out);)
        };
        quote! {
            if let Some(v) = obj.and_then(|o| o.get(#attr)) {
                if dm::codegen::is_empty_json(v) {
                    #on_empty
                } else if let Some(x) = <#ty as dm::FieldValue>::from_json(v, #attr, &mut out) {
                    updates.push(#name().set(x));
                }
            }
        }
    }).collect();
    let mutability = (!updates.is_empty()).then(|| quote!(mut));
    let ids: Vec<_> = key_fields.iter().map(|f| ident(&f.name)).collect();
    quote! {
        fn json_updates(
            value: &dm::serde_json::Value,
        ) -> Result<(#key, Vec<dm::Update<#model>>), dm::Error> {
            let mut out = Vec::new();
            let #mutability updates = Vec::new();
            let obj = dm::codegen::json_object(value, "", &[#(#known),*], &mut out);
            #(#key_reads)*
            #(#updates)*
            match (#(#ids,)*) {
                (#(Some(#ids),)*) if out.is_empty() => Ok((#key { #(#ids),* }, updates)),
                _ => Err(dm::Error::Validation(out)),
            }
        }
    }
}
