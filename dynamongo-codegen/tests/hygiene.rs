//! Schema-valid single-table designs and models whose names or texts meet what the
//! generator writes: each minimal spec generates, and what it generates avoids the clash.
//! That the code compiles clippy-clean is the random-spec property test's part
//! (`tests/src/specgen.rs` draws every form here).

use dynamongo_codegen::{generate, Generated, Layout, Options};
use serde_json::{json, Value};

fn run(specs: &[(&str, Value)]) -> Generated {
    let sources: Vec<(String, String)> = specs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    generate(&Options::from_sources(sources).layout(Layout::Modules))
        .unwrap_or_else(|e| panic!("does not generate:\n{e}"))
}

fn file<'a>(g: &'a Generated, name: &str) -> &'a str {
    g.files
        .iter()
        .find(|f| f.path.to_str() == Some(name))
        .map(|f| f.contents.as_str())
        .unwrap_or_else(|| {
            let names: Vec<_> = g
                .files
                .iter()
                .map(|f| f.path.display().to_string())
                .collect();
            panic!("no {name} among {names:?}")
        })
}

/// A table `app` (pk, sk) with `collections`, and entity specs built from (model, keys,
/// fields).
fn design(table: Value, entities: &[(&str, Value, Value)]) -> Generated {
    let mut specs = vec![("app.json", table)];
    let files: Vec<String> = entities.iter().map(|(m, ..)| format!("{m}.json")).collect();
    for ((model, keys, fields), f) in entities.iter().zip(&files) {
        specs.push((
            f.as_str(),
            json!({"model": model, "table": "app", "keys": keys, "fields": fields}),
        ));
    }
    run(&specs)
}

/// The generated files' paths, sorted.
fn sorted_paths(g: &Generated) -> Vec<String> {
    let mut paths: Vec<String> = g
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    paths.sort();
    paths
}

/// Asserts that generated file `name` holds every one of `items` (the start of an item).
fn defines(g: &Generated, name: &str, items: &[&str]) {
    let code = file(g, name);
    for item in items {
        assert!(code.contains(item), "no `{item}` in {name}:\n{code}");
    }
}

fn doc_lines(code: &str) -> impl Iterator<Item = &str> {
    code.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("///"))
}

#[test]
fn template_text_is_escaped_in_docs() {
    let g = design(
        json!({"table": "app", "hash_key": "pk", "range_key": "sk",
               "collections": {"all": {"entities": ["Alpha"]}}}),
        &[(
            "Alpha",
            json!({"pk": "a\t{id}", "sk": "x\n```\n{id}"}),
            json!({"id": {"type": "string", "required": true}}),
        )],
    );
    for f in ["alpha.rs", "app.rs"] {
        let code = file(&g, f);
        assert!(!code.contains('\t'), "a tab in {f}:\n{code}");
        assert!(
            doc_lines(code).all(|l| !l.trim_start_matches('/').trim().starts_with("```")),
            "a fence opens a doc block in {f}:\n{code}"
        );
    }
    assert!(file(&g, "alpha.rs").contains(r"`pk` = `a\t{id}`, `sk` = ````x\n```\n{id}````"));
}

#[test]
fn a_literal_partition_takes_no_argument() {
    let g = design(
        json!({"table": "app", "hash_key": "pk", "range_key": "sk",
               "collections": {"everything": {"entities": ["Alpha", "Beta"]}}}),
        &[
            (
                "Alpha",
                json!({"pk": "all", "sk": "a#{id}"}),
                json!({"id": {"type": "string", "required": true}}),
            ),
            (
                "Beta",
                json!({"pk": "all", "sk": "b#{id}"}),
                json!({"id": {"type": "string", "required": true}}),
            ),
        ],
    );
    let app = file(&g, "app.rs");
    let flat: String = app.split_whitespace().collect();
    assert!(
        flat.contains("pubfneverything(db:&dm::Db,)->dm::Collection"),
        "{app}"
    );
    assert!(app.contains("dm::Item::from([])"), "{app}");
}

#[test]
fn collection_variants_are_boxed() {
    let g = design(
        json!({"table": "app", "hash_key": "pk", "range_key": "sk",
               "collections": {"all": {"entities": ["Alpha"]}}}),
        &[(
            "Alpha",
            json!({"pk": "t#{org}", "sk": "a#{id}"}),
            json!({"org": {"type": "string", "required": true},
                   "id": {"type": "string", "required": true}}),
        )],
    );
    defines(
        &g,
        "app.rs",
        &["Alpha(::std::boxed::Box<super::alpha::Alpha>)"],
    );
}

