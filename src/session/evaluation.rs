//! Evaluating a statement's results: what it reads (the graph, the bound
//! values, the values kept from earlier statements), the memory it may
//! take, and, for a large derivative, a second thread that evaluates it
//! while this one prints it.

use super::Session;
use super::cache::{ValueCache, element_bytes};
use crate::error::{Error, ErrorKind, Result, Span};
use crate::eval::run::{EvalError, NonFinite, Program};
use crate::eval::value::Value;
use crate::graph::{Graph, NodeId, Positions, shape};
use crate::lower::HashMap;
use crate::ops::{Func, Op};
use crate::print::{Style, print};

/// Values of an evaluation's roots and the warnings about them.
pub(super) type Values = (Vec<Value>, Vec<String>);

/// What a run gives: the roots' values and where a NaN or an infinity
/// first appeared, or why it stopped; and the seconds it took.
type Run = (Result<std::result::Result<(Vec<Value>, Option<NonFinite>), EvalError>>, f64);

/// Fewest nodes of a derivative worth evaluating on a thread of its own
/// while it is printed: starting one costs about as much as evaluating a
/// hundred nodes (W1 at k = 100, 409 nodes, took about 10 % less time
/// with the thread than without).
const PARALLEL_NODES: usize = 256;

/// What an evaluation reads; nothing here changes while it runs, so any
/// thread may run it.
struct Reads<'s> {
    graph: &'s Graph,
    values: &'s HashMap<String, Value>,
    cache: &'s ValueCache,
    epoch: u64,
}

impl Reads<'_> {
    /// Evaluates `roots`, unless their values would not fit in memory.
    fn run(&self, roots: &[NodeId], span: Span) -> Run {
        let t = std::time::Instant::now();
        let known = |id| self.cache.get(self.epoch, id);
        let order = Positions::new(self.graph.ancestors_until(roots, |id| known(id).is_some()));
        if let Err(e) = self.check_memory(&order, roots, &known, span) {
            return (Err(e), t.elapsed().as_secs_f64());
        }
        let program = Program::with_order(self.graph, order.into_nodes(), roots, &|id| known(id).is_some());
        let r = program.run(&|n: &str| self.values.get(n), &known, &crate::interrupt::requested);
        (Ok(r), t.elapsed().as_secs_f64())
    }

    /// Refuses an evaluation whose values would not fit the `eval_bytes`
    /// limit, before any is computed. Evaluation drops each value after its
    /// last use, so what counts is the most held at once: walking `order`
    /// as evaluation does, each node's value is added when it is made and
    /// its operands' are taken off after their last reader (a 40×40
    /// Hessian of 20 MB was refused as 685 MiB, the sum of every value it
    /// makes). An element costs 8 bytes as an f64 and about 128 as a small
    /// exact rational; a node counts as exact unless an input is known to
    /// be f64 (data, or a variable bound to floats). Variables and data are
    /// borrowed, and `known` values are held already: neither counts.
    fn check_memory<'v>(
        &self,
        order: &Positions,
        roots: &[NodeId],
        known: &dyn Fn(NodeId) -> Option<&'v Value>,
        span: Span,
    ) -> Result<()> {
        let graph = self.graph;
        let limits = crate::limits::get();
        let nodes = order.nodes();
        // By position in `order`, filled in order (inputs come first).
        let mut float: Vec<bool> = Vec::with_capacity(nodes.len());
        let mut bytes: Vec<usize> = vec![0; nodes.len()];
        let last_use = last_uses(graph, order, roots);
        let (mut live, mut peak) = (0usize, 0usize);
        let unit_only = eyes_read_by_units_only(graph, order);
        for (k, &id) in nodes.iter().enumerate() {
            if unit_only.get(k) == Some(&true) {
                // Never made: its rows are (`eval::run::is_unit`).
                float.push(false);
                continue;
            }
            if let Some(v) = known(id) {
                // Held already: only its kind matters to what reads it.
                float.push(matches!(v, Value::Float(_)));
                continue;
            }
            let is_float = match graph.op(id) {
                Op::Data(i) => matches!(graph.data_value(*i), Value::Float(_)),
                Op::Var(name) => matches!(self.values.get(&**name), Some(Value::Float(_))),
                Op::Fn(Func::Float) | Op::Pi => true,
                _ => graph.inputs(id).iter().any(|&i| order.of(i).and_then(|j| float.get(j)) == Some(&true)),
            };
            float.push(is_float);
            let n = graph.shape(id).iter().fold(1usize, |a, &d| a.saturating_mul(d));
            if n > limits.elements {
                return Err(Error::limit(
                    span,
                    format!(
                        "a value of shape {} has {n} elements, over the limit of {} (elements)",
                        crate::graph::shape::show(graph.shape(id)),
                        limits.elements
                    ),
                ));
            }
            if !matches!(graph.op(id), Op::Var(_) | Op::Data(_)) {
                let own = n.saturating_mul(element_bytes(is_float));
                if let Some(b) = bytes.get_mut(k) {
                    *b = own;
                }
                live = live.saturating_add(own);
                peak = peak.max(live);
            }
            for &i in graph.inputs(id) {
                if let Some(j) = order.of(i)
                    && last_use.get(j) == Some(&k)
                {
                    live = live.saturating_sub(bytes.get_mut(j).map_or(0, std::mem::take));
                }
            }
        }
        if peak > limits.eval_bytes {
            let mib = |b: usize| b / (1 << 20);
            let err = Error::limit(
                span,
                format!(
                    "evaluating this needs about {} MiB, over the limit of {} MiB (eval_bytes)",
                    mib(peak),
                    mib(limits.eval_bytes)
                ),
            );
            // Exact numbers are the usual cause: 128 bytes each against 8.
            let exact = float.iter().zip(nodes).any(|(&f, &id)| !f && shape::numel(graph.shape(id)) > 1 << 16);
            return Err(if exact {
                err.with_help("exact numbers take about 128 bytes each: float(...) makes them f64 (8 bytes), or `--limit eval_bytes=N`")
            } else {
                err
            });
        }
        Ok(())
    }
}

