//! The CLI as users run it: exit codes, messages with file and JSON pointer, determinism,
//! write-if-changed, `--check` drift and stale-file removal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dynamongo-codegen"))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&Path]) -> Output {
    bin().args(args).output().expect("the CLI runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy_specs(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(workspace().join("spec")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

/// (file, JSON pointer or position expected in the message)
const INVALID: &[(&str, &str)] = &[
    ("syntax.json", "syntax.json:4:3:"),
    (
        "encryption_mistakes.json",
        "encryption_mistakes.json: /fields/patient/encrypt: ",
    ),
    ("missing_hash_key.json", "missing_hash_key.json: /: "),
    (
        "unknown_type.json",
        "unknown_type.json: /fields/price/type: ",
    ),
    (
        "key_missing_field.json",
        "key_missing_field.json: /hash_key: ",
    ),
    (
        "key_non_scalar.json",
        "key_non_scalar.json: /fields/tags/type: ",
    ),
    (
        "bad_default.json",
        "bad_default.json: /fields/count/default: ",
    ),
    (
        "min_greater_than_max.json",
        "min_greater_than_max.json: /fields/age/min_value: ",
    ),
    ("bad_regex.json", "bad_regex.json: /fields/code/regex: "),
    (
        "bad_field_name.json",
        "bad_field_name.json: /fields/my attr: ",
    ),
    (
        "default_out_of_range.json",
        "default_out_of_range.json: /fields/n/default: ",
    ),
    ("range_is_hash.json", "range_is_hash.json: /range_key: "),
    (
        "option_not_applicable.json",
        "option_not_applicable.json: /fields/n/regex: ",
    ),
    (
        "enum_without_values.json",
        "enum_without_values.json: /fields/state: ",
    ),
    (
        "misspelt_type_and_more.json",
        "misspelt_type_and_more.json: /fields/tags/type: `strng_set` is not one of",
    ),
    (
        "read_only_mistakes.json",
        "read_only_mistakes.json: /fields/tags/read_only: read_only is for scalar fields",
    ),
    ("unknown_option.json", "unknown_option.json: /fields/name/requird: unknown key `requird`; did you mean `required`?"),
    ("bad_model_name.json", "bad_model_name.json: /model: "),
    (
        "type_name_collision.json",
        "type_name_collision.json: /fields/address_copy: ",
    ),
    (
        "index_mistakes.json",
        "index_mistakes.json: /indexes/by_nothing/hash_key: ",
    ),
    (
        "locking_mistakes.json",
        "locking_mistakes.json: /range_key: ",
    ),
];

#[test]
fn every_version_and_ttl_mistake_is_reported_with_its_pointer() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("spec");
    std::fs::create_dir(&specs).unwrap();
    let dir = workspace().join("tests/specs/invalid");
    std::fs::copy(dir.join("locking_mistakes.json"), specs.join("ledger.json")).unwrap();
    let o = run(&[&specs, &tmp.path().join("out")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for (pointer, what) in [
        ("ledger.json: /range_key: ", "is the version field"),
        (
            "ledger.json: /fields/label/version: ",
            "it must be an `int`",
        ),
        (
            "ledger.json: /fields/counted/default: ",
            "takes no \"default\"",
        ),
        (
            "ledger.json: /fields/again/required: ",
            "takes no \"required\"",
        ),
        ("ledger.json: /fields/label: ", "at most one version field"),
        (
            "ledger.json: /fields/also_ends: ",
            "at most one `ttl` field",
        ),
        (
            "ledger.json: /fields/also_ends/default: ",
            "cannot have a default",
        ),
        (
            "ledger.json: /fields/history/items/type: ",
            "a `ttl` is a field of the model itself",
        ),
        (
            "ledger.json: /fields/meta/fields/v/version: ",
            "not of a dict",
        ),
        (
            "ledger.json: /indexes/by_ends/hash_key: ",
            "a key must be a string, number or binary",
        ),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(pointer) && l.contains(what));
        assert!(line.is_some(), "`{pointer}` … `{what}` not in:\n{err}");
    }
}

#[test]
fn every_index_mistake_is_reported_with_its_pointer() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("spec");
    std::fs::create_dir(&specs).unwrap();
    let dir = workspace().join("tests/specs/invalid");
    std::fs::copy(dir.join("index_mistakes.json"), specs.join("shop.json")).unwrap();
    // More global indexes than DynamoDB allows, in another file of the same run.
    let many: Vec<String> = (0..21)
        .map(|i| format!(r#""g{i}": {{ "hash_key": "a" }}"#))
        .collect();
    let text = format!(
        r#"{{"model": "Many", "table": "many", "hash_key": "id",
            "fields": {{"id": {{"type": "string"}}, "a": {{"type": "int"}}}},
            "indexes": {{ {} }} }}"#,
        many.join(", ")
    );
    std::fs::write(specs.join("many.json"), text).unwrap();
    let o = run(&[&specs, &tmp.path().join("out")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for (pointer, what) in [
        (
            "shop.json: /indexes/by_nothing/hash_key: ",
            "names no field",
        ),
        (
            "shop.json: /indexes/by_tags/hash_key: ",
            "a key must be a string, number or binary",
        ),
        (
            "shop.json: /indexes/by_city/projection/0: ",
            "`ghost` names no field",
        ),
        (
            "shop.json: /indexes/by_city/projection/1: ",
            "keys are always projected",
        ),
        (
            "shop.json: /indexes/by_city_again: ",
            "index name `by_city` is also used",
        ),
        (
            "shop.json: /indexes/local_without_range: ",
            "needs \"range_key\"",
        ),
        (
            "shop.json: /indexes/local_without_range/local: ",
            "needs a range key",
        ),
        (
            "shop.json: /indexes/local_other_hash/hash_key: ",
            "a local index has the table's",
        ),
        ("shop.json: /indexes/no_hash: ", "needs \"hash_key\""),
        ("shop.json: /indexes/city: ", "the name of a field"),
        ("shop.json: /indexes/Bad Name: ", "not a snake_case"),
        (
            "shop.json: /indexes/local_multi: ",
            "only a global index can have a multi-attribute key",
        ),
        (
            "many.json: /indexes: ",
            "21 global indexes; DynamoDB allows 20",
        ),
    ] {
        let line = err.lines().find(|l| l.contains(pointer));
        assert!(
            line.is_some_and(|l| l.contains(what)),
            "`{pointer}` … `{what}` not in:\n{err}"
        );
    }
}

#[test]
fn every_invalid_spec_exits_1_naming_file_and_pointer() {
    let dir = workspace().join("tests/specs/invalid");
    let listed: Vec<&str> = INVALID.iter().map(|(f, _)| *f).collect();
    // Every file in the folder has a case here.
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(listed.contains(&name.as_str()), "{name} has no expectation");
        }
    }
    for (file, expected) in INVALID {
        let tmp = tempfile::tempdir().unwrap();
        let specs = tmp.path().join("spec");
        std::fs::create_dir(&specs).unwrap();
        std::fs::copy(dir.join(file), specs.join(file)).unwrap();
        let out = tmp.path().join("out");
        let o = run(&[&specs, &out]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains(&format!("spec/{expected}")),
            "{file}: expected `{expected}` in:\n{err}"
        );
        assert!(!err.contains("panicked"), "{file} panicked: {err}");
        assert!(!out.exists(), "{file}: nothing may be written on errors");
    }
}

