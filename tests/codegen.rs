//! Generated code, compiled and run: the gradient of the two-layer MLP
//! (`L = 2`, `n = 8`) as Rust (rustc), C (gcc) and Python (NumPy) must give
//! the numbers symgrad's own evaluation gives, to 1e-12. A missing toolchain
//! skips its language with a message (`.ci/run` installs NumPy).

use serde_json::Value as J;
use std::path::{Path, PathBuf};
use std::process::Command;

const MLP: &str = "sum((tanh(W2 @ tanh(W1 @ x + b1) + b2) - y)^2) + 0.01*(sum(W1^2) + sum(W2^2))";
const MLP_SETUP: &str = ":seed 1\n:let W1 = randn(8, 8)/2, b1 = randn(8)/2, x = randn(8), W2 = randn(8, 8)/2, b2 = randn(8)/2, y = randn(8)/2\n";
const TOLERANCE: f64 = 1e-12;

/// Runs a script with `--json` in `dir`; one object per output item.
fn symgrad_json(dir: &Path, script: &str) -> Vec<J> {
    let path = dir.join("script.sd");
    std::fs::write(&path, script).expect("script written");
    let out = Command::new(env!("CARGO_BIN_EXE_symgrad"))
        .current_dir(dir)
        .arg("--json")
        .arg(&path)
        .output()
        .expect("symgrad runs");
    assert!(out.status.success(), "symgrad failed: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

fn flat(v: &J, out: &mut Vec<f64>) {
    match v {
        J::Array(items) => items.iter().for_each(|i| flat(i, out)),
        J::Number(n) => out.push(n.as_f64().expect("a number")),
        // JSON has no infinities: SPEC §6 writes them as strings.
        J::String(s) if s.parse::<f64>().is_ok() => out.push(s.parse().unwrap_or(f64::NAN)),
        other => panic!("not a number: {other}"),
    }
}

/// A generated function's parameters and outputs, from its header comment
/// (`inputs: W1 [8, 8], x [8]`, `outputs: value [], d_W1 [8, 8]`).
struct Signature {
    inputs: Vec<(String, Vec<usize>)>,
    outputs: Vec<(String, Vec<usize>)>,
}

fn signature(code: &str) -> Signature {
    let part = |key: &str| -> Vec<(String, Vec<usize>)> {
        let line = code.lines().find_map(|l| l.split_once(key).map(|(_, r)| r.trim_end_matches('"').to_string()));
        let line = line.expect("header line");
        if line.trim() == "none" {
            return vec![];
        }
        line.split("], ")
            .map(|item| {
                let (name, dims) = item.split_once(" [").expect("name [dims]");
                let dims = dims.trim_end_matches(']');
                let dims = dims.split(", ").filter(|d| !d.is_empty()).map(|d| d.parse().expect("dim")).collect();
                (name.trim().to_string(), dims)
            })
            .collect()
    };
    Signature { inputs: part("inputs: "), outputs: part("outputs: ") }
}

/// Bound names with their flat values.
type Values = Vec<(String, Vec<f64>)>;

/// Generates `f`'s code in `lang` after `setup`, and returns it with the
/// values of the bound names and the expected outputs (value, gradients).
fn generate(dir: &Path, lang: &str, setup: &str, f: &str, wrt: &str, file: &str) -> (String, Values, Vec<f64>) {
    let script = format!("{setup}\n:eval {f}\n:grad {f} wrt {wrt}\n:codegen {lang} {f} wrt {wrt} > {file}\n");
    let items = symgrad_json(dir, &script);
    let mut values = Vec::new();
    let mut expected = Vec::new();
    for it in &items {
        match (it["input"].as_str().unwrap_or(""), it["name"].as_str()) {
            (i, Some(name)) if i.starts_with(":let") => {
                let mut v = Vec::new();
                flat(&it["value"], &mut v);
                values.push((name.to_string(), v));
            }
            (i, _) if i.starts_with(":eval") || i.starts_with(":grad") => flat(&it["value"], &mut expected),
            _ => {}
        }
    }
    let code = std::fs::read_to_string(dir.join(file)).expect("code written");
    (code, values, expected)
}

/// The value of the parameter `name`: a variable's own name, or with the
/// `_` that keeps it apart from the code's names (`NAN_`, `d_x_`).
fn input<'a>(values: &'a [(String, Vec<f64>)], name: &str) -> &'a [f64] {
    let find = |name: &str| values.iter().find(|(n, _)| n == name);
    let found = find(name).or_else(|| find(name.strip_suffix('_')?));
    &found.unwrap_or_else(|| panic!("no value for {name}")).1
}

