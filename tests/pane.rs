//! The pane on a `TestBackend`: snapshots of the book's examples (a)–(d),
//! the mission's `relu(x*w + b)` and a 2-layer MLP, before and after key
//! presses; state tests for navigation and stepping; the 10,000-node
//! layout and frame.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use std::rc::Rc;
use symgrad::session::Session;
use symgrad::tui::app::{Action, App, Part};
use symgrad::tui::model::{Pane, PaneNode};

/// The pane of the last `:show` among `stmts`.
fn pane(stmts: &[&str]) -> Rc<Pane> {
    let mut s = Session::new();
    let mut last = None;
    for st in stmts {
        let items = s.run(st).unwrap_or_else(|e| panic!("{st}: {e:?}"));
        if let Some(p) = items.into_iter().find_map(|i| i.show) {
            last = Some(p);
        }
    }
    last.expect("a :show statement")
}

fn press(app: &mut App, keys: &str) -> Action {
    let mut last = Action::Continue;
    for c in keys.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        last = app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
    last
}

fn text(buf: &Buffer) -> String {
    let a = buf.area;
    (a.y..a.y + a.height)
        .map(|y| (a.x..a.x + a.width).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn screen(app: &mut App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| symgrad::tui::draw::draw(app, f)).unwrap();
    t.backend().buffer().clone()
}

fn snap(name: &str, app: &mut App, w: u16, h: u16) {
    insta::assert_snapshot!(name, text(&screen(app, w, h)));
}

const MISSION: &[&str] = &[":let x = [1.2, 3.764, -1.8], w = [0.5, -1, 2], b = 0.1", ":show relu(x*w + b) wrt w"];

#[test]
fn book_a_product() {
    let p = pane(&[":show x*y wrt x, y"]);
    let mut app = App::new(&p);
    snap("book_a", &mut app, 80, 24);
    press(&mut app, "k");
    snap("book_a_k", &mut app, 80, 24);
}

#[test]
fn book_b_affine() {
    let p = pane(&[":var x[3], w[3]", ":show x'@w + b wrt w, b"]);
    snap("book_b", &mut App::new(&p), 80, 24);
}

#[test]
fn book_c_relu_layer() {
    let p = pane(&[":var X[4,3], W[3,2], b[2]", ":show max(0, X@W + b) wrt W"]);
    let mut app = App::new(&p);
    snap("book_c", &mut app, 80, 24);
    press(&mut app, "tt");
    snap("book_c_tt", &mut app, 80, 24);
}

#[test]
fn book_d_weight_decay() {
    let p = pane(&[":var x[3], w[3]", ":show x'@w + λ*sum(w^2) wrt w"]);
    snap("book_d", &mut App::new(&p), 80, 24);
}

#[test]
fn mission_relu() {
    let p = pane(MISSION);
    let mut app = App::new(&p);
    snap("mission", &mut app, 80, 24);
    press(&mut app, "tt");
    snap("mission_tt", &mut app, 80, 24);
    press(&mut app, "kk");
    snap("mission_tt_kk", &mut app, 80, 24);
    press(&mut app, "?");
    snap("mission_help", &mut app, 80, 24);
    snap("mission_wide", &mut App::new(&p), 200, 60);
    insta::assert_snapshot!("mission_text", symgrad::tui::text::render(&p));
}

#[test]
fn mlp_two_layers() {
    let p = pane(&[
        ":var x[3], W1[4,3], b1[4], W2[2,4], b2[2], y[2]",
        ":show sum((W2@relu(W1@x + b1) + b2 - y)^2) wrt W1, W2",
    ]);
    let mut app = App::new(&p);
    snap("mlp", &mut app, 80, 24);
    press(&mut app, "ttttkh");
    snap("mlp_steps", &mut app, 80, 24);
}

#[test]
fn default_is_the_last_grad() {
    let p = pane(&[":grad x*y wrt x", ":show"]);
    assert_eq!(p.title, "x*y wrt x");
    assert_eq!(p.steps.len(), 2);
}

#[test]
fn derivative_nodes_stand_out() {
    let p = pane(MISSION);
    let mut app = App::new(&p);
    let buf = screen(&mut app, 80, 24);
    let d = p.nodes.iter().position(|n| n.derivative && n.op == "step").unwrap();
    let slot = app.layout.slot(d).unwrap().clone();
    let (ox, oy) = app.graph_origin;
    let y = oy + (app.layout.row(app.layout.at[d].0) - app.view.y) as u16;
    let cell = &buf[(ox + app.pad + (slot.x - app.view.x) as u16 + 1, y)];
    assert_eq!(cell.fg, Color::Magenta);
    assert!(p.label(d).starts_with('∂'));
}

#[test]
fn values_are_right() {
    let p = pane(MISSION);
    let w = p.wrt[0].1;
    assert_eq!(p.nodes[w].value.as_deref(), Some("[1.2, 0, 0]"));
    assert_eq!(p.nodes[p.root].value.as_deref(), Some("[0.7, 0, 0]"));
    assert!(p.missing.is_empty());
    let q = pane(&[":show x*y wrt x"]);
    assert_eq!(q.missing, ["x", "y"]);
}

#[test]
fn navigation_follows_edges() {
    let p = pane(MISSION);
    let mut app = App::new(&p);
    assert_eq!(p.nodes[app.selected].name, "z");
    press(&mut app, "k");
    assert_eq!(p.nodes[app.selected].name, "u2");
    press(&mut app, "k");
    assert_eq!(p.nodes[app.selected].op, "mul");
    press(&mut app, "j");
    assert_eq!(p.nodes[app.selected].name, "u2");
    press(&mut app, "j");
    let below = &p.nodes[app.selected];
    assert!(below.inputs.contains(&p.nodes.iter().position(|n| n.name == "u2").unwrap()));
    let before = app.selected;
    press(&mut app, "l");
    press(&mut app, "h");
    assert_eq!(app.selected, before);
    assert_eq!(press(&mut app, "q"), Action::Quit);
}

/// The grad_table row of the node selected in the graph is highlighted:
/// selecting `u2` marks `∂z/∂u2 = …` (only the evaluation part followed).
#[test]
fn the_table_follows_the_selected_node() {
    let p = pane(MISSION);
    let mut app = App::new(&p);
    press(&mut app, "k");
    assert_eq!(p.nodes[app.selected].name, "u2");
    let buf = screen(&mut app, 100, 30);
    let areas = symgrad::tui::draw::areas(buf.area);
    let marked: Vec<String> = (areas.table.y..areas.table.y + areas.table.height)
        .filter(|&y| buf[(areas.table.x + 1, y)].bg == Color::Yellow)
        .map(|y| (areas.table.x + 1..areas.table.x + areas.table.width - 1).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    assert!(marked[0].starts_with("∂z/∂u2 = "), "{marked:?}");
}

/// Search takes an expression as typed (`w*x` for the shown `w·x`,
/// blanks aside) and a derivative node's label (`∂w`).
#[test]
fn search_reads_expressions_as_typed() {
    let p = pane(&[":show sigmoid(w*x) + tanh(w*x)^2 wrt w"]);
    let mut app = App::new(&p);
    press(&mut app, "/w * x\n");
    assert!(
        p.nodes[app.selected].expr.contains("w·x") || p.nodes[app.selected].expr.contains("w*x"),
        "{:?}",
        p.nodes[app.selected]
    );
    press(&mut app, "/sigmoid(w*x)\n");
    assert!(app.message.is_none(), "{:?}", app.message);
    press(&mut app, "/∂w\n");
    assert!(app.message.is_none(), "{:?}", app.message);
    assert!(p.label(app.selected).starts_with("∂w"), "{}", p.label(app.selected));
}

#[test]
fn stepping_walks_the_table() {
    let p = pane(MISSION);
    let mut app = App::new(&p);
    let mut seen = vec![];
    for _ in 0..p.steps.len() {
        press(&mut app, "t");
        let s = app.step.unwrap();
        assert_eq!(app.selected, p.steps[s].node);
        seen.push(p.nodes[p.steps[s].node].name.clone());
    }
    assert_eq!(seen, ["z", "u2", "u1", "w"]);
    press(&mut app, "t");
    assert_eq!(app.step, None);
    press(&mut app, "T");
    assert_eq!(app.step, Some(3));
    // The weight's gradient is made at the last step, not before.
    let dw = p.wrt[0].1;
    press(&mut app, "TT");
    assert!(app.unborn(dw));
}

#[test]
fn parts_search_and_keys() {
    let p = pane(MISSION);
    let mut app = App::new(&p);
    press(&mut app, "\t");
    assert_eq!(app.part, Part::Table);
    press(&mut app, "jj");
    assert_eq!(app.step, Some(1));
    press(&mut app, "\t\t");
    assert_eq!(app.part, Part::Graph);
    press(&mut app, "/b\n");
    assert_eq!(p.nodes[app.selected].name, "b");
    // Esc while typing a search cancels it, it does not leave.
    assert_eq!(press(&mut app, "/zz\x1b"), Action::Continue);
    press(&mut app, "/nothing-like-it\n");
    assert!(app.message.is_some());
    let release = KeyEvent { kind: KeyEventKind::Release, ..KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE) };
    assert_eq!(app.handle_key(release), Action::Continue);
    assert_eq!(press(&mut app, "\x1b"), Action::Quit);
}

/// A graph shaped like a deep network: 200 layers of 50 nodes, each with
/// two inputs in the layer above and now and then one further up.
fn big(n: usize) -> Pane {
    let mut rng = fastrand::Rng::with_seed(7);
    let nodes = (0..n)
        .map(|i| {
            let layer = i / 50;
            let inputs = if layer == 0 {
                vec![]
            } else {
                let mut v = vec![(layer - 1) * 50 + rng.usize(0..50), (layer - 1) * 50 + rng.usize(0..50)];
                if layer > 3 && rng.u8(0..10) == 0 {
                    v.push((layer - 3) * 50 + rng.usize(0..50));
                }
                v.sort();
                v.dedup();
                v
            };
            PaneNode {
                id: i as u32,
                name: format!("u{i}"),
                op: if inputs.is_empty() { "x".into() } else { "add".into() },
                shape: "[]".into(),
                inputs,
                derivative: i % 3 == 0,
                ..PaneNode::default()
            }
        })
        .collect();
    Pane { title: "big".into(), nodes, root: n - 1, ..Pane::default() }
}

#[test]
fn ten_thousand_nodes_lay_out_and_draw() {
    let p = big(10_000);
    let mut app = App::new(&p);
    assert_eq!(app.layout.at.len(), 10_000);
    assert_eq!(app.layout.layers.iter().flatten().filter(|s| s.node.is_some()).count(), 10_000);
    for layer in &app.layout.layers {
        assert!(layer.windows(2).all(|w| w[0].x + w[0].w < w[1].x), "slots do not overlap");
    }
    assert!(app.layout.height >= 200 * 3 - 2);
    let buf = screen(&mut app, 200, 60);
    let shown = text(&buf);
    assert!(shown.contains("{∂ add}") && shown.contains(" add)"), "{shown}");
    press(&mut app, "kkkhhhJJJLLL");
    screen(&mut app, 200, 60);
}

/// Run with `cargo test --test pane -- --ignored --nocapture`: the median
/// time to draw one 200×60 frame of the 10,000-node graph.
#[test]
#[ignore]
fn frame_time_of_ten_thousand_nodes() {
    let p = big(10_000);
    let t = std::time::Instant::now();
    let mut app = App::new(&p);
    println!("layout of 10,000 nodes: {:?}", t.elapsed());
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut times = Vec::new();
    for k in 0..101 {
        if k % 2 == 0 {
            press(&mut app, "k");
        } else {
            press(&mut app, "l");
        }
        let t = std::time::Instant::now();
        term.draw(|f| symgrad::tui::draw::draw(&mut app, f)).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!("frame of 10,000 nodes at 200x60: median {:?}, max {:?}", times[50], times[100]);
    // The pane's own drawing, without the terminal's buffer diff.
    let area = ratatui::layout::Rect::new(0, 0, 200, 60);
    let mut parts = Vec::new();
    for _ in 0..101 {
        let mut buf = Buffer::empty(area);
        let t = std::time::Instant::now();
        ratatui::widgets::Widget::render(&app, area, &mut buf);
        parts.push(t.elapsed());
    }
    parts.sort();
    println!("widget render only: median {:?}", parts[50]);
    let mut canvas = Vec::new();
    for _ in 0..101 {
        let mut buf = Buffer::empty(area);
        let t = std::time::Instant::now();
        symgrad::tui::canvas::render_canvas(&app, area, &mut buf);
        canvas.push(t.elapsed());
    }
    canvas.sort();
    println!("graph picture only: median {:?}", canvas[50]);
}

#[test]
fn tiny_terminals_do_not_panic() {
    let p = pane(MISSION);
    let mut app = App::new(&p);
    for (w, h) in [(1, 1), (2, 2), (10, 3), (20, 5), (30, 8), (80, 4)] {
        screen(&mut app, w, h);
        press(&mut app, "?");
        screen(&mut app, w, h);
        press(&mut app, "?tkjhl");
    }
}

/// A terminal shrunk while a low node is selected, then enlarged again,
/// shows the whole graph from its top (it stayed scrolled: one row of
/// nodes above a screen of blank rows).
#[test]
fn an_enlarged_terminal_shows_the_graph_from_its_top() {
    let p = pane(&[":let w = 2, x = 3", ":show sigmoid(w*x) wrt w"]);
    let mut app = App::new(&p);
    press(&mut app, "jjj");
    screen(&mut app, 40, 12);
    let big = text(&screen(&mut app, 120, 40));
    assert!(big.contains("(w)") && big.contains("(u1 mul)") && big.contains("{∂w=mul}"), "{big}");
}
