//! Moving elements around: indexing and slicing, stacking (tensor
//! literals), broadcasting, reshaping, and constant tensors. Their `bprop`s
//! put gradients back where the elements came from: the adjoint of an index
//! is written with slices of `eye(n)`, so it stays an expression of the
//! language (`g * eye(3)[0]` for `x[0]`).

use super::Op;
use crate::error::{Error, Result, Span};
use crate::eval::value::{Rat, Tensor, Value};
use crate::graph::shape::{Sel, Shape, broadcast_axes, numel, selected_shape, show};
use crate::graph::{Graph, NodeId};

impl Graph {
    /// `a[sels]`, selections already resolved against `a`'s shape.
    pub fn index(&mut self, a: NodeId, mut sels: Vec<Sel>) -> Result<NodeId> {
        let shape = self.shape(a).to_vec();
        // A trailing `:` changes nothing: `A[1, :]` is `A[1]`.
        while let Some(Sel::Range { start: 0, step: 1, len }) = sels.last() {
            if Some(len) != shape.get(sels.len() - 1) {
                break;
            }
            sels.pop();
        }
        if sels.is_empty() {
            return Ok(a);
        }
        let out = selected_shape(&shape, &sels);
        if let Some(part) = self.part_of_unit(a, &sels, &shape, &out)? {
            return Ok(part);
        }
        match self.op(a).clone() {
            Op::Num(r) => return Ok(self.filled(r, out)),
            // Column k of A' is row k of A.
            Op::Transpose if shape.len() == 2 => {
                if let [Sel::Range { start: 0, step: 1, len }, Sel::At(k)] = sels.as_slice()
                    && Some(len) == shape.first()
                {
                    let inner = self.inputs(a)[0];
                    return self.index(inner, vec![Sel::At(*k)]);
                }
            }
            // An element of the matrix `diag(v)`: `v[i]` on the diagonal,
            // 0 off it (`prod(diag(v))`'s gradient is made of elements).
            Op::Diag if shape.len() == 2 => {
                let v = self.inputs(a)[0];
                if self.shape(v).len() == 1
                    && let [Sel::At(i), Sel::At(j)] = sels.as_slice()
                {
                    return if i == j { self.index(v, vec![Sel::At(*i)]) } else { Ok(self.int(0)) };
                }
            }
            Op::Mul { coeff, exps } if self.picks_from_one_hot(a, &sels) => {
                let mut factors = Vec::with_capacity(exps.len());
                for (&f, e) in self.inputs(a).to_vec().iter().zip(exps.iter()) {
                    let f = if self.shape(f).is_empty() { f } else { self.index(f, sels.clone())? };
                    factors.push((f, e.clone()));
                }
                return self.product(coeff, &factors);
            }
            Op::Stack => {
                if let Some(Sel::At(i)) = sels.first() {
                    let item = self.inputs(a)[*i];
                    return self.index(item, sels[1..].to_vec());
                }
            }
            _ => {}
        }
        Ok(self.intern(Op::Index(sels.into()), [a], out))
    }

    /// Whether `a[sels]` is an element of a product with a one-hot factor
    /// (`(eye(3)[0]*v)[1]`, as Jacobian rows seeded with `eye(n)[k]` make
    /// them): taken factor by factor it is 0 or the others' element.
    /// Factors of another shape than `a`'s, other than scalars, would need
    /// their broadcast undone first, and are left.
    pub(super) fn picks_from_one_hot(&self, a: NodeId, sels: &[Sel]) -> bool {
        let Op::Mul { exps, .. } = self.op(a) else { return false };
        let shape = self.shape(a);
        let inputs = self.inputs(a);
        sels.len() == shape.len()
            && sels.iter().all(|s| matches!(s, Sel::At(_)))
            && inputs.iter().zip(exps.iter()).any(|(&i, e)| e.is_one() && self.one_hot(i).is_some())
            && inputs.iter().all(|&i| self.shape(i).is_empty() || self.shape(i) == shape)
    }

