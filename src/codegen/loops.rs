//! Statements over flat `f64` arrays with explicit loops, shared by the Rust
//! and C emitters: the languages differ only in declarations, loop headers
//! and math-function names (`Dialect`), so each op's loop is written once.
//!
//! Each statement follows the evaluator's arithmetic (sums start from the
//! constant, products from the coefficient, reductions left to right), so
//! the numbers agree with `:eval` to rounding.

use super::{Plan, Storage};
use crate::graph::NodeId;
use crate::graph::shape::Sel;
use crate::ops::{Func, Op};

/// What differs between the flat-array languages.
pub trait Dialect {
    fn lit(&self, x: f64) -> String;
    /// `for (VAR = 0; VAR < n; VAR++) {`
    fn for_open(&self, var: &str, n: usize) -> String;
    /// A zeroed array of `n` elements.
    fn array(&self, name: &str, n: usize) -> String;
    /// A constant array.
    fn consts(&self, name: &str, data: &[f64]) -> String;
    /// A scalar that later statements update (`acc`).
    fn mut_scalar(&self, name: &str, init: &str) -> String;
    fn scalar(&self, name: &str, expr: &str) -> String;
    /// `c ? a : b`
    fn cond(&self, c: &str, a: &str, b: &str) -> String;
    /// A math function (`exp`, `log`, `powi`, `sg_sigmoid`, ...) applied.
    fn call(&self, f: &str, args: &[String]) -> String;
    /// The whole source around the body lines.
    fn wrap(&self, plan: &Plan, body: Vec<String>) -> String;
}

/// The source of `plan` in a flat-array language.
pub fn emit(plan: &Plan, d: &dyn Dialect) -> String {
    let mut body = Vec::new();
    for &id in &plan.steps {
        let mut e = Emitter { plan, d, out: Vec::new() };
        e.step(id);
        body.extend(e.out);
    }
    d.wrap(plan, body)
}

pub(super) struct Emitter<'a> {
    pub(super) plan: &'a Plan<'a>,
    pub(super) d: &'a dyn Dialect,
    out: Vec<String>,
}

