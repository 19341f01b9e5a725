//! Calls: built-in functions by name and arity, and user functions.

use super::{Lower, constant_int};
use crate::error::{Error, Result, Span};
use crate::graph::NodeId;
use crate::graph::shape::Shape;
use crate::ops::{Func, Op};
use crate::syntax::ast::{Expr, ExprKind, Ident};

/// Every built-in name besides the elementwise `Func`s.
pub const OTHERS: [&str; 22] = [
    "max",
    "min",
    "pow",
    "sum",
    "mean",
    "prod",
    "norm",
    "dot",
    "logsumexp",
    "softmax",
    "transpose",
    "outer",
    "diag",
    "trace",
    "zeros",
    "ones",
    "eye",
    "randn",
    "rand",
    "load",
    "grad",
    "reshape",
];

/// Every built-in name, with its elementwise `Func` when it is one. Every
/// `:let` asks about each name it mentions, and every call looks up its
/// function: one hash lookup instead of comparing the name with each of
/// the 41 in turn.
static BUILTINS: std::sync::LazyLock<super::HashMap<&'static str, Option<Func>>> = std::sync::LazyLock::new(|| {
    // `Func::from_name` finds the first `Func` of a name: inserted last
    // and in reverse, that one wins (names are unique today; this keeps
    // the answer the same if they ever are not).
    let others = OTHERS.iter().map(|&n| (n, None));
    others.chain(Func::ALL.iter().rev().map(|&f| (f.name(), Some(f)))).collect()
});

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains_key(name)
}

/// The elementwise function called `name` (`Func::from_name`, hashed).
fn func(name: &str) -> Option<Func> {
    BUILTINS.get(name).copied().flatten()
}

/// All built-in function names (for completion and suggestions).
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&str> = crate::ops::Func::ALL.iter().map(|f| f.name()).collect();
    v.extend(OTHERS);
    v
}

/// Argument `k` of a call (its count was checked; this keeps it so).
fn nth<'e>(args: &'e [Expr], k: usize, f: &Ident) -> Result<&'e Expr> {
    args.get(k).ok_or_else(|| Error::usage(f.span, format!("`{}` needs more arguments", f.name)))
}

pub fn call(lw: &mut Lower, f: &Ident, args: &[Expr], span: Span) -> Result<NodeId> {
    if let Some(user) = lw.env.funcs.get(&f.name) {
        let user = user.clone();
        arity(f, args, user.params.len())?;
        let ids = args.iter().map(|a| lw.expr(a)).collect::<Result<Vec<_>>>()?;
        return lw.call_user(f, &user, ids).map_err(|err| if err.span == Span::default() { err.at(span) } else { err });
    }
    if let Some(func) = func(&f.name) {
        arity(f, args, 1)?;
        let a = lw.expr(nth(args, 0, f)?)?;
        return lw.graph.func(func, a).map_err(|e| e.at(span));
    }
    let r = match f.name.as_str() {
        "max" | "min" | "pow" | "dot" | "outer" => binary(lw, f, args),
        "sum" => sum(lw, f, args, span),
        "mean" | "prod" | "norm" | "logsumexp" | "softmax" | "transpose" | "diag" | "trace" => unary(lw, f, args),
        "zeros" | "ones" | "randn" | "rand" => {
            let shape = dims(lw, args, f)?;
            constructor(lw, &f.name, shape).map_err(|e| e.at(f.span))
        }
        "eye" => {
            let shape = dims(lw, args, f)?;
            match shape.as_slice() {
                [n] if n.checked_mul(*n).is_none_or(|nn| nn > crate::limits::get().elements) => Err(Error::limit(
                    f.span,
                    format!("eye({n}) has {n}² elements, over the limit of {}", crate::limits::get().elements),
                )),
                [n] => Ok(lw.graph.eye(*n)),
                _ => Err(Error::usage(span, "eye takes one size: eye(n)")),
            }
        }
        "reshape" => reshape(lw, f, args),
        "load" => load(lw, f, args),
        "grad" => grad(lw, f, args),
        _ => Err(unknown(lw, f)),
    };
    r.map_err(|e| if e.span == Span::default() { e.at(span) } else { e })
}

