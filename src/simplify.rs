//! Canonical forms, applied as nodes are built, so every rule (every
//! `bprop` included) gets simplification for free.
//!
//! Sums are `Σ cᵢ·tᵢ + c` and products `k · Π fᵢ^eᵢ` with rational
//! coefficients and exponents: constants fold exactly, like terms and like
//! powers collect (`2*x + 3*x` is `5*x`, `x*x` is `x^2`), operands are kept
//! in id order (so `x*w` and `w*x` are one node), and identities vanish
//! (`x+0`, `x*1`, `x*0`, `x^1`, `x^0`, `--x`).
//!
//! Nested sums and products are flattened only while the result stays small
//! (`FLAT`): flattening a long chain `g·d₁·d₂·…` at every step would make each
//! node as long as the chain, quadratic in total; past the bound the inner
//! node is kept whole, which keeps construction linear in the graph.

use crate::error::{Error, Result, Span};
use crate::eval::value::Rat;
use crate::graph::shape::{Shape, broadcast, show};
use crate::graph::{Graph, NodeId};
use crate::ops::Op;
use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::sync::Arc;

/// Largest sum or product that is flattened into its user.
const FLAT: usize = 12;

/// Largest exact power computed while simplifying or evaluating, in bits.
/// Past about 2^15 bits, each exact operation (its gcd is quadratic in the
/// length) takes long enough to notice.
pub const MAX_EXACT_BITS: u64 = 1 << 14;

pub fn rat(n: i64) -> Rat {
    Rat::int(n)
}

/// The shape two operands broadcast to, or an error naming both.
/// `acc` broadcast with `b`, in place; an operand of the same shape (most
/// often two scalars) leaves it as it is without making a new shape.
fn widen(acc: &mut Shape, b: &[usize]) -> Result<()> {
    if acc[..] != *b {
        *acc = broadcast_shapes(acc, b)?;
    }
    Ok(())
}

pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Shape> {
    broadcast(a, b)
        .ok_or_else(|| Error::shape(Span::default(), format!("shapes {} and {} do not broadcast", show(a), show(b))))
}

/// Largest exponent (numerator plus denominator bits) of a symbolic power.
pub const MAX_EXPONENT_BITS: u64 = 1024;

impl Graph {
    pub fn num(&mut self, r: Rat) -> NodeId {
        self.intern(Op::Num(r), vec![], vec![])
    }

    pub fn int(&mut self, n: i64) -> NodeId {
        self.num(rat(n))
    }

    /// The constant `r` in every element of `shape`.
    pub fn filled(&mut self, r: Rat, shape: Shape) -> NodeId {
        self.intern(Op::Num(r), vec![], shape)
    }

    pub fn zeros(&mut self, shape: Shape) -> NodeId {
        self.filled(Rat::zero(), shape)
    }

    pub fn var(&mut self, name: &str, shape: Shape) -> NodeId {
        self.intern(Op::Var(name.into()), vec![], shape)
    }

    /// The exact constant of a `Num` node, whatever its shape.
    pub fn as_num(&self, id: NodeId) -> Option<&Rat> {
        match self.op(id) {
            Op::Num(r) => Some(r),
            _ => None,
        }
    }

    pub fn is_zero(&self, id: NodeId) -> bool {
        self.as_num(id).is_some_and(Zero::is_zero)
    }

    pub fn add(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.sum(&[(a, rat(1)), (b, rat(1))])
    }

    pub fn sub(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.sum(&[(a, rat(1)), (b, rat(-1))])
    }

    pub fn neg(&mut self, a: NodeId) -> Result<NodeId> {
        self.scale(a, rat(-1))
    }

    pub fn scale(&mut self, a: NodeId, k: Rat) -> Result<NodeId> {
        // Back-propagation through a sum scales by 1 on nearly every edge.
        if k.is_one() {
            return Ok(a);
        }
        self.sum(&[(a, k)])
    }

