//! With the `serde` option: `Serialize` / `Deserialize` for every type a JSON API hands
//! out or takes — the model, its key type and its index projections — written out rather
//! than derived. Serialising is the JSON form (`to_json`); deserialising reads JSON and
//! validates it as `from_json` does, so an invalid body is refused with every violation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Field, Model};

pub fn emit_serde(m: &Model) -> Option<TokenStream> {
    if !m.serde {
        return None;
    }
    let model = format_ident!("{}", m.name);
    // The key type is a document of the model's key fields, for its JSON form.
    let key_fields: Vec<Field> = m.key_fields().into_iter().cloned().collect();
    let key_document =
        super::document::emit_document_of(&m.key_name(), &key_fields, quote!(#model), false);
    let documents = std::iter::once(m.key_name())
        .chain(m.indexes.iter().filter_map(|i| i.projection_type.clone()))
        .map(|name| {
            let t = format_ident!("{}", name);
            quote! {
                impl dm::serde::Serialize for #t {
                    fn serialize<S: dm::serde::Serializer>(
                        &self,
                        serializer: S,
                    ) -> ::core::result::Result<S::Ok, S::Error> {
                        dm::serialize_document(self, serializer)
                    }
                }

                impl<'de> dm::serde::Deserialize<'de> for #t {
                    fn deserialize<D: dm::serde::Deserializer<'de>>(
                        deserializer: D,
                    ) -> ::core::result::Result<Self, D::Error> {
                        dm::deserialize_document(deserializer)
                    }
                }
            }
        });
    Some(quote! {
        #key_document
        #(#documents)*

        impl dm::serde::Serialize for #model {
            fn serialize<S: dm::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                dm::serialize_model(self, serializer)
            }
        }

        impl<'de> dm::serde::Deserialize<'de> for #model {
            fn deserialize<D: dm::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                dm::deserialize_model(deserializer)
            }
        }
    })
}
