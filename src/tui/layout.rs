//! Layered placement of the pane's graph in character cells (the Sugiyama
//! recipe, kept cheap): longest-path layers from the inputs down, leaves
//! pulled down next to their first user, dummy slots where an edge skips
//! layers, a few barycenter sweeps to reduce crossings, then greedy
//! left-to-right placement near the barycenter of each slot's neighbours.
//! Every step is a sort or a linear pass per layer, so 10,000 nodes lay
//! out in well under a second, and drawing can find the visible slots of a
//! layer by binary search on their columns.
//!
//! Rows: layer `l` has its nodes on row `l * PITCH`; the two rows below it
//! carry the edges to layer `l + 1` (a horizontal channel, then the arrow).

use super::model::Pane;
use ratatui::text::Span;

/// Rows per layer: the node row, the channel row, the arrow row.
pub const PITCH: usize = 3;
/// Columns between neighbouring slots.
const GAP: usize = 2;
/// Barycenter sweeps (down and up alternate).
const SWEEPS: usize = 4;

/// A place in a layer: a node's box or a dummy on a long edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// The pane node, or `None` for a dummy.
    pub node: Option<usize>,
    pub x: usize,
    pub w: usize,
}

/// One edge piece between layer `l` and `l + 1`, in columns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    /// Column leaving layer `l`, column entering layer `l + 1`.
    pub from: usize,
    pub to: usize,
    /// The real nodes at the two ends of the whole edge (input, user).
    pub input: usize,
    pub user: usize,
    /// The piece ends at the user's box (draw an arrow), not at a dummy.
    pub arrow: bool,
}

/// The placement of every node and edge.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Slots per layer, sorted by `x`.
    pub layers: Vec<Vec<Slot>>,
    /// Edge pieces per gap (`pieces[l]` joins layer `l` to `l + 1`).
    pub pieces: Vec<Vec<Piece>>,
    /// Per node: its layer and its index in that layer.
    pub at: Vec<(usize, usize)>,
    pub width: usize,
    pub height: usize,
}

/// Width in cells of a node's box.
pub fn box_width(pane: &Pane, i: usize) -> usize {
    Span::raw(pane.boxed(i)).width()
}

/// A slot being built: its layer, neighbours in adjacent layers, and the
/// port number it uses on its user (for the last piece of an edge).
struct Work {
    node: Option<usize>,
    layer: usize,
    w: usize,
    preds: Vec<usize>,
    succs: Vec<usize>,
}

impl Layout {
    pub fn new(pane: &Pane) -> Layout {
        let layer = layers(pane);
        let (mut work, links) = slots(pane, &layer);
        let nlayers = layer.iter().map(|&l| l + 1).max().unwrap_or(0);
        let mut order: Vec<Vec<usize>> = vec![Vec::new(); nlayers];
        for (s, w) in work.iter().enumerate() {
            order[w.layer].push(s);
        }
        reduce_crossings(&work, &mut order);
        let xs = place(&mut work, &order);
        build(pane, &work, &order, &xs, &links)
    }

    /// The row of a layer's nodes.
    pub fn row(layer: usize) -> usize {
        layer * PITCH
    }

    /// The slot of node `i`.
    pub fn slot(&self, i: usize) -> Option<&Slot> {
        let &(l, k) = self.at.get(i)?;
        self.layers.get(l)?.get(k)
    }

    /// The node whose box covers cell (`x`, `y`), if any.
    pub fn hit(&self, x: usize, y: usize) -> Option<usize> {
        if !y.is_multiple_of(PITCH) {
            return None;
        }
        let slots = self.layers.get(y / PITCH)?;
        let k = slots.partition_point(|s| s.x + s.w <= x);
        slots.get(k).filter(|s| s.x <= x).and_then(|s| s.node)
    }
}

/// Longest-path layers from the inputs; a leaf then moves down to just
/// above its first user, so constants and variables sit where they are used.
fn layers(pane: &Pane) -> Vec<usize> {
    let mut layer = vec![0usize; pane.nodes.len()];
    for (i, n) in pane.nodes.iter().enumerate() {
        layer[i] = n.inputs.iter().map(|&j| layer.get(j).copied().unwrap_or(0) + 1).max().unwrap_or(0);
    }
    let mut lowest = vec![usize::MAX; pane.nodes.len()];
    for (i, n) in pane.nodes.iter().enumerate() {
        for &j in &n.inputs {
            if let Some(l) = lowest.get_mut(j) {
                *l = (*l).min(layer[i]);
            }
        }
    }
    for (i, n) in pane.nodes.iter().enumerate() {
        if n.inputs.is_empty() && lowest[i] != usize::MAX {
            layer[i] = lowest[i].saturating_sub(1);
        }
    }
    layer
}

