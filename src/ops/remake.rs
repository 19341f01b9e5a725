//! A node made again from new inputs, through its op's constructor (so the
//! new node is simplified as any other), and substitution built on it.

use super::Op;
use crate::error::Result;
use crate::eval::value::Rat;
use crate::graph::shape::Shape;
use crate::graph::{Graph, NodeId, Positions};
use crate::simplify::rat;

impl Graph {
    /// `root` with the node `from` replaced by `to` (of the same shape):
    /// each node on a path from `from` to `root` is made again.
    pub fn substitute(&mut self, root: NodeId, from: NodeId, to: NodeId) -> Result<NodeId> {
        let nodes = Positions::new(self.ancestors(&[root]));
        let mut made: Vec<Option<NodeId>> = vec![None; nodes.nodes().len()];
        for (k, &id) in nodes.nodes().iter().enumerate() {
            if id == from {
                made[k] = Some(to);
                continue;
            }
            // Nodes that do not depend on `from` stay; most of a graph.
            if self.free_vars(id).is_some_and(|vs| !vs.contains(&from)) {
                continue;
            }
            let inputs = self.inputs(id).to_vec();
            let new: Vec<NodeId> = inputs.iter().map(|&i| nodes.of(i).and_then(|j| made[j]).unwrap_or(i)).collect();
            if new != inputs {
                let shape = self.shape(id).to_vec();
                made[k] = Some(self.remake_as(id, &new, shape)?);
            }
        }
        Ok(nodes.of(root).and_then(|k| made[k]).unwrap_or(root))
    }

    /// The op of `like` applied to `inputs` (in place of its own), with
    /// the result stretched to `shape`: `like`'s own shape when
    /// substituting, the stacked shape when lifting a stack (`lift`).
    pub(super) fn remake_as(&mut self, like: NodeId, inputs: &[NodeId], shape: Shape) -> Result<NodeId> {
        let op = self.op(like).clone();
        let a = inputs.first().copied().unwrap_or(like);
        let b = inputs.get(1).copied().unwrap_or(like);
        let out = match op {
            Op::Num(_) | Op::Data(_) | Op::Eye | Op::Pi | Op::Var(_) => like,
            Op::Add { coeffs, constant } => {
                let mut terms: Vec<(NodeId, Rat)> = inputs.iter().copied().zip(coeffs.iter().cloned()).collect();
                terms.push((self.num(constant), rat(1)));
                self.sum(&terms)?
            }
            Op::Mul { coeff, exps } => {
                let factors: Vec<(NodeId, Rat)> = inputs.iter().copied().zip(exps.iter().cloned()).collect();
                self.product(coeff, &factors)?
            }
            Op::Pow => self.pow(a, b)?,
            Op::Max => self.max(a, b)?,
            Op::Min => self.min(a, b)?,
            Op::Fn(f) => self.func(f, a)?,
            Op::MatMul => self.matmul(a, b)?,
            Op::Transpose => self.transpose(a)?,
            Op::Outer => self.outer(a, b)?,
            Op::Diag => self.diag(a)?,
            Op::Trace => self.trace(a)?,
            Op::Sum(axes) => self.sum_axes(a, &axes)?,
            op @ (Op::Prod | Op::Norm | Op::LogSumExp | Op::Softmax) => self.reduce(op, a)?,
            Op::Index(sels) => self.index(a, sels.to_vec())?,
            Op::Stack => self.stack(inputs)?,
            Op::Broadcast => a,
            Op::Reshape => self.reshape(a, shape.clone())?,
        };
        Ok(self.broadcast_to(out, shape))
    }
}
