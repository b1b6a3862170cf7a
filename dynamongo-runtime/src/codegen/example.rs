//! A generated model for documentation examples.

#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod user;
