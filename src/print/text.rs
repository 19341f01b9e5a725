//! The printer. `Style::Plain` is the re-parseable form (parse ∘ print is
//! the identity on nodes); `Style::Unicode` is the same printer with
//! terminal niceties (`x²`, `·`, `√`, `ᵀ`, `π`).
//!
//! A node used more than once and bigger than a few tokens prints once, in
//! a `where` clause (`… where t1 = …, t2 = …`), so output grows with the
//! graph, not with the tree it unfolds to.

use crate::eval::format::{format_f64, format_rat};
use crate::eval::value::{Rat, Value};
use crate::graph::shape::{Sel, broadcast};
use crate::graph::{Graph, NodeId};
use crate::ops::Op;
use num_traits::{One, Signed, Zero};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Unicode,
}

// Precedence levels, loosest first (shared with the LaTeX printer).
pub(crate) const ADD: u8 = 1;
pub(crate) const MUL: u8 = 2;
pub(crate) const NEG: u8 = 3;
pub(crate) const POW: u8 = 4;
const POSTFIX: u8 = 5;
pub(crate) const ATOM: u8 = 6;

/// Smallest size (in tree nodes) of a shared node that gets a `where` name.
const SHARE_SIZE: usize = 8;

/// The expression rooted at `root`, shared parts in a `where` clause.
pub fn print(graph: &Graph, root: NodeId, style: Style) -> String {
    let p = Printer::new(graph, root, style);
    let main = p.render(root, 0);
    if p.order.is_empty() {
        return main;
    }
    let defs: Vec<String> = p.order.iter().map(|&id| format!("{} = {}", p.names[&id], p.render_def(id))).collect();
    format!("{main} where {}", defs.join(", "))
}

/// The names `print` gives to shared nodes, in definition order (used by
/// other views that list the same definitions).
pub fn shared_names(graph: &Graph, root: NodeId) -> Vec<(NodeId, String)> {
    let p = Printer::new(graph, root, Style::Plain);
    p.order.iter().map(|&id| (id, p.names[&id].clone())).collect()
}

struct Printer<'g> {
    graph: &'g Graph,
    style: Style,
    names: HashMap<NodeId, String>,
    order: Vec<NodeId>,
}

impl<'g> Printer<'g> {
    fn new(graph: &'g Graph, root: NodeId, style: Style) -> Printer<'g> {
        let nodes = graph.ancestors(&[root]);
        let mut uses: HashMap<NodeId, usize> = HashMap::new();
        let mut taken: HashSet<String> = HashSet::new();
        for &id in &nodes {
            for &i in graph.inputs(id) {
                *uses.entry(i).or_default() += 1;
            }
            if let Op::Var(name) = graph.op(id) {
                taken.insert(name.to_string());
            }
        }
        let mut size: HashMap<NodeId, usize> = HashMap::new();
        let mut names = HashMap::new();
        let mut order = Vec::new();
        let mut next = 1;
        for &id in &nodes {
            let s = 1 + graph.inputs(id).iter().map(|i| size[i]).sum::<usize>();
            let shared = id != root && uses.get(&id).copied().unwrap_or(0) >= 2 && s >= SHARE_SIZE;
            if shared && !graph.op(id).is_leaf() {
                let name = loop {
                    let candidate = format!("t{next}");
                    next += 1;
                    if !taken.contains(&candidate) {
                        break candidate;
                    }
                };
                names.insert(id, name);
                order.push(id);
                size.insert(id, 1);
            } else {
                size.insert(id, s.min(usize::MAX / 4));
            }
        }
        Printer { graph, style, names, order }
    }

    fn uni(&self) -> bool {
        self.style == Style::Unicode
    }

    /// `id` as an operand needing at least precedence `min`.
    fn render(&self, id: NodeId, min: u8) -> String {
        wrap(self.piece(id), min)
    }

    /// `id`'s text and precedence: its `where` name, or its own form. Each
    /// node is rendered once per use; rendering twice (say, for a sort key)
    /// would double the work at every level of an unshared chain.
    fn piece(&self, id: NodeId) -> (String, u8) {
        match self.names.get(&id) {
            Some(name) => (name.clone(), ATOM),
            None => self.node(id),
        }
    }

    fn render_def(&self, id: NodeId) -> String {
        self.node(id).0
    }

    fn node(&self, id: NodeId) -> (String, u8) {
        let g = self.graph;
        let ins = g.inputs(id);
        let shape = g.shape(id);
        match g.op(id) {
            Op::Var(name) => (name.to_string(), ATOM),
            Op::Pi => ((if self.uni() { "π" } else { "pi" }).into(), ATOM),
            Op::Eye => (format!("eye({})", shape.first().copied().unwrap_or(0)), ATOM),
            Op::Num(r) => self.filled(r, shape),
            Op::Data(d) => (self.literal(g.data_value(*d)), ATOM),
            Op::Add { coeffs, constant } => self.sum(id, coeffs, constant),
            Op::Mul { coeff, exps } => self.product(id, coeff, exps),
            Op::Pow => (format!("{}^{}", self.render(ins[0], POSTFIX), self.render(ins[1], NEG)), POW),
            Op::Fn(f) => (format!("{}({})", f.name(), self.render(ins[0], 0)), ATOM),
            Op::MatMul => (format!("{} @ {}", self.render(ins[0], MUL), self.render(ins[1], NEG)), MUL),
            Op::Transpose => {
                let t = if self.uni() { "ᵀ" } else { "'" };
                (format!("{}{t}", self.render(ins[0], POSTFIX)), POSTFIX)
            }
            Op::Sum(axes) if axes.len() == g.shape(ins[0]).len() => self.call("sum", ins, &[]),
            Op::Sum(axes) => self.call("sum", ins, axes),
            Op::Reshape => self.call("reshape", ins, shape),
            Op::Index(sels) => {
                (format!("{}[{}]", self.render(ins[0], POSTFIX), self.sels(sels, g.shape(ins[0]))), POSTFIX)
            }
            Op::Stack => {
                let items: Vec<String> = ins.iter().map(|&i| self.render(i, 0)).collect();
                (format!("[{}]", items.join(", ")), ATOM)
            }
            Op::Broadcast => (format!("{}{}{}", self.render(ins[0], NEG), self.times(), self.ones(shape)), MUL),
            op => self.call(&op.label(), ins, &[]),
        }
    }

    fn call(&self, name: &str, ins: &[NodeId], extra: &[usize]) -> (String, u8) {
        let mut args: Vec<String> = ins.iter().map(|&i| self.render(i, 0)).collect();
        args.extend(extra.iter().map(|d| d.to_string()));
        (format!("{name}({})", args.join(", ")), ATOM)
    }

    fn times(&self) -> &'static str {
        if self.uni() { "·" } else { "*" }
    }

