//! The ops of the graph. Each family keeps, side by side, its builders (the
//! shape rule and the simplifications of its constructor), its numeric rule
//! (`eval`) and its `bprop` (the vector-Jacobian product, as graph nodes).
//! The algorithms (`diff`, `eval`, `print`) dispatch here and know no rules.

pub mod arith;
pub mod elementwise;
pub mod func;
mod lift;
pub mod linalg;
pub mod reduce;
mod remake;
pub mod tensor;

use crate::error::Result;
use crate::eval::value::{Rat, Value};
use crate::graph::shape::Sel;
use crate::graph::{Graph, NodeId};
pub use func::Func;
use std::hash::Hash;
use std::sync::Arc;

/// What a node computes. The inputs are in the node; an op holds only what
/// is not a node (coefficients, axes, selections, names).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// An exact constant, every element equal, of the node's shape.
    Num(Rat),
    /// A constant tensor (a literal of numbers, `randn`, `load`).
    Data(u32),
    /// The identity matrix of the node's shape.
    Eye,
    Pi,
    /// A variable: a name with the node's shape.
    Var(Arc<str>),
    /// `Σ coeffs[i] * inputs[i] + constant`, inputs distinct and sorted.
    Add {
        coeffs: Arc<[Rat]>,
        constant: Rat,
    },
    /// `coeff * Π inputs[i] ^ exps[i]`, inputs distinct and sorted.
    Mul {
        coeff: Rat,
        exps: Arc<[Rat]>,
    },
    /// `inputs[0] ^ inputs[1]` for an exponent that is not a number.
    Pow,
    Fn(Func),
    Max,
    Min,
    MatMul,
    Transpose,
    /// Sum over these axes (sorted); all axes gives a scalar.
    Sum(Box<[usize]>),
    Prod,
    Norm,
    LogSumExp,
    Softmax,
    Outer,
    Diag,
    Trace,
    Index(Box<[Sel]>),
    /// `[a, b, ...]`: equal shapes stacked along a new first axis.
    Stack,
    /// The input stretched (NumPy broadcasting) to the node's shape.
    Broadcast,
    Reshape,
}

impl Op {
    /// Leaves have no inputs and no derivative rule.
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Num(_) | Op::Data(_) | Op::Eye | Op::Pi | Op::Var(_))
    }

    /// A short name for listings (`:trace`, the pane, DOT).
    pub fn label(&self) -> String {
        match self {
            Op::Num(r) => crate::eval::format::format_rat(r),
            Op::Data(_) => "const".into(),
            Op::Eye => "eye".into(),
            Op::Pi => "pi".into(),
            Op::Var(name) => name.to_string(),
            Op::Add { .. } => "add".into(),
            // `x^3`, `1/x`, `sqrt(x)` are products of one factor.
            Op::Mul { coeff, exps } if coeff.is_one() && exps.len() == 1 => "pow".into(),
            Op::Mul { .. } => "mul".into(),
            Op::Pow => "pow".into(),
            Op::Fn(f) => f.name().into(),
            Op::Max => "max".into(),
            Op::Min => "min".into(),
            Op::MatMul => "matmul".into(),
            Op::Transpose => "transpose".into(),
            Op::Sum(_) => "sum".into(),
            Op::Prod => "prod".into(),
            Op::Norm => "norm".into(),
            Op::LogSumExp => "logsumexp".into(),
            Op::Softmax => "softmax".into(),
            Op::Outer => "outer".into(),
            Op::Diag => "diag".into(),
            Op::Trace => "trace".into(),
            Op::Index(_) => "index".into(),
            Op::Stack => "stack".into(),
            Op::Broadcast => "broadcast".into(),
            Op::Reshape => "reshape".into(),
        }
    }
}

impl Op {
    /// `label` with the number a sum adds or a product multiplies by,
    /// which no edge carries, for drawings (`:dot x*2` showed only `mul`).
    pub fn caption(&self) -> String {
        let show = crate::eval::format::format_rat;
        match self {
            Op::Add { constant, .. } if constant.is_negative() => format!("add - {}", show(&-constant.clone())),
            Op::Add { constant, .. } if !constant.is_zero() => format!("add + {}", show(constant)),
            Op::Mul { coeff, .. } if !coeff.is_one() => format!("{} ×{}", self.label(), show(coeff)),
            _ => self.label(),
        }
    }
}

/// The gradient flowing into input `which` of `node`, given the gradient `g`
/// on the node's output: one edge of back-propagation.
pub fn bprop(graph: &mut Graph, node: NodeId, which: usize, g: NodeId) -> Result<NodeId> {
    let op = graph.op(node).clone();
    match op {
        Op::Add { .. } | Op::Mul { .. } | Op::Pow | Op::Max | Op::Min => arith::bprop(graph, &op, node, which, g),
        Op::Fn(f) => elementwise::bprop(graph, f, node, g),
        Op::Sum(_) | Op::Prod | Op::Norm | Op::LogSumExp | Op::Softmax => reduce::bprop(graph, &op, node, g),
        Op::MatMul | Op::Transpose | Op::Outer | Op::Diag | Op::Trace => linalg::bprop(graph, &op, node, which, g),
        Op::Index(_) | Op::Stack | Op::Broadcast | Op::Reshape => tensor::bprop(graph, &op, node, which, g),
        Op::Num(_) | Op::Data(_) | Op::Eye | Op::Pi | Op::Var(_) => Ok(graph.zeros(graph.shape(node).to_vec())),
    }
}

