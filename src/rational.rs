//! Exact rationals: a machine-word fast path in front of num-rational's
//! `BigRational`.
//!
//! Nearly every coefficient and exponent the simplifier meets is a small
//! integer, and a `BigRational` holds two heap-allocated digit vectors
//! even for `1`: making, cloning and dropping them was a large share of
//! building a derivative. A [`Rat`] keeps a reduced `i64` ratio inline and
//! moves to `BigRational` only when a value leaves that range (and back
//! when it returns), so arithmetic stays exact at any size.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub};

/// An exact rational number.
#[derive(Clone, PartialEq, Eq)]
pub struct Rat(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// `n/d` in lowest terms with `d > 0` and `n > i64::MIN` (so negating
    /// and `abs` stay in range). Every value that fits is stored so, which
    /// keeps equality structural.
    Small(i64, i64),
    Big(Box<BigRational>),
}

impl Rat {
    /// `n/d`; panics when `d` is zero, as `BigRational::new` does.
    pub fn new(n: BigInt, d: BigInt) -> Rat {
        Rat::from(BigRational::new(n, d))
    }

    pub fn from_integer(n: BigInt) -> Rat {
        match n.to_i64() {
            Some(v) if v != i64::MIN => Rat(Repr::Small(v, 1)),
            _ => Rat(Repr::Big(Box::new(BigRational::from_integer(n)))),
        }
    }

    pub fn int(n: i64) -> Rat {
        if n == i64::MIN { Rat::from_integer(n.into()) } else { Rat(Repr::Small(n, 1)) }
    }

    /// The reduced ratio `n/d` of two i128s (`d != 0`).
    fn ratio(n: i128, d: i128) -> Rat {
        if d == 1 {
            return match i64::try_from(n) {
                Ok(a) if a != i64::MIN => Rat(Repr::Small(a, 1)),
                _ => Rat(Repr::Big(Box::new(BigRational::from_integer(n.into())))),
            };
        }
        let g = gcd(n.unsigned_abs(), d.unsigned_abs()) as i128;
        let (mut n, mut d) = if g > 1 { (n / g, d / g) } else { (n, d) };
        if d < 0 {
            (n, d) = (-n, -d);
        }
        match (i64::try_from(n), i64::try_from(d)) {
            (Ok(a), Ok(b)) if a != i64::MIN => Rat(Repr::Small(a, b)),
            _ => Rat(Repr::Big(Box::new(BigRational::new_raw(n.into(), d.into())))),
        }
    }

    /// As a `BigRational` (a copy for a small value).
    pub fn to_big(&self) -> BigRational {
        match &self.0 {
            Repr::Small(n, d) => BigRational::new_raw((*n).into(), (*d).into()),
            Repr::Big(b) => (**b).clone(),
        }
    }

    /// `(numerator, denominator)` when both fit an i64.
    pub fn small(&self) -> Option<(i64, i64)> {
        match self.0 {
            Repr::Small(n, d) => Some((n, d)),
            Repr::Big(_) => None,
        }
    }

    pub fn numer(&self) -> BigInt {
        match &self.0 {
            Repr::Small(n, _) => (*n).into(),
            Repr::Big(b) => b.numer().clone(),
        }
    }

    pub fn denom(&self) -> BigInt {
        match &self.0 {
            Repr::Small(_, d) => (*d).into(),
            Repr::Big(b) => b.denom().clone(),
        }
    }

    /// Bits of the larger of numerator and denominator.
    pub fn bits(&self) -> u64 {
        match &self.0 {
            Repr::Small(n, d) => u64::from(64 - n.unsigned_abs().max(d.unsigned_abs()).leading_zeros()),
            Repr::Big(b) => b.numer().bits().max(b.denom().bits()),
        }
    }

