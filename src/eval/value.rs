//! Numeric values: row-major tensors of exact rationals or of f64. Exact
//! operations stay exact; anything that mixes in an f64, or that has no
//! exact answer (the `exact` closure of `map`/`zip` says `None`), is f64.
//! Shapes follow NumPy (broadcasting, `matmul` for ranks 1 and 2); the loops
//! themselves live in `kernels`.

use super::kernels;
pub use super::tensor::Tensor;
use crate::graph::shape::{Sel, broadcast, numel, show};

use super::rat::norm_f64;
pub use super::rat::{rat_sqrt, rat_to_f64};

pub use crate::rational::Rat;

/// A numeric value: exact rationals, or f64.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Exact(Tensor<Rat>),
    Float(Tensor<f64>),
}

/// Applies one generic tensor function to whichever variant `v` is.
macro_rules! each {
    ($v:expr, $t:ident => $e:expr) => {
        match $v {
            Value::Exact($t) => Value::Exact($e),
            Value::Float($t) => Value::Float($e),
        }
    };
}

impl Value {
    pub fn exact_scalar(r: Rat) -> Value {
        Value::Exact(Tensor::scalar(r))
    }
    pub fn float_scalar(x: f64) -> Value {
        Value::Float(Tensor::scalar(x))
    }
    /// An exact tensor with every element `r`.
    pub fn filled(r: &Rat, shape: &[usize]) -> Value {
        Value::Exact(Tensor::new(shape.to_vec(), vec![r.clone(); numel(shape)]))
    }
    /// An f64 tensor from row-major data (`data.len()` must match `shape`).
    pub fn from_f64(shape: &[usize], data: Vec<f64>) -> Value {
        Value::Float(Tensor::new(shape.to_vec(), data))
    }
    pub fn shape(&self) -> &[usize] {
        match self {
            Value::Exact(t) => &t.shape,
            Value::Float(t) => &t.shape,
        }
    }
    pub fn len(&self) -> usize {
        numel(self.shape())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn is_exact(&self) -> bool {
        matches!(self, Value::Exact(_))
    }
    /// The elements as f64 (exact ones rounded to nearest).
    pub fn to_f64(&self) -> Tensor<f64> {
        match self {
            Value::Exact(t) => Tensor::new(t.shape.clone(), t.data.iter().map(rat_to_f64).collect()),
            Value::Float(t) => t.clone(),
        }
    }
    pub fn into_float(self) -> Value {
        match self {
            Value::Exact(_) => Value::Float(self.to_f64()),
            f => f,
        }
    }
    pub fn scalar_f64(&self) -> Option<f64> {
        match self {
            _ if self.len() != 1 => None,
            Value::Exact(t) => Some(rat_to_f64(&t.data[0])),
            Value::Float(t) => Some(t.data[0]),
        }
    }
    pub fn scalar_exact(&self) -> Option<&Rat> {
        match self {
            Value::Exact(t) if t.data.len() == 1 => Some(&t.data[0]),
            _ => None,
        }
    }

    /// Elementwise. Exact when `exact` gives `Some` for every element; if it
    /// gives `None` for any, the whole result is f64 via `float`. Every
    /// element is tried, so an `Err` anywhere aborts.
    pub fn map(
        &self,
        exact: impl Fn(&Rat) -> Result<Option<Rat>, String>,
        float: impl Fn(f64) -> f64,
    ) -> Result<Value, String> {
        let t = match self {
            Value::Float(t) => {
                return Ok(Value::from_f64(&t.shape, t.data.iter().map(|&x| float(x)).collect()));
            }
            Value::Exact(t) => t,
        };
        let mut err = None;
        let data: Vec<Option<Rat>> =
            t.data.iter().map(|x| exact(x).unwrap_or_else(|e| Some(err_slot(&mut err, e)))).collect();
        if let Some(e) = err {
            return Err(e);
        }
        Ok(match data.into_iter().collect::<Option<Vec<Rat>>>() {
            Some(d) => Value::Exact(Tensor::new(t.shape.clone(), d)),
            None => Value::from_f64(&t.shape, t.data.iter().map(|x| float(rat_to_f64(x))).collect()),
        })
    }

    /// Binary elementwise with NumPy broadcasting; exact only when both are
    /// exact and `exact` gives `Some` everywhere.
    pub fn zip(
        &self,
        other: &Value,
        exact: impl Fn(&Rat, &Rat) -> Result<Option<Rat>, String>,
        float: impl Fn(f64, f64) -> f64,
    ) -> Result<Value, String> {
        let out = broadcast(self.shape(), other.shape()).ok_or_else(|| {
            format!("shapes {} and {} do not broadcast together", show(self.shape()), show(other.shape()))
        })?;
        if let (Value::Exact(a), Value::Exact(b)) = (self, other) {
            let mut err = None;
            let data = kernels::zip_broadcast((&a.data, &a.shape), (&b.data, &b.shape), &out, |x, y| {
                exact(x, y).unwrap_or_else(|e| Some(err_slot(&mut err, e)))
            });
            if let Some(e) = err {
                return Err(e);
            }
            if let Some(d) = data.into_iter().collect::<Option<Vec<Rat>>>() {
                return Ok(Value::Exact(Tensor::new(out, d)));
            }
        }
        let (a, b) = (self.f64_cow(), other.f64_cow());
        let data = kernels::zip_broadcast((&a.data, &a.shape), (&b.data, &b.shape), &out, |&x, &y| float(x, y));
        Ok(Value::from_f64(&out, data))
    }

    /// The f64 view: borrowed when already f64.
    fn f64_cow(&self) -> std::borrow::Cow<'_, Tensor<f64>> {
        match self {
            Value::Float(t) => std::borrow::Cow::Borrowed(t),
            Value::Exact(_) => std::borrow::Cow::Owned(self.to_f64()),
        }
    }

    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Value, String> {
        if broadcast(self.shape(), shape).as_deref() != Some(shape) {
            return Err(format!("cannot broadcast shape {} to {}", show(self.shape()), show(shape)));
        }
        Ok(each!(self, t => t.broadcast(shape)))
    }

