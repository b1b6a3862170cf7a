//! Generates every valid spec (../spec and specs/valid) for the integration tests.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    dynamongo_codegen::Builder::new()
        .spec_dir("../spec")
        .out_dir(out.join("spec"))
        .generate()?;
    dynamongo_codegen::Builder::new()
        .spec_dir("specs/valid")
        .out_dir(out.join("valid"))
        .generate()?;
    Ok(())
}