#[test]
fn all_errors_of_a_run_are_reported_together() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run(&[&workspace().join("tests/specs/invalid"), &out]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1));
    for (file, _) in INVALID {
        assert!(err.contains(file), "{file} missing from:\n{err}");
    }
    assert!(!out.exists());
}

#[test]
fn duplicate_model_and_table_across_files() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&[
        &workspace().join("tests/specs/invalid/duplicate"),
        &tmp.path().join("out"),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains(
            "duplicate/b.json: /model: model name `Same` is also used by duplicate/a.json"
        ),
        "{err}"
    );
    assert!(
        err.contains("duplicate/b.json: /table: table `same` is also used by duplicate/a.json"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(bin().output().unwrap().status.code(), Some(2));
    assert_eq!(
        bin()
            .arg("--bogus")
            .arg("a")
            .arg("b")
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let o = run(&[&missing, &tmp.path().join("out")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nope"));
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let meta = std::fs::metadata(&p).unwrap();
            (
                p.clone(),
                std::fs::read(&p).unwrap(),
                meta.modified().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn second_run_is_identical_and_touches_nothing_and_check_sees_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("spec");
    let out = tmp.path().join("out");
    copy_specs(&specs);

    assert_eq!(run(&[&specs, &out]).status.code(), Some(0));
    let first = snapshot(&out);
    assert!(first.iter().any(|(p, ..)| p.ends_with("user.rs")));
    assert!(first.iter().any(|(p, ..)| p.ends_with("mod.rs")));
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(run(&[&specs, &out]).status.code(), Some(0));
    assert_eq!(first, snapshot(&out), "bytes and mtimes must not change");

    let check = |expect: i32, name: &str| {
        let o = bin().arg("--check").arg(&specs).arg(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(expect), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(name),
            "`{name}` not named in: {}",
            stderr(&o)
        );
    };
    check(0, "");
    assert_eq!(first, snapshot(&out), "--check writes nothing");

    // A spec changes.
    let users = specs.join("users.json");
    let text = std::fs::read_to_string(&users).unwrap();
    std::fs::write(
        &users,
        text.replace("\"max_value\": 2018", "\"max_value\": 2030"),
    )
    .unwrap();
    check(1, "changed: ");
    check(1, "user.rs");
    // The change itself, as a unified diff.
    check(1, "(generated)\n@@ ");
    check(
        1,
        "\n-        .rules(dm::Rules::new().min(1900.0).max(2018.0));",
    );
    check(
        1,
        "\n+        .rules(dm::Rules::new().min(1900.0).max(2030.0));",
    );
    std::fs::write(&users, &text).unwrap();
    check(0, "");

    // A spec is added.
    std::fs::write(
        specs.join("zebra.json"),
        r#"{"model":"Zebra","table":"zebras","hash_key":"id","fields":{"id":{"type":"string"}}}"#,
    )
    .unwrap();
    check(1, "missing: ");
    check(1, "zebra.rs");
    assert_eq!(run(&[&specs, &out]).status.code(), Some(0));
    check(0, "");

    // A spec is removed: --check reports it, the CLI removes its file.
    std::fs::remove_file(specs.join("zebra.json")).unwrap();
    check(1, "stale: ");
    check(1, "zebra.rs");
    assert_eq!(run(&[&specs, &out]).status.code(), Some(0));
    assert!(!out.join("zebra.rs").exists());
    check(0, "");
}

#[test]
fn hand_written_files_are_never_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("spec");
    let out = tmp.path().join("out");
    copy_specs(&specs);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("helpers.rs"), "// mine\n").unwrap();
    assert_eq!(run(&[&specs, &out]).status.code(), Some(0));
    assert!(out.join("helpers.rs").exists());
}

#[test]
fn header_names_the_spec_and_no_version() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(
        run(&[&workspace().join("spec"), &out]).status.code(),
        Some(0)
    );
    let user = std::fs::read_to_string(out.join("user.rs")).unwrap();
    assert!(
        user.starts_with("// @generated by dynamongo-codegen from spec/users.json. Do not edit.\n")
    );
    assert!(!user.contains(env!("CARGO_PKG_VERSION")));
    assert!(!user.contains("macro_rules") && !user.contains("#!["));
}

#[test]
fn help_lists_the_subcommands_and_version_prints_it() {
    let o = bin().arg("--help").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8_lossy(&o.stdout);
    for command in ["generate", "check", "export"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(command)),
            "{command} not in:\n{help}"
        );
    }
    let o = bin().args(["export", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("create-table") && help.contains("iam-policy"),
        "{help}"
    );
    let o = bin().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("dynamongo-codegen {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn subcommands_and_the_older_form_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = workspace().join("spec");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(bin()
        .arg("generate")
        .arg(&spec)
        .arg(&a)
        .status()
        .unwrap()
        .success());
    assert!(run(&[&spec, &b]).status.success());
    assert!(bin()
        .arg("check")
        .arg(&spec)
        .arg(&b)
        .status()
        .unwrap()
        .success());
    assert!(bin()
        .arg("--check")
        .arg(&spec)
        .arg(&a)
        .status()
        .unwrap()
        .success());
    std::fs::write(a.join("user.rs"), "// edited\n").unwrap();
    let o = bin().arg("check").arg(&spec).arg(&a).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("user.rs"));
}

