//! The printer. `Style::Plain` is the re-parseable form (parse ∘ print is
//! the identity on nodes); `Style::Unicode` is the same printer with
//! terminal niceties (`x²`, `·`, `√`, `ᵀ`, `π`).
//!
//! A node used more than once and bigger than a few tokens prints once, in
//! a `where` clause (`… where t1 = …, t2 = …`), so output grows with the
//! graph, not with the tree it unfolds to.

use super::doc::{Doc, Ropes};
use crate::eval::format::{format_f64, format_rat};
use crate::eval::value::{Rat, Value};
use crate::graph::Positions;
use crate::graph::shape::{Sel, broadcast};
use crate::graph::{Graph, NodeId};
use crate::ops::Op;
use num_traits::One;
use std::cell::RefCell;
use std::collections::HashSet;

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

/// Largest expression (in distinct nodes) printed in full.
pub const MAX_PRINT_NODES: usize = 200_000;

/// Largest printed expression (before its `where` clause), in bytes.
pub const MAX_PRINT_BYTES: usize = 4 << 20;

/// Smallest size (in tree nodes) of a shared node that gets a `where` name.
const SHARE_SIZE: usize = 8;

/// The expression rooted at `root`, shared parts in a `where` clause.
pub fn print(graph: &Graph, root: NodeId, style: Style) -> String {
    print_sized(graph, root, style).0
}

/// `print`, and the number of distinct nodes of the expression (which
/// printing walks anyway: `Graph::count` walked it again).
pub fn print_sized(graph: &Graph, root: NodeId, style: Style) -> (String, usize) {
    let (size, laid) = layout(graph, root, style);
    let text = match laid {
        Ok((p, parts)) => {
            let ropes = p.ropes.borrow();
            ropes.write_all(&parts)
        }
        Err(summary) => summary,
    };
    (text, size)
}

/// `print(graph, root, style).len()`, without writing the text out (the
/// expansion pass compares the lengths of two forms of every derivative).
pub fn printed_len(graph: &Graph, root: NodeId, style: Style) -> usize {
    match layout(graph, root, style).1 {
        Ok((p, parts)) => parts.iter().map(|&d| p.ropes.borrow().len(d)).sum(),
        Err(summary) => summary.len(),
    }
}

