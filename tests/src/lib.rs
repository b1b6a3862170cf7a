//! Models generated from `spec/` and `tests/specs/valid/` by the build script, compiled
//! under `#![deny(warnings)]` so that generated code stays warning-free.
#![deny(warnings)]
#![deny(clippy::all)]

/// Models from `spec/` (the seed's User and Contacts, and a model of every field type).
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/spec/models.rs"));
}

/// Models from `tests/specs/valid/` (edge cases).
pub mod edge {
    include!(concat!(env!("OUT_DIR"), "/valid/models.rs"));
}
