//! Evaluation: the nodes the outputs need, in arena (topological) order,
//! each computed once from its inputs' values; several outputs share one
//! pass, so a gradient reuses its forward values.
//!
//! Memory and copies: variable and constant values are borrowed, never
//! copied; each intermediate value is dropped right after its last use;
//! a matrix product whose operand is a transpose reads the untransposed
//! value with swapped strides, so the transpose is never materialised
//! (unless something else needs it).

use crate::eval::value::Value;
use crate::graph::{Graph, NodeId};
use crate::ops::{self, Op};
use crate::rational::Rat;
use std::borrow::Cow;

/// Why evaluation stopped: the message and the node it is about.
#[derive(Clone, Debug)]
pub struct EvalError {
    pub node: NodeId,
    pub message: String,
    /// A limit refused the work (rather than the arithmetic failing).
    pub limit: bool,
}

/// A node whose value was the first to become NaN or infinite.
#[derive(Clone, Debug)]
pub struct NonFinite {
    pub node: NodeId,
    pub what: &'static str,
}

/// How a node reads its operands: its inputs, except that a matrix product
/// reads through a transpose of a matrix (the flag says which operands
/// do). What it reads is listed apart (see `plan`).
struct Plan {
    /// For `MatMul`: whether each operand is read transposed.
    transposed: [bool; 2],
    /// For `Add`: whether each term is an outer product read from its two
    /// vectors (two entries in what it reads), never materialised.
    outers: Vec<bool>,
    /// For `Index`: a row or element of `eye(n)`, made without `eye(n)`
    /// (a Jacobian's seeds, unit tensors: n values, not n²).
    unit: bool,
    /// For `Mul`: which operand is a unit tensor of the product's shape
    /// that places the rest, as a scatter would (see `placed`).
    places: Option<usize>,
}

impl Plan {
    /// Operands read as they are.
    fn plain() -> Plan {
        Plan { transposed: [false; 2], outers: vec![], unit: false, places: None }
    }
}

/// The operand of the product `id` that is a unit tensor of its shape
/// (`eye(n)[k]*s`: the gradient of an index puts `s` at `k`).
pub(crate) fn placing_unit(graph: &Graph, id: NodeId) -> Option<usize> {
    let Op::Mul { exps, .. } = graph.op(id) else { return None };
    let shape = graph.shape(id);
    graph
        .inputs(id)
        .iter()
        .zip(exps.iter())
        .position(|(&i, e)| num_traits::One::is_one(e) && is_unit(graph, i) && graph.shape(i) == shape)
}

/// `v`, the product of a unit tensor and the rest, with 0 wherever the
/// unit is 0: there the rest is not placed, so an infinite or NaN rest
/// (`eye(2)[0]/sqrt(x[0])` at `x[0] = 0`) does not make `0·inf` NaN in
/// the other elements, as a scatter would not.
fn placed(v: Value, unit: &Value) -> Value {
    match (v, unit) {
        (Value::Float(mut t), Value::Exact(u)) if t.data.len() == u.data.len() => {
            for (x, z) in t.data.iter_mut().zip(&u.data) {
                if num_traits::Zero::is_zero(z) {
                    *x = 0.0;
                }
            }
            Value::Float(t)
        }
        (v, _) => v,
    }
}

/// Whether `id` is a row or element of `eye(n)` (see `Plan::unit`).
pub fn is_unit(graph: &Graph, id: NodeId) -> bool {
    match (graph.op(id), graph.inputs(id)) {
        (Op::Index(sels), [e]) => {
            *graph.op(*e) == Op::Eye && sels.iter().all(|s| matches!(s, crate::graph::shape::Sel::At(_)))
        }
        _ => false,
    }
}

/// The value of a unit node (`is_unit`): one 1 among zeros.
fn unit_value(graph: &Graph, id: NodeId) -> Value {
    use crate::graph::shape::Sel;
    let shape = graph.shape(id).to_vec();
    let mut data = vec![Rat::int(0); crate::graph::shape::numel(&shape)];
    if let Op::Index(sels) = graph.op(id) {
        match sels.as_ref() {
            [Sel::At(k)] => data.get_mut(*k).into_iter().for_each(|x| *x = Rat::int(1)),
            [Sel::At(i), Sel::At(j)] if i == j => data.iter_mut().for_each(|x| *x = Rat::int(1)),
            _ => {}
        }
    }
    Value::Exact(crate::eval::tensor::Tensor::new(shape, data))
}

