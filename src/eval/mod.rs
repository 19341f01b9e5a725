//! Values and evaluation.
pub mod data;
pub mod format;
pub mod kernels;
pub mod rat;
pub mod run;
pub mod tensor;
pub mod value;
