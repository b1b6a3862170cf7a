//! Schema evolution (DESIGN §11): what a change of the specs does to items already stored,
//! one finding per change, as buf's `breaking` does for protobuf. Both directions of a
//! rolling deploy are judged: new code reading old items, and old code still running
//! reading new ones.
//!
//! Each rule is one function below, named after its row of the table in DESIGN §11; every
//! finding says what happens to stored items and how to make the change safe.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::pointer_segment;
use crate::ir::{self, CryptoAction, Field, Kind, Model, Number, Rules, Table, Template};
use crate::{Error, Options};

/// How a change affects stored items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Stored items become unreadable or unreachable.
    Breaking,
    /// Stored items may be affected; a reviewer should look.
    Warning,
    /// Stored items read as before.
    Safe,
}

impl Class {
    /// `breaking`, `warning` or `safe`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Warning => "warning",
            Class::Safe => "safe",
        }
    }
}

/// One change between two spec sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The spec file (the new one; the old one for what was removed).
    pub file: String,
    /// The JSON pointer into that file.
    pub pointer: String,
    /// Breaking, warning or safe.
    pub class: Class,
    /// The rule (its row in DESIGN §11), for tools: `field-added-required`.
    pub rule: &'static str,
    /// What happens to stored items, and how to make the change safe.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}: {}",
            self.file,
            if self.pointer.is_empty() {
                "/"
            } else {
                &self.pointer
            },
            self.class.as_str(),
            self.message
        )
    }
}

impl Finding {
    /// The finding as JSON (`--format json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.file,
            "pointer": self.pointer,
            "class": self.class.as_str(),
            "rule": self.rule,
            "message": self.message,
        })
    }
}

/// Compares two spec sets: the findings of every change from `old` to `new`, breaking
/// ones first. Either set being invalid is its `Error::Spec`.
///
/// ```
/// use dynamongo_codegen::{breaking, Class, Options};
/// let v1 = r#"{"model": "User", "table": "users", "hash_key": "email",
///              "fields": {"email": {"type": "email", "required": true}}}"#;
/// let v2 = r#"{"model": "User", "table": "users", "hash_key": "email",
///              "fields": {"email": {"type": "email", "required": true},
///                         "age": {"type": "int", "required": true}}}"#;
/// let findings = breaking(
///     &Options::from_sources([("spec/user.json", v1)]),
///     &Options::from_sources([("spec/user.json", v2)]),
/// )?;
/// assert_eq!(findings[0].class, Class::Breaking);
/// assert_eq!(
///     findings[0].to_string(),
///     "spec/user.json: /fields/age: breaking: items stored before this change have no \"age\"; give it a default or make it optional"
/// );
/// # Ok::<(), dynamongo_codegen::Error>(())
/// ```
pub fn breaking(old: &Options, new: &Options) -> Result<Vec<Finding>, Error> {
    let old = crate::parse_options(old)?;
    let new = crate::parse_options(new)?;
    Ok(compare(&old, &new))
}

/// The findings of two checked spec sets.
pub fn compare(old: &crate::Specs, new: &crate::Specs) -> Vec<Finding> {
    let mut out = Out::default();
    let olds: BTreeMap<&str, &Model> = old.models.iter().map(|m| (m.name.as_str(), m)).collect();
    let news: BTreeMap<&str, &Model> = new.models.iter().map(|m| (m.name.as_str(), m)).collect();
    // A model gone and one new on the same table, with the same keys (and, for an
    // entity, the same entity name), is the model renamed: its items read as before.
    let same_items = |o: &Model, n: &Model| {
        let keys = |m: &Model| -> Vec<String> {
            match &m.entity {
                Some(e) => std::iter::once(e.name.clone())
                    .chain(e.primary().map(|t| t.text(&m.fields)))
                    .collect(),
                None => m.key_fields().iter().map(|f| f.attribute.clone()).collect(),
            }
        };
        o.table == n.table && keys(o) == keys(n)
    };
    let mut renamed: Vec<&str> = Vec::new();
    for (name, n) in &news {
        match olds.get(name) {
            Some(o) => model(&mut out, o, n, new),
            None => match olds
                .iter()
                .find(|(k, o)| !news.contains_key(*k) && !renamed.contains(k) && same_items(o, n))
            {
                Some((old_name, o)) => {
                    renamed.push(old_name);
                    out.push(
                        &n.source,
                        "/model",
                        Class::Safe,
                        "model-renamed",
                        format!(
                            "model `{old_name}` is now `{name}` (same table and keys): stored items read as before; code naming the old type changes"
                        ),
                    );
                    model(&mut out, o, n, new);
                }
                None => out.push(
                    &n.source,
                    "/model",
                    Class::Safe,
                    "model-added",
                    format!("new model `{name}`: nothing of it is stored yet"),
                ),
            },
        }
    }
    for (name, o) in &olds {
        if !news.contains_key(name) && !renamed.contains(name) {
            out.push(
                &o.source,
                "/model",
                Class::Warning,
                "model-removed",
                format!(
                    "model `{name}` is gone: its items stay in table `{}`, unread by this code",
                    o.table
                ),
            );
        }
    }
    let old_tables: BTreeMap<&str, &Table> =
        old.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    for t in &new.tables {
        match old_tables.get(t.name.as_str()) {
            Some(o) => table_file(&mut out, o, t, new),
            None => out.push(
                &t.source,
                "/table",
                Class::Safe,
                "table-added",
                format!("new table file `{}`: nothing of it is stored yet", t.name),
            ),
        }
    }
    out.0
        .sort_by(|a, b| (a.class, &a.file, &a.pointer).cmp(&(b.class, &b.file, &b.pointer)));
    out.0
}

