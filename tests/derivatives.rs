//! Derivatives against an independent reference. Random scalar expressions
//! are generated as trees, printed for symgrad, and evaluated here with
//! dual numbers (value and derivative together, no symbolic step); the
//! derivative symgrad prints must match, and must read back to the same
//! value. Tensor cases are checked element by element against central
//! finite differences.

use proptest::prelude::*;
use symgrad::eval::value::Value;
use symgrad::session::Session;

/// A dual number: value and derivative with respect to the chosen variable.
#[derive(Clone, Copy, Debug)]
struct D(f64, f64);

#[derive(Clone, Debug)]
enum E {
    X,
    Y,
    C(i32),
    Add(Box<E>, Box<E>),
    Sub(Box<E>, Box<E>),
    Mul(Box<E>, Box<E>),
    /// `a / (1 + b^2)`: never divides by zero.
    Div(Box<E>, Box<E>),
    Powi(Box<E>, u32),
    /// `(1 + a^2)^b`: a positive base for a symbolic exponent.
    Pow(Box<E>, Box<E>),
    F(&'static str, Box<E>),
}

const FUNCS: [&str; 12] =
    ["exp", "sin", "cos", "tanh", "sigmoid", "atan", "sinh", "softplus", "logp", "sqrtp", "relu", "abs"];

fn leaf() -> impl Strategy<Value = E> {
    prop_oneof![Just(E::X), Just(E::Y), (-3i32..4).prop_map(E::C)]
}

fn expr() -> impl Strategy<Value = E> {
    leaf().prop_recursive(4, 24, 2, |inner| {
        let b = |e: E| Box::new(e);
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| E::Add(b(x), b(y))),
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| E::Sub(b(x), b(y))),
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| E::Mul(b(x), b(y))),
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| E::Div(b(x), b(y))),
            (inner.clone(), 0u32..4).prop_map(move |(x, n)| E::Powi(b(x), n)),
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| E::Pow(b(x), b(y))),
            (0..FUNCS.len(), inner).prop_map(move |(k, x)| E::F(FUNCS[k], b(x))),
        ]
    })
}

fn text(e: &E) -> String {
    match e {
        E::X => "x".into(),
        E::Y => "y".into(),
        E::C(c) => format!("({c})"),
        E::Add(a, b) => format!("({} + {})", text(a), text(b)),
        E::Sub(a, b) => format!("({} - {})", text(a), text(b)),
        E::Mul(a, b) => format!("({} * {})", text(a), text(b)),
        E::Div(a, b) => format!("({} / (1 + ({})^2))", text(a), text(b)),
        E::Powi(a, n) => format!("({})^{n}", text(a)),
        E::Pow(a, b) => format!("((1 + ({})^2)^({}))", text(a), text(b)),
        E::F("logp", a) => format!("log(1 + ({})^2)", text(a)),
        E::F("sqrtp", a) => format!("sqrt(1 + ({})^2)", text(a)),
        E::F(f, a) => format!("{f}({})", text(a)),
    }
}

/// Dual-number evaluation; `None` near a kink, where the derivative is a
/// convention rather than a limit.
fn dual(e: &E, x: D, y: D) -> Option<D> {
    let sq = |a: D| D(a.0 * a.0, 2.0 * a.0 * a.1);
    Some(match e {
        E::X => x,
        E::Y => y,
        E::C(c) => D(*c as f64, 0.0),
        E::Add(a, b) => {
            let (a, b) = (dual(a, x, y)?, dual(b, x, y)?);
            D(a.0 + b.0, a.1 + b.1)
        }
        E::Sub(a, b) => {
            let (a, b) = (dual(a, x, y)?, dual(b, x, y)?);
            D(a.0 - b.0, a.1 - b.1)
        }
        E::Mul(a, b) => {
            let (a, b) = (dual(a, x, y)?, dual(b, x, y)?);
            D(a.0 * b.0, a.1 * b.0 + a.0 * b.1)
        }
        E::Div(a, b) => {
            let (a, b) = (dual(a, x, y)?, dual(b, x, y)?);
            let d = sq(b);
            let d = D(1.0 + d.0, d.1);
            D(a.0 / d.0, (a.1 * d.0 - a.0 * d.1) / (d.0 * d.0))
        }
        E::Powi(a, n) => {
            let a = dual(a, x, y)?;
            let n = *n as i32;
            if n == 0 { D(1.0, 0.0) } else { D(a.0.powi(n), n as f64 * a.0.powi(n - 1) * a.1) }
        }
        E::Pow(a, b) => {
            let (a, b) = (dual(a, x, y)?, dual(b, x, y)?);
            let base = sq(a);
            let base = D(1.0 + base.0, base.1);
            let v = base.0.powf(b.0);
            D(v, v * (b.1 * base.0.ln() + b.0 * base.1 / base.0))
        }
        E::F(f, a) => {
            let a = dual(a, x, y)?;
            let (v, d) = match *f {
                "exp" => (a.0.exp(), a.0.exp()),
                "sin" => (a.0.sin(), a.0.cos()),
                "cos" => (a.0.cos(), -a.0.sin()),
                "tanh" => (a.0.tanh(), 1.0 - a.0.tanh().powi(2)),
                "sigmoid" => {
                    let s = 1.0 / (1.0 + (-a.0).exp());
                    (s, s * (1.0 - s))
                }
                "atan" => (a.0.atan(), 1.0 / (1.0 + a.0 * a.0)),
                "sinh" => (a.0.sinh(), a.0.cosh()),
                "softplus" => ((1.0 + a.0.exp()).ln(), 1.0 / (1.0 + (-a.0).exp())),
                "logp" => ((1.0 + a.0 * a.0).ln(), 2.0 * a.0 / (1.0 + a.0 * a.0)),
                "sqrtp" => ((1.0 + a.0 * a.0).sqrt(), a.0 / (1.0 + a.0 * a.0).sqrt()),
                "relu" | "abs" if a.0.abs() < 1e-6 => return None,
                "relu" => (a.0.max(0.0), if a.0 > 0.0 { 1.0 } else { 0.0 }),
                _ => (a.0.abs(), a.0.signum()),
            };
            D(v, d * a.1)
        }
    })
}

fn scalar(v: &Value) -> f64 {
    v.scalar_f64().unwrap_or(f64::NAN)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0) || (a.is_nan() && b.is_nan())
}

