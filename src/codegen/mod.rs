//! Code generation (`:codegen LANG EXPR wrt V...`): a self-contained
//! function in Rust, C or Python (NumPy) that computes an expression and its
//! derivatives from the one shared graph.
//!
//! `Plan::new` is the one walk every language shares: the nodes the outputs
//! need, in arena (topological) order, each given a storage — a parameter
//! (variables), an inline literal (numbers, `pi`), an alias of its input's
//! storage (a reshape, or a transpose of a vector, moves no element), or a
//! temporary written by exactly one statement. So a node used by the value
//! and by several gradients is computed once. The emitters (`loops` for the
//! flat-array languages, `python`) turn each temporary into statements.
//!
//! **Invariant:** every name a plan hands out is an identifier in all three
//! languages and cannot clash: internal names start with `_`, user names
//! never do (a leading `_` gets a `v` in front) and keywords get a `_` after.

mod c;
mod kernels;
mod loops;
mod python;
mod rust;

use crate::eval::value::{Rat, rat_to_f64};
use crate::graph::shape::numel;
use crate::graph::{Graph, NodeId};
use crate::ops::Op;
use std::collections::HashMap;

/// A target language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Rust,
    Python,
    C,
}

impl Lang {
    pub const NAMES: &'static str = "rust, python, c";

    pub fn from_name(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "rust" | "rs" => Some(Lang::Rust),
            "python" | "py" | "numpy" => Some(Lang::Python),
            "c" => Some(Lang::C),
            _ => None,
        }
    }
}

/// Where a node's value lives in the generated code.
#[derive(Clone, Debug, PartialEq)]
pub enum Storage {
    /// A literal used in place: every element is this number.
    Inline(f64),
    /// A named scalar (`f64`/`double`/Python float).
    Scalar(String),
    /// A named flat row-major array (a NumPy array in Python).
    Array(String),
}

/// One requested output: `value`, or `d_V`, the derivative with respect to
/// `V` (`Plan::new` turns the variable's name into `d_` and its parameter).
#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub node: NodeId,
}

/// The shared walk: what every emitter needs to know.
pub struct Plan<'g> {
    pub graph: &'g Graph,
    pub lang: Lang,
    pub func: String,
    /// Variables sorted by generated name.
    pub params: Vec<(NodeId, String)>,
    /// Nodes that need a statement, in arena order.
    pub steps: Vec<NodeId>,
    pub storage: HashMap<NodeId, Storage>,
    pub outputs: Vec<Output>,
}

/// The generated source for `lang`: a function named `func` computing
/// `value` (the expression `f`) and one derivative per `(name, node)`.
pub fn generate(lang: Lang, graph: &Graph, func: &str, f: NodeId, grads: &[(String, NodeId)]) -> String {
    let mut outputs = vec![Output { name: "value".into(), node: f }];
    outputs.extend(grads.iter().map(|(v, d)| Output { name: v.clone(), node: *d }));
    let plan = Plan::new(graph, lang, func, outputs);
    match lang {
        Lang::Rust => loops::emit(&plan, &rust::Rust),
        Lang::C => loops::emit(&plan, &c::C),
        Lang::Python => python::emit(&plan),
    }
}

