//! Tensor derivatives against central finite differences, element by
//! element: gradients, Jacobians and Hessians (also as printed and read
//! back), `prod` at zeros, unit tensors, and the forms rows are lifted to.

mod common;

use common::{assert_values, close, flat, session, value_of};
use symgrad::eval::value::Value;
use symgrad::session::Session;

/// Central differences of a scalar statement with respect to each element
/// of the variable `v`, using symgrad's evaluator only.
fn finite_differences(setup: &[&str], f: &str, v: &str) -> Vec<f64> {
    let mut s = session(setup);
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
        let mut s = session(&setup);
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
    let mut sess = session(&setup);
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
    let mut s = session(setup);
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
    let mut s = session(&setup);
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
        let mut s = session(&setup);
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