/// `L` (a node and its coefficient) when the edge's vector-Jacobian product
/// is `g ⊙ L`, with `L` of the node's shape and not depending on `g` (the
/// elementwise functions).
/// Back-propagation adds such factors of the consumers that pass the same
/// gradient and multiplies once, `g·(L₁ + L₂)`, instead of making `g·L₁`
/// and `g·L₂` and then taking `g` out of their sum again.
pub fn local_factor(graph: &mut Graph, node: NodeId, g: NodeId) -> Result<Option<(NodeId, Rat)>> {
    match *graph.op(node) {
        Op::Fn(f) if graph.shape(g) == graph.shape(node) => elementwise::local_factor(graph, f, node).map(Some),
        _ => Ok(None),
    }
}

/// The value of `node` from the values of its inputs.
pub fn eval(graph: &Graph, node: NodeId, args: &[&Value]) -> Result<Value, String> {
    let n = graph.node(node);
    match &n.op {
        Op::Num(r) => Ok(Value::filled(r, &n.shape)),
        Op::Data(i) => Ok(graph.data_value(*i).clone()),
        Op::Eye => Ok(tensor::eye_value(n.shape.first().copied().unwrap_or(0))),
        Op::Pi => Ok(Value::float_scalar(std::f64::consts::PI)),
        Op::Var(name) => Err(format!("`{name}` has no value")),
        Op::Add { .. } | Op::Mul { .. } | Op::Pow | Op::Max | Op::Min => arith::eval(&n.op, &n.shape, args),
        Op::Fn(f) => elementwise::eval(*f, args),
        Op::Sum(_) | Op::Prod | Op::Norm | Op::LogSumExp | Op::Softmax => reduce::eval(&n.op, args),
        Op::MatMul | Op::Transpose | Op::Outer | Op::Diag | Op::Trace => linalg::eval(&n.op, args),
        Op::Index(_) | Op::Stack | Op::Broadcast | Op::Reshape => tensor::eval(&n.op, &n.shape, args),
    }
}

/// The value of a scalar `node` from f64 scalar operands, without the
/// tensor machinery (W1's chains are thousands of such nodes); `None`
/// when the op has no such rule, and `eval` is used. Agrees with `eval`
/// to the bit.
pub fn eval_f64(op: &Op, xs: &[f64]) -> Option<f64> {
    match (op, xs) {
        (Op::Fn(Func::Float), [x]) => Some(*x),
        (Op::Fn(f), [x]) => Some(f.apply_f64(*x)),
        (Op::Add { .. } | Op::Mul { .. } | Op::Pow | Op::Max | Op::Min, _) => arith::eval_f64(op, xs),
        _ => None,
    }
}

/// Refuses exact work that would take too long, before it starts (SPEC
/// §8): too many rational operations in one kernel, or sums and products
/// whose exact result would be enormous (a sum of `1/k` for distinct `k`
/// has a denominator as large as their least common multiple).
pub fn check_exact_cost(graph: &Graph, node: NodeId, args: &[&Value]) -> Result<(), String> {
    // `float(...)` is the way out this check advises: never refused.
    let to_float = matches!(graph.op(node), Op::Fn(Func::Float));
    if to_float || args.is_empty() || !args.iter().all(|a| matches!(a, Value::Exact(_))) {
        return Ok(());
    }
    let (op, shape) = (graph.op(node), graph.shape(node));
    let limits = crate::limits::get();
    let numel = |v: &Value| v.shape().iter().product::<usize>() as u64;
    let ops = match (op, args) {
        (Op::MatMul, [a, _]) => {
            let inner = a.shape().last().copied().unwrap_or(1) as u64;
            shape.iter().product::<usize>() as u64 * inner.max(1)
        }
        // A selection copies what it selects: a Jacobian's seed `eye(n)[k]`
        // is n operations, not n² (the identity is made once and shared).
        (Op::Index(_), _) => shape.iter().product::<usize>() as u64,
        _ => args.iter().map(|a| numel(a)).chain([shape.iter().product::<usize>() as u64]).max().unwrap_or(0),
    };
    let refuse = |what: String| Err(format!("{what}; use float(...) for an approximate value"));
    if ops > limits.exact_ops {
        return refuse(format!(
            "exact evaluation would take about {ops} rational operations (limit exact_ops = {})",
            limits.exact_ops
        ));
    }
    let bits = match op {
        Op::Prod => args.iter().map(|a| exact_bits(a, Rat::bits)).sum(),
        Op::Sum(_) | Op::Norm | Op::MatMul | Op::Trace | Op::LogSumExp => {
            args.iter().map(|a| distinct_denominator_bits(a)).sum::<u64>()
        }
        _ => 0,
    };
    if bits > limits.exact_bits {
        return refuse(format!(
            "exact result too large (about {bits} bits, the limit is {} (exact_bits))",
            limits.exact_bits
        ));
    }
    Ok(())
}

fn exact_bits(v: &Value, bits: impl Fn(&Rat) -> u64) -> u64 {
    match v {
        Value::Exact(t) => t.data.iter().map(bits).sum(),
        Value::Float(_) => 0,
    }
}

/// A bound on the bits of the common denominator of `v`'s elements.
fn distinct_denominator_bits(v: &Value) -> u64 {
    let Value::Exact(t) = v else { return 0 };
    let mut seen = std::collections::HashSet::new();
    t.data.iter().filter(|r| seen.insert(r.denom())).map(|r| r.denom().bits()).sum()
}

/// The one argument of a unary op's numeric rule.
fn one<'a>(args: &[&'a Value]) -> Result<&'a Value, String> {
    args.first().copied().ok_or_else(|| "missing argument".to_string())
}

/// The two arguments of a binary op's numeric rule.
fn two<'a>(args: &[&'a Value]) -> Result<(&'a Value, &'a Value), String> {
    match args {
        [a, b] => Ok((a, b)),
        _ => Err("expected two arguments".into()),
    }
}
