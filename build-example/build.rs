//! Generates the models of ../spec into OUT_DIR. Cargo re-runs this only when a spec
//! (or the spec directory) changes.
fn main() {
    if let Err(e) = dynamongo_codegen::Builder::new()
        .spec_dir("../spec")
        .generate()
    {
        // Print like the CLI does, and fail the build.
        eprintln!("{e}");
        std::process::exit(1);
    }
}
