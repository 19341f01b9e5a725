//! `:help`: an overview, one topic per command (each with an example that
//! works when pasted), the function list with signatures, and the
//! `conventions` and `shapes` topics. A unit test runs every example
//! through a fresh session, so the help cannot drift from the language.

use crate::error::{Error, Result, Span};
use crate::repl::signatures;

/// A help topic: the names that reach it, its text, and example statements
/// (run in order in a fresh session, each one a line to paste).
struct Topic {
    names: &'static [&'static str],
    text: &'static str,
    example: &'static [&'static str],
}

pub fn help(topic: Option<&str>) -> Result<String> {
    let topic = topic.map(|t| t.trim().trim_start_matches(':')).unwrap_or("");
    if topic.is_empty() {
        return Ok(overview());
    }
    if topic == "functions" {
        return Ok(functions());
    }
    if let Some(t) = TOPICS.iter().find(|t| t.names.contains(&topic)) {
        return Ok(render(t));
    }
    if let Some((name, sig, what)) = signatures::BUILTINS.iter().find(|(n, _, _)| *n == topic) {
        return Ok(format!(
            "{sig}\n  {what}\n\nexample:\n  :grad {} wrt x\n\n`:help functions` lists them all; `:help conventions` for kinks.",
            example_expr(name)
        ));
    }
    let mut known: Vec<String> = TOPICS.iter().flat_map(|t| t.names.iter().map(|n| n.to_string())).collect();
    known.push("functions".into());
    known.extend(signatures::BUILTINS.iter().map(|(n, _, _)| n.to_string()));
    let err = Error::usage(Span::default(), format!("no help on `{topic}`"));
    Err(match crate::lower::nearest(topic, &known) {
        Some(n) => err.with_help(format!("did you mean `:help {n}`?")),
        None => err.with_help("`:help` lists the topics"),
    })
}

/// An expression with `x` that uses each built-in, for its example.
fn example_expr(name: &str) -> String {
    let args = match name {
        "max" | "min" | "pow" => "x, 2",
        "dot" | "outer" => "[x, 1], [2, x]",
        "sum" | "mean" | "prod" | "norm" | "logsumexp" | "softmax" | "transpose" | "diag" => "[x, 2*x, 3]",
        "trace" => "[[x, 1], [2, x^2]]",
        "reshape" => "[x, 2*x], 2, 1",
        "grad" => "x^3, x",
        "asin" | "acos" | "atan" => "x/2",
        "zeros" | "ones" | "randn" | "rand" => return format!("sum({name}(3) * x)"),
        "eye" => return "trace(eye(2) * x)".to_string(),
        "load" => return "sum(load(\"data.csv\") * x)".to_string(),
        _ => "x",
    };
    format!("{name}({args})")
}

