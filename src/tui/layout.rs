//! Layered placement of the pane's graph in character cells (the Sugiyama
//! recipe, kept cheap): longest-path layers from the inputs down, leaves
//! pulled down next to their first user, dummy slots where an edge skips
//! layers, a few barycenter sweeps to reduce crossings, then greedy
//! left-to-right placement near the barycenter of each slot's neighbours.
//! Every step is a sort or a linear pass per layer, so 10,000 nodes lay
//! out in well under a second, and drawing can find the visible slots of a
//! layer by binary search on their columns.
//!
//! Rows: below each layer's node row come its edges' channel tracks, then
//! one row of arrows into the next layer. Edges leaving the same slot form
//! one net and share a track; nets whose columns overlap get different
//! tracks (the left-edge channel-routing rule, up to `MAX_TRACKS`), so two
//! edges from different nodes are not drawn as one line.

use super::model::Pane;
use ratatui::text::Span;

/// Rows per layer with one track: the node row, the channel, the arrows
/// (the scrolling step).
pub const PITCH: usize = 3;
/// Most channel tracks below a layer; more nets than that share tracks.
const MAX_TRACKS: usize = 4;
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
    /// The channel track (row below the layer's node row, from 0).
    pub track: usize,
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
    /// The node row of each layer, ascending.
    pub rows: Vec<usize>,
    /// Channel tracks below each layer (at least 1).
    pub tracks: Vec<usize>,
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
    pub fn row(&self, layer: usize) -> usize {
        self.rows.get(layer).copied().unwrap_or(0)
    }

    /// The layers whose rows or edges below meet rows `y .. y + h`.
    pub fn layers_in(&self, y: usize, h: usize) -> std::ops::Range<usize> {
        let first = self.rows.partition_point(|&r| r <= y).saturating_sub(1);
        let last = self.rows.partition_point(|&r| r < y + h);
        first..last.max(first)
    }

    /// The slot of node `i`.
    pub fn slot(&self, i: usize) -> Option<&Slot> {
        let &(l, k) = self.at.get(i)?;
        self.layers.get(l)?.get(k)
    }

    /// The node whose box covers cell (`x`, `y`), if any.
    pub fn hit(&self, x: usize, y: usize) -> Option<usize> {
        let l = self.rows.binary_search(&y).ok()?;
        let slots = self.layers.get(l)?;
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
                p.push(Piece { from, to, input: *input, user: *user, track: 0, arrow: last });
            }
        }
    }
    let tracks: Vec<usize> = pieces.iter_mut().map(|p| assign_tracks(p)).collect();
    let mut rows = Vec::with_capacity(layers.len());
    let mut y = 0;
    for l in 0..layers.len() {
        rows.push(y);
        y += tracks.get(l).copied().unwrap_or(1) + 2;
    }
    let height = rows.last().map_or(0, |r| r + 1);
    Layout { layers, pieces, at, rows, tracks, width, height }
}

/// Tracks for the nets of one gap (pieces with the same `from`), left-edge
/// first: each net takes the first track whose last net ends at least two
/// columns before it starts. Returns the number of tracks used.
fn assign_tracks(pieces: &mut [Piece]) -> usize {
    pieces.sort_by_key(|p| (p.from, p.to));
    let mut nets: Vec<(usize, usize, std::ops::Range<usize>)> = Vec::new();
    let mut start = 0;
    for k in 1..=pieces.len() {
        if k == pieces.len() || pieces[k].from != pieces[start].from {
            let run = &pieces[start..k];
            let lo = run.iter().map(|p| p.to).min().unwrap_or(0).min(run[0].from);
            let hi = run.iter().map(|p| p.to).max().unwrap_or(0).max(run[0].from);
            nets.push((lo, hi, start..k));
            start = k;
        }
    }
    nets.sort_by_key(|n| n.0);
    let mut ends: Vec<usize> = Vec::new();
    for (lo, hi, range) in nets {
        if lo == hi {
            continue; // straight down: crosses every track, needs none
        }
        let t = match ends.iter().position(|&e| e + 2 <= lo) {
            Some(t) => t,
            None if ends.len() < MAX_TRACKS => {
                ends.push(0);
                ends.len() - 1
            }
            None => (0..ends.len()).min_by_key(|&t| ends[t]).unwrap_or(0),
        };
        ends[t] = ends[t].max(hi);
        pieces[range].iter_mut().for_each(|p| p.track = t);
    }
    ends.len().max(1)
}
