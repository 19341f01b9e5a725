//! Derivative statements: `:grad` (and `:jacobian`), `:hessian`, `:trace`.

use super::Session;
use crate::diff::backprop;
use crate::error::{Error, Result, Span};
use crate::eval::value::Value;
use crate::graph::shape::show;
use crate::graph::{IdMap, NodeId};
use crate::lower::Recipe;
use crate::lower::names::pin_ans;
use crate::output::{Item, ItemKind};
use crate::print::{Style, print, print_sized};
use crate::syntax::ast::{Expr, ExprKind, Ident};
use std::time::Instant;

impl Session {
    pub(super) fn grad(&mut self, expr: &Expr, wrt: &[Ident], src: &str) -> Result<Vec<Item>> {
        let e = pin_ans(expr, self.env.results.len());
        let f = self.lower_to_differentiate(&e, src)?;
        let ftext = src.get(e.span.start..e.span.end).unwrap_or("f").to_string();
        let mut ids = Vec::new();
        for v in wrt {
            let t = Instant::now();
            let d = self.with_lower(src, |lw| lw.grad(f, v));
            self.phases.add("diff", t);
            ids.push(d?);
        }
        // The derivatives are printed while they are evaluated.
        let describe = || {
            let mut items = Vec::new();
            let forward_nodes = self.graph.count(f);
            for (v, &d) in wrt.iter().zip(&ids) {
                let mut item = self.describe_derivative(d, forward_nodes);
                item.label = Some(format!("∂{}/∂{}", operand(&e, &ftext), v.name));
                item.wrt = vec![v.name.clone()];
                items.push(item);
            }
            items
        };
        // Each derivative that has a value gets it (`∂(x^3*y)/∂y = x^3` is
        // 8 at x = 2 though `∂/∂x` needs y).
        let (at, roots) = self.closed_ones(&ids);
        let (values, mut items) = if roots.is_empty() {
            (Ok(Default::default()), describe())
        } else {
            self.evaluate_beside(&roots, e.span, true, describe)
        };
        // Numbered whether or not the values could be computed, as each
        // derivative is.
        for (item, v) in items.iter_mut().zip(wrt) {
            item.number = Some(self.push_result(Recipe::Grad { expr: e.clone(), src: ftext.clone(), wrt: v.clone() }));
        }
        let (values, warnings) = match values {
            Ok(v) => v,
            Err(err) => {
                // The derivatives are shown, then why they have no value.
                self.partial = items;
                return Err(err);
            }
        };
        self.set_values(&mut items, &at, values, warnings);
        for (item, v) in items.iter_mut().zip(wrt) {
            item.warnings.extend(self.absent_variable(f, &v.name));
        }
        Ok(items)
    }

    /// A note when `v` does not occur in `f` but a name one typo away does
    /// (`:grad alpha*x wrt alpah` is 0, rightly, and surely not meant).
    fn absent_variable(&self, f: NodeId, v: &str) -> Option<String> {
        if v.chars().count() <= 2 {
            return None;
        }
        // Sorted, so a tie is broken the same way every run.
        let names = crate::eval::run::unbound(&self.graph, f, &|_| false);
        if names.iter().any(|n| n == v) {
            return None;
        }
        let near = crate::lower::nearest(v, &names)?;
        Some(format!("`{v}` does not occur in the expression (did you mean `{near}`?)"))
    }

    pub(super) fn hessian(&mut self, expr: &Expr, wrt: &[Ident], src: &str) -> Result<Vec<Item>> {
        let (e, f) = self.lower_scalar(expr, src, "hessian")?;
        let ftext = src.get(e.span.start..e.span.end).unwrap_or("f").to_string();
        let mut ids = Vec::new();
        let mut items = Vec::new();
        let forward_nodes = self.graph.count(f);
        for a in wrt {
            for b in wrt {
                let t = Instant::now();
                let d = self.with_lower(src, |lw| {
                    let da = lw.grad(f, a)?;
                    lw.grad(da, b)
                });
                self.phases.add("diff", t);
                let d = d?;
                ids.push(d);
                let mut item = self.describe_derivative(d, forward_nodes);
                let name = operand(&e, &ftext);
                item.label = Some(if a.name == b.name {
                    format!("∂²{name}/∂{}²", a.name)
                } else {
                    format!("∂²{name}/∂{}∂{}", a.name, b.name)
                });
                item.wrt = vec![a.name.clone(), b.name.clone()];
                item.number = Some(self.push_result(Recipe::Hessian {
                    expr: e.clone(),
                    src: ftext.clone(),
                    wrt: [a.clone(), b.clone()],
                }));
                items.push(item);
            }
        }
        self.fill_values(&mut items, &ids, e.span)?;
        Ok(items)
    }

    /// A derivative's item with the printed forms, shape and size of `id`
    /// (counted by the printing), no value yet.
    fn describe_derivative(&self, id: NodeId, forward_nodes: usize) -> Item {
        let t = Instant::now();
        let (expr, nodes) = print_sized(&self.graph, id, Style::Plain);
        let item = Item {
            kind: ItemKind::Derivative,
            expr: Some(expr),
            pretty: self.pretty(id),
            shape: Some(self.graph.shape(id).to_vec()),
            nodes: Some(nodes),
            forward_nodes: Some(forward_nodes),
            ..Item::default()
        };
        self.phases.add("print", t);
        item
    }

    /// Values of all `ids` in one pass over the shared graph, when closed.
    fn fill_values(&mut self, items: &mut [Item], ids: &[NodeId], span: Span) -> Result<()> {
        let (at, roots) = self.closed_ones(ids);
        let (values, warnings) = if roots.is_empty() { Default::default() } else { self.evaluate(&roots, span)? };
        self.set_values(items, &at, values, warnings);
        Ok(())
    }