/// How `id` reads, with what it reads appended to `deps` (one list for
/// all nodes: a list per node was a tenth of making a program). Reading
/// through an operand (an outer product's vectors, a transpose's matrix)
/// needs that operand's own inputs, which evaluation does not visit when
/// the operand's value is `known`: a known operand is read as it is.
fn plan(graph: &Graph, id: NodeId, known: &dyn Fn(NodeId) -> bool, deps: &mut Vec<NodeId>) -> Plan {
    let ins = graph.inputs(id);
    let start = deps.len();
    let mut p = Plan::plain();
    if is_unit(graph, id) {
        p.unit = true;
        return p;
    }
    let outer = |i: NodeId| matches!(graph.op(i), Op::Outer) && !known(i);
    if matches!(graph.op(id), Op::Add { .. }) && ins.iter().any(|&i| outer(i)) {
        for &i in ins {
            let outer = outer(i);
            p.outers.push(outer);
            deps.extend(if outer { graph.inputs(i) } else { std::slice::from_ref(&i) });
        }
        return p;
    }
    deps.extend_from_slice(ins);
    p.places = placing_unit(graph, id);
    if matches!(graph.op(id), Op::MatMul) {
        for (k, &i) in ins.iter().enumerate().take(2) {
            if matches!(graph.op(i), Op::Transpose) && graph.shape(i).len() == 2 && !known(i) {
                deps[start + k] = graph.inputs(i)[0];
                p.transposed[k] = true;
            }
        }
    }
    p
}

/// The values of `roots`, with `lookup` giving the value of each variable
/// and `known` the values of nodes computed before (read, not recomputed).
pub fn eval<'a>(
    graph: &'a Graph,
    roots: &[NodeId],
    lookup: &dyn Fn(&str) -> Option<&'a Value>,
    known: &dyn Fn(NodeId) -> Option<&'a Value>,
    interrupted: &dyn Fn() -> bool,
) -> Result<(Vec<Value>, Option<NonFinite>), EvalError> {
    Program::new(graph, roots, &|id| known(id).is_some()).run(lookup, known, interrupted)
}

/// What evaluating some roots takes, worked out once: the nodes needed in
/// topological order, where each reads its operands, and how many reads
/// each value gets (`:timeit` runs one program many times).
pub struct Program<'g> {
    graph: &'g Graph,
    steps: Vec<Step>,
    /// What each step reads, all steps' lists in one buffer.
    read_list: Vec<usize>,
    /// Positions in `steps` of the roots, in the order asked for.
    roots: Vec<usize>,
}

struct Step {
    id: NodeId,
    plan: Plan,
    /// Where in `read_list` the positions (in `steps`) of what the plan
    /// reads are.
    reads: std::ops::Range<u32>,
    /// Read from the caller's known values instead of computed.
    known: bool,
    /// Reads of this value, a root's final read included.
    uses: u32,
    /// For `M' @ v`: a later sum over the same matrix `M` (its position,
    /// and which of its terms is `M`) that computes this product in its
    /// own pass over `M` (see `arith::eval_sum_with_outers`).
    sibling: Option<(usize, usize)>,
}

