//! The LaTeX view of an expression, for `:latex`: the usual notation
//! (`\sigma`, `\operatorname{relu}`, `W^\top`, `\odot` for elementwise
//! products of tensors, `\frac`, `\sqrt`), Greek names as their commands
//! and trailing digits as subscripts (`W1` is `W_{1}`).
//!
//! Shared subexpressions get the same names as in the plain printer
//! (`text::shared_names`) and print on `\text{where}` lines after the
//! expression, so the two views of a result can be read side by side.
//! **Invariant:** the output has balanced braces and `\left`/`\right` pairs.

use super::text::shared_names;
use crate::eval::format::format_rat;
use crate::eval::value::{Rat, Value};
use crate::graph::{Graph, NodeId};
use crate::ops::{Func, Op};
use num_traits::One;
use std::collections::HashMap;

use super::text::{ADD, ATOM, MUL, NEG, POW};

/// Largest constant tensor written out element by element.
const MAX_LITERAL: usize = 36;

/// The expression, then one `\text{where}` line per shared subexpression
/// (lines separated by `\\`, ready for a `gather*` environment).
pub fn latex(graph: &Graph, root: NodeId) -> String {
    let p = Latex::new(graph, root);
    let mut lines = vec![p.render(root, 0)];
    for (id, t) in &p.order {
        lines.push(format!("\\text{{where }} {} = {}", name(t), p.node(*id).0));
    }
    lines.join(" \\\\\n")
}

/// The expression on one line, shared parts written out (for use inside a
/// larger formula).
pub fn latex_inline(graph: &Graph, root: NodeId) -> String {
    Latex { graph, names: HashMap::new(), order: Vec::new() }.render(root, 0)
}

/// A user name in LaTeX: `λ` → `\lambda`, `w_1`/`W1` → `w_{1}`/`W_{1}`,
/// longer names upright-italic (`\mathit{rate}`).
pub fn name(n: &str) -> String {
    let (base, subscript) = match n.find('_') {
        Some(k) if k > 0 => (&n[..k], Some(&n[k + 1..])),
        _ => {
            let k = n.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            if k > 0 && k < n.len() { (&n[..k], Some(&n[k..])) } else { (n, None) }
        }
    };
    let spelled = GREEK_NAMES.iter().chain(GREEK_UPPER.iter().map(|(_, n)| n)).any(|g| *g == base && *g != "o");
    let base = if spelled {
        format!("\\{base}")
    } else if base.chars().count() == 1 {
        greek(base.chars().next().unwrap_or('x'))
    } else {
        let letters: Vec<String> =
            base.chars().map(greek).map(|g| if g.starts_with('\\') { format!("{{{g}}}") } else { g }).collect();
        format!("\\mathit{{{}}}", letters.join(""))
    };
    match subscript {
        Some(s) if !s.is_empty() => format!("{base}_{{{}}}", s.replace('_', "\\_")),
        _ => base,
    }
}

fn greek(c: char) -> String {
    if let Some(k) = LOWER.chars().position(|g| g == c) {
        return if GREEK_NAMES[k] == "o" { "o".into() } else { format!("\\{}", GREEK_NAMES[k]) };
    }
    if let Some((_, n)) = GREEK_UPPER.iter().find(|(g, _)| *g == c) {
        return format!("\\{n}");
    }
    match c {
        '_' | '$' | '%' | '&' | '#' => format!("\\{c}"),
        c => c.to_string(),
    }
}

const LOWER: &str = "αβγδεζηθικλμνξοπρστυφχψω";
const GREEK_NAMES: [&str; 24] = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "o", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
];
const GREEK_UPPER: [(char, &str); 10] = [
    ('Γ', "Gamma"),
    ('Δ', "Delta"),
    ('Θ', "Theta"),
    ('Λ', "Lambda"),
    ('Ξ', "Xi"),
    ('Π', "Pi"),
    ('Σ', "Sigma"),
    ('Φ', "Phi"),
    ('Ψ', "Psi"),
    ('Ω', "Omega"),
];

struct Latex<'g> {
    graph: &'g Graph,
    names: HashMap<NodeId, String>,
    order: Vec<(NodeId, String)>,
}

