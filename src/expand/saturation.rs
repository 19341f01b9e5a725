//! Taking the factors at which `sigmoid` and `tanh` saturate out of an
//! expanded polynomial.
//!
//! A derivative of `sigmoid(u)` vanishes where `sigmoid(u)` is 1, and one
//! of `tanh(u)` where `tanh(u)` is ±1; expanded into powers of the atom, the
//! terms are each far from zero there and cancel in f64. The third
//! derivative of `sigmoid(x^20)` at x = 3 (true value about 0) came out as
//! -9.0e15 from terms like `x^57*sigmoid(x^20)^3`. Written as
//! `(1 - s)^m * Q`, it is 0 where `s` is 1, as the derivative is.

use super::{Mono, Monos, Poly};
use crate::eval::value::Rat;
use crate::graph::{Graph, NodeId};
use crate::lower::HashMap;
use crate::ops::{Func, Op};
use num_traits::ToPrimitive;

/// The factor a saturating atom `a` leaves in its derivatives.
#[derive(Clone, Copy)]
pub(super) enum Saturates {
    /// `1 - a` (`sigmoid`, 1 at +∞).
    AtOne,
    /// `1 - a^2` (`tanh`, ±1 at ±∞).
    AtPlusMinusOne,
}

impl Saturates {
    pub(super) fn of(graph: &Graph, a: NodeId) -> Option<Saturates> {
        match graph.op(a) {
            Op::Fn(Func::Sigmoid) => Some(Saturates::AtOne),
            Op::Fn(Func::Tanh) => Some(Saturates::AtPlusMinusOne),
            _ => None,
        }
    }

    /// The power of `a` the factor `1 - a^k` has.
    fn degree(self) -> usize {
        match self {
            Saturates::AtOne => 1,
            Saturates::AtPlusMinusOne => 2,
        }
    }
}

/// Highest power of the atom divided: the division walks every power up
/// to it (a fuzz finding raised `tanh(x)` to the 24,444,444,444,444th).
const MAX_POWER: usize = 512;

/// `p` divided by `1 - a^k` (`k` from `how`) when that divides it exactly,
/// as a polynomial in `a` whose coefficients are the polynomials in the
/// other atoms; `None` when it does not, or when `a` has a power in `p`
/// that is not a natural number.
pub(super) fn divided(p: &Poly, a: NodeId, how: Saturates, monos: &mut Monos) -> Option<Poly> {
    // Zero is a multiple of anything, and would be divided for ever.
    if p.is_empty() {
        return None;
    }
    // The coefficient of each power of `a`, by the rest of the monomial.
    let mut by_rest: HashMap<Mono, Vec<Rat>> = HashMap::default();
    for (m, c) in p {
        let mono = monos.get(*m);
        let (power, rest) = split(mono, a)?;
        if power > MAX_POWER {
            return None;
        }
        let coeffs = by_rest.entry(rest).or_default();
        if coeffs.len() <= power {
            coeffs.resize(power + 1, Rat::zero());
        }
        coeffs[power] = &coeffs[power] + c;
    }
    let k = how.degree();
    let mut out = Poly::new();
    for (rest, coeffs) in by_rest {
        // (1 - a^k)·Σ qᵢaⁱ = Σ cᵢaⁱ: qᵢ = cᵢ + qᵢ₋ₖ, and the top k of
        // the q's must be zero (a root at 1, and at -1 for k = 2).
        let mut q: Vec<Rat> = Vec::with_capacity(coeffs.len());
        for (i, c) in coeffs.iter().enumerate() {
            let below = if i >= k { q[i - k].clone() } else { Rat::zero() };
            q.push(c + &below);
        }
        let top = q.len().checked_sub(k)?;
        if q[top..].iter().any(|x| !x.is_zero()) {
            return None;
        }
        for (i, qi) in q.into_iter().take(top).enumerate().filter(|(_, qi)| !qi.is_zero()) {
            out.push((monos.id(joined(&rest, a, i)), qi));
        }
    }
    Some(out)
}

/// `a`'s power in `mono` (0 when absent) and the monomial without it.
fn split(mono: &Mono, a: NodeId) -> Option<(usize, Mono)> {
    let mut power = 0;
    let mut rest = Vec::with_capacity(mono.len());
    for (b, e) in mono {
        if *b == a {
            power = e.to_usize().filter(|_| e.is_integer())?;
        } else {
            rest.push((*b, e.clone()));
        }
    }
    Some((power, rest))
}

/// `rest · a^power`, atoms in id order.
fn joined(rest: &Mono, a: NodeId, power: usize) -> Mono {
    let mut mono = rest.clone();
    if power > 0 {
        let at = mono.partition_point(|(b, _)| *b < a);
        mono.insert(at, (a, Rat::int(power as i64)));
    }
    mono
}

