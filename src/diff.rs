//! Symbol-to-symbol differentiation: the book's general back-propagation
//! (Algorithms 5 and 6) over the hash-consed graph.
//!
//! `backprop` prunes the graph to the nodes between the variables and the
//! output, seeds `grad_table[z]`, then walks the pruned nodes in reverse
//! arena order; each node's gradient is the sum of its consumers' `bprop`
//! contributions, one per edge. It knows no rule: every rule is an op's
//! `bprop`. The new nodes go into the same graph, so a derivative can be
//! printed, evaluated and differentiated again.
//!
//! `grad` builds derivatives of any shape on top of it: `shape(f) ++
//! shape(v)` (SPEC §4).

use crate::error::{Error, Result, Span};
use crate::eval::value::Rat;
use crate::graph::Positions;
use crate::graph::shape::numel;
use crate::graph::{Graph, NodeId};
use crate::ops::{Op, bprop, local_factor};
use crate::simplify::rat;

/// Largest number of Jacobian rows built one by one.
pub const MAX_JACOBIAN_ROWS: usize = 4096;

/// One `grad_table` entry, as it was filled.
#[derive(Clone, Debug)]
pub struct Step {
    /// The node whose gradient this is.
    pub node: NodeId,
    /// Each consumer with the contribution its `bprop` sent along the edge.
    pub contributions: Vec<(NodeId, NodeId)>,
    /// The gradient: the sum of the contributions.
    pub grad: NodeId,
}

/// The result of back-propagation.
#[derive(Clone, Debug, Default)]
pub struct Backprop {
    /// Gradient of each requested variable, in request order.
    pub grads: Vec<NodeId>,
    /// The pruned forward nodes, in arena order.
    pub pruned: Vec<NodeId>,
    /// The table filling, in the order it happened.
    pub steps: Vec<Step>,
}

/// Nodes that are ancestors of `z` and descendants of one of `wrt`.
pub fn prune(graph: &Graph, z: NodeId, wrt: &[NodeId]) -> Vec<NodeId> {
    let ancestors = Positions::new(graph.ancestors(&[z]));
    let mut on_path = vec![false; ancestors.nodes().len()];
    let mut out = Vec::new();
    for (k, &id) in ancestors.nodes().iter().enumerate() {
        if wrt.contains(&id) || graph.inputs(id).iter().any(|&i| ancestors.of(i).is_some_and(|j| on_path[j])) {
            on_path[k] = true;
            out.push(id);
        }
    }
    out
}

/// Reverse-mode gradients of `z` with respect to `wrt`, where `seed` is the
/// gradient on `z` (ones for a scalar `z`; any tensor of `z`'s shape gives
/// the vector-Jacobian product).
pub fn backprop(graph: &mut Graph, z: NodeId, wrt: &[NodeId], seed: NodeId) -> Result<Backprop> {
    let plan = Plan::new(graph, z, wrt);
    let mut steps = Vec::with_capacity(plan.pruned().len());
    let grads = plan.fill(graph, seed, Some(&mut steps))?;
    Ok(Backprop { grads, pruned: plan.position.into_nodes(), steps })
}

/// The gradients of `backprop`, without the record of the table filling.
pub fn gradients(graph: &mut Graph, z: NodeId, wrt: &[NodeId], seed: NodeId) -> Result<Vec<NodeId>> {
    Plan::new(graph, z, wrt).fill(graph, seed, None)
}

/// What back-propagation from `z` to `wrt` walks, made once for any number
/// of seeds (a Jacobian runs one per row; pruning the graph for each row
/// made a 729-row Jacobian spend most of a second in `prune`).
struct Plan {
    z: NodeId,
    wrt: Vec<NodeId>,
    /// The pruned nodes, and each one's position among them: the table and
    /// the consumer lists are indexed by it, so the walk does no hashing.
    position: Positions,
    consumers: Consumers,
}

impl Plan {
    /// The pruned forward nodes, in arena order.
    fn pruned(&self) -> &[NodeId] {
        self.position.nodes()
    }

    fn new(graph: &Graph, z: NodeId, wrt: &[NodeId]) -> Plan {
        let position = Positions::new(prune(graph, z, wrt));
        let consumers = consumer_lists(graph, &position);
        Plan { z, wrt: wrt.to_vec(), position, consumers }
    }

