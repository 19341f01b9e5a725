//! `:check`, `:latex` and `:dot` from the outside: their `--json` fields,
//! their errors, LaTeX that balances (and compiles, when a LaTeX engine
//! happens to be installed), DOT that Graphviz's `dot` reads (when it is
//! installed; `.ci/run` installs it).

use serde_json::Value as J;
use std::process::Command;

/// Runs statements with `--json --keep-going`; one object per item.
fn run(stmts: &[&str]) -> Vec<J> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_symgrad"));
    cmd.args(["--json", "--keep-going"]).current_dir(env!("CARGO_TARGET_TMPDIR"));
    for s in stmts {
        cmd.args(["-e", s]);
    }
    let out = cmd.output().expect("symgrad runs");
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

fn last(stmts: &[&str]) -> J {
    run(stmts).pop().expect("an item")
}

fn text(j: &J) -> String {
    j["text"].as_str().unwrap_or_else(|| panic!("no text in {j}")).to_string()
}

fn error(j: &J) -> String {
    assert_eq!(j["ok"], J::Bool(false), "expected an error: {j}");
    j["error"]["message"].as_str().unwrap_or("").to_string()
}

#[test]
fn check_reports_numbers_and_verdict() {
    let j = last(&[":seed 1", ":let W = randn(3, 2), v = randn(2)", ":check sum(tanh(W @ v)^2) wrt W"]);
    assert_eq!(j["ok"], J::Bool(true));
    assert_eq!(j["passed"], J::Bool(true));
    assert!(j["max_rel_error"].as_f64().is_some_and(|e| e < 1e-8), "{j}");
    assert_eq!(j["wrt"], "W");
    assert_eq!(j["shape"], serde_json::json!([3, 2]));
    assert!(j["worst"].as_str().is_some_and(|w| w.starts_with("W[")));
    assert!(j["numeric"].is_array() && j["value"].is_array());
    assert!(text(&j).contains("ok: ∂f/∂W"));
}

#[test]
fn check_finds_a_kink() {
    // relu'(0) = 0 by convention; the central difference sees 1/2.
    let j = last(&[":let x = 0", ":check relu(x) wrt x"]);
    assert_eq!(j["passed"], J::Bool(false));
    assert!(text(&j).contains("MISMATCH"), "{}", text(&j));
}

#[test]
fn check_does_not_pass_where_f_is_undefined() {
    // NaN on both sides agrees, and checks nothing.
    let j = last(&[":let x = -1", ":check sqrt(x) wrt x"]);
    assert_eq!(j["passed"], J::Bool(false));
    assert!(text(&j).contains("not checked: ∂f/∂x is NaN at x on both sides"), "{}", text(&j));
}

/// A step too wide for the function (an oscillation shorter than it, or
/// zero within it for `sqrt` and `log`) is narrowed until the difference
/// settles: these derivatives are right and pass.
#[test]
fn check_narrows_a_step_too_wide_for_the_function() {
    for (x, f) in
        [("10^8", "sin(x)/x"), ("1e-10", "sqrt(x)"), ("1e-10", "log(x)"), ("-1e-10", "log(-x)"), ("0.3", "sin(3e4*x)")]
    {
        let j = last(&[&format!(":let x = {x}"), &format!(":check {f} wrt x")]);
        assert_eq!(j["passed"], J::Bool(true), "{f} at {x}: {}", text(&j));
    }
}

/// Small values are compared relative to their own size, not to 1: a
/// kink scaled by 1e-9 is found as the kink itself is (its difference,
/// 5e-10, passed as an absolute error).
#[test]
fn check_compares_small_values_relative_to_their_size() {
    let j = last(&[":let x = 0.5", ":check 1e-9*sin(x) wrt x"]);
    assert_eq!(j["passed"], J::Bool(true), "{}", text(&j));
    let j = last(&[":let x = 0.5", ":check 1e-9*relu(x - 0.5) wrt x"]);
    assert_eq!(j["passed"], J::Bool(false), "a kink at any scale: {}", text(&j));
}

#[test]
fn check_errors() {
    assert!(error(&last(&[":check x^2 wrt x"])).contains("no value for `x`"));
    assert!(error(&last(&[":let x = 1", ":check x^2 wrt pi"])).contains("it is a constant"));
    assert!(error(&last(&[":let x = 1", ":let f = x^2", ":check f wrt f"])).contains("it is a formula"));
}

/// Braces, `\left`/`\right` and `\begin`/`\end` pair up.
fn balanced(s: &str) -> bool {
    let mut depth = 0i64;
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
        && s.matches("\\left").count() == s.matches("\\right").count()
        && s.matches("\\begin").count() == s.matches("\\end").count()
}

