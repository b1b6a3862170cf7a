//! The module of a table file (single-table design, DESIGN §10): the table's indexes
//! (which its entities share), `create_table`, and per collection its enum and typed read.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::key::{template_tokens, with_throughput};
use super::types::{code, docs, option, rust_type};
use crate::ident::{fresh, ident};
use crate::ir::{Collection, Kind, Table};

/// The items of a table file's module.
pub fn table_tokens(t: &Table) -> TokenStream {
    let import = super::runtime_import(&t.runtime);
    let key = |attr: &str| quote!(dm::KeyAttr::new(#attr, dm::ScalarType::S));
    let typed = |(attr, ty): &(String, &'static str)| {
        let ty = format_ident!("{}", ty);
        quote!(dm::KeyAttr::new(#attr, dm::ScalarType::#ty))
    };
    let indexes = t.indexes.iter().map(|i| {
        let name = &i.name;
        if let Some(n) = &i.natural {
            let hash = n.hash.iter().map(typed);
            let mut def = quote!(dm::IndexDef::global(#name, &[#(#hash),*]));
            if !n.range.is_empty() {
                let range = n.range.iter().map(typed);
                def = quote!(#def.range(&[#(#range),*]));
            }
            return with_throughput(def, i.throughput);
        }
        let hash = key(&i.hash_key);
        if i.local {
            let r = i.range_key.as_deref().map(key);
            return quote!(dm::IndexDef::local(#name, &[#hash], &[#r]));
        }
        let mut def = quote!(dm::IndexDef::global(#name, &[#hash]));
        if let Some(r) = &i.range_key {
            let r = key(r);
            def = quote!(#def.range(&[#r]));
        }
        with_throughput(def, i.throughput)
    });
    let index_doc = format!(
        " The indexes of table `{}` (every attribute projected), shared by its entities.",
        t.name
    );
    let rep = &t.entities[t.representative];
    let rep_path = entity_path(&rep.0, &rep.1);
    let entities: Vec<String> = t.entities.iter().map(|(n, m)| doc_link(n, m)).collect();
    let create_doc = format!(
        " Creates table `{}` with its indexes{}{} and waits until it is active (as \
         `create_table` on any of its entities: {}).",
        t.name,
        if t.ttl.is_some() { ", its TTL" } else { "" },
        if t.stream.is_some() {
            ", its stream"
        } else {
            ""
        },
        entities.join(", ")
    );
    let db = format_ident!("db");
    let table_name = &t.name;
    let collections = t.collections.iter().map(|c| collection(t, c, &rep_path));
    quote! {
        #import

        /// The table's name, without the prefix.
        pub const TABLE: &str = #table_name;
        #[doc = #index_doc]
        pub const INDEXES: &[dm::IndexDef] = &[#(#indexes),*];

        #[doc = #create_doc]
        pub fn create_table(#db: &dm::Db) -> dm::CreateTable<'_, #rep_path> {
            <#rep_path as dm::ModelExt>::create_table(#db)
        }

        #(#collections)*
    }
}

/// `super::note::Note`.
fn entity_path(model: &str, module: &str) -> TokenStream {
    let m = ident(module);
    let n = format_ident!("{}", model);
    quote!(super::#m::#n)
}

/// `[`Note`](super::note::Note)`: a doc link to an entity.
fn doc_link(model: &str, module: &str) -> String {
    format!(
        "[`{model}`](super::{}::{model})",
        crate::ident::escaped(module)
    )
}

/// A collection's enum, its decoding by entity name, and its read.
/// The grouped form of a collection's items (`WorkspaceGroups`): one `Vec` per entity, the
/// items of unknown entities, and a page's cursor; with the serde option it serialises as
/// a JSON object — what an API answers.
fn groups(t: &Table, c: &Collection) -> TokenStream {
    let enum_name = format_ident!("{}", c.enum_name);
    let name = format_ident!("{}", c.groups_name);
    // Member lists are named after their modules (unique); the two other fields must not
    // be one of those.
    let modules: Vec<&str> = c.members.iter().map(|(_, m, _)| m.as_str()).collect();
    let unknown = fresh("unknown", modules.iter().copied());
    let cursor = fresh("cursor", modules.iter().copied());
    let item = fresh("item", modules.iter().copied());
    let page = fresh("page", modules.iter().copied());
    let lists: Vec<(
        proc_macro2::Ident,
        proc_macro2::Ident,
        TokenStream,
        &str,
        &str,
    )> = c
        .members
        .iter()
        .map(|(model, module, entity)| {
            (
                ident(module),
                format_ident!("{}", model),
                entity_path(model, module),
                module.as_str(),
                entity.as_str(),
            )
        })
        .collect();
    let fields = lists.iter().map(|(f, _, path, _, entity)| {
        let d = format!(" The items of entity {}, in sort-key order.", code(entity));
        quote!(#[doc = #d] pub #f: ::std::vec::Vec<#path>,)
    });
    let pushes = lists
        .iter()
        .map(|(f, v, _, _, _)| quote!(#enum_name::#v(x) => groups.#f.push(*x),));
    let doc = format!(
        " The items of collection `{}` grouped by entity: one list per entity, the items of \
         entities this code does not know, and a page's cursor — what an API answers \
         (`{}::from(page)`, or `.collect()` on items).",
        c.name, name
    );
    let serde = t.serde.then(|| {
        let entries = lists
            .iter()
            .map(|(f, _, _, key, _)| quote!(dm::group_json(&mut out, #key, &self.#f);));
        let cursor_key = cursor.to_string();
        quote! {
            /// The JSON object of the groups: a list per entity (each item its model's JSON),
            /// and the cursor when there is one; unknown items are left out.
            impl dm::serde::Serialize for #name {
                fn serialize<S: dm::serde::Serializer>(
                    &self,
                    serializer: S,
                ) -> ::core::result::Result<S::Ok, S::Error> {
                    let mut out = dm::serde_json::Map::new();
                    #(#entries)*
                    dm::group_cursor(&mut out, #cursor_key, self.#cursor.as_deref());
                    dm::serde::Serialize::serialize(&out, serializer)
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
            /// Items of entities this code does not know, as stored.
            pub #unknown: ::std::vec::Vec<dm::Item>,
            /// Where the next page starts, for groups made from a page that has one.
            pub #cursor: ::core::option::Option<::std::string::String>,
        }

        impl ::core::iter::FromIterator<#enum_name> for #name {
            fn from_iter<I: ::core::iter::IntoIterator<Item = #enum_name>>(items: I) -> Self {
                let mut groups = Self::default();
                for #item in items {
                    match #item {
                        #(#pushes)*
                        #enum_name::Unknown(x) => groups.#unknown.push(x),
                    }
                }
                groups
            }
        }

        impl ::core::convert::From<dm::Page<#enum_name>> for #name {
            fn from(#page: dm::Page<#enum_name>) -> Self {
                let mut groups: Self = #page.items.into_iter().collect();
                groups.#cursor = #page.cursor;
                groups
            }
        }

        #serde
    }
}

fn collection(t: &Table, c: &Collection, rep: &TokenStream) -> TokenStream {
    let item_bytes = super::key::item_bytes(c.sizes);
    let enum_name = format_ident!("{}", c.enum_name);
    let fn_name = ident(&c.name);
    let variants = c.members.iter().map(|(model, module, entity)| {
        let v = format_ident!("{}", model);
        let path = entity_path(model, module);
        let d = format!(" An item of entity {}.", code(entity));
        quote!(#[doc = #d] #v(::std::boxed::Box<#path>),)
    });
    let attribute = &t.entity_attribute;
    let arms = c.members.iter().map(|(model, module, entity)| {
        let v = format_ident!("{}", model);
        let path = entity_path(model, module);
        quote!(::core::option::Option::Some(#entity) => <#path as dm::Document>::from_item(item).map(::std::boxed::Box::new).map(Self::#v),)
    });
    let members: Vec<String> = c.members.iter().map(|(n, m, _)| doc_link(n, m)).collect();
    let where_ = match c.index {
        None => format!("table `{}`", t.name),
        Some(i) => format!("index `{}` of table `{}`", t.indexes[i].name, t.name),
    };
    let enum_doc = format!(
        "An item of collection `{}`: {}; `Unknown` for an item of the partition whose \
         entity this code does not know (or that has no {} attribute). Items are boxed, so \
         the enum stays small whatever its entities hold.",
        c.name,
        members.join(", "),
        code(&t.entity_attribute)
    );
    let enum_docs = docs(
        Some(&match &c.doc {
            Some(d) => format!("{d}\n\n{enum_doc}"),
            None => enum_doc,
        }),
        "",
    );
    let template_const = format_ident!("{}_PARTITION", c.name.to_uppercase());
    let template = template_tokens(&c.partition, |i| {
        let a = &c.fields[i].attribute;
        quote!(#a)
    });
    // A sub-collection's sort prefix, rendered from the fields after the partition's.
    let sort_const = format_ident!("{}_SORT_PREFIX", c.name.to_uppercase());
    let sort = c.sort.as_ref().map(|sort| {
        let template = template_tokens(sort, |i| {
            let a = &c.fields[i].attribute;
            quote!(#a)
        });
        let d = format!(" The sort-key prefix of sub-collection `{}`.", c.name);
        quote! {
            #[doc = #d]
            const #sort_const: dm::Template = #template;
        }
    });
    let sort_arg = option(c.sort.as_ref().map(|_| quote!(&#sort_const)));
    // The partition fields (then the sort prefix's): one argument, or a tuple in
    // template order.
    let names: Vec<&str> = c.fields.iter().map(|f| f.name.as_str()).collect();
    let db = fresh("db", names.iter().copied());
    let partition = fresh("partition", names.iter().copied().chain(["db"]));
    // A generated type (an enum) lives in the module of the member the fields come from.
    let member_module = ident(c.members.first().map_or("", |(_, m, _)| m.as_str()));
    let field_type = |f: &crate::ir::Field| match &f.ty.kind {
        Kind::Enum(e) => {
            let name = format_ident!("{}", e.name);
            quote!(super::#member_module::#name)
        }
        kind => rust_type(kind),
    };
    let parts = c.fields.iter().enumerate().map(|(i, f)| {
        let attr = &f.attribute;
        let value = if c.fields.len() == 1 {
            quote!(&#partition.into())
        } else {
            let i = syn::Index::from(i);
            quote!(&#partition.#i)
        };
        let ty = field_type(f);
        quote!(dm::part::<#ty>(#attr, #value))
    });
    // A partition of literals only (`"pk": "all"`) takes no argument.
    let param = match c.fields.as_slice() {
        [] => None,
        [f] => {
            let ty = field_type(f);
            Some(quote!(#partition: impl ::core::convert::Into<#ty>))
        }
        fields => {
            let tys = fields.iter().map(field_type);
            Some(quote!(#partition: (#(#tys),*)))
        }
    };
    let params = std::iter::once(quote!(#db: &dm::Db)).chain(param);
    let index = option(c.index.map(|i| {
        let i = Literal::usize_unsuffixed(i);
        quote!(&INDEXES[#i])
    }));
    let name = &c.name;
    let sorted = match &c.sort {
        Some(sort) => format!(
            " whose {} begins with {}",
            code(&sort.attr),
            code(&sort.text(&c.fields))
        ),
        None => String::new(),
    };
    let fn_doc = format!(
        " Reads collection `{}`: every item of {} of {where_} ({} = {}){sorted}, \
         of every entity, in sort-key order; one Query a page. Await it for a `Vec`, or \
         use `.stream()`, `.page(n)` / `.after(cursor)`, `.descending()`, `.limit(n)`, \
         `.explain()`.",
        c.name,
        if c.fields.is_empty() {
            "the partition"
        } else {
            "one partition"
        },
        code(&c.partition.attr),
        code(&c.partition.text(&c.fields))
    );
    let template_doc = format!(" The partition template of collection `{}`.", c.name);
    let stream = t.stream.map(|view| {
        let v = format_ident!("{}", view.variant());
        let table = &t.name;
        let d = format!(
            " The change a stream record of table `{}` describes, as items of this collection.",
            t.name
        );
        quote! {
            impl dm::Image for #enum_name {
                fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
                    <Self as dm::Member>::from_item(item)
                }
            }

            impl #enum_name {
                #[doc = #d]
                pub fn change(
                    record: &dm::StreamEventRecord,
                ) -> ::core::result::Result<dm::StreamEvent<Self>, dm::Error> {
                    dm::decode_change(record, dm::StreamView::#v, #table)
                }
            }
        }
    });
    let groups = groups(t, c);
    quote! {
        #enum_docs
        #[derive(Debug, Clone, PartialEq)]
        pub enum #enum_name {
            #(#variants)*
            /// An item of the partition of an entity this code does not know, as stored.
            Unknown(dm::Item),
        }

        impl dm::Member for #enum_name {
            const ITEM_BYTES: dm::ItemBytes = #item_bytes;

            fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
                match dm::entity_of(item, #attribute) {
                    #(#arms)*
                    _ => ::core::result::Result::Ok(Self::Unknown(::core::clone::Clone::clone(item))),
                }
            }
        }

        #stream

        #[doc = #template_doc]
        const #template_const: dm::Template = #template;

        #sort

        #groups

        #[doc = #fn_doc]
        pub fn #fn_name(#(#params),*) -> dm::Collection<'_, #rep, #enum_name> {
            dm::Collection::new(
                #db,
                #name,
                #index,
                &#template_const,
                #sort_arg,
                dm::Item::from([#(#parts),*]),
            )
        }
    }
}