#[derive(Default)]
struct Out(Vec<Finding>);

impl Out {
    fn push(
        &mut self,
        file: &str,
        pointer: &str,
        class: Class,
        rule: &'static str,
        message: String,
    ) {
        self.0.push(Finding {
            file: file.to_string(),
            pointer: pointer.to_string(),
            class,
            rule,
            message,
        });
    }
}

fn field_pointer(prefix: &str, f: &Field) -> String {
    format!("{prefix}/fields/{}", pointer_segment(&f.name))
}

/// The rows of one model: keys and entity, indexes, fields, the rest.
fn model(out: &mut Out, o: &Model, n: &Model, new: &crate::Specs) {
    let file = n.source.as_str();
    if o.table != n.table {
        out.push(file, "/table", Class::Breaking, "table-renamed", format!(
            "the table changes from `{}` to `{}`: stored items stay in `{}`, where this model no longer looks; copy them over first",
            o.table, n.table, o.table
        ));
        return;
    }
    keys(out, o, n);
    indexes(out, o, n, new);
    encryption(out, o, n);
    // Field-level breaking rows are covered by an Upgrade impl the user writes.
    let mut fields_out = Out::default();
    fields(&mut fields_out, "", &o.fields, &n.fields, file, &o.source);
    for mut f in fields_out.0 {
        if n.upgrade && f.class == Class::Breaking {
            f.class = Class::Warning;
            f.message = format!(
                "{}; covered by the model's Upgrade impl: test it on items stored before",
                f.message
            );
        }
        out.0.push(f);
    }
    // An entity's table settings are its table file's (compared there).
    if n.entity.is_none() {
        capacity(
            out,
            file,
            (o.throughput, o.stream),
            (n.throughput, n.stream),
        );
    }
    if o.doc != n.doc {
        out.push(
            file,
            "/doc",
            Class::Safe,
            "doc",
            "documentation only; stored items are untouched".into(),
        );
    }
    if !o.upgrade && n.upgrade {
        out.push(
            file,
            "/upgrade",
            Class::Safe,
            "upgrade-added",
            "stored items now go through the model's Upgrade impl before they are read".into(),
        );
    }
}

