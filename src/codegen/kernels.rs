//! The loops of the flat-array languages for the ops that are not one
//! expression per element: matrix products, reductions, `softmax`, `diag`
//! and `stack`. Each writes its result into the node's temporary.

use super::loops::{Emitter, digit};
use crate::graph::NodeId;
use crate::ops::Op;

impl Emitter<'_> {
    /// NumPy `matmul` for ranks 1 and 2 as `(m, k) @ (k, n)`: a row loop
    /// when `a` is a matrix, a column loop when `b` is one, the dot product
    /// innermost.
    pub(super) fn matmul(&mut self, id: NodeId, a: NodeId, b: NodeId) {
        let (sa, sb) = (self.plan.shape(a).to_vec(), self.plan.shape(b).to_vec());
        let k = if sa.len() == 2 { sa[1] } else { sa[0] };
        let n = if sb.len() == 2 { sb[1] } else { 1 };
        let name = self.plan.name(id).to_string();
        let ai = if sa.len() == 2 { format!("_r * {k} + _p") } else { "_p".into() };
        let bi = if sb.len() == 2 { format!("_p * {n} + _c") } else { "_p".into() };
        let prod = format!("{} * {}", self.at(a, &ai), self.at(b, &bi));
        if self.plan.shape(id).is_empty() {
            let (acc, head) = (self.d.mut_scalar(&name, "0.0"), self.d.for_open("_p", k));
            self.block([(0, acc), (0, head), (1, format!("{name} += {prod};")), (0, "}".into())]);
            return;
        }
        let decl = self.d.array(&name, self.plan.len(id));
        self.line(0, decl);
        let mut loops = Vec::new();
        if sa.len() == 2 {
            loops.push(self.d.for_open("_r", sa[0]));
        }
        if sb.len() == 2 {
            loops.push(self.d.for_open("_c", n));
        }
        let out = match (sa.len(), sb.len()) {
            (2, 2) => format!("_r * {n} + _c"),
            (2, _) => "_r".into(),
            _ => "_c".into(),
        };
        let depth = loops.len();
        for (d, l) in loops.into_iter().enumerate() {
            self.line(d, l);
        }
        let (acc, inner) = (self.d.mut_scalar("_acc", "0.0"), self.d.for_open("_p", k));
        self.block([
            (depth, acc),
            (depth, inner),
            (depth + 1, format!("_acc += {prod};")),
            (depth, "}".into()),
            (depth, format!("{name}[{out}] = _acc;")),
        ]);
        for d in (0..depth).rev() {
            self.line(d, "}".into());
        }
    }

    /// Sum over `axes`: into a scalar, or each input element added to the
    /// output element its kept axes name.
    pub(super) fn sum(&mut self, id: NodeId, x: NodeId, axes: &[usize]) {
        let name = self.plan.name(id).to_string();
        let xs = self.plan.shape(x).to_vec();
        let n = self.plan.len(x);
        let elem = self.at(x, "_i");
        if self.plan.shape(id).is_empty() {
            let (acc, head) = (self.d.mut_scalar(&name, "0.0"), self.d.for_open("_i", n));
            self.line(0, acc);
            self.line(0, head);
            self.line(1, format!("{name} += {elem};"));
            self.line(0, "}".into());
            return;
        }
        let kept: Vec<usize> = (0..xs.len()).filter(|k| !axes.contains(k)).collect();
        let kept_dims: Vec<usize> = kept.iter().map(|&k| xs[k]).collect();
        let mut terms = Vec::new();
        for (pos, &k) in kept.iter().enumerate() {
            let stride: usize = kept_dims[pos + 1..].iter().product();
            terms.push(format!("{} * {stride}", digit(&xs, k, "_i")));
        }
        let (decl, head) = (self.d.array(&name, self.plan.len(id)), self.d.for_open("_i", n));
        self.line(0, decl);
        self.line(0, head);
        self.line(1, format!("{name}[{}] += {elem};", terms.join(" + ")));
        self.line(0, "}".into());
    }

    /// `prod`, `norm` (plain sum of squares, then the root) and `trace`.
    pub(super) fn fold(&mut self, id: NodeId, op: &Op, x: NodeId) {
        let name = self.plan.name(id).to_string();
        let xs = self.plan.shape(x).to_vec();
        let (init, n, update) = match op {
            Op::Prod => ("1.0", self.plan.len(x), format!("{name} *= {};", self.at(x, "_i"))),
            Op::Norm => ("0.0", self.plan.len(x), format!("{name} += {} * {};", self.at(x, "_i"), self.at(x, "_i"))),
            _ => ("0.0", xs[0].min(xs[1]), format!("{name} += {};", self.at(x, &format!("_i * {}", xs[1] + 1)))),
        };
        let (acc, head) = (self.d.mut_scalar(&name, init), self.d.for_open("_i", n));
        self.line(0, acc);
        self.line(0, head);
        self.line(1, update);
        self.line(0, "}".into());
        if *op == Op::Norm {
            let root = self.d.call("sqrt", std::slice::from_ref(&name));
            self.line(0, format!("{name} = {root};"));
        }
    }

    /// `m + log(Σ exp(x - m))` with `m` the maximum, as the evaluator does.
    pub(super) fn logsumexp(&mut self, id: NodeId, x: NodeId) {
        let name = self.plan.name(id).to_string();
        let n = self.plan.len(x);
        let first = self.at(x, "0");
        let elem = self.at(x, "_i");
        // Named after the result: C declares them in the function's scope,
        // where a second logsumexp redefined `_m`.
        let (m, s) = (format!("_m{name}"), format!("_s{name}"));
        // An infinite maximum is not subtracted (`inf - inf` is NaN): the
        // sum is then inf, or 0 for all -inf, as the evaluator's.
        let shift = self.d.call("sg_shift", std::slice::from_ref(&m));
        let lines = [
            (0, self.d.mut_scalar(&m, &first)),
            (0, self.d.for_open("_i", n)),
            (1, format!("{m} = {};", self.d.call("fmax", &[m.clone(), elem.clone()]))),
            (0, "}".into()),
            (0, format!("{m} = {shift};")),
            (0, self.d.mut_scalar(&s, "0.0")),
            (0, self.d.for_open("_i", n)),
            (1, format!("{s} += {};", self.d.call("exp", &[format!("{elem} - {m}")]))),
            (0, "}".into()),
            (0, self.d.scalar(&name, &format!("{m} + {}", self.d.call("log", std::slice::from_ref(&s))))),
        ];
        self.block(lines);
    }

    /// Softmax along the last axis, one row at a time, the row's maximum
    /// subtracted first.
    pub(super) fn softmax(&mut self, id: NodeId, x: NodeId) {
        let name = self.plan.name(id).to_string();
        let n = self.plan.shape(x).last().copied().unwrap_or(1);
        let rows = self.plan.len(x) / n.max(1);
        let elem = self.at(x, &format!("_r * {n} + _i"));
        let first = self.at(x, &format!("_r * {n}"));
        let out = format!("{name}[_r * {n} + _i]");
        if self.plan.shape(id).is_empty() {
            let s = self.d.scalar(&name, "1.0");
            self.line(0, s);
            return;
        }
        let lines = [
            (0, self.d.array(&name, rows * n)),
            (0, self.d.for_open("_r", rows)),
            (1, self.d.mut_scalar("_m", &first)),
            (1, self.d.for_open("_i", n)),
            (2, format!("_m = {};", self.d.call("fmax", &["_m".into(), elem.clone()]))),
            (1, "}".into()),
            (1, self.d.mut_scalar("_s", "0.0")),
            (1, self.d.for_open("_i", n)),
            (2, format!("{out} = {};", self.d.call("exp", &[format!("{elem} - _m")]))),
            (2, format!("_s += {out};")),
            (1, "}".into()),
            (1, self.d.for_open("_i", n)),
            (2, format!("{out} /= _s;")),
            (1, "}".into()),
            (0, "}".into()),
        ];
        self.block(lines);
    }

    /// A vector to its diagonal matrix, or a matrix to its diagonal.
    pub(super) fn diag(&mut self, id: NodeId, x: NodeId) {
        let name = self.plan.name(id).to_string();
        let xs = self.plan.shape(x).to_vec();
        let (n, set) = if xs.len() == 1 {
            (xs[0], format!("{name}[_i * {}] = {};", xs[0] + 1, self.at(x, "_i")))
        } else {
            (xs[0].min(xs[1]), format!("{name}[_i] = {};", self.at(x, &format!("_i * {}", xs[1] + 1))))
        };
        let lines =
            [(0, self.d.array(&name, self.plan.len(id))), (0, self.d.for_open("_i", n)), (1, set), (0, "}".into())];
        self.block(lines);
    }

    /// Equal-shaped items one after another along a new first axis.
    pub(super) fn stack(&mut self, id: NodeId, items: &[NodeId]) {
        let name = self.plan.name(id).to_string();
        let decl = self.d.array(&name, self.plan.len(id));
        self.line(0, decl);
        for (k, &item) in items.iter().enumerate() {
            let n = self.plan.len(item);
            let lines = [
                (0, self.d.for_open("_i", n)),
                (1, format!("{name}[{} + _i] = {};", k * n, self.at(item, "_i"))),
                (0, "}".into()),
            ];
            self.block(lines);
        }
    }

    pub(super) fn block<const N: usize>(&mut self, lines: [(usize, String); N]) {
        for (depth, s) in lines {
            self.line(depth, s);
        }
    }
}
