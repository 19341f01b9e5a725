//! A stack of items that are one expression of their position `k` is that
//! expression of whole tensors: the rows `A[k] + A[:, k]` of a Hessian
//! stack to `A + A'`, the rows `(eye(3)[k] - s[k])*s` of a softmax
//! Jacobian to `(eye(3) - reshape(s, 3, 1))*s`. Jacobians and Hessians are
//! built a row at a time (one back-propagation per seed `eye(n)[k]`), so
//! their rows are such items; lifted, they print as one expression instead
//! of n, and evaluate as tensor operations.
//!
//! A stack is lifted only when every part that varies with `k` comes down
//! to a whole tensor (its rows or its columns, in order): a literal of
//! unlike things (`[sin(a), sin(b)]`) stays as it was written.

use super::Op;
use crate::error::{Error, Result, Span};
use crate::eval::value::Rat;
use crate::graph::shape::Sel;
use crate::graph::{Graph, NodeId};

/// How deep a lift looks into the items, and how many nodes it reads in
/// all, before it gives up and leaves the stack as it is.
const MAX_DEPTH: usize = 24;
const MAX_READS: usize = 1 << 20;

/// How one operand list (the same input of every item) becomes a tensor.
enum Lift {
    /// The same node in every item: it broadcasts along the new axis.
    Same(NodeId),
    /// A node whose rows are the items (`A` for `A[0], A[1], …`).
    Rows(NodeId),
    /// A matrix whose columns are the items (`A'` for `A[:, 0], A[:, 1], …`).
    Columns(NodeId),
    /// The items' common op (that of `like`, the first item) applied to
    /// lifted operands.
    Apply { like: NodeId, args: Vec<Lift> },
}

impl Lift {
    fn is_same(&self) -> bool {
        matches!(self, Lift::Same(_))
    }
}

impl Graph {
    /// The stack of `items` as one expression, when they are one
    /// expression of their position.
    pub(super) fn lift_stack(&mut self, items: &[NodeId]) -> Option<NodeId> {
        let mut reads = 0;
        let lift = self.plan_lift(items, 0, &mut reads)?;
        if lift.is_same() {
            // `[a, a]` is kept as written.
            return None;
        }
        let mut want = vec![items.len()];
        want.extend(self.shape(items[0]));
        // Building only calls node constructors: a shape they refuse means
        // the plan missed a case, and the plain stack is still right.
        let built = self.build_lift(&lift, items.len()).ok()?;
        (self.shape(built) == want.as_slice()).then_some(built)
    }

    fn plan_lift(&self, items: &[NodeId], depth: usize, reads: &mut usize) -> Option<Lift> {
        *reads += items.len();
        if depth > MAX_DEPTH || *reads > MAX_READS {
            return None;
        }
        let first = *items.first()?;
        if items.iter().all(|&i| i == first) {
            return Some(Lift::Same(first));
        }
        if let Some(whole) = self.all_rows_of(items) {
            return Some(Lift::Rows(whole));
        }
        if let Some(m) = self.all_columns_of(items) {
            return Some(Lift::Columns(m));
        }
        let (op, arity) = (self.op(first), self.inputs(first).len());
        if arity == 0 || !lifts(op) {
            return None;
        }
        // Each item's operands in the order of the first's.
        let orders = items.iter().map(|&i| self.operands_like(first, i)).collect::<Option<Vec<_>>>()?;
        let mut args = Vec::with_capacity(arity);
        for j in 0..arity {
            let column: Vec<NodeId> = items.iter().zip(&orders).map(|(&i, order)| self.inputs(i)[order[j]]).collect();
            let s = self.shape(column[0]);
            if column.iter().any(|&c| self.shape(c) != s) {
                return None;
            }
            args.push(self.plan_lift(&column, depth + 1, reads)?);
        }
        if *op == Op::MatMul && self.lifted_matmul_kind(first, &args).is_none() {
            return None;
        }
        Some(Lift::Apply { like: first, args })
    }

    /// Where each operand of `like` is among those of `item`, when `item`
    /// is the same op with the same shape. Sums and products keep their
    /// operands in id order, and ids depend on when nodes were made (row
    /// k's one-hot seed is made after row k-1's nodes), so their operands
    /// are matched: identical ones first, then the rest in order, by
    /// coefficient or exponent, shape and kind.
    fn operands_like(&self, like: NodeId, item: NodeId) -> Option<Vec<usize>> {
        let (ours, theirs) = (self.inputs(like), self.inputs(item));
        if ours.len() != theirs.len() || self.shape(like) != self.shape(item) {
            return None;
        }
        let (wa, wb): (&[Rat], &[Rat]) = match (self.op(like), self.op(item)) {
            (Op::Add { coeffs: a, constant: c }, Op::Add { coeffs: b, constant: d }) if c == d => (a, b),
            (Op::Mul { coeff: c, exps: a }, Op::Mul { coeff: d, exps: b }) if c == d => (a, b),
            (a, b) => return (a == b).then(|| (0..ours.len()).collect()),
        };
        let mut order = vec![usize::MAX; ours.len()];
        let mut used = vec![false; ours.len()];
        let kind = |id: NodeId| std::mem::discriminant(self.op(id));
        let mut pair = |fits: &dyn Fn(usize, usize) -> bool| {
            for j in 0..ours.len() {
                if order[j] != usize::MAX {
                    continue;
                }
                if let Some(i) = (0..ours.len()).find(|&i| !used[i] && wa[j] == wb[i] && fits(j, i)) {
                    order[j] = i;
                    used[i] = true;
                }
            }
        };
        pair(&|j, i| ours[j] == theirs[i]);
        pair(&|j, i| self.shape(ours[j]) == self.shape(theirs[i]) && kind(ours[j]) == kind(theirs[i]));
        order.iter().all(|&i| i != usize::MAX).then_some(order)
    }