    fn ones(&self, shape: &[usize]) -> String {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        format!("ones({})", dims.join(", "))
    }

    fn filled(&self, r: &Rat, shape: &[usize]) -> (String, u8) {
        if shape.is_empty() {
            return number(r);
        }
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let dims = dims.join(", ");
        if r.is_zero() {
            (format!("zeros({dims})"), ATOM)
        } else if r.is_one() {
            (format!("ones({dims})"), ATOM)
        } else {
            let (n, p) = number(r);
            let n = if p < NEG { format!("({n})") } else { n };
            (format!("{n}{}ones({dims})", self.times()), MUL)
        }
    }

    fn literal(&self, v: &Value) -> String {
        let items: Vec<String> = match v {
            Value::Exact(t) => t.data.iter().map(format_rat).collect(),
            Value::Float(t) => t.data.iter().map(|x| literal_f64(*x)).collect(),
        };
        nest(&items, v.shape())
    }

    fn sels(&self, sels: &[Sel], shape: &[usize]) -> String {
        let parts: Vec<String> = sels
            .iter()
            .zip(shape)
            .map(|(s, &n)| match *s {
                Sel::At(i) => i.to_string(),
                Sel::Range { start: 0, step: 1, len } if len == n => ":".to_string(),
                Sel::Range { start, step, .. } => {
                    let stop = s.stop().map_or(String::new(), |e| e.to_string());
                    let step = if step == 1 { String::new() } else { format!(":{step}") };
                    format!("{start}:{stop}{step}")
                }
            })
            .collect();
        parts.join(", ")
    }

    /// Terms print in a fixed order (positive before negative, then by
    /// text), so the output does not depend on the order nodes were made.
    fn sum(&self, id: NodeId, coeffs: &[Rat], constant: &Rat) -> (String, u8) {
        let g = self.graph;
        let ins = g.inputs(id);
        let mut terms: Vec<(bool, String, String)> = ins
            .iter()
            .zip(coeffs)
            .map(|(&t, c)| {
                let piece = self.piece(t);
                (c.is_negative(), piece.0.clone(), self.scaled(t, piece, &c.abs()))
            })
            .collect();
        terms.sort();
        let term_shape = ins.iter().try_fold(Vec::new(), |acc, &t| broadcast(&acc, g.shape(t)));
        let stretched = term_shape.as_deref() != Some(g.shape(id));
        let mut out = String::new();
        let mut first = true;
        let mut push = |neg: bool, body: &str| {
            push_term(&mut out, first, neg, body);
            first = false;
        };
        if !stretched && constant.is_positive() {
            push(false, &number(constant).0);
        }
        for (neg, _, body) in &terms {
            push(*neg, body);
        }
        if stretched {
            push(false, &self.filled(constant, g.shape(id)).0);
        } else if constant.is_negative() {
            push(true, &number(&constant.abs()).0);
        }
        (out, ADD)
    }