    pub fn reshape(&self, shape: &[usize]) -> Result<Value, String> {
        if numel(shape) != self.len() {
            return Err(format!("cannot reshape {} into {}", show(self.shape()), show(shape)));
        }
        Ok(each!(self, t => t.reshaped(shape)))
    }

    /// Axes reversed; ranks 0 and 1 unchanged.
    pub fn transpose(&self) -> Value {
        each!(self, t => t.transposed())
    }

    /// NumPy `matmul` for ranks 1 and 2: matrix@matrix, matrix@vector,
    /// vector@matrix, vector@vector (a scalar dot product).
    pub fn matmul(&self, other: &Value) -> Result<Value, String> {
        self.matmul_t(false, other, false)
    }

    /// `matmul` of `self` (transposed when `ta`) and `other` (transposed
    /// when `tb`); transposing a matrix only swaps the strides given to
    /// `dgemm`, so no copy is made. Transposing a vector does nothing.
    pub fn matmul_t(&self, ta: bool, other: &Value, tb: bool) -> Result<Value, String> {
        let (ra, rb) = (self.shape().len(), other.shape().len());
        let clash = || format!("matmul: shapes {} and {} do not fit", show(self.shape()), show(other.shape()));
        if !(1..=2).contains(&ra) || !(1..=2).contains(&rb) {
            return Err(format!("{} (`@` needs vectors or matrices)", clash()));
        }
        let out_shape = |m: usize, n: usize| -> Vec<usize> {
            [(ra == 2).then_some(m), (rb == 2).then_some(n)].into_iter().flatten().collect()
        };
        macro_rules! product {
            ($a:expr, $b:expr, $kernel:expr) => {{
                let (ma, m, k) = $a.as_matrix(true, ta);
                let (mb, k2, n) = $b.as_matrix(false, tb);
                if k != k2 {
                    return Err(clash());
                }
                (out_shape(m, n), $kernel(m, k, n, ma, mb))
            }};
        }
        if let (Value::Exact(a), Value::Exact(b)) = (self, other) {
            let (s, d) = product!(a, b, |m, k, n, x, y| kernels::matmul_generic(
                (m, k, n),
                x,
                y,
                &Rat::zero(),
                |acc: &mut Rat, p: &Rat, q: &Rat| *acc += p * q
            ));
            return Ok(Value::Exact(Tensor::new(s, d)));
        }
        let (a, b) = (self.f64_cow(), other.f64_cow());
        let (s, d) = product!(a, b, kernels::matmul_f64);
        Ok(Value::from_f64(&s, d))
    }

