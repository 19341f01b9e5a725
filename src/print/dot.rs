//! Graphviz DOT of a graph, for `:dot`: the forward graph of `z` and, when
//! derivatives were asked for, the nodes back-propagation added, drawn apart
//! (blue boxes, blue edges) like the book's symbol-to-symbol figure. A node
//! that holds `grad_table[u]` is labelled `∂z/∂u`; the forward nodes are
//! named `u1, u2, ...` in arena order, variables by their names, and the
//! output `z`.
//!
//! Derivative-ness is not a node property (hash-consing shares nodes): a
//! node is drawn as a derivative node when the derivatives need it and `z`
//! does not. A forward node that is also some gradient keeps its look and
//! gets the `∂z/∂u` line too.

use crate::graph::{Graph, NodeId};
use crate::ops::Op;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

const GRAD_COLOR: &str = "#3060c0";
const GRAD_FILL: &str = "#dde8ff";

/// Longest constant shown in a label before it is cut.
const MAX_LABEL: usize = 24;

/// DOT for `z` and the gradient nodes `grads` (`(u, grad_table[u])` pairs).
pub fn dot(graph: &Graph, z: NodeId, grads: &[(NodeId, NodeId)]) -> String {
    let forward: HashSet<NodeId> = graph.ancestors(&[z]).into_iter().collect();
    let mut roots = vec![z];
    roots.extend(grads.iter().map(|&(_, g)| g));
    let all = graph.ancestors(&roots);
    let names = forward_names(graph, z, &all);
    let mut holds: HashMap<NodeId, Vec<String>> = HashMap::new();
    for &(u, g) in grads {
        let of = names.get(&u).cloned().unwrap_or_else(|| graph.op(u).label());
        let label = format!("∂{}/∂{of}", names.get(&z).map_or("z", String::as_str));
        let entry = holds.entry(g).or_default();
        if !entry.contains(&label) {
            entry.push(label);
        }
    }
    let mut out = String::from("digraph symgrad {\n");
    out.push_str("  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=11, shape=ellipse];\n");
    out.push_str("  edge [arrowsize=0.6, fontname=\"Helvetica\", fontsize=10];\n");
    for &id in &all {
        let _ = writeln!(out, "  n{} [{}];", id.0, node_attrs(graph, id, &names, &holds, !forward.contains(&id)));
    }
    for &id in &all {
        let is_grad = !forward.contains(&id);
        for (k, &i) in graph.inputs(id).iter().enumerate() {
            let mut attrs = Vec::new();
            if let Some(l) = edge_label(graph, id, k) {
                attrs.push(format!("label=\"{}\"", escape(&l)));
            }
            if is_grad {
                attrs.push(format!("color=\"{GRAD_COLOR}\""));
            }
            let attrs = if attrs.is_empty() { String::new() } else { format!(" [{}]", attrs.join(", ")) };
            let _ = writeln!(out, "  n{} -> n{}{attrs};", i.0, id.0);
        }
    }
    out.push_str("}\n");
    out
}

/// The label and style of one node.
fn node_attrs(
    graph: &Graph,
    id: NodeId,
    names: &HashMap<NodeId, String>,
    holds: &HashMap<NodeId, Vec<String>>,
    is_grad: bool,
) -> String {
    let mut lines = Vec::new();
    if let Some(h) = holds.get(&id) {
        lines.push(h.join(" = "));
    }
    lines.push(node_text(graph, id, names.get(&id), is_grad));
    if !graph.shape(id).is_empty() && !matches!(graph.op(id), Op::Var(_) | Op::Data(_)) {
        lines.push(crate::graph::shape::show(graph.shape(id)));
    }
    let style = if is_grad {
        format!(", shape=box, style=\"rounded,filled\", color=\"{GRAD_COLOR}\", fillcolor=\"{GRAD_FILL}\"")
    } else if holds.contains_key(&id) {
        format!(", color=\"{GRAD_COLOR}\", penwidth=2")
    } else if graph.op(id).is_leaf() {
        ", shape=plaintext".to_string()
    } else {
        String::new()
    };
    format!("label=\"{}\"{style}", escape(&lines.join("\n")))
}

/// `z` for the output, variable names, `u1, u2, ...` for the other
/// forward operations in arena order.
fn forward_names(graph: &Graph, z: NodeId, all: &[NodeId]) -> HashMap<NodeId, String> {
    let forward: HashSet<NodeId> = graph.ancestors(&[z]).into_iter().collect();
    let mut names = HashMap::new();
    let mut k = 0;
    for &id in all.iter().filter(|id| forward.contains(id)) {
        let name = match graph.op(id) {
            _ if id == z => super::output_name(graph, z),
            Op::Var(n) => n.to_string(),
            op if op.is_leaf() => continue,
            _ => {
                k += 1;
                format!("u{k}")
            }
        };
        names.insert(id, name);
    }
    names
}

/// The main line of a node's label.
fn node_text(graph: &Graph, id: NodeId, name: Option<&String>, is_grad: bool) -> String {
    let op = graph.op(id);
    let what = match op {
        Op::Data(_) => short(&crate::print::print(graph, id, crate::print::Style::Plain)),
        _ => crate::print::caption(graph, id),
    };
    match (name, op) {
        (Some(n), Op::Var(_)) => n.clone(),
        (Some(n), _) if !is_grad => format!("{n} = {what}"),
        _ => what,
    }
}

/// Coefficients and exponents other than 1 on the edge they apply to;
/// operand order for ops where it matters.
fn edge_label(graph: &Graph, id: NodeId, k: usize) -> Option<String> {
    match graph.op(id) {
        Op::Add { coeffs, .. } if !num_traits::One::is_one(&coeffs[k]) => {
            Some(format!("×{}", crate::eval::format::format_rat(&coeffs[k])))
        }
        Op::Mul { exps, .. } if !num_traits::One::is_one(&exps[k]) => {
            Some(format!("^{}", crate::eval::format::format_rat(&exps[k])))
        }
        Op::MatMul | Op::Pow | Op::Outer | Op::Stack => {
            Some(["a", "b", "c"].get(k).map_or(k.to_string(), |s| s.to_string()))
        }
        _ => None,
    }
}

fn short(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_LABEL - 3).collect();
    format!("{cut}...")
}

/// A DOT double-quoted string body: quotes and backslashes escaped, lines
/// joined with `\n`.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