const LATEX_CASES: &[(&str, &str)] = &[
    ("sigmoid(w*x + b)", "\\sigma\\left(b + w x\\right)"),
    ("relu(x)/2 - sqrt(x1)", "\\tfrac{1}{2} \\operatorname{relu}\\left(x\\right) - \\sqrt{x_{1}}"),
    ("λ*sum(v^2)", "\\lambda \\sum \\left(v^{2}\\right)"),
    ("exp(-x)/(1 + exp(-x))^2", "\\frac{\\exp\\left(-x\\right)}{\\left(1 + \\exp\\left(-x\\right)\\right)^{2}}"),
    ("W' @ v", "W^\\top v"),
    ("u*v", "u \\odot v"),
    ("[[1, 2], [3, 4]] @ v", "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix} v"),
    // A subscript on a subscripted base is braced (TeX refuses `I_{3}_{1}`).
    ("eye(2)[1] * v[1]", "v_{1} {I_{2}}_{1}"),
    // A whole axis is `:`, as the text printer writes it (was `0:2`).
    ("W[:, 0] + W[1, 0:1]", "W_{1, 0:1} + W_{:, 0}"),
];

#[test]
fn latex_golden_and_balanced() {
    for (input, expected) in LATEX_CASES {
        let j = last(&[":var W[2, 2], u[2], v[2]", &format!(":latex {input}")]);
        assert_eq!(text(&j), *expected, "for {input}");
        assert!(balanced(expected));
    }
}

fn mlp_gradient_latex() -> String {
    let j = last(&[
        ":var W1[8,8], b1[8], x[8], W2[8,8], b2[8], y[8]",
        ":grad sum((tanh(W2 @ tanh(W1 @ x + b1) + b2) - y)^2) + 0.01*(sum(W1^2) + sum(W2^2)) wrt W1",
        ":latex",
    ]);
    text(&j)
}

#[test]
fn latex_of_a_derivative_names_it_and_shares() {
    let t = mlp_gradient_latex();
    assert!(t.starts_with("\\frac{\\partial}{\\partial W_{1}}"), "{t}");
    assert!(t.contains("\\text{where } t_{1} = "), "{t}");
    assert!(t.contains("\\odot") && t.contains("^\\top"), "{t}");
    assert!(balanced(&t), "{t}");
}

