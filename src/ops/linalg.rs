//! Linear algebra: the matrix product (NumPy's `matmul` for ranks 1 and 2),
//! transpose, `outer`, `diag`, `trace`: builders with shape rules, numeric
//! rules, `bprop`s (`G @ B'` and `A' @ G` for the product).

use super::{Op, one, two};
use crate::error::{Error, Result, Span};
use crate::eval::value::Value;
use crate::graph::shape::{Sel, show};
use crate::graph::{Graph, NodeId};

fn shape_err(msg: String) -> Error {
    Error::shape(Span::default(), msg)
}

impl Graph {
    pub fn matmul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        let (sa, sb) = (self.shape(a).to_vec(), self.shape(b).to_vec());
        let shape = match (sa.as_slice(), sb.as_slice()) {
            ([n], [m]) if n == m => vec![],
            ([m, n], [k]) if n == k => vec![*m],
            ([n], [k, m]) if n == k => vec![*m],
            ([m, n], [k, p]) if n == k => vec![*m, *p],
            _ if sa.is_empty() || sb.is_empty() || sa.len() > 2 || sb.len() > 2 => {
                let hint = if sa.is_empty() || sb.is_empty() { " (use * for scalars)" } else { "" };
                return Err(shape_err(format!(
                    "@ needs vectors or matrices, got shapes {} and {}{hint}",
                    show(&sa),
                    show(&sb)
                )));
            }
            _ => {
                return Err(shape_err(format!(
                    "shapes {} and {} do not fit for @ (inner dimensions differ)",
                    show(&sa),
                    show(&sb)
                )));
            }
        };
        if self.is_zero(a) || self.is_zero(b) {
            return Ok(self.zeros(shape));
        }
        if *self.op(a) == Op::Eye {
            return Ok(self.broadcast_to(b, shape));
        }
        // Products with a one-hot `eye(n)[k]` select: `A @ e_k` is column k
        // of `A`, `e_k @ B` row k of `B` (Jacobian rows are built this way).
        if let Some(k) = self.one_hot(b) {
            let all = Sel::Range { start: 0, step: 1, len: sa.first().copied().unwrap_or(0) };
            let sels = if sa.len() == 2 { vec![all, Sel::At(k)] } else { vec![Sel::At(k)] };
            return self.index(a, sels);
        }
        if let Some(k) = self.one_hot(a) {
            return self.index(b, vec![Sel::At(k)]);
        }
        if *self.op(b) == Op::Eye {
            return Ok(self.broadcast_to(a, shape));
        }
        Ok(self.intern(Op::MatMul, [a, b], shape))
    }

    /// Reverses the axes; a scalar or a vector is its own transpose.
    pub fn transpose(&mut self, a: NodeId) -> Result<NodeId> {
        let shape: Vec<usize> = self.shape(a).iter().rev().copied().collect();
        if shape.len() < 2 {
            return Ok(a);
        }
        match self.op(a).clone() {
            Op::Transpose => Ok(self.inputs(a)[0]),
            Op::Num(r) => Ok(self.filled(r, shape)),
            Op::Eye => Ok(a),
            _ => Ok(self.intern(Op::Transpose, [a], shape)),
        }
    }

    pub fn outer(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        let (sa, sb) = (self.shape(a).to_vec(), self.shape(b).to_vec());
        match (sa.as_slice(), sb.as_slice()) {
            ([m], [n]) => {
                if self.is_zero(a) || self.is_zero(b) {
                    return Ok(self.zeros(vec![*m, *n]));
                }
                Ok(self.intern(Op::Outer, [a, b], vec![*m, *n]))
            }
            _ => Err(shape_err(format!("outer needs two vectors, got shapes {} and {}", show(&sa), show(&sb)))),
        }
    }

    pub fn diag(&mut self, a: NodeId) -> Result<NodeId> {
        let s = self.shape(a).to_vec();
        let shape = match s.as_slice() {
            [n] => vec![*n, *n],
            [m, n] => vec![(*m).min(*n)],
            _ => {
                return Err(shape_err(format!("diag needs a vector or a matrix, got shape {}", show(&s))));
            }
        };
        if let Some(r) = self.as_num(a).cloned().filter(|r| num_traits::Zero::is_zero(r) || s.len() == 2) {
            return Ok(self.filled(r, shape));
        }
        if *self.op(a) == Op::Eye {
            return Ok(self.filled(crate::simplify::rat(1), shape));
        }
        Ok(self.intern(Op::Diag, [a], shape))
    }

    pub fn trace(&mut self, a: NodeId) -> Result<NodeId> {
        let s = self.shape(a).to_vec();
        match s.as_slice() {
            [m, n] if m == n => {
                if let Some(r) = self.as_num(a).cloned() {
                    return Ok(self.num(r * crate::simplify::rat(*m as i64)));
                }
                Ok(self.intern(Op::Trace, [a], vec![]))
            }
            // As NumPy: the sum of the diagonal `diag` takes.
            [_, _] => {
                let d = self.diag(a)?;
                self.sum_all(d)
            }
            _ => Err(shape_err(format!("trace needs a matrix, got shape {}", show(&s)))),
        }
    }

    /// `k` when `id` is `eye(n)[k]`, the k-th unit vector.
    pub(crate) fn one_hot(&self, id: NodeId) -> Option<usize> {
        match self.op(id) {
            Op::Index(sels) if *self.op(self.inputs(id)[0]) == Op::Eye => match sels.as_ref() {
                [Sel::At(k)] => Some(*k),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn eye(&mut self, n: usize) -> NodeId {
        self.intern(Op::Eye, vec![], vec![n, n])
    }
}

pub fn eval(op: &Op, args: &[&Value]) -> Result<Value, String> {
    match op {
        Op::MatMul => {
            let (a, b) = two(args)?;
            a.matmul(b)
        }
        Op::Transpose => Ok(one(args)?.transpose()),
        Op::Outer => {
            let (a, b) = two(args)?;
            a.outer(b)
        }
        Op::Diag => one(args)?.diag(),
        Op::Trace => one(args)?.trace(),
        _ => Err(format!("{} is not linear algebra", op.label())),
    }
}

pub fn bprop(graph: &mut Graph, op: &Op, node: NodeId, which: usize, g: NodeId) -> Result<NodeId> {
    let inputs = graph.inputs(node).to_vec();
    match op {
        Op::MatMul => matmul_bprop(graph, inputs[0], inputs[1], which, g),
        Op::Transpose => graph.transpose(g),
        Op::Outer => {
            // outer(a, b)ᵢⱼ = aᵢ bⱼ: ∂a = G @ b, ∂b = G' @ a.
            if which == 0 {
                graph.matmul(g, inputs[1])
            } else {
                let gt = graph.transpose(g)?;
                graph.matmul(gt, inputs[0])
            }
        }
        Op::Diag => diag_bprop(graph, inputs[0], g),
        Op::Trace => {
            let n = graph.shape(inputs[0])[0];
            let eye = graph.eye(n);
            graph.mul(g, eye)
        }
        _ => Err(super::arith::internal("not linear algebra")),
    }
}

fn matmul_bprop(graph: &mut Graph, a: NodeId, b: NodeId, which: usize, g: NodeId) -> Result<NodeId> {
    let (ra, rb) = (graph.shape(a).len(), graph.shape(b).len());
    match (ra, rb, which) {
        (1, 1, 0) => graph.mul(g, b),
        (1, 1, _) => graph.mul(g, a),
        // A @ v: ∂A = outer(G, v), ∂v = A' @ G
        (2, 1, 0) => graph.outer(g, b),
        (2, 1, _) => {
            let at = graph.transpose(a)?;
            graph.matmul(at, g)
        }
        // v @ B: ∂v = B @ G, ∂B = outer(v, G)
        (1, 2, 0) => graph.matmul(b, g),
        (1, 2, _) => graph.outer(a, g),
        // A @ B: ∂A = G @ B', ∂B = A' @ G
        (_, _, 0) => {
            let bt = graph.transpose(b)?;
            graph.matmul(g, bt)
        }
        _ => {
            let at = graph.transpose(a)?;
            graph.matmul(at, g)
        }
    }
}

fn diag_bprop(graph: &mut Graph, x: NodeId, g: NodeId) -> Result<NodeId> {
    let s = graph.shape(x).to_vec();
    match s.as_slice() {
        // diag(v) is a matrix: ∂v is G's diagonal.
        [_] => graph.diag(g),
        // diag(M) is M's diagonal: ∂M puts G on a diagonal, padded with
        // zeros when M is not square.
        [m, n] => {
            let d = graph.diag(g)?;
            if m == n {
                return Ok(d);
            }
            let k = (*m).min(*n);
            let left = graph.eye_columns(*m, k)?;
            let right = graph.eye_columns(*n, k)?;
            let right = graph.transpose(right)?;
            let ld = graph.matmul(left, d)?;
            graph.matmul(ld, right)
        }
        _ => Err(super::arith::internal("diag of rank > 2")),
    }
}