    /// `|c|·t` as a term of a sum.
    fn scaled(&self, t: NodeId, piece: (String, u8), c: &Rat) -> String {
        if c.is_one() {
            return wrap(piece, MUL);
        }
        let (n, d) = (c.numer(), c.denom());
        // `2*x*y` reads back as the same term, `2*A @ B` would not.
        let min = if *self.graph.op(t) == Op::MatMul && !self.names.contains_key(&t) { MUL + 1 } else { MUL };
        let body = wrap(piece, min);
        let mut s = if n.is_one() { body } else { format!("{n}{}{body}", self.times()) };
        if !d.is_one() {
            s = format!("{s}/{d}");
        }
        s
    }

    fn product(&self, id: NodeId, coeff: &Rat, exps: &[Rat]) -> (String, u8) {
        let g = self.graph;
        let ins = g.inputs(id);
        let mut num: Vec<(String, u8)> = Vec::new();
        let mut den: Vec<(String, u8)> = Vec::new();
        let c = coeff.abs();
        if !c.numer().is_one() {
            num.push((c.numer().to_string(), ATOM));
        }
        if !c.denom().is_one() {
            den.push((c.denom().to_string(), ATOM));
        }
        let mut factors: Vec<(bool, u8, (String, u8), &Rat)> = ins
            .iter()
            .zip(exps)
            .map(|(&f, e)| {
                let class = u8::from(!matches!(g.op(f), Op::Var(_) | Op::Pi));
                (e.is_negative(), class, self.piece(f), e)
            })
            .collect();
        factors.sort_by(|a, b| (a.0, a.1, &a.2.0).cmp(&(b.0, b.1, &b.2.0)));
        for (neg, _, piece, e) in factors {
            let side = if neg { &mut den } else { &mut num };
            side.push(self.power(piece, &e.abs()));
        }
        let factor_shape = ins.iter().try_fold(Vec::new(), |acc, &t| broadcast(&acc, g.shape(t)));
        if factor_shape.as_deref() != Some(g.shape(id)) {
            num.push((self.ones(g.shape(id)), ATOM));
        }
        let single = num.len() == 1 && den.is_empty();
        let mut prec = if single { num[0].1 } else { MUL };
        let mut s = self.join(&num);
        if num.is_empty() {
            s = "1".into();
        }
        if !den.is_empty() {
            let d = self.join(&den);
            s = if den.len() == 1 { format!("{s}/{d}") } else { format!("{s}/({d})") };
        }
        if coeff.is_negative() {
            s = format!("-{s}");
            prec = prec.min(NEG);
        }
        (s, prec)
    }

    fn join(&self, factors: &[(String, u8)]) -> String {
        let parts: Vec<String> =
            factors.iter().map(|(s, p)| if *p <= MUL { format!("({s})") } else { s.clone() }).collect();
        parts.join(self.times())
    }

    /// `f^e` for a positive exponent.
    fn power(&self, piece: (String, u8), e: &Rat) -> (String, u8) {
        if e.is_one() {
            return piece;
        }
        if *e == Rat::new(1.into(), 2.into()) {
            if self.uni() {
                return (format!("√{}", wrap(piece, POSTFIX)), POW);
            }
            return (format!("sqrt({})", piece.0), ATOM);
        }
        let base = wrap(piece, POSTFIX);
        if self.uni() && e.is_integer() {
            return (format!("{base}{}", superscript(&e.to_string())), POW);
        }
        let (es, ep) = number(e);
        let es = if ep < ATOM { format!("({es})") } else { es };
        (format!("{base}^{es}"), POW)
    }
}

/// A piece as an operand needing at least precedence `min`.
fn wrap((s, prec): (String, u8), min: u8) -> String {
    if prec < min { format!("({s})") } else { s }
}

fn push_term(out: &mut String, first: bool, negative: bool, body: &str) {
    match (first, negative) {
        (true, false) => out.push_str(body),
        (true, true) => {
            out.push('-');
            out.push_str(body);
        }
        (false, false) => {
            out.push_str(" + ");
            out.push_str(body);
        }
        (false, true) => {
            out.push_str(" - ");
            out.push_str(body);
        }
    }
}

/// An exact number as the language writes it, with its precedence.
fn number(r: &Rat) -> (String, u8) {
    let s = format_rat(r);
    let prec = if r.is_negative() {
        NEG
    } else if s.contains('/') {
        MUL
    } else {
        ATOM
    };
    (s, prec)
}

/// An f64 inside a literal, in a form the lexer reads back to the same f64.
fn literal_f64(x: f64) -> String {
    if x.is_finite() {
        format_f64(x)
    } else if x.is_nan() {
        "0/0".into()
    } else if x > 0.0 {
        "float(1e400)".into()
    } else {
        "-float(1e400)".into()
    }
}

fn nest(items: &[String], shape: &[usize]) -> String {
    match shape.split_first() {
        None => items.first().cloned().unwrap_or_default(),
        Some((&n, rest)) => {
            let chunk = items.len() / n.max(1);
            let parts: Vec<String> = (0..n).map(|k| nest(&items[k * chunk..(k + 1) * chunk], rest)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn superscript(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            '-' => '⁻',
            c => c,
        })
        .collect()
}
