//! symgrad: typed expressions become one hash-consed graph; a simplifying
//! symbol-to-symbol differentiator (general back-propagation) adds their
//! derivatives to the same graph. See ARCHITECTURE.md for the code map.

pub mod error;
pub mod graph;
pub mod ops;
pub mod output;
pub mod syntax;
pub mod eval;