fn arity(f: &Ident, args: &[Expr], n: usize) -> Result<()> {
    if args.len() == n {
        return Ok(());
    }
    let plural = if n == 1 { "argument" } else { "arguments" };
    Err(Error::usage(f.span, format!("`{}` takes {n} {plural}, got {}", f.name, args.len())))
}

fn binary(lw: &mut Lower, f: &Ident, args: &[Expr]) -> Result<NodeId> {
    arity(f, args, 2)?;
    let (a, b) = (lw.expr(nth(args, 0, f)?)?, lw.expr(nth(args, 1, f)?)?);
    let g = &mut *lw.graph;
    match f.name.as_str() {
        "max" => g.max(a, b),
        "min" => g.min(a, b),
        "pow" => g.pow(a, b),
        // As NumPy's `dot`: of a scalar, the product.
        "dot" if g.shape(a).is_empty() || g.shape(b).is_empty() => g.mul(a, b),
        "dot" => g
            .matmul(a, b)
            .map_err(|e| Error { message: e.message.replace("for @", "for dot").replace("@ needs", "dot needs"), ..e }),
        _ => g.outer(a, b),
    }
}

fn unary(lw: &mut Lower, f: &Ident, args: &[Expr]) -> Result<NodeId> {
    arity(f, args, 1)?;
    let a = lw.expr(nth(args, 0, f)?)?;
    let g = &mut *lw.graph;
    match f.name.as_str() {
        "mean" => g.mean(a),
        "prod" => g.reduce(Op::Prod, a),
        "norm" => g.reduce(Op::Norm, a),
        "logsumexp" => g.reduce(Op::LogSumExp, a),
        "softmax" => g.reduce(Op::Softmax, a),
        "transpose" => g.transpose(a),
        "diag" => g.diag(a),
        _ => g.trace(a),
    }
}

/// `sum(x)` over everything, or `sum(x, axis, ...)` over the given axes
/// (negative axes count from the end, as in NumPy).
fn sum(lw: &mut Lower, f: &Ident, args: &[Expr], span: Span) -> Result<NodeId> {
    let Some((x, axes)) = args.split_first() else {
        return arity(f, args, 1).map(|_| NodeId(0));
    };
    let a = lw.expr(x)?;
    if axes.is_empty() {
        return lw.graph.sum_all(a);
    }
    let rank = lw.graph.shape(a).len() as i64;
    let mut ks = Vec::new();
    for e in axes {
        let id = lw.expr(e)?;
        let k = constant_int(lw.graph, id, e.span, "an axis")?;
        let k = if k < 0 { k + rank } else { k };
        if !(0..rank).contains(&k) {
            return Err(Error::shape(e.span, format!("axis {k} is out of range for a value of rank {rank}")));
        }
        if ks.contains(&(k as usize)) {
            return Err(Error::shape(e.span, format!("axis {k} is given twice")));
        }
        ks.push(k as usize);
    }
    lw.graph.sum_axes(a, &ks).map_err(|e| e.at(span))
}

/// Dimensions given as constant integers, 0 or more.
fn dims(lw: &mut Lower, args: &[Expr], f: &Ident) -> Result<Shape> {
    if args.is_empty() {
        return Err(Error::usage(f.span, format!("`{}` needs at least one dimension", f.name)));
    }
    let mut shape = Vec::new();
    for e in args {
        let id = lw.expr(e)?;
        let d = constant_int(lw.graph, id, e.span, "a dimension")?;
        // 0 is a dimension, as in NumPy (a derivative through an empty
        // slice prints `ones(0)`).
        if d < 0 {
            return Err(Error::usage(e.span, format!("a dimension must not be negative, got {d}")));
        }
        shape.push(d as usize);
    }
    let n = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).unwrap_or(usize::MAX);
    let max = crate::limits::get().elements;
    if n > max {
        return Err(Error::limit(f.span, format!("{n} elements is over the limit of {max}")));
    }
    Ok(shape)
}

