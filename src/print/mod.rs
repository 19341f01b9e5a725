//! Views of an expression: the plain re-parseable form and its Unicode
//! preset (`text`); LaTeX and DOT build on the same naming of shared nodes.

pub mod text;

pub use text::{Style, print};
