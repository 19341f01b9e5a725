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
//!
//! Derivatives that are only differentiated again (`grad(grad(f, x), x)`)
//! are taken on the polynomial itself (`derivatives`), and a printed
//! derivative's expanded form is its function's polynomial differentiated:
//! neither builds a graph by back-propagation only to expand it.

use crate::error::Result;
use crate::eval::value::Rat;
use crate::graph::IdMap;
use crate::graph::{Graph, NodeId};
use crate::ops::Op;
use crate::simplify::rat;
use num_traits::ToPrimitive;
use std::rc::Rc;

mod saturation;

/// A product of atoms with rational exponents, atoms in id order.
type Mono = Vec<(NodeId, Rat)>;
/// The number of a monomial in its pass's [`Monos`].
type MonoId = u32;
/// A sum of distinct monomials with their (non-zero) coefficients.
type Poly = Vec<(MonoId, Rat)>;

/// The monomials of one pass, each stored once and referred to by number:
/// collecting like terms is then indexing an array, and the product of two
/// monomials is worked out once however often it recurs (every order of
/// `tanh(x)`'s derivatives multiplies the same powers of `tanh(x)`).
#[derive(Default)]
struct Monos {
    list: Vec<Mono>,
    /// Each monomial's number, by its hash (the monomial itself is only
    /// in `list`).
    ids: hashbrown::HashTable<(u64, MonoId)>,
    hasher: foldhash::fast::FixedState,
    products: crate::lower::HashMap<(MonoId, MonoId), MonoId>,
    /// Coefficients being collected, by monomial, and which are in use.
    scratch: Vec<Option<Rat>>,
    touched: Vec<MonoId>,
    /// How many of the coefficients being collected are not zero.
    live: usize,
}

impl Monos {
    fn id(&mut self, m: Mono) -> MonoId {
        use std::hash::BuildHasher;
        let hash = self.hasher.hash_one(&m);
        let list = &self.list;
        if let Some(&(_, id)) = self.ids.find(hash, |&(h, id)| h == hash && list[id as usize] == m) {
            return id;
        }
        // A pass is bounded far below 2^32 monomials (`MAX_TOTAL_WORK`).
        let id = MonoId::try_from(self.list.len()).unwrap_or(MonoId::MAX);
        self.list.push(m);
        self.ids.insert_unique(hash, (hash, id), |&(h, _)| h);
        id
    }

    fn get(&self, id: MonoId) -> &Mono {
        // Ids come only from `id`.
        &self.list[id as usize]
    }

    fn product(&mut self, a: MonoId, b: MonoId) -> MonoId {
        let key = if a <= b { (a, b) } else { (b, a) };
        if let Some(&id) = self.products.get(&key) {
            return id;
        }
        let m = merge(self.get(a), self.get(b));
        let id = self.id(m);
        self.products.insert(key, id);
        id
    }

    /// Adds `c` to the coefficient being collected for `m`.
    fn add(&mut self, m: MonoId, c: Rat) {
        let i = m as usize;
        if self.scratch.len() <= i {
            self.scratch.resize(i + 1, None);
        }
        match &mut self.scratch[i] {
            Some(slot) => {
                let was_zero = slot.is_zero();
                *slot += c;
                match (was_zero, slot.is_zero()) {
                    (true, false) => self.live += 1,
                    (false, true) => self.live -= 1,
                    _ => {}
                }
            }
            slot => {
                self.live += usize::from(!c.is_zero());
                *slot = Some(c);
                self.touched.push(m);
            }
        }
    }

    /// The collected terms (zeros dropped), leaving the scratch empty.
    fn take(&mut self) -> Poly {
        self.live = 0;
        let mut out = Vec::with_capacity(self.touched.len());
        for m in self.touched.drain(..) {
            if let Some(c) = self.scratch[m as usize].take()
                && !c.is_zero()
            {
                out.push((m, c));
            }
        }
        out
    }
}

