//! What the generated types forbid does not compile. Expected errors live next to each
//! case in `tests/ui/*.stderr`; refresh them with `TRYBUILD=overwrite` after a deliberate
//! change, and review the diff.

#[test]
fn type_errors_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
