//! Sums, products, powers, `max` and `min`: elementwise with broadcasting.
//! Their canonical forms live in `simplify`; here are the general power,
//! `max`/`min` builders, the numeric rules and the `bprop`s.

use super::{Func, Op, two};
use crate::error::{Error, Result, Span};
use crate::eval::value::{Rat, Value};
use crate::graph::{Graph, NodeId};
use crate::simplify::{broadcast_shapes, exact_pow, rat};
use num_traits::{One, ToPrimitive};

impl Graph {
    /// `a ^ b`: a number exponent goes into the product normal form.
    pub fn pow(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        if let Some(e) = self.as_num(b).cloned() {
            let shape = broadcast_shapes(self.shape(a), self.shape(b))?;
            let p = self.powr(a, e)?;
            return Ok(self.broadcast_to(p, shape));
        }
        let shape = broadcast_shapes(self.shape(a), self.shape(b))?;
        if self.as_num(a).is_some_and(One::is_one) {
            return Ok(self.filled(rat(1), shape));
        }
        Ok(self.intern(Op::Pow, [a, b], shape))
    }

    pub fn max(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.extremum(Op::Max, a, b)
    }

    pub fn min(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.extremum(Op::Min, a, b)
    }

    fn extremum(&mut self, op: Op, a: NodeId, b: NodeId) -> Result<NodeId> {
        let shape = broadcast_shapes(self.shape(a), self.shape(b))?;
        if a == b {
            return Ok(self.broadcast_to(a, shape));
        }
        if let (Some(x), Some(y)) = (self.as_num(a), self.as_num(b)) {
            let pick_a = if op == Op::Max { x >= y } else { x <= y };
            let r = if pick_a { x.clone() } else { y.clone() };
            return Ok(self.filled(r, shape));
        }
        Ok(self.intern(op, [a, b], shape))
    }
}

pub fn eval(op: &Op, shape: &[usize], args: &[&Value]) -> Result<Value, String> {
    match op {
        Op::Add { coeffs, constant } => eval_sum(coeffs, constant, shape, args),
        Op::Mul { coeff, exps } => eval_product(coeff, exps, shape, args),
        Op::Pow => {
            let (a, b) = two(args)?;
            a.zip(b, exact_pow_value, f64::powf)
        }
        Op::Max => {
            let (a, b) = two(args)?;
            a.zip(b, |x, y| Ok(Some(if x >= y { x.clone() } else { y.clone() })), f64_max)
        }
        Op::Min => {
            let (a, b) = two(args)?;
            a.zip(b, |x, y| Ok(Some(if x <= y { x.clone() } else { y.clone() })), f64_min)
        }
        _ => Err(format!("{} is not arithmetic", op.label())),
    }
}

/// The f64 value of a scalar arithmetic node from f64 scalar operands,
/// computed as the fused tensor loops below compute each element (so the
/// two agree to the bit); `None` for an op that is not arithmetic.
pub fn eval_f64(op: &Op, xs: &[f64]) -> Option<f64> {
    Some(match (op, xs) {
        (Op::Add { coeffs, constant }, [x0, rest @ ..]) => {
            let mut out = f64_of(constant) + f64_of(&coeffs[0]) * x0;
            for (x, c) in rest.iter().zip(&coeffs[1..]) {
                match f64_of(c) {
                    1.0 => out += x,
                    -1.0 => out -= x,
                    c => out += c * x,
                }
            }
            out
        }
        (Op::Mul { coeff, exps }, [x0, rest @ ..]) => {
            let mut out = f64_of(coeff) * pow_f64(*x0, f64_of(&exps[0]));
            for (&x, e) in rest.iter().zip(&exps[1..]) {
                out *= pow_f64(x, f64_of(e));
            }
            out
        }
        (Op::Pow, [a, b]) => a.powf(*b),
        (Op::Max, [a, b]) => f64_max(*a, *b),
        (Op::Min, [a, b]) => f64_min(*a, *b),
        _ => return None,
    })
}

