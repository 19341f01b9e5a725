//! Generated code, compiled and run: the gradient of the two-layer MLP
//! (`L = 2`, `n = 8`) as Rust (rustc), C (gcc) and Python (NumPy) must give
//! the numbers symgrad's own evaluation gives, to 1e-12. A missing toolchain
//! skips its language with a message (`.ci/run` installs NumPy).

use serde_json::Value as J;
use std::path::{Path, PathBuf};
use std::process::Command;

const F: &str = "sum((tanh(W2 @ tanh(W1 @ x + b1) + b2) - y)^2) + 0.01*(sum(W1^2) + sum(W2^2))";
const WRT: &str = "W1, b1, W2, b2";
const SETUP: &str = ":seed 1\n:let W1 = randn(8, 8)/2, b1 = randn(8)/2, x = randn(8), W2 = randn(8, 8)/2, b2 = randn(8)/2, y = randn(8)/2\n";
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
        other => panic!("not a number: {other}"),
    }
}

/// The MLP set up, its code written in all languages; returns the inputs
/// (name → flat values) and the expected outputs (value, then gradients).
fn setup(dir: &Path) -> (Vec<(String, Vec<f64>)>, Vec<f64>) {
    let script = format!(
        "{SETUP}:eval {F}\n:grad {F} wrt {WRT}\n:codegen rust {F} wrt {WRT} > mlp.rs\n:codegen c {F} wrt {WRT} > mlp.c\n:codegen python {F} wrt {WRT} > mlp.py\n"
    );
    let items = symgrad_json(dir, &script);
    let mut inputs = Vec::new();
    let mut expected = Vec::new();
    for it in &items {
        match (it["input"].as_str().unwrap_or(""), it["name"].as_str()) {
            (i, Some(name)) if i.starts_with(":let") => {
                let mut v = Vec::new();
                flat(&it["value"], &mut v);
                inputs.push((name.to_string(), v));
            }
            (i, _) if i.starts_with(":eval") || i.starts_with(":grad") => flat(&it["value"], &mut expected),
            _ => {}
        }
    }
    inputs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(inputs.len(), 6);
    assert_eq!(expected.len(), 1 + 64 + 8 + 64 + 8);
    (inputs, expected)
}

fn compare(lang: &str, got: &str, expected: &[f64]) {
    let got: Vec<f64> = got.split_whitespace().map(|s| s.parse().expect("a number")).collect();
    assert_eq!(got.len(), expected.len(), "{lang}: number of outputs");
    let worst = got.iter().zip(expected).map(|(a, b)| (a - b).abs() / 1f64.max(b.abs())).fold(0.0, f64::max);
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

#[test]
fn rust_code_agrees() {
    if !have("rustc", "--version") {
        return println!("skipped: no rustc");
    }
    let dir = scratch("codegen_rust");
    let (inputs, expected) = setup(&dir);
    let mut main = String::from("include!(\"mlp.rs\");\nfn main() {\n");
    for (n, v) in &inputs {
        main.push_str(&format!("    let {n}: Vec<f64> = vec![{}];\n", list(v)));
    }
    let args: Vec<String> = inputs.iter().map(|(n, _)| format!("&{n}")).collect();
    main.push_str(&format!("    let r = compute({});\n", args.join(", ")));
    main.push_str("    println!(\"{:?}\", r.0);\n");
    main.push_str("    for v in [r.1, r.2, r.3, r.4] { for x in v { println!(\"{x:?}\"); } }\n}\n");
    std::fs::write(dir.join("main.rs"), main).expect("main.rs");
    run(Command::new("rustc").current_dir(&dir).args(["--edition", "2021", "-o", "mlp_rs", "main.rs"]));
    compare("rust", &run(&mut Command::new(dir.join("mlp_rs"))), &expected);
}

#[test]
fn c_code_agrees() {
    if !have("gcc", "--version") {
        return println!("skipped: no gcc");
    }
    let dir = scratch("codegen_c");
    let (inputs, expected) = setup(&dir);
    let mut main = String::from("#include <stdio.h>\n#include \"mlp.c\"\nint main(void) {\n");
    for (n, v) in &inputs {
        main.push_str(&format!("    static const double {n}[] = {{{}}};\n", list(v)));
    }
    main.push_str("    double value[1], d_W1[64], d_b1[8], d_W2[64], d_b2[8];\n");
    let args: Vec<&str> = inputs.iter().map(|(n, _)| n.as_str()).collect();
    main.push_str(&format!("    compute({}, value, d_W1, d_b1, d_W2, d_b2);\n", args.join(", ")));
    main.push_str("    printf(\"%.17g\\n\", value[0]);\n");
    for (out, n) in [("d_W1", 64), ("d_b1", 8), ("d_W2", 64), ("d_b2", 8)] {
        main.push_str(&format!("    for (int i = 0; i < {n}; i++) printf(\"%.17g\\n\", {out}[i]);\n"));
    }
    main.push_str("    return 0;\n}\n");
    std::fs::write(dir.join("main.c"), main).expect("main.c");
    run(Command::new("gcc").current_dir(&dir).args(["-std=c99", "-Wall", "-Werror", "-o", "mlp_c", "main.c", "-lm"]));
    compare("c", &run(&mut Command::new(dir.join("mlp_c"))), &expected);
}

#[test]
fn python_code_agrees() {
    let numpy = Command::new("python3").args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success());
    if !numpy {
        return println!("skipped: no python3 with numpy");
    }
    let dir = scratch("codegen_python");
    let (inputs, expected) = setup(&dir);
    let mut main = String::from("import numpy as np\nfrom mlp import compute\n");
    let args: Vec<String> = inputs.iter().map(|(_, v)| format!("[{}]", list(v))).collect();
    main.push_str(&format!("r = compute({})\n", args.join(", ")));
    main.push_str("for part in r:\n    for x in np.ravel(part):\n        print(repr(float(x)))\n");
    std::fs::write(dir.join("main.py"), main).expect("main.py");
    compare("python", &run(Command::new("python3").current_dir(&dir).arg("main.py")), &expected);
}
