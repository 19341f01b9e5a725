//! Exact-number helpers for the value layer: the correctly rounded f64 of a
//! rational (also when numerator and denominator are far beyond the f64
//! range), rational square roots, and an overflow-safe f64 L2 norm.

use super::value::Rat;
use num_bigint::{BigInt, BigUint};
use num_traits::{Signed, ToPrimitive, Zero};

/// L2 norm of f64s, rescaled when the plain sum of squares over- or
/// underflows.
pub fn norm_f64(xs: &[f64]) -> f64 {
    let s: f64 = xs.iter().map(|x| x * x).sum();
    if s.is_finite() && s >= f64::MIN_POSITIVE {
        return s.sqrt();
    }
    let m = xs.iter().map(|x| x.abs()).fold(0.0, f64::max);
    if m == 0.0 || !m.is_finite() || s.is_nan() {
        return if xs.iter().any(|x| x.is_nan()) { f64::NAN } else { m };
    }
    // Scaling by a power of two is exact.
    let e = (m.log2().round() as i64).clamp(-1022, 1022);
    let s = pow2(-e);
    xs.iter().map(|x| (x * s) * (x * s)).sum::<f64>().sqrt() * pow2(e)
}

/// The rational square root, when there is one.
pub fn rat_sqrt(r: &Rat) -> Option<Rat> {
    if r.is_negative() {
        return None;
    }
    let root = |n: &BigInt| Some(n.sqrt()).filter(|s| s * s == *n);
    Some(Rat::new(root(&r.numer())?, root(&r.denom())?))
}

/// `2^e` as f64, for `e` in the normal range `-1022..=1023`.
fn pow2(e: i64) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// The f64 nearest to `r` (ties to even), also when numerator and
/// denominator are far outside the f64 range.
pub fn rat_to_f64(r: &Rat) -> f64 {
    const EXACT: i64 = 1 << 53;
    if let Some((n, d)) = r.small()
        && n.abs() <= EXACT
        && d <= EXACT
    {
        // Coefficients are mostly integers: no division for them.
        return if d == 1 { n as f64 } else { n as f64 / d as f64 };
    }
    let x = ratio_to_f64(r.numer().magnitude(), r.denom().magnitude());
    if r.is_negative() { -x } else { x }
}

/// `floor(n * 2^s / d)` and whether it is inexact (the sticky bit).
fn scaled_quotient(n: &BigUint, d: &BigUint, s: i64) -> (u128, bool) {
    let (num, den) = if s >= 0 { (n << s as usize, d.clone()) } else { (n.clone(), d << (-s) as usize) };
    let q = &num / &den;
    let inexact = &q * &den != num;
    (q.to_u128().unwrap_or(u128::MAX), inexact)
}

/// Positive `n / d` to the nearest f64.
fn ratio_to_f64(n: &BigUint, d: &BigUint) -> f64 {
    if n.is_zero() {
        return 0.0;
    }
    // The quotient lies in [2^(e-1), 2^(e+1)).
    let e = n.bits() as i64 - d.bits() as i64;
    if e > 1025 {
        return f64::INFINITY;
    }
    if e < -1080 {
        return 0.0;
    }
    if e >= -1020 {
        // 65+ significant bits, sticky bit below: one correct rounding.
        let s = 65 - e;
        let (q, inexact) = scaled_quotient(n, d, s);
        let f = (q | u128::from(inexact)) as f64;
        let h = s / 2;
        return f * pow2(-h) * pow2(-(s - h));
    }
    // Subnormal: units of 2^-1076, i.e. two guard bits; round by hand.
    let (q, inexact) = scaled_quotient(n, d, 1076);
    let (base, guard) = (q >> 2, q & 3);
    let up = guard > 2 || (guard == 2 && (inexact || base & 1 == 1));
    (base + u128::from(up)) as f64 * f64::from_bits(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pow10(e: i64) -> Rat {
        let p = Rat::from_integer(BigInt::from(10).pow(e.unsigned_abs() as u32));
        if e >= 0 { p } else { p.recip() }
    }

    #[test]
    fn conversion_is_correctly_rounded() {
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2000 {
            let bits = rng.u32(0..60);
            let n = rng.u64(1..u64::MAX >> bits);
            let e = rng.i64(-400..400);
            let r = Rat::from_integer(n.into()) * pow10(e);
            let want: f64 = format!("{n}e{e}").parse().unwrap_or(f64::NAN);
            assert_eq!(rat_to_f64(&r), want, "{n}e{e}");
            assert_eq!(rat_to_f64(&-r), -want);
        }
    }

    #[test]
    fn huge_and_tiny_rationals() {
        let big = pow10(400);
        let one = (big.clone() + Rat::from_integer(1.into())) / big.clone();
        assert_eq!(rat_to_f64(&one), 1.0);
        assert_eq!(rat_to_f64(&big), f64::INFINITY);
        assert_eq!(rat_to_f64(&big.recip()), 0.0);
        let two = BigInt::from(2);
        let tiny = |n: i64, k: u32| Rat::new(n.into(), two.pow(k));
        assert_eq!(rat_to_f64(&tiny(1, 1074)), f64::from_bits(1));
        assert_eq!(rat_to_f64(&tiny(3, 1075)), f64::from_bits(2)); // tie → even
        assert_eq!(rat_to_f64(&tiny(1, 1075)), 0.0); // tie → even (zero)
        assert_eq!(rat_to_f64(&tiny(1, 1022)), f64::MIN_POSITIVE);
    }

    #[test]
    fn square_roots_and_norms() {
        assert_eq!(rat_sqrt(&Rat::new(9.into(), 4.into())), Some(Rat::new(3.into(), 2.into())));
        assert_eq!(rat_sqrt(&Rat::new(2.into(), 1.into())), None);
        assert!((norm_f64(&[3e200, 4e200]) / 5e200 - 1.0).abs() < 1e-15);
        assert!((norm_f64(&[3e-200, 4e-200]) / 5e-200 - 1.0).abs() < 1e-15);
        assert_eq!(norm_f64(&[3.0, 4.0]), 5.0);
        assert!(norm_f64(&[1.0, f64::NAN]).is_nan());
    }
}