    pub fn mul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.product(rat(1), &[(a, rat(1)), (b, rat(1))])
    }

    pub fn div(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.product(rat(1), &[(a, rat(1)), (b, rat(-1))])
    }

    /// `a ^ e` for a rational exponent.
    pub fn powr(&mut self, a: NodeId, e: Rat) -> Result<NodeId> {
        // Derivatives multiply such exponents together, one gcd of
        // thousands of bits per node (a fuzz finding: `x^(10^1937)` in a
        // Hessian took 11 s).
        let bits = e.total_bits();
        if bits > MAX_EXPONENT_BITS && self.as_num(a).is_none() {
            return Err(Error::limit(
                Span::default(),
                format!("an exponent of {bits} bits on a symbolic base (the limit is {MAX_EXPONENT_BITS})"),
            )
            .with_help("use float(...) for the exponent"));
        }
        self.product(rat(1), &[(a, e)])
    }

    /// `Σ cᵢ·tᵢ` in canonical form.
    pub fn sum(&mut self, terms: &[(NodeId, Rat)]) -> Result<NodeId> {
        let mut acc = Terms { map: Collect::with_room(terms.len()), constant: Rat::zero(), shape: vec![] };
        for (t, c) in terms {
            self.collect_term(*t, c, &mut acc)?;
        }
        self.build_sum(acc)
    }

    fn collect_term(&mut self, t: NodeId, c: &Rat, acc: &mut Terms) -> Result<()> {
        widen(&mut acc.shape, self.shape(t))?;
        if c.is_zero() {
            return Ok(());
        }
        // Read the op in place: cloning it (coefficients and all) for every
        // operand of every node made was a large share of building time.
        match self.op(t) {
            // The sum broadcasts by itself; the shape is already in `acc`.
            Op::Broadcast => {
                let inner = self.inputs(t)[0];
                self.collect_term(inner, c, acc)?
            }
            Op::Num(r) => acc.constant += c * r,
            Op::Add { coeffs, constant } if coeffs.len() <= FLAT => {
                for (u, k) in self.inputs(t).iter().zip(coeffs.iter()) {
                    acc.map.add(*u, c * k);
                }
                acc.constant += c * constant;
            }
            Op::Mul { coeff, exps } if !coeff.is_one() => {
                let (coeff, exps) = (coeff.clone(), Arc::clone(exps));
                let rest = self.intern_mul(rat(1), self.inputs(t).to_vec(), exps, self.shape(t).to_vec());
                acc.map.add(rest, c * &coeff);
            }
            _ => acc.map.add(t, c.clone()),
        }
        Ok(())
    }

    fn build_sum(&mut self, acc: Terms) -> Result<NodeId> {
        let Terms { map, constant, shape } = acc;
        let terms = map.into_sorted();
        match terms.as_slice() {
            [] => Ok(self.filled(constant, shape)),
            [(t, c)] if constant.is_zero() => {
                let (t, c) = (*t, c.clone());
                let scaled = if c.is_one() { t } else { self.product(c, &[(t, rat(1))])? };
                Ok(self.broadcast_to(scaled, shape))
            }
            _ => {
                let inputs: Vec<NodeId> = terms.iter().map(|t| t.0).collect();
                let coeffs: Arc<[Rat]> = terms.into_iter().map(|t| t.1).collect();
                Ok(self.intern(Op::Add { coeffs, constant }, inputs, shape))
            }
        }
    }

    /// `k · Π fᵢ^eᵢ` in canonical form.
    pub fn product(&mut self, k: Rat, factors: &[(NodeId, Rat)]) -> Result<NodeId> {
        let mut acc = Factors { map: Collect::with_room(factors.len()), coeff: k, shape: vec![] };
        for (f, e) in factors {
            self.collect_factor(*f, e, &mut acc)?;
        }
        self.build_product(acc)
    }

    fn collect_factor(&mut self, f: NodeId, e: &Rat, acc: &mut Factors) -> Result<()> {
        widen(&mut acc.shape, self.shape(f))?;
        if e.is_zero() {
            return Ok(());
        }
        match self.op(f) {
            Op::Broadcast if e.is_integer() => {
                let inner = self.inputs(f)[0];
                self.collect_factor(inner, e, acc)?
            }
            Op::Num(r) => match exact_pow(r, e)? {
                Some(v) => {
                    acc.coeff = &acc.coeff * &v;
                    check_bits(&acc.coeff)?;
                }
                None => acc.map.add(f, e.clone()),
            },
            Op::Mul { coeff, exps } if e.is_integer() && exps.len() <= FLAT => {
                // Back-propagation multiplies whole products by one more
                // factor (`e` = 1) at every level: no power to take then.
                let unit = e.is_one();
                if !coeff.is_one() {
                    match if unit { Some(coeff.clone()) } else { exact_pow(coeff, e)? } {
                        Some(v) => {
                            acc.coeff = &acc.coeff * &v;
                            check_bits(&acc.coeff)?;
                        }
                        None => return Err(Error::math(Span::default(), "division by zero")),
                    }
                }
                // A number kept as a power (`sqrt(2)` is `2^(1/2)`) folds
                // when its exponent becomes an integer: `sqrt(2)^-2` is the
                // node `1/2` parses to, not `2^-1`.
                let mut numbers = Vec::new();
                for (u, x) in self.inputs(f).iter().zip(exps.iter()) {
                    let x = if unit { x.clone() } else { x * e };
                    if matches!(self.op(*u), Op::Num(_)) {
                        numbers.push((*u, x));
                    } else {
                        acc.map.add(*u, x);
                    }
                }
                for (u, x) in numbers {
                    self.collect_factor(u, &x, acc)?;
                }
            }
            _ => acc.map.add(f, e.clone()),
        }
        Ok(())
    }

    fn build_product(&mut self, acc: Factors) -> Result<NodeId> {
        let Factors { map, mut coeff, shape } = acc;
        if coeff.is_zero() {
            return Ok(self.filled(coeff, shape));
        }
        let mut factors = map.into_sorted();
        // Roots have fractional exponents; most products have none.
        if factors.iter().any(|(_, e)| !e.is_integer())
            && let Some(rest) = self.radicals(&mut coeff, &factors)?
        {
            factors = rest;
        }
        if let Some(rest) = self.symbolic_powers(&factors)? {
            factors = rest;
        }
        // A unit vector's entries are 0 and 1: a positive power of it is
        // itself, and two different ones multiply to zeros.
        let mut unit: Option<(usize, &[usize])> = None;
        for (f, e) in factors.iter_mut() {
            if let Some(k) = self.one_hot(*f).filter(|_| e.is_positive()) {
                // `eye(1)[0]` stretches: only units of one length exclude.
                let length = self.shape(*f);
                if unit.is_some_and(|(j, n)| j != k && n == length) {
                    return Ok(self.zeros(shape));
                }
                unit = Some((k, length));
                *e = rat(1);
            }
        }
        // `(x^-1)^1.5` kept `x^-1` whole; squared, its exponent is now an
        // integer and it must flatten like any other, or `(1/x)^3` and
        // `1/x^3` would be two nodes.
        if factors
            .iter()
            .any(|(f, e)| e.is_integer() && matches!(self.op(*f), Op::Mul { exps, .. } if exps.len() <= FLAT))
        {
            let mut again = self.product(coeff, &factors)?;
            again = self.broadcast_to(again, shape);
            return Ok(again);
        }
        if let Some(d) = self.cancelling(&coeff, &factors, &shape)? {
            return Ok(self.broadcast_to(d, shape));
        }
        match factors.as_slice() {
            [] => Ok(self.filled(coeff, shape)),
            [(f, e)] if e.is_one() && coeff.is_one() => Ok(self.broadcast_to(*f, shape)),
            [(f, e)] if e.is_one() => {
                let f = *f;
                match self.op(f).clone() {
                    // A number times a small sum distributes: `2*(x - y)` is
                    // `2*x - 2*y`, so that negation and scaling stay sums.
                    Op::Add { coeffs, constant } if coeffs.len() <= FLAT => {
                        let terms: Vec<(NodeId, Rat)> =
                            self.inputs(f).iter().copied().zip(coeffs.iter().map(|c| c * &coeff)).collect();
                        let s = self.sum(&terms)?;
                        let c = self.filled(constant * &coeff, vec![]);
                        let s = self.add(s, c)?;
                        Ok(self.broadcast_to(s, shape))
                    }
                    _ => Ok(self.intern_mul(coeff, vec![f], Arc::from([rat(1)]), shape)),
                }
            }
            _ => {
                let inputs: Vec<NodeId> = factors.iter().map(|f| f.0).collect();
                let exps: Arc<[Rat]> = factors.into_iter().map(|f| f.1).collect();
                Ok(self.intern_mul(coeff, inputs, exps, shape))
            }
        }
    }

    /// Roots of positive numbers in canonical form, as SymPy writes them:
    /// those of one index are one root of an integer with its perfect
    /// powers taken out into the coefficient (`sqrt(8)` is `2*sqrt(2)`,
    /// `sqrt(8)/sqrt(2)` is 2, `sqrt(2)*sqrt(3)` is `sqrt(6)`,
    /// `(1/2)^(1/2)` is `sqrt(2)/2`). `None` when nothing changes (a lone
    /// `2^(5/6)` stays) or the numbers are too large to be worth it.
    fn radicals(&mut self, coeff: &mut Rat, factors: &[(NodeId, Rat)]) -> Result<Option<Vec<(NodeId, Rat)>>> {
        const MAX_BITS: u64 = 256;
        let root_of = |g: &Graph, f: NodeId, e: &Rat| match g.op(f) {
            Op::Num(a) if g.shape(f).is_empty() && a.is_positive() && !e.is_integer() && a.total_bits() <= MAX_BITS => {
                e.denom().to_u32().filter(|q| (2..=64).contains(q))
            }
            _ => None,
        };
        // Most products have no root of a number: one look at the
        // exponents (mostly integers), no copies.
        if !factors.iter().any(|(f, e)| !e.is_integer() && root_of(self, *f, e).is_some()) {
            return Ok(None);
        }
        let mut by_index: Vec<(u32, Vec<(Rat, Rat)>)> = Vec::new();
        let mut rest = Vec::new();
        for (f, e) in factors {
            match (root_of(self, *f, e), self.as_num(*f)) {
                (Some(q), Some(a)) => match by_index.iter_mut().find(|(k, _)| *k == q) {
                    Some((_, group)) => group.push((a.clone(), e.clone())),
                    None => by_index.push((q, vec![(a.clone(), e.clone())])),
                },
                _ => rest.push((*f, e.clone())),
            }
        }
        let mut changed = false;
        let mut k = coeff.clone();
        for (q, group) in &by_index {
            // A lone power that is not of a root (`2^(5/6)`) stays: as a
            // root of 32 it would read worse.
            let lone_power = match group.as_slice() {
                [(_, e)] => {
                    let r = num_integer::Integer::mod_floor(&e.numer(), &BigInt::from(*q));
                    !r.is_one()
                }
                _ => false,
            };
            if lone_power {
                let (a, e) = &group[0];
                let base = self.num(a.clone());
                rest.push((base, e.clone()));
                continue;
            }
            let Some((whole, radicand)) = canonical_root(group, *q) else { return Ok(None) };
            changed |= group.len() > 1 || !whole.is_one();
            k = &k * &whole;
            if !radicand.is_one() {
                let base = self.num(radicand);
                rest.push((base, Rat::ratio_of(1, i64::from(*q))));
            }
        }
        if !changed {
            return Ok(None);
        }
        check_bits(&k)?;
        *coeff = k;
        let mut merged = Collect::with_room(rest.len());
        for (f, e) in rest {
            merged.add(f, e);
        }
        Ok(Some(merged.into_sorted()))
    }

    /// A power with a symbolic exponent times an integer power of its base
    /// as one power: `x^y/x` is `x^(y - 1)`, as SymPy writes it (the
    /// derivative of `log(x)*x^y` in `x` was `x^y/x`, 0/0 at `x = 0` where
    /// `x^(y - 1)` has a value). `None` when there is none.
    fn symbolic_powers(&mut self, factors: &[(NodeId, Rat)]) -> Result<Option<Vec<(NodeId, Rat)>>> {
        let pair = factors.iter().enumerate().filter(|(_, (p, e))| e.is_one() && *self.op(*p) == Op::Pow).find_map(
            |(k, (p, _))| {
                let base = self.inputs(*p)[0];
                let j = factors.iter().position(|(f, x)| *f == base && x.is_integer())?;
                (self.shape(base) == self.shape(*p)).then_some((k, j))
            },
        );
        let Some((k, j)) = pair else { return Ok(None) };
        let (p, (base, times)) = (factors[k].0, factors[j].clone());
        let y = self.inputs(p)[1];
        let by = self.num(times);
        let exponent = self.add(y, by)?;
        let merged = self.pow(base, exponent)?;
        let mut out = Collect::with_room(factors.len());
        for (i, (f, e)) in factors.iter().enumerate() {
            match i {
                _ if i == j => {}
                _ if i == k => out.add(merged, rat(1)),
                _ => out.add(*f, e.clone()),
            }
        }
        Ok(Some(out.into_sorted()))
    }

    /// A sum times factors that its terms divide by, the factors
    /// multiplied into the terms so that they cancel, and expanded when that
    /// is shorter: the gradient of a cross-entropy, `(-(t - 1)/(1 - s) -
    /// t/s)*(1 - s)*s`, is `s - t`. When only some terms cancel, kept only
    /// if it prints no longer (`s*(sum(y) - y/s)` is `s*sum(y) - y`). `None`
    /// when the product is not of that form (or too large to be worth it).
    fn cancelling(&mut self, coeff: &Rat, factors: &[(NodeId, Rat)], shape: &[usize]) -> Result<Option<NodeId>> {
        const MAX_NODES: usize = 200;
        let is_sum = |g: &Graph, f: NodeId| matches!(g.op(f), Op::Add { coeffs, constant } if constant.is_zero() && coeffs.len() <= FLAT);
        let mut sums = factors.iter().enumerate().filter(|(_, (f, e))| e.is_one() && is_sum(self, *f));
        let (Some((k, &(s, _))), None) = (sums.next(), sums.next()) else { return Ok(None) };
        let rest: Vec<(NodeId, Rat)> =
            factors.iter().enumerate().filter(|&(j, _)| j != k).map(|(_, f)| f.clone()).collect();
        let divides = |g: &Graph, t: NodeId| match g.op(t) {
            Op::Mul { exps, .. } => g
                .inputs(t)
                .iter()
                .zip(exps.iter())
                .any(|(b, e)| e.is_negative() && rest.iter().any(|(r, x)| r == b && x.is_positive())),
            _ => false,
        };
        let cancels = self.inputs(s).iter().filter(|&&t| divides(self, t)).count();
        if rest.is_empty() || cancels == 0 {
            return Ok(None);
        }
        if rest.iter().any(|(f, _)| self.count_exceeds(*f, MAX_NODES)) || self.count_exceeds(s, MAX_NODES) {
            return Ok(None);
        }
        let Op::Add { coeffs, .. } = self.op(s).clone() else { return Ok(None) };
        let mut terms = Vec::with_capacity(coeffs.len());
        for (&t, c) in self.inputs(s).to_vec().iter().zip(coeffs.iter()) {
            let mut fs = rest.clone();
            fs.push((t, rat(1)));
            terms.push((self.product(coeff * c, &fs)?, rat(1)));
        }
        let distributed = self.sum(&terms)?;
        let distributed = crate::expand::shorter(self, distributed)?;
        if cancels < coeffs.len() {
            let inputs = factors.iter().map(|f| f.0).collect();
            let exps = factors.iter().map(|f| f.1.clone()).collect();
            let whole = self.intern_mul(coeff.clone(), inputs, exps, shape.to_vec());
            let size = crate::print::approx_len;
            if size(self, distributed) > size(self, whole) {
                return Ok(None);
            }
        }
        Ok(Some(distributed))
    }

    /// A product node as given (already canonical); a single factor with
    /// exponent 1 and coefficient 1 is that factor.
    fn intern_mul(&mut self, coeff: Rat, inputs: Vec<NodeId>, exps: Arc<[Rat]>, shape: Shape) -> NodeId {
        if coeff.is_one() && inputs.len() == 1 && exps.first().is_some_and(One::is_one) {
            return self.broadcast_to(inputs[0], shape);
        }
        // Stretched only by a constant (`-x*ones(4, 4)`): the product at its
        // factors' shape, broadcast, as `(A - A) - x` makes it, so that one
        // value is one node however it was written.
        let own = || inputs.iter().try_fold(Vec::new(), |acc, &i| broadcast(&acc, self.shape(i)));
        if let Some(own) = (!shape.is_empty()).then(own).flatten()
            && own != shape
        {
            let p = self.intern(Op::Mul { coeff, exps }, inputs, own);
            return self.broadcast_to(p, shape);
        }
        self.intern(Op::Mul { coeff, exps }, inputs, shape)
    }

    /// `a` stretched to `shape` (which `a`'s shape broadcasts to).
    pub fn broadcast_to(&mut self, a: NodeId, shape: Shape) -> NodeId {
        if self.shape(a) == shape.as_slice() {
            return a;
        }
        match self.op(a).clone() {
            Op::Num(r) => self.filled(r, shape),
            Op::Broadcast => {
                let inner = self.inputs(a)[0];
                self.intern(Op::Broadcast, [inner], shape)
            }
            _ => self.intern(Op::Broadcast, [a], shape),
        }
    }
}

