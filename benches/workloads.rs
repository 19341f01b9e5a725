//! The benchmark workloads of `WORKLOADS.md`, driven through the library
//! (`Session::run`) as the REPL drives it. Each case sets up a fresh session
//! with the statements before the measured one (not timed), then times the
//! measured statement: differentiation, evaluation and the rendering of its
//! output items. `bench/compare.sh` runs the release binary against other
//! systems; these are for quick before/after checks:
//!
//!     cargo bench --bench workloads [-- FILTER]

use symgrad::session::Session;

fn main() {
    divan::main();
}

/// A session that has run `setup`, one statement per line.
fn session(setup: &str) -> Session {
    let mut s = Session::new();
    for line in setup.lines() {
        s.run(line).expect(line);
    }
    s
}

/// Times `stmt` on fresh sessions prepared with `setup`.
fn run_after(bencher: divan::Bencher, setup: &str, stmt: &str) {
    bencher.with_inputs(|| session(setup)).bench_local_values(|mut s| s.run(stmt).expect(stmt));
}

fn w1_setup(k: usize) -> String {
    let mut s = String::from(":let f0 = x\n");
    for i in 1..=k {
        s += &format!(":let f{i} = sin(f{}) + cos(f{})\n", i - 1, i - 1);
    }
    s + ":let x = 0.5\n"
}

/// W1: the gradient of the nested `f_k = sin(f_{k-1}) + cos(f_{k-1})`.
#[divan::bench(args = [10, 100, 1000], sample_count = 10)]
fn w1_grad(bencher: divan::Bencher, k: usize) {
    run_after(bencher, &w1_setup(k), &format!(":grad f{k} wrt x"));
}

/// W1: the whole script, from a new session to the printed gradient.
#[divan::bench(args = [10, 100], sample_count = 10)]
fn w1_script(bencher: divan::Bencher, k: usize) {
    let script = w1_setup(k) + &format!(":grad f{k} wrt x\n");
    bencher.bench_local(|| session(&script));
}

fn nested(expr: &str, k: usize) -> String {
    (1..k).fold(expr.to_string(), |e, _| format!("grad({e}, x)"))
}

/// W4: the k-th derivative of tanh(x) and of exp(sin(x))*x^2 at 0.3.
#[divan::bench(args = [10, 20], sample_count = 10)]
fn w4_tanh(bencher: divan::Bencher, k: usize) {
    run_after(bencher, ":let x = 0.3", &format!(":grad {} wrt x", nested("tanh(x)", k)));
}

#[divan::bench(args = [10, 20], sample_count = 10)]
fn w4_expsin(bencher: divan::Bencher, k: usize) {
    run_after(bencher, ":let x = 0.3", &format!(":grad {} wrt x", nested("exp(sin(x))*x^2", k)));
}

/// W2 with random weights: `L` tanh layers of width `n`.
fn w2_setup(l: usize, n: usize) -> (String, String) {
    let mut s = format!(":let x = randn({n}), y = randn({n})\n:let h0 = x\n");
    for i in 1..=l {
        s += &format!(":let W{i} = randn({n}, {n}) / {}, b{i} = randn({n}) / 10\n", (n as f64).sqrt());
        s += &format!(":let h{i} = tanh(W{i} @ h{} + b{i})\n", i - 1);
    }
    let reg: Vec<String> = (1..=l).map(|i| format!("sum(W{i}^2)")).collect();
    s += &format!(":let J = sum((h{l} - y)^2) + 0.01 * ({})\n", reg.join(" + "));
    let wrt: Vec<String> = (1..=l).map(|i| format!("W{i}, b{i}")).collect();
    (s, format!(":grad J wrt {}", wrt.join(", ")))
}

/// W2: build and evaluate the gradient of a small MLP.
#[divan::bench(args = [(2, 4), (4, 64)], sample_count = 10)]
fn w2_grad(bencher: divan::Bencher, (l, n): (usize, usize)) {
    let (setup, stmt) = w2_setup(l, n);
    run_after(bencher, &setup, &stmt);
}

/// W5: back-propagation through time, `T` steps of width `n`.
#[divan::bench(args = [(10, 8), (30, 16)], sample_count = 10)]
fn w5_grad(bencher: divan::Bencher, (t, n): (usize, usize)) {
    let mut s =
        format!(":let X = randn({t}, {n}), W = randn({n}, {n}) / {n}, U = randn({n}, {n}) / {n}, b = randn({n})\n");
    s += ":let h1 = tanh(U @ X[0] + b)\n";
    for i in 2..=t {
        s += &format!(":let h{i} = tanh(W @ h{} + U @ X[{}] + b)\n", i - 1, i - 1);
    }
    s += &format!(":let J = sum(h{t}^2)\n");
    run_after(bencher, &s, ":grad J wrt W, U, b");
}

/// The REPL path for a trivial statement: parse, lower, print.
#[divan::bench]
fn statement_overhead(bencher: divan::Bencher) {
    let mut s = session(":let x = 0.5");
    bencher.bench_local(|| s.run("x + 1").expect("x + 1"));
}