/// The number of distinct nodes of `root`, with the printer of `root`
/// and the ropes of its text in order (the expression, then each `where`
/// definition), or a summary instead when it is too large to print.
fn layout(graph: &Graph, root: NodeId, style: Style) -> (usize, Result<(Printer<'_>, Vec<Doc>), String>) {
    let nodes = graph.ancestors(&[root]);
    let size = nodes.len();
    (size, layout_nodes(graph, root, nodes, style))
}

fn layout_nodes(
    graph: &Graph,
    root: NodeId,
    nodes: Vec<NodeId>,
    style: Style,
) -> Result<(Printer<'_>, Vec<Doc>), String> {
    let size = nodes.len();
    if size > MAX_PRINT_NODES {
        // Nobody reads it, and writing it out took seconds and gigabytes
        // (a fuzz finding: an 11th derivative of nested sigmoids).
        return Err(too_large(size));
    }
    let p = Printer::new(graph, root, nodes, style);
    let main = p.render(root, 0);
    if p.ropes.borrow().len(main) > MAX_PRINT_BYTES {
        return Err(too_large(size));
    }
    let mut parts = vec![main];
    for (k, &id) in p.order.iter().enumerate() {
        parts.push(p.fixed(if k == 0 { " where " } else { ", " }));
        parts.push(p.text(p.name(id).unwrap_or_default()));
        parts.push(p.fixed(" = "));
        parts.push(p.node(id).0);
    }
    Ok((p, parts))
}

fn too_large(nodes: usize) -> String {
    format!("(an expression of {nodes} nodes, too large to print; :eval evaluates it, :codegen compiles it)")
}

/// The names `print` gives to shared nodes, in definition order (used by
/// other views that list the same definitions).
pub fn shared_names(graph: &Graph, root: NodeId) -> Vec<(NodeId, String)> {
    let p = Printer::new(graph, root, graph.ancestors(&[root]), Style::Plain);
    p.order.iter().map(|&id| (id, p.name(id).unwrap_or_default().to_string())).collect()
}

/// The nodes of `at` (`root`'s ancestors, in id order, so inputs first)
/// that print once, in a `where` clause: used more than once and at least
/// `SHARE_SIZE` tree nodes big, counting a shared operand as one.
pub(super) fn shared(graph: &Graph, root: NodeId, at: &Positions) -> Vec<NodeId> {
    // Counters by position: tables keyed by id, two lookups per operand,
    // were most of this pass.
    let nodes = at.nodes();
    let mut uses = vec![0u32; nodes.len()];
    for &id in nodes {
        for &i in graph.inputs(id) {
            if let Some(k) = at.of(i) {
                uses[k] = uses[k].saturating_add(1);
            }
        }
    }
    let mut size = vec![1usize; nodes.len()];
    let mut named = vec![false; nodes.len()];
    for (k, &id) in nodes.iter().enumerate() {
        // A constant tensor prints all its elements: `randn(20)` in a
        // Hessian is used hundreds of times, and was written out each time.
        let own = match graph.op(id) {
            Op::Data(_) => crate::graph::shape::numel(graph.shape(id)).max(1),
            _ => 1,
        };
        let s = graph.inputs(id).iter().map(|&i| at.of(i).map_or(1, |j| size[j])).fold(own, usize::saturating_add);
        named[k] = id != root && uses[k] >= 2 && s >= SHARE_SIZE && (!graph.op(id).is_leaf() || own > 1);
        if !named[k] {
            size[k] = s;
        }
    }
    name_often_printed(graph, root, at, &size, &mut named);
    nodes.iter().zip(&named).filter(|&(_, &n)| n).map(|(&id, _)| id).collect()
}

/// Also names (in `named`, by position) the small nodes that, inlined,
/// would be printed many times: `tanh(x*[1, 2, 3])` under three elements
/// that are each used again (each occurrence counts, not just each
/// consumer). `size` is each unnamed node's size, counted by `shared`.
fn name_often_printed(graph: &Graph, root: NodeId, at: &Positions, size: &[usize], named: &mut [bool]) {
    const SMALLEST: usize = 3;
    const MOST_INLINED: u64 = 20;
    let nodes = at.nodes();
    // How many times each node is written, from the root down.
    let mut occurs = vec![0u64; nodes.len()];
    if let Some(r) = at.of(root) {
        occurs[r] = 1;
    }
    for (k, &id) in nodes.iter().enumerate().rev() {
        let small = !named[k] && id != root && !graph.op(id).is_leaf() && size[k] >= SMALLEST;
        if small && occurs[k] >= 2 && occurs[k].saturating_mul(size[k] as u64) >= MOST_INLINED {
            named[k] = true;
        }
        let writes = if named[k] { 1 } else { occurs[k] };
        for &i in graph.inputs(id) {
            if let Some(j) = at.of(i) {
                occurs[j] = occurs[j].saturating_add(writes);
            }
        }
    }
}

struct Printer<'g> {
    graph: &'g Graph,
    style: Style,
    /// `root`'s ancestors, by position: the tables below are indexed by it.
    at: Positions,
    names: Vec<Option<String>>,
    order: Vec<NodeId>,
    /// Every piece of text this printing makes (borrowed briefly, between
    /// the recursive calls that render operands).
    ropes: RefCell<Ropes>,
    /// Each node's piece, made once: a small node used in many places (too
    /// small for a `where` name) is one rope referred to from each.
    pieces: RefCell<Vec<Option<Piece>>>,
}

/// A rope from pieces: ropes, fixed strings and owned strings, e.g.
/// `cat!(self; a, " + ", b)`.
macro_rules! cat {
    ($p:expr; $($part:expr),* $(,)?) => {{
        let parts = [$(IntoDoc::into_doc($part, &$p.ropes)),*];
        $p.ropes.borrow_mut().cat(&parts)
    }};
}