#[test]
fn latex_compiles_when_an_engine_is_installed() {
    let Some(engine) = ["pdflatex", "lualatex", "xelatex"]
        .into_iter()
        .find(|e| Command::new(e).arg("--version").output().is_ok_and(|o| o.status.success()))
    else {
        return println!("skipped: no LaTeX engine installed");
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("latex");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut body = vec![mlp_gradient_latex()];
    body.extend(LATEX_CASES.iter().map(|(_, l)| l.to_string()));
    let doc = format!(
        "\\documentclass{{article}}\n\\usepackage{{amsmath}}\n\\begin{{document}}\n{}\n\\end{{document}}\n",
        body.iter().map(|b| format!("\\begin{{gather*}}\n{b}\n\\end{{gather*}}")).collect::<Vec<_>>().join("\n")
    );
    std::fs::write(dir.join("t.tex"), doc).expect("t.tex");
    let out = Command::new(engine).current_dir(&dir).args(["-interaction=nonstopmode", "t.tex"]).output();
    assert!(out.is_ok_and(|o| o.status.success()), "{engine} failed on {}", dir.join("t.tex").display());
}

fn dot_of(stmts: &[&str]) -> String {
    text(&last(stmts))
}

fn dot_parses(src: &str) {
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        return println!("skipped: Graphviz `dot` is not installed");
    };
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(src.as_bytes()).expect("written");
    let out = child.wait_with_output().expect("dot runs");
    assert!(out.status.success(), "dot rejected:\n{src}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

#[test]
fn dot_marks_derivative_nodes() {
    let d = dot_of(&[":dot sin(sin(sin(w))) wrt w"]);
    assert!(d.starts_with("digraph symgrad {") && d.ends_with('}'));
    for label in ["z = sin", "∂z/∂u1", "∂z/∂u2", "∂z/∂w"] {
        assert!(d.contains(label), "no {label} in\n{d}");
    }
    assert!(d.contains("fillcolor"), "derivative nodes are styled apart");
    dot_parses(&d);
}

/// The number a product multiplies by and a sum adds are in the node's
/// label: no edge carries them (`:dot x*2` showed `mul` alone).
#[test]
fn dot_labels_carry_coefficients_and_constants() {
    let d = dot_of(&[":dot x*2"]);
    assert!(d.contains("label=\"z = mul ×2\""), "{d}");
    let d = dot_of(&[":dot 3 - x^2*2"]);
    assert!(d.contains("label=\"z = add + 3\"") && d.contains("label=\"×-2\""), "{d}");
    dot_parses(&d);
}

#[test]
fn dot_of_the_mlp_gradient_renders() {
    let d = dot_of(&[
        ":var W1[8,8], b1[8], x[8], W2[8,8], b2[8], y[8]",
        ":dot sum((tanh(W2 @ tanh(W1 @ x + b1) + b2) - y)^2) + 0.01*(sum(W1^2) + sum(W2^2)) wrt W1, b1, W2, b2",
    ]);
    assert!(d.contains("∂z/∂W1") && d.contains("∂z/∂b2"), "{d}");
    dot_parses(&d);
    // Forward only, of the last result, and a Jacobian.
    dot_parses(&dot_of(&["x*y + 1", ":dot"]));
    dot_parses(&dot_of(&[":var v[3]", ":dot tanh(v) wrt v"]));
    // Quotes and backslashes in labels are escaped.
    dot_parses(&dot_of(&[":dot [1.5, 2] * q"]));
}

#[test]
fn dot_writes_a_file() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("exports_test.dot");
    let stmt = format!(":dot x*y wrt x > {}", path.display());
    let j = last(&[&stmt]);
    assert_eq!(j["file"], J::String(path.display().to_string()));
    assert!(text(&j).starts_with("wrote DOT to"));
    let written = std::fs::read_to_string(&path).expect("written");
    dot_parses(&written);
}

#[test]
fn export_errors() {
    assert!(error(&last(&[":dot x > /nonexistent-dir/x.dot"])).contains("cannot write"));
    assert!(error(&last(&[":latex"])).contains("no result"));
    assert!(error(&last(&[":dot"])).contains("no result"));
    assert!(error(&last(&[":codegen fortran x^2 wrt x"])).contains("the languages are rust, python, c"));
    assert!(error(&last(&[":codegen c x^2 wrt pi"])).contains("it is a constant"));
    let e = last(&[":codegen c x^2 wrt x > /nonexistent-dir/x.c"]);
    assert_eq!(e["error"]["column"], 24, "the error points at the path");
}

/// SPEC §6: `:time` and `:timeit` add `seconds` to each result's object,
/// one number per phase; `:timeit`'s `eval` is the median, with `eval_min`.
#[test]
fn time_and_timeit_add_seconds_to_each_result() {
    let objs = run(&[":let x = [1, 2], w = 3", ":time :grad w^2*x wrt w, x", ":timeit x*w"]);
    let phases = ["parse", "expand", "diff", "simplify", "eval", "print", "total"];
    let timed: Vec<&J> = objs.iter().filter(|j| j["input"].as_str().is_some_and(|s| s.starts_with(":time"))).collect();
    // Two derivatives and one result: no object of their own for the times.
    assert_eq!(timed.len(), 3, "{objs:?}");
    for j in &timed {
        assert!(j.get("expr").is_some(), "{j}");
        for p in phases {
            assert!(j["seconds"][p].as_f64().is_some_and(|s| s >= 0.0), "{p} in {j}");
        }
    }
    assert_eq!(timed[0]["wrt"], "w");
    assert_eq!(timed[0]["seconds"], timed[1]["seconds"]);
    let timeit = &timed[2]["seconds"];
    assert!(timeit["eval_min"].as_f64().is_some_and(|m| m <= timeit["eval"].as_f64().unwrap_or(-1.0)), "{timeit}");
}

/// SPEC §3, §6: each derivative with a value shows it, though another of
/// the same statement has none (`∂/∂y` of `x^3*y` is 8 at x = 2).
#[test]
fn each_closed_derivative_has_its_value() {
    let objs = run(&[":let x = 2", ":grad x^3*y wrt x, y", ":hessian x^3*y wrt x, y"]);
    let by = |expr: &str| objs.iter().find(|j| j["expr"] == expr).unwrap_or_else(|| panic!("{expr} in {objs:?}"));
    assert!(by("3*x^2*y").get("value").is_none());
    assert_eq!(by("x^3")["exact"], "8");
    assert_eq!(by("3*x^2")["exact"], "12");
    assert_eq!(by("0")["exact"], "0");
    assert!(by("6*x*y").get("value").is_none());
}

/// A `:timeit` whose results have no value shows them before its error,
/// so the result numbers run on (`$2` was made and never shown).
#[test]
fn a_failed_timeit_shows_the_results_it_made() {
    let objs = run(&[":let x = 2", ":timeit :grad x^2*w wrt x", "z"]);
    let numbers: Vec<i64> = objs.iter().filter_map(|j| j["number"].as_i64()).collect();
    assert_eq!(numbers, [1, 2], "{objs:?}");
    assert!(objs.iter().any(|j| j["ok"] == false), "{objs:?}");
}

/// SPEC §6: a `:let` object has the fields of what was bound, `expr` too.
#[test]
fn let_objects_carry_what_was_bound() {
    let objs = run(&[":let g = 2*pi, x = 3, f = x^2"]);
    let exprs: Vec<&str> = objs.iter().filter_map(|j| j["expr"].as_str()).collect();
    assert_eq!(exprs, ["2*pi", "3", "x^2"], "{objs:?}");
    assert_eq!(objs[1]["exact"], "3");
    assert_eq!(objs[2]["exact"], "9");
}