    /// Sum over the listed axes (sorted, distinct), removing them.
    pub fn sum_axes(&self, axes: &[usize]) -> Value {
        match self {
            Value::Exact(t) => {
                let adder = kernels::Adder {
                    zero: Rat::zero(),
                    add: |a: &mut Rat, b: &Rat| *a += b,
                    sum: |c: &[Rat]| c.iter().fold(Rat::zero(), |a, b| a + b),
                };
                let (s, d) = kernels::reduce_axes(&t.shape, &t.data, axes, &adder);
                Value::Exact(Tensor::new(s, d))
            }
            Value::Float(t) => {
                let adder = kernels::Adder { zero: 0.0, add: |a: &mut f64, b: &f64| *a += b, sum: kernels::sum_f64 };
                let (s, d) = kernels::reduce_axes(&t.shape, &t.data, axes, &adder);
                Value::from_f64(&s, d)
            }
        }
    }

    pub fn sum_all(&self) -> Value {
        let all: Vec<usize> = (0..self.shape().len()).collect();
        self.sum_axes(&all)
    }

    pub fn prod_all(&self) -> Value {
        match self {
            Value::Exact(t) => Value::exact_scalar(t.data.iter().fold(Rat::one(), |a, b| a * b)),
            Value::Float(t) => Value::float_scalar(t.data.iter().product()),
        }
    }

    /// L2 (Frobenius) norm; exact when the sum of squares is the square of
    /// a rational.
    pub fn norm_all(&self) -> Value {
        if let Value::Exact(t) = self {
            let sq = t.data.iter().fold(Rat::zero(), |a, x| a + x * x);
            if let Some(r) = rat_sqrt(&sq) {
                return Value::exact_scalar(r);
            }
        }
        Value::float_scalar(norm_f64(&self.f64_cow().data))
    }

    /// `log(sum(exp(x)))` over all elements, computed stably (the maximum is
    /// subtracted first). A single element is returned as it is.
    pub fn logsumexp_all(&self) -> Value {
        if self.len() == 1 {
            return self.reshape(&[]).unwrap_or_else(|_| self.clone());
        }
        let t = self.f64_cow();
        let m = t.data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !m.is_finite() || t.data.iter().any(|x| x.is_nan()) {
            let nan = t.data.iter().any(|x| x.is_nan());
            return Value::float_scalar(if nan { f64::NAN } else { m });
        }
        let s: f64 = t.data.iter().map(|&x| (x - m).exp()).sum();
        Value::float_scalar(m + s.ln())
    }