fn value_of(session: &mut Session, stmt: &str) -> f64 {
    let items = session.run(stmt).unwrap_or_else(|e| panic!("`{stmt}` failed: {e}"));
    last_value(&items, stmt)
}

fn last_value(items: &[symgrad::output::Item], stmt: &str) -> f64 {
    let item = items.last().expect("an item");
    scalar(item.value.as_ref().unwrap_or_else(|| panic!("`{stmt}` has no value")))
}

/// `stmt`'s items, or the case rejected when its exact arithmetic would
/// pass the exact_bits limit (`y = 0.3` is exact, and `(1 + y^2)^1000`
/// squared has about 28,000 bits): refused with advice, a documented
/// limit, not a wrong answer.
fn run_or_reject(session: &mut Session, stmt: &str) -> Result<Vec<symgrad::output::Item>, TestCaseError> {
    match session.run(stmt) {
        Err(e) if e.message.starts_with("exact result too large") => Err(TestCaseError::reject(e.message)),
        r => Ok(r.unwrap_or_else(|e| panic!("`{stmt}` failed: {e}"))),
    }
}

/// Cases per property: 300 in CI, `PROPTEST_CASES` to explore.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300)
}

proptest! {
    // A fixed seed, so that CI runs the same cases every time (the
    // round-trip test does the same); `PROPTEST_RNG_SEED` and
    // `PROPTEST_CASES` explore further. Random seeds at 20,000 cases find,
    // about once in 50,000 cases, an expanded nested derivative that f64
    // cancels (session 10's note: the third derivative of
    // `sigmoid(2^(10^x))` at x = 1.18 gives -0.0084 for ~0; the
    // session-start binary gives the same).
    #![proptest_config(ProptestConfig {
        cases: cases(),
        rng_seed: proptest::test_runner::RngSeed::Fixed(
            std::env::var("PROPTEST_RNG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261127),
        ),
        // About 2 % of cases are rejected (out of range, or a documented
        // limit): proptest's default of 1,024 ended runs of 100,000 cases.
        max_global_rejects: cases() / 10 + 1024,
        ..ProptestConfig::default()
    })]

    #[test]
    fn first_derivatives_match_dual_numbers(e in expr(), x in -2.0f64..2.0, y in -2.0f64..2.0) {
        let (Some(dx), Some(dy)) = (dual(&e, D(x, 1.0), D(y, 0.0)), dual(&e, D(x, 0.0), D(y, 1.0))) else {
            return Ok(());
        };
        prop_assume!(dx.0.is_finite() && dx.1.is_finite() && dy.1.is_finite() && dx.0.abs() < 1e8);
        // A derivative this large comes of an argument as large (`sin(u)`
        // with u = (1 + x^2)^100 ~ 1e13), where the last bits of u, computed
        // another way, move the value by percents: ill-conditioned, not wrong.
        prop_assume!(dx.1.abs() < 1e8 && dy.1.abs() < 1e8);
        let mut s = Session::new();
        s.run(&format!(":let x = float({x}), y = float({y})")).expect("let");
        let src = text(&e);
        // A constant part can be exact and too large (`2^-19683`): a
        // documented limit, not a wrong derivative.
        let items = run_or_reject(&mut s, &format!(":grad {src} wrt x, y"))?;
        for (item, want) in items.iter().zip([dx.1, dy.1]) {
            let got = scalar(item.value.as_ref().expect("a value"));
            prop_assert!(close(got, want, 1e-8), "d/d{:?} of {src}: got {got}, want {want}; printed {:?}", item.wrt, item.expr);
            // The printed derivative reads back to the same expression
            // (SPEC §3: pasted back, it prints the same) and value.
            let printed = item.expr.clone().expect("expr");
            let items = s.run(&printed).unwrap_or_else(|e| panic!("`{printed}` failed: {e}"));
            prop_assert_eq!(items.last().and_then(|i| i.expr.as_deref()), Some(printed.as_str()), "pasted back");
            let again = last_value(&items, &printed);
            prop_assert!(close(again, got, 1e-9), "re-parsed `{printed}` gives {again}, not {got}");
        }
    }

    #[test]
    fn second_derivatives_match_differences_of_duals(e in expr(), x in -2.0f64..2.0) {
        let Some((want, first)) = second_by_differences(&e, x) else { return Ok(()) };
        prop_assume!(want.is_finite() && first.abs() < 1e4 && want.abs() < 1e4);
        let mut s = Session::new();
        s.run(&format!(":let x = float({x}), y = 0.3")).expect("let");
        let stmt = format!("grad(grad({}, x), x)", text(&e));
        let items = run_or_reject(&mut s, &stmt)?;
        let got = last_value(&items, &stmt);
        // As in the third derivatives: an overflow of the expanded form.
        prop_assume!(got.is_finite() || items.iter().all(|i| i.warnings.is_empty()));
        prop_assert!(close(got, want, 1e-4), "d²/dx² of {}: got {got}, want {want}", text(&e));
    }

    /// A third derivative as a statement over nested `grad`s: the inner
    /// derivatives are taken on polynomials over atoms, the last by
    /// back-propagation. The reference is the second central difference
    /// of the dual-number derivative.
    #[test]
    fn third_derivatives_match_second_differences_of_duals(e in expr(), x in -2.0f64..2.0) {
        let Some((want, first)) = third_by_differences(&e, x) else { return Ok(()) };
        prop_assume!(want.is_finite() && first.abs() < 1e3 && want.abs() < 1e3);
        let mut s = Session::new();
        s.run(&format!(":let x = float({x}), y = 0.3")).expect("let");
        let src = text(&e);
        let items = run_or_reject(&mut s, &format!(":grad grad(grad({src}, x), x) wrt x"))?;
        let got = scalar(items[0].value.as_ref().expect("a value"));
        // The expanded form can overflow f64 where the function does not
        // (`(10^u)^4/(1 + (10^u)^2)^4` at u = 103): NaN with its warning is
        // IEEE arithmetic as SPEC §8 says, not a wrong derivative.
        prop_assume!(got.is_finite() || items[0].warnings.is_empty());
        prop_assert!(close(got, want, 2e-3), "d³/dx³ of {src}: got {got}, want {want}; printed {:?}", items[0].expr);
    }
}

