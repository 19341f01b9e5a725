//! Indexing and slicing as in NumPy, 0-based, negative from the end, with
//! constant positions checked against the shape.

use super::{Lower, constant_int};
use crate::error::{Error, Result, Span};
use crate::graph::NodeId;
use crate::graph::shape::Sel;
use crate::syntax::ast::{Expr, IndexItem};

pub fn lower(lw: &mut Lower, a: &Expr, items: &[IndexItem], span: Span) -> Result<NodeId> {
    let x = lw.expr(a)?;
    let shape = lw.graph.shape(x).to_vec();
    if items.len() > shape.len() {
        let axes = if shape.len() == 1 { "axis" } else { "axes" };
        return Err(Error::shape(
            span,
            format!(
                "too many indices: the value has {} {axes} (shape {})",
                shape.len(),
                crate::graph::shape::show(&shape)
            ),
        ));
    }
    let mut sels = Vec::new();
    for (axis, item) in items.iter().enumerate() {
        let Some(&n) = shape.get(axis) else { break };
        let sel = match item {
            IndexItem::At(e) => {
                let i = int(lw, e)?;
                Sel::at(i, n).ok_or_else(|| {
                    Error::shape(e.span, format!("index {i} is out of range for axis {axis} of size {n}"))
                })?
            }
            IndexItem::Slice { start, stop, step, span } => {
                let start = start.as_ref().map(|e| int(lw, e)).transpose()?;
                let stop = stop.as_ref().map(|e| int(lw, e)).transpose()?;
                let step = step.as_ref().map(|e| int(lw, e)).transpose()?;
                Sel::slice(start, stop, step, n).ok_or_else(|| Error::usage(*span, "slice step cannot be zero"))?
            }
        };
        sels.push(sel);
    }
    lw.graph.index(x, sels).map_err(|e| e.at(span))
}

fn int(lw: &mut Lower, e: &Expr) -> Result<i64> {
    let id = lw.expr(e)?;
    constant_int(lw.graph, id, e.span, "an index")
}