impl<'g> Program<'g> {
    /// The program for `roots`, not looking past the nodes `known` holds.
    pub fn new(graph: &'g Graph, roots: &[NodeId], known: &dyn Fn(NodeId) -> bool) -> Program<'g> {
        Program::with_order(graph, graph.ancestors_until(roots, known), roots, known)
    }

    /// The same, given `order`: `graph.ancestors_until(roots, known)`
    /// (which the caller has walked already).
    pub fn with_order(
        graph: &'g Graph,
        order: Vec<NodeId>,
        roots: &[NodeId],
        known: &dyn Fn(NodeId) -> bool,
    ) -> Program<'g> {
        let top = order.last().map_or(0, |id| id.index() + 1);
        // Which nodes are needed (fused reads skip some), walking back
        // from the roots.
        let mut needed = vec![false; top];
        roots.iter().for_each(|r| needed[r.index()] = true);
        let mut plans: Vec<(NodeId, Plan, bool, std::ops::Range<usize>)> = Vec::with_capacity(order.len());
        let mut deps: Vec<NodeId> = Vec::with_capacity(2 * order.len());
        for &id in order.iter().rev() {
            if !needed[id.index()] {
                continue;
            }
            let is_known = known(id);
            let start = deps.len();
            let p = if is_known { Plan::plain() } else { plan(graph, id, known, &mut deps) };
            deps[start..].iter().for_each(|d| needed[d.index()] = true);
            plans.push((id, p, is_known, start..deps.len()));
        }
        let mut position = vec![usize::MAX; top];
        let mut steps: Vec<Step> = Vec::with_capacity(plans.len());
        let mut read_list = Vec::with_capacity(deps.len());
        for (k, (id, plan, known, read)) in plans.into_iter().rev().enumerate() {
            position[id.index()] = k;
            let start = read_list.len() as u32;
            for d in &deps[read] {
                let r = position[d.index()];
                steps[r].uses += 1;
                read_list.push(r);
            }
            let reads = start..read_list.len() as u32;
            steps.push(Step { id, plan, reads, known, uses: 0, sibling: None });
        }
        let roots: Vec<usize> = roots.iter().map(|r| position[r.index()]).collect();
        for &r in &roots {
            steps[r].uses += 1;
        }
        let mut program = Program { graph, steps, read_list, roots };
        pair_siblings(&mut program);
        program
    }

    /// The positions of what `step` reads.
    fn reads(&self, step: &Step) -> &[usize] {
        &self.read_list[step.reads.start as usize..step.reads.end as usize]
    }

    /// A scalar step's value when all it reads are f64 scalars, made
    /// without the tensor machinery; `None` otherwise (or for an op with
    /// no such rule). `xs` is scratch space.
    fn scalar(&self, step: &Step, values: &[Option<Cow<Value>>], xs: &mut Vec<f64>) -> Option<f64> {
        if !self.graph.shape(step.id).is_empty() || !step.plan.outers.is_empty() {
            return None;
        }
        xs.clear();
        for &r in self.reads(step) {
            match values[r].as_deref()? {
                Value::Float(t) if t.shape.is_empty() => xs.push(t.data[0]),
                _ => return None,
            }
        }
        ops::eval_f64(self.graph.op(step.id), xs)
    }

