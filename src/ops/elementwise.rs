//! Elementwise functions of one argument: builder simplifications, numeric
//! rule and `bprop` of each `Func`, side by side. Derivatives reuse the
//! forward node where it appears in them (`tanh' = 1 - t²`, `sigmoid' =
//! s·(1 - s)`, `exp' = exp`), so they share work with the forward pass.

use super::{Func, Op, one};
use crate::error::Result;
use crate::eval::value::{Rat, Value};
use crate::graph::{Graph, NodeId};
use crate::simplify::rat;

impl Graph {
    /// `f(a)`, simplified: exact at exact points, `sqrt` as a power,
    /// `log(exp(x))` is `x`, `float(float(x))` is `float(x)`.
    pub fn func(&mut self, f: Func, a: NodeId) -> Result<NodeId> {
        if let Some(r) = self.as_num(a).and_then(|r| f.apply_exact(r)) {
            let shape = self.shape(a).to_vec();
            return Ok(self.filled(r, shape));
        }
        match (f, self.op(a)) {
            // `float(ones(n, n))`, `exp(ones(n, n))`: one value, stretched,
            // instead of n² exact numbers made and then each converted.
            (_, Op::Num(r)) if !self.shape(a).is_empty() => {
                let (r, shape) = (r.clone(), self.shape(a).to_vec());
                let one = self.num(r);
                let x = self.intern(Op::Fn(f), [one], Vec::new());
                return Ok(self.broadcast_to(x, shape));
            }
            (Func::Sin | Func::Cos | Func::Tan, _) if self.shape(a).is_empty() => {
                if let Some(v) = self.at_multiple_of_pi(f, a)? {
                    return Ok(v);
                }
            }
            (Func::Sqrt, _) => return self.powr(a, Rat::ratio_of(1, 2)),
            (Func::Log, Op::Fn(Func::Exp)) => return Ok(self.inputs(a)[0]),
            // Where log(x) is defined (x > 0), exp(log(x)) is x.
            (Func::Exp, Op::Fn(Func::Log)) => return Ok(self.inputs(a)[0]),
            (Func::Float, Op::Fn(Func::Float)) => return Ok(a),
            (Func::Abs | Func::Relu | Func::Step | Func::Sign, Op::Fn(g)) if *g == f => {
                return Ok(a);
            }
            _ => {}
        }
        let shape = self.shape(a).to_vec();
        Ok(self.intern(Op::Fn(f), [a], shape))
    }
}

impl Graph {
    /// `sin`, `cos` or `tan` of a multiple of `pi/4` or `pi/6`, exactly
    /// (`sin(pi)` is 0, `cos(pi/6)` is `sqrt(3)/2`), as SymPy and Maxima
    /// give them; `None` at other points and where `tan` has a pole.
    fn at_multiple_of_pi(&mut self, f: Func, a: NodeId) -> Result<Option<NodeId>> {
        let k = match self.op(a) {
            Op::Pi => rat(1),
            Op::Mul { coeff, exps } if exps.len() == 1 && exps[0].is_one() && *self.op(self.inputs(a)[0]) == Op::Pi => {
                coeff.clone()
            }
            _ => return Ok(None),
        };
        // The angle in twelfths of pi, reduced to one turn.
        let twelfths = &k * &rat(12);
        let Some(m) = twelfths.is_integer().then(|| twelfths.small()).flatten().map(|(n, _)| n.rem_euclid(24)) else {
            return Ok(None);
        };
        let (s, c) = (sin_in_twelfths(m), sin_in_twelfths(m + 6));
        let value = match f {
            Func::Sin => s,
            Func::Cos => c,
            _ => match (s, c) {
                (Some((a, r)), Some((b, q))) if !b.is_zero() && r == q => Some((a / b, 1)),
                (Some((a, _)), Some(_)) if a.is_zero() => Some((rat(0), 1)),
                (Some((a, 1)), Some((b, 3))) => Some((a / (b * rat(3)), 3)),
                (Some((a, 3)), Some((b, 1))) => Some((a / b, 3)),
                _ => None,
            },
        };
        let Some((q, root)) = value else { return Ok(None) };
        if root == 1 {
            return Ok(Some(self.num(q)));
        }
        let radicand = self.int(root);
        self.product(q, &[(radicand, Rat::ratio_of(1, 2))]).map(Some)
    }
}

