//! The pane's state and what keys mean: `App` holds the selection, the part
//! in focus, the back-propagation step being shown, the search being typed
//! and the view's offset; `handle_key` turns a key press into a change of
//! state or an `Action` for the loop. No terminal here, so every key can be
//! tested on a plain value.

use super::layout::{Layout, PITCH};
use super::model::Pane;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// The three parts of the screen; `Tab` moves the focus between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The picture of the graph (forward and derivative nodes).
    Graph,
    /// The `grad_table`, in table-filling order.
    Table,
    /// The selected node's expression, value and gradient.
    Eval,
}

/// What the loop should do after a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Continue,
    Quit,
}

/// Columns and rows of the graph's viewport, set by the drawing code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct View {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

pub struct App<'a> {
    pub pane: &'a Pane,
    pub layout: Layout,
    pub consumers: Vec<Vec<usize>>,
    /// Forward and derivative nodes, counted once for the header.
    pub counts: (usize, usize),
    pub selected: usize,
    pub part: Part,
    /// The table-filling step shown (`t`), or `None` for the finished table.
    pub step: Option<usize>,
    /// The search being typed after `/`.
    pub search: Option<String>,
    /// The last search, for `n`.
    pub last_search: String,
    pub help: bool,
    /// A one-line message in the footer (search misses, ...).
    pub message: Option<String>,
    pub view: View,
    /// Where the graph's viewport is on screen (for mouse clicks).
    pub graph_origin: (u16, u16),
    /// The view was panned by hand: do not scroll it back to the selection.
    pub panned: bool,
    pub eval_scroll: u16,
    /// Columns left empty before a picture narrower than the viewport, so a
    /// small graph sits in the middle.
    pub pad: u16,
}

impl<'a> App<'a> {
    pub fn new(pane: &'a Pane) -> App<'a> {
        App {
            pane,
            layout: Layout::new(pane),
            consumers: pane.consumers(),
            counts: pane.nodes.iter().fold((0, 0), |(f, d), n| if n.derivative { (f, d + 1) } else { (f + 1, d) }),
            selected: pane.root,
            part: Part::Graph,
            step: None,
            search: None,
            last_search: String::new(),
            help: false,
            message: None,
            view: View::default(),
            graph_origin: (0, 0),
            panned: false,
            eval_scroll: 0,
            pad: 0,
        }
    }

    /// Handles one key event; only presses count (not repeats or releases
    /// on terminals that report them).
    pub fn handle_key(&mut self, key: KeyEvent) -> Action {
        if key.kind != KeyEventKind::Press {
            return Action::Continue;
        }
        self.message = None;
        if self.search.is_some() {
            self.search_key(key.code);
            return Action::Continue;
        }
        if self.help {
            self.help = false;
            return if matches!(key.code, KeyCode::Char('q')) { Action::Quit } else { Action::Continue };
        }
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Action::Quit,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Tab => self.part = self.part.next(),
            KeyCode::BackTab => self.part = self.part.next().next(),
            KeyCode::Char('/') => self.search = Some(String::new()),
            KeyCode::Char('n') => self.find(true),
            KeyCode::Char('t') => self.next_step(),
            KeyCode::Char('T') => self.prev_step(),
            KeyCode::Char('g') => self.select(self.pane.root),
            KeyCode::Char('H') => self.pan(-8, 0),
            KeyCode::Char('L') => self.pan(8, 0),
            KeyCode::Char('K') | KeyCode::PageUp => self.pan(0, -(PITCH as isize) * 3),
            KeyCode::Char('J') | KeyCode::PageDown => self.pan(0, PITCH as isize * 3),
            KeyCode::Left if shift => self.pan(-8, 0),
            KeyCode::Right if shift => self.pan(8, 0),
            KeyCode::Up if shift => self.pan(0, -(PITCH as isize)),
            KeyCode::Down if shift => self.pan(0, PITCH as isize),
            KeyCode::Up | KeyCode::Char('k') => self.vertical(-1),
            KeyCode::Down | KeyCode::Char('j') => self.vertical(1),
            KeyCode::Left | KeyCode::Char('h') => self.sideways(-1),
            KeyCode::Right | KeyCode::Char('l') => self.sideways(1),
            _ => {}
        }
        Action::Continue
    }