#[test]
fn module_names_never_meet_the_index_or_their_folder() {
    // A table `mod`, a table `models` and a model `Mod`, `Models` would be in one folder
    // `models/` beside `mod.rs`.
    let entity = |model: &str, table: &str| {
        json!({"model": model, "table": table, "keys": {"pk": "x#{id}"},
               "fields": {"id": {"type": "string", "required": true}}})
    };
    let plain = |model: &str, table: &str| {
        json!({"model": model, "table": table, "hash_key": "id",
               "fields": {"id": {"type": "string", "required": true}}})
    };
    let g = run(&[
        ("t1.json", json!({"table": "mod", "hash_key": "pk"})),
        ("t2.json", json!({"table": "models", "hash_key": "pk"})),
        ("e1.json", entity("Alpha", "mod")),
        ("e2.json", entity("Beta", "models")),
        ("m1.json", plain("Con", "plain_con")),
    ]);
    let paths = sorted_paths(&g);
    assert_eq!(
        paths,
        [
            "alpha.rs",
            "beta.rs",
            "con_.rs",
            "mod.rs",
            "mod_.rs",
            "models.rs"
        ],
        "one file a module, none of them the index"
    );
    let index = file(&g, "mod.rs");
    assert!(index.contains("pub mod mod_;"), "{index}");
    assert!(
        index.contains("#[allow(dead_code, clippy::module_inception)]\npub mod models;"),
        "{index}"
    );
    // Written to disk, every file is there and counted once.
    let dir = tempfile::tempdir().unwrap();
    let report = dynamongo_codegen::write(dir.path(), &g, true).unwrap();
    assert_eq!(report.written.len(), 6);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 6);

    // Plain models the same.
    let g = run(&[
        ("m1.json", plain("Mod", "plain_mod")),
        ("m2.json", plain("Models", "plain_models")),
    ]);
    let paths = sorted_paths(&g);
    assert_eq!(paths, ["mod.rs", "mod_.rs", "models.rs"]);

    // A table `mod` and a model `Mod` would share `mod_.rs`: refused where the model is.
    let refused = generate(&Options::from_sources([
        (
            "t1.json",
            json!({"table": "mod", "hash_key": "pk"}).to_string(),
        ),
        ("e1.json", entity("Alpha", "mod").to_string()),
        ("m1.json", plain("Mod", "plain_mod").to_string()),
    ]))
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains(
            "m1.json: /model: model `Mod` would be written to `mod_.rs`, as is the table file t1.json"
        ),
        "{refused}"
    );
}

#[test]
fn identical_unnamed_enum_partitions_make_one_collection() {
    let kind = json!({"type": "enum", "values": ["x", "y"], "required": true});
    let g = design(
        json!({"table": "app", "hash_key": "pk", "range_key": "sk",
               "collections": {"kinds": {"entities": ["Alpha", "Beta"]}}}),
        &[
            (
                "Alpha",
                json!({"pk": "kind#{kind}", "sk": "a#{id}"}),
                json!({"kind": kind, "id": {"type": "string", "required": true}}),
            ),
            (
                "Beta",
                json!({"pk": "kind#{kind}", "sk": "b#{id}"}),
                json!({"kind": kind, "id": {"type": "string", "required": true}}),
            ),
        ],
    );
    defines(
        &g,
        "app.rs",
        &["partition: impl ::core::convert::Into<super::alpha::AlphaKind>"],
    );
}

#[test]
fn collection_enums_that_meet_are_numbered() {
    let g = design(
        json!({"table": "app", "hash_key": "pk", "range_key": "sk",
               "indexes": {"gsi1": {"hash_key": "gpk"}},
               "collections": {"note": {"entities": ["Alpha"]},
                               "note_": {"index": "gsi1", "entities": ["Alpha"]}}}),
        &[(
            "Alpha",
            json!({"pk": "t#{org}", "sk": "a#{id}", "gpk": "g#{id}"}),
            json!({"org": {"type": "string", "required": true},
                   "id": {"type": "string", "required": true}}),
        )],
    );
    defines(
        &g,
        "app.rs",
        &[
            "pub enum NoteItem {",
            "pub enum NoteItem2 {",
            "pub fn note_(",
        ],
    );
}

#[test]
fn a_field_named_change_in_a_streamed_table_gets_a_type_of_its_own() {
    let g = design(
        json!({"table": "app", "hash_key": "pk", "stream": "new_and_old_images"}),
        &[(
            "Alpha",
            json!({"pk": "a#{id}"}),
            json!({"id": {"type": "string", "required": true},
                   "change": {"type": "enum", "values": ["x", "y"]}}),
        )],
    );
    defines(
        &g,
        "alpha.rs",
        &["pub type AlphaChange = ", "pub enum AlphaChangeEnum {"],
    );

    // A plain model too, with a dict.
    let g = run(&[(
        "u.json",
        json!({"model": "User", "table": "users", "hash_key": "id", "stream": "keys_only",
               "fields": {"id": {"type": "string", "required": true},
                          "change": {"type": "dict", "fields": {"a": {"type": "int"}}}}}),
    )]);
    defines(
        &g,
        "user.rs",
        &[
            "pub type UserChange = ",
            "pub struct UserChangeDict {",
            "pub struct UserChangeDictFields(",
        ],
    );
}

#[test]
fn an_index_named_key_gets_a_projection_type_of_its_own() {
    let g = run(&[(
        "u.json",
        json!({"model": "User", "table": "users", "hash_key": "id",
               "fields": {"id": {"type": "string", "required": true},
                          "city": {"type": "string"}},
               "indexes": {"key": {"hash_key": "city", "projection": "keys_only"}}}),
    )]);
    defines(
        &g,
        "user.rs",
        &["pub struct UserKey {", "pub struct UserKeyProjection {"],
    );
}

#[test]
fn a_named_type_keeps_its_name_and_the_derived_one_moves() {
    // `address` would derive `HomeAddress`, which `copy` names itself later in the spec.
    let g = run(&[(
        "h.json",
        json!({"model": "Home", "table": "homes", "hash_key": "id",
               "fields": {"id": {"type": "string", "required": true},
                          "address": {"type": "dict", "fields": {"city": {"type": "string"}}},
                          "copy": {"type": "dict", "name": "HomeAddress",
                                   "fields": {"city": {"type": "string"}}}}}),
    )]);
    defines(
        &g,
        "home.rs",
        &["pub struct HomeAddress {", "pub struct HomeAddressDict {"],
    );
}
