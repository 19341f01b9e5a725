//! The Rust dialect of the flat-array emitter: one `pub fn` taking `&[f64]`
//! slices (scalars as `f64`) and returning a tuple of the value and the
//! derivatives (`f64` or `Vec<f64>`), with the few helpers it needs nested
//! inside, so the output compiles on its own with `rustc`.

use super::loops::Dialect;
use super::{Plan, Storage};

pub struct Rust;

/// Helpers with the evaluator's conventions at kinks and for NaN.
const HELPERS: &[(&str, &str)] = &[
    (
        "sg_sigmoid",
        "fn sg_sigmoid(x: f64) -> f64 { if x >= 0.0 { 1.0 / (1.0 + (-x).exp()) } else { x.exp() / (1.0 + x.exp()) } }",
    ),
    ("sg_relu", "fn sg_relu(x: f64) -> f64 { if x > 0.0 || x.is_nan() { x } else { 0.0 } }"),
    ("sg_softplus", "fn sg_softplus(x: f64) -> f64 { x.max(0.0) + (-x.abs()).exp().ln_1p() }"),
    ("sg_sign", "fn sg_sign(x: f64) -> f64 { if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { x * 0.0 } }"),
    ("sg_shift", "fn sg_shift(m: f64) -> f64 { if m.is_finite() { m } else { 0.0 } }"),
    ("sg_step", "fn sg_step(x: f64) -> f64 { if x > 0.0 { 1.0 } else if x.is_nan() { x } else { 0.0 } }"),
    (
        "sg_max",
        "fn sg_max(a: f64, b: f64) -> f64 { if a.is_nan() || b.is_nan() { f64::NAN } else if a >= b { a } else { b } }",
    ),
    (
        "sg_min",
        "fn sg_min(a: f64, b: f64) -> f64 { if a.is_nan() || b.is_nan() { f64::NAN } else if a <= b { a } else { b } }",
    ),
];

impl Dialect for Rust {
    fn lit(&self, x: f64) -> String {
        match super::lit(x).as_str() {
            "NAN" => "f64::NAN".into(),
            "INFINITY" => "f64::INFINITY".into(),
            "-INFINITY" => "f64::NEG_INFINITY".into(),
            s => s.to_string(),
        }
    }
    fn for_open(&self, var: &str, n: usize) -> String {
        format!("for {var} in 0..{n} {{")
    }
    fn array(&self, name: &str, n: usize) -> String {
        format!("let mut {name} = vec![0.0f64; {n}];")
    }
    fn consts(&self, name: &str, data: &[f64]) -> String {
        let items: Vec<String> = data.iter().map(|&x| self.lit(x)).collect();
        // A `static`, so a large constant is not copied onto the stack.
        format!("static {name}: [f64; {}] = [{}];", data.len(), items.join(", "))
    }
    fn mut_scalar(&self, name: &str, init: &str) -> String {
        format!("let mut {name}: f64 = {init};")
    }
    fn scalar(&self, name: &str, expr: &str) -> String {
        format!("let {name}: f64 = {expr};")
    }
    fn cond(&self, c: &str, a: &str, b: &str) -> String {
        format!("if {c} {{ {a} }} else {{ {b} }}")
    }
    fn call(&self, f: &str, args: &[String]) -> String {
        let f = match f {
            "log" => "f64::ln".to_string(),
            "fmax" => "f64::max".to_string(),
            _ if f.starts_with("sg_") => f.to_string(),
            _ => format!("f64::{f}"),
        };
        format!("{f}({})", args.join(", "))
    }
    fn wrap(&self, plan: &Plan, body: Vec<String>) -> String {
        let mut out: Vec<String> = plan.signature_doc().iter().map(|l| format!("/// {l}")).collect();
        let params: Vec<String> = plan
            .params
            .iter()
            .map(|(id, n)| if plan.shape(*id).is_empty() { format!("{n}: f64") } else { format!("{n}: &[f64]") })
            .collect();
        let kinds: Vec<&str> =
            plan.outputs.iter().map(|o| if plan.shape(o.node).is_empty() { "f64" } else { "Vec<f64>" }).collect();
        out.push("#[allow(non_snake_case, non_upper_case_globals, unused_mut, unused_parens, clippy::all)]".into());
        // A one-element tuple needs its comma.
        let comma = if kinds.len() == 1 { "," } else { "" };
        out.push(format!("pub fn {}({}) -> ({}{comma}) {{", plan.func, params.join(", "), kinds.join(", ")));
        for (name, text) in HELPERS {
            if body.iter().any(|l| l.contains(&format!("{name}("))) {
                out.push(format!("    {text}"));
            }
        }
        for (id, n) in &plan.params {
            if !plan.shape(*id).is_empty() {
                out.push(format!("    debug_assert_eq!({n}.len(), {});", plan.len(*id)));
            }
        }
        out.extend(body.into_iter().map(|l| format!("    {l}")));
        let results: Vec<String> = plan.outputs.iter().map(|o| result(plan, o.node)).collect();
        out.push(format!("    ({}{comma})", results.join(", ")));
        out.push("}".into());
        out.join("\n") + "\n"
    }
}

/// An output as an owned value: scalars as they are, arrays copied.
fn result(plan: &Plan, id: crate::graph::NodeId) -> String {
    let scalar = plan.shape(id).is_empty();
    match &plan.storage[&id] {
        Storage::Inline(x) if scalar => Rust.lit(*x),
        Storage::Inline(x) => format!("vec![{}; {}]", Rust.lit(*x), plan.len(id)),
        Storage::Scalar(n) if scalar => n.clone(),
        Storage::Scalar(n) => format!("vec![{n}; {}]", plan.len(id)),
        Storage::Array(n) if scalar => format!("{n}[0]"),
        Storage::Array(n) => format!("{n}.to_vec()"),
    }
}
