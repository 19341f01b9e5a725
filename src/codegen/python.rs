//! The Python emitter: one `def` over NumPy arrays, one assignment per
//! temporary of the plan, each op as the NumPy call with the evaluator's
//! meaning (`@` is `matmul`, `sum` over axes, softmax on the last axis).
//! Inputs may be lists or arrays of any layout; they are reshaped to the
//! declared shapes, and the derivatives come back as arrays of
//! `shape(f) ++ shape(v)`.

use super::{Plan, Storage};
use crate::graph::NodeId;
use crate::graph::shape::Sel;
use crate::ops::{Func, Op};

/// Helpers with the evaluator's conventions at kinks and for NaN.
const HELPERS: &[(&str, &str)] = &[
    (
        "_sigmoid",
        "def _sigmoid(x):\n    e = np.exp(-np.abs(x))\n    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
    ),
    ("_relu", "def _relu(x):\n    return np.where((x > 0) | np.isnan(x), x, 0.0)"),
    ("_softplus", "def _softplus(x):\n    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))"),
    ("_step", "def _step(x):\n    return np.where(x > 0, 1.0, np.where(np.isnan(x), x, 0.0))"),
    (
        "_logsumexp",
        "def _logsumexp(x):\n    m = np.max(x)\n    m = m if np.isfinite(m) else 0.0\n    return m + np.log(np.sum(np.exp(x - m)))",
    ),
    (
        "_softmax",
        "def _softmax(x):\n    e = np.exp(x - np.max(x, axis=-1, keepdims=True))\n    return e / np.sum(e, axis=-1, keepdims=True)",
    ),
];

pub fn emit(plan: &Plan) -> String {
    let mut body = Vec::new();
    for &id in &plan.steps {
        body.push(format!("{} = {}", plan.name(id), expr(plan, id)));
    }
    let mut out = vec!["import numpy as np".to_string(), String::new()];
    for (name, text) in HELPERS {
        if body.iter().any(|l| l.contains(&format!("{name}("))) {
            out.push(text.to_string());
            out.push(String::new());
        }
    }
    let params: Vec<&str> = plan.params.iter().map(|(_, n)| n.as_str()).collect();
    out.push(format!("def {}({}):", plan.func, params.join(", ")));
    out.push(format!("    \"\"\"{}\"\"\"", plan.signature_doc().join("\n    ")));
    for (id, n) in &plan.params {
        let shape = plan.shape(*id);
        if shape.is_empty() {
            out.push(format!("    {n} = np.float64({n})"));
        } else {
            out.push(format!("    {n} = np.asarray({n}, dtype=np.float64).reshape({})", tuple(shape)));
        }
    }
    out.extend(body.into_iter().map(|l| format!("    {l}")));
    let results: Vec<String> = plan.outputs.iter().map(|o| result(plan, o.node)).collect();
    out.push(format!("    return {}", results.join(", ")));
    out.join("\n") + "\n"
}

/// A node as an operand: its name or literal; a reshape shares its input's
/// storage, so its NumPy shape is given back here.
fn arg(plan: &Plan, id: NodeId) -> String {
    let g = plan.graph;
    if *g.op(id) == Op::Reshape {
        return format!("np.reshape({}, {})", arg(plan, g.inputs(id)[0]), tuple(plan.shape(id)));
    }
    match &plan.storage[&id] {
        Storage::Inline(x) if plan.shape(id).is_empty() => lit(*x),
        Storage::Inline(x) => format!("np.full({}, {})", tuple(plan.shape(id)), lit(*x)),
        Storage::Scalar(n) | Storage::Array(n) => n.clone(),
    }
}

fn result(plan: &Plan, id: NodeId) -> String {
    match &plan.storage[&id] {
        Storage::Scalar(_) if !plan.shape(id).is_empty() => {
            format!("np.full({}, {})", tuple(plan.shape(id)), arg(plan, id))
        }
        _ => arg(plan, id),
    }
}

