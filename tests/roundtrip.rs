//! Printing is the inverse of parsing: a printed expression reads back to
//! the same node, so printing it again gives the same text; and equal
//! expressions, however written, are one node.

use proptest::prelude::*;
use symgrad::session::Session;

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("λ".to_string()),
        Just("pi".to_string()),
        (0u32..20).prop_map(|n| n.to_string()),
        (1u32..9, 1u32..9).prop_map(|(p, q)| format!("{p}.{q}")),
        Just("v".to_string()),
        Just("A".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    atom().prop_recursive(4, 32, 3, |e| {
        prop_oneof![
            (e.clone(), e.clone(), prop_oneof![Just("+"), Just("-"), Just("*"), Just("/")])
                .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
            (e.clone(), -3i32..5).prop_map(|(a, n)| format!("({a})^{n}")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("({a})^({b})")),
            e.clone().prop_map(|a| format!("-({a})")),
            (e.clone(), prop_oneof![Just("sin"), Just("exp"), Just("tanh"), Just("sqrt"), Just("relu"), Just("abs")])
                .prop_map(|(a, f)| format!("{f}({a})")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("max({a}, {b})")),
            e.clone().prop_map(|a| format!("sum({a})")),
            e.clone().prop_map(|a| format!("(A @ ({a}))")),
            e.clone().prop_map(|a| format!("({a})'")),
            e.prop_map(|a| format!("(v*{a})[1:3]")),
        ]
    })
}

/// The node an expression lowers to in the session's graph.
fn node_of(s: &mut Session, text: &str) -> Option<symgrad::graph::NodeId> {
    let e = symgrad::syntax::parse_expr(text).ok()?;
    let mut memo = symgrad::lower::Memo::default();
    let mut rng = symgrad::eval::data::Rng::new(0);
    symgrad::lower::Lower::new(&mut s.graph, &s.env, &mut memo, &mut rng, text).expr(&e).ok()
}

fn printed(s: &mut Session, text: &str) -> Option<String> {
    let items = s.run(text).ok()?;
    items.last()?.expr.clone()
}

proptest! {
    // A fixed seed, so that CI runs the same cases every time;
    // `PROPTEST_RNG_SEED` and `PROPTEST_CASES` explore further (session 9:
    // seeds 1-6 at 20,000 cases each pass; the misses they found are in
    // `numbers_by_sums_and_folded_powers_read_back`).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(400),
        rng_seed: proptest::test_runner::RngSeed::Fixed(
            std::env::var("PROPTEST_RNG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261126),
        ),
        ..ProptestConfig::default()
    })]

    #[test]
    fn print_then_parse_is_the_same_node(e in expr()) {
        let mut s = Session::new();
        s.run(":var v[4], A[4, 4]").expect("declare");
        // Some random expressions are errors (shapes, 0^-1): nothing to check.
        let Some(first) = printed(&mut s, &e) else { return Ok(()) };
        let again = printed(&mut s, &first).expect("a printed expression parses");
        prop_assert_eq!(&again, &first, "print(parse(print(e))) differs for {}", e);
        prop_assert_eq!(node_of(&mut s, &e), node_of(&mut s, &first), "`{}` is not the node of `{}`", first, e);
    }
}

/// Past misses: a leading minus binds tighter than `@`, `*` and `/`.
#[test]
fn a_leading_minus_keeps_its_operand() {
    let mut s = Session::new();
    s.run(":var v[4], A[4, 4]").expect("declare");
    for (text, shown) in [("-(A @ v) - v", "-(A @ v) - v"), ("-((x + y)/v)", "-((x + y)/v)"), ("-(A @ v)", "-(A @ v)")]
    {
        let first = printed(&mut s, text).expect("prints");
        assert_eq!(first, shown);
        assert_eq!(node_of(&mut s, &first), node_of(&mut s, text), "`{first}` is not the node of `{text}`");
    }
}

/// Past misses found with random seeds: a number next to a sum (which the
/// simplifier distributes it over), and a power of a number that folds.
#[test]
fn numbers_by_sums_and_folded_powers_read_back() {
    let mut s = Session::new();
    s.run(":var v[4], A[4, 4]").expect("declare");
    for (text, shown) in [
        ("(max(y, x)*2)*(1 + x)", "2*max(y, x)*(1 + x)"),
        ("(max(y, x)*3)*(1 + x)/2", "3*max(y, x)*(1 + x)/2"),
        ("2*((1 + x)*(1 + y))", "2*((1 + x)*(1 + y))"),
        ("2*((1 + x)/y)", "2*((1 + x)/y)"),
        ("grad(tanh(x)^2, x)", "2*tanh(x)*(1 - tanh(x)^2)"),
        ("-1.1/(y + x)", "-11/10/(x + y)"),
        ("(A - A) - x", "-x*ones(4, 4)"),
        ("sqrt(2)^-2", "0.5"),
        ("-(1 - y)*x - z", "x*(y - 1) - z"),
        ("-(y - x)/(1 + (x - y)^2) - x", "(x - y)/(1 + (x - y)^2) - x"),
        // A sum of more terms than the simplifier merges pairwise.
        (
            "x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14",
            "x1 + x10 + x11 + x12 + x13 + x14 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9",
        ),
        // The same for products: two products of 7 and 8 factors make one
        // of 15, which read back as a product of 13 inside one of 3.
        ("(x0*x1*x2*x3*x4*x5*x6)*(x7*x8*x9*x10*x11*x12*x13*x14)", "x0*x1*x10*x11*x12*x13*x14*x2*x3*x4*x5*x6*x7*x8*x9"),
        ("x13*x14*(x0*x1*x2*x3*x4*x5*x6*x7*x8*x9*x10*x11*x12)", "x13*x14*(x0*x1*x10*x11*x12*x2*x3*x4*x5*x6*x7*x8*x9)"),
        // A size-1 tensor's element as a scalar, as Hessians print it.
        ("reshape([[x]])", "reshape([[x]])"),
    ] {
        let first = printed(&mut s, text).expect("prints");
        assert_eq!(first, shown);
        assert_eq!(printed(&mut s, &first).as_deref(), Some(shown), "`{first}` prints again differently");
        assert_eq!(node_of(&mut s, &first), node_of(&mut s, text), "`{first}` is not the node of `{text}`");
    }
}

