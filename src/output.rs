//! What a statement gives back: a list of `Item`s, rendered by the front
//! ends (human text for the terminal and scripts, one JSON object per item
//! for `--json`). The core never prints; it returns these.

use crate::eval::value::Value;

/// One output item. Fields that do not apply are `None`/empty.
#[derive(Clone, Debug, Default)]
pub struct Item {
    /// What the item is, for the human rendering.
    pub kind: ItemKind,
    /// `$N` of a numbered result.
    pub number: Option<usize>,
    /// A label before the expression: `∂f/∂x`, `∂²f/∂x∂y`, or a bound name.
    pub label: Option<String>,
    /// For `:let` items: the name bound (`"ans"` for the closing item).
    pub name: Option<String>,
    /// The plain, re-parseable form of the expression.
    pub expr: Option<String>,
    /// The Unicode form for terminals (same expression).
    pub pretty: Option<String>,
    /// Shape of the expression (`[]` for a scalar).
    pub shape: Option<Vec<usize>>,
    /// The value, when every free name has one.
    pub value: Option<Value>,
    /// `:grad`: the variable(s) differentiated against.
    pub wrt: Vec<String>,
    /// `:grad`: distinct nodes of the simplified derivative / of `f`.
    pub nodes: Option<usize>,
    pub forward_nodes: Option<usize>,
    /// `:time`/`:timeit`: seconds per phase, in phase order.
    pub seconds: Vec<(&'static str, f64)>,
    /// Free text: help, `:vars`, `:trace`, `:dot`, `:latex`, `:codegen`, ...
    pub text: Option<String>,
    /// Warnings (float overflow naming the node, ...), shown after the item.
    pub warnings: Vec<String>,
    /// `:show`: the pane's model, for a front end with a terminal to open
    /// (shared, so cloning an item stays cheap).
    pub show: Option<std::rc::Rc<crate::tui::model::Pane>>,
    /// `:check`: the finite-difference derivative (`value` is the symbolic
    /// one), the largest relative error, the element where it is, and
    /// whether it is within the tolerance.
    pub numeric: Option<Value>,
    pub max_rel_error: Option<f64>,
    pub worst: Option<String>,
    pub passed: Option<bool>,
    /// `:dot`/`:codegen ... > FILE`: the file written.
    pub file: Option<String>,
    /// Shown to a person, left out of `--json` (the `:time` line, whose
    /// figures each result's object carries).
    pub human_only: bool,
    /// For an item made by a statement of a `:load`ed file: that file, the
    /// statement's line in it and its text (`--json`'s `file`, `line` and
    /// `input`, instead of the `:load` statement's).
    pub source: Option<Source>,
}

#[derive(Clone, Debug)]
pub struct Source {
    pub file: String,
    pub line: usize,
    pub input: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ItemKind {
    /// An expression result (`$N = EXPR [= VALUE]`).
    #[default]
    Result,
    /// A derivative (`$N = ∂f/∂x = EXPR [= VALUE]`).
    Derivative,
    /// A value bound by `:let` (`x = VALUE`).
    Binding,
    /// A formula bound by `:let` (`f := EXPR`).
    Formula,
    /// `ans = VALUE` after a `:let` closed the last result.
    Ans,
    /// Only text (help, listings, exports).
    Text,
    /// Nothing to show (`:var`, `:def`, `:seed`, ...) but a JSON object.
    Silent,
}

/// How items are shown to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Render {
    /// ANSI colour (a terminal without `NO_COLOR`).
    pub color: bool,
    /// The Unicode form of expressions (`x²`, `·`); the plain form otherwise.
    pub unicode: bool,
}

impl Render {
    pub const PLAIN: Render = Render { color: false, unicode: false };
}

fn paint(s: &str, code: &str, on: bool) -> String {
    if on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
}

/// The human form of an item (no trailing newline; empty for silent ones).
pub fn render_human(item: &Item, how: Render) -> String {
    let mut expr = if how.unicode { item.pretty.as_ref().or(item.expr.as_ref()) } else { item.expr.as_ref() };
    let mut value = item.value.as_ref().map(crate::eval::format::format_value);
    // `3.6 = 3.6` says nothing twice; a matrix literal is shown once, as
    // its grid.
    if let (Some(v), Some(e)) = (&value, &item.expr)
        && !matches!(item.kind, ItemKind::Binding | ItemKind::Formula | ItemKind::Ans)
    {
        let squeezed = |s: &str| s.split_whitespace().collect::<String>();
        if v == e {
            value = None;
        } else if v.contains('\n') && squeezed(v) == squeezed(e) {
            expr = None;
        }
    }
    let mut head = Vec::new();
    match item.kind {
        ItemKind::Text | ItemKind::Silent => {
            let mut s = if item.kind == ItemKind::Text { item.text.clone().unwrap_or_default() } else { String::new() };
            for w in &item.warnings {
                s.push_str(&format!("\n{}", paint(&format!("warning: {w}"), "33", how.color)));
            }
            return s.trim_start_matches('\n').to_string();
        }
        ItemKind::Formula => {
            head.push(paint(&format!("{} :=", item.name.clone().unwrap_or_default()), "1", how.color));
            head.extend(expr.cloned());
        }
        ItemKind::Binding | ItemKind::Ans => {
            head.push(paint(&item.name.clone().unwrap_or_default(), "1", how.color));
        }
        ItemKind::Result | ItemKind::Derivative => {
            if let Some(n) = item.number {
                head.push(paint(&format!("${n}"), "2", how.color));
            }
            if let Some(l) = &item.label {
                head.push(paint(l, "36", how.color));
            }
            head.extend(expr.cloned());
        }
    }
    let mut s = if item.kind == ItemKind::Formula { head.join(" ") } else { head.join(" = ") };
    if let Some(v) = value {
        let v = paint(&v, "32", how.color);
        if v.contains('\n') {
            s.push_str(" =\n");
        } else {
            s.push_str(" = ");
        }
        s.push_str(&v);
    }
    for w in &item.warnings {
        s.push_str(&format!("\n{}", paint(&format!("warning: {w}"), "33", how.color)));
    }
    s
}

/// The `--json` object of an item (SPEC §6), without `input` and `line`.
pub fn render_json(item: &Item) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{Value as J, json};
    let mut m = serde_json::Map::new();
    m.insert("ok".into(), J::Bool(true));
    if let Some(n) = &item.name {
        m.insert("name".into(), json!(n));
    }
    if let Some(n) = item.number {
        m.insert("number".into(), json!(n));
    }
    if let Some(e) = &item.expr {
        m.insert("expr".into(), json!(e));
    }
    if let Some(s) = &item.shape {
        m.insert("shape".into(), json!(s));
    }
    let mut warnings = item.warnings.clone();
    if let Some(v) = &item.value {
        m.insert("value".into(), crate::eval::format::value_json(v));
        if let Some(x) = crate::eval::format::exact_json(v) {
            m.insert("exact".into(), x);
            // An exact number beyond f64 is finite (or not zero), but
            // `value` says inf (or 0).
            if let Value::Exact(t) = v {
                let floats = v.to_f64().data;
                if floats.iter().any(|x| x.is_infinite()) {
                    warnings
                        .push("an exact value is beyond f64's range: `value` shows it as inf, `exact` holds it".into());
                }
                if floats.iter().zip(&t.data).any(|(x, r)| *x == 0.0 && !r.is_zero()) {
                    warnings
                        .push("an exact value is below f64's range: `value` shows it as 0, `exact` holds it".into());
                }
            }
        }
    }
    match item.wrt.as_slice() {
        [] => {}
        [one] => {
            m.insert("wrt".into(), json!(one));
        }
        many => {
            m.insert("wrt".into(), json!(many));
        }
    }
    if let Some(n) = item.nodes {
        m.insert("nodes".into(), json!(n));
    }
    if let Some(n) = item.forward_nodes {
        m.insert("forward_nodes".into(), json!(n));
    }
    if !item.seconds.is_empty() {
        let secs: serde_json::Map<String, J> = item.seconds.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        m.insert("seconds".into(), J::Object(secs));
    }
    if let Some(t) = &item.text {
        m.insert("text".into(), json!(t));
    }
    if !warnings.is_empty() {
        m.insert("warnings".into(), json!(warnings));
    }
    if let Some(v) = &item.numeric {
        m.insert("numeric".into(), crate::eval::format::value_json(v));
    }
    if let Some(e) = item.max_rel_error {
        m.insert("max_rel_error".into(), crate::eval::format::value_json(&Value::float_scalar(e)));
    }
    if let Some(w) = &item.worst {
        m.insert("worst".into(), json!(w));
    }
    if let Some(p) = item.passed {
        m.insert("passed".into(), json!(p));
    }
    if let Some(f) = &item.file {
        m.insert("file".into(), json!(f));
    }
    m
}