/// Client-side encryption (DESIGN §14): the attribute actions of the model's table. The
/// SDK reads an item with the actions it was written with, so a stored item's action
/// never changes in place: encrypting a table that holds plaintext items needs its
/// declared migration (`"plaintext_items": true` and the model's backfill); any other
/// change of a stored attribute's action needs a copy to a new table.
fn encryption(out: &mut Out, o: &Model, n: &Model) {
    let file = n.source.as_str();
    let pointer_of = |attr: &str, option: &str| -> String {
        n.fields
            .iter()
            .find(|f| f.attribute == attr)
            .map(|f| format!("{}/{option}", field_pointer("", f)))
            .unwrap_or_default()
    };
    let name = &n.name;
    match (o.encrypted_table(), n.encrypted_table()) {
        (false, false) => {}
        (false, true) => {
            let first = n
                .crypto
                .iter()
                .find(|(_, a)| *a == CryptoAction::EncryptAndSign);
            let pointer = first.map_or(String::new(), |(a, _)| pointer_of(a, "encrypt"));
            if n.plaintext_items {
                out.push(file, &pointer, Class::Warning, "table-encrypted", format!(
                    "table `{}` becomes encrypted, with its stored plaintext items declared (\"plaintext_items\": true): \
                     they are read as they are; deploy this to every reader first, then run `{name}::backfill(&db)` to encrypt them, \
                     then remove \"plaintext_items\" (until then a plaintext item is accepted unsigned)",
                    n.table
                ));
            } else {
                out.push(file, &pointer, Class::Breaking, "table-encrypted", format!(
                    "table `{}` becomes encrypted: its stored items are plaintext and unsigned, and the encryption SDK refuses to read them; \
                     declare them with \"plaintext_items\": true and run `{name}::backfill(&db)` to encrypt them",
                    n.table
                ));
            }
        }
        (true, false) => {
            out.push(file, "", Class::Breaking, "table-decrypted", format!(
                "table `{}` is no longer encrypted: its stored items hold ciphertext and the SDK's attributes, which this model reads as garbage; \
                 copy them to a new table with a Db that decrypts the old model (`backfill::copy`)",
                o.table
            ));
        }
        (true, true) => {
            for (attr, new_action) in &n.crypto {
                let Some((_, old_action)) = o.crypto.iter().find(|(a, _)| a == attr) else {
                    continue;
                };
                if old_action == new_action {
                    continue;
                }
                let option = if *new_action == CryptoAction::DoNothing
                    || *old_action == CryptoAction::DoNothing
                {
                    "signed"
                } else {
                    "encrypt"
                };
                let rule = if new_action > old_action {
                    "attribute-action-downgraded"
                } else {
                    "attribute-action-upgraded"
                };
                out.push(file, &pointer_of(attr, option), Class::Breaking, rule, format!(
                    "`{attr}` changes from {} to {}: stored items were written {}, and the encryption SDK reads an item with the actions it was written with; \
                     keep the action, or copy the items to a new table whose model has the new one (`backfill::copy`, with a Db that encrypts both)",
                    old_action.spec_words(), new_action.spec_words(), old_action.spec_words()
                ));
            }
        }
    }
    if o.plaintext_items && !n.plaintext_items && n.encrypted_table() {
        out.push(file, "/plaintext_items", Class::Warning, "plaintext-items-removed", format!(
            "plaintext items are no longer read: run `{name}::backfill(&db)` to the end first (it encrypts every item still stored plaintext), or they fail to read"
        ));
    }
}

/// Keys: fields and attributes of plain models; entity names and templates of entities.
fn keys(out: &mut Out, o: &Model, n: &Model) {
    let file = n.source.as_str();
    let key_desc = |m: &Model| -> Vec<(String, String, &'static str)> {
        m.key_fields()
            .iter()
            .map(|f| (f.name.clone(), f.attribute.clone(), f.ty.kind.spec_name()))
            .collect()
    };
    match (&o.entity, &n.entity) {
        (None, None) => {
            for (what, of, nf) in [("hash", Some(o.hash()), Some(n.hash())), ("range", o.range(), n.range())] {
                let pointer = format!("/{what}_key");
                match (of, nf) {
                    (Some(a), Some(b)) if a.name != b.name || a.attribute != b.attribute => out.push(
                        file,
                        &pointer,
                        Class::Breaking,
                        "key-changed",
                        format!(
                            "the {what} key changes from `{}` (attribute `{}`) to `{}` (attribute `{}`): stored items are at other keys; write them again under the new key",
                            a.name, a.attribute, b.name, b.attribute
                        ),
                    ),
                    (Some(a), Some(b)) if storage(&a.ty.kind) != storage(&b.ty.kind) => out.push(
                        file,
                        &field_pointer("", b),
                        Class::Breaking,
                        "key-type-changed",
                        format!(
                            "key field `{}` changes from `{}` to `{}`: stored keys no longer parse, and new keys differ; copy the items into a new table with `backfill::copy::<Old, New>(&db, map)`",
                            b.name, a.ty.kind.spec_name(), b.ty.kind.spec_name()
                        ),
                    ),
                    (Some(a), None) | (None, Some(a)) => out.push(
                        file,
                        &pointer,
                        Class::Breaking,
                        "key-changed",
                        format!(
                            "the {what} key `{}` is {}: the table's key schema differs, and stored items are at other keys; a new table is needed: fill it with `backfill::copy::<Old, New>(&db, map)`",
                            a.name,
                            if of.is_some() { "removed" } else { "added" }
                        ),
                    ),
                    _ => {}
                }
            }
        }
        (Some(oe), Some(ne)) => {
            if oe.name != ne.name {
                out.push(file, "/entity", Class::Breaking, "entity-renamed", format!(
                    "the entity name changes from `{}` to `{}`: stored items hold `{}` in `{}` and are no longer recognised as this entity; rewrite them first: `backfill::copy::<Old, New>(&db, map).replace_if(|_| a field of theirs .exists())` (the old model's generated code reads them; same keys, replaced in place)",
                    oe.name, ne.name, oe.name, ne.attribute
                ));
            }
            for (ot, nt) in oe.primary().zip(ne.primary()) {
                let (a, b) = (ot.text(&o.fields), nt.text(&n.fields));
                if a != b || template_types(ot, &o.fields) != template_types(nt, &n.fields) {
                    out.push(file, &format!("/keys/{}", pointer_segment(&nt.attr)), Class::Breaking, "key-template-changed", format!(
                        "the key `{}` changes from `{a}` to `{b}`: stored items are at keys rendered the old way, where this code no longer looks; write them again under the new keys with `backfill::copy::<Old, New>(&db, map)` (the old model's generated code reads them)",
                        nt.attr
                    ));
                }
            }
            for f in n.key_fields() {
                if let Some(of) = o.fields.iter().find(|x| x.name == f.name) {
                    if of.attribute != f.attribute {
                        out.push(file, &field_pointer("", f), Class::Breaking, "key-changed", format!(
                            "key field `{}` is stored as `{}`, no longer `{}`: keys parse from the template, but the field's own attribute on stored items is the old one",
                            f.name, f.attribute, of.attribute
                        ));
                    }
                }
            }
        }
        _ => out.push(file, "/keys", Class::Breaking, "key-changed", format!(
            "the model {} an entity of a single-table design: its items are at other keys{}; move them first",
            if n.entity.is_some() { "becomes" } else { "is no longer" },
            if key_desc(o) != key_desc(n) { " with other key fields" } else { "" }
        )),
    }
}

