//! `:show`: the model of the pane (forward graph, derivative subgraph,
//! values), drawn full-screen by `tui::run` when stdout is a terminal, or
//! printed as text (`tui::text`) for scripts and `--json`.
//!
//! Which nodes are "derivative nodes": the nodes reachable from the
//! gradients back-propagation produced that are not in the forward graph of
//! `f`. Hash-consing shares nodes between calls, so "ids the call added" is
//! empty when the same gradient was made before; the set difference is the
//! same on a first call and stays right on a repeat.
//!
//! `:show` without an expression shows the last result; when that result is
//! a `:grad f wrt v`, it shows `f` with its back-propagation to `v`.

use super::Session;
use crate::diff::backprop;
use crate::error::{Error, Result, Span};
use crate::graph::shape::show;
use crate::graph::{Graph, NodeId};
use crate::lower::Recipe;
use crate::lower::names::pin_ans;
use crate::output::Item;
use crate::print::{Style, print};
use crate::syntax::ast::{Expr, Ident};
use crate::tui::model::{Pane, PaneNode, PaneStep};
use std::collections::{HashMap, HashSet};

/// Above this many nodes, each node's expression is its op over its inputs'
/// names rather than the whole expression (printing every node in full
/// costs the square of the graph's size).
const FULL_EXPR_NODES: usize = 1500;
/// Longest expression text kept per node.
const EXPR_CHARS: usize = 240;

impl Session {
    pub(super) fn show_text(&mut self, expr: Option<&Expr>, wrt: &[Ident], src: &str) -> Result<Vec<Item>> {
        let pane = self.show_model(expr, wrt, src)?;
        let mut item = Item::text(crate::tui::text::render(&pane));
        item.show = Some(std::rc::Rc::new(pane));
        Ok(vec![item])
    }

    /// The pane's model for `:show [EXPR [wrt V...]]`.
    pub fn show_model(&mut self, expr: Option<&Expr>, wrt: &[Ident], src: &str) -> Result<Pane> {
        let whole = Span::new(0, src.trim_end().len());
        let (f, wrt, title) = match expr {
            Some(e) => {
                let e = pin_ans(e, self.env.results.len());
                let f = self.lower_expr(&e, src)?;
                let text = src.get(e.span.start..e.span.end).unwrap_or("f").trim().to_string();
                (f, wrt.to_vec(), text)
            }
            None => self.show_last(whole, src)?,
        };
        let vars = wrt.iter().map(|v| self.with_lower(src, |lw| lw.variable(v))).collect::<Result<Vec<_>>>()?;
        let mut note = None;
        let bp = if vars.is_empty() {
            None
        } else {
            let shape = self.graph.shape(f).to_vec();
            if !shape.is_empty() {
                note = Some(format!("z has shape {}: seeded with ones, this differentiates sum(z)", show(&shape)));
            }
            let seed = self.graph.filled(crate::simplify::rat(1), shape);
            let bp = backprop(&mut self.graph, f, &vars, seed)?;
            let unused: Vec<&str> =
                wrt.iter().zip(&vars).filter(|(_, v)| !bp.pruned.contains(v)).map(|(i, _)| i.name.as_str()).collect();
            if !unused.is_empty() {
                let also = note.take().map(|n| format!("; {n}")).unwrap_or_default();
                note = Some(format!("the output does not depend on {}: its gradient is 0{also}", unused.join(", ")));
            }
            Some(bp)
        };
        let names: Vec<String> = wrt.iter().map(|v| v.name.clone()).collect();
        let title = if names.is_empty() { title } else { format!("{title} wrt {}", names.join(", ")) };
        let mut pane = snapshot(&self.graph, f, bp.as_ref(), &names);
        pane.title = title;
        pane.note = note;
        self.fill_pane_values(&mut pane, whole);
        Ok(pane)
    }

    /// `f` and the variables of the last result (`f` and `v` of a `:grad`).
    fn show_last(&mut self, whole: Span, src: &str) -> Result<(NodeId, Vec<Ident>, String)> {
        let n = self.env.results.len();
        let recipe = self.env.results.last().cloned();
        match recipe {
            None => Err(Error::usage(whole, "nothing to show: no result so far").with_help("try :show x*y wrt x")),
            Some(Recipe::Grad { expr, src: text, wrt }) => {
                let f = self.with_lower(src, |lw| lw.expr(&expr))?;
                Ok((f, vec![wrt], text.trim().to_string()))
            }
            Some(_) => {
                let f = self.with_lower(src, |lw| lw.result(n, whole))?;
                Ok((f, vec![], format!("${n}")))
            }
        }
    }

