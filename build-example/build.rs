//! Generates the models of ../spec into OUT_DIR, and the issue tracker's (tracker/, with
//! serde impls: its handlers answer models as JSON). Cargo re-runs this only when a spec
//! (or a spec directory) changes.
fn main() {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let runs = [
        dynamongo_codegen::Builder::new().spec_dir("../spec"),
        dynamongo_codegen::Builder::new()
            .spec_dir("tracker")
            .out_dir(out.join("tracker"))
            .serde(true),
    ];
    for builder in runs {
        if let Err(e) = builder.generate() {
            // Print like the CLI does, and fail the build.
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
