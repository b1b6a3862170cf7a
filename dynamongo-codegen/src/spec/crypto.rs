//! Client-side encryption (DESIGN §14): the rules of the AWS Database Encryption SDK,
//! checked at build time, and the attribute actions of every encrypted table.
//!
//! A field marked `"encrypt": true` is EncryptAndSign; when any field of a table is, every
//! other attribute of every model of that table is SignOnly, except fields marked
//! `"signed": false` (DoNothing). Keys, index keys, key-template placeholders, the version
//! and TTL fields must stay readable by DynamoDB, and the SDK verifies whole items, so an
//! index of an encrypted table projects every attribute.

use std::collections::BTreeMap;

use super::Cx;
use crate::error::{pointer_segment, SpecError};
use crate::ir::{self, CryptoAction, Kind, Projection};

/// The prefix the SDK reserves for its own attributes (`aws_dbe_head`, `aws_dbe_foot`).
pub(crate) const RESERVED_PREFIX: &str = "aws_dbe_";

fn field_pointer(f: &ir::Field, option: &str) -> String {
    format!("/fields/{}/{option}", pointer_segment(&f.name))
}

fn reserved(attr: &str) -> String {
    format!(
        "attribute `{attr}` of an encrypted table: names starting with `{RESERVED_PREFIX}` are the encryption SDK's own"
    )
}

/// What the per-field checks need of a model being built.
pub(crate) struct Shape<'a> {
    pub fields: &'a [ir::Field],
    pub hash: Option<usize>,
    pub range: Option<usize>,
    pub indexes: &'a [ir::Index],
    pub entity: Option<&'a ir::Entity>,
}

/// Why field `i` cannot be encrypted, if it cannot (one reason, the first).
fn refusal(m: &Shape<'_>, i: usize) -> Option<String> {
    let f = &m.fields[i];
    let name = &f.name;
    if f.version {
        return Some(format!(
            "`{name}` is the version field: it is never encrypted, since every save compares it in a condition"
        ));
    }
    if f.ty.kind == Kind::Ttl {
        return Some(format!(
            "`{name}` is the TTL field: it is never encrypted, since DynamoDB reads it to expire items"
        ));
    }
    if let Some(e) = m.entity {
        let templates =
            e.primary()
                .map(|t| (t, "the table".to_string()))
                .chain(e.indexes.iter().flat_map(|x| {
                    std::iter::once(&x.hash)
                        .chain(&x.range)
                        .map(move |t| (t, format!("index `{}`", x.name)))
                }));
        for (t, of) in templates {
            if t.fields().any(|p| p == i) {
                return Some(format!(
                    "`{name}` is a placeholder of {of}'s key template `{}` (attribute `{}`): \
                     keys are never encrypted, since DynamoDB reads them to find and sort items",
                    t.text(m.fields),
                    t.attr
                ));
            }
        }
        return None;
    }
    if Some(i) == m.hash || Some(i) == m.range {
        let role = if Some(i) == m.hash { "hash" } else { "range" };
        return Some(format!(
            "`{name}` is the {role} key: keys are never encrypted, since DynamoDB reads them to find and sort items"
        ));
    }
    if let Some(x) = m
        .indexes
        .iter()
        .find(|x| x.hash_keys.contains(&i) || x.range_keys.contains(&i))
    {
        return Some(format!(
            "`{name}` is a key of index `{}`: index keys are never encrypted, since DynamoDB reads them to find and sort items",
            x.name
        ));
    }
    None
}

/// The checks of one model's encrypted fields and indexes, while it is built (so that
/// they are reported with its other errors).
pub(crate) fn check_model(cx: &mut Cx<'_>, m: &Shape<'_>) {
    if !m.fields.iter().any(|f| f.encrypt) {
        return;
    }
    for (i, f) in m.fields.iter().enumerate() {
        if f.encrypt {
            if let Some(why) = refusal(m, i) {
                cx.err(&field_pointer(f, "encrypt"), why);
            }
        }
        if f.attribute.starts_with(RESERVED_PREFIX) {
            cx.err(
                &format!("/fields/{}", pointer_segment(&f.name)),
                reserved(&f.attribute),
            );
        }
    }
    for x in m.indexes {
        if x.projection != Projection::All {
            cx.err(
                &format!("/indexes/{}/projection", pointer_segment(&x.name)),
                format!(
                    "index `{}` of an encrypted model must project every attribute: the \
                     encryption SDK verifies the signature of whole items, so a partial \
                     item read from the index could not be checked",
                    x.name
                ),
            );
        }
    }
}

