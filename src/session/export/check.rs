//! `:check`: the symbolic derivative against central finite differences at
//! the current values, element by element, like `torch.autograd.gradcheck`
//! but on the simplified symbolic result.
//!
//! The step for element `x` is `h = ∛ε · max(1, |x|)` (about `6e-6` for
//! `|x| ≤ 1`): a central difference has truncation error `O(h²)` and
//! rounding error `O(ε/h)`, balanced when `h ~ ∛ε`, which leaves about
//! `ε^(2/3) ≈ 4e-11` relative error for well-scaled functions. The scale
//! factor keeps `x ± h` distinct from `x` for large `|x|`. The difference is
//! divided by the width actually stepped, `(x + h) - (x - h)`, which is
//! exact in f64, not by `2h`.
//!
//! Where that step disagrees with the symbolic value, smaller steps (and,
//! for a point near zero, one that stays on its side of zero: `sqrt`,
//! `log`) are tried; a step counts when it agrees with the symbolic value
//! and with the difference at half the step (it has settled), so that
//! `sin(1e4*x)` or `sqrt(x)` at `1e-10` are not reported as mismatches
//! for a step too wide for them.

use super::Session;
use crate::error::{Error, ErrorKind, Result, Span};
use crate::eval::format::format_f64;
use crate::eval::value::Value;
use crate::graph::NodeId;
use crate::graph::shape::numel;
use crate::output::Item;

/// Largest relative error (`rel_error`) still called `ok`.
pub const TOLERANCE: f64 = 1e-5;

/// Largest variable checked (two evaluations of `f` per element).
const MAX_ELEMENTS: usize = 4096;

/// Narrower steps tried for an element that disagrees, and elements that
/// may try them: a derivative that is wrong everywhere costs a few times
/// the first check, not ten times.
const MAX_NARROWER: usize = 10;
const MAX_NARROWED: usize = 64;

/// Rows shown in full; beyond that, the worst ones.
const MAX_ROWS: usize = 16;
const WORST_ROWS: usize = 8;

/// The report comparing `sym` (the symbolic `∂f/∂v` evaluated) with finite
/// differences of `f` in the variable `v` (node `var`).
pub(super) fn compare(s: &Session, f: NodeId, var: NodeId, v: &str, sym: &Value, span: Span) -> Result<Item> {
    let x0 = s.env.value(v).ok_or_else(|| Error::name(span, format!("no value for `{v}`")))?.to_f64();
    let nv = x0.data.len();
    if nv > MAX_ELEMENTS {
        return Err(Error::limit(span, format!("`{v}` has {nv} elements; :check handles at most {MAX_ELEMENTS}")));
    }
    let fshape = s.graph.shape(f).to_vec();
    let nf = numel(&fshape);
    let a = sym.to_f64().data;
    let f0 = values(s, f, v, x0.data.clone(), span)?;
    let mut fd = vec![0.0; nf * nv];
    let mut errors = vec![0.0; nf * nv];
    let mut narrowed = 0;
    for j in 0..nv {
        let x = x0.data[j];
        let h = f64::EPSILON.cbrt() * x.abs().max(1.0);
        let column = |d: &[f64]| -> Vec<f64> {
            (0..nf).map(|i| rel_error(a[i * nv + j], d[i], f0.get(i).copied().unwrap_or(0.0))).collect()
        };
        let mut d = difference(s, f, v, &x0.data, j, h, span)?;
        let mut err = column(&d);
        if err.iter().any(|&e| e > TOLERANCE) && narrowed < MAX_NARROWED {
            narrowed += 1;
            for step in narrower_steps(x, h) {
                let (d1, d2) = (
                    difference(s, f, v, &x0.data, j, step, span)?,
                    difference(s, f, v, &x0.data, j, step / 2.0, span)?,
                );
                let settled = d1.iter().zip(&d2).zip(&f0).all(|((&p, &q), &y)| rel_error(p, q, y) <= TOLERANCE);
                let e1 = column(&d1);
                if settled && e1.iter().all(|&e| e <= TOLERANCE) {
                    (d, err) = (d1, e1);
                    break;
                }
            }
        }
        for i in 0..nf {
            fd[i * nv + j] = d[i];
            errors[i * nv + j] = err[i];
        }
    }
    let worst = (0..errors.len()).max_by(|&i, &k| errors[i].total_cmp(&errors[k])).unwrap_or(0);
    let max_err = errors.get(worst).copied().unwrap_or(0.0);
    // NaN on both sides agrees, but checks nothing: f is not defined there.
    let undefined = a.iter().zip(&fd).position(|(p, q)| p.is_nan() && q.is_nan());
    let passed = max_err <= TOLERANCE && undefined.is_none();
    let name = |k: usize| element_name(v, &fshape, s.graph.shape(var), k);
    let mut lines = table(&a, &fd, &errors, &name);
    lines.push(match undefined {
        Some(k) if max_err <= TOLERANCE => {
            format!("not checked: ∂f/∂{v} is NaN at {} on both sides (f is not defined at these values)", name(k))
        }
        _ => format!(
            "{}: ∂f/∂{v}, worst relative error {max_err:.1e} at {} (tolerance {TOLERANCE:.0e})",
            if passed { "ok" } else { "MISMATCH" },
            name(worst)
        ),
    });
    let mut item = Item::text(lines.join("\n"));
    item.wrt = vec![v.to_string()];
    item.shape = Some(sym.shape().to_vec());
    item.value = Some(sym.clone());
    item.numeric = Some(Value::from_f64(sym.shape(), fd));
    item.max_rel_error = Some(max_err);
    item.worst = Some(name(worst));
    item.passed = Some(passed);
    Ok(item)
}

