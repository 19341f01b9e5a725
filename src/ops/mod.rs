//! Op rules.
pub mod func;
