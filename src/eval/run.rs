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

/// What a node reads: its inputs, except that a matrix product reads
/// through a transpose of a matrix (the flag says which operands do).
struct Plan {
    deps: Vec<NodeId>,
    /// For `MatMul`: whether each operand is read transposed.
    transposed: [bool; 2],
    /// For `Add`: whether each term is an outer product read from its two
    /// vectors (two entries in `deps`), never materialised.
    outers: Vec<bool>,
}

fn plan(graph: &Graph, id: NodeId) -> Plan {
    let ins = graph.inputs(id);
    let mut p = Plan { deps: ins.to_vec(), transposed: [false; 2], outers: vec![] };
    if matches!(graph.op(id), Op::Add { .. }) && ins.iter().any(|&i| *graph.op(i) == Op::Outer) {
        p.deps.clear();
        for &i in ins {
            let outer = *graph.op(i) == Op::Outer;
            p.outers.push(outer);
            p.deps.extend(if outer { graph.inputs(i) } else { std::slice::from_ref(&i) });
        }
    }
    if *graph.op(id) == Op::MatMul {
        for (k, &i) in ins.iter().enumerate().take(2) {
            if *graph.op(i) == Op::Transpose && graph.shape(i).len() == 2 {
                p.deps[k] = graph.inputs(i)[0];
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
    let order = graph.ancestors_until(roots, |id| known(id).is_some());
    let top = order.last().map_or(0, |id| id.index() + 1);
    // Which nodes are needed (through fused reads), and how many reads of
    // each remain; roots are read once more, at the end.
    let mut uses = vec![0u32; top];
    let mut needed = vec![false; top];
    for r in roots {
        needed[r.index()] = true;
        uses[r.index()] += 1;
    }
    let mut plans: Vec<Option<Plan>> = Vec::with_capacity(order.len());
    for &id in order.iter().rev() {
        if !needed[id.index()] {
            plans.push(None);
            continue;
        }
        let p = match known(id) {
            Some(_) => Plan { deps: vec![], transposed: [false; 2], outers: vec![] },
            None => plan(graph, id),
        };
        for d in &p.deps {
            needed[d.index()] = true;
            uses[d.index()] += 1;
        }
        plans.push(Some(p));
    }
    plans.reverse();
    let mut values: Vec<Option<Cow<'a, Value>>> = (0..top).map(|_| None).collect();
    let mut first_bad: Option<NonFinite> = None;
    for (&id, p) in order.iter().zip(&plans) {
        let Some(p) = p else { continue };
        if interrupted() {
            return Err(EvalError { node: id, message: "interrupted".into(), limit: false });
        }
        let fail = |message| EvalError { node: id, message, limit: false };
        let v: Cow<'a, Value> = match (known(id), graph.op(id)) {
            (Some(v), _) => Cow::Borrowed(v),
            (None, Op::Var(name)) => Cow::Borrowed(lookup(name).ok_or_else(|| fail(format!("`{name}` has no value")))?),
            (None, Op::Data(i)) => Cow::Borrowed(graph.data_value(*i)),
            (None, op) => {
                let args: Vec<&Value> = p.deps.iter().filter_map(|d| values[d.index()].as_deref()).collect();
                ops::check_exact_cost(graph, id, &args).map_err(|message| EvalError {
                    node: id,
                    message,
                    limit: true,
                })?;
                let v = match (op, &args[..]) {
                    (Op::MatMul, [a, b]) => a.matmul_t(p.transposed[0], b, p.transposed[1]),
                    (Op::Add { coeffs, constant }, _) if !p.outers.is_empty() => {
                        ops::arith::eval_sum_with_outers(coeffs, constant, graph.shape(id), &p.outers, &args)
                    }
                    _ => ops::eval(graph, id, &args),
                };
                Cow::Owned(v.map_err(fail)?)
            }
        };
        if first_bad.is_none() && !graph.op(id).is_leaf() {
            first_bad = non_finite(&v).map(|what| NonFinite { node: id, what });
            if first_bad.is_some()
                && p.deps.iter().any(|d| values[d.index()].as_deref().is_some_and(|v| non_finite(v).is_some()))
            {
                first_bad = None;
            }
        }
        for d in &p.deps {
            let u = &mut uses[d.index()];
            *u -= 1;
            if *u == 0 {
                values[d.index()] = None;
            }
        }
        values[id.index()] = Some(v);
    }
    // A kernel that saw Ctrl-C stopped early: its value is not to be used.
    if let Some(&last) = order.last()
        && interrupted()
    {
        return Err(EvalError { node: last, message: "interrupted".into(), limit: false });
    }
    let out = roots
        .iter()
        .map(|r| {
            let slot = &mut values[r.index()];
            let u = &mut uses[r.index()];
            *u -= 1;
            let v = if *u == 0 { slot.take().map(Cow::into_owned) } else { slot.as_deref().cloned() };
            v.ok_or_else(|| EvalError { node: *r, message: "not evaluated".into(), limit: false })
        })
        .collect::<Result<_, _>>()?;
    Ok((out, first_bad))
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
