//! Derivatives against an independent reference. Random scalar expressions
//! are generated as trees, printed for symgrad, and evaluated here with
//! dual numbers (value and derivative together, no symbolic step); the
//! derivative symgrad prints must match, and must read back to the same
//! value. Tensor derivatives are in `tensor_derivatives.rs`.

mod common;

use common::{close, last_value, scalar, value_of};
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