    /// Runs the program, with `lookup` giving the value of each variable
    /// and `known` the values the program was made to read.
    pub fn run<'a>(
        &self,
        lookup: &dyn Fn(&str) -> Option<&'a Value>,
        known: &dyn Fn(NodeId) -> Option<&'a Value>,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<(Vec<Value>, Option<NonFinite>), EvalError>
    where
        'g: 'a,
    {
        let graph: &'a Graph = self.graph;
        let mut uses: Vec<u32> = self.steps.iter().map(|s| s.uses).collect();
        let mut values: Vec<Option<Cow<'a, Value>>> = (0..self.steps.len()).map(|_| None).collect();
        let mut first_bad: Option<NonFinite> = None;
        let mut spare: Vec<&Value> = Vec::new();
        let mut xs: Vec<f64> = Vec::new();
        let mut sibling = None;
        for (k, step) in self.steps.iter().enumerate() {
            // Known finite as made (the fused sum checks its rows).
            let mut finite = false;
            let (id, p) = (step.id, &step.plan);
            if values[k].is_some() {
                continue; // made in its sibling's pass
            }
            if interrupted() {
                return Err(EvalError { node: id, message: "interrupted".into(), limit: false });
            }
            let fail = |message| EvalError { node: id, message, limit: false };
            let v: Cow<'a, Value> = match graph.op(id) {
                _ if step.known => Cow::Borrowed(known(id).ok_or_else(|| fail("not evaluated".into()))?),
                Op::Var(name) => Cow::Borrowed(lookup(name).ok_or_else(|| fail(format!("`{name}` has no value")))?),
                Op::Data(i) => Cow::Borrowed(graph.data_value(*i)),
                Op::Index(_) if p.unit => Cow::Owned(unit_value(graph, id)),
                _ if let Some((b, sum, product)) = self.with_sibling(step, &values) => {
                    sibling = Some((b, sum));
                    Cow::Owned(product)
                }
                _ if let Some(x) = self.scalar(step, &values, &mut xs) => Cow::Owned(Value::float_scalar(x)),
                op => {
                    let mut args = recycle(std::mem::take(&mut spare));
                    args.extend(self.reads(step).iter().filter_map(|&r| values[r].as_deref()));
                    ops::check_exact_cost(graph, id, &args).map_err(|message| EvalError {
                        node: id,
                        message,
                        limit: true,
                    })?;
                    let v = match (op, &args[..]) {
                        (Op::MatMul, [a, b]) => a.matmul_t(p.transposed[0], b, p.transposed[1]),
                        (Op::Add { coeffs, constant }, _) if !p.outers.is_empty() => {
                            let shape = graph.shape(id);
                            ops::arith::eval_sum_with_outers(coeffs, constant, shape, &p.outers, &args, None).map(|f| {
                                finite = f.finite;
                                f.value
                            })
                        }
                        _ => ops::eval(graph, id, &args),
                    };
                    let v = match (v, p.places.and_then(|u| args.get(u))) {
                        (Ok(v), Some(unit)) => Ok(placed(v, unit)),
                        (v, _) => v,
                    };
                    spare = recycle(args);
                    Cow::Owned(v.map_err(fail)?)
                }
            };
            self.settle(k, v, finite, &mut values, &mut uses, &mut first_bad);
            // After this step, as it comes after it (for `first_bad`).
            if let Some((b, sum)) = sibling.take() {
                let (sum, finite) = sum;
                self.settle(b, Cow::Owned(sum), finite, &mut values, &mut uses, &mut first_bad);
            }
        }
        // A kernel that saw Ctrl-C stopped early: its value is not to be used.
        if let Some(last) = self.steps.last()
            && interrupted()
        {
            return Err(EvalError { node: last.id, message: "interrupted".into(), limit: false });
        }
        let out = self
            .roots
            .iter()
            .map(|&r| {
                uses[r] -= 1;
                let slot = &mut values[r];
                let v = if uses[r] == 0 { slot.take().map(Cow::into_owned) } else { slot.as_deref().cloned() };
                v.ok_or_else(|| EvalError { node: self.steps[r].id, message: "not evaluated".into(), limit: false })
            })
            .collect::<Result<_, _>>()?;
        Ok((out, first_bad))
    }
}

impl<'g> Program<'g> {
    /// Step `k`'s value stored: noted if it is the first NaN or infinity
    /// (unless known `finite`), and each operand's value dropped after its
    /// last read.
    fn settle<'a>(
        &self,
        k: usize,
        v: Cow<'a, Value>,
        finite: bool,
        values: &mut [Option<Cow<'a, Value>>],
        uses: &mut [u32],
        first_bad: &mut Option<NonFinite>,
    ) {
        let step = &self.steps[k];
        if first_bad.is_none() && !finite && !step.known && !self.graph.op(step.id).is_leaf() {
            *first_bad = non_finite(&v).map(|what| NonFinite { node: step.id, what });
            if first_bad.is_some()
                && self.reads(step).iter().any(|&r| values[r].as_deref().is_some_and(|v| non_finite(v).is_some()))
            {
                *first_bad = None;
            }
        }
        for &r in self.reads(step) {
            uses[r] -= 1;
            if uses[r] == 0 {
                values[r] = None;
            }
        }
        values[k] = Some(v);
    }