/// `sin(m·pi/12)` as `a·sqrt(r)` (`r` of 1, 2 or 3) at the multiples of
/// 30° and 45°, `None` between them.
fn sin_in_twelfths(m: i64) -> Option<(Rat, i64)> {
    let m = m.rem_euclid(24);
    if m >= 12 {
        return sin_in_twelfths(m - 12).map(|(a, r)| (-a, r));
    }
    let half = Rat::ratio_of(1, 2);
    Some(match m.min(12 - m) {
        0 => (rat(0), 1),
        2 => (half, 1),
        3 => (half, 2),
        4 => (half, 3),
        6 => (rat(1), 1),
        _ => return None,
    })
}

pub fn eval(f: Func, args: &[&Value]) -> Result<Value, String> {
    let x = one(args)?;
    if f == Func::Float {
        return Ok(x.clone().into_float());
    }
    if let Value::Exact(t) = x
        && matches!(f, Func::Log | Func::Sqrt)
        && t.data.iter().any(|r| big_ln(r).is_some())
    {
        // Past f64's range (`log(10^400)`), the exact number's own size
        // gives the logarithm: converted first, it was `inf`.
        return Ok(Value::from_f64(&t.shape, t.data.iter().map(|r| big_log_or_sqrt(f, r)).collect()));
    }
    x.map(|r| Ok(f.apply_exact(r)), |v| f.apply_f64(v))
}

/// `log(r)` or `sqrt(r)` of an exact `r`, also where `r` is beyond f64.
fn big_log_or_sqrt(f: Func, r: &Rat) -> f64 {
    match big_ln(r) {
        Some(log) if f == Func::Log => log,
        Some(log) => (log / 2.0).exp(),
        None => f.apply_f64(crate::eval::rat::rat_to_f64(r)),
    }
}

/// `ln(r)` of a positive exact `r` that f64 cannot hold (past its range,
/// or below its normal numbers), from the sizes of its numerator and
/// denominator; `None` for any other `r`.
pub(crate) fn big_ln(r: &Rat) -> Option<f64> {
    let v = crate::eval::rat::rat_to_f64(r);
    if !r.is_positive() || (v.is_finite() && v >= f64::MIN_POSITIVE) {
        return None;
    }
    // ln of an integer as its top 64 bits and the power of two below them.
    let ln = |b: &num_bigint::BigInt| {
        let shift = b.bits().saturating_sub(64);
        num_traits::ToPrimitive::to_f64(&(b >> shift)).unwrap_or(f64::NAN).ln() + shift as f64 * std::f64::consts::LN_2
    };
    Some(ln(&r.numer()) - ln(&r.denom()))
}

/// `g · f'(x)` with `y = f(x)` the forward node.
pub fn bprop(graph: &mut Graph, f: Func, y: NodeId, g: NodeId) -> Result<NodeId> {
    let (d, k) = local_factor(graph, f, y)?;
    times_local(graph, g, d, k)
}

/// `g · k·d`: a gradient times a local factor.
pub fn times_local(graph: &mut Graph, g: NodeId, d: NodeId, k: Rat) -> Result<NodeId> {
    let d = graph.scale(d, k)?;
    graph.mul(g, d)
}

/// `f'(x)` for the forward node `y = f(x)`, as a node and its coefficient
/// (`cos' = -1·sin`): the factor `bprop` multiplies the gradient by,
/// elementwise. Kept apart, the coefficient joins a sum of such factors
/// without a node of its own.
pub fn local_factor(graph: &mut Graph, f: Func, y: NodeId) -> Result<(NodeId, Rat)> {
    let x = graph.inputs(y)[0];
    derivative(graph, f, x, y)
}

