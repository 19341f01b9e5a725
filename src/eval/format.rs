//! Printing values: numbers in a form the language reads back as the same
//! number (exact rationals as terminating decimals or `p/q`, f64 as the
//! shortest round-trip form), tensors as bracketed lists with NumPy-like
//! aligned columns and `...` summaries, and the JSON `value` / `exact` fields.

use super::value::{Rat, Value};
use crate::graph::shape::numel;
use num_bigint::{BigInt, BigUint};
use num_traits::{One, Signed, Zero};

/// Tensors with more elements than this are summarised with `...`.
const SUMMARY_THRESHOLD: usize = 1000;
/// Elements shown at each end of a summarised axis.
const EDGE_ITEMS: usize = 3;
/// Terminating decimals with more fractional digits than this are not
/// printed in plain positional form.
const MAX_DECIMALS: u32 = 20;
/// Terminating decimals with more fractional digits than this print as `p/q`.
const MAX_PLACES: u64 = 400;

/// `3.764`, `-0.5`, `7`, `1/3`: a decimal when the denominator has only the
/// factors 2 and 5, else `p/q`. Past 20 decimal places, the shorter of exact
/// scientific notation (`1e-30`, which the language reads back exactly) and
/// `p/q`.
pub fn format_rat(r: &Rat) -> String {
    if r.is_integer() {
        return r.to_string();
    }
    let Some(k) = decimal_places(r.denom().magnitude()) else {
        return r.to_string();
    };
    let digits = (r.numer().abs() * BigInt::from(10u32).pow(k) / r.denom()).to_string();
    let sign = if r.is_negative() { "-" } else { "" };
    if k <= MAX_DECIMALS {
        let digits = format!("{digits:0>w$}", w = k as usize + 1);
        let (int, frac) = digits.split_at(digits.len() - k as usize);
        return format!("{sign}{int}.{}", frac.trim_end_matches('0'));
    }
    let (lead, rest) = digits.split_at(1);
    let exp = digits.len() as i64 - 1 - i64::from(k);
    let sci = match rest.trim_end_matches('0') {
        "" => format!("{sign}{lead}e{exp}"),
        rest => format!("{sign}{lead}.{rest}e{exp}"),
    };
    let frac = r.to_string();
    if sci.len() <= frac.len() { sci } else { frac }
}

/// Decimal places of `1/d` when it terminates (`d` = 2^a 5^b), up to
/// `MAX_PLACES`.
fn decimal_places(d: &BigUint) -> Option<u32> {
    let twos = d.trailing_zeros().unwrap_or(0);
    let (mut rest, mut fives) = (d >> twos, 0u64);
    let five = BigUint::from(5u32);
    while fives <= MAX_PLACES && (&rest % &five).is_zero() {
        rest /= &five;
        fives += 1;
    }
    let k = twos.max(fives);
    (rest.is_one() && k <= MAX_PLACES).then_some(k as u32)
}

/// Shortest round-trip form: plain for `1e-5 <= |x| < 1e16` (integral
/// values get `.0`, as in Python), scientific otherwise; `nan`, `inf`,
/// `-inf`; `-0.0` prints `0.0`.
pub fn format_f64(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0.0".into();
    }
    if (1e-5..1e16).contains(&x.abs()) {
        let s = format!("{x}");
        if s.contains('.') { s } else { s + ".0" }
    } else {
        format!("{x:e}")
    }
}

/// A value as text: scalars alone, vectors `[0, 3.764, 0]`, matrices and
/// higher ranks one row per line with aligned columns.
pub fn format_value(v: &Value) -> String {
    let cell = |i: usize| match v {
        Value::Exact(t) => format_rat(&t.data[i]),
        Value::Float(t) => format_f64(t.data[i]),
    };
    let shape = v.shape();
    if shape.is_empty() {
        return cell(0);
    }
    let summarise = numel(shape) > SUMMARY_THRESHOLD;
    let shown: Vec<Vec<Option<usize>>> = shape.iter().map(|&d| shown_indices(d, summarise)).collect();
    let layout = Layout { shape, strides: super::kernels::strides(shape), shown };
    let mut cells = Vec::new();
    layout.visit(0, 0, &mut |off, col| cells.push((col, split_cell(cell(off)))));
    let widths = column_widths(&cells, shape.len() >= 2);
    let mut it = cells.into_iter().map(|(col, (l, r))| {
        let (lw, rw) = widths.get(col).copied().unwrap_or((0, 0));
        format!("{l:>lw$}{r:<rw$}")
    });
    let mut out = String::new();
    layout.render(0, &mut it, &mut out);
    out
}