/// By position in `order`: the position of the last node that reads each
/// node (`usize::MAX` for a root, whose value is kept, and for a node
/// nothing in `order` reads).
fn last_uses(graph: &Graph, order: &Positions, roots: &[NodeId]) -> Vec<usize> {
    let mut last = vec![usize::MAX; order.nodes().len()];
    for (k, &id) in order.nodes().iter().enumerate() {
        for &i in graph.inputs(id) {
            if let Some(l) = order.of(i).and_then(|j| last.get_mut(j)) {
                *l = k;
            }
        }
    }
    for r in roots.iter().filter_map(|&r| order.of(r)) {
        if let Some(l) = last.get_mut(r) {
            *l = usize::MAX;
        }
    }
    last
}

/// By position in `order` (empty when there is no `eye`): an `eye(n)` that
/// only units (`eye(n)[k]`) read, which evaluation never makes. One read by
/// anything else, or by nothing (a root), is made.
fn eyes_read_by_units_only(graph: &Graph, order: &Positions) -> Vec<bool> {
    // Most evaluations hold no `eye`: one look at the ops, not at every edge.
    if !order.nodes().iter().any(|&id| *graph.op(id) == Op::Eye) {
        return Vec::new();
    }
    // 0: unread, 1: read by units only, 2: read otherwise.
    let mut reads = vec![0u8; order.nodes().len()];
    for &id in order.nodes() {
        let unit = crate::eval::run::is_unit(graph, id);
        for &i in graph.inputs(id) {
            if let Some(r) = order.of(i).and_then(|j| reads.get_mut(j)) {
                *r = if unit && *r != 2 { 1 } else { 2 };
            }
        }
    }
    order.nodes().iter().zip(reads).map(|(&id, r)| r == 1 && *graph.op(id) == Op::Eye).collect()
}

impl Session {
    /// Values of `roots` (all closed), with overflow warnings.
    pub(super) fn evaluate(&self, roots: &[NodeId], span: Span) -> Result<Values> {
        self.evaluate_beside(roots, span, false, || ()).0
    }

    /// `evaluate`, with `beside` run meanwhile: when `parallel`, a large
    /// derivative is evaluated on a thread of its own while `beside`
    /// (printing it) runs on this one, as neither changes the graph. The
    /// machine this is built for has two cores; a small evaluation is not
    /// worth a thread.
    pub(super) fn evaluate_beside<T>(
        &self,
        roots: &[NodeId],
        span: Span,
        parallel: bool,
        beside: impl FnOnce() -> T,
    ) -> (Result<Values>, T) {
        let epoch = self.env.values_epoch();
        let ((r, secs), other) = {
            let cache = self.cache.borrow();
            let reads = Reads { graph: &self.graph, values: self.env.values(), cache: &cache, epoch };
            let large = || roots.iter().any(|&r| self.graph.count_exceeds(r, PARALLEL_NODES));
            if parallel && large() {
                run_beside(&reads, roots, span, beside)
            } else {
                (reads.run(roots, span), beside())
            }
        };
        self.phases.add_secs("eval", secs);
        (r.and_then(|r| self.finish_evaluation(roots, epoch, r, span)), other)
    }

    /// The outcome of an evaluation: values kept in the cache and
    /// warnings worded, or the error with where it happened.
    fn finish_evaluation(
        &self,
        roots: &[NodeId],
        epoch: u64,
        r: std::result::Result<(Vec<Value>, Option<NonFinite>), EvalError>,
        span: Span,
    ) -> Result<Values> {
        match r {
            Ok((values, bad)) => {
                let mut cache = self.cache.borrow_mut();
                roots.iter().zip(&values).for_each(|(&id, v)| cache.keep(epoch, id, v));
                let warnings = bad
                    .map(|b| format!("{} first appears at `{}`", b.what, print(&self.graph, b.node, Style::Plain)))
                    .into_iter()
                    .collect();
                Ok((values, warnings))
            }
            Err(e) if e.message == "interrupted" => Err(Error::new(ErrorKind::Interrupted, span, "interrupted")),
            Err(e) => {
                let at = print(&self.graph, e.node, Style::Plain);
                let at = if at.chars().count() > 60 { String::new() } else { format!(" in `{at}`") };
                let kind = if e.limit { ErrorKind::Limit } else { ErrorKind::Math };
                Err(Error::new(kind, span, format!("{}{at}", e.message)))
            }
        }
    }
}

/// `reads.run(roots)` on a second thread, `beside` on this one.
fn run_beside<T>(reads: &Reads, roots: &[NodeId], span: Span, beside: impl FnOnce() -> T) -> (Run, T) {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new().spawn_scoped(s, || reads.run(roots, span));
        let other = beside();
        let r = match worker {
            Ok(w) => w.join().unwrap_or_else(|_| {
                (Err(Error::new(ErrorKind::Math, span, "evaluation failed (an internal error)")), 0.0)
            }),
            // No thread to be had: evaluate here instead.
            Err(_) => reads.run(roots, span),
        };
        (r, other)
    })
}