impl Emitter<'_> {
    pub(super) fn line(&mut self, depth: usize, s: String) {
        self.out.push(format!("{}{s}", "    ".repeat(depth)));
    }

    /// Element `idx` (an index expression) of a node's storage.
    pub(super) fn at(&self, id: NodeId, idx: &str) -> String {
        match &self.plan.storage[&id] {
            Storage::Inline(x) => self.d.lit(*x),
            Storage::Scalar(n) => n.clone(),
            Storage::Array(n) => format!("{n}[{idx}]"),
        }
    }

    /// Element `var` of `id` broadcast (NumPy rules) to `out` shape.
    fn at_bcast(&self, id: NodeId, out: &[usize], var: &str) -> String {
        let shape = self.plan.shape(id);
        if shape == out {
            return self.at(id, var);
        }
        self.at(id, &bcast_index(shape, out, var))
    }

    fn step(&mut self, id: NodeId) {
        let plan = self.plan;
        let g = plan.graph;
        let ins = g.inputs(id).to_vec();
        let op = g.op(id).clone();
        let out = plan.shape(id).to_vec();
        // A scalar has no loop: its one element is element 0.
        let v = if out.is_empty() { "0" } else { "_i" };
        let e = match &op {
            Op::Add { .. } | Op::Mul { .. } | Op::Pow | Op::Fn(_) | Op::Max | Op::Min => {
                let mut terms: Vec<String> = ins.iter().map(|&i| self.at_bcast(i, &out, v)).collect();
                match (&op, crate::eval::run::placing_unit(g, id)) {
                    // Placed where the unit vector is 1, as evaluation does:
                    // `0 * inf` would be NaN in the other elements.
                    (Op::Mul { coeff, exps }, Some(u)) => {
                        let unit = terms.remove(u);
                        let mut exps = exps.to_vec();
                        exps.remove(u);
                        let rest = Op::Mul { coeff: coeff.clone(), exps: exps.into() };
                        let placed = if terms.is_empty() { "1.0".to_string() } else { self.elementwise(&rest, &terms) };
                        self.d.cond(&format!("{unit} != 0.0"), &placed, "0.0")
                    }
                    _ => self.elementwise(&op, &terms),
                }
            }
            Op::Broadcast => self.at_bcast(ins[0], &out, v),
            Op::Transpose => {
                let (m, n) = (out[1], out[0]);
                self.at(ins[0], &format!("(_i % {m}) * {n} + _i / {m}"))
            }
            Op::Outer => {
                let n = plan.len(ins[1]);
                format!("{} * {}", self.at(ins[0], &format!("_i / {n}")), self.at(ins[1], &format!("_i % {n}")))
            }
            Op::Index(sels) => self.at(ins[0], &index_expr(sels, plan.shape(ins[0]), &out, v)),
            Op::Eye => self.d.cond(&format!("_i % {} == 0", out[0] + 1), "1.0", "0.0"),
            Op::MatMul => return self.matmul(id, ins[0], ins[1]),
            Op::Sum(axes) => return self.sum(id, ins[0], axes),
            Op::Prod | Op::Norm | Op::Trace => return self.fold(id, &op, ins[0]),
            Op::LogSumExp => return self.logsumexp(id, ins[0]),
            Op::Softmax => return self.softmax(id, ins[0]),
            Op::Diag => return self.diag(id, ins[0]),
            Op::Stack => return self.stack(id, &ins),
            Op::Data(_) => {
                let s = self.d.consts(plan.name(id), &super::data(g, id));
                self.line(0, s);
                return;
            }
            Op::Reshape | Op::Var(_) | Op::Num(_) | Op::Pi => return,
        };
        self.fill(id, &e);
    }

    /// Declares `id` and sets each element `_i` to `e` (a scalar to `e`).
    fn fill(&mut self, id: NodeId, e: &str) {
        let name = self.plan.name(id).to_string();
        if self.plan.shape(id).is_empty() {
            let s = self.d.scalar(&name, e);
            self.line(0, s);
            return;
        }
        let n = self.plan.len(id);
        let (decl, head) = (self.d.array(&name, n), self.d.for_open("_i", n));
        self.line(0, decl);
        self.line(0, head);
        self.line(1, format!("{name}[_i] = {e};"));
        self.line(0, "}".into());
    }

    fn elementwise(&self, op: &Op, t: &[String]) -> String {
        match op {
            Op::Add { coeffs, constant } => {
                let mut s = if constant.is_zero() { String::new() } else { self.rat(constant) };
                for (term, c) in t.iter().zip(coeffs.iter()) {
                    let sign = if c.is_negative() { " - " } else { " + " };
                    let body = if c.abs().is_one() { term.clone() } else { format!("{} * {term}", self.rat(&c.abs())) };
                    if s.is_empty() {
                        s = if c.is_negative() { format!("-{body}") } else { body };
                    } else {
                        s = format!("{s}{sign}{body}");
                    }
                }
                s
            }
            Op::Mul { coeff, exps } => {
                let mut s = if coeff.abs().is_one() { String::new() } else { self.rat(&coeff.abs()) };
                for (f, e) in t.iter().zip(exps.iter()) {
                    let (times, part) = self.power(f, e);
                    s = if s.is_empty() && times == " * " {
                        part
                    } else if s.is_empty() {
                        format!("1.0{times}{part}")
                    } else {
                        format!("{s}{times}{part}")
                    };
                }
                if coeff.is_negative() { format!("-({s})") } else { s }
            }
            Op::Pow => self.d.call("powf", &[t[0].clone(), t[1].clone()]),
            Op::Fn(Func::Float) => t[0].clone(),
            Op::Fn(f) => self.d.call(func_name(*f), &[t[0].clone()]),
            Op::Max => self.d.call("sg_max", &[t[0].clone(), t[1].clone()]),
            Op::Min => self.d.call("sg_min", &[t[0].clone(), t[1].clone()]),
            _ => String::new(),
        }
    }

    /// A factor `f^e` of a product, as the operator joining it and the text.
    fn power(&self, f: &str, e: &crate::eval::value::Rat) -> (&'static str, String) {
        let half = crate::simplify::rat(1) / crate::simplify::rat(2);
        if e.is_one() {
            (" * ", f.to_string())
        } else if *e == -crate::simplify::rat(1) {
            (" / ", f.to_string())
        } else if *e == half {
            (" * ", self.d.call("sqrt", &[f.to_string()]))
        } else if *e == -half {
            (" / ", self.d.call("sqrt", &[f.to_string()]))
        } else if e.is_integer() && e.small().is_some_and(|(n, _)| i32::try_from(n).is_ok()) {
            (" * ", self.d.call("powi", &[f.to_string(), e.to_string()]))
        } else {
            (" * ", self.d.call("powf", &[f.to_string(), self.rat(e)]))
        }
    }

    /// A rational as this language's f64 literal (`f64::INFINITY` in Rust
    /// for one beyond f64, where C has its macro).
    fn rat(&self, r: &crate::eval::value::Rat) -> String {
        self.d.lit(crate::eval::rat::rat_to_f64(r))
    }
}