impl<'g> Latex<'g> {
    fn new(graph: &'g Graph, root: NodeId) -> Latex<'g> {
        let order = shared_names(graph, root);
        let names = order.iter().cloned().collect();
        Latex { graph, names, order }
    }

    fn render(&self, id: NodeId, min: u8) -> String {
        if let Some(n) = self.names.get(&id) {
            return name(n);
        }
        let (s, prec) = self.node(id);
        if prec < min { format!("\\left({s}\\right)") } else { s }
    }

    fn paren(&self, id: NodeId) -> String {
        format!("\\left({}\\right)", self.render(id, 0))
    }

    fn node(&self, id: NodeId) -> (String, u8) {
        let g = self.graph;
        let ins = g.inputs(id);
        let shape = g.shape(id);
        match g.op(id) {
            Op::Var(n) => (name(n), ATOM),
            Op::Pi => ("\\pi".into(), ATOM),
            Op::Eye => (format!("I_{{{}}}", shape.first().copied().unwrap_or(0)), ATOM),
            Op::Num(r) => filled(r, shape),
            Op::Data(d) => (literal(g.data_value(*d)), ATOM),
            Op::Add { coeffs, constant } => self.sum(ins, coeffs, constant),
            Op::Mul { coeff, exps } => self.product(id, coeff, exps),
            Op::Pow => (format!("{}^{{{}}}", self.render(ins[0], ATOM), self.render(ins[1], 0)), POW),
            Op::Fn(f) => (self.func(*f, ins[0]), ATOM),
            Op::Max => (format!("\\max\\left({}, {}\\right)", self.render(ins[0], 0), self.render(ins[1], 0)), ATOM),
            Op::Min => (format!("\\min\\left({}, {}\\right)", self.render(ins[0], 0), self.render(ins[1], 0)), ATOM),
            Op::MatMul => (format!("{} {}", self.render(ins[0], MUL + 1), self.render(ins[1], MUL + 1)), MUL),
            Op::Transpose => (format!("{}^\\top", self.render(ins[0], ATOM)), POW),
            Op::Outer => (format!("{} {}^\\top", self.render(ins[0], MUL + 1), self.render(ins[1], ATOM)), MUL),
            Op::Sum(axes) if axes.len() == g.shape(ins[0]).len() => (format!("\\sum {}", self.paren(ins[0])), ATOM),
            Op::Sum(axes) => (format!("\\sum_{{\\text{{axes }} {}}} {}", list(axes), self.paren(ins[0])), ATOM),
            Op::Prod => (format!("\\prod {}", self.paren(ins[0])), ATOM),
            Op::Norm => (format!("\\left\\lVert {} \\right\\rVert", self.render(ins[0], 0)), ATOM),
            Op::Trace => (format!("\\operatorname{{tr}}{}", self.paren(ins[0])), ATOM),
            Op::Index(sels) => {
                // A base with its own subscript (`I_{3}`, `x_{1}`) in braces:
                // TeX refuses a double subscript.
                let base = self.render(ins[0], ATOM);
                let base = if base.contains('_') { format!("{{{base}}}") } else { base };
                (format!("{base}_{{{}}}", super::text::selection(sels, self.graph.shape(ins[0]))), ATOM)
            }
            Op::Stack => {
                let items: Vec<String> = ins.iter().map(|&i| self.render(i, 0)).collect();
                (format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", items.join(" \\\\ ")), ATOM)
            }
            Op::Broadcast => (format!("{} \\mathbf{{1}}_{{{}}}", self.render(ins[0], MUL + 1), list(shape)), MUL),
            Op::Reshape => (format!("\\operatorname{{reshape}}_{{{}}}{}", list(shape), self.paren(ins[0])), ATOM),
            op => (format!("\\operatorname{{{}}}{}", op.label(), self.paren(ins[0])), ATOM),
        }
    }

    fn func(&self, f: Func, x: NodeId) -> String {
        let arg = self.paren(x);
        match f {
            Func::Sqrt => format!("\\sqrt{{{}}}", self.render(x, 0)),
            Func::Abs => format!("\\left|{}\\right|", self.render(x, 0)),
            Func::Float => self.render(x, ATOM),
            Func::Sigmoid => format!("\\sigma{arg}"),
            Func::Asin | Func::Acos | Func::Atan => format!("\\arc{}{arg}", &f.name()[1..]),
            Func::Exp | Func::Log | Func::Sin | Func::Cos | Func::Tan | Func::Sinh | Func::Cosh | Func::Tanh => {
                format!("\\{}{arg}", f.name())
            }
            f => format!("\\operatorname{{{}}}{arg}", f.name()),
        }
    }

    fn sum(&self, ins: &[NodeId], coeffs: &[Rat], constant: &Rat) -> (String, u8) {
        let mut terms: Vec<(bool, String)> = ins
            .iter()
            .zip(coeffs)
            .map(|(&t, c)| {
                let body = self.render(t, MUL);
                let body = if c.abs().is_one() { body } else { format!("{} {body}", coefficient(&c.abs())) };
                (c.is_negative(), body)
            })
            .collect();
        // As the plain printer: a positive constant first, positive terms
        // before negative ones, a negative constant last.
        terms.sort();
        if constant.is_positive() {
            terms.insert(0, (false, coefficient(constant)));
        } else if constant.is_negative() {
            terms.push((true, coefficient(&constant.abs())));
        }
        let mut out = String::new();
        for (k, (neg, body)) in terms.iter().enumerate() {
            out.push_str(match (k, *neg) {
                (0, false) => "",
                (0, true) => "-",
                (_, false) => " + ",
                (_, true) => " - ",
            });
            out.push_str(body);
        }
        (out, ADD)
    }

    fn product(&self, id: NodeId, coeff: &Rat, exps: &[Rat]) -> (String, u8) {
        let g = self.graph;
        let ins = g.inputs(id);
        let tensor = |f: NodeId| !g.shape(f).is_empty();
        // Elementwise products of two tensors read as `\odot`; a scalar
        // factor is juxtaposed.
        let odot = ins.iter().filter(|&&f| tensor(f)).count() >= 2;
        // The plain printer's order: variables first, then by text.
        let mut factors: Vec<(bool, bool, String)> = ins
            .iter()
            .zip(exps)
            .map(|(&f, e)| (e.is_negative(), !matches!(g.op(f), Op::Var(_) | Op::Pi), self.power(f, &e.abs())))
            .collect();
        factors.sort();
        let (mut num, mut den) = (Vec::new(), Vec::new());
        for (neg, _, p) in factors {
            if neg { den.push(p) } else { num.push(p) }
        }
        let join = |parts: &[String]| parts.join(if odot { " \\odot " } else { " " });
        let c = coeff.abs();
        let mut s = if num.is_empty() { "1".to_string() } else { join(&num) };
        if !c.numer().is_one() && !num.is_empty() {
            s = format!("{} {s}", c.numer());
        } else if !c.numer().is_one() {
            s = c.numer().to_string();
        }
        let d = join(&den);
        let d = match (c.denom().is_one(), d.is_empty()) {
            (true, _) => d,
            (false, true) => c.denom().to_string(),
            (false, false) => format!("{} {d}", c.denom()),
        };
        if !d.is_empty() {
            s = format!("\\frac{{{s}}}{{{d}}}");
        }
        if coeff.is_negative() { (format!("-{s}"), NEG) } else { (s, MUL) }
    }

    fn power(&self, f: NodeId, e: &Rat) -> String {
        if e.is_one() {
            return self.render(f, MUL + 1);
        }
        if e.is_half() {
            return format!("\\sqrt{{{}}}", self.render(f, 0));
        }
        format!("{}^{{{}}}", self.render(f, ATOM), format_rat(e))
    }
}

/// A coefficient: `2`, `\tfrac{1}{50}`.
fn coefficient(r: &Rat) -> String {
    if r.denom().is_one() { r.numer().to_string() } else { format!("\\tfrac{{{}}}{{{}}}", r.numer(), r.denom()) }
}

fn filled(r: &Rat, shape: &[usize]) -> (String, u8) {
    let number = || {
        let c = coefficient(&r.abs());
        if r.is_negative() { (format!("-{c}"), NEG) } else { (c, ATOM) }
    };
    if shape.is_empty() {
        return number();
    }
    if r.is_zero() || r.is_one() {
        return (format!("\\mathbf{{{}}}_{{{}}}", if r.is_zero() { 0 } else { 1 }, list(shape)), ATOM);
    }
    (format!("{} \\mathbf{{1}}_{{{}}}", number().0, list(shape)), MUL)
}

fn literal(v: &Value) -> String {
    let items: Vec<String> = match v {
        Value::Exact(t) => t.data.iter().map(|r| filled(r, &[]).0).collect(),
        Value::Float(t) => t.data.iter().map(|x| crate::eval::format::format_f64(*x)).collect(),
    };
    let shape = v.shape();
    match shape {
        [] => items.first().cloned().unwrap_or_default(),
        [_] if items.len() <= MAX_LITERAL => format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", items.join(" \\\\ ")),
        [_, n] if items.len() <= MAX_LITERAL => {
            let rows: Vec<String> = items.chunks((*n).max(1)).map(|r| r.join(" & ")).collect();
            format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", rows.join(" \\\\ "))
        }
        _ => format!("\\mathrm{{const}}_{{{}}}", list(shape)),
    }
}

fn list(dims: &[usize]) -> String {
    dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
}
