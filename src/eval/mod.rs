//! Values and evaluation.
pub mod value;
