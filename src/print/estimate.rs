//! The length of an expression's printed text, estimated from the graph
//! without making any text. Choosing between the factored and the expanded
//! form of a derivative compares two lengths at every differentiation;
//! printing both forms to measure them was most of the cost of repeated
//! differentiation (W4). A few characters either way do not change which
//! form is clearly shorter.

use super::text::shared;
use crate::eval::value::Rat;
use crate::graph::{Graph, NodeId, Positions};
use crate::ops::Op;

/// About `printed_len(graph, root, Style::Plain)`: each node's text counted
/// from its operands', a node the printer names in a `where` clause
/// counted once (`, t1 = …`) and as its name at each use.
pub fn approx_len(graph: &Graph, root: NodeId) -> usize {
    let at = Positions::new(graph.ancestors(&[root]));
    let named = shared(graph, root, &at);
    // Lengths by position among the ancestors.
    let mut len = vec![1usize; at.nodes().len()];
    let mut definitions = 0usize;
    let mut named = named.into_iter().peekable();
    for (k, &id) in at.nodes().iter().enumerate() {
        let own = node_len(graph, id, &|i| at.of(i).map_or(1, |j| len[j]));
        if named.peek() == Some(&id) {
            named.next();
            // `, t12 = …` once, `t12` at each use.
            definitions = definitions.saturating_add(own + 8);
            len[k] = 3;
        } else {
            len[k] = own;
        }
    }
    at.of(root).map_or(0, |k| len[k]).saturating_add(definitions)
}

/// `id`'s text length given its operands' (`len`), with the parentheses a
/// sum gets inside a product or a power.
fn node_len(graph: &Graph, id: NodeId, len: &dyn Fn(NodeId) -> usize) -> usize {
    let ins = graph.inputs(id);
    let of = |i: &NodeId| len(*i);
    let grouped = |i: &NodeId| of(i) + if matches!(graph.op(*i), Op::Add { .. }) { 2 } else { 0 };
    let args = || ins.iter().map(of).sum::<usize>() + 2 * ins.len().saturating_sub(1);
    match graph.op(id) {
        Op::Var(name) => name.len(),
        Op::Pi => 2,
        Op::Num(r) if graph.shape(id).is_empty() => digits(r),
        Op::Num(_) | Op::Eye => 10,
        Op::Data(_) => 20,
        Op::Add { coeffs, constant } => {
            let terms: usize = ins.iter().zip(coeffs.iter()).map(|(i, c)| of(i) + scale_len(c) + 3).sum();
            let constant = if constant.is_zero() { 0 } else { digits(constant) + 3 };
            (terms + constant).saturating_sub(3)
        }
        Op::Mul { coeff, exps } => {
            let factors: usize = ins.iter().zip(exps.iter()).map(|(i, e)| grouped(i) + power_len(e) + 1).sum();
            factors.saturating_sub(1) + scale_len(coeff)
        }
        Op::Fn(f) => f.name().len() + 2 + args(),
        Op::Pow => ins.iter().map(grouped).sum::<usize>() + 1,
        Op::MatMul => args() + 1,
        Op::Transpose => args() + 1,
        Op::Index(_) => args() + 4,
        Op::Stack => args() + 2,
        op => op.label().len() + 2 + args(),
    }
}

/// Characters of a coefficient and its `*` (none for ±1: a sign is
/// counted by the separator before the term).
pub(crate) fn scale_len(c: &Rat) -> usize {
    if c.abs().is_one() { 0 } else { digits(&c.abs()) + 1 }
}

/// Characters of `^e` (none for ±1: a negative power is a `/`).
pub(crate) fn power_len(e: &Rat) -> usize {
    let e = e.abs();
    match (e.is_one(), e.is_integer()) {
        (true, _) => 0,
        (false, true) => digits(&e) + 1,
        (false, false) => digits(&e) + 3,
    }
}

/// Characters of an exact number as printed (a fraction as `n/d`).
fn digits(r: &Rat) -> usize {
    let count = |n: i64| n.unsigned_abs().checked_ilog10().map_or(1, |d| d as usize + 1);
    match r.small() {
        Some((n, d)) => usize::from(n < 0) + count(n) + if d == 1 { 0 } else { 1 + count(d) },
        // log10(2) ≈ 0.30103.
        None => (r.total_bits() as usize * 30103).div_ceil(100_000) + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::{Style, printed_len};

    #[test]
    fn estimates_are_near_the_printed_length() {
        let mut s = crate::session::Session::new();
        for src in [
            "3*x^2*tanh(x) - 5/7*sin(x)^3 + 12",
            "(1 - tanh(x)^2)*(2*tanh(x) + 4*tanh(x)^3)",
            "exp(sin(x))*cos(x)^2*x^2 + 2*x*exp(sin(x))*cos(x)",
            "sin(x*y + 1)^2 + sin(x*y + 1)^3 + sin(x*y + 1)^4 + sin(x*y + 1)^5",
        ] {
            let e = crate::syntax::parse_expr(src).expect("parses");
            let (mut memo, mut rng) = (crate::lower::Memo::default(), crate::eval::data::Rng::new(0));
            let root =
                crate::lower::Lower::new(&mut s.graph, &s.env, &mut memo, &mut rng, src).expr(&e).expect("lowers");
            let (estimate, printed) = (approx_len(&s.graph, root), printed_len(&s.graph, root, Style::Plain));
            assert!(estimate.abs_diff(printed) * 10 <= printed, "{src}: estimate {estimate}, printed {printed}");
        }
    }

    #[test]
    fn digits_count_as_printed() {
        for (r, n) in [(Rat::int(0), 1), (Rat::int(-10), 3), (Rat::ratio_of(5, 7), 3), (Rat::int(i64::MAX), 19)] {
            assert_eq!(digits(&r), n, "{r}");
        }
    }
}
