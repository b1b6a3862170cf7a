//! Streams: for a model whose spec enables a stream, the type of its change events
//! (`UserChange`) and what decodes a record into one (`impl dm::Streamed`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Model, StreamView};

pub fn emit_stream(m: &Model) -> Option<TokenStream> {
    let view = m.stream?;
    let model = format_ident!("{}", m.name);
    let key = format_ident!("{}", m.key_name());
    let change = format_ident!("{}", m.change_name());
    let (new, old) = match view {
        StreamView::KeysOnly => (&key, &key),
        StreamView::NewImage => (&model, &key),
        StreamView::OldImage => (&key, &model),
        StreamView::NewAndOldImages => (&model, &model),
    };
    let doc = format!(
        "A change to a [`{}`] as its table's stream reports it ({}): {}.",
        m.name,
        view.dynamodb_name(),
        match view {
            StreamView::KeysOnly => "the key of the item changed",
            StreamView::NewImage => "the item after the change, the key before",
            StreamView::OldImage => "the item before the change, the key after",
            StreamView::NewAndOldImages => "the item before and after the change",
        }
    );
    Some(quote! {
        #[doc = #doc]
        pub type #change = dm::StreamEvent<#new, #old>;

        impl dm::Streamed for #model {
            type New = #new;
            type Old = #old;
        }

        impl dm::Image for #model {
            fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
                <Self as dm::Document>::from_item(item)
            }
        }

        impl dm::Image for #key {
            fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
                <Self as dm::ModelKey>::from_key_item(item)
            }
        }
    })
}