/// `f'(x)`, reusing `y = f(x)`.
fn derivative(graph: &mut Graph, f: Func, x: NodeId, y: NodeId) -> Result<(NodeId, Rat)> {
    // `-1/2` made only where used: these run for every edge of a
    // back-propagation, and most functions need neither it nor a `1` node.
    let minus_half = || Rat::ratio_of(-1, 2);
    let unit = |d: NodeId| (d, rat(1));
    Ok(match f {
        Func::Exp => unit(y),
        Func::Log => unit(graph.powr(x, rat(-1))?),
        Func::Sqrt => (graph.powr(x, minus_half())?, Rat::ratio_of(1, 2)),
        Func::Abs => unit(graph.func(Func::Sign, x)?),
        Func::Sign | Func::Step => unit(graph.zeros(graph.shape(x).to_vec())),
        Func::Sin => unit(graph.func(Func::Cos, x)?),
        Func::Cos => (graph.func(Func::Sin, x)?, rat(-1)),
        // 1 + tan², with tan the forward node.
        Func::Tan => {
            let one = graph.int(1);
            let t2 = graph.powr(y, rat(2))?;
            unit(graph.add(one, t2)?)
        }
        Func::Asin | Func::Acos => {
            let one = graph.int(1);
            let x2 = graph.powr(x, rat(2))?;
            let d = graph.sub(one, x2)?;
            let k = if f == Func::Asin { rat(1) } else { rat(-1) };
            (graph.powr(d, minus_half())?, k)
        }
        Func::Atan => {
            let one = graph.int(1);
            let x2 = graph.powr(x, rat(2))?;
            let d = graph.add(one, x2)?;
            unit(graph.powr(d, rat(-1))?)
        }
        Func::Sinh => unit(graph.func(Func::Cosh, x)?),
        Func::Cosh => unit(graph.func(Func::Sinh, x)?),
        Func::Tanh => {
            let one = graph.int(1);
            let t2 = graph.powr(y, rat(2))?;
            unit(graph.sub(one, t2)?)
        }
        Func::Sigmoid => {
            let one = graph.int(1);
            let c = graph.sub(one, y)?;
            unit(graph.mul(y, c)?)
        }
        Func::Relu => unit(graph.func(Func::Step, x)?),
        Func::Softplus => unit(graph.func(Func::Sigmoid, x)?),
        Func::Float => unit(graph.filled(Rat::one(), graph.shape(x).to_vec())),
    })
}

#[cfg(test)]
mod tests {
    use crate::session::Session;

    /// The exact values at multiples of pi/12 against f64's sin, cos, tan.
    #[test]
    fn trigonometric_functions_of_multiples_of_pi_are_exact_where_they_are_known() {
        let mut s = Session::new();
        for m in -30i32..=30 {
            for f in ["sin", "cos", "tan"] {
                let x = f64::from(m) * std::f64::consts::PI / 12.0;
                let want = match f {
                    "sin" => x.sin(),
                    "cos" => x.cos(),
                    _ => x.tan(),
                };
                let stmt = format!("{f}({m}*pi/12)");
                let items = s.run(&stmt).expect(&stmt);
                let expr = items[0].expr.clone().unwrap_or_default();
                let exact = !expr.contains(f);
                let known = m % 2 == 0 || m % 3 == 0;
                let pole = f == "tan" && m.rem_euclid(12) == 6;
                assert_eq!(exact, known && !pole, "{stmt} is {expr}");
                let got = items[0].value.as_ref().expect("a value").to_f64().data[0];
                if !pole {
                    assert!((got - want).abs() < 1e-12, "{stmt}: {got} vs {want}");
                }
            }
        }
    }
}
