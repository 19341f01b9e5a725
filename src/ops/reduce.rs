//! Reductions (`sum` over all or some axes, `prod`, `norm`, `logsumexp`)
//! and `softmax` along the last axis: builders, numeric rules, `bprop`s.

use super::{Op, one};
use crate::error::{Error, Result, Span};
use crate::eval::value::{Rat, Value};
use crate::graph::shape::{Sel, numel};
use crate::graph::{Graph, NodeId};
use crate::simplify::rat;

impl Graph {
    /// Sum over all elements.
    pub fn sum_all(&mut self, a: NodeId) -> Result<NodeId> {
        let axes: Vec<usize> = (0..self.shape(a).len()).collect();
        self.sum_axes(a, &axes)
    }

    /// Sum over the given axes (removed from the shape).
    pub fn sum_axes(&mut self, a: NodeId, axes: &[usize]) -> Result<NodeId> {
        let mut axes = axes.to_vec();
        axes.sort_unstable();
        axes.dedup();
        let shape = self.shape(a).to_vec();
        if let Some(&bad) = axes.iter().find(|&&k| k >= shape.len()) {
            return Err(Error::shape(
                Span::default(),
                format!("axis {bad} is out of range for a value of rank {}", shape.len()),
            ));
        }
        if axes.is_empty() {
            return Ok(a);
        }
        let kept: Vec<usize> = (0..shape.len()).filter(|k| !axes.contains(k)).map(|k| shape[k]).collect();
        let count: usize = axes.iter().map(|&k| shape[k]).product();
        match self.op(a).clone() {
            // sum of a constant is the constant times the count
            Op::Num(r) => Ok(self.filled(r * rat(count as i64), kept)),
            // sum over the axes a broadcast added is a multiplication
            Op::Broadcast if self.shape(self.inputs(a)[0]).is_empty() => {
                let inner = self.inputs(a)[0];
                let s = self.scale(inner, rat(count as i64))?;
                Ok(self.broadcast_to(s, kept))
            }
            // A unit vector sums to 1; eye(n) to n, or ones(n) along an axis.
            _ if self.one_hot(a).is_some() && kept.is_empty() => Ok(self.int(1)),
            Op::Eye => Ok(if kept.is_empty() { self.int(shape[0] as i64) } else { self.filled(rat(1), kept) }),
            // A number comes out of the sum: sum(-y) is -sum(y).
            Op::Mul { coeff, exps } if !coeff.is_one() => {
                let factors: Vec<(NodeId, Rat)> = self.inputs(a).iter().copied().zip(exps.iter().cloned()).collect();
                let rest = self.product(rat(1), &factors)?;
                let rest = self.broadcast_to(rest, shape);
                let s = self.sum_axes(rest, &axes)?;
                self.scale(s, coeff)
            }
            // sum(eye(n)[k]*v) is v[k]: a Jacobian row's seed picks one
            // element of what it multiplies.
            Op::Mul { exps, .. } if shape.len() == 1 => {
                let hot = self
                    .inputs(a)
                    .iter()
                    .zip(exps.iter())
                    .find_map(|(&i, e)| e.is_one().then(|| self.one_hot(i)).flatten());
                match hot {
                    Some(k) if self.picks_from_one_hot(a, &[Sel::At(k)]) => self.index(a, vec![Sel::At(k)]),
                    _ => Ok(self.intern(Op::Sum(axes.into()), [a], kept)),
                }
            }
            _ => Ok(self.intern(Op::Sum(axes.into()), [a], kept)),
        }
    }

    pub fn mean(&mut self, a: NodeId) -> Result<NodeId> {
        let n = numel(self.shape(a));
        if n == 0 {
            // NumPy gives nan with a warning; exactly, it is 0/0.
            return Err(Error::math(Span::default(), "the mean of an empty tensor (0/0)"));
        }
        let s = self.sum_all(a)?;
        self.scale(s, Rat::ratio_of(1, n as i64))
    }

    /// The tensor of `x`'s shape whose element `i` is the product of every
    /// element of `x` but the `i`-th: the gradient of `prod(x)`, right
    /// where elements are 0 (no division). Built from the elements
    /// (`x[i]`, `A[i, j]`) in row-major order with prefix products
    /// `P₀ = 1, Pᵢ₊₁ = Pᵢ·xᵢ` and suffix products `Sₙ = 1, Sᵢ = xᵢ·Sᵢ₊₁`,
    /// as `eᵢ = Pᵢ·Sᵢ₊₁`, stacked into `x`'s shape: O(n) nodes (a flat
    /// product of any length reads back as itself: the parser lowers an
    /// unbracketed chain as one product).
    pub fn exclusive_products(&mut self, x: NodeId) -> Result<NodeId> {
        let shape = self.shape(x).to_vec();
        let n = numel(&shape);
        if n == 0 || shape.is_empty() {
            // No elements, or a scalar (`prod(x)` is `x`): nothing else to
            // multiply.
            let r = if n == 0 { Rat::zero() } else { rat(1) };
            return Ok(self.filled(r, shape));
        }
        // Each element costs its index node, a prefix, a suffix and an
        // exclusive product, each of a few operands: refuse a runaway
        // before building any of it.
        self.check_budget_for(n.saturating_mul(8))?;
        let mut elements = Vec::with_capacity(n);
        for flat in 0..n {
            if flat % 1024 == 0 {
                crate::interrupt::check()?;
                self.check_budget()?;
            }
            elements.push(self.index(x, element_at(flat, &shape))?);
        }
        let one = self.int(1);
        // suffix[i] = Sᵢ₊₁, the product of the elements after the i-th.
        let mut suffix = vec![one; n];
        let mut s = one;
        for (k, (&e, slot)) in elements.iter().zip(suffix.iter_mut()).enumerate().rev() {
            *slot = s;
            if k > 0 {
                s = self.mul(e, s)?;
            }
        }
        self.check_budget()?;
        let mut excl = Vec::with_capacity(n);
        let mut p = one;
        for (k, (&e, &after)) in elements.iter().zip(&suffix).enumerate() {
            excl.push(self.mul(p, after)?);
            if k + 1 < n {
                p = self.mul(p, e)?;
            }
        }
        self.check_budget()?;
        self.stack_into(excl, &shape)
    }