/// Terms or factors with their coefficients or exponents, collected in
/// order of arrival; `into_sorted` merges like ones. (A Vec sorted once
/// costs less than a BTreeMap for the few operands nodes have.)
struct Collect(Vec<(NodeId, Rat)>);

impl Collect {
    /// Room for `n` operands and the up to `FLAT` that flattening one of
    /// them adds: one allocation for nearly every node (growing from empty,
    /// or past a smaller guess, was a visible share of building one).
    fn with_room(n: usize) -> Collect {
        Collect(Vec::with_capacity(n + FLAT))
    }

    fn add(&mut self, id: NodeId, x: Rat) {
        self.0.push((id, x));
    }

    /// By id, like ones summed, zeros dropped (in place).
    fn into_sorted(self) -> Vec<(NodeId, Rat)> {
        let mut all = self.0;
        all.sort_by_key(|(id, _)| *id);
        let mut kept = 0;
        for k in 0..all.len() {
            if kept > 0 && all[kept - 1].0 == all[k].0 {
                let x = all[k].1.clone();
                all[kept - 1].1 += x;
            } else {
                all.swap(kept, k);
                kept += 1;
            }
        }
        all.truncate(kept);
        all.retain(|(_, x)| !x.is_zero());
        all
    }
}

struct Terms {
    map: Collect,
    constant: Rat,
    shape: Shape,
}