#[test]
fn export_writes_each_format_once_and_refuses_an_unknown_one() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = workspace().join("spec");
    for format in ["create-table", "cloudformation", "terraform", "iam-policy"] {
        let out = tmp.path().join(format);
        let export = |out: &Path| {
            bin()
                .args(["export", "--format", format, "--table-prefix", "prod-"])
                .arg(&spec)
                .arg(out)
                .output()
                .unwrap()
        };
        let first = export(&out);
        assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
        assert!(String::from_utf8_lossy(&first.stdout).contains("written"));
        let bytes = std::fs::read(&out).unwrap();
        let second = export(&out);
        assert!(String::from_utf8_lossy(&second.stdout).contains("unchanged"));
        assert_eq!(std::fs::read(&out).unwrap(), bytes);
        // To standard output, the same bytes.
        let stdout = bin()
            .args(["export", "--format", format, "--table-prefix", "prod-"])
            .arg(&spec)
            .output()
            .unwrap();
        assert_eq!(stdout.stdout, bytes, "{format}");
    }
    let o = bin()
        .args(["export", "--format", "yaml"])
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("yaml"), "{}", stderr(&o));
    // Spec errors are reported as for generate.
    let bad = tmp.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("x.json"), "{}").unwrap();
    let o = bin()
        .args(["export", "--format", "terraform"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("x.json"));
}