/// The second derivative in `x` (with `y = 0.3`) as the central
/// difference of dual-number derivatives, Richardson-extrapolated from steps
/// `h` and `2h`, and the first derivative at `x`. (Without the
/// extrapolation the difference was 4e-4 off for `1 + x^4*10^(2x + 6)` at
/// x = 0, where the fourth derivative is 2.4e7.)
fn second_by_differences(e: &E, x: f64) -> Option<(f64, f64)> {
    let h = 1e-5;
    let d1 = |at: f64| dual(e, D(at, 1.0), D(0.3, 0.0)).map(|d| d.1);
    let c = d1(x)?;
    let narrow = (d1(x + h)? - d1(x - h)?) / (2.0 * h);
    let wide = (d1(x + 2.0 * h)? - d1(x - 2.0 * h)?) / (4.0 * h);
    Some(((4.0 * narrow - wide) / 3.0, c))
}

/// The third derivative in `x` (with `y = 0.3`) as the second central
/// difference of dual-number derivatives, and the first derivative at `x`;
/// `None` at a kink (relu, abs), where the differences see a jump.
fn third_by_differences(e: &E, x: f64) -> Option<(f64, f64)> {
    let h = 1e-3;
    let d1 = |at: f64| dual(e, D(at, 1.0), D(0.3, 0.0)).map(|d| d.1);
    let (p, c, m) = (d1(x + h)?, d1(x)?, d1(x - h)?);
    let want = (p - 2.0 * c + m) / (h * h);
    let wider = (d1(x + 2.0 * h)? - 2.0 * c + d1(x - 2.0 * h)?) / (4.0 * h * h);
    if !close(wider, want, 1e-2) {
        return None;
    }
    // Richardson: the h² error of the two differences cancels, which the
    // 2e-3 comparison needs where the fifth derivative is large
    // (y/(1 + x^18) at x = 1.066: 0.33 % off without it).
    Some(((4.0 * want - wider) / 3.0, c))
}

/// High powers of sums stay factored in nested derivatives: multiplied out
/// into monomials of `x` and `y`, their terms were up to 1e20 times the
/// result and cancelled in f64 (the first third derivative below gave
/// 9.6e16 for about 377).
#[test]
fn nested_derivatives_of_high_powers_of_sums_keep_their_precision() {
    let b = Box::new;
    // (1 + (x - y^2 + 2)^2)^25 and (1 + ((1 + x^2)^x - 3)^2)^9
    let inner = E::Add(b(E::Sub(b(E::X), b(E::Powi(b(E::Y), 2)))), b(E::C(2)));
    let first = E::Powi(b(E::Add(b(E::C(1)), b(E::Powi(b(inner), 2)))), 25);
    let inner = E::Sub(b(E::Pow(b(E::X), b(E::X))), b(E::C(3)));
    let second = E::Powi(b(E::Add(b(E::C(1)), b(E::Powi(b(inner), 2)))), 9);
    for (e, x) in [(first, -1.862), (second, 1.2393)] {
        let (want, _) = third_by_differences(&e, x).expect("smooth here");
        let mut s = Session::new();
        s.run(&format!(":let x = float({x}), y = 0.3")).expect("let");
        let src = text(&e);
        let stmt = format!("grad(grad(grad({src}, x), x), x)");
        let got = value_of(&mut s, &stmt);
        assert!(close(got, want, 2e-3), "d³/dx³ of {src} at {x}: got {got}, want {want}");
    }
}

/// Where `sigmoid(u)` or `tanh(u)` is saturated in f64, their higher
/// derivatives are 0 to the last bit; expanded into powers of the atom they
/// were the rounding error of terms like `x^57*sigmoid(x^20)^3` (-9.0e15
/// for the first case below, 0.0078 for the last).
#[test]
fn derivatives_of_saturated_sigmoid_and_tanh_keep_their_precision() {
    let b = Box::new;
    let cases = [
        (E::F("sigmoid", b(E::Powi(b(E::X), 20))), 3.0),
        (E::F("sigmoid", b(E::Powi(b(E::X), 10))), 5.0),
        (E::Powi(b(E::F("tanh", b(E::Powi(b(E::X), 20)))), 2), -1.4),
        // Not saturated: the factored form is the same derivative.
        (E::Mul(b(E::F("sigmoid", b(E::X))), b(E::F("tanh", b(E::Y)))), 0.7),
    ];
    for (e, x) in cases {
        let (want, _) = third_by_differences(&e, x).expect("smooth here");
        let mut s = Session::new();
        s.run(&format!(":let x = float({x}), y = float(0.3)")).expect("let");
        let src = text(&e);
        let got = value_of(&mut s, &format!(":grad grad(grad({src}, x), x) wrt x"));
        assert!(close(got, want, 1e-6), "d³/dx³ of {src} at {x}: got {got}, want {want}");
    }
}

/// Central differences of a scalar statement with respect to each element
/// of the variable `v`, using symgrad's evaluator only.
fn finite_differences(setup: &[&str], f: &str, v: &str) -> Vec<f64> {
    let mut s = Session::new();
    for st in setup {
        s.run(st).expect("setup");
    }
    let base = s.env.value(v).expect("bound").clone().into_float();
    let n = base.len();
    let Value::Float(t) = base else { unreachable!() };
    let mut out = Vec::new();
    for i in 0..n {
        let h = 1e-6 * t.data[i].abs().max(1.0);
        let mut at = |delta: f64| {
            let mut d = t.data.clone();
            d[i] += delta;
            s.env.set_value(v.to_string(), Value::from_f64(&t.shape, d));
            value_of(&mut s, f)
        };
        out.push((at(h) - at(-h)) / (2.0 * h));
    }
    out
}

fn flat(v: &Value) -> Vec<f64> {
    v.to_f64().data
}

