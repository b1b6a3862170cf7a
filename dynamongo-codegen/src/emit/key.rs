//! The key type (`UserKey`), the strategy impls that let a key scalar, a key tuple or the
//! key type select an item (the runtime covers the model and `&Model`), and `impl Model`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{attr_name, attr_ref, code, option, rust_type};
use crate::ident::{fresh, ident};
use crate::ir::{Field, Format, Index, Model, Part, Projection, Template, Throughput};

/// The Rust types a key field accepts, each with how to convert a binding of it.
fn inputs(f: &Field) -> Vec<(TokenStream, TokenStream)> {
    let id = ident(&f.name);
    let mut v = vec![(rust_type(&f.ty.kind), quote!(#id))];
    if f.ty.kind.is_text() {
        v.push((quote!(&str), quote!(#id: #id.into())));
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
            .map(|f| code(&f.attribute))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    let defs = keys.iter().map(|f| {
        let id = ident(&f.name);
        let ty = rust_type(&f.ty.kind);
        let d = format!(" {} ({}).", code(&f.attribute), f.ty.kind.spec_name());
        quote!(#[doc = #d] pub #id: #ty,)
    });
    let owner = quote!(#model);
    let attrs = keys.iter().map(|f| {
        let id = ident(&f.name);
        let attr = attr_ref(f, &owner);
        quote!(dm::attr(#attr, &self.#id))
    });
    let item = match &m.entity {
        Some(_) => quote!(&item),
        None => quote!(item),
    };
    let gets = keys.iter().map(|f| {
        let id = ident(&f.name);
        let attr = attr_ref(f, &owner);
        quote!(#id: dm::get(#item, #attr)?)
    });
    // An entity's key fields are parsed out of its rendered key attributes (or read from
    // an item that holds them).
    let key_item = match &m.entity {
        Some(_) => quote!(let item = dm::key_fields(&KEY_TEMPLATES, item)?;),
        None => quote!(),
    };

    // Every combination of accepted input types: a scalar for a hash-only key, tuples
    // otherwise. The bindings are the key's field names, and the bodies use nothing else.
    let mut combos: Vec<Vec<(TokenStream, TokenStream)>> = vec![vec![]];
    for f in &keys {
        combos = combos
            .iter()
            .flat_map(|c| {
                inputs(f).into_iter().map(move |i| {
                    let mut c = c.clone();
                    c.push(i);
                    c
                })
            })
            .collect();
    }
    let conversions = combos.iter().map(|combo| {
        let tys = combo.iter().map(|(t, _)| t);
        let inits = combo.iter().map(|(_, i)| i);
        let ids: Vec<_> = keys.iter().map(|f| ident(&f.name)).collect();
        let (input, pattern) = if keys.len() == 1 {
            let t = &combo[0].0;
            let id = &ids[0];
            (quote!(#t), quote!(#id))
        } else {
            (quote!((#(#tys),*)), quote!((#(#ids),*)))
        };
        quote! {
            impl ::core::convert::From<#input> for #key {
                fn from(#pattern: #input) -> Self {
                    Self { #(#inits),* }
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
                dm::Item::from([#(#attrs),*])
            }

            fn from_key_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
                #key_item
                ::core::result::Result::Ok(Self { #(#gets),* })
            }
        }

        impl dm::Strategy<#model> for #key {
            fn into_target(self) -> dm::Target<#model> {
                dm::Target::Key(self)
            }
        }

        #(#conversions)*
    }
}

/// The `Model` impl.
pub fn emit_model_impl(m: &Model) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let key = format_ident!("{}", m.key_name());
    let table = &m.table;
    let key_attr = |f: &Field| {
        let name = attr_name(f, &quote!(#model));
        let ty = format_ident!("{}", f.ty.kind.key_type().unwrap_or("S"));
        quote!(dm::KeyAttr::new(#name, dm::ScalarType::#ty))
    };
    let string_key = |attr: &str| quote!(dm::KeyAttr::new(#attr, dm::ScalarType::S));
    let (hash, range) = match &m.entity {
        Some(e) => (
            string_key(&e.hash.attr),
            e.range.as_ref().map(|r| string_key(&r.attr)),
        ),
        None => (key_attr(m.hash()), m.range().map(key_attr)),
    };
    let range = range.map(|r| {
        quote!(const RANGE_KEY: ::core::option::Option<dm::KeyAttr> = ::core::option::Option::Some(#r);)
    });
    let throughput = match m.throughput {
        Throughput::OnDemand => quote!(dm::Throughput::OnDemand),
        Throughput::Provisioned { read, write } => {
            let (read, write) = (
                proc_macro2::Literal::i64_unsuffixed(read),
                proc_macro2::Literal::i64_unsuffixed(write),
            );
            quote!(dm::Throughput::provisioned(#read, #write))
        }
    };
    let indexes = match &m.entity {
        // The table's indexes, defined once in the table's module.
        Some(e) => {
            let table = ident(&e.table_module);
            Some(quote! {
                const INDEXES: &'static [dm::IndexDef] = super::#table::INDEXES;
                const ENTITY: ::core::option::Option<&'static dm::Entity> = ::core::option::Option::Some(&KEY_TEMPLATES);
            })
        }
        None => (!m.indexes.is_empty()).then(|| {
            let names = m.indexes.iter().map(index_const);
            quote!(const INDEXES: &'static [dm::IndexDef] = &[#(#names),*];)
        }),
    };
    let key_inits = m.key_fields().into_iter().map(|f| {
        let id = ident(&f.name);
        if f.ty.kind.is_copy() {
            quote!(#id: self.#id)
        } else {
            quote!(#id: self.#id.clone())
        }
    });
    // The handles are called by name, so the parameter must not be one.
    let json = fresh("json", m.fields.iter().map(|f| f.name.as_str()));
    let reads = m.fields.iter().enumerate().map(|(i, f)| {
        let handle = ident(&f.name);
        if m.is_key_field(i) {
            quote!(#json.key(&#handle());)
        } else if f.version {
            quote!(#json.version(&#handle());)
        } else if f.read_only {
            quote!(#json.read_only(&#handle());)
        } else {
            quote!(#json.set(&#handle());)
        }
    });
    let stream = m.stream.map(|view| {
        let v = format_ident!("{}", view.variant());
        quote!(const STREAM: ::core::option::Option<dm::StreamView> = ::core::option::Option::Some(dm::StreamView::#v);)
    });
    let read_only: Vec<TokenStream> = m
        .fields
        .iter()
        .filter(|f| f.read_only)
        .map(|f| attr_name(f, &quote!(Self)))
        .collect();
    let read_only = (!read_only.is_empty())
        .then(|| quote!(const READ_ONLY: &'static [&'static str] = &[#(#read_only),*];));
    let ttl = m.ttl_field().map(|f| {
        let attr = attr_name(f, &quote!(Self));
        quote!(const TTL: ::core::option::Option<&'static str> = ::core::option::Option::Some(#attr);)
    });
    let (version_const, version_fns) = match m.version_field() {
        None => (None, None),
        Some(f) => {
            let attr = attr_name(f, &quote!(Self));
            let id = ident(&f.name);
            (
                Some(
                    quote!(const VERSION: ::core::option::Option<&'static str> = ::core::option::Option::Some(#attr);),
                ),
                Some(quote! {
                    fn version(&self) -> ::core::option::Option<i64> {
                        ::core::option::Option::Some(self.#id)
                    }

                    fn set_version(&mut self, value: i64) {
                        self.#id = value;
                    }
                }),
            )
        }
    };
    let item_size = item_bytes(m.sizes.item);
    let retired: Vec<&String> = m
        .fields
        .iter()
        .filter_map(|f| f.renamed_from.as_ref())
        .collect();
    let retired = (!retired.is_empty())
        .then(|| quote!(const RETIRED: &'static [&'static str] = &[#(#retired),*];));
    let upgrade = m.upgrade.then(|| {
        quote!(
            const UPGRADE: ::core::option::Option<fn(&mut dm::Item)> =
                ::core::option::Option::Some(<Self as dm::Upgrade>::upgrade);
        )
    });
    let actions = m.encrypted_table().then(|| {
        let entries = m.crypto.iter().map(|(attr, action)| {
            let v = format_ident!("{}", action.variant());
            quote!((#attr, dm::CryptoAction::#v))
        });
        let plaintext = m.plaintext_items.then(|| {
            quote!(
                const PLAINTEXT_ITEMS: bool = true;
            )
        });
        quote!(
            const ATTRIBUTE_ACTIONS: &'static [(&'static str, dm::CryptoAction)] = &[#(#entries),*];
            #plaintext
        )
    });
    let index_bytes = (!m.sizes.indexes.is_empty()).then(|| {
        let entries = m.sizes.indexes.iter().map(|(name, b)| {
            let b = item_bytes(*b);
            quote!((#name, #b))
        });
        quote!(const INDEX_BYTES: &'static [(&'static str, dm::ItemBytes)] = &[#(#entries),*];)
    });
    quote! {
        impl dm::Model for #model {
            type Key = #key;
            const TABLE: &'static str = #table;
            const HASH_KEY: dm::KeyAttr = #hash;
            #range
            const THROUGHPUT: dm::Throughput = #throughput;
            #indexes
            #version_const
            #read_only
            #ttl
            #stream
            const ITEM_BYTES: dm::ItemBytes = #item_size;
            #index_bytes
            #retired
            #upgrade
            #actions

            fn key(&self) -> #key {
                #key { #(#key_inits),* }
            }

            #version_fns

            fn json_updates(#json: &mut dm::JsonUpdates<'_, Self>) {
                #(#reads)*
            }
        }
    }
}

/// `dm::ItemBytes::new(min, Some(max))`.
pub fn item_bytes(b: crate::cost::Bytes) -> TokenStream {
    let min = proc_macro2::Literal::u64_unsuffixed(b.min);
    let max = match b.max {
        Some(max) => {
            let max = proc_macro2::Literal::u64_unsuffixed(max);
            quote!(::core::option::Option::Some(#max))
        }
        None => quote!(::core::option::Option::None),
    };
    quote!(dm::ItemBytes::new(#min, #max))
}

/// The constant of an index's definition (`BY_STATUS_INDEX`): a module item, whose name
/// (with an underscore) no PascalCase type can take.
pub fn index_const(i: &Index) -> proc_macro2::Ident {
    format_ident!("{}_INDEX", i.name.to_uppercase())
}

/// `const BY_STATUS_INDEX: dm::IndexDef = ...;` for every index: named once, used by
/// `Model::INDEXES` and by the index's handle.
pub fn emit_index_defs(m: &Model) -> TokenStream {
    let model = format_ident!("{}", m.name);
    let key_attr = |f: &Field| {
        let name = attr_name(f, &quote!(#model));
        let ty = format_ident!("{}", f.ty.kind.key_type().unwrap_or("S"));
        quote!(dm::KeyAttr::new(#name, dm::ScalarType::#ty))
    };
    let defs = m.indexes.iter().map(|i| {
        let name = &i.index_name;
        let slice = |keys: &[usize]| {
            let attrs = keys.iter().map(|k| key_attr(&m.fields[*k]));
            quote!(&[#(#attrs),*])
        };
        let hash = slice(&i.hash_keys);
        let mut def = if i.local {
            let range = slice(&i.range_keys);
            quote!(dm::IndexDef::local(#name, #hash, #range))
        } else if i.range_keys.is_empty() {
            quote!(dm::IndexDef::global(#name, #hash))
        } else {
            let range = slice(&i.range_keys);
            quote!(dm::IndexDef::global(#name, #hash).range(#range))
        };
        match &i.projection {
            Projection::All => {}
            Projection::KeysOnly => def = quote!(#def.projection(dm::Projection::KeysOnly)),
            Projection::Include(fields) => {
                let attrs = fields
                    .iter()
                    .map(|f| attr_name(&m.fields[*f], &quote!(#model)));
                def = quote!(#def.projection(dm::Projection::Include(&[#(#attrs),*])));
            }
        }
        let def = with_throughput(def, i.throughput);
        let c = index_const(i);
        let doc = format!(" The definition of the index `{}`.", i.index_name);
        quote!(#[doc = #doc] const #c: dm::IndexDef = #def;)
    });
    quote!(#(#defs)*)
}

/// An index definition with its own provisioned capacity, when it has one.
pub fn with_throughput(def: TokenStream, throughput: Option<Throughput>) -> TokenStream {
    match throughput {
        Some(Throughput::Provisioned { read, write }) => {
            let (read, write) = (
                proc_macro2::Literal::i64_unsuffixed(read),
                proc_macro2::Literal::i64_unsuffixed(write),
            );
            quote!(#def.throughput(#read, #write))
        }
        _ => def,
    }
}

/// `const KEY_TEMPLATES: dm::Entity = ...;`: an entity's name, its entity attribute and
/// its key templates, each placeholder naming its field's attribute constant.
pub fn emit_entity(m: &Model) -> TokenStream {
    let Some(e) = &m.entity else {
        return quote!();
    };
    let model = format_ident!("{}", m.name);
    let template = |t: &Template| template_tokens(t, |i| attr_name(&m.fields[i], &quote!(#model)));
    let (name, attribute) = (&e.name, &e.attribute);
    let hash = template(&e.hash);
    let range = option(e.range.as_ref().map(template));
    let indexes = e.indexes.iter().map(|i| {
        let index = &i.name;
        let hash = template(&i.hash);
        let range = option(i.range.as_ref().map(template));
        quote!(dm::IndexKeys { index: #index, hash: #hash, range: #range })
    });
    // `pk` = `ws#{workspace}`, `sk` = `...` for a partition and its sort template.
    let keys = |hash: &Template, range: Option<&Template>| {
        std::iter::once(hash)
            .chain(range)
            .map(|t| format!("{} = {}", code(&t.attr), code(&t.text(&m.fields))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut doc = format!(
        " The keys of [`{}`], entity {} of table `{}`: {}",
        m.name,
        code(&e.name),
        m.table,
        keys(&e.hash, e.range.as_ref())
    );
    for i in &e.indexes {
        doc.push_str(&format!(
            "; index `{}`: {}",
            i.name,
            keys(&i.hash, i.range.as_ref())
        ));
    }
    doc.push('.');
    let table_ttl = option(e.table_ttl.as_ref().map(|a| quote!(#a)));
    quote! {
        #[doc = #doc]
        const KEY_TEMPLATES: dm::Entity = dm::Entity {
            name: #name,
            attribute: #attribute,
            hash: #hash,
            range: #range,
            indexes: &[#(#indexes),*],
            table_ttl: #table_ttl,
        };
    }
}

/// A `dm::Template` literal; `attr` gives each placeholder field's attribute name.
pub fn template_tokens(t: &Template, attr_of: impl Fn(usize) -> TokenStream) -> TokenStream {
    let attr = &t.attr;
    let parts = t.parts.iter().map(|p| match p {
        Part::Lit(l) => quote!(dm::Part::Lit(#l)),
        Part::Field { field, format } => {
            let name = attr_of(*field);
            let format = match format {
                Format::Text => quote!(dm::Format::Text),
                Format::Fixed(w) => {
                    let w = proc_macro2::Literal::usize_unsuffixed(*w);
                    quote!(dm::Format::Fixed(#w))
                }
                Format::Int(w) => {
                    let w = proc_macro2::Literal::usize_unsuffixed(*w);
                    quote!(dm::Format::Int(#w))
                }
            };
            quote!(dm::Part::Field(#name, #format))
        }
    });
    quote!(dm::Template { attr: #attr, parts: &[#(#parts),*] })
}