/// `breaking`: exit 0 without a breaking change, 1 with one, 2 for a usage error or an
/// invalid spec set; `--against git:REF` reads the old specs from a commit; `--format json`.
#[test]
fn breaking_exits_by_the_worst_finding_and_reads_old_specs_from_git() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    let specs = repo.join("spec");
    std::fs::create_dir(&specs).unwrap();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    };
    let user = |extra: &str| {
        format!(
            r#"{{"model": "User", "table": "users", "hash_key": "email",
               "fields": {{"email": {{"type": "email", "required": true}}{extra}}}}}"#
        )
    };
    std::fs::write(specs.join("user.json"), user("")).unwrap();
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "one"]);
    let breaking = |against: &str, format: Option<&str>| {
        let mut c = bin();
        c.arg("breaking").arg("--against").arg(against).arg(&specs);
        if let Some(f) = format {
            c.args(["--format", f]);
        }
        c.output().unwrap()
    };
    // Unchanged: nothing to say.
    let o = breaking("git:HEAD", None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A safe change.
    std::fs::write(
        specs.join("user.json"),
        user(r#", "city": {"type": "string"}"#),
    )
    .unwrap();
    let o = breaking("git:HEAD", None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("/fields/city: safe"));
    // A breaking one.
    std::fs::write(
        specs.join("user.json"),
        user(r#", "city": {"type": "string", "required": true}"#),
    )
    .unwrap();
    let o = breaking("git:HEAD", None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.starts_with("spec/user.json: /fields/city: breaking: items stored before"),
        "{out}"
    );
    let o = breaking("git:HEAD", Some("json"));
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json[0]["rule"], "field-added-required");
    // A directory works as well as a commit.
    let old = tmp.path().join("old");
    std::fs::create_dir(&old).unwrap();
    std::fs::write(old.join("user.json"), user("")).unwrap();
    assert_eq!(breaking(old.to_str().unwrap(), None).status.code(), Some(1));
    // Usage errors and invalid spec sets: 2.
    assert_eq!(breaking("git:no-such-ref", None).status.code(), Some(2));
    std::fs::write(specs.join("user.json"), "{ not json").unwrap();
    let o = breaking("git:HEAD", None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("user.json"), "{}", stderr(&o));
}
