//! Expansion into a sum of monomials over atoms (anything that is not a
//! sum or a product: `tanh(x)`, `exp(sin(x))`, `A @ x`), kept only when it
//! prints shorter.
//!
//! Repeated reverse mode multiplies sums by sums at every order; without a
//! normal form the k-th derivative of `tanh(x)` grows about 3× per order,
//! while as a polynomial in `t = tanh(x)` it has k + 2 terms. Expansion is a
//! separate pass over the graph, memoised per node, with a budget on the
//! number of terms so that a product of many sums (which would expand
//! exponentially) is given up on early and left as it is.

use crate::error::Result;
use crate::eval::value::Rat;
use crate::graph::IdMap;
use crate::graph::{Graph, NodeId};
use crate::ops::Op;
use crate::simplify::rat;
use num_traits::ToPrimitive;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A product of atoms with rational exponents, atoms in id order.
type Mono = Vec<(NodeId, Rat)>;
/// A sum of monomials with their coefficients.
type Poly = BTreeMap<Mono, Rat>;

/// Polynomials made so far (shared, not copied, by every use), and the
/// most terms one may have.
struct Memo {
    polys: IdMap<Option<Rc<Poly>>>,
    max_terms: usize,
    /// Term operations left for the whole pass.
    work_left: usize,
}

impl Memo {
    /// Takes `n` term operations from the pass's budget; `None` once it is
    /// spent, which abandons the expansion.
    fn charge(&mut self, n: usize) -> Option<()> {
        self.work_left = self.work_left.checked_sub(n)?;
        Some(())
    }
}

/// Most terms any intermediate polynomial may have.
const MAX_TERMS: usize = 2000;
/// Most term-by-term products one multiplication may take.
const MAX_WORK: usize = 100_000;
/// Most term operations (products and additions) of one whole pass: each
/// compares monomials of rationals, and thousands of nodes each just
/// under `MAX_WORK` took seconds (fuzz finding).
const MAX_TOTAL_WORK: usize = 400_000;
/// Largest numerator plus denominator bits of a number in an expansion.
const MAX_BITS: u64 = 256;
/// Largest expression (in distinct nodes) worth trying: normal forms pay
/// for small expressions differentiated many times, not for big graphs.
const MAX_NODES: usize = 1000;

/// `id` expanded, when that gives fewer distinct nodes; `id` otherwise.
pub fn expand_if_smaller(graph: &mut Graph, id: NodeId) -> Result<NodeId> {
    if !matches!(graph.op(id), Op::Add { .. } | Op::Mul { .. }) {
        return Ok(id);
    }
    if graph.count_exceeds(id, MAX_NODES) {
        return Ok(id);
    }
    let before = graph.count(id);
    // More terms than a few per node cannot print shorter: give up early.
    let mut memo =
        Memo { polys: IdMap::default(), max_terms: MAX_TERMS.min(4 * before + 16), work_left: MAX_TOTAL_WORK };
    let Some(poly) = poly(graph, id, &mut memo) else { return Ok(id) };
    let shape = graph.shape(id).to_vec();
    let rebuilt = rebuild(graph, &poly)?;
    let rebuilt = graph.broadcast_to(rebuilt, shape);
    // Smaller as printed: fewer nodes can still read longer when the
    // expansion repeats a shared factor in every term.
    let size = |g: &Graph, n: NodeId| crate::print::printed_len(g, n, crate::print::Style::Plain);
    // Clearly shorter only: the factored form of a derivative (`s*(1 - s)`)
    // reads as the rule that made it.
    Ok(if 10 * size(graph, rebuilt) < 9 * size(graph, id) { rebuilt } else { id })
}

fn poly(graph: &Graph, id: NodeId, memo: &mut Memo) -> Option<Rc<Poly>> {
    if let Some(p) = memo.polys.get(&id) {
        let p = p.clone();
        memo.charge(p.as_ref().map_or(0, |p| p.keys().map(|m| m.len() + 1).sum()))?;
        return p;
    }
    let p = match graph.op(id) {
        Op::Num(r) if !small(r) => None,
        Op::Num(r) if graph.shape(id).is_empty() => Some(constant(r.clone())),
        Op::Add { coeffs, constant: c } if small(c) && coeffs.iter().all(small) => sum(graph, id, coeffs, c, memo),
        Op::Mul { coeff, exps } if small(coeff) && exps.iter().all(small) => product(graph, id, coeff, exps, memo),
        Op::Add { .. } | Op::Mul { .. } => None,
        _ => Some(atom(id, rat(1))),
    }
    .map(Rc::new);
    memo.polys.insert(id, p.clone());
    p
}