    /// For `M' @ v` with a sibling sum over `M` (see `pair_siblings`): the
    /// sibling's position and value, and the product, from one pass over
    /// `M`; `None` when the values are not all f64 or the pass declines
    /// (the two are then evaluated apart, each in its place).
    fn with_sibling(&self, step: &Step, values: &[Option<Cow<Value>>]) -> Option<(usize, (Value, bool), Value)> {
        let (b, term) = step.sibling?;
        let sib = &self.steps[b];
        let Op::Add { coeffs, constant } = self.graph.op(sib.id) else { return None };
        let read = |r: &usize| values[*r].as_deref();
        let args: Vec<&Value> = self.reads(sib).iter().map(read).collect::<Option<_>>()?;
        let v = self.reads(step).get(1).and_then(read)?;
        if !args.iter().chain([&v]).all(|a| matches!(a, Value::Float(_))) {
            return None;
        }
        let shape = self.graph.shape(sib.id);
        let fused =
            ops::arith::eval_sum_with_outers(coeffs, constant, shape, &sib.plan.outers, &args, Some((term, v))).ok()?;
        let product = Value::from_f64(self.graph.shape(step.id), fused.row_sums?);
        Some((b, (fused.value, fused.finite), product))
    }
}

/// Pairs each transposed matrix-vector product `M' @ v` with a sum over
/// the same matrix whose operands are all ready by then (W2's backward
/// step: `W' @ δ` and the weight gradient `W/50 + outer(δ, h)`), so that one
/// pass over `M` makes both.
fn pair_siblings(program: &mut Program) {
    let (graph, steps) = (program.graph, &program.steps);
    // Sums with outer products, by the position of each matrix term.
    let mut sums: crate::graph::IdMap<Vec<(usize, usize)>> = Default::default();
    for (k, st) in steps.iter().enumerate() {
        if st.plan.outers.is_empty() || graph.shape(st.id).len() != 2 {
            continue;
        }
        let mut read = 0;
        for (term, &outer) in st.plan.outers.iter().enumerate() {
            if let (false, Some(&r)) = (outer, program.reads(st).get(read))
                && graph.shape(steps[r].id) == graph.shape(st.id)
            {
                sums.entry(steps[r].id).or_default().push((k, term));
            }
            read += if outer { 2 } else { 1 };
        }
    }
    let mut taken = vec![false; steps.len()];
    let mut pairs = vec![];
    for a in 0..steps.len() {
        let st = &steps[a];
        let [m, _] = *program.reads(st) else { continue };
        if *graph.op(st.id) != Op::MatMul || !st.plan.transposed[0] || graph.shape(st.id).len() != 1 {
            continue;
        }
        let matrix = steps[m].id;
        let ready = |&&(b, _): &&(usize, usize)| !taken[b] && b > a && program.reads(&steps[b]).iter().all(|&r| r < a);
        if let Some(&(b, term)) = sums.get(&matrix).and_then(|c| c.iter().find(ready)) {
            taken[b] = true;
            pairs.push((a, (b, term)));
        }
    }
    for (a, sibling) in pairs {
        program.steps[a].sibling = Some(sibling);
    }
}

/// `v` emptied, its allocation kept for references of another lifetime
/// (the operands of the next step; one allocation per node was a tenth of
/// a small-vector evaluation). Collecting in place reuses the buffer.
// `filter_map` changes the element type, which `filter` cannot.
#[allow(clippy::unnecessary_filter_map)]
fn recycle<'y>(mut v: Vec<&Value>) -> Vec<&'y Value> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

pub(crate) fn non_finite(v: &Value) -> Option<&'static str> {
    match v {
        Value::Exact(_) => None,
        // `x * 0` is NaN exactly for NaN and infinities: one vectorisable
        // pass, then a search only when something is not finite.
        Value::Float(t) if !crate::eval::kernels::sum_f64_scaled_zero(&t.data).is_nan() => None,
        Value::Float(t) => t.data.iter().find(|x| !x.is_finite()).map(|x| if x.is_nan() { "NaN" } else { "infinity" }),
    }
}

