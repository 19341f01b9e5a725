//! Values and evaluation: exact rational or f64 tensors (`value`), their
//! printing (`format`), data in (`data`), and the walk over the graph that
//! computes each needed node once (`run`).

pub mod data;
pub mod format;
pub mod run;
pub mod value;