/// The node `1 - a` or `1 - a^2`.
pub(super) fn factor(graph: &mut Graph, a: NodeId, how: Saturates) -> crate::error::Result<NodeId> {
    let one = crate::simplify::rat(1);
    let power = graph.product(one.clone(), &[(a, Rat::int(how.degree() as i64))])?;
    let unit = graph.int(1);
    graph.sum(&[(unit, one), (power, Rat::int(-1))])
}

/// `p` as `a^k · q` with `k` the lowest power of `a` in every term, when
/// that is a natural number above zero: `s - 6*s^2 + 6*s^3` is
/// `s*(1 - 6*s + 6*s^2)`, as `sigmoid`'s own derivative `s*(1 - s)` reads.
pub(super) fn common_power(p: &Poly, a: NodeId, monos: &mut Monos) -> Option<(usize, Poly)> {
    let mut split_terms = Vec::with_capacity(p.len());
    for (m, c) in p {
        split_terms.push((split(monos.get(*m), a)?, c));
    }
    let k = split_terms.iter().map(|((power, _), _)| *power).min().filter(|&k| k > 0)?;
    let q =
        split_terms.into_iter().map(|((power, rest), c)| (monos.id(joined(&rest, a, power - k)), c.clone())).collect();
    Some((k, q))
}

#[cfg(test)]
mod tests {
    use super::super::{Memo, multiply};
    use super::*;

    const X: NodeId = NodeId(2);
    const S: NodeId = NodeId(5);

    /// A polynomial from `(power of x, power of s, coefficient)` terms.
    fn poly(terms: &[(i64, i64, i64)], memo: &mut Memo) -> Poly {
        let mut p = Poly::new();
        for &(i, j, c) in terms {
            let mut mono = Vec::new();
            if i != 0 {
                mono.push((X, Rat::int(i)));
            }
            if j != 0 {
                mono.push((S, Rat::int(j)));
            }
            p.push((memo.monos.id(mono), Rat::int(c)));
        }
        p
    }

    fn sorted(p: &Poly, memo: &Memo) -> Vec<(Mono, Rat)> {
        let mut v: Vec<_> = p.iter().map(|(m, c)| (memo.monos.get(*m).clone(), c.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn a_multiple_of_the_factor_divides_back_to_its_cofactor() {
        // Cofactors in x and s from a small generator, each multiplied out
        // by 1 - s and by 1 - s^2 and divided again.
        let mut seed = 7u64;
        let mut next = |n: i64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as i64 % n
        };
        for _ in 0..200 {
            let terms: Vec<(i64, i64, i64)> = (0..1 + next(6)).map(|_| (next(4), next(5), next(9) - 4)).collect();
            for (how, factor) in
                [(Saturates::AtOne, [(0, 0, 1), (0, 1, -1)]), (Saturates::AtPlusMinusOne, [(0, 0, 1), (0, 2, -1)])]
            {
                let mut memo = Memo::new(10_000);
                // Like terms of the cofactor collected first: `multiply` by 1.
                let one = poly(&[(0, 0, 1)], &mut memo);
                let q = poly(&terms, &mut memo);
                let Some(q) = multiply(&q, &one, &mut memo) else { panic!("small") };
                let f = poly(&factor, &mut memo);
                let Some(p) = multiply(&f, &q, &mut memo) else { panic!("small") };
                if q.is_empty() {
                    continue;
                }
                let back = divided(&p, S, how, &mut memo.monos).expect("divides");
                assert_eq!(sorted(&back, &memo), sorted(&q, &memo), "{terms:?}");
            }
        }
    }

    #[test]
    fn a_polynomial_without_the_root_is_left_whole() {
        let mut memo = Memo::new(100);
        // 1 + s is 2 at s = 1; 1 - s is 0 at 1 but 2 at -1.
        let p = poly(&[(0, 0, 1), (0, 1, 1)], &mut memo);
        assert!(divided(&p, S, Saturates::AtOne, &mut memo.monos).is_none());
        let p = poly(&[(0, 0, 1), (0, 1, -1)], &mut memo);
        assert!(divided(&p, S, Saturates::AtPlusMinusOne, &mut memo.monos).is_none());
        // x*(1 - s) + 1 is not a multiple either (the x-free part is 1).
        let p = poly(&[(1, 0, 1), (1, 1, -1), (0, 0, 1)], &mut memo);
        assert!(divided(&p, S, Saturates::AtOne, &mut memo.monos).is_none());
        assert!(divided(&Poly::new(), S, Saturates::AtOne, &mut memo.monos).is_none());
        // 1 - s^N for a huge N is not divided out (its quotient has N terms).
        let p = poly(&[(0, 0, 1), (0, 24_444_444_444_444, -1)], &mut memo);
        assert!(divided(&p, S, Saturates::AtOne, &mut memo.monos).is_none());
        // A fractional power of s is not a polynomial in s.
        let half = memo.monos.id(vec![(S, Rat::new(1.into(), 2.into()))]);
        let one = memo.monos.id(vec![]);
        assert!(
            divided(&vec![(half, Rat::int(1)), (one, Rat::int(-1))], S, Saturates::AtOne, &mut memo.monos).is_none()
        );
    }
}