    /// An element or a block of a unit tensor (`eye(n)`, `eye(n)[k]` or
    /// that reshaped, as Jacobian rows seed back-propagation) is a number,
    /// zeros or a smaller unit tensor: `eye(3)[0][1]` is 0. Back-propagation
    /// through a stack (`[x[1]*x[2], ...]`, `prod`'s gradient) indexes its
    /// seed once per element, and the Hessian kept every `eye(3)[k][i]`.
    fn part_of_unit(&mut self, a: NodeId, sels: &[Sel], shape: &[usize], out: &[usize]) -> Result<Option<NodeId>> {
        if !sels.iter().all(|s| matches!(s, Sel::At(_))) {
            return Ok(None);
        }
        if let (Op::Eye, [Sel::At(i), Sel::At(j)]) = (self.op(a), sels) {
            return Ok(Some(self.int(i64::from(i == j))));
        }
        let inner = if *self.op(a) == Op::Reshape { self.inputs(a)[0] } else { a };
        let hot = match (self.op(inner), self.inputs(inner)) {
            (Op::Index(s), [e]) if *self.op(*e) == Op::Eye => match s.as_ref() {
                [Sel::At(k)] => *k,
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        // The selected block is a run of the row-major elements.
        let block = numel(out);
        let mut offset = 0;
        let mut stride = numel(shape);
        for (sel, &d) in sels.iter().zip(shape) {
            stride /= d.max(1);
            if let Sel::At(i) = sel {
                offset += i * stride;
            }
        }
        if !(offset..offset + block).contains(&hot) {
            return Ok(Some(self.zeros(out.to_vec())));
        }
        if out.is_empty() {
            return Ok(Some(self.int(1)));
        }
        let eye = self.eye(block);
        let unit = self.index(eye, vec![Sel::At(hot - offset)])?;
        self.reshape(unit, out.to_vec()).map(Some)
    }

    /// `[a, b, ...]`: equal shapes stacked along a new first axis.
    pub fn stack(&mut self, items: &[NodeId]) -> Result<NodeId> {
        let first = items
            .first()
            .ok_or_else(|| Error::shape(Span::default(), "a tensor literal needs at least one element"))?;
        let inner = self.shape(*first).to_vec();
        if let Some((k, bad)) = items.iter().enumerate().find(|(_, i)| self.shape(**i) != inner.as_slice()) {
            return Err(Error::shape(
                Span::default(),
                format!(
                    "ragged tensor literal: element {} has shape {}, element 1 has shape {}",
                    k + 1,
                    show(self.shape(*bad)),
                    show(&inner)
                ),
            ));
        }
        let mut shape = vec![items.len()];
        shape.extend(&inner);
        if let Some(r) = self.as_num(*first).cloned()
            && items.iter().all(|i| self.as_num(*i) == Some(&r))
        {
            return Ok(self.filled(r, shape));
        }
        if let Some(v) = self.constant_stack(items) {
            return Ok(self.data(v));
        }
        if let Some(whole) = self.all_rows_of(items) {
            return Ok(whole);
        }
        if let Some(lifted) = self.lift_stack(items) {
            return Ok(lifted);
        }
        Ok(self.intern(Op::Stack, items, shape))
    }

    /// `A` when the items are `A[0], A[1], …` (every row, in order).
    pub(super) fn all_rows_of(&self, items: &[NodeId]) -> Option<NodeId> {
        let first = items.first()?;
        let whole = *self.inputs(*first).first()?;
        if self.shape(whole).first() != Some(&items.len()) {
            return None;
        }
        let is_row = |(k, &i): (usize, &NodeId)| {
            matches!(self.op(i), Op::Index(s) if s.as_ref() == [Sel::At(k)]) && self.inputs(i).first() == Some(&whole)
        };
        items.iter().enumerate().all(is_row).then_some(whole)
    }

    /// The value of a stack of constants, when every item is one.
    fn constant_stack(&self, items: &[NodeId]) -> Option<Value> {
        let values: Option<Vec<Value>> = items
            .iter()
            .map(|&i| match self.op(i) {
                Op::Num(r) => Some(Value::filled(r, self.shape(i))),
                Op::Data(d) => Some(self.data_value(*d).clone()),
                _ => None,
            })
            .collect();
        Value::stack(&values?).ok()
    }

    /// A constant tensor node (a filled `Num` when every element is equal).
    pub fn data(&mut self, v: Value) -> NodeId {
        if let Value::Exact(t) = &v
            && let Some(r) = t.data.first()
            && t.data.iter().all(|x| x == r)
        {
            return self.filled(r.clone(), t.shape.clone());
        }
        let shape = v.shape().to_vec();
        let i = self.intern_data(v);
        self.intern(Op::Data(i), vec![], shape)
    }

    pub fn reshape(&mut self, a: NodeId, shape: Shape) -> Result<NodeId> {
        let from = self.shape(a).to_vec();
        if numel(&from) != numel(&shape) {
            return Err(Error::shape(Span::default(), format!("cannot reshape {} into {}", show(&from), show(&shape))));
        }
        if from == shape {
            return Ok(a);
        }
        match self.op(a).clone() {
            Op::Num(r) => Ok(self.filled(r, shape)),
            Op::Reshape => {
                let inner = self.inputs(a)[0];
                self.reshape(inner, shape)
            }
            _ => Ok(self.intern(Op::Reshape, [a], shape)),
        }
    }

    /// The gradient `g` of a broadcast result, summed back to `shape`.
    pub fn unbroadcast(&mut self, g: NodeId, shape: &[usize]) -> Result<NodeId> {
        if self.shape(g) == shape {
            return Ok(g);
        }
        let full = self.shape(g).to_vec();
        let (mut axes, ones) = broadcast_axes(shape, &full);
        let had_ones = !ones.is_empty();
        axes.extend(ones);
        let s = self.sum_axes(g, &axes)?;
        if had_ones { self.reshape(s, shape.to_vec()) } else { Ok(s) }
    }

    /// The first `k` columns of `eye(n)`: it embeds `k` entries into `n`.
    pub fn eye_columns(&mut self, n: usize, k: usize) -> Result<NodeId> {
        let eye = self.eye(n);
        self.index(eye, vec![Sel::Range { start: 0, step: 1, len: n }, Sel::Range { start: 0, step: 1, len: k }])
    }

    /// `g` (of the selected shape) put back at `sels` in zeros of `shape`.
    fn scatter(&mut self, g: NodeId, sels: &[Sel], shape: &[usize]) -> Result<NodeId> {
        if let ([n], [Sel::At(p)]) = (shape, sels) {
            let eye = self.eye(*n);
            let e = self.index(eye, vec![Sel::At(*p)])?;
            return self.mul(g, e);
        }
        if let Some(placed) = self.scatter_in_matrix(g, sels, shape)? {
            return Ok(placed);
        }
        // Reinsert the dropped axes as size 1, then embed axis by axis.
        let keep: Vec<usize> = (0..shape.len())
            .map(|k| match sels.get(k) {
                Some(Sel::At(_)) => 1,
                Some(Sel::Range { len, .. }) => *len,
                None => shape[k],
            })
            .collect();
        if shape.len() > 2 {
            if sels.len() == shape.len() && sels.iter().all(|s| matches!(s, Sel::At(_))) {
                return self.scatter_element(g, sels, shape);
            }
            let h = self.reshape(g, keep)?;
            return self.scatter_axes(h, sels, shape);
        }
        let mut h = self.reshape(g, keep)?;
        for (axis, sel) in sels.iter().enumerate() {
            let n = shape[axis];
            let eye = self.eye(n);
            let range = sel.kept();
            let full = Sel::Range { start: 0, step: 1, len: n };
            h = if axis == 0 {
                let e = self.index(eye, vec![full, range])?;
                self.matmul(e, h)?
            } else {
                let e = self.index(eye, vec![range])?;
                self.matmul(h, e)?
            };
        }
        Ok(h)
    }

    /// An element, a row or a column of a matrix put back as an outer
    /// product with unit vectors: `∂A[0, 1]/∂A` is `outer(eye(2)[0],
    /// eye(3)[1])`, the gradient through a row `outer(eye(2)[0], g)` (was
    /// `eye(2)[:, 0:1] @ ones(1, 1) @ eye(3)[1:2]`). `None` for slices.
    fn scatter_in_matrix(&mut self, g: NodeId, sels: &[Sel], shape: &[usize]) -> Result<Option<NodeId>> {
        let &[n, m] = shape else { return Ok(None) };
        let whole = |sel: Option<&Sel>, len: usize| match sel {
            None => true,
            Some(s) => *s == (Sel::Range { start: 0, step: 1, len }),
        };
        let unit = |graph: &mut Graph, len: usize, k: usize| {
            let eye = graph.eye(len);
            graph.index(eye, vec![Sel::At(k)])
        };
        Ok(Some(match (sels.first(), sels.get(1)) {
            (Some(&Sel::At(i)), Some(&Sel::At(j))) => {
                let (row, column) = (unit(self, n, i)?, unit(self, m, j)?);
                let place = self.outer(row, column)?;
                self.mul(g, place)?
            }
            (Some(&Sel::At(i)), rest) if whole(rest, m) => {
                let row = unit(self, n, i)?;
                self.outer(row, g)?
            }
            (first, Some(&Sel::At(j))) if whole(first, n) => {
                let column = unit(self, m, j)?;
                self.outer(g, column)?
            }
            _ => return Ok(None),
        }))
    }

    /// One element of a tensor of rank 3 or more (`prod`'s gradient is
    /// made of them): `g` times the unit tensor at its place.
    fn scatter_element(&mut self, g: NodeId, sels: &[Sel], shape: &[usize]) -> Result<NodeId> {
        let flat = sels.iter().zip(shape).fold(0, |flat, (sel, &d)| match sel {
            Sel::At(i) => flat * d + i,
            Sel::Range { .. } => flat * d,
        });
        let eye = self.eye(numel(shape));
        let unit = self.index(eye, vec![Sel::At(flat)])?;
        let unit = self.reshape(unit, shape.to_vec())?;
        self.mul(g, unit)
    }

    /// `h` (the selection, its dropped axes back as size 1) embedded in
    /// zeros of `shape` (rank 3 or more), one selected axis at a time.
    /// Only matrix products and transposes are at hand, so an axis is
    /// brought to the front as the rows of a matrix: `(A, k, B)` is
    /// `(A, k·B)`, transposed `(k, B·A)`; `eye(n)[:, sel] @` that embeds
    /// the `k` rows into `n`, and the way back restores `(A, n, B)`.
    fn scatter_axes(&mut self, mut h: NodeId, sels: &[Sel], shape: &[usize]) -> Result<NodeId> {
        for (axis, sel) in sels.iter().enumerate() {
            let n = shape.get(axis).copied().unwrap_or(1);
            let range = sel.kept();
            if range == (Sel::Range { start: 0, step: 1, len: n }) {
                continue;
            }
            let mut cur = self.shape(h).to_vec();
            let (a, k) = (numel(cur.get(..axis).unwrap_or(&[])), cur.get(axis).copied().unwrap_or(1));
            let b = numel(cur.get(axis + 1..).unwrap_or(&[]));
            let eye = self.eye(n);
            let embed = self.index(eye, vec![Sel::Range { start: 0, step: 1, len: n }, range])?;
            let rows = if a == 1 {
                self.reshape(h, vec![k, b])?
            } else {
                let m = self.reshape(h, vec![a, k * b])?;
                let t = self.transpose(m)?;
                self.reshape(t, vec![k, b * a])?
            };
            let placed = self.matmul(embed, rows)?;
            let back = if a == 1 {
                placed
            } else {
                let t = self.reshape(placed, vec![n * b, a])?;
                self.transpose(t)?
            };
            if let Some(d) = cur.get_mut(axis) {
                *d = n;
            }
            h = self.reshape(back, cur)?;
        }
        Ok(h)
    }
}

pub fn eval(op: &Op, shape: &[usize], args: &[&Value]) -> Result<Value, String> {
    let x = super::one(args)?;
    match op {
        Op::Index(sels) => Ok(x.index(sels)),
        Op::Stack => {
            let items: Vec<Value> = args.iter().map(|v| (*v).clone()).collect();
            Value::stack(&items)
        }
        Op::Broadcast => x.broadcast_to(shape),
        Op::Reshape => x.reshape(shape),
        _ => Err(format!("{} does not move elements", op.label())),
    }
}

pub fn bprop(graph: &mut Graph, op: &Op, node: NodeId, which: usize, g: NodeId) -> Result<NodeId> {
    let x = graph.inputs(node)[which];
    let shape = graph.shape(x).to_vec();
    match op {
        Op::Index(sels) => graph.scatter(g, sels, &shape),
        Op::Stack => graph.index(g, vec![Sel::At(which)]),
        Op::Broadcast => graph.unbroadcast(g, &shape),
        Op::Reshape => graph.reshape(g, shape),
        _ => Err(super::arith::internal("not a tensor op")),
    }
}

/// The exact identity matrix.
pub fn eye_value(n: usize) -> Value {
    let mut data = vec![Rat::zero(); n * n];
    for i in 0..n {
        data[i * n + i] = Rat::one();
    }
    Value::Exact(Tensor { shape: vec![n, n], data })
}