impl<'g> Plan<'g> {
    fn new(graph: &'g Graph, lang: Lang, func: &str, outputs: Vec<Output>) -> Plan<'g> {
        let roots: Vec<NodeId> = outputs.iter().map(|o| o.node).collect();
        let mut plan = Plan {
            graph,
            lang,
            func: ident(func),
            params: Vec::new(),
            steps: Vec::new(),
            storage: HashMap::new(),
            outputs,
        };
        for id in graph.ancestors(&roots) {
            let s = plan.place(id);
            plan.storage.insert(id, s);
        }
        // Parameters by name, so the signature does not depend on the
        // order the graph happened to be built in.
        plan.params.sort_by(|a, b| a.1.cmp(&b.1));
        // A derivative is named after its variable's parameter: `d_W1`.
        for o in plan.outputs.iter_mut().skip(1) {
            let param = plan.params.iter().find(|(id, _)| matches!(graph.op(*id), Op::Var(n) if **n == *o.name));
            o.name = format!("d_{}", param.map_or_else(|| ident(&o.name), |(_, p)| p.clone()));
        }
        plan
    }

    fn place(&mut self, id: NodeId) -> Storage {
        let g = self.graph;
        let scalar = g.shape(id).is_empty();
        match g.op(id) {
            Op::Var(name) => {
                // Two names may spell the same identifier (`λ` and `u3bb`).
                let mut n = ident(name);
                while self.params.iter().any(|(_, p)| *p == n) {
                    n.push('_');
                }
                self.params.push((id, n.clone()));
                if scalar { Storage::Scalar(n) } else { Storage::Array(n) }
            }
            Op::Num(r) => Storage::Inline(rat_to_f64(r)),
            Op::Pi => Storage::Inline(std::f64::consts::PI),
            Op::Reshape => self.storage[&g.inputs(id)[0]].clone(),
            Op::Transpose if g.shape(id).len() < 2 => self.storage[&g.inputs(id)[0]].clone(),
            _ => {
                self.steps.push(id);
                let n = format!("_t{}", self.steps.len());
                if scalar { Storage::Scalar(n) } else { Storage::Array(n) }
            }
        }
    }

    pub fn shape(&self, id: NodeId) -> &[usize] {
        self.graph.shape(id)
    }

    pub fn len(&self, id: NodeId) -> usize {
        numel(self.graph.shape(id))
    }

    /// The storage name of a node that has one (a temporary or parameter).
    pub fn name(&self, id: NodeId) -> &str {
        match &self.storage[&id] {
            Storage::Scalar(n) | Storage::Array(n) => n,
            Storage::Inline(_) => "",
        }
    }

    /// A comment line describing the function's arguments and results.
    pub fn signature_doc(&self) -> Vec<String> {
        let shape = |id: NodeId| crate::graph::shape::show(self.shape(id));
        let ins: Vec<String> = self.params.iter().map(|(id, n)| format!("{n} {}", shape(*id))).collect();
        let outs: Vec<String> = self.outputs.iter().map(|o| format!("{} {}", o.name, shape(o.node))).collect();
        vec![
            match self.lang {
                Lang::Python => "Generated by symgrad: tensors are NumPy arrays of these shapes.".into(),
                _ => "Generated by symgrad: tensors are flat row-major arrays of these shapes.".into(),
            },
            format!("inputs: {}", if ins.is_empty() { "none".into() } else { ins.join(", ") }),
            format!("outputs: {}", outs.join(", ")),
        ]
    }
}

/// A user name as an identifier of every target language: ASCII letters,
/// digits and `_` stay, anything else becomes `u` and its code point in hex.
pub fn ident(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            s.push(c);
        } else {
            s.push_str(&format!("u{:x}", c as u32));
        }
    }
    if s.starts_with('_') || s.starts_with(|c: char| c.is_ascii_digit()) || s.is_empty() {
        s.insert(0, 'v');
    }
    // Names the generated code gives (`d_x`, `sg_max`) or that C defines
    // as macros (`NAN`): a parameter `d_x` met the derivative `d_x`.
    if KEYWORDS.contains(&s.as_str()) || s.starts_with("d_") || s.starts_with("sg_") {
        s.push('_');
    }
    s
}

/// Keywords and names the generated code uses, of all three languages.
const KEYWORDS: &[&str] = &[
    "as", "auto", "break", "case", "char", "const", "continue", "crate", "def", "default", "del", "do", "double",
    "dyn", "else", "enum", "extern", "f64", "false", "fn", "for", "from", "global", "goto", "if", "impl", "import",
    "in", "int", "is", "lambda", "let", "long", "loop", "match", "math", "mod", "move", "mut", "None", "nonlocal",
    "not", "np", "or", "pass", "pub", "raise", "ref", "register", "return", "self", "Self", "short", "signed",
    "sizeof", "static", "struct", "super", "switch", "trait", "True", "False", "true", "try", "type", "typedef",
    "union", "unsafe", "unsigned", "use", "value", "void", "volatile", "where", "while", "with", "yield", "numpy",
    "and", "assert", "async", "await", "class", "elif", "except", "finally", "inline", "restrict", "abs", "exp", "log",
    "sqrt", "pow", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan", "fabs", "fma", "NAN",
    "INFINITY", "HUGE_VAL", "isnan", "isinf", "isfinite", "fmax", "fmin", "log1p", "expm1", "calloc", "free", "powi",
    "powf", "signbit", "copysign",
];

/// An f64 literal that reads back as the same f64 in all three languages.
pub fn lit(x: f64) -> String {
    if x.is_nan() {
        "NAN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "INFINITY".into() } else { "-INFINITY".into() }
    } else {
        let s = format!("{x:?}");
        if x < 0.0 { format!("({s})") } else { s }
    }
}

/// A rational coefficient as an f64 literal.
pub fn rat_lit(r: &Rat) -> String {
    lit(rat_to_f64(r))
}

/// The f64 elements of a constant tensor node.
pub fn data(graph: &Graph, id: NodeId) -> Vec<f64> {
    match graph.op(id) {
        Op::Data(i) => graph.data_value(*i).to_f64().data,
        _ => Vec::new(),
    }
}