struct Factors {
    map: Collect,
    coeff: Rat,
    shape: Shape,
}

/// `Π aᵢ^eᵢ` for positive rationals `aᵢ` and exponents of denominator `q`
/// as `w · N^(1/q)`: `w` rational, `N` a positive integer with the `q`-th
/// powers of small primes taken out. `None` when a number grows past what
/// is worth the work.
fn canonical_root(group: &[(Rat, Rat)], q: u32) -> Option<(Rat, Rat)> {
    let qi = BigInt::from(q);
    let (mut whole, mut inside) = (rat(1), rat(1));
    for (a, e) in group {
        // a^(p/q) = a^⌊p/q⌋ · a^(r/q) with 0 ≤ r < q.
        let p = e * &Rat::from_integer(qi.clone());
        let p = p.numer();
        let (floor, r) = (num_integer::Integer::div_floor(&p, &qi), num_integer::Integer::mod_floor(&p, &qi));
        whole = &whole * &exact_pow(a, &Rat::from_integer(floor)).ok()??;
        inside = &inside * &exact_pow(a, &Rat::from_integer(r)).ok()??;
        if whole.total_bits() > 1024 || inside.total_bits() > 1024 {
            return None;
        }
    }
    // n/d = n·d^(q-1) / d^q: the root of an integer over d.
    let (n, d) = (inside.numer(), inside.denom());
    let mut big_n = n * num_traits::pow::Pow::pow(&d, q - 1);
    whole = &whole * &Rat::new(BigInt::from(1), d);
    let mut out = BigInt::from(1);
    for prime in SMALL_PRIMES {
        let pq = num_traits::pow::Pow::pow(&BigInt::from(*prime), q);
        if pq > big_n {
            break;
        }
        while (&big_n % &pq).is_zero() {
            big_n /= &pq;
            out *= BigInt::from(*prime);
        }
    }
    Some((&whole * &Rat::from_integer(out), Rat::from_integer(big_n)))
}