    /// Fills `grad_table` from `seed` on `z`; the gradient of each of
    /// `wrt`, and each step into `steps` when given.
    fn fill(&self, graph: &mut Graph, seed: NodeId, mut steps: Option<&mut Vec<Step>>) -> Result<Vec<NodeId>> {
        let (z, position) = (self.z, &self.position);
        let mut grad_table: Vec<Option<NodeId>> = vec![None; self.pruned().len()];
        if let Some(k) = position.of(z) {
            grad_table[k] = Some(seed);
            if let Some(steps) = steps.as_deref_mut() {
                steps.push(Step { node: z, contributions: vec![], grad: seed });
            }
        }
        // Reused from node to node (three short lists per node were a
        // visible share of the walk).
        let (mut locals, mut parts, mut is_local) = (Vec::new(), Vec::new(), Vec::new());
        let mut contributions = Vec::new();
        for (k, &u) in self.pruned().iter().enumerate().rev().filter(|&(_, &u)| u != z) {
            crate::interrupt::check()?;
            graph.check_budget()?;
            contributions.clear();
            locals.clear();
            is_local.clear();
            for &(kc, input) in self.consumers.of(k) {
                if let Some(gc) = grad_table[kc] {
                    let c = self.pruned()[kc];
                    let local = local_factor(graph, c, gc)?;
                    is_local.push(local.is_some());
                    match local {
                        Some((l, coeff)) => locals.push((gc, c, l, coeff)),
                        None => contributions.push((c, bprop(graph, c, input, gc)?)),
                    }
                }
            }
            parts.clear();
            parts.extend(contributions.iter().map(|&(_, d)| d));
            by_gradient(graph, &locals, &mut parts)?;
            let grad =
                if parts.is_empty() { graph.zeros(graph.shape(u).to_vec()) } else { sum_factored(graph, &parts)? };
            grad_table[k] = Some(grad);
            if let Some(steps) = steps.as_deref_mut() {
                let contributions = edges(graph, std::mem::take(&mut contributions), &locals, &is_local)?;
                steps.push(Step { node: u, contributions, grad });
            }
        }
        Ok(self
            .wrt
            .iter()
            .map(|v| match position.of(*v).and_then(|k| grad_table[k]) {
                Some(g) => g,
                None => graph.zeros(graph.shape(*v).to_vec()),
            })
            .collect())
    }
}

/// Each consumer's own contribution, in consumer order (`is_local` says,
/// edge by edge, which of the two lists holds it): a local factor's edge
/// is `g·L`, made here only for the listing (the gradient multiplied
/// once).
fn edges(
    graph: &mut Graph,
    others: Vec<(NodeId, NodeId)>,
    locals: &[(NodeId, NodeId, NodeId, Rat)],
    is_local: &[bool],
) -> Result<Vec<(NodeId, NodeId)>> {
    let (mut others, mut locals) = (others.into_iter(), locals.iter());
    let mut out = Vec::with_capacity(is_local.len());
    for &local in is_local {
        if local {
            if let Some((gc, c, l, coeff)) = locals.next() {
                out.push((*c, crate::ops::elementwise::times_local(graph, *gc, *l, coeff.clone())?));
            }
        } else {
            out.extend(others.next());
        }
    }
    Ok(out)
}

/// `g·(k₁·L₁ + k₂·L₂ + …)` into `parts` for each gradient `g` that
/// consumers pass with their local factors `kᵢ·Lᵢ` (`locals`: `(g,
/// consumer, L, k)`, left in consumer order for the table's listing).
fn by_gradient(graph: &mut Graph, locals: &[(NodeId, NodeId, NodeId, Rat)], parts: &mut Vec<NodeId>) -> Result<()> {
    let mut by_g: Vec<&(NodeId, NodeId, NodeId, Rat)> = locals.iter().collect();
    by_g.sort_by_key(|(g, ..)| *g);
    for group in by_g.chunk_by(|a, b| a.0 == b.0) {
        let terms: Vec<(NodeId, Rat)> = group.iter().map(|(_, _, l, k)| (*l, k.clone())).collect();
        let factor = graph.sum(&terms)?;
        parts.push(graph.mul(group[0].0, factor)?);
    }
    Ok(())
}

/// Each pruned node's consumers within the pruned graph (by position),
/// with the input slot they use it in: one list per node, all in one
/// buffer.
struct Consumers {
    start: Vec<usize>,
    edges: Vec<(usize, usize)>,
}

