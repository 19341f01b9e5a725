//! Random sessions: sequences of statements built from a small grammar
//! with `arbitrary`, run one after another in the same session. Checks
//! that nothing panics and that a binding made first survives every error.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use symgrad::session::Session;

#[derive(Arbitrary, Debug)]
enum E {
    Num(u8),
    Frac(u8, u8),
    Big(u16),
    Var(V),
    Neg(Box<E>),
    Bin(Op, Box<E>, Box<E>),
    Call(F, Box<E>),
    Call2(F2, Box<E>, Box<E>),
    Vec(Vec<E>),
    Mat(u8, u8, K),
    Index(Box<E>, i8),
    Slice(Box<E>, i8, i8),
    Transpose(Box<E>),
    Grad(Box<E>, V),
    User(U, Box<E>),
    Result(u8),
    Ans,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum V {
    X,
    Y,
    W,
    B,
    Keep,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum U {
    F,
    G,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum K {
    Zeros,
    Ones,
    Eye,
    Randn,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    MatMul,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum F {
    Exp,
    Log,
    Sqrt,
    Abs,
    Sin,
    Tanh,
    Sigmoid,
    Relu,
    Softplus,
    Sum,
    Mean,
    Prod,
    Norm,
    Logsumexp,
    Softmax,
    Diag,
    Trace,
    Float,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum F2 {
    Max,
    Min,
    Pow,
    Dot,
    Outer,
}

#[derive(Arbitrary, Debug)]
enum S {
    Expr(E),
    Let(V, E),
    Var(V, u8, u8),
    Def(U, E),
    Grad(E, V),
    Hessian(E, V),
    Eval(E),
    Simplify(E),
    Unlet(V),
    Seed(u8),
    Latex(E),
    Trace(E, V),
    Show(E),
    Raw(String),
}

fn name(v: V) -> &'static str {
    match v {
        V::X => "x",
        V::Y => "y",
        V::W => "w",
        V::B => "b",
        V::Keep => "keep",
    }
}

fn expr(e: &E, out: &mut String, depth: usize) {
    if depth > 40 {
        out.push('1');
        return;
    }
    let d = depth + 1;
    match e {
        E::Num(n) => out.push_str(&n.to_string()),
        E::Frac(a, b) => out.push_str(&format!("({a}/{b})")),
        E::Big(n) => out.push_str(&format!("(10^{n})")),
        E::Var(v) => out.push_str(name(*v)),
        E::Neg(a) => {
            out.push_str("-(");
            expr(a, out, d);
            out.push(')');
        }
        E::Bin(op, a, b) => {
            out.push('(');
            expr(a, out, d);
            out.push_str(match op {
                Op::Add => " + ",
                Op::Sub => " - ",
                Op::Mul => " * ",
                Op::Div => " / ",
                Op::Pow => " ^ ",
                Op::MatMul => " @ ",
            });
            expr(b, out, d);
            out.push(')');
        }
        E::Call(f, a) => {
            out.push_str(&format!("{f:?}(").to_lowercase());
            expr(a, out, d);
            out.push(')');
        }
        E::Call2(f, a, b) => {
            out.push_str(&format!("{f:?}(").to_lowercase());
            expr(a, out, d);
            out.push_str(", ");
            expr(b, out, d);
            out.push(')');
        }
        E::Vec(items) => {
            out.push('[');
            for (k, i) in items.iter().take(8).enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                expr(i, out, d);
            }
            out.push(']');
        }
        E::Mat(r, c, k) => {
            let (r, c) = (r % 9 + 1, c % 9 + 1);
            out.push_str(&match k {
                K::Zeros => format!("zeros({r}, {c})"),
                K::Ones => format!("ones({r}, {c})"),
                K::Eye => format!("eye({r})"),
                K::Randn => format!("randn({r}, {c})"),
            });
        }
        E::Index(a, k) => {
            out.push('(');
            expr(a, out, d);
            out.push_str(&format!(")[{k}]"));
        }
        E::Slice(a, i, j) => {
            out.push('(');
            expr(a, out, d);
            out.push_str(&format!(")[{i}:{j}]"));
        }
        E::Transpose(a) => {
            out.push('(');
            expr(a, out, d);
            out.push_str(")'");
        }
        E::Grad(a, v) => {
            out.push_str("grad(");
            expr(a, out, d);
            out.push_str(&format!(", {})", name(*v)));
        }
        E::User(u, a) => {
            out.push_str(if matches!(u, U::F) { "f(" } else { "g(" });
            expr(a, out, d);
            out.push(')');
        }
        E::Result(n) => out.push_str(&format!("${}", n % 8)),
        E::Ans => out.push_str("ans"),
    }
}

fn text(e: &E) -> String {
    let mut s = String::new();
    expr(e, &mut s, 0);
    s
}

fn statement(s: &S) -> String {
    match s {
        S::Expr(e) => text(e),
        S::Let(v, e) => format!(":let {} = {}", name(*v), text(e)),
        S::Var(v, r, c) => format!(":var {}[{}, {}]", name(*v), r % 5 + 1, c % 5 + 1),
        S::Def(u, e) => format!(":def {}(x) = {}", if matches!(u, U::F) { "f" } else { "g" }, text(e)),
        S::Grad(e, v) => format!(":grad {} wrt {}", text(e), name(*v)),
        S::Hessian(e, v) => format!(":hessian {} wrt {}", text(e), name(*v)),
        S::Eval(e) => format!(":eval {}", text(e)),
        S::Simplify(e) => format!(":simplify {}", text(e)),
        S::Unlet(v) => format!(":unlet {}", name(*v)),
        S::Seed(n) => format!(":seed {n}"),
        S::Latex(e) => format!(":latex {}", text(e)),
        S::Trace(e, v) => format!(":trace {} wrt {}", text(e), name(*v)),
        S::Show(e) => format!(":show {}", text(e)),
        S::Raw(t) => t.chars().take(200).collect(),
    }
}

fuzz_target!(|stmts: Vec<S>| {
    let mut s = Session::new();
    let _ = s.run(":let kept = 41");
    for st in stmts.iter().take(16) {
        let t = statement(st);
        // `kept` is never rebound by the grammar except through `Raw` text.
        // Writing files (`:save`, `> FILE`) is left out: the fuzzer would
        // litter; `:reset` drops `kept` on purpose.
        let lower = t.to_lowercase();
        if t.contains("kept") || lower.contains("save") || lower.contains("reset") || t.contains('>') {
            continue;
        }
        // `SYMGRAD_FUZZ_PRINT=1 ./session ARTIFACT` shows what a finding ran.
        if std::env::var_os("SYMGRAD_FUZZ_PRINT").is_some() {
            eprintln!("{t}");
        }
        let _ = s.run(&t);
        if s.wants_quit() {
            return;
        }
    }
    let after = s.run("kept + 1");
    assert!(after.is_ok(), "a binding was lost: {after:?}");
});