#[test]
fn tensor_gradients_match_finite_differences() {
    let setup = [
        ":seed 7",
        ":let W = randn(3, 4), x = randn(4), b = randn(3), A = randn(3, 3), y = randn(3), v = randn(4)",
        ":let T = reshape(randn(24), 2, 3, 4), U = reshape(randn(24), 2, 3, 2, 2)",
    ];
    let cases = [
        ("sum(tanh(W @ x + b)^2)", "W"),
        ("sum(tanh(W @ x + b)^2)", "x"),
        ("sum(tanh(W @ x + b)^2)", "b"),
        ("sum(sigmoid(W @ x) * y)", "W"),
        ("logsumexp(W @ x)", "x"),
        ("sum(softmax(W @ x) * y)", "x"),
        ("norm(W)", "W"),
        ("prod(x)", "x"),
        ("trace(A @ A)", "A"),
        ("trace(W * W)", "W"),
        ("sum(diag(A) * y)", "A"),
        ("y @ A @ y", "A"),
        ("sum(outer(x, v) * (W' @ W))", "x"),
        ("sum(max(W @ x, b) + min(A @ y, 0))", "W"),
        ("sum((W @ x)[0:2]) + (W @ x)[2]^2", "x"),
        ("sum(W[1] * x) + W[0, 3]", "W"),
        ("sum(W[:, 1]^3)", "W"),
        ("mean(exp(A) / (1 + A^2))", "A"),
        ("sum(sum(W^2, 0) * x)", "W"),
        ("sum(sum(W, 1) * b)", "W"),
        ("sum(x * v) / (1 + sum(v^2))", "v"),
        ("sum(transpose(A) @ y)", "A"),
        ("x @ v", "v"),
        ("sum([x[0] * x[1], x[2]^2, sin(x[3])])", "x"),
        ("prod(A)", "A"),
        ("prod(W @ x) * sum(x)", "x"),
        // Slices and rows of tensors of rank 3 and 4.
        ("sum(T[1] * W)", "T"),
        ("sum(T[0, 2] * x)", "T"),
        ("sum(T[:, 1:3, 0]^2)", "T"),
        ("sum(T[:, ::-1, 1::2] * T[1, 0, 0])", "T"),
        ("sum(sin(T[1:2, 1]))", "T"),
        ("sum(U[1, :, 0] @ [1, 2]) + U[0, 2, 1, 1]^2", "U"),
        ("sum(U[:, 0:2, :, 1]^3)", "U"),
    ];
    // A recurrence of nine steps: its gradient sums nine outer products,
    // which evaluation adds as one matrix product.
    let rnn = (0..9).fold("y".to_string(), |h, _| format!("tanh(A @ {h} + y)"));
    let rnn = format!("sum({rnn}^2)");
    let cases = cases.into_iter().chain([(rnn.as_str(), "A")]);
    for (f, v) in cases {
        let want = finite_differences(&setup, f, v);
        let mut s = Session::new();
        for st in &setup {
            s.run(st).expect("setup");
        }
        let items = s.run(&format!(":grad {f} wrt {v}")).unwrap_or_else(|e| panic!("{f}: {e}"));
        let got = flat(items[0].value.as_ref().expect("a value"));
        assert_eq!(got.len(), want.len(), "{f} wrt {v}: shape");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(close(*g, *w, 1e-5), "{f} wrt {v}, element {k}: got {g}, want {w}\n{:?}", items[0].expr);
        }
        let again = s.run(items[0].expr.as_deref().expect("expr")).expect("re-parse");
        let back = flat(again[0].value.as_ref().expect("value"));
        for (a, b) in back.iter().zip(&got) {
            assert!(close(*a, *b, 1e-9), "{f} wrt {v}: printed form reads back differently");
        }
    }
}

#[test]
fn jacobians_have_shape_f_then_v_and_match_differences() {
    let setup = [":seed 3", ":let W = randn(2, 3), x = randn(3), s = 0.7"];
    let mut sess = Session::new();
    for st in &setup {
        sess.run(st).expect("setup");
    }
    // vector f, vector v: [2, 3]
    let items = sess.run(":grad tanh(W @ x) wrt x").expect("jacobian");
    assert_eq!(items[0].shape.as_deref(), Some(&[2, 3][..]));
    let j = flat(items[0].value.as_ref().expect("value"));
    for row in 0..2 {
        let want = finite_differences(&setup, &format!("tanh(W @ x)[{row}]"), "x");
        for c in 0..3 {
            assert!(close(j[row * 3 + c], want[c], 1e-5), "J[{row},{c}]");
        }
    }
    // vector f, scalar v: elementwise derivatives, shape [3]
    let items = sess.run(":grad sin(x * s) wrt s").expect("elementwise");
    assert_eq!(items[0].shape.as_deref(), Some(&[3][..]));
    // elementwise f of v: a diagonal Jacobian
    let items = sess.run(":grad exp(x) wrt x").expect("diag");
    assert_eq!(items[0].shape.as_deref(), Some(&[3, 3][..]));
    assert_eq!(items[0].expr.as_deref(), Some("diag(exp(x))"));
    // matrix f, matrix v: [2, 3, 2, 3]
    let items = sess.run(":grad W^2 wrt W").expect("4-tensor");
    assert_eq!(items[0].shape.as_deref(), Some(&[2, 3, 2, 3][..]));
    // a Hessian of a scalar in a vector: [3, 3], symmetric
    let items = sess.run(":hessian sum(tanh(W @ x)) wrt x").expect("hessian");
    let h = flat(items[0].value.as_ref().expect("value"));
    for r in 0..3 {
        for c in 0..3 {
            assert!(close(h[r * 3 + c], h[c * 3 + r], 1e-12), "symmetric");
        }
    }
}

/// Second differences of a scalar statement in each pair of elements of
/// the variable `v`, using symgrad's evaluator only.
fn hessian_by_differences(setup: &[&str], f: &str, v: &str) -> Vec<f64> {
    let mut s = Session::new();
    for st in setup {
        s.run(st).expect("setup");
    }
    let Value::Float(t) = s.env.value(v).expect("bound").clone().into_float() else { unreachable!() };
    let n = t.data.len();
    let h = 1e-4;
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let mut at = |di: f64, dj: f64| {
                let mut d = t.data.clone();
                d[i] += di;
                d[j] += dj;
                s.env.set_value(v.to_string(), Value::from_f64(&t.shape, d));
                value_of(&mut s, f)
            };
            out.push((at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h));
        }
    }
    out
}