/// Digit `k` of the flat index `var` in `shape` (row-major).
pub fn digit(shape: &[usize], k: usize, var: &str) -> String {
    let stride: usize = shape[k + 1..].iter().product();
    let q = if stride == 1 { var.to_string() } else { format!("{var} / {stride}") };
    if k == 0 { q } else { format!("({q} % {})", shape[k]) }
}

/// The flat index into a value of `shape` broadcast to `out`, for the flat
/// index `var` of `out`.
pub fn bcast_index(shape: &[usize], out: &[usize], var: &str) -> String {
    let lead = out.len() - shape.len();
    let mut terms = Vec::new();
    for (k, &d) in shape.iter().enumerate() {
        if d == 1 {
            continue;
        }
        let stride: usize = shape[k + 1..].iter().product();
        terms.push(format!("{} * {stride}", digit(out, lead + k, var)));
    }
    if terms.is_empty() { "0".into() } else { terms.join(" + ") }
}

/// The flat index into a value of shape `shape` of the element that
/// `sels` (`Op::Index`) puts at flat index `var` of the result `out`.
pub fn index_expr(sels: &[Sel], shape: &[usize], out: &[usize], var: &str) -> String {
    let mut axis = 0;
    let mut terms = Vec::new();
    for k in 0..shape.len() {
        let stride: usize = shape[k + 1..].iter().product();
        let pos = match sels.get(k) {
            Some(Sel::At(p)) => p.to_string(),
            Some(Sel::Range { start, step, .. }) => {
                let d = digit(out, axis, var);
                let d = if d.contains(' ') && !d.starts_with('(') { format!("({d})") } else { d };
                axis += 1;
                match *step {
                    1 if *start == 0 => d,
                    s if s >= 0 => format!("({start} + {s} * {d})"),
                    s => format!("({start} - {} * {d})", -s),
                }
            }
            None => {
                axis += 1;
                digit(out, axis - 1, var)
            }
        };
        terms.push(if stride == 1 { pos } else { format!("{pos} * {stride}") });
    }
    if terms.is_empty() { "0".into() } else { terms.join(" + ") }
}

/// The math-function name the dialects map (`sg_` ones are helpers).
fn func_name(f: Func) -> &'static str {
    match f {
        Func::Sign => "sg_sign",
        Func::Step => "sg_step",
        Func::Sigmoid => "sg_sigmoid",
        Func::Relu => "sg_relu",
        Func::Softplus => "sg_softplus",
        Func::Float => "",
        // The rest have the C and Rust math library's own names.
        f => f.name(),
    }
}
