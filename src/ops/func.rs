//! Elementwise functions of one argument: their names, their numeric rules
//! (f64, and exact where the answer is exactly rational), and the signature
//! shown in help and hints. Their `bprop`s live in `ops::elementwise`.

/// A built-in elementwise function of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    Exp,
    Log,
    Sqrt,
    Abs,
    Sign,
    Step,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Sigmoid,
    Relu,
    Softplus,
    /// `float(x)`: the same number as an f64 (leaves exact arithmetic).
    Float,
}

impl Func {
    pub const ALL: [Func; 19] = [
        Func::Exp,
        Func::Log,
        Func::Sqrt,
        Func::Abs,
        Func::Sign,
        Func::Step,
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Asin,
        Func::Acos,
        Func::Atan,
        Func::Sinh,
        Func::Cosh,
        Func::Tanh,
        Func::Sigmoid,
        Func::Relu,
        Func::Softplus,
        Func::Float,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Sign => "sign",
            Func::Step => "step",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Asin => "asin",
            Func::Acos => "acos",
            Func::Atan => "atan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Sigmoid => "sigmoid",
            Func::Relu => "relu",
            Func::Softplus => "softplus",
            Func::Float => "float",
        }
    }

    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The f64 rule. Kinks follow SPEC §2: `step(0) = 0`, `sign(0) = 0`.
    pub fn apply_f64(self, x: f64) -> f64 {
        match self {
            Func::Exp => x.exp(),
            Func::Log => x.ln(),
            Func::Sqrt => x.sqrt(),
            Func::Abs => x.abs(),
            Func::Sign => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    x * 0.0
                }
            }
            Func::Step => {
                if x > 0.0 {
                    1.0
                } else if x.is_nan() {
                    x
                } else {
                    0.0
                }
            }
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Asin => x.asin(),
            Func::Acos => x.acos(),
            Func::Atan => x.atan(),
            Func::Sinh => x.sinh(),
            Func::Cosh => x.cosh(),
            Func::Tanh => x.tanh(),
            Func::Sigmoid => {
                // Two branches so that neither overflows for large |x|.
                if x >= 0.0 {
                    1.0 / (1.0 + (-x).exp())
                } else {
                    let e = x.exp();
                    e / (1.0 + e)
                }
            }
            Func::Relu => {
                if x > 0.0 || x.is_nan() {
                    x
                } else {
                    0.0
                }
            }
            Func::Softplus => {
                // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
                x.max(0.0) + (-x.abs()).exp().ln_1p()
            }
            Func::Float => x,
        }
    }
}

impl Func {
    /// The exact value at an exact point, where it is rational: `exp(0)`,
    /// `cos(0)`, `sigmoid(0)`, `relu`, `abs`, ... `None` elsewhere (the
    /// caller falls back to f64, or keeps the expression symbolic).
    pub fn apply_exact(self, x: &Rat) -> Option<Rat> {
        let zero = x.is_zero();
        let int = |n: i64| Some(Rat::from_integer(n.into()));
        match self {
            Func::Abs => Some(x.abs()),
            Func::Sign => int(if x.is_positive() {
                1
            } else if x.is_negative() {
                -1
            } else {
                0
            }),
            Func::Step => int(if x.is_positive() { 1 } else { 0 }),
            Func::Relu => Some(if x.is_positive() { x.clone() } else { Rat::zero() }),
            Func::Exp | Func::Cos | Func::Cosh if zero => int(1),
            Func::Sin | Func::Tan | Func::Asin | Func::Atan | Func::Sinh | Func::Tanh if zero => int(0),
            Func::Log | Func::Acos if x.is_one() => int(0),
            Func::Sigmoid if zero => Some(Rat::ratio_of(1, 2)),
            _ => None,
        }
    }

    /// The signature shown in hints and help.
    pub fn signature(self) -> &'static str {
        match self {
            Func::Float => "float(x) -> same shape, as f64",
            Func::Sign | Func::Step => "(x) -> same shape (derivative 0)",
            _ => "(x) -> same shape, elementwise",
        }
    }
}

use crate::eval::value::Rat;