/// Polynomials made so far (shared, not copied, by every use), and the
/// most terms one may have.
struct Memo {
    polys: IdMap<Option<Rc<Poly>>>,
    monos: Monos,
    max_terms: usize,
    /// Term operations left for the whole pass.
    work_left: usize,
}

impl Memo {
    fn new(max_terms: usize) -> Memo {
        Memo { polys: IdMap::default(), monos: Monos::default(), max_terms, work_left: MAX_TOTAL_WORK }
    }

    /// Takes `n` term operations from the pass's budget; `None` once it is
    /// spent, which abandons the expansion.
    fn charge(&mut self, n: usize) -> Option<()> {
        self.work_left = self.work_left.checked_sub(n)?;
        Some(())
    }

    fn len(&self, m: MonoId) -> usize {
        self.monos.get(m).len()
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
/// Fewest terms of a polynomial whose expanded derivative is made without
/// back-propagating when it is clearly the shorter form.
const MIN_TERMS_UNFACTORED: usize = 8;
/// Most terms of an atom's derivative for derivatives on polynomials.
const MAX_ATOM_DERIVATIVE_TERMS: usize = 2;
/// Highest power of a sum multiplied out. `(a + b)^n` has terms up to
/// `C(n, n/2)` times the size of the whole, which cancel in f64 where the
/// sum is small: the third derivative of `(1 + (x - y^2 + 2)^2)^25` at a
/// point where `x - y^2 + 2` is near zero came out as 5.8e16 instead of
/// 377 when its powers were multiplied out into monomials of `x` and `y`.
/// A higher power is one atom, differentiated by the chain rule.
const MAX_EXPANDED_POWER: u32 = 3;
/// Largest expression (in distinct nodes) worth trying: normal forms pay
/// for small expressions differentiated many times, not for big graphs.
const MAX_NODES: usize = 1000;

/// `d = ∂f/∂v` as back-propagation made it, or expanded when that prints
/// clearly shorter. The expansion is the derivative of `f`'s polynomial
/// when `f` has one (cheaper than expanding `d`, which repeats the
/// factors the chain rule put in every term), `d`'s own otherwise.
pub fn expand_if_smaller(graph: &mut Graph, d: NodeId, f: NodeId, v: NodeId) -> Result<NodeId> {
    let scalar = graph.shape(f).is_empty() && graph.shape(v).is_empty();
    let from_f = |graph: &mut Graph, memo: &mut Memo| {
        if !scalar || graph.count_exceeds(f, MAX_NODES) {
            return None;
        }
        poly(graph, f, memo).and_then(|p| derivative(graph, &p, v, &mut IdMap::default(), memo))
    };
    smaller_of(graph, d, from_f)
}

/// `d` expanded when that prints clearly shorter, `d` otherwise: a sum or
/// product that simplifying made (`-(t - 1)*s - t*(1 - s)` is `s - t`).
pub fn shorter(graph: &mut Graph, d: NodeId) -> Result<NodeId> {
    smaller_of(graph, d, |_, _| None)
}

/// `d`, or its expansion (`first`'s when it gives one, `d`'s own
/// otherwise) when that prints clearly shorter.
fn smaller_of(
    graph: &mut Graph,
    d: NodeId,
    first: impl FnOnce(&mut Graph, &mut Memo) -> Option<Poly>,
) -> Result<NodeId> {
    if !matches!(graph.op(d), Op::Add { .. } | Op::Mul { .. }) {
        return Ok(d);
    }
    if graph.count_exceeds(d, MAX_NODES) {
        return Ok(d);
    }
    let before = graph.count(d);
    // More terms than a few per node cannot print shorter: give up early.
    let mut memo = Memo::new(MAX_TERMS.min(4 * before + 16));
    let cap = 4 * memo.max_terms;
    if terms_bound(graph, d, cap, &mut IdMap::default()) > cap {
        return Ok(d);
    }
    let expanded = match first(graph, &mut memo) {
        Some(p) => p,
        None => match poly(graph, d, &mut memo) {
            Some(p) => p.as_ref().clone(),
            None => return Ok(d),
        },
    };
    let shape = graph.shape(d).to_vec();
    let rebuilt = rebuild(graph, &expanded, &mut memo.monos)?;
    let rebuilt = graph.broadcast_to(rebuilt, shape);
    // Smaller as printed: fewer nodes can still read longer when the
    // expansion repeats a shared factor in every term.
    let size = crate::print::approx_len;
    // Clearly shorter only: the factored form of a derivative (`s*(1 - s)`)
    // reads as the rule that made it.
    Ok(if 10 * size(graph, rebuilt) < 9 * size(graph, d) { rebuilt } else { d })
}

/// `f` differentiated by each of `vars` in turn, the derivatives taken on
/// its polynomial over atoms and made into nodes once at the end: the last
/// derivative made and how many of `vars` it took. It stops early (and is
/// `(f, 0)` at the start) when `f` does not expand or a step outgrows the
/// budget; the caller back-propagates from there.
///
/// Each step is the chain rule at the level of atoms,
/// `∂(c·Π aᵢ^eᵢ) = Σᵢ c·eᵢ·aᵢ^(eᵢ-1)·∂aᵢ·Π_{j≠i} aⱼ^eⱼ`, with `∂aᵢ` from the
/// atom's own `bprop`, expanded once per atom. Back-propagating through a
/// polynomial and expanding the result again would make, print and throw
/// away a graph at every order (repeated differentiation, W4).
pub fn derivatives(graph: &mut Graph, f: NodeId, vars: &[NodeId]) -> Result<(NodeId, usize)> {
    let scalar = |id: NodeId| graph.shape(id).is_empty();
    if !scalar(f) || !vars.iter().all(|&v| scalar(v)) || graph.count_exceeds(f, MAX_NODES) {
        return Ok((f, 0));
    }
    let mut memo = Memo::new(MAX_TERMS);
    let Some(mut p) = poly(graph, f, &mut memo).map(|p| p.as_ref().clone()) else { return Ok((f, 0)) };
    let mut atoms = IdMap::default();
    let mut done = 0;
    // One budget for the whole chain (a fresh one per step let a long
    // chain of large steps run for seconds); where it runs out,
    // back-propagation goes on under its own limits.
    for &v in vars {
        crate::interrupt::check()?;
        match derivative(graph, &p, v, &mut atoms, &mut memo) {
            Some(d) => p = d,
            None => break,
        }
        done += 1;
    }
    if done == 0 {
        return Ok((f, 0));
    }
    Ok((rebuild(graph, &p, &mut memo.monos)?, done))
}

/// The derivatives of atoms, by atom, for one variable: the node
/// back-propagation makes and its polynomial.
type AtomDerivatives = IdMap<Option<(NodeId, Rc<Poly>)>>;

/// `∂p/∂v` by the chain rule over `p`'s atoms.
fn derivative(
    graph: &mut Graph,
    p: &Poly,
    v: NodeId,
    atoms: &mut IdMap<AtomDerivatives>,
    memo: &mut Memo,
) -> Option<Poly> {
    // Every atom's derivative first: expanding one collects terms in the
    // same scratch this sum is collected in.
    let mut derivs: IdMap<Rc<Poly>> = IdMap::default();
    for (m, _) in p {
        for k in 0..memo.len(*m) {
            let a = memo.monos.get(*m).get(k)?.0;
            if let std::collections::hash_map::Entry::Vacant(slot) = derivs.entry(a) {
                let (_, da) = atom_derivative(graph, a, v, atoms, memo)?;
                // `tanh(u)' = (1 - tanh(u)^2)·u'` kept whole: multiplied out
                // over a `u'` of many terms it grows the polynomial several
                // times per order, and loses to rounding the factor that is
                // exactly 0 once tanh saturates. Only atoms whose derivatives
                // are one or two terms (x, exp, sin, cos, tanh, sigmoid, log
                // of an atom) are differentiated this way.
                if da.len() > MAX_ATOM_DERIVATIVE_TERMS {
                    return None;
                }
                slot.insert(da);
            }
        }
    }
    let collected = collect_derivative(p, &derivs, memo);
    let out = memo.monos.take();
    collected?;
    out.iter().all(|(_, c)| small(c)).then_some(out)
}

/// Adds up `Σ c·e·(m/a)·∂a` over the terms `c·m` of `p` and their atoms
/// `a^e` into the scratch; `None` when over the budget.
fn collect_derivative(p: &Poly, derivs: &IdMap<Rc<Poly>>, memo: &mut Memo) -> Option<()> {
    for (m, c) in p {
        for k in 0..memo.len(*m) {
            let (a, e) = memo.monos.get(*m).get(k)?.clone();
            let da = derivs.get(&a)?.clone();
            if da.is_empty() {
                continue;
            }
            let rest = memo.monos.id(divided(memo.monos.get(*m), k));
            let ce = c * &e;
            for (md, cd) in da.iter() {
                let term = memo.monos.product(rest, *md);
                let coeff = &ce * cd;
                memo.charge(memo.len(term) + 1)?;
                memo.monos.add(term, coeff);
            }
            if memo.monos.live > memo.max_terms {
                return None;
            }
        }
    }
    Some(())
}

/// `m` divided once by its `k`-th atom.
fn divided(m: &Mono, k: usize) -> Mono {
    let mut rest = m.clone();
    if let Some(slot) = rest.get_mut(k) {
        slot.1 = &slot.1 - &rat(1);
        if slot.1.is_zero() {
            rest.remove(k);
        }
    }
    rest
}

/// `∂a/∂v` for an atom `a`, from back-propagation through `a` alone,
/// expanded; made once per atom and variable.
fn atom_derivative(
    graph: &mut Graph,
    a: NodeId,
    v: NodeId,
    atoms: &mut IdMap<AtomDerivatives>,
    memo: &mut Memo,
) -> Option<(NodeId, Rc<Poly>)> {
    if let Some(d) = atoms.get(&v).and_then(|t| t.get(&a)) {
        return d.clone();
    }
    let d = if a == v {
        Some((graph.int(1), Rc::new(constant(rat(1), &mut memo.monos))))
    } else {
        // An error here (a budget, an op without a derivative) is left for
        // back-propagation over the whole expression to report.
        crate::diff::grad_unexpanded(graph, a, v).ok().and_then(|d| Some((d, poly(graph, d, memo)?)))
    };
    atoms.entry(v).or_default().insert(a, d.clone());
    d
}

/// `∂f/∂v` expanded, made without back-propagating, when `f` is a
/// polynomial over atoms with short derivatives and the expansion clearly
/// prints shorter than the factored form back-propagation makes, both
/// lengths estimated from polynomials: the factored form is, per atom `a`,
/// its derivative (made once) times `∂f/∂a`. `None`: back-propagate. Back-
/// propagating only to throw the graph away was most of the last step of
/// a repeated derivative.
pub fn expanded_derivative(graph: &mut Graph, f: NodeId, v: NodeId) -> Result<Option<NodeId>> {
    let scalar = graph.shape(f).is_empty() && graph.shape(v).is_empty();
    if !scalar || !matches!(graph.op(f), Op::Add { .. } | Op::Mul { .. }) || graph.count_exceeds(f, MAX_NODES) {
        return Ok(None);
    }
    let mut memo = Memo::new(MAX_TERMS);
    // A short `f` (most first derivatives) costs little to back-propagate,
    // and the factored form's common factors (`(2*x + x^2*cos(x))*exp(…)`)
    // are not in the estimate.
    let Some(p) = poly(graph, f, &mut memo).filter(|p| p.len() >= MIN_TERMS_UNFACTORED) else { return Ok(None) };
    let mut atoms = IdMap::default();
    let Some(d) = derivative(graph, &p, v, &mut atoms, &mut memo) else { return Ok(None) };
    let derivs = atoms.remove(&v).unwrap_or_default();
    let mut lens = IdMap::default();
    let expanded = poly_len(graph, &d, &memo.monos, &mut lens);
    let mut factored = 0;
    for (&a, da) in &derivs {
        let Some((node, dp)) = da else { return Ok(None) };
        if dp.is_empty() {
            continue;
        }
        // `∂f/∂a`: each term with `a` lowered by one (no two meet).
        let mut partial: Poly = Vec::new();
        for (m, c) in p.iter() {
            let mono = memo.monos.get(*m);
            let Some((k, (_, e))) = mono.iter().enumerate().find(|(_, (b, _))| *b == a) else { continue };
            let term = c * e;
            let rest = divided(mono, k);
            partial.push((memo.monos.id(rest), term));
        }
        let group = if a == v { 0 } else { crate::print::approx_len(graph, *node) + 5 };
        factored += group + poly_len(graph, &partial, &memo.monos, &mut lens) + 3;
    }
    // A margin over `expand_if_smaller`'s 10 % for the estimates' error.
    if 10 * expanded >= 8 * factored {
        return Ok(None);
    }
    rebuild(graph, &d, &mut memo.monos).map(Some)
}

/// About the printed length of a polynomial (see `print::estimate`), from
/// its atoms' lengths (`lens`, filled as atoms are met).
fn poly_len(graph: &Graph, p: &Poly, monos: &Monos, lens: &mut IdMap<usize>) -> usize {
    let mut total = 0usize;
    for (m, c) in p {
        let mono = monos.get(*m);
        let mut term = crate::print::estimate::scale_len(c).max(usize::from(mono.is_empty()));
        for (a, e) in mono {
            let len = *lens.entry(*a).or_insert_with(|| crate::print::approx_len(graph, *a));
            let grouped = if matches!(graph.op(*a), Op::Add { .. }) { 2 } else { 0 };
            term += len + grouped + crate::print::estimate::power_len(e) + 1;
        }
        total += term + 2;
    }
    total
}

/// At least as many terms as `id` expands to (as many when no like terms
/// meet), found without expanding, up to `cap`: past it, some number over
/// `cap`. A derivative of a chain of `k` nested functions is a product of
/// `k` sums, and multiplying them out only to find `2^k` terms took most of
/// the time of a small `:grad` (W1); bounding all `k` sums when a dozen
/// pass the cap already took a sixth of it. (A sum has a term or a
/// constant, so no factor bounds a product to zero after it passed.)
fn terms_bound(graph: &Graph, id: NodeId, cap: usize, seen: &mut IdMap<usize>) -> usize {
    if let Some(&n) = seen.get(&id) {
        return n;
    }
    let mut n;
    match graph.op(id) {
        Op::Add { constant, .. } => {
            n = usize::from(!constant.is_zero());
            for &t in graph.inputs(id) {
                n = n.saturating_add(terms_bound(graph, t, cap, seen));
                if n > cap {
                    break;
                }
            }
        }
        Op::Mul { exps, .. } => {
            n = 1;
            for (&f, e) in graph.inputs(id).iter().zip(exps.iter()) {
                if let Some(k) = expanded_power(graph, f, e) {
                    n = n.saturating_mul(multisets(terms_bound(graph, f, cap, seen), k));
                }
                if n > cap {
                    break;
                }
            }
        }
        _ => n = 1,
    }
    seen.insert(id, n);
    n
}

/// The number of terms of `(t₁ + … + t_n)^k`: multisets of size `k` from
/// `n` terms, `C(n + k - 1, k)`, saturating.
fn multisets(n: usize, k: u32) -> usize {
    if n == 0 {
        return 0;
    }
    // C(n + k - 1, k) = C(n + k - 1, n - 1): the shorter product (a fuzz
    // finding raised one atom to the 704,050,967th power).
    let (top, steps) = (n - 1 + k as usize, (n - 1).min(k as usize));
    let mut c: usize = 1;
    for i in 1..=steps {
        // C(top - steps + i, i) from C(top - steps + i - 1, i - 1), exact at each step.
        c = match c.checked_mul(top - steps + i) {
            Some(x) => x / i,
            None => return usize::MAX,
        };
    }
    c
}

/// The power `f^e` is multiplied out to, when `f` is a sum or product and
/// `e` a positive integer up to `MAX_EXPANDED_POWER`; otherwise `f^e` is one
/// atom.
fn expanded_power(graph: &Graph, f: NodeId, e: &Rat) -> Option<u32> {
    let n = e.to_u32().filter(|n| e.is_integer() && (1..=MAX_EXPANDED_POWER).contains(n))?;
    matches!(graph.op(f), Op::Add { .. } | Op::Mul { .. }).then_some(n)
}

fn poly(graph: &Graph, id: NodeId, memo: &mut Memo) -> Option<Rc<Poly>> {
    if let Some(p) = memo.polys.get(&id) {
        let p = p.clone();
        let work = p.as_ref().map_or(0, |p| p.iter().map(|(m, _)| memo.len(*m) + 1).sum());
        memo.charge(work)?;
        return p;
    }
    let p = match graph.op(id) {
        Op::Num(r) if !small(r) => None,
        Op::Num(r) if graph.shape(id).is_empty() => Some(constant(r.clone(), &mut memo.monos)),
        Op::Add { coeffs, constant: c } if small(c) && coeffs.iter().all(small) => sum(graph, id, coeffs, c, memo),
        Op::Mul { coeff, exps } if small(coeff) && exps.iter().all(small) => product(graph, id, coeff, exps, memo),
        Op::Add { .. } | Op::Mul { .. } => None,
        _ => Some(atom(id, rat(1), &mut memo.monos)),
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

fn constant(r: Rat, monos: &mut Monos) -> Poly {
    if r.is_zero() { Vec::new() } else { vec![(monos.id(Vec::new()), r)] }
}

fn atom(id: NodeId, e: Rat, monos: &mut Monos) -> Poly {
    vec![(monos.id(vec![(id, e)]), rat(1))]
}

fn sum(graph: &Graph, id: NodeId, coeffs: &[Rat], c: &Rat, memo: &mut Memo) -> Option<Poly> {
    // The terms' polynomials first: making them collects terms too.
    let parts: Vec<(Rc<Poly>, &Rat)> =
        graph.inputs(id).iter().zip(coeffs).map(|(&t, k)| Some((poly(graph, t, memo)?, k))).collect::<Option<_>>()?;
    if !c.is_zero() {
        let one = memo.monos.id(Vec::new());
        memo.monos.add(one, c.clone());
    }
    for (p, k) in parts {
        let work: usize = p.iter().map(|(m, _)| memo.len(*m) + 1).sum();
        if memo.charge(work).is_none() {
            memo.monos.take();
            return None;
        }
        for (m, v) in p.iter() {
            memo.monos.add(*m, v * k);
        }
        if memo.monos.live > memo.max_terms {
            memo.monos.take();
            return None;
        }
    }
    Some(memo.monos.take())
}

fn product(graph: &Graph, id: NodeId, coeff: &Rat, exps: &[Rat], memo: &mut Memo) -> Option<Poly> {
    let mut acc = constant(coeff.clone(), &mut memo.monos);
    for (&f, e) in graph.inputs(id).iter().zip(exps) {
        let factor = match expanded_power(graph, f, e) {
            Some(n) => {
                let base = poly(graph, f, memo)?;
                power(&base, n, memo)?
            }
            None => atom(f, e.clone(), &mut memo.monos),
        };
        acc = multiply(&acc, &factor, memo)?;
    }
    Some(acc)
}

fn power(base: &Poly, n: u32, memo: &mut Memo) -> Option<Poly> {
    let mut acc = constant(rat(1), &mut memo.monos);
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
    for (ma, ca) in a {
        for (mb, cb) in b {
            let m = memo.monos.product(*ma, *mb);
            // Comparing monomials costs their length, multiplying
            // coefficients their size in words.
            let words = (ca.total_bits() + cb.total_bits()) / 64;
            if memo.charge(memo.len(m) + 1 + words as usize).is_none() {
                memo.monos.take();
                return None;
            }
            memo.monos.add(m, ca * cb);
        }
    }
    let out = memo.monos.take();
    (out.len() <= memo.max_terms).then_some(out)
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

/// The polynomial as nodes: `(1 - s)^m*(1 - t^2)^n*…*Q` with the factors
/// at which a `sigmoid` atom `s` or a `tanh` atom `t` saturates taken out
/// (see [`saturation`]), `Q` a sum of products.
fn rebuild(graph: &mut Graph, p: &Poly, monos: &mut Monos) -> Result<NodeId> {
    let mut atoms: Vec<NodeId> = p.iter().flat_map(|(m, _)| monos.get(*m).iter().map(|(a, _)| *a)).collect();
    atoms.sort_unstable();
    atoms.dedup();
    let mut rest = std::borrow::Cow::Borrowed(p);
    let mut factors = Vec::new();
    for a in atoms {
        let Some(how) = saturation::Saturates::of(graph, a) else { continue };
        // The atom's common power first, so that the division walks only
        // the powers between the lowest and the highest (`sigmoid(x)^600`).
        let (power, lowest) = saturation::common_power(&rest, a, monos).unzip();
        let mut quotient = None;
        let mut times = 0;
        while let Some(q) = saturation::divided(quotient.as_ref().or(lowest.as_ref()).unwrap_or(&rest), a, how, monos) {
            quotient = Some(q);
            times += 1;
        }
        if let Some(q) = quotient {
            factors.push((saturation::factor(graph, a, how)?, rat(times)));
            if let Some(k) = power {
                factors.push((a, rat(k as i64)));
            }
            rest = std::borrow::Cow::Owned(q);
        }
    }
    let sum = rebuild_sum(graph, &rest, monos)?;
    if factors.is_empty() {
        return Ok(sum);
    }
    factors.push((sum, rat(1)));
    graph.product(rat(1), &factors)
}

/// The polynomial as a sum of products, its terms made in the order of
/// their monomials (so the nodes made, and their numbers, do not depend on
/// the order the terms were collected in).
fn rebuild_sum(graph: &mut Graph, p: &Poly, monos: &Monos) -> Result<NodeId> {
    let mut sorted: Vec<(&Mono, &Rat)> = p.iter().map(|(m, c)| (monos.get(*m), c)).collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut terms = Vec::with_capacity(sorted.len());
    for (m, c) in sorted {
        let t = if m.is_empty() { graph.num(c.clone()) } else { graph.product(rat(1), m)? };
        terms.push((t, if m.is_empty() { Rat::one() } else { c.clone() }));
    }
    graph.sum(&terms)
}

#[cfg(test)]
mod tests {
    use super::multisets;

    #[test]
    fn multisets_count_monomials_of_a_power() {
        // C(n + k - 1, k) from Pascal's rule.
        let mut c = vec![vec![0usize; 12]; 24];
        for row in c.iter_mut() {
            row[0] = 1;
        }
        for m in 1..24 {
            for j in 1..12 {
                c[m][j] = c[m - 1][j - 1] + c[m - 1][j];
            }
        }
        for n in 1..12usize {
            for k in 0..12u32 {
                assert_eq!(multisets(n, k), c[n + k as usize - 1][k as usize], "n = {n}, k = {k}");
            }
        }
        assert_eq!(multisets(0, 3), 0);
        // One term to a huge power is one term, at once.
        assert_eq!(multisets(1, 704_050_967), 1);
        assert_eq!(multisets(3, u32::MAX), usize::MAX);
    }
}
