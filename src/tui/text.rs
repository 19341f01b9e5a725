//! The pane as plain text, for `:show` without a terminal (scripts,
//! `--json`): the same picture of the graph drawn into an off-screen
//! buffer, the `grad_table` in filling order, and the value and gradient of
//! each node. Also the lines of the evaluation part, which the full-screen
//! view shows for the selected node.

use super::app::App;
use super::canvas::render_canvas;
use super::model::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Largest picture printed as text; a bigger graph is listed instead.
const MAX_TEXT_W: usize = 200;
const MAX_TEXT_H: usize = 300;

/// The three parts of the pane as text.
pub fn render(pane: &Pane) -> String {
    let derivative = pane.nodes.iter().filter(|n| n.derivative).count();
    let mut out = vec![format!(
        ":show {}: {} forward nodes, {} derivative nodes (marked ∂)",
        pane.title,
        pane.nodes.len() - derivative,
        derivative
    )];
    out.extend(pane.note.clone());
    out.push(String::new());
    out.push("graph (inputs at the top, the output at the bottom; ∂u3 holds the gradient of u3):".into());
    out.extend(picture(pane).into_iter().map(|l| format!("  {l}")));
    if !pane.steps.is_empty() {
        out.push(String::new());
        out.push("grad_table, in the order back-propagation filled it:".into());
        for s in &pane.steps {
            let g = &pane.nodes[s.grad];
            out.push(format!("  {} = {}", pane.partial(s.node), g.expr));
            for (c, d) in &s.contributions {
                let c = &pane.nodes[*c];
                out.push(format!("      from {} ({}.bprop): {d}", c.name, c.op));
            }
        }
    }
    out.push(String::new());
    out.push("evaluation:".into());
    if !pane.missing.is_empty() {
        out.push(format!("  no value for {}: give values with :let", pane.missing.join(", ")));
    }
    for (i, n) in pane.nodes.iter().enumerate() {
        let value = n.value.as_deref().map(one_line).unwrap_or_else(|| "?".into());
        let mut line = format!("  {:<4} {:<12} {:<8} = {value}", n.name, shallow(pane, i), n.shape);
        if let Some(g) = n.grad {
            let gv = pane.nodes[g].value.as_deref().map(one_line).unwrap_or_else(|| "?".into());
            line.push_str(&format!("   {} = {gv}", pane.partial(i)));
        }
        if n.derivative && !n.grad_of.is_empty() {
            let of: Vec<String> = n.grad_of.iter().map(|&u| pane.partial(u)).collect();
            line.push_str(&format!("   (holds {})", of.join(", ")));
        }
        out.push(line.trim_end().to_string());
    }
    out.join("\n")
}

/// The picture, or a note when it is too large to print.
fn picture(pane: &Pane) -> Vec<String> {
    let mut app = App::new(pane);
    let (w, h) = (app.layout.width, app.layout.height);
    if w > MAX_TEXT_W || h > MAX_TEXT_H || w == 0 {
        return vec![format!("({} nodes: too large to print, open :show in a terminal)", pane.nodes.len())];
    }
    // No selection in print: nothing is highlighted anyway, and the
    // viewport is the whole picture.
    app.fit(w, h);
    app.view.x = 0;
    app.view.y = 0;
    let area = Rect::new(0, 0, w as u16, h as u16);
    let mut buf = Buffer::empty(area);
    render_canvas(&app, area, &mut buf);
    (0..h as u16)
        .map(|y| {
            let row: String = (0..w as u16).map(|x| buf[(x, y)].symbol()).collect();
            row.trim_end().to_string()
        })
        .collect()
}

/// `add(u2, b)`: the op over its inputs' names (a leaf is its label).
pub fn shallow(pane: &Pane, i: usize) -> String {
    let n = &pane.nodes[i];
    if !n.formula.is_empty() {
        return n.formula.clone();
    }
    if n.inputs.is_empty() {
        return n.op.clone();
    }
    let args: Vec<&str> = n.inputs.iter().map(|&j| pane.nodes[j].name.as_str()).collect();
    format!("{}({})", n.op, args.join(", "))
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

/// The evaluation part for node `i`: (key, text) rows; a value over several
/// lines gives several rows.
pub fn node_lines(pane: &Pane, i: usize, step: Option<usize>) -> Vec<(String, String)> {
    let Some(n) = pane.nodes.get(i) else { return vec![] };
    let kind = if n.derivative { "derivative node" } else { "forward node" };
    let head = if n.inputs.is_empty() { n.name.clone() } else { format!("{} = {}", n.name, shallow(pane, i)) };
    let mut rows = vec![("node".to_string(), format!("{head}  {}  {kind}", n.shape))];
    rows.push(("expr".into(), n.expr.clone()));
    value_rows(&mut rows, "value", n.value.as_deref(), pane);
    if !n.grad_of.is_empty() {
        let of: Vec<String> = n.grad_of.iter().map(|&u| pane.partial(u)).collect();
        rows.push(("holds".into(), of.join(", ")));
    }
    if let Some(g) = n.grad {
        let at = pane.steps.iter().position(|s| s.node == i);
        if step.is_some_and(|s| at.is_some_and(|a| a > s)) {
            rows.push((pane.partial(i), "not filled yet".into()));
        } else {
            let gn = &pane.nodes[g];
            rows.push((pane.partial(i), format!("{} = {}", gn.name, gn.expr)));
            value_rows(&mut rows, "grad", gn.value.as_deref(), pane);
        }
    }
    if let Some(s) = step.and_then(|s| pane.steps.get(s)).filter(|s| s.node == i) {
        for (c, d) in &s.contributions {
            let c = &pane.nodes[*c];
            rows.push(("from".into(), format!("{} ({}.bprop): {d}", c.name, c.op)));
        }
    }
    rows
}

fn value_rows(rows: &mut Vec<(String, String)>, key: &str, value: Option<&str>, pane: &Pane) {
    match value {
        Some(v) => {
            for (k, line) in v.lines().enumerate() {
                rows.push((if k == 0 { key.to_string() } else { String::new() }, line.to_string()));
            }
        }
        None if !pane.missing.is_empty() => {
            rows.push((key.to_string(), format!("needs values for {}", pane.missing.join(", "))));
        }
        None => rows.push((key.to_string(), "not evaluated".into())),
    }
}