    /// `items` (row-major, as many as `shape` has elements) stacked into
    /// `shape`, as the tensor literal `[[..], [..]]` of them would be.
    fn stack_into(&mut self, mut items: Vec<NodeId>, shape: &[usize]) -> Result<NodeId> {
        for &d in shape.iter().skip(1).rev() {
            let mut rows = Vec::with_capacity(items.len() / d.max(1));
            for chunk in items.chunks(d) {
                rows.push(self.stack(chunk)?);
            }
            items = rows;
        }
        self.stack(&items)
    }

    pub fn reduce(&mut self, op: Op, a: NodeId) -> Result<NodeId> {
        if self.shape(a).is_empty() {
            // Of a scalar: itself, its size, or 1 for softmax.
            return match op {
                Op::Norm => self.func(crate::ops::Func::Abs, a),
                Op::Softmax => Ok(self.int(1)),
                _ => Ok(a),
            };
        }
        let shape = if op == Op::Softmax { self.shape(a).to_vec() } else { vec![] };
        Ok(self.intern(op, [a], shape))
    }
}

/// The selection of element `flat` (row-major) of a tensor of `shape`.
fn element_at(mut flat: usize, shape: &[usize]) -> Vec<Sel> {
    let mut sels = vec![Sel::At(0); shape.len()];
    for (sel, &d) in sels.iter_mut().zip(shape).rev() {
        *sel = Sel::At(flat % d.max(1));
        flat /= d.max(1);
    }
    sels
}

pub fn eval(op: &Op, args: &[&Value]) -> Result<Value, String> {
    let x = one(args)?;
    Ok(match op {
        Op::Sum(axes) => x.sum_axes(axes),
        Op::Prod => x.prod_all(),
        Op::Norm => x.norm_all(),
        Op::LogSumExp => x.logsumexp_all(),
        Op::Softmax => x.softmax_last(),
        _ => return Err(format!("{} is not a reduction", op.label())),
    })
}

pub fn bprop(graph: &mut Graph, op: &Op, y: NodeId, g: NodeId) -> Result<NodeId> {
    let x = graph.inputs(y)[0];
    let xshape = graph.shape(x).to_vec();
    match op {
        Op::Sum(axes) if axes.len() == xshape.len() => Ok(graph.broadcast_to(g, xshape)),
        Op::Sum(axes) => {
            // Put the summed axes back as size 1, then stretch them.
            let keep: Vec<usize> = (0..xshape.len()).map(|k| if axes.contains(&k) { 1 } else { xshape[k] }).collect();
            let r = graph.reshape(g, keep)?;
            Ok(graph.broadcast_to(r, xshape))
        }
        // Not `g*prod(x)/x`: that divides by zero where an element is 0.
        Op::Prod => {
            let e = graph.exclusive_products(x)?;
            graph.mul(g, e)
        }
        Op::Norm => graph.product(rat(1), &[(g, rat(1)), (x, rat(1)), (y, rat(-1))]),
        Op::LogSumExp => {
            // softmax over all elements. Not exp(x - logsumexp(x)): for
            // elements near 10^15 the difference keeps few digits.
            let flat = graph.reshape(x, vec![numel(&xshape)])?;
            let s = graph.reduce(Op::Softmax, flat)?;
            let s = graph.reshape(s, xshape)?;
            graph.mul(g, s)
        }
        Op::Softmax => {
            // y ⊙ (g - Σ_last g⊙y), the sum kept as a size-1 last axis.
            let gy = graph.mul(g, y)?;
            let last = xshape.len().saturating_sub(1);
            let s = graph.sum_axes(gy, &[last])?;
            let mut keep = xshape.clone();
            if let Some(d) = keep.last_mut() {
                *d = 1;
            }
            // Of a vector, the sum is a scalar, which broadcasts as it is.
            let s = if xshape.len() > 1 { graph.reshape(s, keep)? } else { s };
            let diff = graph.sub(g, s)?;
            graph.mul(y, diff)
        }
        _ => Err(super::arith::internal("not a reduction")),
    }
}