/// The action of each attribute a model writes, when its table is encrypted.
fn model_actions(m: &ir::Model, tables: &[ir::Table]) -> Vec<(String, CryptoAction, String)> {
    let mut out = Vec::new();
    let signed = |a: &str, p: &str| (a.to_string(), CryptoAction::SignOnly, p.to_string());
    match &m.entity {
        Some(e) => {
            if let Some(t) = tables.iter().find(|t| t.name == m.table) {
                for a in t.key_attributes() {
                    out.push(signed(a, "/keys"));
                }
            }
            out.push(signed(&e.attribute, "/entity"));
        }
        None => {
            out.push(signed(&m.fields[m.hash_key].attribute, "/hash_key"));
            if let Some(r) = m.range_key {
                out.push(signed(&m.fields[r].attribute, "/range_key"));
            }
        }
    }
    for f in &m.fields {
        let action = if f.encrypt {
            CryptoAction::EncryptAndSign
        } else if f.signed {
            CryptoAction::SignOnly
        } else {
            CryptoAction::DoNothing
        };
        let p = format!("/fields/{}", pointer_segment(&f.name));
        out.push((f.attribute.clone(), action, p.clone()));
        if let Some(old) = &f.renamed_from {
            out.push((old.clone(), action, format!("{p}/renamed_from")));
        }
    }
    out
}

/// Checks every model's encrypted fields and computes the attribute actions of every
/// encrypted table (stored in each of its models' `crypto`); errors are located.
pub(crate) fn check(models: &mut [ir::Model], tables: &[ir::Table], errors: &mut Vec<SpecError>) {
    let encrypted: Vec<String> = {
        let mut names: Vec<String> = models
            .iter()
            .filter(|m| m.fields.iter().any(|f| f.encrypt))
            .map(|m| m.table.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    };
    for m in models.iter() {
        if encrypted.contains(&m.table) {
            continue;
        }
        if m.plaintext_items {
            errors.push(SpecError::at(
                &m.source,
                "/plaintext_items",
                format!(
                    "\"plaintext_items\" is for a table being encrypted, and no field of table `{}` is (\"encrypt\": true)",
                    m.table
                ),
            ));
        }
        for f in m.fields.iter().filter(|f| !f.signed) {
            errors.push(SpecError::at(
                &m.source,
                &field_pointer(f, "signed"),
                format!(
                    "\"signed\": false is for models whose table is encrypted, and no field of table `{}` is (\"encrypt\": true)",
                    m.table
                ),
            ));
        }
    }
    for table in &encrypted {
        // One action per attribute, whichever model of the table writes it.
        let mut actions: BTreeMap<String, (CryptoAction, String, String)> = BTreeMap::new();
        for m in models.iter().filter(|m| &m.table == table) {
            for (attr, action, pointer) in model_actions(m, tables) {
                if attr.starts_with(RESERVED_PREFIX) {
                    errors.push(SpecError::at(&m.source, &pointer, reserved(&attr)));
                    continue;
                }
                match actions.get(&attr) {
                    Some((other, model, _)) if *other != action => {
                        errors.push(SpecError::at(
                            &m.source,
                            &pointer,
                            format!(
                                "attribute `{attr}` is {} here but {} in `{model}` of the same \
                                 table `{table}`: the table's encryption config gives each \
                                 attribute one action",
                                action.spec_words(),
                                other.spec_words()
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        actions.insert(attr, (action, m.name.clone(), pointer));
                    }
                }
            }
        }
        let list: Vec<(String, CryptoAction)> =
            actions.into_iter().map(|(a, (x, _, _))| (a, x)).collect();
        for m in models.iter_mut().filter(|m| &m.table == table) {
            m.crypto = list.clone();
        }
    }
}