const SMALL_PRIMES: &[u32] =
    &[2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

/// `r ^ e` when it is an exact rational: integer exponents, and roots of
/// positive rationals that are perfect powers (`4^(1/2)` is 2). `None`
/// when it is not exact; an error for `0^-1` and for results too large.
pub fn exact_pow(r: &Rat, e: &Rat) -> Result<Option<Rat>> {
    if e.is_zero() {
        return Ok(Some(rat(1)));
    }
    if r.is_zero() {
        return if e.is_positive() {
            Ok(Some(Rat::zero()))
        } else {
            Err(Error::math(Span::default(), "division by zero"))
        };
    }
    if r.is_one() {
        return Ok(Some(rat(1)));
    }
    let (p, q) = (e.numer(), e.denom());
    let root = if q.is_one() {
        r.clone()
    } else if r.is_positive() {
        match q.to_u32().and_then(|q| exact_root(r, q)) {
            Some(x) => x,
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    // log₂ of the larger of numerator and denominator, times the power:
    // the result's size in bits (2^16000 has 16,001; `bits()` of the base
    // rounds 1 up to 2 and counted 32,000). ±1 to any power is 1 bit.
    let log2 = |x: BigInt| match x.to_f64() {
        Some(v) if x.bits() < 1000 => v.abs().log2(),
        _ => x.bits() as f64,
    };
    let size = log2(root.numer()).max(log2(root.denom()));
    let bits = if size == 0.0 { 1.0 } else { size * p.to_f64().unwrap_or(f64::INFINITY).abs() + 1.0 };
    if bits > crate::limits::get().exact_bits as f64 {
        return Err(Error::limit(
            Span::default(),
            if bits.is_finite() {
                format!("exact result too large (about {bits:.0} bits); use float(...) for an approximate value")
            } else {
                "exact result far too large; use float(...) for an approximate value".to_string()
            },
        ));
    }
    let n = p.abs().to_i32().unwrap_or(i32::MAX);
    let v = root.pow(n as u32);
    Ok(Some(if p.is_negative() { v.recip() } else { v }))
}

/// A `Limit` error when an exact product has grown past the limit.
fn check_bits(r: &Rat) -> Result<()> {
    let bits = r.bits();
    let max = crate::limits::get().exact_bits;
    if bits > max {
        return Err(Error::limit(
            Span::default(),
            format!(
                "exact result too large ({bits} bits, the limit is {max}); use float(...) for an approximate value"
            ),
        ));
    }
    Ok(())
}

/// The exact `q`-th root of a positive rational, if it is one.
fn exact_root(r: &Rat, q: u32) -> Option<Rat> {
    let n = r.numer().nth_root(q);
    let d = r.denom().nth_root(q);
    let back = |x: &BigInt| num_traits::pow::Pow::pow(x, q);
    (back(&n) == r.numer() && back(&d) == r.denom()).then(|| Rat::new(n, d))
}

/// Whether `r` is an integer (helper kept with the normal forms).
pub fn is_integer(r: &Rat) -> bool {
    r.is_integer()
}

#[cfg(test)]
mod radical_tests {
    use crate::session::Session;

    /// Numeric roots in SymPy's canonical form, and their values against
    /// f64 computed apart.
    #[test]
    fn roots_of_numbers_take_out_perfect_powers_and_combine() {
        let mut s = Session::new();
        let cases = [
            ("sqrt(8)", "2*sqrt(2)", 8f64.sqrt()),
            ("sqrt(8)/sqrt(2)", "2", 2.0),
            ("sqrt(2)*sqrt(3)", "sqrt(6)", 6f64.sqrt()),
            ("(1/2)^(1/2)", "sqrt(2)/2", 0.5f64.sqrt()),
            ("8^(3/2)", "16*sqrt(2)", 8f64.powf(1.5)),
            ("sqrt(3/4)", "sqrt(3)/2", 0.75f64.sqrt()),
            ("2^(5/6)", "2^(5/6)", 2f64.powf(5.0 / 6.0)),
            ("2^(1/2)*2^(1/3)", "2^(5/6)", 2f64.powf(5.0 / 6.0)),
            ("54^(1/3)", "3*2^(1/3)", 54f64.cbrt()),
        ];
        for (typed, printed, want) in cases {
            let items = s.run(typed).expect(typed);
            assert_eq!(items[0].expr.as_deref(), Some(printed), "{typed}");
            let got = items[0].value.as_ref().expect("value").to_f64().data[0];
            assert!((got - want).abs() <= 4.0 * f64::EPSILON * want, "{typed}: {got} vs {want}");
        }
    }
}