fn render(t: &Topic) -> String {
    let mut s = t.text.trim().to_string();
    if !t.example.is_empty() {
        s.push_str("\n\nexample:\n");
        for line in t.example {
            s.push_str("  ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s.trim_end().to_string()
}

fn overview() -> String {
    let mut s = String::from(
        "symgrad: type an expression to simplify it; :grad to differentiate it.\n\n\
         statements:\n  EXPR                              simplify and print (and its value when every name has one)\n",
    );
    for (name, usage) in signatures::COMMANDS {
        let what = TOPICS.iter().find(|t| t.names.contains(name)).map_or("", |t| first_line(t.text));
        let lhs = format!(":{name} {usage}");
        s.push_str(&format!("  {lhs:<33} {what}\n"));
    }
    s.push_str(
        "\nmore: :help TOPIC for any command above (`:help grad`), :help functions,\n      \
         :help conventions (kinks, broadcasting, exactness), :help shapes\n\
         keys: Tab completes, Ctrl-R searches history, Ctrl-C clears the line or stops\n      \
         a computation, Ctrl-D quits; an open bracket continues on the next line\n      \
         (an empty line ends the statement)",
    );
    s
}

/// The first line of a topic's text after its usage line: a summary.
fn first_line(text: &str) -> &str {
    text.trim().lines().nth(1).map_or("", str::trim)
}

fn functions() -> String {
    let mut s = String::from("built-in functions (elementwise unless said; differentiable):\n");
    let width = signatures::BUILTINS.iter().map(|(_, sig, _)| sig.chars().count()).max().unwrap_or(0);
    for (_, sig, what) in signatures::BUILTINS {
        let pad = width - sig.chars().count();
        s.push_str(&format!("  {sig}{}  {what}\n", " ".repeat(pad)));
    }
    s.push_str("  :def NAME(PARAMS) = EXPR           your own; see :help def\n");
    s.push_str("\nexample:\n  :let v = [1, 2, 3]\n  softmax(v)\n  :grad logsumexp(v) wrt v");
    s
}

const TOPICS: &[Topic] = &[
    Topic {
        names: &["let"],
        text: "
:let NAME = EXPR[, NAME = EXPR]
  bind a value (no variable names on the right) or a formula (expanded where used)
A value makes NAME an evaluation point: it stays a variable that can be
differentiated. A formula is re-expanded each time it is used. Cycles are
refused at the `:let`.",
        example: &[":let x = 0.5, f = sin(x)^2", "f", ":grad f wrt x"],
    },
    Topic {
        names: &["var"],
        text: "
:var NAME[DIMS][, ...]
  declare shapes without values
A declared name is a tensor of that shape in expressions and derivatives;
any other name without a value is a real scalar.",
        example: &[":var W[3,2], b[3], x[2]", ":grad sum(tanh(W @ x + b)) wrt b"],
    },
    Topic {
        names: &["def"],
        text: "
:def NAME(PARAMS) = EXPR
  define a function, usable like a built-in and differentiable
The body may use bound names besides the parameters, and differentiate
in a parameter: `:def d3(t) = grad(t^3, t)` makes d3(x^2) 3*x^4.",
        example: &[":def sq(t) = t^2", ":grad sq(sin(x)) wrt x"],
    },
    Topic {
        names: &["grad", "jacobian"],
        text: "
:grad EXPR wrt V[, V...]     (:jacobian EXPR wrt V is the same)
  one derivative ∂EXPR/∂V per V, simplified, with its value when closed
The result has shape shape(EXPR) ++ shape(V): a gradient for a scalar EXPR,
a Jacobian otherwise. V must be a variable. `grad(f, v)` is the same inside
an expression, so derivatives can be differentiated again:
`:grad grad(tanh(x), x) wrt x` is the second derivative.",
        example: &[":let x = [1.2, 3.764, -1.8], w = 0.5, b = 1", ":grad relu(x*w + b) wrt w"],
    },
    Topic {
        names: &["hessian"],
        text: "
:hessian EXPR wrt V[, V...]
  second derivatives of a scalar EXPR, one per pair of variables",
        example: &[":hessian x^2*y wrt x, y"],
    },
    Topic {
        names: &["eval"],
        text: "
:eval [EXPR]
  the numeric value of EXPR, or of the last result
An error lists the names that have no value.",
        example: &["sin(x)^2 + cos(x)^2", ":let x = pi/4", ":eval", ":eval exp(x)"],
    },
    Topic {
        names: &["simplify"],
        text: "
:simplify EXPR
  the simplified form alone (no value, no result number)",
        example: &[":simplify 2*x + 3*x - x*1"],
    },
    Topic {
        names: &["show"],
        text: "
:show [EXPR [wrt V...]]
  a full-screen pane: forward graph, derivative subgraph, values
Arrows or j/k select a node, Tab changes part, q or Esc returns.
Without a terminal, a text rendering of the same.",
        example: &[":let w = 2, x = 3", ":show sigmoid(w*x) wrt w"],
    },
    Topic {
        names: &["trace"],
        text: "
:trace EXPR wrt V
  back-propagation step by step: the pruned graph, then each grad_table entry
Entries are filled in reverse topological order, each with the bprop that
produced it.",
        example: &[":trace sin(x*y) wrt x"],
    },
    Topic {
        names: &["check"],
        text: "
:check EXPR wrt V
  the symbolic derivative against central finite differences
Evaluated at the current values: both, and their relative error
|a - b| / max(|a|, |b|, min(1, |f|)); ok within 1e-5. A step too wide for
f (an oscillation, or zero near x for sqrt and log) is narrowed until the
difference settles.",
        example: &[":let x = 0.3", ":check tanh(x)^3 wrt x"],
    },
    Topic {
        names: &["latex"],
        text: "
:latex [EXPR]
  LaTeX of an expression or of the last result",
        example: &[":latex sqrt(x)/(1 + x^2)"],
    },
    Topic {
        names: &["dot"],
        text: "
:dot [EXPR [wrt V...]] [> FILE]
  Graphviz DOT of the graph, derivative nodes marked
With `> FILE` it writes the file instead of printing.",
        example: &[":dot sin(x)*x wrt x"],
    },
    Topic {
        names: &["codegen"],
        text: "
:codegen LANG EXPR wrt V[, V...] [> FILE]
  a function in rust, python (NumPy) or c computing the value and derivatives
One statement per shared node; `> FILE` writes a file.",
        example: &[":codegen python x*sin(x) wrt x"],
    },
    Topic {
        names: &["load"],
        text: "
:load FILE
  run a script (one statement per line, # comments) in this session
Quote a file name that has blanks or `#`: :load \"my file.sg\". Inside a
script, a relative name is looked for next to that script first.
For data, use the function load(\"file.npy\") or load(\"file.csv\").",
        example: &[":save /tmp/symgrad-demo.sg", ":load /tmp/symgrad-demo.sg"],
    },
    Topic {
        names: &["save"],
        text: "
:save FILE
  write this session's statements as a script that :load runs again",
        example: &[":let a = 2", ":def f(t) = a*t^2", ":save /tmp/symgrad-demo.sg"],
    },
    Topic {
        names: &["time"],
        text: "
:time STMT
  run STMT and print the wall time of each phase
Phases: parse, expand, differentiate, simplify, evaluate, print.
A large derivative is evaluated while it is printed, on a second core:
then the phases add up to more than the total.",
        example: &[":time :grad sin(x)^2 wrt x"],
    },
    Topic {
        names: &["timeit"],
        text: "
:timeit STMT
  repeat STMT's evaluation for about a second: median and min, like %timeit
For :grad with several variables, all derivatives are evaluated together.",
        example: &[":let x = [1, 2, 3]", ":timeit :grad sum(exp(x)) wrt x"],
    },
    Topic {
        names: &["vars"],
        text: "
:vars
  list the bindings: values, formulas, declared shapes, functions",
        example: &[":let x = 2, f = x^2", ":var W[2,2]", ":vars"],
    },
    Topic {
        names: &["unlet"],
        text: "
:unlet NAME
  drop one binding",
        example: &[":let x = 2", ":unlet x", "x + 1"],
    },
    Topic {
        names: &["reset"],
        text: "
:reset
  drop all bindings, functions and results",
        example: &[":let x = 2", ":reset", ":vars"],
    },
    Topic {
        names: &["seed"],
        text: "
:seed N
  the seed of randn and rand (a fixed default, so scripts repeat)",
        example: &[":seed 7", "randn(3)"],
    },
    Topic {
        names: &["help", "h"],
        text: "
:help [TOPIC]
  this help; TOPIC is a command, a function, functions, conventions or shapes",
        example: &[":help grad"],
    },
    Topic {
        names: &["quit", "q", "exit"],
        text: "
:quit
  leave (Ctrl-D on an empty line too); also :q and :exit",
        example: &[],
    },
    Topic {
        names: &["conventions"],
        text: "
conventions
  kinks, broadcasting and exactness
Kinks follow JAX and PyTorch: step(x) is 1 for x > 0 and 0 otherwise, so
relu'(0) = 0; abs'(x) = sign(x) with sign(0) = 0; max(a, b) sends the
gradient to a when a >= b (min: when a <= b); step and sign have derivative
0 everywhere.
Broadcasting is NumPy's: + - * / ^ and elementwise functions act on each
element; trailing dimensions must agree or be 1; scalars stretch.
Exactness: every literal is an exact rational (1.2 is 6/5) and exact
arithmetic stays exact; a transcendental function of a non-trivial argument
(exp(1)) and float(x) give floats. Exact division by zero is an error;
float overflow follows IEEE (exp(1000) is inf) with a warning.",
        example: &[":grad relu(x) wrt x", ":let x = 0", "[1, 2, 3] * 2 + 1.2", "float(1/3)"],
    },
    Topic {
        names: &["shapes"],
        text: "
shapes
  scalars, vectors, matrices, tensors, and the shapes of derivatives
A name bound to a value has that value's shape; a name declared with :var
has the declared shape; any other name is a real scalar. [1, 2] is a vector,
[[1, 2], [3, 4]] a matrix (rows). @ is matrix product (vector@vector is the
dot product), x' transposes, x[i], A[i, j], x[1:3], A[:, 0] index from 0.
sum mean prod norm logsumexp reduce over all elements; softmax acts on the
last axis. The derivative of f with respect to v has shape
shape(f) ++ shape(v). A shape error names both shapes.",
        example: &[":var W[3,2], x[2]", "W @ x", ":grad sum(W @ x) wrt W", "[[1, 2], [3, 4]] + [10, 20]"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    /// Commands other developers are still building answer this; their
    /// examples become strict once the command exists.
    const NOT_YET: &str = "is not available yet";

    #[test]
    fn every_example_runs() {
        for t in TOPICS {
            let mut s = Session::new();
            for line in t.example {
                match s.run(line) {
                    Ok(_) => {}
                    Err(e) if e.message.contains(NOT_YET) => {}
                    Err(e) => panic!("`:help {}`: `{line}` fails: {}", t.names[0], e.message),
                }
            }
        }
        let mut s = Session::new();
        for line in [":let v = [1, 2, 3]", "softmax(v)", ":grad logsumexp(v) wrt v"] {
            s.run(line).unwrap();
        }
    }

    #[test]
    fn every_function_example_runs() {
        for (name, _, _) in signatures::BUILTINS {
            if *name == "load" {
                continue;
            }
            let line = format!(":grad {} wrt x", example_expr(name));
            if let Err(e) = Session::new().run(&line) {
                panic!("`{line}` fails: {}", e.message);
            }
        }
    }

    #[test]
    fn every_command_has_a_topic() {
        for (name, _) in crate::syntax::lexer::COMMANDS {
            let h = help(Some(name)).unwrap();
            assert!(h.starts_with(':'), "{name}: {h}");
        }
        for t in ["functions", "conventions", "shapes", "softmax", ":grad", " grad "] {
            assert!(help(Some(t)).is_ok(), "{t}");
        }
        assert!(help(Some("functions")).unwrap().contains("softmax(x: vector) -> vector"));
        assert!(help(None).unwrap().contains(":grad EXPR wrt V[, V...]"));
        let e = help(Some("grd")).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `:help grad`?"));
    }
}