    /// Bits of numerator and denominator together.
    pub fn total_bits(&self) -> u64 {
        match &self.0 {
            Repr::Small(n, d) => u64::from(128 - n.unsigned_abs().leading_zeros() - d.unsigned_abs().leading_zeros()),
            Repr::Big(b) => b.numer().bits() + b.denom().bits(),
        }
    }

    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Small(_, d) => *d == 1,
            Repr::Big(b) => b.is_integer(),
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self.0, Repr::Small(0, _))
    }

    pub fn is_one(&self) -> bool {
        matches!(self.0, Repr::Small(1, 1))
    }

    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Small(n, _) => *n < 0,
            Repr::Big(b) => b.is_negative(),
        }
    }

    pub fn is_positive(&self) -> bool {
        match &self.0 {
            Repr::Small(n, _) => *n > 0,
            Repr::Big(b) => b.is_positive(),
        }
    }

    pub fn abs(&self) -> Rat {
        if self.is_negative() { -self } else { self.clone() }
    }

    /// `n/d` of two machine integers (`d != 0`).
    pub fn ratio_of(n: i64, d: i64) -> Rat {
        Rat::ratio(n.into(), d.into())
    }

    /// Whether the value is exactly `1/2` (square roots are powers of it).
    pub fn is_half(&self) -> bool {
        matches!(self.0, Repr::Small(1, 2))
    }

    pub fn zero() -> Rat {
        Rat::int(0)
    }

    pub fn one() -> Rat {
        Rat::int(1)
    }

    /// `1/self`; panics on zero, as `BigRational::recip` does.
    pub fn recip(&self) -> Rat {
        match &self.0 {
            Repr::Small(n, d) if *n != 0 => {
                if *n < 0 {
                    Rat(Repr::Small(-d, -n))
                } else {
                    Rat(Repr::Small(*d, *n))
                }
            }
            _ => Rat::from(self.to_big().recip()),
        }
    }

    /// The integer part, rounded toward zero.
    pub fn to_integer(&self) -> BigInt {
        match &self.0 {
            Repr::Small(n, d) => (n / d).into(),
            Repr::Big(b) => b.to_integer(),
        }
    }

    /// `self^e`.
    pub fn pow(&self, e: u32) -> Rat {
        if let Repr::Small(n, d) = self.0
            && let (Some(a), Some(b)) = (n.checked_pow(e), d.checked_pow(e))
            && a != i64::MIN
        {
            return Rat(Repr::Small(a, b));
        }
        Rat::from(num_traits::Pow::pow(self.to_big(), e))
    }

    fn add_ref(&self, other: &Rat) -> Rat {
        match (&self.0, &other.0) {
            (Repr::Small(a, 1), Repr::Small(b, 1)) => match a.checked_add(*b) {
                Some(s) if s != i64::MIN => Rat(Repr::Small(s, 1)),
                _ => Rat::ratio(i128::from(*a) + i128::from(*b), 1),
            },
            (Repr::Small(a, b), Repr::Small(c, d)) => {
                let (a, b, c, d) = (i128::from(*a), i128::from(*b), i128::from(*c), i128::from(*d));
                Rat::ratio(a * d + c * b, b * d)
            }
            // Integers need no gcd: num-integer's binary gcd of a big
            // number and 1 takes a step per bit, each as long as the
            // number (a fuzz finding spent seconds there).
            _ if self.is_integer() && other.is_integer() => Rat::from_integer(self.numer() + other.numer()),
            _ => Rat::from(self.to_big() + other.to_big()),
        }
    }

    fn mul_ref(&self, other: &Rat) -> Rat {
        match (&self.0, &other.0) {
            (Repr::Small(a, 1), Repr::Small(c, 1)) => match a.checked_mul(*c) {
                Some(p) if p != i64::MIN => Rat(Repr::Small(p, 1)),
                _ => Rat::ratio(i128::from(*a) * i128::from(*c), 1),
            },
            (Repr::Small(a, b), Repr::Small(c, d)) => {
                Rat::ratio(i128::from(*a) * i128::from(*c), i128::from(*b) * i128::from(*d))
            }
            _ if self.is_integer() && other.is_integer() => Rat::from_integer(self.numer() * other.numer()),
            _ => Rat::from(self.to_big() * other.to_big()),
        }
    }

    fn div_ref(&self, other: &Rat) -> Rat {
        self.mul_ref(&other.recip())
    }
}