/// Indices displayed along an axis of length `d`; `None` marks `...`.
fn shown_indices(d: usize, summarise: bool) -> Vec<Option<usize>> {
    if summarise && d > 2 * EDGE_ITEMS {
        let head = (0..EDGE_ITEMS).map(Some);
        let tail = (d - EDGE_ITEMS..d).map(Some);
        head.chain(std::iter::once(None)).chain(tail).collect()
    } else {
        (0..d).map(Some).collect()
    }
}

/// Splits a number's text where its decimal point (or exponent, or `/`)
/// begins, for alignment.
fn split_cell(s: String) -> (String, String) {
    let at = s.find(['.', 'e', '/']).unwrap_or(s.len());
    let right = s[at..].to_string();
    (s[..at].to_string(), right)
}

/// Widths of the left and right parts in each column (none when `align`
/// is false: vectors are printed unpadded).
fn column_widths(cells: &[(usize, (String, String))], align: bool) -> Vec<(usize, usize)> {
    let mut w: Vec<(usize, usize)> = Vec::new();
    if !align {
        return w;
    }
    for (col, (l, r)) in cells {
        if w.len() <= *col {
            w.resize(col + 1, (0, 0));
        }
        w[*col].0 = w[*col].0.max(l.chars().count());
        w[*col].1 = w[*col].1.max(r.chars().count());
    }
    w
}

/// What is shown of a tensor, and where its elements are.
struct Layout<'a> {
    shape: &'a [usize],
    strides: Vec<usize>,
    shown: Vec<Vec<Option<usize>>>,
}

impl Layout<'_> {
    /// Calls `f(offset, column)` for each shown element in print order.
    fn visit(&self, axis: usize, off: usize, f: &mut impl FnMut(usize, usize)) {
        let last = axis + 1 == self.shape.len();
        for (col, i) in self.shown[axis].iter().enumerate() {
            let Some(i) = i else { continue };
            let o = off + i * self.strides[axis];
            if last { f(o, col) } else { self.visit(axis + 1, o, f) }
        }
    }

    /// Writes the brackets, separators and (from `cells`) the elements.
    fn render(&self, axis: usize, cells: &mut impl Iterator<Item = String>, out: &mut String) {
        let rank = self.shape.len();
        let sep = if axis + 1 == rank {
            ", ".to_string()
        } else {
            format!(",\n{}{}", "\n".repeat(rank - axis - 2), " ".repeat(axis + 1))
        };
        out.push('[');
        for (n, i) in self.shown[axis].iter().enumerate() {
            if n > 0 {
                out.push_str(&sep);
            }
            match i {
                None => out.push_str("..."),
                Some(_) if axis + 1 == rank => out.push_str(&cells.next().unwrap_or_default()),
                Some(_) => self.render(axis + 1, cells, out),
            }
        }
        out.push(']');
    }
}

/// The JSON `value`: a number or nested arrays; non-finite numbers as the
/// strings `"nan"`, `"inf"`, `"-inf"`; exact values as their f64.
pub fn value_json(v: &Value) -> serde_json::Value {
    let t = v.to_f64();
    let cells: Vec<serde_json::Value> = t
        .data
        .iter()
        // `x + 0.0` turns -0 into 0, which never shows as -0 (SPEC §4).
        .map(|&x| serde_json::Number::from_f64(x + 0.0).map_or_else(|| format_f64(x).into(), serde_json::Value::Number))
        .collect();
    nest(&t.shape, &cells)
}

/// The JSON `exact`: for exact values, `"p/q"` strings (`"3"` for integers)
/// in the same nesting as `value`.
pub fn exact_json(v: &Value) -> Option<serde_json::Value> {
    let Value::Exact(t) = v else { return None };
    let cells: Vec<serde_json::Value> = t.data.iter().map(|r| r.to_string().into()).collect();
    Some(nest(&t.shape, &cells))
}