/// Placeholder types of a template, in order.
fn template_types(t: &Template, fields: &[Field]) -> Vec<&'static str> {
    t.fields().map(|i| fields[i].ty.kind.spec_name()).collect()
}

/// Secondary indexes: plain models' and entities' templates.
fn indexes(out: &mut Out, o: &Model, n: &Model, new: &crate::Specs) {
    let file = n.source.as_str();
    // Plain indexes, by DynamoDB name.
    for i in &n.indexes {
        let p = format!("/indexes/{}", pointer_segment(&i.name));
        match o.indexes.iter().find(|x| x.index_name == i.index_name) {
            None if i.local => out.push(file, &p, Class::Breaking, "lsi-added", format!(
                "local index `{}` is added to an existing table: local indexes exist only from CreateTable; create a new table (or make it global)",
                i.index_name
            )),
            None => out.push(file, &p, Class::Safe, "gsi-added", format!(
                "global index `{}` is added: DynamoDB fills it from the stored items (UpdateTable)",
                i.index_name
            )),
            Some(x) => {
                let names = |m: &Model, ks: &[usize]| ks.iter().map(|k| m.fields[*k].attribute.clone()).collect::<Vec<_>>();
                if names(o, &x.hash_keys) != names(n, &i.hash_keys) || names(o, &x.range_keys) != names(n, &i.range_keys) || x.local != i.local {
                    out.push(file, &p, Class::Breaking, "index-key-changed", format!(
                        "the keys of index `{}` change: an index's key schema cannot change; add a new index and drop the old one once it is filled",
                        i.index_name
                    ));
                }
            }
        }
    }
    for i in &o.indexes {
        if !n.indexes.iter().any(|x| x.index_name == i.index_name) {
            out.push(&o.source, &format!("/indexes/{}", pointer_segment(&i.name)), Class::Safe, "index-removed", format!(
                "index `{}` is removed: stored items are untouched (drop the index from the table when no reader uses it)",
                i.index_name
            ));
        }
    }
    // An entity's index templates.
    if let (Some(oe), Some(ne)) = (&o.entity, &n.entity) {
        for ni in &ne.indexes {
            let old = oe.indexes.iter().find(|x| x.name == ni.name);
            let templates = |e: &ir::EntityIndex| {
                std::iter::once(e.hash.clone())
                    .chain(e.range.clone())
                    .collect::<Vec<_>>()
            };
            match old {
                None => {
                    let t = &ni.hash;
                    let existed = new.tables.iter().any(|tab| tab.name == n.table);
                    out.push(file, &format!("/keys/{}", pointer_segment(&t.attr)), Class::Warning, "gsi-added-templated", format!(
                        "the entity joins index `{}`: items stored before this change lack `{}`{} until they are saved again; run `Model::backfill(&db)` (it writes the index keys) before relying on the index",
                        ni.name,
                        t.attr,
                        if existed { "" } else { " (its table is new)" }
                    ));
                }
                Some(oi) => {
                    for (ot, nt) in templates(oi).iter().zip(templates(ni).iter()) {
                        if ot.text(&o.fields) != nt.text(&n.fields) {
                            out.push(file, &format!("/keys/{}", pointer_segment(&nt.attr)), Class::Breaking, "index-template-changed", format!(
                                "the index key `{}` changes from `{}` to `{}`: stored items keep the old index keys until rewritten, so index reads miss them; run `Model::backfill(&db)` to rewrite them",
                                nt.attr,
                                ot.text(&o.fields),
                                nt.text(&n.fields)
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// The fields of a model or dict (`prefix` is the pointer of the dict's field).
fn fields(out: &mut Out, prefix: &str, old: &[Field], new: &[Field], file: &str, old_file: &str) {
    let removed: Vec<&Field> = old
        .iter()
        .filter(|o| !new.iter().any(|n| n.name == o.name))
        .collect();
    let added: Vec<&Field> = new
        .iter()
        .filter(|n| !old.iter().any(|o| o.name == n.name))
        .collect();
    let mut explained: Vec<&str> = Vec::new();
    for a in &added {
        let p = field_pointer(prefix, a);
        // Renamed in code only: the field keeps its stored attribute (`"attribute"`), so
        // stored items do not change; what else changed is judged as for one field.
        if let Some(r) = removed
            .iter()
            .find(|r| r.attribute == a.attribute && !explained.contains(&r.name.as_str()))
        {
            explained.push(&r.name);
            out.push(file, &p, Class::Safe, "field-renamed-in-code", format!(
                "field `{}` is `{}` in code now and still stored as `{}`: stored items do not change",
                r.name, a.name, a.attribute
            ));
            field(out, prefix, r, a, file, old_file);
            continue;
        }
        // A declared rename: the new field reads the old attribute.
        if let Some(r) = a
            .renamed_from
            .as_ref()
            .and_then(|old_attr| old.iter().find(|o| o.attribute == *old_attr))
        {
            explained.push(&r.name);
            if storage(&r.ty.kind) != storage(&a.ty.kind) {
                out.push(file, &p, Class::Breaking, "field-type-changed", format!(
                    "`{}` reads `{}`, which was stored as `{}`, now `{}`: stored values no longer read",
                    a.name, r.attribute, r.ty.kind.spec_name(), a.ty.kind.spec_name()
                ));
            } else {
                let head = format!("field `{}` renamed to `{}`", r.name, a.name);
                declared_rename(out, file, &p, &head, r, a);
            }
            continue;
        }
        if needs_stored_value(a) {
            let rename = removed
                .iter()
                .find(|r| !explained.contains(&r.name.as_str()));
            match rename {
                Some(r) => {
                    explained.push(&r.name);
                    out.push(file, &p, Class::Breaking, "field-renamed-undeclared", format!(
                        "`{}` is gone and `{}` is new and required: if this is a rename, stored items hold `{}`, not `{}`, and fail to read; add \"renamed_from\": \"{}\" (or give `{}` a default)",
                        r.name, a.name, r.attribute, a.attribute, r.attribute, a.name
                    ));
                }
                None => out.push(file, &p, Class::Breaking, "field-added-required", format!(
                    "items stored before this change have no \"{}\"; give it a default or make it optional",
                    a.attribute
                )),
            }
            continue;
        }
        let rename = removed.iter().find(|r| {
            !explained.contains(&r.name.as_str()) && storage(&r.ty.kind) == storage(&a.ty.kind)
        });
        if let Some(r) = rename {
            explained.push(&r.name);
            out.push(file, &p, Class::Warning, "field-maybe-renamed", format!(
                "`{}` is gone and `{}` (same type, optional) is new: if this is a rename, add \"renamed_from\": \"{}\"; old values are not read",
                r.name, a.name, r.attribute
            ));
            continue;
        }
        let (rule, what) = if a.version {
            (
                "version-added",
                "the version field is added: stored items read as version 0".to_string(),
            )
        } else if a.ty.kind == Kind::Ttl {
            ("ttl-added", "the TTL field is added: items stored before have none and never expire until saved with one".to_string())
        } else if a.default.is_some() || a.ty.kind.always_present() {
            (
                "field-added-default",
                format!(
                    "new field `{}`: items stored before read its default",
                    a.name
                ),
            )
        } else {
            (
                "field-added-optional",
                format!(
                    "new optional field `{}`: items stored before read it as absent",
                    a.name
                ),
            )
        };
        out.push(file, &p, Class::Safe, rule, what);
    }
    for r in &removed {
        if explained.contains(&r.name.as_str()) {
            continue;
        }
        out.push(old_file, &field_pointer(prefix, r), Class::Warning, "field-removed", format!(
            "field `{}` is removed: the attribute `{}` stays on stored items, unread (and is dropped on their next save)",
            r.name, r.attribute
        ));
    }
    for n in new {
        let Some(o) = old.iter().find(|o| o.name == n.name) else {
            continue;
        };
        field(out, prefix, o, n, file, old_file);
    }
}

/// A declared rename (`renamed_from`) of `old` as `new`: safe for new code reading old
/// items; code still running the old model reads the old attribute, which items saved by
/// the new one no longer have: a warning when the old model requires it.
fn declared_rename(out: &mut Out, file: &str, pointer: &str, head: &str, old: &Field, new: &Field) {
    let (class, forward) = if old.required && old.default.is_none() {
        (
            Class::Warning,
            format!(
                "; code still running the old model needs `{}`, which items saved by the new one lack: deploy readers first",
                old.attribute
            ),
        )
    } else {
        (Class::Safe, String::new())
    };
    out.push(file, pointer, class, "field-renamed", format!(
        "{head}: stored items are read from `{}` (renamed_from) and written back as `{}` on their next save (`Model::backfill(&db)` rewrites them all; then `renamed_from` can go){forward}",
        old.attribute, new.attribute
    ));
}

/// Whether items stored without `f` fail to read: it is required, with no default (a
/// version field has 0) and not a collection (read as empty).
fn needs_stored_value(f: &Field) -> bool {
    f.required && f.default.is_none() && !f.ty.kind.always_present()
}

/// What a field's values are stored as: DynamoDB type and text format. Two kinds with
/// the same storage read each other's values.
fn storage(kind: &Kind) -> String {
    match kind {
        Kind::Int | Kind::Float => "N".into(),
        Kind::String | Kind::Email | Kind::Url | Kind::IpAddress | Kind::Enum(_) => "S text".into(),
        Kind::List(t) => format!("L of {}", storage(&t.kind)),
        Kind::Map(t) => format!("M of {}", storage(&t.kind)),
        Kind::Dict(_) => "M".into(),
        other => other.spec_name().to_string(),
    }
}

fn field(out: &mut Out, prefix: &str, o: &Field, n: &Field, file: &str, old_file: &str) {
    let p = field_pointer(prefix, n);
    // The attribute.
    if o.attribute != n.attribute {
        let declared = n.renamed_from.as_deref() == Some(o.attribute.as_str());
        if declared {
            let head = format!("`{}` is stored as `{}` now", n.name, n.attribute);
            declared_rename(out, file, &format!("{p}/attribute"), &head, o, n);
        } else if n.required && n.default.is_none() {
            out.push(file, &format!("{p}/attribute"), Class::Breaking, "attribute-renamed", format!(
                "`{}` is stored as `{}`, no longer `{}`: stored items have no `{}` and fail to read; add \"renamed_from\": \"{}\"",
                n.name, n.attribute, o.attribute, n.attribute, o.attribute
            ));
        } else {
            out.push(file, &format!("{p}/attribute"), Class::Warning, "field-maybe-renamed", format!(
                "`{}` is stored as `{}`, no longer `{}`: if this is a rename, add \"renamed_from\": \"{}\"; old values are not read",
                n.name, n.attribute, o.attribute, o.attribute
            ));
        }
    }
    // The type.
    kind(out, &p, &o.ty.kind, &n.ty.kind, file, old_file, &n.name);
    // Presence.
    let optional = |f: &Field| !f.required;
    if optional(o) && !optional(n) && !n.version {
        if needs_stored_value(n) {
            out.push(
                file,
                &format!("{p}/required"),
                Class::Breaking,
                "field-now-required",
                format!(
                "`{}` becomes required: items stored without it fail to read; give it a default",
                n.name
            ),
            );
        } else {
            out.push(file, &format!("{p}/required"), Class::Warning, "validation-tightened", format!(
                "`{}` becomes required (with a default): stored items without it read the default, and may fail validate() on their next save",
                n.name
            ));
        }
    } else if !optional(o) && optional(n) {
        out.push(
            file,
            &format!("{p}/required"),
            Class::Safe,
            "validation-loosened",
            format!("`{}` becomes optional", n.name),
        );
    }
    rules(out, &p, &o.ty.rules, &n.ty.rules, file, &n.name);
    if o.doc != n.doc {
        out.push(
            file,
            &format!("{p}/doc"),
            Class::Safe,
            "doc",
            "documentation only; stored items are untouched".into(),
        );
    }
}

fn kind(out: &mut Out, p: &str, o: &Kind, n: &Kind, file: &str, old_file: &str, name: &str) {
    match (o, n) {
        (Kind::Enum(a), Kind::Enum(b)) => {
            for (_, value) in &a.variants {
                let kept = b.variants.iter().any(|(_, s)| s == value);
                let aliased = b.aliases.iter().any(|(old, _)| old == value);
                if !kept && !aliased {
                    out.push(file, &format!("{p}/values"), Class::Breaking, "enum-value-removed", format!(
                        "enum value `{value}` of `{name}` is removed: stored items that hold it fail to read; add \"aliases\": {{\"{value}\": \"<a value it has>\"}}"
                    ));
                } else if aliased {
                    out.push(file, &format!("{p}/aliases"), Class::Safe, "enum-value-aliased", format!(
                        "enum value `{value}` of `{name}` is removed and aliased: stored items read it as its alias, and are written back with the new value on their next save"
                    ));
                }
            }
            for (_, value) in &b.variants {
                if !a.variants.iter().any(|(_, s)| s == value) {
                    out.push(file, &format!("{p}/values"), Class::Warning, "enum-value-added", format!(
                        "enum value `{value}` of `{name}` is added: code still running the old model fails on items that hold it (deploy readers first)"
                    ));
                }
            }
        }
        (Kind::Dict(a), Kind::Dict(b)) => fields(out, p, &a.fields, &b.fields, file, old_file),
        (Kind::List(a), Kind::List(b)) | (Kind::Map(a), Kind::Map(b)) => {
            kind(out, &format!("{p}/items"), &a.kind, &b.kind, file, old_file, name)
        }
        _ if o.spec_name() == n.spec_name() => {}
        // Values of the old type read as the new one.
        (Kind::Email | Kind::Url | Kind::IpAddress, Kind::String) => out.push(
            file,
            &format!("{p}/type"),
            Class::Safe,
            "field-type-widened",
            format!("`{name}` changes from `{}` to `{}`: stored values read as the new type", o.spec_name(), n.spec_name()),
        ),
        // Backward safe, but code still running the old model may meet values it cannot
        // read (a rolling deploy).
        (Kind::Int, Kind::Float) | (Kind::Enum(_), Kind::String) => out.push(
            file,
            &format!("{p}/type"),
            Class::Warning,
            "field-type-widened",
            format!(
                "`{name}` changes from `{}` to `{}`: stored values read as the new type, but code still running the old model fails on new values it cannot hold (a {}); deploy readers first",
                o.spec_name(),
                n.spec_name(),
                if matches!(o, Kind::Int) { "fraction" } else { "string outside the enum" }
            ),
        ),
        (Kind::String, Kind::Email | Kind::Url | Kind::IpAddress) => out.push(
            file,
            &format!("{p}/type"),
            Class::Warning,
            "validation-tightened",
            format!(
                "`{name}` changes from `string` to `{}`: stored values read, but may fail validate() on their next save",
                n.spec_name()
            ),
        ),
        _ => out.push(file, &format!("{p}/type"), Class::Breaking, "field-type-changed", format!(
            "`{name}` changes from `{}` ({}) to `{}` ({}): stored values fail to read; add a new field and copy the values over (or an Upgrade impl)",
            o.spec_name(),
            storage(o),
            n.spec_name(),
            storage(n)
        )),
    }
}

fn num(n: Option<Number>) -> Option<f64> {
    n.map(|n| match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    })
}

/// Validation tightened (a warning: stored items may fail `validate()` on their next
/// save) or loosened (safe).
fn rules(out: &mut Out, p: &str, o: &Rules, n: &Rules, file: &str, name: &str) {
    let mut tightened = Vec::new();
    let mut loosened = Vec::new();
    let mut bound = |what: &str, a: Option<f64>, b: Option<f64>, lower: bool| match (a, b) {
        (None, Some(_)) => tightened.push(format!("{what} added")),
        (Some(_), None) => loosened.push(format!("{what} removed")),
        (Some(x), Some(y)) if (lower && y > x) || (!lower && y < x) => {
            tightened.push(format!("{what} {x} → {y}"))
        }
        (Some(x), Some(y)) if x != y => loosened.push(format!("{what} {x} → {y}")),
        _ => {}
    };
    bound("min_value", num(o.min_value), num(n.min_value), true);
    bound("max_value", num(o.max_value), num(n.max_value), false);
    bound(
        "min_length",
        o.min_length.map(|v| v as f64),
        n.min_length.map(|v| v as f64),
        true,
    );
    bound(
        "max_length",
        o.max_length.map(|v| v as f64),
        n.max_length.map(|v| v as f64),
        false,
    );
    match (&o.regex, &n.regex) {
        (None, Some(_)) => tightened.push("regex added".into()),
        (Some(a), Some(b)) if a != b => tightened.push("regex changed".into()),
        (Some(_), None) => loosened.push("regex removed".into()),
        _ => {}
    }
    match (&o.choices, &n.choices) {
        (None, Some(_)) => tightened.push("choices added".into()),
        (Some(a), Some(b)) if a.iter().any(|c| !b.contains(c)) => {
            tightened.push("choices reduced".into())
        }
        (Some(a), Some(b)) if a != b => loosened.push("choices added to".into()),
        (Some(_), None) => loosened.push("choices removed".into()),
        _ => {}
    }
    if !tightened.is_empty() {
        out.push(file, p, Class::Warning, "validation-tightened", format!(
            "validation of `{name}` tightened ({}): stored items may fail validate() on their next save; check them first",
            tightened.join(", ")
        ));
    }
    if !loosened.is_empty() {
        out.push(
            file,
            p,
            Class::Safe,
            "validation-loosened",
            format!("validation of `{name}` loosened ({})", loosened.join(", ")),
        );
    }
}

/// A table file's rows: its keys and entity attribute; indexes no entity uses yet.
fn table_file(out: &mut Out, o: &Table, n: &Table, new: &crate::Specs) {
    let file = n.source.as_str();
    for (what, a, b) in [
        ("hash_key", Some(&o.hash_key), Some(&n.hash_key)),
        ("range_key", o.range_key.as_ref(), n.range_key.as_ref()),
    ] {
        if a != b {
            out.push(file, &format!("/{what}"), Class::Breaking, "key-changed", format!(
                "the table's {} changes from {:?} to {:?}: the key schema of a table cannot change; a new table is needed: fill it with `backfill::copy::<Old, New>(&db, map)`",
                what.replace('_', " "),
                a.map(String::as_str).unwrap_or("none"),
                b.map(String::as_str).unwrap_or("none")
            ));
        }
    }
    if o.entity_attribute != n.entity_attribute {
        out.push(file, "/entity_attribute", Class::Breaking, "entity-attribute-changed", format!(
            "the entity attribute changes from `{}` to `{}`: stored items hold their entity in `{}` and are recognised as none; rewrite them first: `backfill::copy::<Old, New>(&db, map).replace_if(|_| a field of theirs .exists())` for each entity (the old models' generated code reads them)",
            o.entity_attribute, n.entity_attribute, o.entity_attribute
        ));
    }
    for i in &n.indexes {
        let p = format!("/indexes/{}", pointer_segment(&i.name));
        match o.indexes.iter().find(|x| x.name == i.name) {
            Some(x) if x.hash_key != i.hash_key || x.range_key != i.range_key || x.natural != i.natural => out.push(file, &p, Class::Breaking, "index-key-changed", format!(
                "the keys of index `{}` change: an index's key schema cannot change; add a new index and drop the old one once it is filled",
                i.name
            )),
            Some(_) => {}
            None if i.local => out.push(file, &p, Class::Breaking, "lsi-added", format!(
                "local index `{}` is added: DynamoDB creates local indexes with the table only; a new table is needed (`backfill::copy`)",
                i.name
            )),
            None => {
                let used = new.models.iter().any(|m| {
                    m.table == n.name && m.entity.as_ref().is_some_and(|e| e.indexes.iter().any(|x| x.name == i.name))
                });
                if i.natural.is_some() {
                    out.push(file, &p, Class::Safe, "gsi-added", format!(
                        "index `{}` is added, keyed by the entities' own attributes: DynamoDB fills it from the stored items (UpdateTable)", i.name
                    ));
                } else if !used {
                    out.push(file, &p, Class::Safe, "gsi-added", format!(
                        "index `{}` is added; no entity is in it yet", i.name
                    ));
                }
            }
        }
    }
    capacity(
        out,
        file,
        (o.throughput, o.stream),
        (n.throughput, n.stream),
    );
}

/// Throughput and stream: safe, stored items are untouched.
fn capacity(
    out: &mut Out,
    file: &str,
    old: (ir::Throughput, Option<ir::StreamView>),
    new: (ir::Throughput, Option<ir::StreamView>),
) {
    if old.0 != new.0 {
        out.push(
            file,
            "/throughput",
            Class::Safe,
            "throughput",
            "capacity changes; stored items are untouched".into(),
        );
    }
    if old.1 != new.1 {
        out.push(
            file,
            "/stream",
            Class::Safe,
            "stream",
            "the stream changes; stored items are untouched".into(),
        );
    }
}