trait IntoDoc {
    fn into_doc(self, ropes: &RefCell<Ropes>) -> Doc;
}

impl IntoDoc for Doc {
    fn into_doc(self, _: &RefCell<Ropes>) -> Doc {
        self
    }
}

impl IntoDoc for &'static str {
    fn into_doc(self, ropes: &RefCell<Ropes>) -> Doc {
        ropes.borrow_mut().fixed(self)
    }
}

impl IntoDoc for String {
    fn into_doc(self, ropes: &RefCell<Ropes>) -> Doc {
        ropes.borrow_mut().text(&self)
    }
}

/// Text with its precedence.
type Piece = (Doc, u8);

impl<'g> Printer<'g> {
    /// `nodes`: the ancestors of `root` (the caller has them already).
    fn new(graph: &'g Graph, root: NodeId, nodes: Vec<NodeId>, style: Style) -> Printer<'g> {
        let taken: HashSet<&str> = nodes
            .iter()
            .filter_map(|&id| if let Op::Var(name) = graph.op(id) { Some(&**name) } else { None })
            .collect();
        let at = Positions::new(nodes);
        let mut names = vec![None; at.nodes().len()];
        let pieces = RefCell::new(vec![None; at.nodes().len()]);
        let order = shared(graph, root, &at);
        let mut next = 1;
        for &id in &order {
            let name = loop {
                let candidate = format!("t{next}");
                next += 1;
                if !taken.contains(candidate.as_str()) && !graph.is_reserved(&candidate) {
                    break candidate;
                }
            };
            if let Some(k) = at.of(id) {
                names[k] = Some(name);
            }
        }
        let ropes = RefCell::new(Ropes::with_room(at.nodes().len()));
        Printer { graph, style, at, names, order, ropes, pieces }
    }

    /// The `where` name of `id`, if it has one.
    fn name(&self, id: NodeId) -> Option<&str> {
        self.at.of(id).and_then(|k| self.names[k].as_deref())
    }

    fn is_named(&self, id: NodeId) -> bool {
        self.name(id).is_some()
    }

    fn uni(&self) -> bool {
        self.style == Style::Unicode
    }

    /// `id` as an operand needing at least precedence `min`.
    fn render(&self, id: NodeId, min: u8) -> Doc {
        self.wrap(self.piece(id), min)
    }

    /// A piece as an operand needing at least precedence `min`.
    fn wrap(&self, (s, prec): Piece, min: u8) -> Doc {
        if prec < min { self.parens(s) } else { s }
    }

    fn parens(&self, d: Doc) -> Doc {
        self.ropes.borrow_mut().parens(d)
    }

    fn text(&self, s: &str) -> Doc {
        self.ropes.borrow_mut().text(s)
    }

    fn fixed(&self, s: &'static str) -> Doc {
        self.ropes.borrow_mut().fixed(s)
    }

    fn join_docs(&self, parts: Vec<Doc>, sep: &'static str) -> Doc {
        self.ropes.borrow_mut().join(parts, sep)
    }

    /// `id`'s text and precedence: its `where` name, or its own form,
    /// rendered once and then shared by every use.
    fn piece(&self, id: NodeId) -> Piece {
        let k = self.at.of(id);
        if let Some(p) = k.and_then(|k| self.pieces.borrow()[k]) {
            return p;
        }
        let p = match self.name(id) {
            Some(name) => (self.text(name), ATOM),
            None => self.node(id),
        };
        if let Some(k) = k {
            self.pieces.borrow_mut()[k] = Some(p);
        }
        p
    }

    fn node(&self, id: NodeId) -> Piece {
        let g = self.graph;
        let ins = g.inputs(id);
        let shape = g.shape(id);
        match g.op(id) {
            Op::Var(name) => (self.text(name), ATOM),
            Op::Pi => (self.fixed(if self.uni() { "π" } else { "pi" }), ATOM),
            Op::Eye => (self.text(&format!("eye({})", shape.first().copied().unwrap_or(0))), ATOM),
            Op::Num(r) => self.filled(r, shape),
            Op::Data(d) => (self.text(&self.literal(g.data_value(*d))), ATOM),
            Op::Add { coeffs, constant } => self.sum(id, coeffs, constant),
            Op::Mul { coeff, exps } => self.product(id, coeff, exps),
            Op::Pow => (cat!(self; self.render(ins[0], POSTFIX), "^", self.render(ins[1], NEG)), POW),
            Op::Fn(f) => (cat!(self; f.name(), "(", self.render(ins[0], 0), ")"), ATOM),
            Op::MatMul => (cat!(self; self.render(ins[0], MUL), " @ ", self.render(ins[1], NEG)), MUL),
            Op::Transpose => {
                let t = if self.uni() { "ᵀ" } else { "'" };
                (cat!(self; self.render(ins[0], POSTFIX), t), POSTFIX)
            }
            Op::Sum(axes) if axes.len() == g.shape(ins[0]).len() => self.call("sum", ins, &[]),
            Op::Sum(axes) => self.call("sum", ins, axes),
            Op::Reshape => self.call("reshape", ins, shape),
            Op::Index(sels) => {
                (cat!(self; self.render(ins[0], POSTFIX), "[", selection(sels, g.shape(ins[0])), "]"), POSTFIX)
            }
            Op::Stack => {
                (cat!(self; "[", self.join_docs(ins.iter().map(|&i| self.render(i, 0)).collect(), ", "), "]"), ATOM)
            }
            Op::Broadcast => match self.float_fill(ins[0]) {
                // What `float(ones(n))` reads as: one float, stretched.
                Some(r) => (cat!(self; "float(", self.filled(r, shape).0, ")"), ATOM),
                None => (cat!(self; self.render(ins[0], NEG), self.times(), self.ones(shape)), MUL),
            },
            op => self.call(&op.label(), ins, &[]),
        }
    }

    fn call(&self, name: &str, ins: &[NodeId], extra: &[usize]) -> Piece {
        let args: Vec<Doc> =
            ins.iter().map(|&i| self.render(i, 0)).chain(extra.iter().map(|d| self.text(&d.to_string()))).collect();
        let args = self.join_docs(args, ", ");
        (cat!(self; name.to_string(), "(", args, ")"), ATOM)
    }

    fn times(&self) -> &'static str {
        if self.uni() { "·" } else { "*" }
    }