    /// Softmax along the last axis, stable. A scalar, or a last axis of
    /// length 1 on exact input, gives exact ones.
    pub fn softmax_last(&self) -> Value {
        let shape = self.shape().to_vec();
        let n = shape.last().copied().unwrap_or(1);
        if n == 1 && self.is_exact() {
            return Value::filled(&Rat::one(), &shape);
        }
        let mut d = self.f64_cow().into_owned().data;
        for row in d.chunks_exact_mut(n.max(1)) {
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            row.iter_mut().for_each(|x| *x = (*x - m).exp());
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|x| *x /= s);
        }
        Value::from_f64(&shape, d)
    }

    /// Outer product (NumPy: both flattened) → a `[len(a), len(b)]` matrix.
    pub fn outer(&self, other: &Value) -> Result<Value, String> {
        if let (Value::Float(a), Value::Float(b)) = (self, other) {
            let mut d = Vec::with_capacity(a.data.len() * b.data.len());
            for &x in &a.data {
                d.extend(b.data.iter().map(|&y| x * y));
            }
            return Ok(Value::from_f64(&[a.data.len(), b.data.len()], d));
        }
        let a = self.reshape(&[self.len(), 1])?;
        let b = other.reshape(&[other.len()])?;
        a.zip(&b, |x, y| Ok(Some(x * y)), |x, y| x * y)
    }

    /// Vector → diagonal matrix; matrix → its diagonal (NumPy `diag`).
    pub fn diag(&self) -> Result<Value, String> {
        let s = self.shape();
        let n = s.first().copied().unwrap_or(0);
        match s.len() {
            1 => Ok(match self {
                Value::Exact(t) => Value::Exact(t.diag_matrix(Rat::zero())),
                Value::Float(t) => Value::Float(t.diag_matrix(0.0)),
            }),
            2 => {
                let (cols, k) = (s[1], n.min(s[1]));
                let step = cols as isize + 1;
                let diagonal = [Sel::Range { start: 0, step, len: k }];
                Ok(self.reshape(&[n * cols])?.index(&diagonal))
            }
            _ => Err(format!("diag needs a vector or a matrix, got shape {}", show(s))),
        }
    }

    /// Sum of the diagonal of a matrix (NumPy allows non-square ones).
    pub fn trace(&self) -> Result<Value, String> {
        if self.shape().len() != 2 {
            return Err(format!("trace needs a matrix, got shape {}", show(self.shape())));
        }
        Ok(self.diag()?.sum_all())
    }

    /// Gather: `sels` are resolved and in range; axes past them are kept
    /// whole; `Sel::At` drops its axis.
    pub fn index(&self, sels: &[Sel]) -> Value {
        each!(self, t => t.select(sels))
    }

    /// Adjoint of `index`: zeros of `shape` with `self` (of the selected
    /// shape) added at the selected positions. Exact when `self` is.
    pub fn scatter(&self, sels: &[Sel], shape: &[usize]) -> Value {
        match self {
            Value::Exact(t) => Value::Exact(t.scattered(sels, shape, Rat::zero(), |a, b| *a += b)),
            Value::Float(t) => Value::Float(t.scattered(sels, shape, 0.0, |a, b| *a += b)),
        }
    }

    /// Equal shapes → one value with a new leading axis; exact only when
    /// every item is.
    pub fn stack(items: &[Value]) -> Result<Value, String> {
        let first = items.first().ok_or("stack needs at least one value")?;
        if let Some(bad) = items.iter().find(|v| v.shape() != first.shape()) {
            return Err(format!("cannot stack shapes {} and {}", show(first.shape()), show(bad.shape())));
        }
        let mut shape = vec![items.len()];
        shape.extend_from_slice(first.shape());
        if items.iter().all(Value::is_exact) {
            let data = items.iter().flat_map(|v| v.exact_data().iter().cloned()).collect();
            return Ok(Value::Exact(Tensor::new(shape, data)));
        }
        let data = items.iter().flat_map(|v| v.f64_cow().into_owned().data).collect();
        Ok(Value::from_f64(&shape, data))
    }

    /// Exact elements (empty for f64 values).
    fn exact_data(&self) -> &[Rat] {
        match self {
            Value::Exact(t) => &t.data,
            Value::Float(_) => &[],
        }
    }

    /// Largest absolute element as f64 (NaNs ignored; 0 when empty).
    pub fn max_abs_f64(&self) -> f64 {
        match self {
            Value::Exact(t) => t.data.iter().map(|x| rat_to_f64(x).abs()).fold(0.0, f64::max),
            Value::Float(t) => t.data.iter().map(|x| x.abs()).fold(0.0, f64::max),
        }
    }
}