/// The side-by-side rows: all of them when few, else the worst ones.
fn table(a: &[f64], fd: &[f64], errors: &[f64], name: &dyn Fn(usize) -> String) -> Vec<String> {
    let mut lines = vec![format!("{:<16} {:>20} {:>20} {:>10}", "element", "symbolic", "numeric", "rel. error")];
    let mut rows: Vec<usize> = (0..errors.len()).collect();
    if rows.len() > MAX_ROWS {
        rows.sort_by(|&i, &k| errors[k].total_cmp(&errors[i]).then(i.cmp(&k)));
        rows.truncate(WORST_ROWS);
        rows.sort_unstable();
    }
    for &k in &rows {
        lines.push(format!("{:<16} {:>20} {:>20} {:>10.1e}", name(k), num(a[k]), num(fd[k]), errors[k]));
    }
    if rows.len() < errors.len() {
        lines.push(format!("... {} more elements ({} shown: the worst)", errors.len() - rows.len(), rows.len()));
    }
    lines
}

/// The central difference of `f` (flattened) in element `j` of `v`, by
/// the width actually stepped.
fn difference(s: &Session, f: NodeId, v: &str, x0: &[f64], j: usize, h: f64, span: Span) -> Result<Vec<f64>> {
    let x = x0.get(j).copied().unwrap_or(0.0);
    let (up, down) = (x + h, x - h);
    let fp = at(s, f, v, x0, j, up, span)?;
    let fm = at(s, f, v, x0, j, down, span)?;
    Ok(fp.iter().zip(&fm).map(|(p, m)| (p - m) / (up - down)).collect())
}

/// Steps to try after `h` disagreed, narrower by tens: from a quarter of
/// the distance to zero when `h` crossed it (`sqrt`, `log` near zero),
/// else from `h/10`; while `x ± step` still differs from `x` by a few
/// thousand units in the last place (below that, rounding dominates).
fn narrower_steps(x: f64, h: f64) -> Vec<f64> {
    let first = if x != 0.0 && h >= x.abs() { x.abs() / 4.0 } else { h / 10.0 };
    let ulp = if x == 0.0 { f64::MIN_POSITIVE } else { x.abs() * f64::EPSILON };
    std::iter::successors(Some(first), |k| Some(k / 10.0))
        .take(MAX_NARROWER)
        .take_while(|&k| k > 4096.0 * ulp)
        .collect()
}

/// The values of `f` (flattened) with element `j` of `v` set to `x`.
fn at(s: &Session, f: NodeId, v: &str, x0: &[f64], j: usize, x: f64, span: Span) -> Result<Vec<f64>> {
    let mut data = x0.to_vec();
    if let Some(d) = data.get_mut(j) {
        *d = x;
    }
    values(s, f, v, data, span)
}

/// The values of `f` (flattened) with `v` set to `data`.
fn values(s: &Session, f: NodeId, v: &str, data: Vec<f64>, span: Span) -> Result<Vec<f64>> {
    let shape = s.graph.shape(f).to_vec();
    let moved = Value::from_f64(s.env.value(v).map(Value::shape).unwrap_or(&[]), data);
    let lookup = |n: &str| if n == v { Some(&moved) } else { s.env.value(n) };
    let (values, _) = crate::eval::run::eval(&s.graph, &[f], &lookup, &|_| None, &crate::interrupt::requested)
        .map_err(|e| {
            if e.message == "interrupted" {
                Error::new(ErrorKind::Interrupted, span, "interrupted")
            } else {
                Error::math(span, e.message)
            }
        })?;
    let out = values.into_iter().next().map(|v| v.to_f64().data).unwrap_or_default();
    debug_assert_eq!(out.len(), numel(&shape));
    Ok(out)
}

/// `|a - b| / max(|a|, |b|, min(1, |y|))` with `y` the value of `f`:
/// relative, and absolute near zero only down to the size of `f` itself (a
/// floor of 1 let `sin(x)/x` at `10^8`, whose derivative is 3.6e-9, pass
/// against a difference of 4e-12). A NaN on one side only is infinitely
/// wrong.
pub fn rel_error(a: f64, b: f64, y: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() { 0.0 } else { f64::INFINITY };
    }
    if a == b {
        return 0.0;
    }
    let floor = if y.is_finite() { y.abs().min(1.0) } else { 1.0 };
    (a - b).abs() / floor.max(a.abs()).max(b.abs())
}

/// `W[2, 1]` for element `k` of `∂f/∂W`; `∂f[0]/∂W[2, 1]` when `f` is not
/// a scalar.
fn element_name(v: &str, fshape: &[usize], vshape: &[usize], k: usize) -> String {
    let nv = numel(vshape);
    let (i, j) = (k / nv.max(1), k % nv.max(1));
    let wpart = if vshape.is_empty() { v.to_string() } else { format!("{v}[{}]", digits(vshape, j)) };
    if fshape.is_empty() { wpart } else { format!("∂f[{}]/∂{wpart}", digits(fshape, i)) }
}

fn digits(shape: &[usize], mut k: usize) -> String {
    let mut out = vec![0; shape.len()];
    for (slot, &d) in out.iter_mut().zip(shape).rev() {
        *slot = k % d.max(1);
        k /= d.max(1);
    }
    out.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
}

/// A number to 10 significant digits, in the shortest form that says so.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return format_f64(x);
    }
    format_f64(format!("{x:.9e}").parse().unwrap_or(x))
}