    /// `r` when `id` is `float(r)` of an exact number, unnamed.
    fn float_fill(&self, id: NodeId) -> Option<&'g Rat> {
        let g = self.graph;
        if self.is_named(id) || *g.op(id) != Op::Fn(crate::ops::Func::Float) {
            return None;
        }
        g.inputs(id).first().and_then(|&x| g.as_num(x))
    }

    fn ones(&self, shape: &[usize]) -> String {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        format!("ones({})", dims.join(", "))
    }

    fn filled(&self, r: &Rat, shape: &[usize]) -> Piece {
        if shape.is_empty() {
            return self.number(r);
        }
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let dims = dims.join(", ");
        if r.is_zero() {
            (self.text(&format!("zeros({dims})")), ATOM)
        } else if r.is_one() {
            (self.text(&format!("ones({dims})")), ATOM)
        } else {
            let n = self.wrap(self.number(r), NEG);
            (cat!(self; n, self.times(), format!("ones({dims})")), MUL)
        }
    }

    /// A constant tensor as a literal. One of more than `LITERAL_MAX`
    /// elements is summarised as NumPy does (`[1, 2, 3, ..., 8, 9, 10]`):
    /// a 4000×4000 `randn` written out was 600 MB of text.
    fn literal(&self, v: &Value) -> String {
        let item = |i: usize| match v {
            Value::Exact(t) => t.data.get(i).map(format_rat).unwrap_or_default(),
            Value::Float(t) => t.data.get(i).map(|x| literal_f64(*x)).unwrap_or_default(),
        };
        let shape = v.shape();
        let summarise = shape.iter().product::<usize>() > LITERAL_MAX;
        nest(&item, shape, 0, summarise)
    }

    /// Terms print in a fixed order (positive before negative, then by
    /// text), so the output does not depend on the order nodes were made.
    fn sum(&self, id: NodeId, coeffs: &[Rat], constant: &Rat) -> Piece {
        let g = self.graph;
        let ins = g.inputs(id);
        let mut terms: Vec<(bool, Doc, Doc, bool)> = ins
            .iter()
            .zip(coeffs)
            .map(|(&t, c)| {
                let piece = self.piece(t);
                // A minus in front binds to a matrix product's left operand
                // alone, and to a product's first factor when it is a sum.
                let matmul = matches!(g.op(t), Op::MatMul) && !self.is_named(t) && c.abs().is_one();
                let binds = matmul || self.leads_with_sum(t, c);
                (c.is_negative(), piece.0, self.scaled(t, piece, &c.abs()), binds)
            })
            .collect();
        {
            let r = self.ropes.borrow();
            terms.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| r.cmp(a.1, b.1)).then_with(|| r.cmp(a.2, b.2)));
        }
        let stretched = stretched(g, id);
        let mut out = Vec::with_capacity(2 * terms.len() + 4);
        if !stretched && constant.is_positive() {
            self.push_term(&mut out, false, self.number(constant).0);
        }
        for (neg, _, body, binds) in terms {
            // A leading `-A @ v` would read back as `(-A) @ v`, and
            // `-(1 - y)*x` as `(y - 1)*x` (the minus distributes over the
            // sum it binds to).
            let body = if neg && binds && out.is_empty() { self.parens(body) } else { body };
            self.push_term(&mut out, neg, body);
        }
        if stretched {
            self.push_term(&mut out, false, self.filled(constant, g.shape(id)).0);
        } else if constant.is_negative() {
            self.push_term(&mut out, true, self.number(&constant.abs()).0);
        }
        (self.ropes.borrow_mut().cat(&out), ADD)
    }

    /// Whether the term `c·t` prints as a product whose first factor is a
    /// sum or the `where` name of one (no number before it, as `scaled`
    /// joins `c` to the product's coefficient): the factors print in
    /// `product`'s order, variables first, then by text.
    fn leads_with_sum(&self, t: NodeId, c: &Rat) -> bool {
        let g = self.graph;
        let Op::Mul { coeff, exps } = g.op(t) else { return false };
        if self.is_named(t) || !(coeff * c).abs().numer().is_one() {
            return false;
        }
        let up: Vec<(u8, Doc, NodeId, &Rat)> = g
            .inputs(t)
            .iter()
            .zip(exps.iter())
            .filter(|(_, e)| e.is_positive())
            .map(|(&f, e)| (factor_class(g, f), self.piece(f).0, f, e))
            .collect();
        let r = self.ropes.borrow();
        let first = up.iter().min_by(|a, b| factor_order(&r, (a.0, a.1), (b.0, b.1)));
        first.is_some_and(|&(_, _, f, e)| e.is_one() && matches!(g.op(f), Op::Add { .. }))
    }

    /// `|c|·t` as a term of a sum.
    fn scaled(&self, t: NodeId, piece: Piece, c: &Rat) -> Doc {
        if c.is_one() {
            return self.wrap(piece, MUL);
        }
        // `2*(1/x)` prints as `2/x`: the term's coefficient joins the
        // product's own (the text reads back as the same node).
        if let Op::Mul { coeff, exps } = self.graph.op(t)
            && !self.is_named(t)
            && coeff.is_one()
        {
            return self.wrap(self.product(t, c, exps), MUL);
        }
        let (n, d) = (c.numer(), c.denom());
        // `2*x*y` reads back as the same term, `2*A @ B` would not.
        let min = if matches!(self.graph.op(t), Op::MatMul) && !self.is_named(t) { MUL + 1 } else { MUL };
        let body = self.wrap(piece, min);
        let s = if n.is_one() { body } else { cat!(self; n.to_string(), self.times(), body) };
        if d.is_one() { s } else { cat!(self; s, "/", d.to_string()) }
    }

    fn product(&self, id: NodeId, coeff: &Rat, exps: &[Rat]) -> Piece {
        let g = self.graph;
        let ins = g.inputs(id);
        // Each factor with whether it reads back as a sum (a sum, or the
        // `where` name of one, to the power 1).
        let mut num: Vec<(Piece, bool)> = Vec::with_capacity(ins.len() + 2);
        let mut den: Vec<(Piece, bool)> = Vec::new();
        let c = coeff.abs();
        let (n, d) = (c.numer(), c.denom());
        if !n.is_one() {
            num.push(((self.text(&n.to_string()), ATOM), false));
        }
        if !d.is_one() {
            den.push(((self.text(&d.to_string()), ATOM), false));
        }
        let mut factors: Vec<(bool, u8, Piece, &Rat, NodeId)> =
            ins.iter().zip(exps).map(|(&f, e)| (e.is_negative(), factor_class(g, f), self.piece(f), e, f)).collect();
        {
            let r = self.ropes.borrow();
            factors.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| factor_order(&r, (a.1, a.2.0), (b.1, b.2.0))));
        }
        for (neg, _, piece, e, f) in factors {
            let side = if neg { &mut den } else { &mut num };
            let e = e.abs();
            side.push((self.power(piece, &e), e.is_one() && matches!(g.op(f), Op::Add { .. })));
        }
        if stretched(g, id) {
            num.push(((self.text(&self.ones(g.shape(id))), ATOM), false));
        }
        // A number times a sum is distributed (`2*(1 + x)` is `2 + 2*x`),
        // so `x/(10*(1 + y))` would read back as `x/(10 + 10*y)`: that
        // number divides on its own, `x/10/(1 + y)`; and `2*(1 + x)*y` as
        // `(2 + 2*x)*y`: a factor that is not a sum comes first,
        // `2*y*(1 + x)`, or, with none, the rest is grouped,
        // `2*((1 + x)*(1 + y))`.
        let mut divisor = (!d.is_one() && den.get(1).is_some_and(|f| f.1)).then(|| den.remove(0).0);
        let sum_next = |num: &[(Piece, bool)]| !n.is_one() && num.get(1).is_some_and(|f| f.1);
        if sum_next(&num)
            && let Some(k) = num.iter().skip(2).position(|f| !f.1)
        {
            let f = num.remove(k + 2);
            num.insert(1, f);
        }
        if sum_next(&num) && (num.len() > 2 || !den.is_empty()) {
            let rest = num.split_off(1);
            let rest = self.quotient(rest, divisor.take(), std::mem::take(&mut den));
            num.push(((self.parens(rest), ATOM), false));
        }
        let single = num.len() == 1 && den.is_empty() && divisor.is_none();
        let mut prec = if single { num[0].0.1 } else { MUL };
        // `-(x + y)/v` would read back as `(-x - y)/v` (the minus binds
        // first and distributes over the sum, named or not): negate the
        // whole product.
        let sum_first = !single && num.first().is_some_and(|f| f.1 || f.0.1 <= ADD);
        let mut s = self.quotient(num, divisor, den);
        if coeff.is_negative() {
            s = if sum_first { cat!(self; "-", self.parens(s)) } else { cat!(self; "-", s) };
            prec = prec.min(NEG);
        }
        (s, prec)
    }

    /// `a*b/k/(c*d)`: the factors (`1` when there are none), over a number
    /// `k` that divides on its own, over the other divisors. A lone sum
    /// divided by the number would be distributed too (`(1 - y)/2` is
    /// `0.5 - y/2`): the number then divides last, `(1 - y)/(1 + x)/2`.
    fn quotient(&self, num: Vec<(Piece, bool)>, divisor: Option<Piece>, den: Vec<(Piece, bool)>) -> Doc {
        let sum_alone = matches!(num.as_slice(), [(_, true)]);
        let num: Vec<Piece> = num.into_iter().map(|f| f.0).collect();
        let den: Vec<Piece> = den.into_iter().map(|f| f.0).collect();
        let mut s = if num.is_empty() { self.fixed("1") } else { self.join(num) };
        let (early, late) = if sum_alone { (None, divisor) } else { (divisor, None) };
        if let Some((k, _)) = early {
            s = cat!(self; s, "/", k);
        }
        if !den.is_empty() {
            let many = den.len() > 1;
            let d = self.join(den);
            s = if many { cat!(self; s, "/", self.parens(d)) } else { cat!(self; s, "/", d) };
        }
        if let Some((k, _)) = late {
            s = cat!(self; s, "/", k);
        }
        s
    }

    fn join(&self, factors: Vec<Piece>) -> Doc {
        let parts = factors.into_iter().map(|(s, p)| if p <= MUL { self.parens(s) } else { s }).collect();
        self.join_docs(parts, self.times())
    }

    /// Appends a term of a sum: `body`, `-body`, ` + body` or ` - body`.
    fn push_term(&self, out: &mut Vec<Doc>, negative: bool, body: Doc) {
        let sign = match (out.is_empty(), negative) {
            (true, false) => "",
            (true, true) => "-",
            (false, false) => " + ",
            (false, true) => " - ",
        };
        out.push(self.fixed(sign));
        out.push(body);
    }

    /// An exact number as the language writes it, with its precedence.
    fn number(&self, r: &Rat) -> Piece {
        let s = format_rat(r);
        let prec = if r.is_negative() {
            NEG
        } else if s.contains('/') {
            MUL
        } else {
            ATOM
        };
        (self.text(&s), prec)
    }

    /// `f^e` for a positive exponent.
    fn power(&self, piece: Piece, e: &Rat) -> Piece {
        if e.is_one() {
            return piece;
        }
        if e.is_half() {
            if self.uni() {
                return (cat!(self; "√", self.wrap(piece, POSTFIX)), POW);
            }
            return (cat!(self; "sqrt(", piece.0, ")"), ATOM);
        }
        let base = self.wrap(piece, POSTFIX);
        if self.uni() && e.is_integer() {
            return (cat!(self; base, superscript(&e.to_string())), POW);
        }
        let es = self.wrap(self.number(e), ATOM);
        (cat!(self; base, "^", es), POW)
    }
}