fn constructor(lw: &mut Lower, name: &str, shape: Shape) -> Result<NodeId> {
    use crate::eval::data;
    Ok(match name {
        "zeros" => lw.graph.zeros(shape),
        "ones" => lw.graph.filled(crate::simplify::rat(1), shape),
        random => {
            lw.graph.charge_data(shape.iter().product())?;
            let v = if random == "randn" { data::randn(&shape, lw.rng) } else { data::rand(&shape, lw.rng) };
            lw.graph.data(v)
        }
    })
}

fn reshape(lw: &mut Lower, f: &Ident, args: &[Expr]) -> Result<NodeId> {
    let Some((x, rest)) = args.split_first() else {
        return Err(Error::usage(f.span, "reshape(x, dims...) needs a value and dimensions"));
    };
    let a = lw.expr(x)?;
    // No dimensions: the one element of a size-1 tensor as a scalar (the
    // printer writes a derivative's `reshape(M)` so).
    let shape = if rest.is_empty() { vec![] } else { dims(lw, rest, f)? };
    lw.graph.reshape(a, shape).map_err(|e| e.at(f.span))
}

fn load(lw: &mut Lower, f: &Ident, args: &[Expr]) -> Result<NodeId> {
    arity(f, args, 1)?;
    let arg = nth(args, 0, f)?;
    let ExprKind::Str(path) = &arg.kind else {
        return Err(Error::usage(arg.span, "load takes a file name in quotes: load(\"data.npy\")"));
    };
    let v = crate::eval::data::load(std::path::Path::new(path)).map_err(|m| Error::io(arg.span, m))?;
    lw.graph.charge_data(v.len()).map_err(|e| e.at(f.span))?;
    Ok(lw.graph.data(v))
}

/// `grad(f, v)`, and `grad(grad(f, u), v)` and deeper nestings as one
/// chain: the inner derivatives are only ever differentiated again, so
/// they are taken without choosing a printed form (`Lower::grad_chain`).
fn grad(lw: &mut Lower, f: &Ident, args: &[Expr]) -> Result<NodeId> {
    grad_nest(lw, f, args, false)
}

/// A nest of `grad` calls, innermost function first, differentiated by
/// each variable in turn; `again` when the result is differentiated once
/// more (so none of its derivatives is printed).
pub(super) fn grad_nest(lw: &mut Lower, f: &Ident, args: &[Expr], again: bool) -> Result<NodeId> {
    let max = crate::limits::get().grad_order;
    let mut vars = Vec::new();
    let (mut call, mut args) = (f, args);
    let body = loop {
        arity(call, args, 2)?;
        vars.push(grad_variable(call, args)?);
        if lw.grad_depth + vars.len() > max {
            return Err(Error::limit(call.span, format!("grad(...) nested more than {max} deep (grad_order)")));
        }
        let body = nth(args, 0, call)?;
        match &body.kind {
            // `grad` cannot be redefined, so a call of it is this builtin.
            ExprKind::Call(g, inner) if g.name == "grad" => (call, args) = (g, inner),
            _ => break body,
        }
    };
    // Inside a function body the parameters are fresh variables while `f`
    // is differentiated, and the arguments are put in their place after:
    // `:def h(a) = grad(a*t, t)` is `a` whatever the argument (`h(t)` is
    // `t`, not `2*t`), and `grad(a^3, a)` differentiates in the parameter.
    let swapped = lw.params_as_variables();
    lw.grad_depth += vars.len();
    let body = lw.expr(body);
    lw.grad_depth -= vars.len();
    vars.reverse();
    let d = body.and_then(|body| lw.grad_chain(body, &vars, again));
    let params = swapped.params.clone();
    lw.restore_params(swapped);
    let mut d = d?;
    for (_, fresh, arg) in params {
        d = lw.graph.substitute(d, fresh, arg).map_err(|e| e.at(f.span))?;
    }
    Ok(d)
}