/// Binary gcd (`gcd(0, m) = m`).
fn gcd(mut a: u128, mut b: u128) -> u128 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

impl From<BigRational> for Rat {
    fn from(r: BigRational) -> Rat {
        match (r.numer().to_i64(), r.denom().to_i64()) {
            (Some(n), Some(d)) if n != i64::MIN => Rat(Repr::Small(n, d)),
            _ => Rat(Repr::Big(Box::new(r))),
        }
    }
}

impl From<&BigRational> for Rat {
    fn from(r: &BigRational) -> Rat {
        match (r.numer().to_i64(), r.denom().to_i64()) {
            (Some(n), Some(d)) if n != i64::MIN => Rat(Repr::Small(n, d)),
            _ => Rat(Repr::Big(Box::new(r.clone()))),
        }
    }
}

impl From<BigInt> for Rat {
    fn from(n: BigInt) -> Rat {
        Rat::from_integer(n)
    }
}

impl From<i64> for Rat {
    fn from(n: i64) -> Rat {
        Rat::int(n)
    }
}

impl Default for Rat {
    fn default() -> Rat {
        Rat::zero()
    }
}

impl Hash for Rat {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match &self.0 {
            Repr::Small(n, d) => {
                h.write_i64(*n);
                h.write_i64(*d);
            }
            Repr::Big(b) => {
                b.numer().hash(h);
                b.denom().hash(h);
            }
        }
    }
}

impl Ord for Rat {
    fn cmp(&self, other: &Rat) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Small(a, b), Repr::Small(c, d)) if b == d => a.cmp(c),
            (Repr::Small(a, b), Repr::Small(c, d)) => {
                (i128::from(*a) * i128::from(*d)).cmp(&(i128::from(*c) * i128::from(*b)))
            }
            _ => self.to_big().cmp(&other.to_big()),
        }
    }
}

impl PartialOrd for Rat {
    fn partial_cmp(&self, other: &Rat) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Rat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Small(n, 1) => write!(f, "{n}"),
            Repr::Small(n, d) => write!(f, "{n}/{d}"),
            Repr::Big(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Debug for Rat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rat({self})")
    }
}

impl ToPrimitive for Rat {
    fn to_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Small(n, 1) => Some(*n),
            Repr::Small(..) => None,
            Repr::Big(b) => b.is_integer().then(|| b.numer().to_i64()).flatten(),
        }
    }

    fn to_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Small(n, 1) => u64::try_from(*n).ok(),
            Repr::Small(..) => None,
            Repr::Big(b) => b.is_integer().then(|| b.numer().to_u64()).flatten(),
        }
    }

    fn to_f64(&self) -> Option<f64> {
        Some(crate::eval::rat::rat_to_f64(self))
    }
}

impl Neg for Rat {
    type Output = Rat;
    fn neg(self) -> Rat {
        -&self
    }
}

impl Neg for &Rat {
    type Output = Rat;
    fn neg(self) -> Rat {
        match &self.0 {
            Repr::Small(n, d) => Rat(Repr::Small(-n, *d)),
            Repr::Big(b) => Rat::from(-(**b).clone()),
        }
    }
}

/// `a op b` for every mix of owned and borrowed operands.
macro_rules! binary {
    ($Trait:ident, $method:ident, $via:ident) => {
        impl $Trait<&Rat> for &Rat {
            type Output = Rat;
            fn $method(self, other: &Rat) -> Rat {
                self.$via(other)
            }
        }
        impl $Trait<Rat> for &Rat {
            type Output = Rat;
            fn $method(self, other: Rat) -> Rat {
                self.$via(&other)
            }
        }
        impl $Trait<&Rat> for Rat {
            type Output = Rat;
            fn $method(self, other: &Rat) -> Rat {
                self.$via(other)
            }
        }
        impl $Trait<Rat> for Rat {
            type Output = Rat;
            fn $method(self, other: Rat) -> Rat {
                self.$via(&other)
            }
        }
    };
}

