//! The graph's picture in a viewport: edges first, as box-drawing lines
//! merged cell by cell (each cell keeps the directions that pass through
//! it, so crossings become `┼` and joins `┴`), then the node boxes on top.
//!
//! Only the layers whose rows meet the viewport are visited, and in each
//! layer only the slots whose columns meet it (binary search), so the cost
//! of a frame follows the screen, not the graph.

use super::app::App;
use super::draw::THEME;
use super::layout::Layout;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

/// The cells of the viewport: directions per cell, and whether the cell is
/// on an edge of the selected node.
struct Cells {
    w: usize,
    h: usize,
    x0: usize,
    y0: usize,
    dirs: Vec<u8>,
    hot: Vec<bool>,
    arrow: Vec<bool>,
}

impl Cells {
    fn mark(&mut self, x: usize, y: usize, d: u8, hot: bool) {
        if x < self.x0 || y < self.y0 || x >= self.x0 + self.w || y >= self.y0 + self.h {
            return;
        }
        let k = (y - self.y0) * self.w + (x - self.x0);
        self.dirs[k] |= d;
        self.hot[k] |= hot;
    }

    /// A horizontal run on row `y` from `a` to `b` (either order), clipped
    /// to the viewport so a long edge costs no more than the screen width.
    fn run(&mut self, a: usize, b: usize, y: usize, hot: bool) {
        let (lo, hi) = (a.min(b), a.max(b));
        let from = lo.max(self.x0.saturating_sub(1));
        let to = hi.min(self.x0 + self.w);
        for x in from..=to {
            let mut d = 0;
            if x > lo {
                d |= LEFT;
            }
            if x < hi {
                d |= RIGHT;
            }
            self.mark(x, y, d, hot);
        }
    }
}

fn glyph(d: u8) -> &'static str {
    match d {
        0 => " ",
        d if d == UP | DOWN => "│",
        d if d == LEFT | RIGHT => "─",
        d if d == UP | RIGHT => "╰",
        d if d == UP | LEFT => "╯",
        d if d == DOWN | RIGHT => "╭",
        d if d == DOWN | LEFT => "╮",
        d if d == UP | DOWN | RIGHT => "├",
        d if d == UP | DOWN | LEFT => "┤",
        d if d == LEFT | RIGHT | DOWN => "┬",
        d if d == LEFT | RIGHT | UP => "┴",
        d if d == UP => "╵",
        d if d == DOWN => "╷",
        d if d == LEFT => "╴",
        d if d == RIGHT => "╶",
        _ => "┼",
    }
}

/// Draws the part of the picture under `app.view` into `area`.
pub fn render_canvas(app: &App, area: Rect, buf: &mut Buffer) {
    let v = app.view;
    let (w, h) = (usize::from(area.width).min(v.w.max(1)), usize::from(area.height).min(v.h.max(1)));
    if w == 0 || h == 0 {
        return;
    }
    let mut cells =
        Cells { w, h, x0: v.x, y0: v.y, dirs: vec![0; w * h], hot: vec![false; w * h], arrow: vec![false; w * h] };
    let lay = &app.layout;
    let shown = lay.layers_in(v.y, h);
    for l in shown.clone() {
        draw_pieces(app, lay, l, &mut cells);
        for s in visible(lay, l, v.x, w).iter().filter(|s| s.node.is_none()) {
            cells.mark(s.x, lay.row(l), UP | DOWN, false);
        }
    }
    for y in 0..h {
        for x in 0..w {
            let k = y * w + x;
            let d = cells.dirs[k];
            if d == 0 {
                continue;
            }
            let sym = if cells.arrow[k] && d == UP | DOWN { "▼" } else { glyph(d) };
            let style = if cells.hot[k] { THEME.hot_edge } else { THEME.edge };
            buf[(area.x + x as u16, area.y + y as u16)].set_symbol(sym).set_style(style);
        }
    }
    for l in shown {
        let y = lay.row(l);
        if y < v.y || y >= v.y + h {
            continue;
        }
        for s in visible(lay, l, v.x, w) {
            if let Some(i) = s.node {
                let text = app.pane.boxed(i);
                put(buf, area, &text, s.x, y - v.y, v.x, w, node_style(app, i));
            }
        }
    }
}

/// The edge pieces below layer `l` (its channel and arrow rows).
fn draw_pieces(app: &App, lay: &Layout, l: usize, cells: &mut Cells) {
    let row = lay.row(l);
    let ay = row + lay.tracks.get(l).copied().unwrap_or(1) + 1;
    if ay < cells.y0 || row + 1 >= cells.y0 + cells.h {
        return;
    }
    let (x0, x1) = (cells.x0, cells.x0 + cells.w);
    for p in lay.pieces.get(l).map(Vec::as_slice).unwrap_or(&[]) {
        if p.from.max(p.to) < x0 || p.from.min(p.to) >= x1 {
            continue;
        }
        let hot = p.input == app.selected || p.user == app.selected;
        let cy = row + 1 + p.track;
        for y in row + 1..cy {
            cells.mark(p.from, y, UP | DOWN, hot);
        }
        cells.mark(p.from, cy, UP, hot);
        cells.mark(p.to, cy, DOWN, hot);
        if p.from != p.to {
            cells.run(p.from, p.to, cy, hot);
        }
        for y in cy + 1..=ay {
            cells.mark(p.to, y, UP | DOWN, hot);
        }
        if p.arrow && ay >= cells.y0 && ay < cells.y0 + cells.h && p.to >= x0 && p.to < x1 {
            let k = (ay - cells.y0) * cells.w + (p.to - x0);
            cells.arrow[k] = true;
        }
    }
}

/// The slots of layer `l` that meet columns `x .. x + w`.
fn visible(lay: &Layout, l: usize, x: usize, w: usize) -> &[super::layout::Slot] {
    let Some(slots) = lay.layers.get(l) else { return &[] };
    let from = slots.partition_point(|s| s.x + s.w <= x);
    let to = slots.partition_point(|s| s.x < x + w);
    slots.get(from..to.max(from)).unwrap_or(&[])
}

fn node_style(app: &App, i: usize) -> Style {
    let n = &app.pane.nodes[i];
    let step = app.step.and_then(|s| app.pane.steps.get(s));
    if i == app.selected {
        THEME.selected
    } else if step.is_some_and(|s| s.grad == i) {
        THEME.filling
    } else if app.unborn(i) {
        THEME.dim
    } else if n.derivative {
        THEME.derivative
    } else {
        THEME.forward
    }
}

/// Writes `text` starting at canvas column `x`, clipped to the viewport.
#[allow(clippy::too_many_arguments)]
fn put(buf: &mut Buffer, area: Rect, text: &str, x: usize, row: usize, x0: usize, w: usize, style: Style) {
    for (k, ch) in text.chars().enumerate() {
        let cx = x + k;
        if cx < x0 || cx >= x0 + w {
            continue;
        }
        let cell = &mut buf[(area.x + (cx - x0) as u16, area.y + row as u16)];
        cell.set_char(ch).set_style(style);
    }
}