/// Variables (and `pi`) print before the other factors of a product.
fn factor_class(g: &Graph, f: NodeId) -> u8 {
    u8::from(!matches!(g.op(f), Op::Var(_) | Op::Pi))
}

/// The order of a product's factors on one side of its `/`: by class
/// (`factor_class`), then by text.
fn factor_order(r: &Ropes, (ca, a): (u8, Doc), (cb, b): (u8, Doc)) -> std::cmp::Ordering {
    ca.cmp(&cb).then_with(|| r.cmp(a, b))
}

/// Whether a sum or product has a shape its operands do not broadcast to
/// (it then prints a `ones(…)` or a stretched constant). A scalar never
/// does; most nodes printed are scalars, so their operands are not read.
fn stretched(g: &Graph, id: NodeId) -> bool {
    let shape = g.shape(id);
    !shape.is_empty()
        && g.inputs(id).iter().try_fold(Vec::new(), |acc, &t| broadcast(&acc, g.shape(t))).as_deref() != Some(shape)
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

/// Largest constant tensor printed in full.
const LITERAL_MAX: usize = 1000;

/// The nested literal of the elements from `offset` on, row-major; when
/// `summarise`, axes longer than 6 show their first and last 3 entries.
fn nest(item: &dyn Fn(usize) -> String, shape: &[usize], offset: usize, summarise: bool) -> String {
    match shape.split_first() {
        None => item(offset),
        Some((&n, rest)) => {
            let chunk: usize = rest.iter().product();
            let part = |k: usize| nest(item, rest, offset + k * chunk, summarise);
            let parts: Vec<String> = if summarise && n > 6 {
                (0..3).map(part).chain(["...".to_string()]).chain((n - 3..n).map(part)).collect()
            } else {
                (0..n).map(part).collect()
            };
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

/// `1:3, 0` for the selection of an index node from a value of `shape`.
pub fn selection(sels: &[Sel], shape: &[usize]) -> String {
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