/// The free variables of an expression that `lookup` has no value for.
pub fn unbound(graph: &Graph, root: NodeId, has_value: &dyn Fn(&str) -> bool) -> Vec<String> {
    let vars = match graph.free_vars(root) {
        Some(v) => v.to_vec(),
        None => graph.ancestors(&[root]),
    };
    let mut names: Vec<String> = vars
        .into_iter()
        .filter_map(|id| match graph.op(id) {
            Op::Var(name) if !has_value(name) => Some(name.to_string()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simplify::rat;

    /// The scalar path (`ops::eval_f64`) gives the bits the tensor kernels
    /// give: the same nodes over variables of shape `[]` and `[1]`.
    #[test]
    fn scalars_evaluate_as_one_element_tensors_do() {
        use crate::ops::Func;
        let r = crate::rational::Rat::ratio_of;
        let exprs = |g: &mut Graph, x: NodeId, y: NodeId| -> Vec<NodeId> {
            let s = g.func(Func::Sin, x).expect("sin");
            let t = g.func(Func::Tanh, y).expect("tanh");
            vec![
                g.sum(&[(x, r(3, 7)), (s, r(-1, 1)), (y, r(1, 1)), (t, r(5, 2))]).expect("sum"),
                g.product(r(-2, 3), &[(x, r(2, 1)), (y, r(-1, 1)), (s, r(1, 2)), (t, r(3, 1))]).expect("product"),
                g.product(r(1, 1), &[(x, r(7, 3)), (y, r(-5, 1))]).expect("powers"),
                g.pow(x, y).expect("pow"),
                g.max(x, y).expect("max"),
                g.func(Func::Sigmoid, s).expect("sigmoid"),
            ]
        };
        for (a, b) in [(0.7, -1.3), (-0.25, 2.5), (0.0, f64::NAN), (3.0, 0.5)] {
            let mut values = vec![];
            for shape in [vec![], vec![1]] {
                let mut g = Graph::new();
                let (x, y) = (g.var("x", shape.clone()), g.var("y", shape.clone()));
                let roots = exprs(&mut g, x, y);
                let vars = [("x", Value::from_f64(&shape, vec![a])), ("y", Value::from_f64(&shape, vec![b]))];
                let lookup = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v);
                let (out, _) = eval(&g, &roots, &lookup, &|_| None, &|| false).expect("evaluates");
                values.push(out.iter().map(|v| v.scalar_f64().expect("one element").to_bits()).collect::<Vec<_>>());
            }
            assert_eq!(values[0], values[1], "x = {a}, y = {b}");
        }
    }

    /// `W' @ d` and `W/50 + outer(d, h)` evaluated together (one pass over
    /// `W`) give what each gives alone.
    #[test]
    fn a_product_and_its_sibling_sum_share_a_pass() {
        let mut g = Graph::new();
        let (w, d, h) = (g.var("W", vec![3, 4]), g.var("d", vec![3]), g.var("h", vec![4]));
        let wt = g.transpose(w).expect("transpose");
        let product = g.matmul(wt, d).expect("matmul");
        let outer = g.outer(d, h).expect("outer");
        let sum = g.sum(&[(w, crate::rational::Rat::ratio_of(1, 50)), (outer, rat(1))]).expect("sum");
        let values = [
            ("W", Value::from_f64(&[3, 4], (0..12).map(|i| (i as f64 - 5.5) / 3.0).collect())),
            ("d", Value::from_f64(&[3], vec![0.5, -1.25, 2.0])),
            ("h", Value::from_f64(&[4], vec![1.0, -3.0, 0.25, 7.0])),
        ];
        let lookup = |n: &str| values.iter().find(|(k, _)| *k == n).map(|(_, v)| v);
        let run = |roots: &[NodeId]| {
            let p = Program::new(&g, roots, &|_| false);
            let paired = p.steps.iter().any(|s| s.sibling.is_some());
            (p.run(&lookup, &|_| None, &|| false).expect("evaluates").0, paired)
        };
        let (together, paired) = run(&[product, sum]);
        assert!(paired, "the product is made in the sum's pass");
        let (alone_p, _) = run(&[product]);
        let (alone_s, _) = run(&[sum]);
        assert_eq!(together, [alone_p[0].clone(), alone_s[0].clone()]);
    }
}