/// The variable `v` of `grad(f, v)`, or why it is not one.
fn grad_variable(f: &Ident, args: &[Expr]) -> Result<Ident> {
    let arg = nth(args, 1, f)?;
    let ExprKind::Name(v) = &arg.kind else {
        let what = match &arg.kind {
            ExprKind::Num(_) => "a number",
            ExprKind::Call(..) => "a function call",
            _ => "an expression",
        };
        return Err(Error::usage(arg.span, format!("grad(f, v) needs a variable name as v, not {what}")));
    };
    Ok(Ident { name: v.clone(), span: arg.span })
}

fn unknown(lw: &Lower, f: &Ident) -> Error {
    let mut known: Vec<String> = names().into_iter().map(String::from).collect();
    known.extend(lw.env.funcs.keys().cloned());
    let err = Error::name(f.span, format!("unknown function `{}`", f.name));
    // Other systems' names for what symgrad spells differently.
    let other = match f.name.as_str() {
        "diff" | "D" | "derivative" | "gradient" | "jacobian" => {
            Some("to differentiate: `grad(f, x)` or `:grad f wrt x`")
        }
        "quit" | "exit" => Some("to leave: `:quit` or Ctrl-D"),
        "ln" => Some("the natural logarithm is `log`"),
        "arcsin" | "arccos" | "arctan" => Some("the inverse functions are `asin`, `acos`, `atan`"),
        _ => None,
    };
    if let Some(h) = other {
        return err.with_help(h);
    }
    match nearest(&f.name, &known) {
        Some(n) => err.with_help(format!("did you mean `{n}`?")),
        None => err,
    }
}

/// The known name closest to `name` by edit distance, if close enough.
/// Case is ignored (`EXP` is `exp`); among equally close names, one that
/// starts the other (`sinn` → `sin`, not `sign`), then the nearest length.
pub fn nearest(name: &str, known: &[String]) -> Option<String> {
    let lower = name.to_lowercase();
    known
        .iter()
        .filter(|k| k.as_str() != name)
        .map(|k| {
            let k_lower = k.to_lowercase();
            let related = lower.starts_with(&k_lower) || k_lower.starts_with(&lower);
            let length = k.chars().count().abs_diff(name.chars().count());
            ((edit_distance(&lower, &k_lower), !related, length), k)
        })
        // Not a name replaced whole (`g` is one edit from `f`, and no typo).
        .filter(|((d, ..), k)| {
            let longer = k.chars().count().max(name.chars().count());
            *d <= (longer / 2).max(1) && *d < longer
        })
        .min_by_key(|(key, _)| *key)
        .map(|(_, k)| k.clone())
}

/// Edit distance counting a swap of neighbours as one edit (`sni` is one
/// edit from `sin`), as typos usually are.
// Every index is within the tables, which are sized from `a` and `b`.
#[allow(clippy::indexing_slicing)]
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_ignore_case_and_prefer_a_name_that_starts_the_other() {
        let known: Vec<String> = names().into_iter().map(String::from).collect();
        let near = |n: &str| nearest(n, &known);
        assert_eq!(near("sinn").as_deref(), Some("sin"));
        assert_eq!(near("EXP").as_deref(), Some("exp"));
        assert_eq!(near("sni").as_deref(), Some("sin"));
        assert_eq!(near("tanhh").as_deref(), Some("tanh"));
        assert_eq!(near("qqqqqq"), None);
    }

    #[test]
    fn the_hashed_names_answer_as_the_scan_did() {
        for name in names().into_iter().chain(["x", "f", "Sin", "", "sinh2", "maxx"]) {
            assert_eq!(func(name), Func::from_name(name), "{name}");
            assert_eq!(is_builtin(name), Func::from_name(name).is_some() || OTHERS.contains(&name), "{name}");
        }
    }
}