#[test]
fn commutative_operands_are_one_node() {
    let mut s = Session::new();
    s.run("x*w + b").expect("first");
    let n = s.graph.len();
    for text in ["w*x + b", "b + x*w", "b + w*x", "x*w + b"] {
        s.run(text).expect("same");
        assert_eq!(s.graph.len(), n, "`{text}` made new nodes");
    }
}

#[test]
fn a_printed_derivative_with_where_reads_back() {
    let mut s = Session::new();
    let items = s.run(":grad sin(sin(sin(x)+x)+cos(sin(x)+x)) wrt x").expect("grad");
    let text = items[0].expr.clone().expect("expr");
    assert_eq!(printed(&mut s, &text).as_deref(), Some(text.as_str()));
    let d = node_of(&mut s, "grad(sin(sin(sin(x)+x)+cos(sin(x)+x)), x)");
    assert_eq!(node_of(&mut s, &text), d, "the printed derivative is the same node");
}

/// A constant tensor used in many places is printed once, in the `where`
/// clause: the Hessian of `prod(sin(randn(20)*x))` wrote its 20 numbers
/// 1,066 times (456 KB). Read back, it is the same value.
#[test]
fn a_constant_tensor_used_many_times_is_printed_once() {
    let mut s = Session::new();
    s.run(":let x = 0.3").expect("bind");
    let items = s.run(":hessian prod(sin(randn(20)*x)) wrt x").expect("hessian");
    let text = items[0].expr.clone().expect("expr");
    let value = items[0].value.as_ref().expect("value").to_f64().data[0];
    assert!(text.len() < 30_000, "{} bytes", text.len());
    let (_, defs) = text.split_once(" where ").expect("a where clause");
    let constant = defs.split(" = [").nth(1).expect("a constant defined");
    let first = constant.split(", ").next().expect("its first number");
    assert_eq!(text.matches(first).count(), 1, "{first} in {text}");
    let again = s.run(&text).expect("re-parse")[0].value.as_ref().expect("value").to_f64().data[0];
    assert!((again - value).abs() <= 1e-9 * value.abs(), "{again} against {value}");
}

/// A small node written many times is named too: `tanh(x*[1, 2, 3])` sits
/// under three elements that are each used again, seven times in all.
#[test]
fn a_small_node_printed_many_times_gets_a_name() {
    let mut s = Session::new();
    s.run(":let x = 0.4").expect("bind");
    let items = s.run(":grad prod(tanh(x*[1, 2, 3])) wrt x").expect("grad");
    let text = items[0].expr.clone().expect("expr");
    assert_eq!(text.matches("tanh(").count(), 1, "{text}");
    assert!(text.ends_with(" where t1 = tanh(x*[1, 2, 3])"), "{text}");
    let value = items[0].value.as_ref().expect("value").to_f64().data[0];
    let again = s.run(&text).expect("re-parse")[0].value.as_ref().expect("value").to_f64().data[0];
    assert!((again - value).abs() <= 1e-12 * value.abs(), "{again} against {value}");
    // By hand: d/dx of tanh(x)·tanh(2x)·tanh(3x).
    let t = |k: f64| (k * 0.4f64).tanh();
    let dt = |k: f64| k * (1.0 - t(k).powi(2));
    let want = dt(1.0) * t(2.0) * t(3.0) + t(1.0) * dt(2.0) * t(3.0) + t(1.0) * t(2.0) * dt(3.0);
    assert!((value - want).abs() <= 1e-12, "{value} against {want}");
}

/// The printer's `where` names skip those of user functions: after `:def
/// t1(a) = …` a binding `t1 = …` could not be read back.
#[test]
fn where_names_skip_user_functions() {
    let mut s = symgrad::session::Session::new();
    s.run(":def t1(a) = a + 1").expect("def");
    s.run(":let x = 0.3, y = 0.2").expect("bind");
    let f = "sin(exp(t1(x)*y) + y)^2*exp(sin(exp(t1(x)*y) + y)) + cos(exp(t1(x)*y) + y)^3";
    let items = s.run(&format!(":grad {f} wrt x")).expect("grad");
    let expr = items[0].expr.clone().expect("expr");
    assert!(expr.contains(" where t2 = "), "{expr}");
    let back = s.run(&expr).expect("reads back");
    assert_eq!(back[0].value, items[0].value);
}
