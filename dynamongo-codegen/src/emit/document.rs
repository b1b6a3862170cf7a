//! `impl Document`: the conversions of a model or dict, one line per field in each of
//! `visit` (item, JSON and rules), `from_item` and `read_json`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{attr_ref, default_maker};
use crate::ident::{fresh, ident};
use crate::ir::{Field, Kind};

pub fn emit_document(name: &str, fields: &[Field]) -> TokenStream {
    emit_document_of(name, fields, quote!(Self), false)
}

/// The `Document` impl of a model: with `"upgrade": true`, stored items go through its
/// `Upgrade` impl before their fields are read.
pub fn emit_model_document(name: &str, fields: &[Field], upgrade: bool) -> TokenStream {
    emit_document_of(name, fields, quote!(Self), upgrade)
}

/// The `Document` impl of `name`, whose fields' attributes are constants of `owner` (the
/// struct itself, or the model for its key type).
pub fn emit_document_of(
    name: &str,
    fields: &[Field],
    owner: TokenStream,
    upgrade: bool,
) -> TokenStream {
    let name_ident = format_ident!("{}", name);
    let count = proc_macro2::Literal::usize_unsuffixed(fields.len());

    let visits = fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = attr_ref(f, &owner);
        match f.ty.kind {
            Kind::Ttl => quote!(visitor.field(#attr, &dm::epoch(&self.#id));),
            _ => quote!(visitor.field(#attr, &self.#id);),
        }
    });

    let gets = fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = attr_ref(f, &owner);
        match f.ty.kind {
            Kind::Ttl => quote!(#id: dm::get_epoch(item, #attr)?),
            // An item saved before the model was versioned is at version 0.
            _ if f.version => quote!(#id: dm::get_version(item, #attr)?),
            // An item stored without the attribute (by another writer, or before the field
            // existed) reads as the default.
            _ => match default_maker(f) {
                Some(make) => quote!(#id: dm::get_or(item, #attr, #make)?),
                None => quote!(#id: dm::get(item, #attr)?),
            },
        }
    });

    // Every field is read before the struct is built, so that every problem is reported;
    // the fields are locals, and the reader a name no field has.
    let json = fresh("json", fields.iter().map(|f| f.name.as_str()));
    let reads = fields.iter().map(|f| {
        let id = ident(&f.name);
        let attr = attr_ref(f, &owner);
        match (default_maker(f), &f.ty.kind) {
            (_, Kind::Ttl) => quote!(let #id = #json.epoch(#attr);),
            (Some(make), _) => quote!(let #id = #json.or(#attr, #make);),
            (None, _) => quote!(let #id = #json.field(#attr);),
        }
    });
    let builds = fields.iter().map(|f| {
        let id = ident(&f.name);
        quote!(#id: #id?)
    });
    let upgrade = upgrade.then(|| quote!(let item = &dm::upgraded::<Self>(item);));
    // A dict may have no fields at all.
    let (unused_visitor, unused_item, unused_json) = match fields.is_empty() {
        true => (
            quote!(let _ = visitor;),
            quote!(let _ = item;),
            quote!(let _ = #json;),
        ),
        false => Default::default(),
    };

    quote! {
        impl dm::Document for #name_ident {
            const FIELDS: usize = #count;

            fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
                #unused_visitor
                #(#visits)*
            }

            fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
                #upgrade
                #unused_item
                ::core::result::Result::Ok(Self { #(#gets),* })
            }

            fn read_json(#json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
                #unused_json
                #(#reads)*
                ::core::option::Option::Some(Self { #(#builds),* })
            }
        }
    }
}
