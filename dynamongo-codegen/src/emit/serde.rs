//! With the `serde` option: `Serialize` / `Deserialize` for a model, written out rather
//! than derived. Serialising is the model's JSON (`to_json`); deserialising reads JSON and
//! validates it as `from_json` does, so an invalid body is refused with every violation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::Model;

pub fn emit_serde(m: &Model) -> Option<TokenStream> {
    if !m.serde {
        return None;
    }
    let model = format_ident!("{}", m.name);
    Some(quote! {
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
