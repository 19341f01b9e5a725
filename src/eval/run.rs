//! Evaluation: the nodes the outputs need, in arena (topological) order,
//! each computed once from its inputs' values; several outputs share one
//! pass, so a gradient reuses its forward values.

use crate::eval::value::Value;
use crate::graph::{Graph, NodeId};
use crate::ops::{self, Op};
use std::collections::HashMap;

/// Why evaluation stopped: the message and the node it is about.
#[derive(Clone, Debug)]
pub struct EvalError {
    pub node: NodeId,
    pub message: String,
}

/// A node whose value was the first to become NaN or infinite.
#[derive(Clone, Debug)]
pub struct NonFinite {
    pub node: NodeId,
    pub what: &'static str,
}

/// The values of `roots`, with `lookup` giving the value of each variable.
pub fn eval(
    graph: &Graph,
    roots: &[NodeId],
    lookup: &dyn Fn(&str) -> Option<Value>,
    interrupted: &dyn Fn() -> bool,
) -> Result<(Vec<Value>, Option<NonFinite>), EvalError> {
    let order = graph.ancestors(roots);
    let mut values: HashMap<NodeId, Value> = HashMap::with_capacity(order.len());
    let mut first_bad: Option<NonFinite> = None;
    for &id in &order {
        if interrupted() {
            return Err(EvalError { node: id, message: "interrupted".into() });
        }
        let v = match graph.op(id) {
            Op::Var(name) => {
                lookup(name).ok_or_else(|| EvalError { node: id, message: format!("`{name}` has no value") })?
            }
            _ => {
                let args: Vec<&Value> = graph.inputs(id).iter().filter_map(|i| values.get(i)).collect();
                ops::eval(graph, id, &args).map_err(|message| EvalError { node: id, message })?
            }
        };
        if first_bad.is_none() && !graph.op(id).is_leaf() {
            first_bad = non_finite(&v).map(|what| NonFinite { node: id, what });
            if first_bad.is_some()
                && graph.inputs(id).iter().any(|i| values.get(i).is_some_and(|v| non_finite(v).is_some()))
            {
                first_bad = None;
            }
        }
        values.insert(id, v);
    }
    let out = roots
        .iter()
        .map(|r| values.get(r).cloned().ok_or_else(|| EvalError { node: *r, message: "not evaluated".into() }))
        .collect::<Result<_, _>>()?;
    Ok((out, first_bad))
}

fn non_finite(v: &Value) -> Option<&'static str> {
    match v {
        Value::Exact(_) => None,
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