/// Jacobians and Hessians are built a row at a time; rows that are one
/// expression of their index are stacked as that expression of whole
/// tensors (`A + A'`, not `[A[0] + A[:, 0], …]`). The values match
/// differences, and the printed form reads back.
#[test]
fn jacobian_and_hessian_rows_lift_to_one_expression() {
    let setup = [":seed 11", ":let W = randn(3, 4), x = randn(4), A = randn(4, 4), y = rand(3)"];
    let jacobians = [
        ("softmax(x)", "x", "(eye(4) - reshape(softmax(x), 4, 1))*softmax(x)"),
        ("x/sum(x)", "x", "eye(4)/sum(x) - reshape(x/sum(x)^2, 4, 1)"),
        ("tanh(W @ x)", "x", "(1 - tanh(W @ x)^2)*eye(3) @ W"),
        ("softmax(W @ x)", "x", "(eye(3) - reshape(softmax(W @ x), 3, 1))*softmax(W @ x) @ W"),
    ];
    let hessians = [
        ("x @ A @ x", "x", "A + A'"),
        ("logsumexp(x)", "x", "(eye(4) - reshape(softmax(x), 4, 1))*softmax(x)"),
        ("norm(x)", "x", "eye(4)/norm(x) - x*reshape(x, 4, 1)/norm(x)^3"),
        ("sum(tanh(W @ x))", "x", "-2*W'*(1 - tanh(W @ x)^2)*tanh(W @ x) @ W"),
        ("x @ A @ x + sum(exp(A @ x))", "x", "(A'*exp(A @ x) + eye(4)) @ A + A'"),
    ];
    let mut s = Session::new();
    for st in &setup {
        s.run(st).expect("setup");
    }
    let check = |s: &mut Session, stmt: String, printed: &str, want: Vec<f64>, tol: f64| {
        let items = s.run(&stmt).unwrap_or_else(|e| panic!("{stmt}: {e}"));
        let expr = items[0].expr.as_deref().expect("expr");
        assert_eq!(expr, printed, "{stmt}");
        let got = flat(items[0].value.as_ref().expect("a value"));
        assert_values(&got, &want, tol, &stmt);
        let again = s.run(expr).expect("re-parse");
        assert_values(&flat(again[0].value.as_ref().expect("value")), &got, 1e-12, expr);
    };
    for (f, v, printed) in jacobians {
        let rows = s.run(f).expect("f")[0].shape.clone().unwrap_or_default()[0];
        let want: Vec<f64> = (0..rows).flat_map(|i| finite_differences(&setup, &format!("({f})[{i}]"), v)).collect();
        check(&mut s, format!(":jacobian {f} wrt {v}"), printed, want, 1e-5);
    }
    // Softmax's rule sums over the last axis: for a vector, a scalar that
    // broadcasts as it is; a number comes out of a sum.
    let f = "-sum(y*log(softmax(W @ x)))";
    let printed = "outer(softmax(W @ x)*sum(y) - y, x)";
    check(&mut s, format!(":grad {f} wrt W"), printed, finite_differences(&setup, f, "W"), 1e-5);
    for (f, v, printed) in hessians {
        check(&mut s, format!(":hessian {f} wrt {v}"), printed, hessian_by_differences(&setup, f, v), 1e-4);
    }
}

/// W1's chain `f_i = sin(f_{i-1}) + cos(f_{i-1})`, long enough that
/// `:grad` evaluates it on a thread of its own while printing it, against
/// dual numbers carried down the chain; typed as an expression, the same
/// derivative is evaluated on one thread, and gives the same bits.
#[test]
fn a_long_chain_evaluated_beside_its_printing_matches_dual_numbers() {
    let k = 1200;
    let x0 = 0.3f64;
    let (mut f, mut df) = (x0, 1.0f64);
    for _ in 0..k {
        (f, df) = (f.sin() + f.cos(), (f.cos() - f.sin()) * df);
    }
    let chain = |s: &mut Session| {
        s.run(":let f0 = x").expect("f0");
        for i in 1..=k {
            s.run(&format!(":let f{i} = sin(f{}) + cos(f{})", i - 1, i - 1)).expect("link");
        }
        s.run(&format!(":let x = {x0}")).expect("x");
    };
    let mut s = Session::new();
    chain(&mut s);
    let items = s.run(&format!(":grad f{k} wrt x")).expect("grad");
    assert!(items[0].nodes.expect("nodes") > 4 * k, "large enough for a thread");
    let beside = scalar(items[0].value.as_ref().expect("a value"));
    assert!(items[0].expr.as_deref().is_some_and(|e| e.contains(" where ")), "printed as well");
    assert!((beside - df).abs() <= 1e-9 * df.abs() && df != 0.0, "{beside} vs {df}");
    let mut t = Session::new();
    chain(&mut t);
    let alone = value_of(&mut t, &format!("grad(f{k}, x)"));
    assert_eq!(beside.to_bits(), alone.to_bits());
}

/// The product of every element of `xs` but the `i`-th, for each `i`,
/// multiplied out here (no division): the reference for `prod`'s gradient.
fn products_of_the_others(xs: &[f64]) -> Vec<f64> {
    (0..xs.len()).map(|i| xs.iter().enumerate().filter(|&(k, _)| k != i).map(|(_, v)| v).product()).collect()
}

/// `∂²prod/∂xᵢ∂xⱼ`, row-major: 0 on the diagonal, the product of the
/// elements other than the `i`-th and the `j`-th off it.
fn products_of_the_others_2(xs: &[f64]) -> Vec<f64> {
    let n = xs.len();
    let mut h = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let others = xs.iter().enumerate().filter(|&(k, _)| k != i && k != j).map(|(_, v)| v);
            h.push(if i == j { 0.0 } else { others.product() });
        }
    }
    h
}

