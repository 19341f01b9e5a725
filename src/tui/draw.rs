//! Drawing the pane with ratatui: a header, the graph's picture, the
//! `grad_table` and the evaluation of the selected node, a footer of keys,
//! and the help overlay. One `render_*` per part; `impl Widget for &App`
//! puts them together.
//!
//! The picture draws only what is in the viewport: the visible layers are a
//! range of rows, and in each layer the visible slots are found by binary
//! search on their columns, so a frame costs the screen's size, not the
//! graph's.

use super::app::{App, Part};
use super::canvas::render_canvas;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// The pane's colours, in one place.
pub struct Theme {
    pub forward: Style,
    pub derivative: Style,
    pub selected: Style,
    pub filling: Style,
    pub edge: Style,
    pub hot_edge: Style,
    pub dim: Style,
    pub title: Style,
    pub focus: Style,
    pub key: Style,
}

pub const THEME: Theme = Theme {
    forward: Style::new().fg(Color::Cyan),
    derivative: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
    selected: Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
    filling: Style::new().fg(Color::Black).bg(Color::Magenta).add_modifier(Modifier::BOLD),
    edge: Style::new().fg(Color::DarkGray),
    hot_edge: Style::new().fg(Color::Yellow),
    dim: Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM),
    title: Style::new().add_modifier(Modifier::BOLD),
    focus: Style::new().fg(Color::Yellow),
    key: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
};

/// Where each part goes: the graph above, the table and the evaluation
/// side by side below (stacked when the screen is narrow).
pub struct Areas {
    pub header: Rect,
    pub graph: Rect,
    pub table: Rect,
    pub eval: Rect,
    pub footer: Rect,
}

/// Plain arithmetic rather than ratatui's constraint solver: without its
/// layout cache (a default feature left off) the solver costs more than
/// drawing the whole picture.
pub fn areas(area: Rect) -> Areas {
    let row = |y: u16, h: u16| Rect::new(area.x, y, area.width, h);
    let header = row(area.y, area.height.min(1));
    let body_h = area.height.saturating_sub(2);
    let footer = row(area.y + area.height.saturating_sub(1), area.height.min(1));
    // Small screens give the picture most rows: five rows of evaluation
    // hold a node, its expression, value and gradient.
    let lower = match body_h {
        h if h >= 40 => 16,
        h if h >= 30 => h * 2 / 5,
        h => 7.min(h / 2),
    };
    let graph = row(area.y + 1, body_h - lower);
    let bottom = row(graph.y + graph.height, lower);
    let left = bottom.width * 45 / 100;
    let table = Rect { width: left, ..bottom };
    let eval = Rect { x: bottom.x + left, width: bottom.width - left, ..bottom };
    Areas { header, graph, table, eval, footer }
}

/// Sizes the viewport for this frame, then draws.
pub fn draw(app: &mut App, frame: &mut ratatui::Frame) {
    let a = areas(frame.area());
    let inner = Block::bordered().inner(a.graph);
    app.graph_origin = (inner.x, inner.y);
    app.fit(usize::from(inner.width), usize::from(inner.height));
    frame.render_widget(&*app, frame.area());
}

impl Widget for &App<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let a = areas(area);
        self.render_header(a.header, buf);
        self.render_graph(a.graph, buf);
        self.render_table(a.table, buf);
        self.render_eval(a.eval, buf);
        self.render_footer(a.footer, buf);
        if self.help {
            render_help(area, buf);
        }
    }
}

