//! Generated models for documentation examples and the planner's tests.

#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod order;
#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod user;