    /// The matrix `A` when the items are its columns `A[:, 0], A[:, 1], …`.
    fn all_columns_of(&self, items: &[NodeId]) -> Option<NodeId> {
        let first = items.first()?;
        let whole = *self.inputs(*first).first()?;
        let &[rows, cols] = self.shape(whole) else { return None };
        if cols != items.len() {
            return None;
        }
        let all = Sel::Range { start: 0, step: 1, len: rows };
        let is_column = |(k, &i): (usize, &NodeId)| {
            self.inputs(i).first() == Some(&whole)
                && matches!(self.op(i), Op::Index(s) if s.as_ref() == [all.clone(), Sel::At(k)])
        };
        items.iter().enumerate().all(is_column).then_some(whole)
    }

    fn build_lift(&mut self, lift: &Lift, n: usize) -> Result<NodeId> {
        match lift {
            Lift::Same(c) | Lift::Rows(c) => Ok(*c),
            Lift::Columns(m) => self.transpose(*m),
            Lift::Apply { like, args } => self.apply_lifted(*like, args, n),
        }
    }

    /// The op of `like` applied to the lifted `args`: the result is the
    /// stack of the items, of shape `[n] ++ shape(like)`.
    fn apply_lifted(&mut self, like: NodeId, args: &[Lift], n: usize) -> Result<NodeId> {
        let op = self.op(like).clone();
        let rank = self.shape(like).len();
        let inputs = self.inputs(like).to_vec();
        let mut xs = Vec::with_capacity(args.len());
        for (arg, &input) in args.iter().zip(&inputs) {
            let x = self.build_lift(arg, n)?;
            // Elementwise, a stacked operand of lower rank than the item
            // gets size-1 axes after the new one, so that it broadcasts
            // item by item (a scalar per row is a column).
            let own = self.shape(input).to_vec();
            xs.push(if !arg.is_same() && elementwise(&op) && own.len() < rank {
                let mut aligned = vec![n];
                aligned.extend(std::iter::repeat_n(1, rank - own.len()));
                aligned.extend(own);
                self.reshape(x, aligned)?
            } else {
                x
            });
        }
        let mut shape = vec![n];
        shape.extend(self.shape(like));
        let out = match op {
            Op::Sum(axes) => {
                let shifted: Vec<usize> = axes.iter().map(|a| a + 1).collect();
                self.sum_axes(xs[0], &shifted)?
            }
            Op::Index(sels) => {
                let mut all = vec![Sel::Range { start: 0, step: 1, len: n }];
                all.extend(sels.iter().cloned());
                self.index(xs[0], all)?
            }
            Op::MatMul => match self.lifted_matmul_kind(like, args) {
                // M @ v_k, stacked, is V @ M'.
                Some(MatMulKind::MatrixVector) => {
                    let mt = self.transpose(xs[0])?;
                    self.matmul(xs[1], mt)?
                }
                Some(MatMulKind::VectorMatrix) => self.matmul(xs[0], xs[1])?,
                Some(MatMulKind::DotSame) => {
                    let (v, w) = if args[0].is_same() { (xs[1], xs[0]) } else { (xs[0], xs[1]) };
                    self.matmul(v, w)?
                }
                Some(MatMulKind::DotBoth) => {
                    let p = self.mul(xs[0], xs[1])?;
                    self.sum_axes(p, &[1])?
                }
                None => return Err(Error::shape(Span::default(), "no stacked form of this product")),
            },
            // Elementwise ops, reshape and softmax: the op itself, at the
            // stacked shape.
            _ => return self.remake_as(like, &xs, shape),
        };
        Ok(self.broadcast_to(out, shape))
    }

    /// Which stacked form the items `like` (a matrix product) have, given
    /// which operands vary; `None` when stacking would need rank 3.
    fn lifted_matmul_kind(&self, like: NodeId, args: &[Lift]) -> Option<MatMulKind> {
        let [a, b] = self.inputs(like) else { return None };
        let (ra, rb) = (self.shape(*a).len(), self.shape(*b).len());
        let (same_a, same_b) = (args.first()?.is_same(), args.get(1)?.is_same());
        match (same_a, same_b, ra, rb) {
            (true, false, 2, 1) => Some(MatMulKind::MatrixVector),
            (false, true, 1, 2) => Some(MatMulKind::VectorMatrix),
            (true, false, 1, 1) | (false, true, 1, 1) => Some(MatMulKind::DotSame),
            (false, false, 1, 1) => Some(MatMulKind::DotBoth),
            _ => None,
        }
    }
}

/// The stacked forms of a matrix product whose operands vary with `k`.
enum MatMulKind {
    /// `M @ v_k`: `V @ M'`.
    MatrixVector,
    /// `v_k @ M`: `V @ M`.
    VectorMatrix,
    /// `v_k @ w` or `w @ v_k`: `V @ w`.
    DotSame,
    /// `u_k @ v_k`: `sum(U*V, 1)`.
    DotBoth,
}

/// Ops whose stack is the op of stacked operands.
fn lifts(op: &Op) -> bool {
    elementwise(op) || matches!(op, Op::Reshape | Op::Softmax | Op::Sum(_) | Op::Index(_) | Op::MatMul)
}

/// Ops applied element by element, with broadcasting.
fn elementwise(op: &Op) -> bool {
    matches!(op, Op::Add { .. } | Op::Mul { .. } | Op::Fn(_) | Op::Max | Op::Min | Op::Pow | Op::Broadcast)
}