    /// A click selects the node under it; the wheel scrolls the graph.
    pub fn handle_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let (ox, oy) = (self.graph_origin.0 + self.pad, self.graph_origin.1);
                if m.column < ox || m.row < oy {
                    return;
                }
                let x = self.view.x + usize::from(m.column - ox);
                let y = self.view.y + usize::from(m.row - oy);
                if let Some(i) = self.layout.hit(x, y) {
                    self.part = Part::Graph;
                    self.select(i);
                }
            }
            MouseEventKind::ScrollDown => self.pan(0, PITCH as isize),
            MouseEventKind::ScrollUp => self.pan(0, -(PITCH as isize)),
            MouseEventKind::ScrollRight => self.pan(4, 0),
            MouseEventKind::ScrollLeft => self.pan(-4, 0),
            _ => {}
        }
    }

    fn search_key(&mut self, code: KeyCode) {
        let Some(q) = self.search.as_mut() else { return };
        match code {
            KeyCode::Esc => self.search = None,
            KeyCode::Enter => {
                self.last_search = std::mem::take(q);
                self.search = None;
                self.find(false);
            }
            KeyCode::Backspace => {
                q.pop();
            }
            KeyCode::Char(c) => q.push(c),
            _ => {}
        }
    }

    /// Selects the next node matching the last search.
    fn find(&mut self, next: bool) {
        if self.last_search.is_empty() {
            return;
        }
        let from = if next { self.selected + 1 } else { 0 };
        match self.pane.find(&self.last_search, from) {
            Some(i) => self.select(i),
            None => self.message = Some(format!("no node matches `{}`", self.last_search)),
        }
    }

    pub fn select(&mut self, i: usize) {
        if i < self.pane.nodes.len() {
            self.selected = i;
            self.panned = false;
            self.eval_scroll = 0;
        }
    }

    /// Up and down: in the graph, along an edge (to the input or user
    /// nearest in column); in the table, to the previous or next entry; in
    /// the evaluation part, scrolling.
    fn vertical(&mut self, dir: isize) {
        match self.part {
            Part::Graph => {
                let Some(n) = self.pane.nodes.get(self.selected) else { return };
                let near = if dir < 0 { &n.inputs } else { &self.consumers[self.selected] };
                let here = self.layout.slot(self.selected).map_or(0, |s| s.x + s.w / 2);
                let best = near.iter().copied().min_by_key(|&j| {
                    let c = self.layout.slot(j).map_or(0, |s| s.x + s.w / 2);
                    c.abs_diff(here)
                });
                if let Some(j) = best {
                    self.select(j);
                }
            }
            Part::Table => {
                let last = self.pane.steps.len().checked_sub(1);
                let at = match (self.step, dir < 0) {
                    (None, true) => last,
                    (None, false) => (!self.pane.steps.is_empty()).then_some(0),
                    (Some(s), true) => Some(s.saturating_sub(1)),
                    (Some(s), false) => Some((s + 1).min(last.unwrap_or(0))),
                };
                self.show_step(at);
            }
            Part::Eval => self.eval_scroll = self.eval_scroll.saturating_add_signed(dir as i16),
        }
    }

    /// Left and right: the neighbouring node in the same layer.
    fn sideways(&mut self, dir: isize) {
        let Some(&(l, k)) = self.layout.at.get(self.selected) else { return };
        let Some(layer) = self.layout.layers.get(l) else { return };
        let mut k = k as isize;
        loop {
            k += dir;
            let Some(slot) = usize::try_from(k).ok().and_then(|k| layer.get(k)) else { return };
            if let Some(i) = slot.node {
                self.select(i);
                return;
            }
        }
    }

    /// `t`: the next `grad_table` entry; after the last, the finished table.
    pub fn next_step(&mut self) {
        let next = match self.step {
            None => 0,
            Some(s) => s + 1,
        };
        self.show_step((next < self.pane.steps.len()).then_some(next));
        if self.step.is_none() && !self.pane.steps.is_empty() {
            self.message = Some("table filled: every gradient is in grad_table".into());
        } else if self.pane.steps.is_empty() {
            self.message = Some("no back-propagation here: try :show EXPR wrt V".into());
        }
    }

    fn prev_step(&mut self) {
        let prev = match self.step {
            None => self.pane.steps.len().checked_sub(1),
            Some(s) => s.checked_sub(1),
        };
        self.show_step(prev);
    }

    fn show_step(&mut self, s: Option<usize>) {
        self.step = s;
        if let Some(step) = s.and_then(|s| self.pane.steps.get(s)) {
            self.select(step.node);
        }
    }

    /// Moves the view by hand.
    pub fn pan(&mut self, dx: isize, dy: isize) {
        let maxx = self.layout.width.saturating_sub(self.view.w.min(self.layout.width) / 2);
        let maxy = self.layout.height.saturating_sub(self.view.h.min(self.layout.height) / 2);
        self.view.x = self.view.x.saturating_add_signed(dx).min(maxx);
        self.view.y = self.view.y.saturating_add_signed(dy).min(maxy);
        self.panned = true;
    }

    /// Sets the viewport size and scrolls it so the selection is visible
    /// (unless the user panned away since).
    pub fn fit(&mut self, w: usize, h: usize) {
        self.view.h = h;
        let narrow = self.layout.width < w;
        self.pad = if narrow { ((w - self.layout.width) / 2) as u16 } else { 0 };
        self.view.w = w - usize::from(self.pad);
        let w = self.view.w;
        if narrow {
            self.view.x = 0;
        }
        if self.panned {
            return;
        }
        let Some(s) = self.layout.slot(self.selected) else { return };
        let y = self.layout.at.get(self.selected).map_or(0, |&(l, _)| self.layout.row(l));
        let v = &mut self.view;
        // Centre the selection, but never scroll past the picture's end.
        if s.x < v.x || s.x + s.w > v.x + w {
            v.x = (s.x + s.w / 2).saturating_sub(w / 2).min(self.layout.width.saturating_sub(w));
        }
        if y < v.y || y >= v.y + h {
            v.y = y.saturating_sub(h / 2).min(self.layout.height.saturating_sub(h));
        }
        // A viewport that grew (the terminal was enlarged) shows as much of
        // the picture as fits, not the rows below its end.
        v.x = v.x.min(self.layout.width.saturating_sub(w));
        v.y = v.y.min(self.layout.height.saturating_sub(h));
    }

    /// Whether node `i` is drawn dim: a derivative node not made yet at the
    /// step being shown.
    pub fn unborn(&self, i: usize) -> bool {
        match (self.step, self.pane.nodes.get(i).and_then(|n| n.born)) {
            (Some(s), Some(b)) => b > s,
            _ => false,
        }
    }
}

impl Part {
    fn next(self) -> Part {
        match self {
            Part::Graph => Part::Table,
            Part::Table => Part::Eval,
            Part::Eval => Part::Graph,
        }
    }
}