fn f64_of(r: &Rat) -> f64 {
    r.to_f64().unwrap_or(f64::NAN)
}

/// `max` that propagates NaN, as NumPy's `maximum` does.
fn f64_max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x >= y {
        x
    } else {
        y
    }
}

fn f64_min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x <= y {
        x
    } else {
        y
    }
}

fn exact_pow_value(x: &Rat, y: &Rat) -> Result<Option<Rat>, String> {
    exact_pow(x, y).map_err(|e| e.message)
}

/// Operands of a fused f64 pass: every one f64, of the output's shape or
/// a single element (the common case: no broadcasting strides).
fn fusable<'v>(shape: &[usize], args: &[&'v Value]) -> Option<Vec<(&'v [f64], bool)>> {
    let n = crate::graph::shape::numel(shape);
    args.iter()
        .map(|v| match v {
            Value::Float(t) if t.shape == shape => Some((&t.data[..], true)),
            Value::Float(t) if t.data.len() == 1 && n != 1 => Some((&t.data[..], false)),
            _ => None,
        })
        .collect()
}

/// `x ^ e` for the exponents sums and products use most, without `powf`.
fn pow_f64(x: f64, e: f64) -> f64 {
    match e {
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        -1.0 => 1.0 / x,
        -2.0 => 1.0 / (x * x),
        0.5 => x.sqrt(),
        _ if e == e.trunc() && e.abs() < 1024.0 => x.powi(e as i32),
        _ => x.powf(e),
    }
}

fn eval_sum(coeffs: &[Rat], constant: &Rat, shape: &[usize], args: &[&Value]) -> Result<Value, String> {
    if let Some(ops) = fusable(shape, args) {
        // One output buffer, each operand added into it in one pass.
        let n = crate::graph::shape::numel(shape);
        let k = f64_of(constant);
        let first = ops.iter().zip(coeffs).position(|(o, _)| o.1);
        // The first full operand starts the buffer (no separate fill pass).
        let mut out = match first {
            Some(j) => {
                let c = f64_of(&coeffs[j]);
                ops[j].0.iter().map(|x| k + c * x).collect()
            }
            None => vec![k; n],
        };
        for (j, ((x, full), c)) in ops.iter().zip(coeffs).enumerate() {
            if Some(j) == first {
                continue;
            }
            let c = f64_of(c);
            match (*full, c) {
                (true, 1.0) => out.iter_mut().zip(*x).for_each(|(o, x)| *o += x),
                (true, -1.0) => out.iter_mut().zip(*x).for_each(|(o, x)| *o -= x),
                (true, _) => out.iter_mut().zip(*x).for_each(|(o, x)| *o += c * x),
                (false, _) => {
                    let y = c * x[0];
                    out.iter_mut().for_each(|o| *o += y);
                }
            }
        }
        return Ok(Value::from_f64(shape, out));
    }
    let mut acc = Value::filled(constant, &[]);
    for (v, c) in args.iter().zip(coeffs) {
        acc = if c.is_one() {
            acc.zip(v, |x, y| Ok(Some(x + y)), |x, y| x + y)?
        } else if *c == -Rat::one() {
            acc.zip(v, |x, y| Ok(Some(x - y)), |x, y| x - y)?
        } else {
            let cf = f64_of(c);
            acc.zip(v, |x, y| Ok(Some(x + c * y)), |x, y| x + cf * y)?
        };
    }
    acc.broadcast_to(shape)
}