/// Nested JSON arrays of `shape` over row-major `cells`.
fn nest(shape: &[usize], cells: &[serde_json::Value]) -> serde_json::Value {
    match shape.split_first() {
        None => cells.first().cloned().unwrap_or(serde_json::Value::Null),
        Some((&d, rest)) => {
            let step = numel(rest);
            let items = (0..d).map(|i| nest(rest, &cells[i * step..(i + 1) * step])).collect();
            serde_json::Value::Array(items)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::value::Tensor;

    fn rat(n: i64, d: i64) -> Rat {
        Rat::new(n.into(), d.into())
    }

    #[test]
    fn rationals() {
        assert_eq!(format_rat(&rat(941, 250)), "3.764");
        assert_eq!(format_rat(&rat(-1, 2)), "-0.5");
        assert_eq!(format_rat(&rat(1, 3)), "1/3");
        assert_eq!(format_rat(&rat(-7, 6)), "-7/6");
        assert_eq!(format_rat(&rat(0, 5)), "0");
        assert_eq!(format_rat(&-rat(0, 1)), "0");
        assert_eq!(format_rat(&rat(12, 1)), "12");
        assert_eq!(format_rat(&rat(1, 1000)), "0.001");
        assert_eq!(format_rat(&Rat::new(1.into(), BigInt::from(2).pow(40))), "1/1099511627776");
    }

    #[test]
    fn floats() {
        assert_eq!(format_f64(-0.0), "0.0");
        assert_eq!(format_f64(3.0), "3.0");
        assert_eq!(format_f64(3.764), "3.764");
        assert_eq!(format_f64(1e-7), "1e-7");
        assert_eq!(format_f64(1.5e-7), "1.5e-7");
        assert_eq!(format_f64(1e20), "1e20");
        assert_eq!(format_f64(1e300), "1e300");
        assert_eq!(format_f64(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_f64(f64::NAN), "nan");
        assert_eq!(format_f64(f64::NEG_INFINITY), "-inf");
        for x in [1e-7, 0.1, 123456.789, 1e20, -2.5e-300] {
            assert_eq!(format_f64(x).parse::<f64>(), Ok(x));
        }
    }

    #[test]
    fn vectors_and_matrices() {
        let v = Value::Exact(Tensor::new(vec![3], vec![rat(0, 1), rat(941, 250), rat(0, 1)]));
        assert_eq!(format_value(&v), "[0, 3.764, 0]");
        let m = Value::Exact(Tensor::new(vec![2, 2], vec![rat(1, 1), rat(5, 2), rat(3, 1), rat(-4, 1)]));
        assert_eq!(format_value(&m), "[[1,  2.5],\n [3, -4  ]]");
        let f = Value::from_f64(&[2, 2], vec![1.0, -10.25, 100.0, 0.5]);
        assert_eq!(format_value(&f), "[[  1.0, -10.25],\n [100.0,   0.5 ]]");
        let c = Value::from_f64(&[2, 1, 2], vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(format_value(&c), "[[[1.0, 2.0]],\n\n [[3.0, 4.0]]]");
        assert_eq!(format_value(&Value::from_f64(&[0], vec![])), "[]");
    }

    #[test]
    fn large_vectors_are_summarised() {
        let v = Value::from_f64(&[2000], (0..2000).map(f64::from).collect());
        assert_eq!(format_value(&v), "[0.0, 1.0, 2.0, ..., 1997.0, 1998.0, 1999.0]");
        let m = Value::from_f64(&[100, 100], (0..10000).map(f64::from).collect());
        let s = format_value(&m);
        assert_eq!(s.lines().count(), 7);
        assert!(s.contains("\n ...,\n"), "{s}");
    }

    #[test]
    fn json_forms() {
        let v = Value::from_f64(&[3], vec![1.5, f64::INFINITY, f64::NAN]);
        assert_eq!(value_json(&v).to_string(), r#"[1.5,"inf","nan"]"#);
        assert_eq!(exact_json(&v), None);
        let e = Value::Exact(Tensor::new(vec![1, 2], vec![rat(3, 1), rat(1, 3)]));
        assert_eq!(exact_json(&e).map(|j| j.to_string()), Some(r#"[["3","1/3"]]"#.into()));
        assert_eq!(value_json(&Value::exact_scalar(rat(1, 2))).to_string(), "0.5");
    }
}
