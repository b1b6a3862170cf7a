//! What the generated types forbid does not compile. Expected errors live next to each
//! case in `tests/ui/*.stderr`; refresh them after a deliberate change with
//! `TRYBUILD=overwrite cargo test --workspace --test compile_fail` (the README's test
//! command: rustc shortens type names by the crates the build holds, so `-p` alone may
//! print longer paths), and review the diff.

#[test]
fn type_errors_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
