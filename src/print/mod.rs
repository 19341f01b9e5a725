//! Views of an expression: the plain re-parseable form and its Unicode
//! preset (`text`); LaTeX (`latex`) and DOT (`dot`) build on the same naming
//! of shared nodes.

pub mod doc;
pub mod dot;
pub mod estimate;
pub mod latex;
pub mod text;

pub use estimate::approx_len;
pub use text::{Style, print, print_sized, printed_len};

use crate::graph::{Graph, NodeId};
use crate::ops::Op;

/// One node as its op over its inputs' names (`name` gives them), for the
/// step-by-step views (`:trace`, the pane's large graphs): `sin(u1)`, and
/// for the simplifier's sums and products the coefficients and exponents
/// they hold, `x^(1/2)`, `2*u1*u2^-1`, `u1 - y + 2`. A leaf is its label.
pub fn shallow(graph: &Graph, id: NodeId, name: impl Fn(NodeId) -> String) -> String {
    let format_rat = |r: &crate::rational::Rat| r.to_string();
    let inputs = graph.inputs(id);
    match graph.op(id) {
        Op::Mul { coeff, exps } => {
            let mut parts: Vec<String> = Vec::with_capacity(exps.len() + 1);
            if !num_traits::One::is_one(coeff) {
                parts.push(format_rat(coeff));
            }
            for (&u, e) in inputs.iter().zip(exps.iter()) {
                parts.push(match format_rat(e) {
                    one if one == "1" => name(u),
                    int if e.is_integer() => format!("{}^{int}", name(u)),
                    frac => format!("{}^({frac})", name(u)),
                });
            }
            parts.join("*")
        }
        Op::Add { coeffs, constant } => {
            let mut out = String::new();
            let terms = inputs.iter().zip(coeffs.iter()).map(|(&u, k)| (Some(u), k));
            for (u, k) in terms.chain((!num_traits::Zero::is_zero(constant)).then_some((None, constant))) {
                let negative = k < &crate::rational::Rat::int(0);
                let size = if negative { -k.clone() } else { k.clone() };
                let text = match u {
                    None => format_rat(&size),
                    Some(u) if num_traits::One::is_one(&size) => name(u),
                    Some(u) => format!("{}*{}", format_rat(&size), name(u)),
                };
                out.push_str(match (out.is_empty(), negative) {
                    (true, false) => "",
                    (true, true) => "-",
                    (false, false) => " + ",
                    (false, true) => " - ",
                });
                out.push_str(&text);
            }
            out
        }
        op if inputs.is_empty() => op.label(),
        op => format!("{}({})", op.label(), inputs.iter().map(|&u| name(u)).collect::<Vec<_>>().join(", ")),
    }
}

/// A node's caption for drawings: its op with the number it adds or
/// multiplies by, and an index's selection (`index [1:3]`).
pub fn caption(graph: &Graph, id: NodeId) -> String {
    match graph.op(id) {
        crate::ops::Op::Index(sels) => {
            let from = graph.inputs(id).first().map_or(&[][..], |&i| graph.shape(i));
            format!("index [{}]", text::selection(sels, from))
        }
        op => op.caption(),
    }
}

/// The output's name in the step-by-step views (`:trace`, `:show`,
/// `:dot`): `z`, as the book names it, unless the expression has a
/// variable `z`; then `z'` (or `z''`, …), so that `∂z/∂z` never reads as
/// the derivative of a variable.
pub fn output_name(graph: &Graph, root: NodeId) -> String {
    // The graph keeps each node's variables when they are few.
    let vars = match graph.free_vars(root) {
        Some(vars) => vars.to_vec(),
        None => graph.ancestors(&[root]),
    };
    let taken: std::collections::HashSet<&str> = vars
        .into_iter()
        .filter_map(|id| match graph.op(id) {
            Op::Var(n) => Some(&**n),
            _ => None,
        })
        .collect();
    let mut name = String::from("z");
    while taken.contains(name.as_str()) {
        name.push('\'');
    }
    name
}