/// Slots for nodes (index = node index) then dummies; and the links as
/// (chain of slots from input to user, input, user, port, ports).
#[allow(clippy::type_complexity)]
fn slots(pane: &Pane, layer: &[usize]) -> (Vec<Work>, Vec<(Vec<usize>, usize, usize, usize, usize)>) {
    let mut work: Vec<Work> = (0..pane.nodes.len())
        .map(|i| Work { node: Some(i), layer: layer[i], w: box_width(pane, i), preds: vec![], succs: vec![] })
        .collect();
    let mut links = Vec::new();
    for (v, n) in pane.nodes.iter().enumerate() {
        for (k, &u) in n.inputs.iter().enumerate() {
            let mut chain = vec![u];
            for l in layer[u] + 1..layer[v] {
                work.push(Work { node: None, layer: l, w: 1, preds: vec![], succs: vec![] });
                chain.push(work.len() - 1);
            }
            chain.push(v);
            for pair in chain.windows(2) {
                work[pair[0]].succs.push(pair[1]);
                work[pair[1]].preds.push(pair[0]);
            }
            links.push((chain, u, v, k, n.inputs.len()));
        }
    }
    (work, links)
}

/// Barycenter sweeps: each slot is sorted by the mean position of its
/// neighbours in the layer just fixed.
fn reduce_crossings(work: &[Work], order: &mut [Vec<usize>]) {
    let mut pos = vec![0f64; work.len()];
    for layer in order.iter() {
        for (k, &s) in layer.iter().enumerate() {
            pos[s] = k as f64;
        }
    }
    for sweep in 0..SWEEPS {
        let down = sweep % 2 == 0;
        let n = order.len();
        for step in 1..n {
            let l = if down { step } else { n - 1 - step };
            let layer = &mut order[l];
            let keys: Vec<(f64, usize)> = layer
                .iter()
                .map(|&s| {
                    let nb = if down { &work[s].preds } else { &work[s].succs };
                    let key =
                        if nb.is_empty() { pos[s] } else { nb.iter().map(|&t| pos[t]).sum::<f64>() / nb.len() as f64 };
                    (key, s)
                })
                .collect();
            let mut keyed = keys;
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            *layer = keyed.into_iter().map(|(_, s)| s).collect();
            for (k, &s) in layer.iter().enumerate() {
                pos[s] = k as f64;
            }
        }
    }
}

/// Columns: each layer in order, every slot as near the centre of its
/// predecessors as the slot to its left allows; then sources move under
/// their users.
fn place(work: &mut [Work], order: &[Vec<usize>]) -> Vec<usize> {
    let mut x = vec![0usize; work.len()];
    let centre = |x: &[usize], s: usize, work: &[Work]| x[s] + work[s].w / 2;
    for layer in order {
        let mut next = 0;
        for &s in layer {
            let preds = &work[s].preds;
            let want = if preds.is_empty() {
                next
            } else {
                let c = preds.iter().map(|&p| centre(&x, p, work)).sum::<usize>() / preds.len();
                c.saturating_sub(work[s].w / 2)
            };
            x[s] = want.max(next);
            next = x[s] + work[s].w + GAP;
        }
    }
    for layer in order.iter().rev() {
        let mut next = 0;
        for &s in layer {
            let succs = &work[s].succs;
            let want = if work[s].preds.is_empty() && !succs.is_empty() {
                let c = succs.iter().map(|&p| centre(&x, p, work)).sum::<usize>() / succs.len();
                c.saturating_sub(work[s].w / 2)
            } else {
                x[s]
            };
            x[s] = want.max(next);
            next = x[s] + work[s].w + GAP;
        }
    }
    x
}

/// The final layout: slots sorted by column, and edge pieces per gap.
fn build(
    pane: &Pane,
    work: &[Work],
    order: &[Vec<usize>],
    x: &[usize],
    links: &[(Vec<usize>, usize, usize, usize, usize)],
) -> Layout {
    let mut at = vec![(0, 0); pane.nodes.len()];
    let mut layers = Vec::with_capacity(order.len());
    let mut width = 0;
    for (l, layer) in order.iter().enumerate() {
        let mut slots = Vec::with_capacity(layer.len());
        for (k, &s) in layer.iter().enumerate() {
            if let Some(i) = work[s].node {
                at[i] = (l, k);
            }
            width = width.max(x[s] + work[s].w);
            slots.push(Slot { node: work[s].node, x: x[s], w: work[s].w });
        }
        layers.push(slots);
    }
    let mut pieces = vec![Vec::new(); order.len().saturating_sub(1)];
    for (chain, input, user, port, ports) in links {
        for pair in chain.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let from = x[a] + work[a].w / 2;
            let last = b == *user;
            // Inputs enter the user's box spread over its width, in argument
            // order, so `a - b` and `b - a` look different.
            let to = if last { x[b] + (work[b].w * (2 * port + 1)) / (2 * ports) } else { x[b] };
            if let Some(p) = pieces.get_mut(work[a].layer) {
                p.push(Piece { from, to, input: *input, user: *user, arrow: last });
            }
        }
    }
    let height = layers.len().saturating_sub(1) * PITCH + 1;
    Layout { layers, pieces, at, width, height }
}
