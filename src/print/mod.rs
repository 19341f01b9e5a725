//! Views of an expression: the plain re-parseable form and its Unicode
//! preset (`text`); LaTeX (`latex`) and DOT (`dot`) build on the same naming
//! of shared nodes.

pub mod doc;
pub mod dot;
pub mod estimate;
pub mod latex;
pub mod text;

pub use estimate::approx_len;
pub use text::{Style, print, print_sized, printed_len};
