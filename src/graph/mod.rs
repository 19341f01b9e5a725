//! The hash-consed graph.
pub mod shape;