fn expr(plan: &Plan, id: NodeId) -> String {
    let g = plan.graph;
    let ins = g.inputs(id);
    let a = |k: usize| arg(plan, ins[k]);
    let shape = plan.shape(id);
    match g.op(id) {
        Op::Add { coeffs, constant } => {
            let mut s = if constant.is_zero() { String::new() } else { rat(constant) };
            for (k, c) in coeffs.iter().enumerate() {
                let body = if c.abs().is_one() { a(k) } else { format!("{} * {}", rat(&c.abs()), a(k)) };
                let sign = if c.is_negative() { "-" } else { "+" };
                s = if s.is_empty() && sign == "+" { body } else { format!("{s} {sign} {body}").trim().to_string() };
            }
            stretch(plan, id, s)
        }
        Op::Mul { coeff, exps } => {
            // Placed where a unit vector factor is 1, as evaluation does:
            // `0 * inf` would be NaN in the other elements.
            let unit = crate::eval::run::placing_unit(g, id);
            let mut parts = Vec::new();
            if !coeff.is_one() {
                parts.push(rat(coeff));
            }
            for (k, e) in exps.iter().enumerate().filter(|&(k, _)| Some(k) != unit) {
                // `np.power` for a fractional power: Python's `**` of a
                // negative float is complex, where the evaluator gives NaN.
                parts.push(match e {
                    e if e.is_one() => a(k),
                    e if e.is_integer() => format!("{} ** {e}", a(k)),
                    e => format!("np.power({}, {})", a(k), rat(e)),
                });
            }
            match unit {
                Some(u) => {
                    let rest = if parts.is_empty() { "1.0".to_string() } else { parts.join(" * ") };
                    format!("np.where({} != 0, {rest}, 0.0)", a(u))
                }
                None => stretch(plan, id, parts.join(" * ")),
            }
        }
        Op::Pow => format!("np.power({}, {})", a(0), a(1)),
        Op::Fn(Func::Float) => a(0),
        Op::Fn(f) => format!("{}({})", func(*f), a(0)),
        Op::Max => format!("np.maximum({}, {})", a(0), a(1)),
        Op::Min => format!("np.minimum({}, {})", a(0), a(1)),
        Op::MatMul => format!("{} @ {}", a(0), a(1)),
        Op::Transpose => format!("{}.T", a(0)),
        Op::Sum(axes) if axes.len() == plan.shape(ins[0]).len() => format!("np.sum({})", a(0)),
        Op::Sum(axes) => format!("np.sum({}, axis={})", a(0), tuple(axes)),
        Op::Prod => format!("np.prod({})", a(0)),
        Op::Norm => format!("np.sqrt(np.sum({} ** 2))", a(0)),
        Op::LogSumExp => format!("_logsumexp({})", a(0)),
        Op::Softmax => format!("_softmax({})", a(0)),
        Op::Outer => format!("np.outer({}, {})", a(0), a(1)),
        Op::Diag => format!("np.diag({})", a(0)),
        Op::Trace => format!("np.trace({})", a(0)),
        Op::Index(sels) => format!("{}[{}]", a(0), slices(sels)),
        Op::Stack => {
            let items: Vec<String> = (0..ins.len()).map(a).collect();
            format!("np.stack([{}])", items.join(", "))
        }
        Op::Broadcast => format!("np.broadcast_to({}, {}).copy()", a(0), tuple(shape)),
        Op::Eye => format!("np.eye({})", shape[0]),
        Op::Data(_) => {
            let items: Vec<String> = super::data(g, id).iter().map(|&x| lit(x)).collect();
            format!("np.array([{}]).reshape({})", items.join(", "), tuple(shape))
        }
        Op::Reshape | Op::Var(_) | Op::Num(_) | Op::Pi => String::new(),
    }
}

/// A sum or product whose terms broadcast to less than the node's shape
/// (`x + zeros(3)` folded to `x` plus a stretch) is stretched explicitly.
fn stretch(plan: &Plan, id: NodeId, e: String) -> String {
    let g = plan.graph;
    let terms = g.inputs(id).iter().try_fold(Vec::new(), |acc, &t| crate::graph::shape::broadcast(&acc, g.shape(t)));
    if terms.as_deref() == Some(plan.shape(id)) {
        e
    } else {
        format!("np.broadcast_to({e}, {}).copy()", tuple(plan.shape(id)))
    }
}

fn func(f: Func) -> String {
    match f {
        Func::Log => "np.log".into(),
        Func::Asin => "np.arcsin".into(),
        Func::Acos => "np.arccos".into(),
        Func::Atan => "np.arctan".into(),
        Func::Sigmoid | Func::Relu | Func::Softplus | Func::Step => format!("_{}", f.name()),
        f => format!("np.{}", f.name()),
    }
}

fn slices(sels: &[Sel]) -> String {
    let parts: Vec<String> = sels
        .iter()
        .map(|s| match *s {
            Sel::At(i) => i.to_string(),
            Sel::Range { start, step, .. } => {
                let stop = s.stop().map_or("None".to_string(), |e| e.to_string());
                format!("{start}:{stop}:{step}")
            }
        })
        .collect();
    parts.join(", ")
}

fn tuple(dims: &[usize]) -> String {
    match dims {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// A rational as a Python float literal (`np.inf` beyond f64).
fn rat(r: &crate::eval::value::Rat) -> String {
    lit(crate::eval::rat::rat_to_f64(r))
}

fn lit(x: f64) -> String {
    match super::lit(x).as_str() {
        "NAN" => "np.nan".into(),
        "INFINITY" => "np.inf".into(),
        "-INFINITY" => "(-np.inf)".into(),
        s => s.to_string(),
    }
}