/// Records the first error of an elementwise pass; the element is a dummy.
fn err_slot(slot: &mut Option<String>, e: String) -> Rat {
    slot.get_or_insert(e);
    Rat::zero()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Rat {
        Rat::new(n.into(), d.into())
    }
    fn exact(shape: &[usize], xs: &[(i64, i64)]) -> Value {
        Value::Exact(Tensor::new(shape.to_vec(), xs.iter().map(|&(n, d)| q(n, d)).collect()))
    }
    fn random(shape: &[usize], rng: &mut fastrand::Rng) -> Value {
        Value::from_f64(shape, (0..numel(shape)).map(|_| rng.f64() * 2.0 - 1.0).collect())
    }
    fn mul(a: &Value, b: &Value) -> Value {
        a.zip(b, |x, y| Ok(Some(x * y)), |x, y| x * y).unwrap()
    }
    fn close(a: &Value, b: &Value) {
        let (a, b) = (a.to_f64(), b.to_f64());
        assert_eq!(a.shape, b.shape);
        for (x, y) in a.data.iter().zip(&b.data) {
            assert!((x - y).abs() <= 1e-12 * (1.0 + x.abs()), "{x} vs {y}");
        }
    }
    /// Reference matmul of the operands seen as matrices (vectors as a row on
    /// the left, a column on the right).
    fn naive(a: &Value, b: &Value) -> Vec<f64> {
        let (a, b) = (a.to_f64(), b.to_f64());
        let (m, k) = if a.shape.len() == 2 { (a.shape[0], a.shape[1]) } else { (1, a.shape[0]) };
        let n = if b.shape.len() == 2 { b.shape[1] } else { 1 };
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a.data[i * k + p] * b.data[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn exact_arithmetic_stays_exact() {
        let p = mul(&exact(&[], &[(6, 5)]), &exact(&[], &[(3, 1)]));
        assert_eq!(p, Value::exact_scalar(q(18, 5)));
        let s = exact(&[], &[(1, 3)]).zip(&exact(&[], &[(1, 6)]), |x, y| Ok(Some(x + y)), |x, y| x + y);
        assert_eq!(s, Ok(Value::exact_scalar(q(1, 2))));
        let sq = exact(&[2], &[(4, 9), (2, 1)]).map(|x| Ok(rat_sqrt(x)), f64::sqrt).unwrap();
        assert_eq!(sq, Value::from_f64(&[2], vec![2.0 / 3.0, 2f64.sqrt()]));
        let div = exact(&[2], &[(1, 1), (0, 1)]).map(|x| Err(format!("{x}")), |x| x);
        assert_eq!(div, Err("1".into()));
        let mixed = mul(&exact(&[], &[(1, 2)]), &Value::float_scalar(3.0));
        assert_eq!(mixed, Value::float_scalar(1.5));
    }

    #[test]
    fn broadcasting_follows_numpy() {
        let a = exact(&[3, 1], &[(1, 1), (2, 1), (3, 1)]);
        let b = exact(&[4], &[(10, 1), (20, 1), (30, 1), (40, 1)]);
        let c = mul(&a, &b);
        assert_eq!(c.shape(), &[3, 4]);
        assert_eq!(c.scalar_f64(), None);
        assert_eq!(c.to_f64().data[4..8], [20.0, 40.0, 60.0, 80.0]);
        let m = Value::from_f64(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(mul(&Value::float_scalar(2.0), &m).to_f64().data, vec![2.0, 4.0, 6.0, 8.0]);
        assert_eq!(mul(&m, &exact(&[1, 1], &[(1, 2)])).to_f64().data, vec![0.5, 1.0, 1.5, 2.0]);
        let e = m.zip(&b, |_, _| Ok(None), |x, _| x).unwrap_err();
        assert!(e.contains("[2, 2]") && e.contains("[4]"), "{e}");
        assert_eq!(a.broadcast_to(&[2, 3, 2]).map(|v| v.to_f64().data[2]), Ok(2.0));
        assert!(b.broadcast_to(&[3]).is_err());
    }

    #[test]
    fn matmul_matches_naive_loops() {
        let mut rng = fastrand::Rng::with_seed(3);
        let cases: [(&[usize], &[usize]); 6] = [
            (&[3, 4], &[4, 5]),
            (&[3, 4], &[4]),
            (&[4], &[4, 5]),
            (&[7], &[7]),
            (&[100, 70], &[70, 30]),
            (&[1, 1], &[1, 9]),
        ];
        for (sa, sb) in cases {
            let (a, b) = (random(sa, &mut rng), random(sb, &mut rng));
            let c = a.matmul(&b).unwrap();
            let want: Vec<usize> =
                [sa.first().filter(|_| sa.len() == 2), sb.get(1)].into_iter().flatten().copied().collect();
            assert_eq!(c.shape(), &want[..]);
            close(&c, &Value::from_f64(&want, naive(&a, &b)));
            let t = a.transpose().matmul_t(true, &b.transpose(), true).unwrap();
            close(&t, &c);
        }
        let e = random(&[2, 3], &mut rng).matmul(&random(&[2], &mut rng)).unwrap_err();
        assert!(e.contains("[2, 3]") && e.contains("[2]"), "{e}");
        assert!(Value::float_scalar(1.0).matmul(&Value::float_scalar(1.0)).is_err());
    }

    #[test]
    fn exact_matmul_and_linear_algebra() {
        let a = exact(&[2, 2], &[(1, 1), (2, 1), (3, 1), (1, 2)]);
        let v = exact(&[2], &[(1, 1), (-1, 1)]);
        assert_eq!(a.matmul(&v), Ok(exact(&[2], &[(-1, 1), (5, 2)])));
        assert_eq!(v.matmul(&v), Ok(Value::exact_scalar(q(2, 1))));
        assert_eq!(a.trace(), Ok(Value::exact_scalar(q(3, 2))));
        assert_eq!(a.diag(), Ok(exact(&[2], &[(1, 1), (1, 2)])));
        assert_eq!(v.diag().unwrap().diag(), Ok(v.clone()));
        assert_eq!(v.outer(&v).unwrap().shape(), &[2, 2]);
        assert_eq!(a.transpose(), exact(&[2, 2], &[(1, 1), (3, 1), (2, 1), (1, 2)]));
        assert_eq!(exact(&[2], &[(3, 1), (4, 1)]).norm_all(), Value::exact_scalar(q(5, 1)));
        assert_eq!(v.norm_all(), Value::float_scalar(2f64.sqrt()));
        assert_eq!(a.prod_all(), Value::exact_scalar(q(3, 1)));
        let s = Value::stack(&[v.clone(), Value::from_f64(&[2], vec![0.5, 0.25])]).unwrap();
        assert_eq!(s, Value::from_f64(&[2, 2], vec![1.0, -1.0, 0.5, 0.25]));
        assert!(Value::stack(&[v.clone(), a.clone()]).is_err());
    }

    #[test]
    fn sums_over_axes() {
        let x = Value::from_f64(&[2, 3, 4], (0..24).map(f64::from).collect());
        let s = x.sum_axes(&[0, 2]);
        assert_eq!(s, Value::from_f64(&[3], vec![60.0, 92.0, 124.0]));
        assert_eq!(x.sum_axes(&[0]).to_f64().data[0], 12.0);
        assert_eq!(x.sum_axes(&[1, 2]), Value::from_f64(&[2], vec![66.0, 210.0]));
        assert_eq!(x.sum_all(), Value::float_scalar(276.0));
        let e = exact(&[2, 2], &[(1, 3), (1, 3), (1, 6), (1, 6)]);
        assert_eq!(e.sum_axes(&[0]), exact(&[2], &[(1, 2), (1, 2)]));
    }

    #[test]
    fn scatter_is_the_adjoint_of_index() {
        let mut rng = fastrand::Rng::with_seed(9);
        let shape = [4, 5, 3];
        let sels = [Sel::Range { start: 3, step: -2, len: 2 }, Sel::At(1)];
        let x = random(&shape, &mut rng);
        let ix = x.index(&sels);
        assert_eq!(ix.shape(), &[2, 3]);
        let g = random(ix.shape(), &mut rng);
        let lhs = mul(&ix, &g).sum_all().scalar_f64().unwrap();
        let rhs = mul(&x, &g.scatter(&sels, &shape)).sum_all().scalar_f64().unwrap();
        assert!((lhs - rhs).abs() < 1e-12);
        assert_eq!(x.index(&sels).to_f64().data[0], x.to_f64().data[3 * 15 + 3]);
    }

    #[test]
    fn softmax_and_logsumexp_are_stable() {
        let x = Value::from_f64(&[3], vec![1000.0, 1000.0, -1000.0]);
        assert_eq!(x.logsumexp_all(), Value::float_scalar(1000.0 + 2f64.ln()));
        let s = x.softmax_last().to_f64().data;
        assert_eq!(s, vec![0.5, 0.5, 0.0]);
        let m = Value::from_f64(&[2, 2], vec![1000.0, 0.0, 0.0, 0.0]).softmax_last().to_f64();
        assert_eq!(m.data, vec![1.0, 0.0, 0.5, 0.5]);
        assert_eq!(Value::exact_scalar(q(7, 1)).softmax_last(), Value::exact_scalar(q(1, 1)));
        assert_eq!(exact(&[1], &[(7, 1)]).logsumexp_all(), Value::exact_scalar(q(7, 1)));
    }
}
