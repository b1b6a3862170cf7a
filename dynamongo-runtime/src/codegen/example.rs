//! Generated models for documentation examples and the planner's tests.

#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod app;
#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod member;
#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod order;
#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod user;
#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod workspace;
#[rustfmt::skip] // generated: compared byte for byte with the generator's output
pub mod workspace_note;