/// `Σ cᵢ·tᵢ + c` where the terms flagged in `outers` are outer products
/// given by their two vectors (two entries of `args` each). For f64
/// matrices it is one pass over the output, row by row: W2's weight
/// gradient `W/50 + outer(δ, h)` read W once and wrote once, instead of
/// three passes over n² elements and a temporary.
///
/// `row_sums` asks for `Σᵢ vᵢ·Mᵢ` as well (the rows `Mᵢ` of the term
/// numbered `term`, a matrix, weighted by `v`): back-propagation's `M' @ v`
/// through the same matrix, computed in the same pass over it, so that W2's
/// backward step reads each weight matrix once. `None` in the answer when
/// the pass could not do it (exact values).
pub fn eval_sum_with_outers(
    coeffs: &[Rat],
    constant: &Rat,
    shape: &[usize],
    outers: &[bool],
    args: &[&Value],
    row_sums: Option<(usize, &Value)>,
) -> Result<Fused, String> {
    enum Term<'v> {
        Plain(&'v Value),
        Outer(&'v Value, &'v Value),
    }
    let mut terms = Vec::with_capacity(outers.len());
    let mut rest = args.iter();
    for &outer in outers {
        let mut next = || rest.next().copied().ok_or_else(|| "missing argument".to_string());
        terms.push(if outer { Term::Outer(next()?, next()?) } else { Term::Plain(next()?) });
    }
    fn f64s(v: &Value) -> Option<&[f64]> {
        match v {
            Value::Float(t) => Some(t.data.as_slice()),
            Value::Exact(_) => None,
        }
    }
    let fused = match shape {
        [m, n] => terms.iter().all(|t| match t {
            Term::Plain(v) => f64s(v).is_some_and(|d| v.shape() == shape || d.len() == 1),
            Term::Outer(a, b) => f64s(a).is_some_and(|d| d.len() == *m) && f64s(b).is_some_and(|d| d.len() == *n),
        }),
        _ => false,
    };
    if !fused {
        let owned: Vec<Value> = terms
            .iter()
            .map(|t| match t {
                Term::Plain(v) => Ok((*v).clone()),
                Term::Outer(a, b) => a.outer(b),
            })
            .collect::<Result<_, String>>()?;
        let refs: Vec<&Value> = owned.iter().collect();
        return Ok(Fused { value: eval_sum(coeffs, constant, shape, &refs)?, row_sums: None, finite: false });
    }
    let (m, n) = (shape[0], shape[1]);
    // The matrix and weights of the row sums asked for, when f64.
    let summed = row_sums.and_then(|(term, v)| match (terms.get(term), f64s(v)) {
        (Some(Term::Plain(w)), Some(v)) if w.shape() == shape && v.len() == m => Some((f64s(w)?, v)),
        _ => None,
    });
    let partials = std::sync::Mutex::new(Vec::new());
    let c: Vec<f64> = coeffs.iter().map(f64_of).collect();
    let mut base = f64_of(constant);
    for (t, c) in terms.iter().zip(&c) {
        if let Term::Plain(v) = t
            && v.shape() != shape
        {
            base += c * f64s(v).and_then(|d| d.first()).copied().unwrap_or(f64::NAN);
        }
    }
    // The f64 data of each full-size term (a matrix, or an outer product's
    // two vectors), so that rows can be filled on several threads.
    enum Rows<'d> {
        Full(&'d [f64]),
        Outer(&'d [f64], &'d [f64]),
    }
    let mut rows: Vec<(Rows, f64)> = terms
        .iter()
        .zip(&c)
        .filter_map(|(t, &c)| match t {
            Term::Plain(v) if v.shape() == shape => Some((Rows::Full(f64s(v)?), c)),
            Term::Plain(_) => None,
            Term::Outer(a, b) => Some((Rows::Outer(f64s(a)?, f64s(b)?), c)),
        })
        .collect();
    // Many outer products (a gradient through time, `Σₜ outer(δₜ, hₜ₋₁)`)
    // are one matrix product `Aᵀ B` of the stacked vectors: a kernel that
    // blocks for the cache, instead of a short pass per term and row.
    let outers = rows.iter().filter(|(r, _)| matches!(r, Rows::Outer(..))).count();
    let stacked = (outers >= STACK_OUTERS).then(|| {
        let (mut a, mut b) = (Vec::with_capacity(outers * m), Vec::with_capacity(outers * n));
        for (r, c) in &rows {
            if let Rows::Outer(x, y) = r {
                a.extend(x.iter().map(|x| c * x));
                b.extend_from_slice(y);
            }
        }
        rows.retain(|(r, _)| !matches!(r, Rows::Outer(..)));
        (a, b)
    });
    let work = m * n * rows.len().max(1);
    // Each row checked for NaN and infinities while it is in the cache
    // (evaluation checks every value, and a second pass over W2's weight
    // gradients read 32 MB again); not when outers are added after.
    let check_rows = stacked.is_none();
    let not_finite = std::sync::atomic::AtomicBool::new(false);
    let fill = |i0: usize, block: &mut [crate::eval::kernels::Uninit]| {
        let mut part = vec![0.0; if summed.is_some() { n } else { 0 }];
        for (i, row) in (i0..).zip(block.chunks_mut(n.max(1))) {
            let row = crate::eval::kernels::start_row(row, base);
            if let Some((w, v)) = summed {
                let (wi, vi) = (w.get(i * n..(i + 1) * n).unwrap_or(&[]), v.get(i).copied().unwrap_or(f64::NAN));
                part.iter_mut().zip(wi).for_each(|(p, w)| *p += vi * w);
            }
            for (t, c) in &rows {
                match t {
                    Rows::Full(x) => {
                        let x = x.get(i * n..(i + 1) * n).unwrap_or(&[]);
                        row.iter_mut().zip(x).for_each(|(o, x)| *o += c * x);
                    }
                    Rows::Outer(a, b) => {
                        let s = c * a.get(i).copied().unwrap_or(f64::NAN);
                        row.iter_mut().zip(b.iter()).for_each(|(o, y)| *o += s * y);
                    }
                }
            }
            if check_rows && crate::eval::kernels::sum_f64_scaled_zero(row).is_nan() {
                not_finite.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        if summed.is_some()
            && let Ok(mut partials) = partials.lock()
        {
            partials.push((i0, part));
        }
    };
    // SAFETY: `fill` starts each row of each block with `start_row`.
    let mut out = unsafe { crate::eval::kernels::new_rows(m * n, n, work, fill) };
    if let Some((a, b)) = stacked {
        crate::eval::kernels::add_stacked_outers(&mut out, (m, n), outers, &a, &b);
    }
    // Each block's sums, added in the order of the blocks (whichever
    // thread finished first), so the result does not vary between runs.
    let sums = summed.map(|_| {
        let mut partials = partials.into_inner().unwrap_or_default();
        partials.sort_by_key(|(i0, _)| *i0);
        let mut parts = partials.into_iter().map(|(_, p)| p);
        let first = parts.next().unwrap_or_else(|| vec![0.0; n]);
        parts.fold(first, |mut acc, p| {
            acc.iter_mut().zip(&p).for_each(|(a, p)| *a += p);
            acc
        })
    });
    let finite = check_rows && !not_finite.into_inner();
    Ok(Fused { value: Value::from_f64(shape, out), row_sums: sums, finite })
}

/// What `eval_sum_with_outers` made: the sum, the row sums asked for, and
/// whether every element of the sum is known to be finite (checked as it
/// was made; `false` when not checked).
pub struct Fused {
    pub value: Value,
    pub row_sums: Option<Vec<f64>>,
    pub finite: bool,
}

/// Outer products in a sum from which they are added as one matrix product.
const STACK_OUTERS: usize = 8;

fn eval_product(coeff: &Rat, exps: &[Rat], shape: &[usize], args: &[&Value]) -> Result<Value, String> {
    if let Some(ops) = fusable(shape, args) {
        // One output buffer, each factor multiplied into it in one pass.
        let n = crate::graph::shape::numel(shape);
        let k = f64_of(coeff);
        let first = ops.iter().position(|o| o.1);
        // The first full factor starts the buffer (no separate fill pass).
        let mut out = match first {
            Some(j) => {
                let e = f64_of(&exps[j]);
                ops[j].0.iter().map(|&x| k * pow_f64(x, e)).collect()
            }
            None => vec![k; n],
        };
        for (j, ((x, full), e)) in ops.iter().zip(exps).enumerate() {
            if Some(j) == first {
                continue;
            }
            let e = f64_of(e);
            if *full {
                out.iter_mut().zip(*x).for_each(|(o, &x)| *o *= pow_f64(x, e));
            } else {
                let y = pow_f64(x[0], e);
                out.iter_mut().for_each(|o| *o *= y);
            }
        }
        return Ok(Value::from_f64(shape, out));
    }
    let mut acc = Value::filled(coeff, &[]);
    for (v, e) in args.iter().zip(exps) {
        let powered;
        let v = if e.is_one() {
            *v
        } else {
            powered = power(v, e)?;
            &powered
        };
        acc = acc.zip(v, |x, y| Ok(Some(x * y)), |x, y| x * y)?;
    }
    acc.broadcast_to(shape)
}

/// `v ^ e` elementwise for a rational exponent, exact where possible.
pub fn power(v: &Value, e: &Rat) -> Result<Value, String> {
    let ef = f64_of(e);
    if *e == -Rat::one() {
        return v.map(
            |x| {
                if x.is_zero() { Err("division by zero".into()) } else { Ok(Some(x.recip())) }
            },
            |x| 1.0 / x,
        );
    }
    if e.is_integer() {
        let n = e.to_i32().unwrap_or(i32::MAX);
        return v.map(|x| exact_pow(x, e).map_err(|err| err.message), move |x| x.powi(n));
    }
    if let Value::Exact(t) = v
        && t.data.iter().any(|x| super::elementwise::big_ln(x).is_some())
    {
        // A number beyond f64: its root exact when it is one (`sqrt(10^400)`
        // is 10^200), else from the number scaled into f64's range
        // (`sqrt(10^401)` is 3.2e200); converted first, it was `inf`.
        let roots = t.data.iter().map(|x| exact_pow(x, e).map_err(|err| err.message)).collect::<Result<Vec<_>, _>>()?;
        if let Some(exact) = roots.iter().cloned().collect::<Option<Vec<Rat>>>() {
            return Ok(Value::Exact(crate::eval::value::Tensor::new(t.shape.clone(), exact)));
        }
        let data = t.data.iter().zip(roots).map(|(x, root)| match root {
            Some(r) => crate::eval::rat::rat_to_f64(&r),
            None => power_beyond_f64(x, e),
        });
        return Ok(Value::from_f64(&t.shape, data.collect()));
    }
    if e.is_half() {
        return v.map(|x| exact_pow(x, e).map_err(|err| err.message), f64::sqrt);
    }
    v.map(|x| exact_pow(x, e).map_err(|err| err.message), move |x| x.powf(ef))
}

/// `x ^ e` in f64 for an exact `x` that may be beyond f64's range: `x` is
/// `m·2^k` with `k` a multiple of `e`'s denominator `q`, so that `m` fits
/// in f64 and `2^(k·e)` is an exact power of two: a few ulp, where going
/// through `ln(x)` lost about `|e·ln x|` ulp (3.5e-14 at `10^400`).
fn power_beyond_f64(x: &Rat, e: &Rat) -> f64 {
    let (p, q) = (e.numer().to_i64(), e.denom().to_i64());
    let (Some(p), Some(q)) = (p, q) else { return crate::eval::rat::rat_to_f64(x).powf(f64_of(e)) };
    if !x.is_positive() || q <= 0 {
        return crate::eval::rat::rat_to_f64(x).powf(f64_of(e));
    }
    if q > 512 {
        // `m` up to 2^q would not fit: through the logarithm.
        return super::elementwise::big_ln(x).map_or(f64::NAN, |l| (f64_of(e) * l).exp());
    }
    let (n, d) = (x.numer(), x.denom());
    let log2 = n.bits() as i64 - d.bits() as i64;
    let k = log2.div_euclid(q) * q;
    let shift = |b: &num_bigint::BigInt, by: i64| -> num_bigint::BigInt { b << usize::try_from(by).unwrap_or(0) };
    let m = if k >= 0 { Rat::new(n, shift(&d, k)) } else { Rat::new(shift(&n, -k), d) };
    let scaled = crate::eval::rat::rat_to_f64(&m).powf(f64_of(e));
    // `2^(k·p/q)` in two halves, so that neither overflows before the
    // product is known.
    let two_to = (k / q).saturating_mul(p);
    let half = i32::try_from(two_to / 2).unwrap_or(if two_to < 0 { i32::MIN / 2 } else { i32::MAX / 2 });
    let rest = i32::try_from(two_to - i64::from(half)).unwrap_or(half);
    scaled * 2f64.powi(half) * 2f64.powi(rest)
}

pub fn bprop(graph: &mut Graph, op: &Op, node: NodeId, which: usize, g: NodeId) -> Result<NodeId> {
    let x = graph.inputs(node).get(which).copied().ok_or_else(|| internal("input out of range"))?;
    // Copied only by the rules that read the other operands (the sum's
    // edge, the most common, does not).
    let inputs = |graph: &Graph| graph.inputs(node).to_vec();
    let local = match op {
        Op::Add { coeffs, .. } => {
            let c = coeffs.get(which).cloned().ok_or_else(|| internal("coefficient"))?;
            graph.scale(g, c)?
        }
        Op::Mul { coeff, exps } => {
            let inputs = inputs(graph);
            // ∂/∂xᵢ of k·Π xⱼ^eⱼ is k·eᵢ·xᵢ^(eᵢ-1)·Π_{j≠i} xⱼ^eⱼ.
            let mut factors: Vec<(NodeId, Rat)> = inputs.iter().copied().zip(exps.iter().cloned()).collect();
            let e = factors[which].1.clone();
            factors[which].1 = &e - rat(1);
            factors.push((g, rat(1)));
            graph.product(coeff * e, &factors)?
        }
        Op::Pow => pow_bprop(graph, node, &inputs(graph), which, g)?,
        Op::Max | Op::Min => {
            let inputs = inputs(graph);
            // Ties send the gradient to the first operand (SPEC §2).
            let (a, b) = (inputs[0], inputs[1]);
            let d = if *op == Op::Max { graph.sub(b, a)? } else { graph.sub(a, b)? };
            let other_wins = graph.func(Func::Step, d)?;
            let mask = if which == 0 {
                graph.sum(&[(other_wins, rat(-1))]).and_then(|m| {
                    let one = graph.int(1);
                    graph.add(m, one)
                })?
            } else {
                other_wins
            };
            graph.mul(g, mask)?
        }
        _ => return Err(internal("not arithmetic")),
    };
    let shape = graph.shape(x).to_vec();
    graph.unbroadcast(local, &shape)
}

fn pow_bprop(graph: &mut Graph, node: NodeId, inputs: &[NodeId], which: usize, g: NodeId) -> Result<NodeId> {
    let (a, b) = (inputs[0], inputs[1]);
    if which == 0 {
        // b·a^(b-1), written as b·(a^b)/a would fail at a = 0.
        let one = graph.int(1);
        let bm1 = graph.sub(b, one)?;
        let p = graph.pow(a, bm1)?;
        graph.product(rat(1), &[(g, rat(1)), (b, rat(1)), (p, rat(1))])
    } else if graph.is_zero(a) {
        // `0^b` is 0 wherever it has a value (b > 0): so is its slope,
        // where `0^b·log(0)` would be 0·(-inf), NaN.
        Ok(graph.zeros(graph.shape(node).to_vec()))
    } else {
        let la = graph.func(Func::Log, a)?;
        graph.product(rat(1), &[(g, rat(1)), (node, rat(1)), (la, rat(1))])
    }
}

pub(crate) fn internal(what: &str) -> Error {
    Error::new(crate::error::ErrorKind::Usage, Span::default(), format!("internal error in a derivative rule: {what}"))
}
