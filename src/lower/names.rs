//! What an expression refers to: its free names and `$N` results, for
//! telling formulas from values and for refusing cycles at `:let`.

use crate::syntax::ast::{Expr, ExprKind, IndexItem};

/// A reference from an expression to something bound elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    Name(String),
    Result(usize),
}

/// A reference as it stands in an expression, borrowed from it: looking at
/// what a statement refers to (every `:let` does, a few times) then makes
/// no `String`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefTo<'e> {
    Name(&'e str),
    Result(usize),
}

impl RefTo<'_> {
    pub fn owned(self) -> Ref {
        match self {
            RefTo::Name(n) => Ref::Name(n.to_string()),
            RefTo::Result(k) => Ref::Result(k),
        }
    }
}

/// The free names and results of `e` (`where`-bound names excluded).
pub fn refs(e: &Expr) -> Vec<Ref> {
    let mut out = Vec::new();
    each_ref(e, &mut |r| out.push(r.owned()));
    out
}

/// Calls `f` with each free name and result of `e`, in the order they are
/// written, repeats included (as [`refs`] lists them).
pub fn each_ref<'e>(e: &'e Expr, f: &mut impl FnMut(RefTo<'e>)) {
    let mut bound: Vec<&'e str> = Vec::new();
    walk(e, &mut bound, f);
}

fn walk<'e>(e: &'e Expr, bound: &mut Vec<&'e str>, out: &mut impl FnMut(RefTo<'e>)) {
    match &e.kind {
        ExprKind::Num(_) | ExprKind::Str(_) => {}
        ExprKind::Name(n) => {
            if !bound.contains(&n.as_str()) {
                out(RefTo::Name(n));
            }
        }
        ExprKind::Result(k) => out(RefTo::Result(*k)),
        ExprKind::Neg(a) | ExprKind::Transpose(a) => walk(a, bound, out),
        ExprKind::Binary(_, a, b) => {
            walk(a, bound, out);
            walk(b, bound, out);
        }
        ExprKind::Call(f, args) => {
            out(RefTo::Name(&f.name));
            args.iter().for_each(|a| walk(a, bound, out));
        }
        ExprKind::Tensor(items) => items.iter().for_each(|a| walk(a, bound, out)),
        ExprKind::Index(a, items) => {
            walk(a, bound, out);
            for item in items {
                match item {
                    IndexItem::At(x) => walk(x, bound, out),
                    IndexItem::Slice { start, stop, step, .. } => {
                        [start, stop, step].into_iter().flatten().for_each(|x| walk(x, bound, out));
                    }
                }
            }
        }
        ExprKind::Where(body, defs) => {
            let n = bound.len();
            bound.extend(defs.iter().map(|(i, _)| i.name.as_str()));
            walk(body, bound, out);
            defs.iter().for_each(|(_, d)| walk(d, bound, out));
            bound.truncate(n);
        }
    }
}

/// `e` with every free `ans` replaced by `$n`, so a stored formula or
/// result keeps meaning the result that was last when it was written.
pub fn pin_ans(e: &Expr, n: usize) -> Expr {
    pin_ans_owned(e.clone(), n)
}

/// [`pin_ans`] for an expression the caller owns already (no copy).
pub fn pin_ans_owned(mut e: Expr, n: usize) -> Expr {
    if n > 0 {
        pin(&mut e, n);
    }
    e
}

fn pin(e: &mut Expr, n: usize) {
    match &mut e.kind {
        ExprKind::Name(name) if name == "ans" => e.kind = ExprKind::Result(n),
        ExprKind::Num(_) | ExprKind::Str(_) | ExprKind::Name(_) | ExprKind::Result(_) => {}
        ExprKind::Neg(a) | ExprKind::Transpose(a) => pin(a, n),
        ExprKind::Binary(_, a, b) => {
            pin(a, n);
            pin(b, n);
        }
        ExprKind::Call(_, args) | ExprKind::Tensor(args) => args.iter_mut().for_each(|a| pin(a, n)),
        ExprKind::Index(a, items) => {
            pin(a, n);
            for item in items {
                match item {
                    IndexItem::At(x) => pin(x, n),
                    IndexItem::Slice { start, stop, step, .. } => {
                        [start, stop, step].into_iter().flatten().for_each(|x| pin(x, n));
                    }
                }
            }
        }
        ExprKind::Where(body, defs) => {
            if defs.iter().any(|(i, _)| i.name == "ans") {
                return;
            }
            pin(body, n);
            defs.iter_mut().for_each(|(_, d)| pin(d, n));
        }
    }
}