/// Runs the generated Rust, prints every output number.
fn run_rust(dir: &Path, setup: &str, f: &str, wrt: &str) -> (String, Vec<f64>) {
    let (code, values, expected) = generate(dir, "rust", setup, f, wrt, "gen.rs");
    let sig = signature(&code);
    let mut main = String::from("include!(\"gen.rs\");\nfn main() {\n");
    let mut args = Vec::new();
    for (n, dims) in &sig.inputs {
        let v = input(&values, n);
        if dims.is_empty() {
            main.push_str(&format!("    let {n}: f64 = {:?};\n", v[0]));
            args.push(n.clone());
        } else {
            main.push_str(&format!("    let {n}: Vec<f64> = vec![{}];\n", list(v)));
            args.push(format!("&{n}"));
        }
    }
    main.push_str(&format!("    let r = compute({});\n", args.join(", ")));
    for (k, (_, dims)) in sig.outputs.iter().enumerate() {
        if dims.is_empty() {
            main.push_str(&format!("    println!(\"{{:?}}\", r.{k});\n"));
        } else {
            main.push_str(&format!("    for x in &r.{k} {{ println!(\"{{x:?}}\"); }}\n"));
        }
    }
    main.push_str("}\n");
    std::fs::write(dir.join("main.rs"), main).expect("main.rs");
    run(Command::new("rustc").current_dir(dir).args(["--edition", "2021", "-o", "gen_rs", "main.rs"]));
    (run(&mut Command::new(dir.join("gen_rs"))), expected)
}

fn run_c(dir: &Path, setup: &str, f: &str, wrt: &str) -> (String, Vec<f64>) {
    let (code, values, expected) = generate(dir, "c", setup, f, wrt, "gen.c");
    let sig = signature(&code);
    let mut main = String::from("#include <stdio.h>\n#include \"gen.c\"\nint main(void) {\n");
    let mut args = Vec::new();
    for (n, dims) in &sig.inputs {
        let v = input(&values, n);
        if dims.is_empty() {
            main.push_str(&format!("    double {n} = {:?};\n", v[0]));
        } else {
            main.push_str(&format!("    static const double {n}[] = {{{}}};\n", list(v)));
        }
        args.push(n.clone());
    }
    for (n, dims) in &sig.outputs {
        main.push_str(&format!("    double {n}[{}];\n", dims.iter().product::<usize>()));
        args.push(n.clone());
    }
    main.push_str(&format!("    compute({});\n", args.join(", ")));
    for (n, dims) in &sig.outputs {
        let len = dims.iter().product::<usize>();
        main.push_str(&format!("    for (int i = 0; i < {len}; i++) printf(\"%.17g\\n\", {n}[i]);\n"));
    }
    main.push_str("    return 0;\n}\n");
    std::fs::write(dir.join("main.c"), main).expect("main.c");
    run(Command::new("gcc").current_dir(dir).args(["-std=c99", "-Wall", "-Werror", "-o", "gen_c", "main.c", "-lm"]));
    (run(&mut Command::new(dir.join("gen_c"))), expected)
}

fn run_python(dir: &Path, setup: &str, f: &str, wrt: &str) -> (String, Vec<f64>) {
    let (code, values, expected) = generate(dir, "python", setup, f, wrt, "gen.py");
    let sig = signature(&code);
    let args: Vec<String> = sig.inputs.iter().map(|(n, _)| format!("[{}]", list(input(&values, n)))).collect();
    let main = format!(
        "import numpy as np\nfrom gen import compute\nr = compute({})\nfor part in r:\n    for x in np.ravel(part):\n        print(repr(float(x)))\n",
        args.join(", ")
    );
    std::fs::write(dir.join("main.py"), main).expect("main.py");
    (run(Command::new("python3").current_dir(dir).arg("main.py")), expected)
}

