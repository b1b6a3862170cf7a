//! The generator's hooks ([`Options`]): serde impls, the runtime's path and extra
//! attributes, checked and recorded in the IR, so that emitters only copy them out. An
//! option that names no model, dict or field, or that does not parse, is an error; all of
//! them are reported together.

use crate::ir::{Field, Kind, Model};
use crate::{Error, Options};

pub(crate) fn apply(options: &Options, models: &mut [Model]) -> Result<(), Error> {
    let mut errors = Vec::new();
    if syn::parse_str::<syn::Path>(&options.runtime_path).is_err() {
        errors.push(format!(
            "runtime_path({:?}): not a Rust path (`::dynamongo_runtime`, `crate::runtime`)",
            options.runtime_path
        ));
    }
    for m in models.iter_mut() {
        m.serde = options.serde;
        m.runtime = options.runtime_path.clone();
    }
    for (target, attribute) in &options.type_attributes {
        let call = format!("type_attribute({target:?}, {attribute:?})");
        if let Err(e) = check_attribute(attribute) {
            errors.push(format!("{call}: {e}"));
            continue;
        }
        let mut found = 0;
        for m in models.iter_mut() {
            if target == "*" || target == &m.name {
                m.attributes.push(attribute.clone());
                found += 1;
            }
            let model = m.name.clone();
            for_each_dict(&mut m.fields, &model, &mut |path, attributes| {
                if target == "*" || target == path {
                    attributes.push(attribute.clone());
                    found += 1;
                }
            });
        }
        if found == 0 {
            errors.push(format!(
                "{call}: no model or dict is named so ({})",
                type_targets(models)
            ));
        }
    }
    for (target, attribute) in &options.field_attributes {
        let call = format!("field_attribute({target:?}, {attribute:?})");
        if let Err(e) = check_attribute(attribute) {
            errors.push(format!("{call}: {e}"));
            continue;
        }
        let mut found = 0;
        for m in models.iter_mut() {
            let model = m.name.clone();
            for_each_field(&mut m.fields, &model, &mut |path, field| {
                let all = path
                    .rsplit_once('.')
                    .is_some_and(|(owner, _)| target == &format!("{owner}.*"));
                if all || target == path {
                    field.attributes.push(attribute.clone());
                    found += 1;
                }
            });
        }
        if found == 0 {
            errors.push(format!(
                "{call}: no field has this path (a model's field is `Model.field`, a dict's \
                 `Model.dict.field`; `Model.*` is every field of a struct)"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{} error{} in the generator's options:\n{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        )))
    }
}

/// One or more outer attributes, and nothing else.
fn check_attribute(text: &str) -> Result<(), String> {
    let attrs = syn::parse::Parser::parse_str(syn::Attribute::parse_outer, text)
        .map_err(|e| format!("not an outer attribute (`#[derive(Hash)]`): {e}"))?;
    if attrs.is_empty() {
        return Err("not an outer attribute (`#[derive(Hash)]`): it is empty".to_string());
    }
    Ok(())
}

/// Every field at any depth with its path (`User.address.city`).
fn for_each_field(fields: &mut [Field], owner: &str, f: &mut impl FnMut(&str, &mut Field)) {
    for field in fields {
        let path = format!("{owner}.{}", field.name);
        f(&path, field);
        if let Some(d) = dict_of(&mut field.ty.kind) {
            for_each_field(&mut d.fields, &path, f);
        }
    }
}

/// Every dict at any depth with its path and its attributes.
fn for_each_dict(fields: &mut [Field], owner: &str, f: &mut impl FnMut(&str, &mut Vec<String>)) {
    for field in fields {
        let path = format!("{owner}.{}", field.name);
        if let Some(d) = dict_of(&mut field.ty.kind) {
            f(&path, &mut d.attributes);
            for_each_dict(&mut d.fields, &path, f);
        }
    }
}

/// The dict a field holds, directly or as the elements of a list or map.
fn dict_of(kind: &mut Kind) -> Option<&mut crate::ir::Dict> {
    match kind {
        Kind::Dict(d) => Some(d),
        Kind::List(t) | Kind::Map(t) => dict_of(&mut t.kind),
        _ => None,
    }
}

/// What a type attribute can name, for the error message.
fn type_targets(models: &mut [Model]) -> String {
    let mut names = vec!["\"*\"".to_string()];
    for m in models.iter_mut() {
        names.push(format!("{:?}", m.name));
        let model = m.name.clone();
        for_each_dict(&mut m.fields, &model, &mut |path, _| {
            names.push(format!("{path:?}"))
        });
    }
    format!("one of {}", names.join(", "))
}
