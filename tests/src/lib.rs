//! Models generated from `spec/` and `tests/specs/valid/` by the build script, compiled
//! under `#![deny(warnings)]` so that generated code stays warning-free.
#![deny(warnings)]
#![deny(clippy::all)]

pub mod fault;

/// Models from `spec/` (the seed's User and Contacts, and a model of every field type).
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/spec/models.rs"));
}

/// Models from `tests/specs/valid/` (edge cases).
pub mod edge {
    include!(concat!(env!("OUT_DIR"), "/valid/models.rs"));
}

/// The checked-in snapshots of `spec/` (module layout), compiled as they are.
#[rustfmt::skip] // generated: compared byte for byte with the generator output
#[path = "../snapshots/spec/mod.rs"]
pub mod snapshot_spec;

/// The checked-in snapshots of `tests/specs/valid/`, compiled as they are.
#[rustfmt::skip]
#[path = "../snapshots/valid/mod.rs"]
pub mod snapshot_valid;
