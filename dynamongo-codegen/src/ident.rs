//! Turning spec names into Rust identifiers: one table, tested.

use proc_macro2::{Ident, Span};

/// Keywords of every edition (strict and reserved). These become raw identifiers
/// (`r#type`), except the four that cannot be raw.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that `r#` cannot escape: these get a trailing underscore instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate"];

/// Whether `name` is a plain snake_case identifier a spec may use as a field name.
pub fn is_snake_ident(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c == '_' => {}
        _ => return false,
    }
    // rustc's `non_snake_case` also refuses `__` between words (`a__b`, not `__a` or `a_`).
    name != "_"
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.trim_matches('_').contains("__")
}

/// Whether `name` is a PascalCase type name.
pub fn is_pascal_ident(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
        && !KEYWORDS.contains(&name)
}

/// The identifier text for `name`: raw for keywords, `name_` for the four that cannot be raw.
pub fn escaped(name: &str) -> String {
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// A token for `name`, escaped as needed.
pub fn ident(name: &str) -> Ident {
    let text = escaped(name);
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(&text, Span::call_site()),
    }
}

/// A local name for generated code that no name in `taken` (field names, as escaped)
/// can shadow or be shadowed by: `base`, else `base_`, `base__`, ... (progenitor picks its
/// locals the same way).
pub fn fresh<'a>(base: &str, taken: impl IntoIterator<Item = &'a str> + Clone) -> Ident {
    let mut name = base.to_string();
    while taken.clone().into_iter().any(|t| escaped(t) == name) {
        name.push('_');
    }
    ident(&name)
}

/// The module (and file) name of a spec name: its snake_case, keyword modules raw
/// (`r#box` in `box.rs`, so the name here is `box`), `name_` for the keywords that cannot be
/// raw (`crate_`), and `name_` too where the file name could not be written: `mod`
/// (`mod.rs` is the index of the generated modules) and the names Windows reserves for
/// devices (`con`, `aux`, `nul`, `prn`, `com1`..`com9`, `lpt1`..`lpt9`).
pub fn module_name(name: &str) -> String {
    use heck::ToSnakeCase;
    let snake = name.to_snake_case();
    let reserved_file = snake == "mod"
        || ["con", "aux", "nul", "prn"].contains(&snake.as_str())
        || ["com", "lpt"].iter().any(|p| {
            snake
                .strip_prefix(p)
                .is_some_and(|d| d.len() == 1 && matches!(d.as_bytes()[0], b'1'..=b'9'))
        });
    if reserved_file {
        return format!("{snake}_");
    }
    escaped(&snake).trim_start_matches("r#").to_string()
}

/// A PascalCase variant name for an enum value (`"in progress"` → `InProgress`).
pub fn variant_name(value: &str) -> Option<String> {
    use heck::ToUpperCamelCase;
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut name = cleaned.to_upper_camel_case();
    if name.is_empty() {
        return None;
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_keywords() {
        assert_eq!(escaped("type"), "r#type");
        assert_eq!(escaped("match"), "r#match");
        assert_eq!(escaped("async"), "r#async");
        assert_eq!(escaped("self"), "self_");
        assert_eq!(escaped("super"), "super_");
        assert_eq!(escaped("crate"), "crate_");
        assert_eq!(escaped("name"), "name");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
    }

    #[test]
    fn snake_and_pascal() {
        assert!(is_snake_ident("year_of_birth"));
        assert!(is_snake_ident("_private"));
        assert!(!is_snake_ident("_"));
        assert!(!is_snake_ident("a__b"));
        assert!(is_snake_ident("__a"));
        assert!(is_snake_ident("a_"));
        assert!(!is_snake_ident("Year"));
        assert!(!is_snake_ident("my attr"));
        assert!(!is_snake_ident("a.b"));
        assert!(!is_snake_ident("1st"));
        assert!(!is_snake_ident("ключ"));
        assert!(is_pascal_ident("User"));
        assert!(!is_pascal_ident("user"));
        assert!(!is_pascal_ident("Self"));
    }

    #[test]
    fn fresh_names_avoid_fields() {
        assert_eq!(fresh("json", ["name", "email"]).to_string(), "json");
        assert_eq!(fresh("json", ["json", "json_"]).to_string(), "json__");
        assert_eq!(fresh("self", ["a"]).to_string(), "self_");
    }

    #[test]
    fn module_names_are_file_names() {
        assert_eq!(module_name("User"), "user");
        assert_eq!(module_name("Box"), "box");
        assert_eq!(module_name("Crate"), "crate_");
        assert_eq!(module_name("Mod"), "mod_");
        assert_eq!(module_name("mod"), "mod_");
        assert_eq!(module_name("Con"), "con_");
        assert_eq!(module_name("Com1"), "com1_");
        assert_eq!(module_name("Com10"), "com10");
        assert_eq!(module_name("random-st-0"), "random_st_0");
    }

    #[test]
    fn variants() {
        assert_eq!(variant_name("in progress").as_deref(), Some("InProgress"));
        assert_eq!(variant_name("ACTIVE").as_deref(), Some("Active"));
        assert_eq!(variant_name("2fa").as_deref(), Some("V2fa"));
        assert_eq!(variant_name("---"), None);
    }
}