    /// The positions among `ids` of those with a value, and those ids.
    fn closed_ones(&self, ids: &[NodeId]) -> (Vec<usize>, Vec<NodeId>) {
        ids.iter().enumerate().filter(|(_, d)| self.closed(**d)).map(|(k, &d)| (k, d)).unzip()
    }

    /// The values of the items at positions `at`, with the evaluation's
    /// warnings on the last of them.
    fn set_values(&mut self, items: &mut [Item], at: &[usize], values: Vec<Value>, warnings: Vec<String>) {
        self.last_closed = !items.is_empty() && at.last() == Some(&(items.len() - 1));
        for (&k, v) in at.iter().zip(values) {
            if let Some(item) = items.get_mut(k) {
                item.value = Some(v);
            }
        }
        if let Some(last) = at.last().and_then(|&k| items.get_mut(k)) {
            last.warnings = warnings;
        }
    }

    /// `expr` lowered, refused unless it is a scalar (`:hessian`, `:trace`).
    fn lower_scalar(&mut self, expr: &Expr, src: &str, command: &str) -> Result<(Expr, NodeId)> {
        let e = pin_ans(expr, self.env.results.len());
        let f = self.lower_expr(&e, src)?;
        if !self.graph.shape(f).is_empty() {
            let shape = show(self.graph.shape(f));
            return Err(Error::usage(
                e.span,
                format!(":{command} needs a scalar expression, this one has shape {shape}"),
            )
            .with_help("sum(...) or one element, such as x[0], makes it a scalar"));
        }
        Ok((e, f))
    }

    pub(super) fn trace(&mut self, expr: &Expr, wrt: &[Ident], src: &str) -> Result<Vec<Item>> {
        let (_, f) = self.lower_scalar(expr, src, "trace")?;
        let vars = wrt.iter().map(|v| self.with_lower(src, |lw| lw.variable(v))).collect::<Result<Vec<_>>>()?;
        let one = self.graph.int(1);
        let bp = backprop(&mut self.graph, f, &vars, one)?;
        Ok(vec![Item::text(self.trace_text(f, &bp, wrt))])
    }

    fn trace_text(&self, f: NodeId, bp: &crate::diff::Backprop, wrt: &[Ident]) -> String {
        let g = &self.graph;
        let index: IdMap<usize> = bp.pruned.iter().enumerate().map(|(k, &p)| (p, k)).collect();
        // Each listed expression is cut to one line; printing a large one in
        // full only to cut it made a trace of a big graph quadratic (a fuzz
        // finding: over 120 s for a 10th derivative).
        let sizes = tree_sizes(g);
        let expr = |id: NodeId| {
            if sizes.get(id.index()).is_some_and(|&n| n <= SHORT_TREE) {
                short(&print(g, id, Style::Plain))
            } else {
                "(a large expression)".to_string()
            }
        };
        let name = |id: NodeId| match index.get(&id) {
            Some(k) => format!("u{}", k + 1),
            None => expr(id),
        };
        let mut out = vec![format!(
            "forward graph, pruned to the paths from {} to the output ({} nodes):",
            names(wrt),
            bp.pruned.len()
        )];
        for &id in &bp.pruned {
            let op = crate::print::shallow(g, id, name);
            out.push(format!("  {:<4} = {:<28} {}", name(id), op, show(g.shape(id))));
        }
        let z = crate::print::output_name(g, f);
        out.push("back-propagation, filling grad_table in reverse order:".into());
        for step in &bp.steps {
            let value = expr(step.grad);
            if step.node == f {
                out.push(format!("  grad_table[{}] = {value}   (seed: ∂{z}/∂{z})", name(step.node)));
                continue;
            }
            out.push(format!("  grad_table[{}] = {value}", name(step.node)));
            for &(c, d) in &step.contributions {
                out.push(format!("      from {} ({}.bprop): {}", name(c), g.op(c).label(), expr(d)));
            }
        }
        for (v, d) in wrt.iter().zip(&bp.grads) {
            out.push(format!("∂{z}/∂{} = {}", v.name, print(g, *d, Style::Plain)));
        }
        out.join("\n")
    }
}

/// How `f` is named in `∂f/∂x`: a bare name as it is, anything else in
/// parentheses.
fn operand(e: &Expr, text: &str) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Result(k) => format!("${k}"),
        // A statement written over several lines is named on one.
        _ => format!("({})", super::one_line(text)),
    }
}

fn names(wrt: &[Ident]) -> String {
    let v: Vec<&str> = wrt.iter().map(|i| i.name.as_str()).collect();
    v.join(", ")
}

/// Largest expression (counted as a tree) `:trace` prints in a listing.
const SHORT_TREE: u64 = 400;

/// The size of every node's expression as a tree (saturating): an upper
/// bound on the work of printing it.
fn tree_sizes(g: &crate::graph::Graph) -> Vec<u64> {
    let mut sizes: Vec<u64> = Vec::with_capacity(g.len());
    for k in 0..g.len() {
        let id = NodeId(k as u32);
        let s = g.inputs(id).iter().fold(1u64, |acc, i| acc.saturating_add(sizes.get(i.index()).copied().unwrap_or(0)));
        sizes.push(s);
    }
    sizes
}

/// A long expression cut for a one-line listing.
fn short(s: &str) -> String {
    if s.chars().count() <= 70 {
        return s.to_string();
    }
    let cut: String = s.chars().take(67).collect();
    format!("{cut}...")
}