impl Consumers {
    fn of(&self, k: usize) -> &[(usize, usize)] {
        match (self.start.get(k), self.start.get(k + 1)) {
            (Some(&a), Some(&b)) => self.edges.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }
}

fn consumer_lists(graph: &Graph, position: &Positions) -> Consumers {
    let pruned = position.nodes();
    let edges_of =
        |c: NodeId| graph.inputs(c).iter().enumerate().filter_map(move |(slot, &u)| position.of(u).map(|k| (k, slot)));
    let mut start = vec![0usize; pruned.len() + 1];
    for &c in pruned {
        for (k, _) in edges_of(c) {
            start[k + 1] += 1;
        }
    }
    for k in 0..pruned.len() {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    let mut edges = vec![(0, 0); start[pruned.len()]];
    for (kc, &c) in pruned.iter().enumerate() {
        for (k, slot) in edges_of(c) {
            edges[fill[k]] = (kc, slot);
            fill[k] += 1;
        }
    }
    Consumers { start, edges }
}

/// The sum of a node's contributions, with the factors they all share
/// taken out: `g·cos(x) - g·sin(x)` is `g·(cos(x) - sin(x))`. Consumers
/// often pass the same upstream gradient, and taking it out keeps one
/// product per node instead of one per edge.
fn sum_factored(graph: &mut Graph, parts: &[NodeId]) -> Result<NodeId> {
    if let [one] = parts {
        return Ok(*one);
    }
    let nonzero: Vec<NodeId> = parts.iter().copied().filter(|&p| !graph.is_zero(p)).collect();
    let parts = if nonzero.is_empty() { &parts[..1] } else { &nonzero[..] };
    if let [one] = parts {
        return Ok(*one);
    }
    let factors = |graph: &Graph, p: NodeId| -> Vec<(NodeId, Rat)> {
        match graph.op(p) {
            Op::Mul { exps, .. } => graph.inputs(p).iter().copied().zip(exps.iter().cloned()).collect(),
            _ => vec![(p, rat(1))],
        }
    };
    // Whether `p` has the factor `c` with exponent `e` (read in place: this
    // runs for every node of every back-propagation).
    let has = |graph: &Graph, p: NodeId, (c, e): &(NodeId, Rat)| match graph.op(p) {
        Op::Mul { exps, .. } => graph.inputs(p).iter().zip(exps.iter()).any(|(i, x)| i == c && x == e),
        _ => p == *c && num_traits::One::is_one(e),
    };
    let mut common = factors(graph, parts[0]);
    for &p in &parts[1..] {
        common.retain(|f| has(graph, p, f));
    }
    // Only a node worth sharing is taken out (dividing by a constant zero
    // would not be).
    common.retain(|(c, _)| graph.as_num(*c).is_none());
    if common.is_empty() {
        return sum_grouped(graph, parts);
    }
    let mut rests = Vec::with_capacity(parts.len());
    for &p in parts {
        rests.push(without(graph, p, &common)?);
    }
    let rest = sum_grouped(graph, &rests)?;
    let mut fs = common;
    fs.push((rest, rat(1)));
    let shape = graph.shape(parts[0]).to_vec();
    let total = graph.product(rat(1), &fs)?;
    Ok(graph.broadcast_to(total, shape))
}

/// The sum of `parts` (three or more, no factor common to all), those that
/// share a factor summed apart with it taken out: `a·(y - x)·3x² - a·(y -
/// x)·y - a·(x³ - xy)` is `a·(y - x)·(3x² - y) - a·(x³ - xy)`, as the
/// product rule writes it (the sum of the first factor's derivative kept
/// together), not multiplied out term by term.
fn sum_grouped(graph: &mut Graph, parts: &[NodeId]) -> Result<NodeId> {
    let ones = |ps: &[NodeId]| ps.iter().map(|&p| (p, rat(1))).collect::<Vec<_>>();
    if parts.len() < 3 {
        return graph.sum(&ones(parts));
    }
    // The factor (not a number) most parts have, in at least two of them
    // (counted in one pass: a node may have thousands of consumers).
    let factors_of = |graph: &Graph, p: NodeId| -> Vec<NodeId> {
        match graph.op(p) {
            Op::Mul { .. } => graph.inputs(p).to_vec(),
            _ => vec![p],
        }
    };
    let mut count: crate::graph::IdMap<usize> = Default::default();
    for &p in parts {
        for c in factors_of(graph, p).into_iter().filter(|&c| graph.as_num(c).is_none()) {
            *count.entry(c).or_default() += 1;
        }
    }
    // Ties go to the earliest node, so the grouping is the same every run.
    let best = count.into_iter().filter(|&(_, n)| n >= 2).max_by_key(|&(c, n)| (n, std::cmp::Reverse(c)));
    let Some((c, n)) = best else { return graph.sum(&ones(parts)) };
    if n == parts.len() {
        return graph.sum(&ones(parts));
    }
    let has =
        |graph: &Graph, q: NodeId| q == c || (matches!(graph.op(q), Op::Mul { .. }) && graph.inputs(q).contains(&c));
    let (with, others): (Vec<NodeId>, Vec<NodeId>) = parts.iter().partition(|&&q| has(graph, q));
    let mut terms = ones(&others);
    terms.push((sum_factored(graph, &with)?, rat(1)));
    graph.sum(&terms)
}

/// `p` with the factors `common` (each a factor of `p` with its exponent)
/// left out, made from `p`'s own factors so nothing needs to cancel.
fn without(graph: &mut Graph, p: NodeId, common: &[(NodeId, Rat)]) -> Result<NodeId> {
    let Op::Mul { coeff, exps } = graph.op(p).clone() else {
        // `p` is itself the common factor.
        return Ok(graph.int(1));
    };
    let mut dropped = vec![false; exps.len()];
    let inputs = graph.inputs(p).to_vec();
    for (c, e) in common {
        if let Some(k) = inputs.iter().enumerate().position(|(k, i)| i == c && !dropped[k] && exps[k] == *e) {
            dropped[k] = true;
        }
    }
    let rest: Vec<_> =
        inputs.into_iter().zip(exps.iter().cloned()).zip(dropped).filter(|(_, d)| !d).map(|(f, _)| f).collect();
    graph.product(coeff, &rest)
}

/// `∂f/∂v` with shape `shape(f) ++ shape(v)`: the gradient for a scalar
/// `f`, elementwise derivatives for a scalar `v`, the Jacobian otherwise.
/// `v` must be a variable node.
pub fn grad(graph: &mut Graph, f: NodeId, v: NodeId) -> Result<NodeId> {
    if let Some(e) = crate::expand::expanded_derivative(graph, f, v)? {
        return Ok(e);
    }
    let d = grad_unexpanded(graph, f, v)?;
    crate::expand::expand_if_smaller(graph, d, f, v)
}

pub(crate) fn grad_unexpanded(graph: &mut Graph, f: NodeId, v: NodeId) -> Result<NodeId> {
    let fshape = graph.shape(f).to_vec();
    if fshape.is_empty() {
        let one = graph.int(1);
        return Ok(gradients(graph, f, &[v], one)?[0]);
    }
    if let Some(d) = by_linear_seed(graph, f, v)? {
        return Ok(d);
    }
    jacobian_rows(graph, f, v)
}

/// The derivative through a seed variable `u` of `f`'s shape: the
/// vector-Jacobian product `g(u) = uᵀ·J` is linear in `u`, so `∂g/∂u` has no
/// `u` left in it. For a scalar `v` that is `∂f/∂v` itself; for a vector `v`
/// of `f`'s length, when `g(u) = u ⊙ d`, the Jacobian is `diag(d)`.
fn by_linear_seed(graph: &mut Graph, f: NodeId, v: NodeId) -> Result<Option<NodeId>> {
    let fshape = graph.shape(f).to_vec();
    let vshape = graph.shape(v).to_vec();
    let diagonal = vshape.len() == 1 && fshape == vshape;
    if !vshape.is_empty() && !diagonal {
        return Ok(None);
    }
    let u = graph.var("∂seed", fshape.clone());
    let g = gradients(graph, f, &[v], u)?[0];
    if vshape.is_empty() {
        let one = graph.int(1);
        let d = gradients(graph, g, &[u], one)?[0];
        return Ok((!graph.ancestors(&[d]).contains(&u)).then_some(d));
    }
    if diagonal && let Op::Mul { coeff, exps } = graph.op(g).clone() {
        let inputs = graph.inputs(g).to_vec();
        if let Some(k) = inputs.iter().position(|&i| i == u).filter(|&k| exps[k] == rat(1)) {
            let rest: Vec<_> = inputs
                .iter()
                .copied()
                .zip(exps.iter().cloned())
                .enumerate()
                .filter(|(i, _)| *i != k)
                .map(|(_, p)| p)
                .collect();
            let d = graph.product(coeff, &rest)?;
            if !graph.ancestors(&[d]).contains(&u) {
                let d = graph.broadcast_to(d, vshape);
                return graph.diag(d).map(Some);
            }
        }
    }
    Ok(None)
}

/// The Jacobian one row at a time: the vector-Jacobian product with each
/// one-hot seed, stacked, then shaped `shape(f) ++ shape(v)`.
fn jacobian_rows(graph: &mut Graph, f: NodeId, v: NodeId) -> Result<NodeId> {
    let fshape = graph.shape(f).to_vec();
    let n = numel(&fshape);
    let max = crate::limits::get().jacobian_rows;
    if n > max {
        return Err(Error::limit(
            Span::default(),
            format!("a Jacobian with {n} rows is over the limit of {max}; differentiate sum(f) or a single element"),
        ));
    }
    if n == 0 {
        // No rows: the Jacobian of an empty slice is empty, of its shape.
        let mut shape = fshape;
        shape.extend(graph.shape(v).to_vec());
        return Ok(graph.zeros(shape));
    }
    let eye = graph.eye(n);
    let plan = Plan::new(graph, f, &[v]);
    let mut rows = Vec::with_capacity(n);
    let mut after_first = graph.size();
    for k in 0..n {
        crate::interrupt::check()?;
        let onehot = graph.index(eye, vec![crate::graph::shape::Sel::At(k)])?;
        let seed = graph.reshape(onehot, fshape.clone())?;
        rows.push(plan.fill(graph, seed, None)?[0]);
        // Rows after the first share its forward work, so their mean cost
        // projects the rest: a runaway (a high-order Jacobian) stops now
        // rather than after filling the whole budget.
        if k == 0 {
            after_first = graph.size();
        }
        let row_cost = (graph.size() - after_first) / k.max(1);
        graph.check_budget_for(row_cost.saturating_mul(n - 1 - k))?;
    }
    let stacked = graph.stack(&rows)?;
    let mut shape = fshape;
    shape.extend(graph.shape(v).to_vec());
    graph.reshape(stacked, shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Func;
    use crate::print::text::{Style, print};

    /// A graph holding `f_k` of W1 (`f_i = sin(f_{i-1}) + cos(f_{i-1})`,
    /// `f_0 = x`), with `x`, `f_k` and the seed 1.
    fn chain(k: usize) -> (Graph, NodeId, NodeId, NodeId) {
        let mut g = Graph::new();
        let x = g.var("x", vec![]);
        let f = (0..k).fold(x, |f, _| {
            let (s, c) = (g.func(Func::Sin, f).unwrap(), g.func(Func::Cos, f).unwrap());
            g.add(s, c).unwrap()
        });
        let one = g.int(1);
        (g, x, f, one)
    }

    #[test]
    fn consumers_passing_one_gradient_share_one_product() {
        let (mut g, x, f, one) = chain(1);
        let before = g.len();
        let d = gradients(&mut g, f, &[x], one).unwrap()[0];
        assert_eq!(print(&g, d, Style::Plain), "cos(x) - sin(x)");
        // The sum alone: no `-sin(x)`, no `1·cos(x)`, no products taken
        // apart.
        assert_eq!(g.len() - before, 1);
        // Three levels deeper, each level adds its local factors' sum and
        // one product with the gradient above.
        let (mut g, x, f, one) = chain(4);
        let before = g.len();
        gradients(&mut g, f, &[x], one).unwrap();
        assert_eq!(g.len() - before, 1 + 3 * 2);
    }

    #[test]
    fn the_table_lists_each_consumers_own_contribution() {
        let (mut g, x, f, one) = chain(1);
        let bp = backprop(&mut g, f, &[x], one).unwrap();
        let step = bp.steps.iter().find(|s| s.node == x).unwrap();
        // In consumer order, as the graph lists them (sin before cos).
        let parts: Vec<String> = step.contributions.iter().map(|&(_, d)| print(&g, d, Style::Plain)).collect();
        assert_eq!(parts, ["cos(x)", "-sin(x)"]);
        assert_eq!(step.grad, bp.grads[0]);
    }

    #[test]
    fn a_chain_differentiates_in_a_graph_of_its_own_size() {
        let (mut g, x, f, one) = chain(1000);
        let forward = g.count(f);
        let d = gradients(&mut g, f, &[x], one).unwrap()[0];
        let derivative = g.count(d);
        assert!(derivative <= 2 * forward, "{derivative} nodes against {forward} forward");
    }
}