/// Whether a number is small enough to expand with: products of big
/// coefficients run gcds of thousands of bits (a fuzz finding took 7 s on
/// `…/106.-61759e4661/…`), and a normal form does not pay for them.
fn small(r: &Rat) -> bool {
    r.total_bits() <= MAX_BITS
}

fn constant(r: Rat) -> Poly {
    let mut p = Poly::new();
    if !r.is_zero() {
        p.insert(Vec::new(), r);
    }
    p
}

fn atom(id: NodeId, e: Rat) -> Poly {
    Poly::from([(vec![(id, e)], rat(1))])
}

fn sum(graph: &Graph, id: NodeId, coeffs: &[Rat], c: &Rat, memo: &mut Memo) -> Option<Poly> {
    let mut acc = constant(c.clone());
    for (&t, k) in graph.inputs(id).iter().zip(coeffs) {
        let p = poly(graph, t, memo)?;
        for (m, v) in p.iter() {
            memo.charge(m.len() + 1)?;
            match acc.get_mut(m) {
                Some(slot) => *slot += v * k,
                None => {
                    acc.insert(m.clone(), v * k);
                }
            }
        }
        acc.retain(|_, v| !v.is_zero());
        if acc.len() > memo.max_terms {
            return None;
        }
    }
    Some(acc)
}

fn product(graph: &Graph, id: NodeId, coeff: &Rat, exps: &[Rat], memo: &mut Memo) -> Option<Poly> {
    let mut acc = constant(coeff.clone());
    for (&f, e) in graph.inputs(id).iter().zip(exps) {
        let small_power = e.is_integer() && e.is_positive() && e.to_u32().is_some_and(|n| n <= 64);
        let factor = match graph.op(f) {
            Op::Add { .. } | Op::Mul { .. } if small_power => {
                let base = poly(graph, f, memo)?;
                power(&base, e.to_u32()?, memo)?
            }
            // A sum to a negative or fractional power stays one atom.
            _ => atom(f, e.clone()),
        };
        acc = multiply(&acc, &factor, memo)?;
    }
    Some(acc)
}

fn power(base: &Poly, n: u32, memo: &mut Memo) -> Option<Poly> {
    let mut acc = constant(rat(1));
    for _ in 0..n {
        acc = multiply(&acc, base, memo)?;
    }
    Some(acc)
}

fn multiply(a: &Poly, b: &Poly, memo: &mut Memo) -> Option<Poly> {
    let work = a.len().saturating_mul(b.len());
    if work > MAX_WORK {
        return None;
    }
    let max_terms = memo.max_terms;
    let mut out = Poly::new();
    for (ma, ca) in a {
        for (mb, cb) in b {
            let m = merge(ma, mb);
            // Comparing monomials costs their length, multiplying
            // coefficients their size in words.
            let words = (ca.total_bits() + cb.total_bits()) / 64;
            memo.charge(m.len() + 1 + words as usize)?;
            let slot = out.entry(m).or_insert_with(Rat::zero);
            *slot += ca * cb;
        }
    }
    out.retain(|_, v| !v.is_zero());
    (out.len() <= max_terms).then_some(out)
}

/// The product of two monomials: their atoms (both in id order) merged,
/// exponents of a shared atom added.
fn merge(a: &Mono, b: &Mono) -> Mono {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some((ia, ea)), Some((ib, eb))) = (a.get(i), b.get(j)) {
        match ia.cmp(ib) {
            std::cmp::Ordering::Less => {
                out.push((*ia, ea.clone()));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push((*ib, eb.clone()));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let e = ea + eb;
                if !e.is_zero() {
                    out.push((*ia, e));
                }
                i += 1;
                j += 1;
            }
        }
    }
    out.extend(a.iter().skip(i).cloned());
    out.extend(b.iter().skip(j).cloned());
    out
}

fn rebuild(graph: &mut Graph, p: &Poly) -> Result<NodeId> {
    let mut terms = Vec::with_capacity(p.len());
    for (m, c) in p {
        let t = if m.is_empty() { graph.num(c.clone()) } else { graph.product(rat(1), m)? };
        terms.push((t, if m.is_empty() { Rat::one() } else { c.clone() }));
    }
    graph.sum(&terms)
}