fn compare(lang: &str, got: &str, expected: &[f64]) {
    let got: Vec<f64> = got.split_whitespace().map(|s| s.parse().expect("a number")).collect();
    assert_eq!(got.len(), expected.len(), "{lang}: number of outputs");
    // Equal infinities agree, and NaN against NaN; a NaN against a number
    // does not (`max` would pass over a NaN difference).
    let diff = |a: f64, b: f64| match (a == b || (a.is_nan() && b.is_nan()), a.is_nan() || b.is_nan()) {
        (true, _) => 0.0,
        (false, true) => f64::INFINITY,
        (false, false) => (a - b).abs() / 1f64.max(b.abs()),
    };
    let worst = got.iter().zip(expected).map(|(&a, &b)| diff(a, b)).fold(0.0, f64::max);
    println!("{lang}: {} numbers, worst relative difference {worst:e}", got.len());
    assert!(worst <= TOLERANCE, "{lang}: worst relative difference {worst:e}");
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(out.status.success(), "{:?} failed: {}", cmd, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn list(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ")
}

fn have_numpy() -> bool {
    Command::new("python3").args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success())
}

type Runner = fn(&Path, &str, &str, &str) -> (String, Vec<f64>);

/// The toolchains present, each with its runner.
fn languages() -> Vec<(&'static str, Runner)> {
    let mut langs: Vec<(&'static str, Runner)> = Vec::new();
    if have("rustc", "--version") {
        langs.push(("rust", run_rust));
    } else {
        println!("skipped rust: no rustc");
    }
    if have("gcc", "--version") {
        langs.push(("c", run_c));
    } else {
        println!("skipped c: no gcc");
    }
    if have_numpy() {
        langs.push(("python", run_python));
    } else {
        println!("skipped python: no python3 with numpy");
    }
    langs
}

#[test]
fn mlp_gradient_agrees_in_every_language() {
    for (lang, runner) in languages() {
        let dir = scratch(&format!("codegen_mlp_{lang}"));
        let (got, expected) = runner(&dir, MLP_SETUP, MLP, "W1, b1, W2, b2");
        assert_eq!(expected.len(), 1 + 64 + 8 + 64 + 8);
        compare(lang, &got, &expected);
    }
}

/// Every op family the emitters know, each with its gradient.
const OPS_SETUP: &str =
    ":seed 3\n:let A = randn(3, 4), B = randn(4, 2), v = randn(4), u = randn(3), s = 0.7, M = randn(3, 3)";
const OPS: &[(&str, &str)] = &[
    ("sum(softmax(A) * A) + logsumexp(v) + norm(B)", "A, v, B"),
    ("prod(u) + sum(max(A, 0.1) - min(A, -0.2)) + sum(abs(v)*sign(v))", "u, A, v"),
    ("sum(sigmoid(A) + softplus(A) + relu(A)) + s^2.5 + s^s + sqrt(s) + exp(-s)/log(2 + s)", "A, s"),
    ("sum(A[1:3, ::2]^2) + A[0, -1]*s + sum(v[::-1]*v) + sum(A[2])", "A, v, s"),
    ("sum(diag(M) * u) + trace(M @ M) + sum(diag(u) @ M)", "M, u"),
    ("sum(outer(u, v) * A) + u @ A @ v + sum(v @ B) + sum(A' @ u)", "A, u, v"),
    ("sum(sum(A^2, 0)) + sum(reshape(A, 2, 6)[1]) + sum([u, 2*u, u^2] @ eye(3))", "A, u"),
    ("softmax(v) * s", "v, s"),
    ("tanh(A @ v)", "A, v"),
    ("sum(A*[[1, 2, 3, 4]] + v*ones(3, 4) * pi + (u*ones(4, 3))') + sum(atan(v) + asin(v/10) + cosh(v/3))", "A, u, v"),
];

#[test]
fn every_op_family_agrees() {
    for (lang, runner) in languages() {
        for (k, (f, wrt)) in OPS.iter().enumerate() {
            let dir = scratch(&format!("codegen_ops_{lang}_{k}"));
            let (got, expected) = runner(&dir, OPS_SETUP, f, wrt);
            compare(&format!("{lang}, {f}"), &got, &expected);
        }
    }
}

/// A gradient through an element is placed where the unit vector is 1: an
/// infinite derivative of `x[0]` stays there (`0 * inf` made the other
/// element NaN in every language).
#[test]
fn an_infinite_element_gradient_stays_in_its_element() {
    for (lang, runner) in languages() {
        let dir = scratch(&format!("codegen_placed_{lang}"));
        let (got, expected) = runner(&dir, ":let x = float([0, 2])", "sqrt(x[0]) + x[1]^2", "x");
        assert!(expected.iter().any(|v| v.is_infinite()) && expected.iter().all(|v| !v.is_nan()), "{expected:?}");
        compare(lang, &got, &expected);
    }
}

/// Awkward corners, each of which generated code got wrong: two
/// `logsumexp`s in one C function (`_m` defined twice), a constant beyond
/// f64 (`INFINITY` undefined in Rust and Python), a negative number to a
/// fractional power (complex in Python), an infinite element in
/// `logsumexp` (`inf - inf`), parameters named like the code's own names
/// (`d_x`, `NAN`, `sg_max`), an exponent beyond i32 (Rust's `powi`).
#[test]
fn awkward_corners_agree() {
    let cases: &[(&str, &str, &str)] = &[
        (":let x = [0.5, -1], y = [1, 2, 3]", "logsumexp(x) + logsumexp(y)", "x, y"),
        (":let x = 0.5", "x*10^400 + x^2", "x"),
        (":let x = 2", "x*(-8)^(1/3) + x", "x"),
        (":let w = [1000, 1, 2]", "logsumexp(exp(w))", "w"),
        (":let d_x = 3, x = 2, NAN = 1.5, sg_max = 0.5", "d_x*x*NAN + max(sg_max, x)", "x"),
        (":let x = 1", "x^3000000000", "x"),
    ];
    for (lang, runner) in languages() {
        for (k, (setup, f, wrt)) in cases.iter().enumerate() {
            let dir = scratch(&format!("codegen_corner_{lang}_{k}"));
            let (got, expected) = runner(&dir, setup, f, wrt);
            compare(&format!("{lang}, {f}"), &got, &expected);
        }
    }
}