/// `xs` (row-major) as a tensor literal of `shape`.
fn literal(xs: &[f64], shape: &[usize]) -> String {
    match shape.split_first() {
        None => format!("{}", xs[0]),
        Some((&n, rest)) => {
            let step = xs.len() / n;
            let parts: Vec<String> = xs.chunks(step).map(|c| literal(c, rest)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn assert_values(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: number of elements");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.is_finite() && close(*g, *w, tol), "{what}, element {k}: got {g}, want {w}");
    }
}

/// The one result of `stmt`: its printed form, shape and value.
fn result(s: &mut Session, stmt: &str) -> (String, Vec<usize>, Vec<f64>) {
    let items = s.run(stmt).unwrap_or_else(|e| panic!("`{stmt}` failed: {e}"));
    let item = items.last().expect("an item");
    let value = flat(item.value.as_ref().unwrap_or_else(|| panic!("`{stmt}` has no value")));
    (item.expr.clone().expect("expr"), item.shape.clone().expect("shape"), value)
}

/// `prod`'s gradient and Hessian where elements are 0 (`g*prod(x)/x`
/// divided by zero there, or gave NaN), exact and in floats, against the
/// products of the other elements multiplied out here; each printed
/// derivative pasted back reads as the same expression with the same
/// value.
#[test]
fn prod_derivatives_at_zeros_match_products_of_the_other_elements() {
    let cases: [(&[f64], &[usize]); 8] = [
        (&[0.0, 2.0, 3.0], &[3]),
        (&[0.0, 5.0, 0.0, 2.0], &[4]),
        (&[1.5, -2.0, 4.0, 0.5], &[4]),
        (&[7.0], &[1]),
        (&[0.0, 2.0, 1.5, 3.0, -4.0, 2.0], &[2, 3]),
        (&[0.0, 0.0, 1.0, 2.0], &[2, 2]),
        (&[3.0, -1.0, 0.0, 2.0, 0.5, 4.0], &[3, 2]),
        (&[1.0, 0.0, 2.0, 3.0, -1.0, 2.0, 0.5, 4.0], &[2, 2, 2]),
    ];
    for (xs, shape) in cases {
        let lit = literal(xs, shape);
        let grad = products_of_the_others(xs);
        let hess = products_of_the_others_2(xs);
        for value in [lit.clone(), format!("float({lit})")] {
            let mut s = Session::new();
            s.run(&format!(":let x = {value}")).expect("let");
            let what = format!("prod(x) at x = {value}");
            let (printed, got_shape, got) = result(&mut s, ":grad prod(x) wrt x");
            assert_eq!(got_shape, shape, "{what}: shape of the gradient");
            assert_values(&got, &grad, 1e-12, &format!("gradient of {what}"));
            let (again, _, back) = result(&mut s, &printed);
            assert_eq!(again, printed, "{what}: the gradient pasted back");
            assert_values(&back, &grad, 1e-12, &format!("pasted-back gradient of {what}"));
            // In a session of its own, too.
            let mut t = Session::new();
            t.run(&format!(":let x = {value}")).expect("let");
            assert_eq!(result(&mut t, &printed).0, printed, "{what}: pasted into a new session");

            let (printed, got_shape, got) = result(&mut s, ":hessian prod(x) wrt x");
            assert_eq!(got_shape, [shape, shape].concat(), "{what}: shape of the Hessian");
            assert_values(&got, &hess, 1e-12, &format!("Hessian of {what}"));
            let (again, _, back) = result(&mut s, &printed);
            assert_eq!(again, printed, "{what}: the Hessian pasted back");
            assert_values(&back, &hess, 1e-12, &format!("pasted-back Hessian of {what}"));
            let (_, _, nested) = result(&mut s, "grad(grad(prod(x), x), x)");
            assert_values(&nested, &hess, 1e-12, &format!("grad(grad(...)) of {what}"));
        }
    }
}

/// The gradient stays symbolic: evaluated later at other values, zeros
/// elsewhere, it is still the products of the other elements.
#[test]
fn prod_gradient_evaluated_later_at_other_zeros() {
    let mut s = Session::new();
    s.run(":let x = [0, 2, 3]").expect("let");
    let (_, _, first) = result(&mut s, ":grad prod(x) wrt x");
    assert_values(&first, &[6.0, 0.0, 0.0], 0.0, "at [0, 2, 3]");
    s.run(":let x = [4, 0, 5]").expect("let");
    let (_, _, later) = result(&mut s, ":eval $1");
    assert_values(&later, &[0.0, 20.0, 0.0], 0.0, "$1 at [4, 0, 5]");
    // and through other functions: d/dx prod(x^2 + 1) = 2x * products of the others
    let (_, _, chain) = result(&mut s, ":grad prod(x^2 + 1) wrt x");
    assert_values(&chain, &[8.0 * 26.0, 0.0, 10.0 * 17.0], 0.0, "prod(x^2 + 1) at [4, 0, 5]");
}

/// Long vectors: the products past the simplifier's flattening bound are
/// grouped so the printed form still reads back as itself; the graph and
/// the text grow linearly; a vector too large for the graph budget is
/// refused with the limit's name and the session goes on.
#[test]
fn prod_gradient_of_long_vectors_is_linear_and_reads_back() {
    let mut xs: Vec<f64> = (1..=30).map(|k| f64::from(k % 7) - 3.0).collect();
    xs[17] = 0.0;
    let lit = literal(&xs, &[30]);
    let mut s = Session::new();
    s.run(&format!(":let x = {lit}")).expect("let");
    let (printed, _, got) = result(&mut s, ":grad prod(x) wrt x");
    assert_values(&got, &products_of_the_others(&xs), 0.0, "30 elements, one zero");
    assert_eq!(result(&mut s, &printed).0, printed, "pasted back");
    let mut t = Session::new();
    t.run(&format!(":let x = {lit}")).expect("let");
    assert_eq!(result(&mut t, &printed).0, printed, "pasted into a new session");

    let n = 1000;
    let mut s = Session::new();
    s.run(":seed 11").expect("seed");
    s.run(&format!(":let x = randn({n})")).expect("let");
    let xs = flat(s.env.value("x").expect("bound"));
    let items = s.run(":grad prod(x) wrt x").expect("grad");
    let got = flat(items[0].value.as_ref().expect("a value"));
    let want = products_of_the_others(&xs);
    // Products of 999 values in another order: relative rounding only.
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-9 * w.abs(), "element {k}: got {g}, want {w}");
    }
    let nodes = items[0].nodes.expect("nodes");
    assert!(nodes <= 4 * n, "{nodes} nodes for {n} elements");
    let printed = items[0].expr.as_deref().expect("expr");
    assert!(printed.len() <= 160 * n, "{} bytes for {n} elements", printed.len());

    s.run(":let x = randn(100000)").expect("let");
    let err = s.run(":grad prod(x) wrt x").expect_err("over the graph budget");
    assert!(err.message.contains("graph_size"), "{}", err.message);
    assert_eq!(value_of(&mut s, "prod([2, 3, 4])"), 24.0, "the session goes on");
}

/// What the derivatives of stacks and elements are made of simplifies:
/// an element or a block of a unit tensor (a Jacobian row's seed) is a
/// number, zeros or a smaller unit tensor, an element of `diag(v)` is
/// `v[i]` or 0, and an element of a tensor of rank 3 has a derivative.
#[test]
fn elements_of_unit_tensors_and_of_diag_fold() {
    let mut s = Session::new();
    s.run(":var x[3]").expect("var");
    for (src, want) in [
        ("eye(3)[0][1]", "0"),
        ("eye(3)[1][1]", "1"),
        ("eye(4)[2, 2] + eye(4)[2, 3]", "1"),
        ("reshape(eye(6)[4], 2, 3)[1]", "eye(3)[1]"),
        ("reshape(eye(6)[4], 2, 3)[0]", "zeros(3)"),
        ("reshape(eye(6)[4], 2, 3)[1, 1]", "1"),
        ("diag(x)[0, 1]", "0"),
        ("diag(x)[2, 2]", "x[2]"),
        // Unit vectors: entries 0 and 1.
        ("sum(eye(5)[1])", "1"),
        ("eye(3)[0]^3", "eye(3)[0]"),
        ("eye(3)[0]*eye(3)[1]*x", "zeros(3)"),
        // eye(1)[0] stretches: it does not exclude eye(3)[2].
        ("eye(1)[0]*eye(3)[2]", "eye(1)[0]*eye(3)[2]"),
        ("sum(eye(3))", "3"),
        ("sum(eye(3), 1)", "ones(3)"),
    ] {
        let items = s.run(src).unwrap_or_else(|e| panic!("`{src}` failed: {e}"));
        assert_eq!(items[0].expr.as_deref(), Some(want), "{src}");
    }
    s.run(":let T = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]").expect("let");
    let (printed, shape, got) = result(&mut s, ":grad T[1, 0, 1]^2 * T[0, 1, 1] wrt T");
    assert_eq!(shape, [2, 2, 2]);
    // 2*T[1,0,1]*T[0,1,1] at [1,0,1], T[1,0,1]^2 at [0,1,1]
    assert_values(&got, &[0.0, 0.0, 0.0, 36.0, 0.0, 48.0, 0.0, 0.0], 0.0, "rank 3");
    assert_eq!(result(&mut s, &printed).0, printed, "pasted back");
}

/// `0^x` is 0 for x > 0, and so is its slope (it was `0^x*log(0)`, NaN).
#[test]
fn a_power_of_zero_has_slope_zero() {
    for (f, want) in [("0^x", 0.0), ("0^(x^2)*x + x", 1.0), ("x*0^(2*x)", 0.0)] {
        let mut s = Session::new();
        s.run(":let x = 1.5").expect("bound");
        let got = value_of(&mut s, &format!("grad({f}, x)"));
        let dx = 1e-6;
        let at = format!("({f} where x = {}) - ({f} where x = {})", 1.5 + dx, 1.5 - dx);
        let diff = value_of(&mut s, &at) / (2.0 * dx);
        assert!(close(got, diff, 1e-6) && close(got, want, 1e-12), "{f}: {got} vs {diff}");
    }
}

/// Contributions that share a factor are summed with it taken out, as the
/// product rule writes them (`(3x² - y)·(y - x)`), not multiplied out term
/// by term; the value is the same (central differences).
#[test]
fn contributions_sharing_a_factor_are_grouped() {
    let f = "(x^3 - x*y)*(exp(y)*(y - x))";
    let mut s = Session::new();
    s.run(":let y = 0.3").expect("bound");
    let items = s.run(&format!(":grad {f} wrt x")).expect("derivative");
    let expr = items[0].expr.clone().unwrap_or_default();
    assert_eq!(expr, "((3*x^2 - y)*(y - x) + x*y - x^3)*exp(y)");
    let dx = 1e-6;
    let at = format!("(({f}) where x = {}) - (({f}) where x = {})", 1.2 + dx, 1.2 - dx);
    let want = value_of(&mut s, &at) / (2.0 * dx);
    let got = value_of(&mut s, &format!("({expr}) where x = 1.2"));
    assert!(close(got, want, 1e-6), "{got} vs {want}");
}

/// A sum multiplied by the factors each of its terms divides by is
/// multiplied out so that they cancel: the gradient of a binary
/// cross-entropy is `sigmoid(z) - t` for vectors and matrices as for
/// scalars (it was `(-((t - 1)/(1 - s)) - t/s)*(1 - s)*s`), and its values
/// match differences.
#[test]
fn cross_entropy_gradients_cancel_to_prediction_minus_target() {
    let setup = [":seed 5", ":let W = randn(2, 3), x = randn(3), z = randn(3), t = [0, 1, 1], y = [1, 0]"];
    let cases = [
        ("-sum(t*log(sigmoid(z)) + (1 - t)*log(1 - sigmoid(z)))", "z", "sigmoid(z) - t"),
        ("-sum(y*log(sigmoid(W @ x)) + (1 - y)*log(1 - sigmoid(W @ x)))", "W", "outer(sigmoid(W @ x) - y, x)"),
        ("-sum(y*log(sigmoid(W @ x)) + (1 - y)*log(1 - sigmoid(W @ x)))", "x", "W' @ (sigmoid(W @ x) - y)"),
    ];
    for (f, v, printed) in cases {
        let want = finite_differences(&setup, f, v);
        let mut s = Session::new();
        for st in &setup {
            s.run(st).expect("setup");
        }
        let items = s.run(&format!(":grad {f} wrt {v}")).expect("grad");
        assert_eq!(items[0].expr.as_deref(), Some(printed), "{f} wrt {v}");
        assert_values(&flat(items[0].value.as_ref().expect("value")), &want, 1e-6, f);
    }
}

/// logsumexp's gradient is softmax, computed as softmax is: written as
/// exp(w - logsumexp(w)), elements near 10^15 kept few digits (the three
/// entries summed to 0.952).
#[test]
fn logsumexp_gradients_of_large_elements_keep_their_precision() {
    let mut s = Session::new();
    s.run(":let w = [10^15 + 0.3, 10^15, 0]").expect("bind");
    let items = s.run(":grad logsumexp(w) wrt w").expect("grad");
    let g = flat(items[0].value.as_ref().expect("value"));
    // In f64, 10^15 + 0.3 is 10^15 + 0.25.
    let want = 1.0 / (1.0 + (-0.25f64).exp());
    assert_values(&g, &[want, 1.0 - want, 0.0], 1e-12, "softmax of large elements");
}

/// `grad` of a user function's parameter: the body is differentiated in a
/// variable standing for the parameter, and the argument put back, so it
/// is the partial derivative at the argument (`h(y, y)` is not
/// `d/dy (y^2*y + sin(y))`).
#[test]
fn a_function_may_differentiate_its_own_parameters() {
    let mut s = Session::new();
    s.run(":def q(a) = grad(a^3, a)").expect("def");
    s.run(":def h(a, b) = grad(a^2*b + sin(a), a)").expect("def");
    s.run(":def n2(v) = grad(sum(v^2), v)").expect("def");
    for (x, y) in [(0.3f64, -1.2f64), (2.0, 0.5), (-1.7, 3.0)] {
        s.run(&format!(":let x = {x}, y = {y}")).expect("bind");
        let close_to = |s: &mut Session, stmt: &str, want: f64| {
            let got = value_of(s, stmt);
            assert!(close(got, want, 1e-12), "{stmt} at {x}, {y}: got {got}, want {want}");
        };
        close_to(&mut s, "q(x^2)", 3.0 * x.powi(4));
        close_to(&mut s, "h(x, y)", 2.0 * x * y + x.cos());
        close_to(&mut s, "h(y, y)", 2.0 * y * y + y.cos());
        close_to(&mut s, "sum(n2([x, y]))", 2.0 * (x + y));
        // Differentiated again from outside: d/dx 3x^4.
        let items = s.run(":grad q(x^2) wrt x").expect("grad");
        let got = scalar(items[0].value.as_ref().expect("value"));
        assert!(close(got, 12.0 * x.powi(3), 1e-12), "got {got}");
    }
    assert_eq!(s.run("q(z)").expect("q")[0].expr.as_deref(), Some("3*z^2"));
    // A derivative in a global variable holds the parameters fixed: the
    // argument is put in after (h2(y) is y, not d/dy y^2 = 2y), as a
    // closure in JAX or a SymPy Lambda gives.
    s.run(":def h2(a) = grad(a*y, y)").expect("def");
    s.run(":def h3(a) = grad(u*u, y) where u = a*y").expect("def");
    let (x, y) = (0.7f64, -1.3f64);
    s.run(&format!(":let x = {x}, y = {y}")).expect("bind");
    for (stmt, want) in [("h2(y)", y), ("h2(x + y)", x + y), ("h3(y)", 2.0 * y.powi(3)), ("h3(x)", 2.0 * x * x * y)] {
        let got = value_of(&mut s, stmt);
        assert!(close(got, want, 1e-12), "{stmt}: got {got}, want {want}");
    }
}

/// The gradient of an element is placed as a scatter would place it: an
/// infinite derivative of `x[0]` stays in element 0 (it was `[inf, nan]`:
/// `eye(2)[0]*inf` is NaN where the unit vector is 0), as JAX gives.
#[test]
fn an_infinite_element_gradient_stays_in_its_element() {
    let mut s = Session::new();
    s.run(":let x = float([0, 2]), y = [-1, 2]").expect("bind");
    let g = |s: &mut Session, stmt: &str| flat(s.run(stmt).expect("grad")[0].value.as_ref().expect("value"));
    let got = g(&mut s, ":grad sqrt(x[0]) + x[1]^2 wrt x");
    assert!(got[0] == f64::INFINITY && got[1] == 4.0, "{got:?}");
    let got = g(&mut s, ":grad sqrt(y[0]) + y[1]^2 wrt y");
    assert!(got[0].is_nan() && got[1] == 4.0, "{got:?}");
}

/// An empty slice has an empty Jacobian (`shape(f) ++ shape(v)`), and a
/// derivative through one prints a form that reads back (`ones(0)`).
#[test]
fn empty_slices_have_empty_jacobians_that_read_back() {
    let mut s = Session::new();
    s.run(":let x = [2, 0, 3]").expect("bind");
    let items = s.run(":jacobian x[2:2] wrt x").expect("jacobian");
    assert_eq!(items[0].shape.as_deref(), Some(&[0, 3][..]));
    for stmt in [":grad sum(x[2:2]) wrt x", ":jacobian sum(x[2:2]) + x wrt x"] {
        let items = s.run(stmt).expect("derivative");
        let value = flat(items[0].value.as_ref().expect("value"));
        let again = s.run(items[0].expr.as_deref().expect("expr")).expect("reads back");
        assert_eq!(flat(again[0].value.as_ref().expect("value")), value, "{stmt}");
    }
}

/// Roots of bound exact values beyond f64's range: exact where the root
/// is (`sqrt(10^400)`), else correctly rounded or nearly (reference values
/// from mpmath at 40 digits). Through the logarithm they were 1e-14 off,
/// and `∂sqrt(u*x)/∂x` at `u = 10^400` was inf.
#[test]
fn roots_of_exact_values_beyond_f64_stay_exact_or_accurate() {
    let mut s = Session::new();
    s.run(":let u = 10^400, x = 1, y = 1e-300, w = 2*10^600").expect("bind");
    let exact = |s: &mut Session, stmt: &str| s.run(stmt).expect(stmt)[0].value.clone().expect("value");
    assert!(matches!(exact(&mut s, ":grad sqrt(u*x) wrt x"), Value::Exact(_)), "5*10^199 exactly");
    assert!(matches!(exact(&mut s, "sqrt(y^2)"), Value::Exact(_)), "10^-300 exactly");
    assert_eq!(value_of(&mut s, ":grad sqrt(u*x) wrt x"), 5e199);
    for (stmt, want) in [
        ("sqrt(10*u)", 3.162_277_660_168_379_3e200),
        ("(7/3*10^-400)^(2/3)", 3.790_104_550_468_647_5e-267),
        ("sqrt(w)", 1.414_213_562_373_095e300),
        ("w^(-1/3)", 7.937_005_259_840_997e-201),
    ] {
        let got = value_of(&mut s, stmt);
        assert!(((got - want) / want).abs() < 4.0 * f64::EPSILON, "{stmt}: {got} vs {want}");
    }
}

/// A power with a symbolic exponent times a power of its base is one
/// power (`x^y/x` is `x^(y - 1)`): the mixed derivative of `x^y` is one
/// expression in both orders, matches differences, and at `x = 0` the
/// Hessian is no longer refused as a division by zero.
#[test]
fn powers_of_one_base_with_symbolic_exponents_merge() {
    let mut s = Session::new();
    s.run(":let x = 1.5, y = 2.5").expect("bind");
    let xy = s.run(":grad grad(x^y, x) wrt y").expect("xy")[0].expr.clone();
    let yx = s.run(":grad grad(x^y, y) wrt x").expect("yx")[0].expr.clone();
    assert_eq!(xy.as_deref(), Some("(1 + y*log(x))*x^(y - 1)"));
    assert_eq!(xy, yx);
    let got = value_of(&mut s, ":grad grad(x^y, y) wrt x");
    let h = 1e-5;
    let d = |s: &mut Session, x: f64| value_of(s, &format!("grad(x^y, y) where x = {x}"));
    let want = (d(&mut s, 1.5 + h) - d(&mut s, 1.5 - h)) / (2.0 * h);
    assert!(close(got, want, 1e-7), "{got} vs {want}");
    s.run(":let x = 0, y = 2").expect("bind");
    assert!(s.run(":hessian x^y wrt x, y").is_ok(), "no division by zero");
}
