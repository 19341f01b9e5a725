//! The C dialect of the flat-array emitter: one function taking `const
//! double *` arrays (scalars as `double`) and writing the value and the
//! derivatives through `double *` outputs the caller allocates, with
//! `static` helpers before it; it needs `<math.h>` (link with `-lm`), and
//! `<stdlib.h>` when a temporary is too large for the stack.

use super::loops::Dialect;
use super::{Plan, Storage};

pub struct C;

/// Largest temporary kept on the stack (elements); larger ones are
/// allocated with `calloc` and freed at the end.
const MAX_STACK_ARRAY: usize = 4096;

/// Helpers with the evaluator's conventions at kinks and for NaN.
const HELPERS: &[(&str, &str)] = &[
    (
        "sg_sigmoid",
        "static double sg_sigmoid(double x) { return x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }",
    ),
    ("sg_relu", "static double sg_relu(double x) { return (x > 0.0 || isnan(x)) ? x : 0.0; }"),
    ("sg_softplus", "static double sg_softplus(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }"),
    ("sg_sign", "static double sg_sign(double x) { return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : x * 0.0); }"),
    ("sg_step", "static double sg_step(double x) { return x > 0.0 ? 1.0 : (isnan(x) ? x : 0.0); }"),
    ("sg_shift", "static double sg_shift(double m) { return isfinite(m) ? m : 0.0; }"),
    ("sg_max", "static double sg_max(double a, double b) { return (isnan(a) || isnan(b)) ? NAN : (a >= b ? a : b); }"),
    ("sg_min", "static double sg_min(double a, double b) { return (isnan(a) || isnan(b)) ? NAN : (a <= b ? a : b); }"),
];

impl Dialect for C {
    fn lit(&self, x: f64) -> String {
        super::lit(x)
    }
    fn for_open(&self, var: &str, n: usize) -> String {
        format!("for (long {var} = 0; {var} < {n}; {var}++) {{")
    }
    fn array(&self, name: &str, n: usize) -> String {
        // Large temporaries go to the heap: a few of them would overflow
        // a thread's stack. `wrap` frees them.
        if n > MAX_STACK_ARRAY {
            format!("double *{name} = calloc({n}, sizeof(double));")
        } else {
            format!("double {name}[{n}] = {{0}};")
        }
    }
    fn consts(&self, name: &str, data: &[f64]) -> String {
        let items: Vec<String> = data.iter().map(|&x| self.lit(x)).collect();
        format!("static const double {name}[{}] = {{{}}};", data.len(), items.join(", "))
    }
    fn mut_scalar(&self, name: &str, init: &str) -> String {
        format!("double {name} = {init};")
    }
    fn scalar(&self, name: &str, expr: &str) -> String {
        format!("const double {name} = {expr};")
    }
    fn cond(&self, c: &str, a: &str, b: &str) -> String {
        format!("({c} ? {a} : {b})")
    }
    fn call(&self, f: &str, args: &[String]) -> String {
        let f = match f {
            "abs" => "fabs",
            "powi" | "powf" => "pow",
            f => f,
        };
        format!("{f}({})", args.join(", "))
    }
    fn wrap(&self, plan: &Plan, body: Vec<String>) -> String {
        let mut out: Vec<String> = plan.signature_doc().iter().map(|l| format!("// {l}")).collect();
        let heap: Vec<String> = body
            .iter()
            .filter_map(|l| {
                l.trim_start().strip_prefix("double *")?.split_once(" = calloc").map(|(n, _)| n.to_string())
            })
            .collect();
        out.push("#include <math.h>".into());
        if !heap.is_empty() {
            out.push("#include <stdlib.h>".into());
        }
        out.push(String::new());
        for (name, text) in HELPERS {
            if body.iter().any(|l| l.contains(&format!("{name}("))) {
                out.push(text.to_string());
            }
        }
        let mut params: Vec<String> = plan
            .params
            .iter()
            .map(
                |(id, n)| if plan.shape(*id).is_empty() { format!("double {n}") } else { format!("const double *{n}") },
            )
            .collect();
        params.extend(plan.outputs.iter().map(|o| format!("double *{}", o.name)));
        out.push(format!("void {}({}) {{", plan.func, params.join(", ")));
        out.extend(body.into_iter().map(|l| format!("    {l}")));
        for o in &plan.outputs {
            let n = plan.len(o.node);
            if n == 1 {
                out.push(format!("    {}[0] = {};", o.name, element(plan, o.node, "0")));
            } else {
                let src = element(plan, o.node, "_i");
                out.push(format!("    for (long _i = 0; _i < {n}; _i++) {{ {}[_i] = {src}; }}", o.name));
            }
        }
        for l in &heap {
            out.push(format!("    free({l});"));
        }
        out.push("}".into());
        out.join("\n") + "\n"
    }
}

/// Element `idx` of a node, for copying it to an output.
fn element(plan: &Plan, id: crate::graph::NodeId, idx: &str) -> String {
    match &plan.storage[&id] {
        Storage::Inline(x) => C.lit(*x),
        Storage::Scalar(n) => n.clone(),
        Storage::Array(n) => format!("{n}[{idx}]"),
    }
}