binary!(Add, add, add_ref);
binary!(Mul, mul, mul_ref);
binary!(Div, div, div_ref);

impl Rat {
    fn sub_ref(&self, other: &Rat) -> Rat {
        self.add_ref(&-other)
    }
}

binary!(Sub, sub, sub_ref);

impl AddAssign<&Rat> for Rat {
    fn add_assign(&mut self, other: &Rat) {
        *self = self.add_ref(other);
    }
}

impl AddAssign<Rat> for Rat {
    fn add_assign(&mut self, other: Rat) {
        *self = self.add_ref(&other);
    }
}

impl Zero for Rat {
    fn zero() -> Rat {
        Rat::int(0)
    }
    fn is_zero(&self) -> bool {
        Rat::is_zero(self)
    }
}

impl One for Rat {
    fn one() -> Rat {
        Rat::int(1)
    }
    fn is_one(&self) -> bool {
        Rat::is_one(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn big(r: &Rat) -> BigRational {
        r.to_big()
    }

    /// Values near the edges of the fast path, where it must hand over.
    fn edge() -> impl Strategy<Value = i64> {
        prop_oneof![
            -20i64..20,
            Just(i64::MAX),
            Just(i64::MIN + 1),
            Just(i64::MAX / 2 + 1),
            Just(1 << 32),
            Just(-(1 << 31) - 7),
            any::<i64>(),
        ]
    }

    fn rat() -> impl Strategy<Value = Rat> {
        (edge(), edge().prop_filter("nonzero", |d| *d != 0), any::<bool>()).prop_map(|(n, d, huge)| {
            let r = Rat::new(n.into(), d.into());
            // Some values past i64 on purpose.
            if huge { r * Rat::new(BigInt::from(u64::MAX) * 3, 1.into()) } else { r }
        })
    }

    proptest! {
        #[test]
        fn arithmetic_agrees_with_big_rationals(a in rat(), b in rat()) {
            prop_assert_eq!(big(&(&a + &b)), big(&a) + big(&b));
            prop_assert_eq!(big(&(&a - &b)), big(&a) - big(&b));
            prop_assert_eq!(big(&(&a * &b)), big(&a) * big(&b));
            if !b.is_zero() {
                prop_assert_eq!(big(&(&a / &b)), big(&a) / big(&b));
            }
            prop_assert_eq!(a.cmp(&b), big(&a).cmp(&big(&b)));
            prop_assert_eq!(a == b, big(&a) == big(&b));
            prop_assert_eq!(big(&-&a), -big(&a));
            prop_assert_eq!(a.to_string(), big(&a).to_string());
            // One value, one representation: equal values hash alike.
            prop_assert_eq!(Rat::from(big(&a)), a.clone());
        }
    }

    #[test]
    fn results_move_between_small_and_big() {
        let max = Rat::int(i64::MAX);
        let past = &max + &Rat::one();
        assert!(past.small().is_none());
        assert_eq!(past.to_string(), "9223372036854775808");
        assert_eq!((&past - &Rat::one()).small(), Some((i64::MAX, 1)));
        assert_eq!(Rat::new((-6).into(), 4.into()).small(), Some((-3, 2)));
        assert_eq!(Rat::new(3.into(), (-6).into()).recip().small(), Some((-2, 1)));
        assert_eq!(Rat::new(1.into(), 2.into()).pow(3).to_string(), "1/8");
        assert_eq!(Rat::new(7.into(), 2.into()).to_integer(), 3.into());
        assert_eq!(Rat::new((-7).into(), 2.into()).to_integer(), (-3).into());
        assert_eq!(Rat::int(-5).bits(), 3);
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(gcd(0, 7), 7);
    }
}