impl App<'_> {
    fn block(&self, title: &str, part: Part) -> Block<'static> {
        let style = if self.part == part { THEME.focus } else { Style::new() };
        Block::new().borders(Borders::ALL).border_style(style).title(Span::styled(format!(" {title} "), style))
    }

    fn render_header(&self, area: Rect, buf: &mut Buffer) {
        let p = self.pane;
        let (fw, dv) = self.counts;
        let spans = vec![
            Span::styled(format!(" :show {} ", p.title), THEME.title),
            Span::styled(format!(" {fw} forward"), THEME.forward),
            Span::raw(" ·"),
            Span::styled(format!(" ∂ {dv} derivative"), THEME.derivative),
        ];
        Line::from(spans).render(area, buf);
    }

    fn render_graph(&self, area: Rect, buf: &mut Buffer) {
        let mut block = self.block("graph", Part::Graph);
        // Under the graph, where it has the width (after the statement in
        // the header, it was cut off at 120 columns).
        if let Some(n) = &self.pane.note {
            block = block.title_bottom(Span::styled(format!(" {n} "), THEME.dim));
        }
        let inner = block.inner(area);
        block.render(area, buf);
        let pad = self.pad.min(inner.width);
        render_canvas(self, Rect { x: inner.x + pad, width: inner.width - pad, ..inner }, buf);
    }

    fn render_table(&self, area: Rect, buf: &mut Buffer) {
        let title = match self.step {
            Some(s) => format!("grad_table: step {}/{}", s + 1, self.pane.steps.len()),
            None => "grad_table".to_string(),
        };
        let block = self.block(&title, Part::Table);
        let inner = block.inner(area);
        block.render(area, buf);
        let p = self.pane;
        if p.steps.is_empty() {
            let hint = "no derivative here: :show EXPR wrt V back-propagates to V";
            Paragraph::new(hint).style(THEME.dim).render(inner, buf);
            return;
        }
        let current = self.step.unwrap_or(usize::MAX);
        // The entry of the node selected in the graph (its own gradient, or
        // the gradient it holds): the parts follow the selection.
        let chosen = p.steps.iter().position(|s| s.node == self.selected || s.grad == self.selected);
        // Keep the current entry in view, else the chosen one.
        let shown = if current == usize::MAX { chosen } else { Some(current) };
        let skip = shown.map_or(0, |k| (k + 1).saturating_sub(usize::from(inner.height)));
        let lines: Vec<Line> = p
            .steps
            .iter()
            .enumerate()
            .skip(skip)
            .take(usize::from(inner.height))
            .map(|(k, s)| {
                let g = &p.nodes[s.grad];
                let text = format!("{} = {}", p.partial(s.node), g.expr);
                let style = if k == current {
                    THEME.filling
                } else if Some(k) == chosen {
                    THEME.selected
                } else if self.step.is_some_and(|c| k > c) {
                    THEME.dim
                } else {
                    Style::new()
                };
                Line::styled(text, style)
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }

    fn render_eval(&self, area: Rect, buf: &mut Buffer) {
        let block = self.block("evaluation", Part::Eval);
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = super::text::node_lines(self.pane, self.selected, self.step);
        let lines: Vec<Line> = lines
            .into_iter()
            .map(|(k, v)| {
                let w = 6.max(k.chars().count() + 1);
                Line::from(vec![Span::styled(format!("{k:<w$}"), THEME.title), Span::raw(v)])
            })
            .collect();
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((self.eval_scroll, 0)).render(inner, buf);
    }

    fn render_footer(&self, area: Rect, buf: &mut Buffer) {
        if let Some(q) = &self.search {
            Line::from(vec![Span::styled("/", THEME.key), Span::raw(q.clone()), Span::raw("▏")]).render(area, buf);
            return;
        }
        if let Some(m) = &self.message {
            Line::styled(format!(" {m}"), THEME.focus).render(area, buf);
            return;
        }
        let keys = [("←↓↑→/hjkl", "move"), ("Tab", "part"), ("t", "step"), ("/", "find"), ("?", "keys"), ("q", "back")];
        let mut spans = Vec::new();
        for (k, what) in keys {
            spans.push(Span::styled(format!(" {k}"), THEME.key));
            spans.push(Span::raw(format!(" {what} ")));
        }
        Line::from(spans).render(area, buf);
    }
}

const HELP: &[(&str, &str)] = &[
    ("↑ k / ↓ j", "to an input / to a user of the selected node"),
    ("← h / → l", "to the neighbour in the same layer"),
    ("Tab", "next part: graph, grad_table, evaluation"),
    ("(in table)", "↑↓ pick a grad_table entry"),
    ("t / T", "next / previous back-propagation step"),
    ("/ n", "find a node by name, op or expression; next"),
    ("g", "select the output"),
    ("H J K L", "pan (also Shift+arrows, PgUp/PgDn, wheel)"),
    ("click", "select a node"),
    ("q Esc", "back to the prompt"),
];

fn render_help(area: Rect, buf: &mut Buffer) {
    let w = 62.min(area.width);
    let h = (HELP.len() as u16 + 3).min(area.height);
    let r = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    Clear.render(r, buf);
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, v)| Line::from(vec![Span::styled(format!(" {k:<11}"), THEME.key), Span::raw(*v)]))
        .collect();
    lines.push(Line::styled(" ∂ marks a derivative node; ∂u3 holds the gradient of u3", THEME.derivative));
    Paragraph::new(lines).block(Block::bordered().title(" keys ")).render(r, buf);
}