    /// Values of every closed node, in one pass; the names without values.
    fn fill_pane_values(&self, pane: &mut Pane, span: Span) {
        let has = |n: &str| self.env.has_value(n);
        let mut closed = vec![true; pane.nodes.len()];
        let mut missing = Vec::new();
        for i in 0..pane.nodes.len() {
            let id = NodeId(pane.nodes[i].id);
            closed[i] = match self.graph.op(id) {
                crate::ops::Op::Var(name) if !has(name) => {
                    missing.push(name.to_string());
                    false
                }
                _ => pane.nodes[i].inputs.iter().all(|&j| closed[j]),
            };
        }
        missing.sort();
        missing.dedup();
        pane.missing = missing;
        let roots: Vec<usize> = (0..pane.nodes.len()).filter(|&i| closed[i]).collect();
        let ids: Vec<NodeId> = roots.iter().map(|&i| NodeId(pane.nodes[i].id)).collect();
        match self.evaluate(&ids, span) {
            Ok((values, _)) => {
                for (i, v) in roots.into_iter().zip(values) {
                    pane.nodes[i].value = Some(crate::eval::format::format_value(&v));
                }
            }
            Err(e) => pane.note = Some(format!("no values: {}", e.message)),
        }
    }
}

/// The nodes of `f` and of its back-propagation, named and tied together.
fn snapshot(g: &Graph, f: NodeId, bp: Option<&crate::diff::Backprop>, wrt: &[String]) -> Pane {
    let forward: HashSet<NodeId> = g.ancestors(&[f]).into_iter().collect();
    let mut roots = vec![f];
    if let Some(bp) = bp {
        roots.extend(bp.steps.iter().map(|s| s.grad));
        roots.extend(bp.grads.iter().copied());
    }
    let ids = g.ancestors(&roots);
    let index: HashMap<NodeId, usize> = ids.iter().enumerate().map(|(k, &id)| (id, k)).collect();
    let full = ids.len() <= FULL_EXPR_NODES;
    let (mut u, mut d) = (0, 0);
    let output = crate::print::output_name(g, f);
    let mut nodes: Vec<PaneNode> = Vec::with_capacity(ids.len());
    for &id in &ids {
        let derivative = !forward.contains(&id);
        let name = match g.op(id) {
            crate::ops::Op::Var(n) => n.to_string(),
            _ if id == f => output.clone(),
            _ if derivative => {
                d += 1;
                format!("d{d}")
            }
            _ => {
                u += 1;
                format!("u{u}")
            }
        };
        let inputs: Vec<usize> = g.inputs(id).iter().filter_map(|i| index.get(i).copied()).collect();
        let input_name =
            |u: NodeId| index.get(&u).and_then(|&j| nodes.get(j)).map_or_else(String::new, |n| n.name.clone());
        let formula = crate::print::shallow(g, id, input_name);
        let expr = if full { cut(&print(g, id, Style::Unicode)) } else { formula.clone() };
        let node = PaneNode {
            id: id.0,
            name,
            op: crate::print::caption(g, id),
            formula,
            shape: show(g.shape(id)),
            inputs,
            expr,
            derivative,
            ..PaneNode::default()
        };
        nodes.push(node);
    }
    let mut pane = Pane { nodes, root: index.get(&f).copied().unwrap_or(0), ..Pane::default() };
    if let Some(bp) = bp {
        tie(&mut pane, g, bp, &index, wrt);
    }
    pane
}

/// The table filling: steps, which node holds which gradient, and the step
/// at which each derivative node first appears.
fn tie(pane: &mut Pane, g: &Graph, bp: &crate::diff::Backprop, index: &HashMap<NodeId, usize>, wrt: &[String]) {
    let mut seen: HashSet<NodeId> = HashSet::new();
    for (k, s) in bp.steps.iter().enumerate() {
        let (Some(&node), Some(&grad)) = (index.get(&s.node), index.get(&s.grad)) else { continue };
        let contributions = s
            .contributions
            .iter()
            .filter_map(|(c, d)| Some((*index.get(c)?, cut(&print(g, *d, Style::Unicode)))))
            .collect();
        pane.steps.push(PaneStep { node, grad, contributions });
        pane.nodes[node].grad = Some(grad);
        pane.nodes[grad].grad_of.push(node);
        let mut stack = vec![s.grad];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(&i) = index.get(&id)
                && pane.nodes[i].derivative
            {
                pane.nodes[i].born = Some(k);
            }
            stack.extend(g.inputs(id).iter().copied());
        }
    }
    pane.wrt = wrt.iter().zip(&bp.grads).filter_map(|(n, d)| Some((n.clone(), *index.get(d)?))).collect();
}

/// A long expression cut for the pane.
fn cut(s: &str) -> String {
    if s.chars().count() <= EXPR_CHARS {
        return s.to_string();
    }
    let head: String = s.chars().take(EXPR_CHARS - 1).collect();
    format!("{head}…")
}
