//! Lowering: a syntax tree becomes graph nodes, with names resolved against
//! the session's bindings. Formulas (`:let f = x^2`) and results (`$3`)
//! expand where used, memoised so a chain of formulas expands once, in
//! linear time, and shares its nodes. `where` clauses and user-function
//! parameters are local scopes.

// Input-facing: no indexing that could panic (see src/lib.rs).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod builtins;
pub use builtins::{is_builtin, names as builtin_names, nearest};
mod index;
pub mod names;

use crate::error::{Error, Result, Span};
use crate::eval::data::Rng;
use crate::eval::value::{Rat, Value};
use crate::graph::shape::Shape;
use crate::graph::{Graph, NodeId};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Ident};
use std::rc::Rc;
/// Maps keyed by names, with foldhash: names are not chosen by an
/// adversary of a hash table, and SipHash was a visible share of binding
/// a long chain of formulas (W1).
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// A chain's operands with their ±1 coefficient or exponent, and the
/// operator before each operand after the first.
type Chain = (Vec<(NodeId, Rat)>, Vec<Span>);

/// A function defined with `:def`.
#[derive(Clone, Debug)]
pub struct UserFn {
    pub params: Vec<String>,
    pub body: Expr,
    /// The statement's source, for `:vars` and `:save`.
    pub text: String,
}

/// How a numbered result is made again from its statement, so that it
/// reflects the shapes and values of the moment it is used.
#[derive(Clone, Debug)]
pub enum Recipe {
    Expr { expr: Expr, src: String },
    Grad { expr: Expr, src: String, wrt: Ident },
    Hessian { expr: Expr, src: String, wrt: [Ident; 2] },
}

impl Recipe {
    pub fn expr(&self) -> (&Expr, &str) {
        match self {
            Recipe::Expr { expr, src } | Recipe::Grad { expr, src, .. } | Recipe::Hessian { expr, src, .. } => {
                (expr, src)
            }
        }
    }
}

/// Everything a name can be bound to in a session.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    /// Behind methods: each change bumps `values_epoch`.
    values: HashMap<String, Value>,
    /// Counts changes of `values`: anything computed from them (the
    /// session's value cache) is stale once it moves.
    values_epoch: u64,
    /// Formulas with the source text of their right side.
    /// Shared: a `:let` keeps the expression it parsed, and lowers it
    /// while it is bound, without a copy.
    pub formulas: HashMap<String, (Rc<Expr>, String)>,
    pub decls: HashMap<String, Shape>,
    pub funcs: HashMap<String, UserFn>,
    pub results: Vec<Recipe>,
    /// The generator as each result and formula first drew from it: made
    /// again (after a binding it reads changed), `randn(3)` in it draws the
    /// same numbers, not the next ones.
    pub draws: HashMap<names::Ref, Rng>,
}

impl Bindings {
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Every bound value, by name (shared with a thread that evaluates).
    pub fn values(&self) -> &HashMap<String, Value> {
        &self.values
    }

    pub fn has_value(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn value_names(&self) -> impl Iterator<Item = &String> {
        self.values.keys()
    }

    /// Binds `name` to `value`, giving back the value it had.
    pub fn set_value(&mut self, name: String, value: Value) -> Option<Value> {
        self.values_epoch += 1;
        self.values.insert(name, value)
    }

    pub fn remove_value(&mut self, name: &str) -> Option<Value> {
        let old = self.values.remove(name);
        self.values_epoch += u64::from(old.is_some());
        old
    }

    pub fn values_epoch(&self) -> u64 {
        self.values_epoch
    }
}

/// Lowered formulas and results, valid until a binding changes.
#[derive(Default)]
pub struct Memo {
    formulas: HashMap<String, NodeId>,
    results: HashMap<usize, NodeId>,
    in_progress: HashSet<String>,
}

impl Memo {
    pub fn clear(&mut self) {
        *self = Memo::default();
    }

    /// What `name`'s formula lowered to, when the statement binding it
    /// lowered it anyway (otherwise the next statement that uses the name
    /// lowers the formula again: twice the work for a chain of `:let`s).
    pub fn remember_formula(&mut self, name: &str, id: NodeId) {
        self.formulas.insert(name.to_string(), id);
    }

    /// Drops what was lowered for the formula of `name`.
    pub fn forget_formula(&mut self, name: &str) {
        self.formulas.remove(name);
    }

    /// Drops what was lowered for these formulas and results.
    pub fn forget(&mut self, stale: &HashSet<names::Ref>) {
        for r in stale {
            match r {
                names::Ref::Name(n) => {
                    self.formulas.remove(n);
                }
                names::Ref::Result(k) => {
                    self.results.remove(k);
                }
            }
        }
    }
}

/// Largest depth of nested expansion (formulas within formulas, function
/// calls within calls), well past any real use.
pub const MAX_EXPANSION: usize = 100_000;

/// What `params_as_variables` changed: each parameter with its fresh
/// variable and its argument, and the `where` bindings it set aside (by
/// scope position).
#[derive(Clone, Default)]
pub(crate) struct Swapped {
    pub params: Vec<(String, NodeId, NodeId)>,
    lowered: Vec<(usize, HashMap<String, NodeId>)>,
}

enum Scope {
    /// `where` bindings: their expressions and those already lowered.
    Where { defs: Vec<(String, Expr)>, done: HashMap<String, NodeId>, busy: HashSet<String> },
    /// Parameters of a user function being expanded.
    Params(HashMap<String, NodeId>),
    /// Hides the scopes outside a function body.
    Barrier,
}

/// One lowering: the graph it adds to, the bindings it reads.
pub struct Lower<'a> {
    pub graph: &'a mut Graph,
    pub env: &'a Bindings,
    pub memo: &'a mut Memo,
    pub rng: &'a mut Rng,
    /// The statement text, to find operator positions for errors.
    pub src: &'a str,
    scopes: Vec<Scope>,
    depth: usize,
    /// User functions being expanded, outermost first (to refuse recursion).
    calling: Vec<String>,
    /// Nesting of `grad(...)` being lowered.
    pub(crate) grad_depth: usize,
    /// The expansion limit, read once.
    max_depth: usize,
    /// Parameters being differentiated (`grad(a^3, a)` in a `:def` body),
    /// each with the variable that stands for it meanwhile.
    through: Vec<(String, NodeId)>,
}

impl<'a> Lower<'a> {
    pub fn new(
        graph: &'a mut Graph,
        env: &'a Bindings,
        memo: &'a mut Memo,
        rng: &'a mut Rng,
        src: &'a str,
    ) -> Lower<'a> {
        Lower {
            graph,
            env,
            memo,
            rng,
            src,
            scopes: Vec::new(),
            depth: 0,
            calling: Vec::new(),
            grad_depth: 0,
            through: Vec::new(),
            max_depth: crate::limits::get().expansion,
        }
    }

    pub fn expr(&mut self, e: &Expr) -> Result<NodeId> {
        crate::interrupt::check()?;
        self.graph.check_budget().map_err(|err| err.at(e.span))?;
        self.depth += 1;
        if self.depth > self.max_depth {
            self.depth -= 1;
            return Err(Error::limit(e.span, format!("expansion nested deeper than {} levels", self.max_depth)));
        }
        let r = self.expr_inner(e);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &Expr) -> Result<NodeId> {
        let span = e.span;
        match &e.kind {
            ExprKind::Num(r) => Ok(self.graph.num(Rat::from(r))),
            ExprKind::Str(_) => Err(Error::usage(span, "a string is only allowed as the argument of load(...)")),
            ExprKind::Name(name) => self.name(name, span),
            ExprKind::Result(n) => self.result(*n, span),
            ExprKind::Neg(a) => {
                let a = self.expr(a)?;
                self.graph.neg(a).map_err(|err| err.at(span))
            }
            ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => self.sum_chain(e),
            ExprKind::Binary(BinOp::Mul | BinOp::Div, ..) => self.product_chain(e),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b),
            ExprKind::Transpose(a) => {
                let a = self.expr(a)?;
                self.graph.transpose(a).map_err(|err| err.at(span))
            }
            ExprKind::Call(f, args) => builtins::call(self, f, args, span),
            ExprKind::Tensor(items) => {
                let ids = items.iter().map(|i| self.expr(i)).collect::<Result<Vec<_>>>()?;
                self.graph.stack(&ids).map_err(|err| {
                    // A ragged literal is shown at its first element of
                    // another shape.
                    let g = &*self.graph;
                    let odd = ids.iter().position(|&i| ids.first().is_some_and(|&f| g.shape(i) != g.shape(f)));
                    err.at(odd.and_then(|k| items.get(k)).map_or(span, |i| i.span))
                })
            }
            ExprKind::Index(a, items) => index::lower(self, a, items, span),
            ExprKind::Where(body, defs) => {
                let mut seen = HashSet::default();
                if let Some((i, _)) = defs.iter().find(|(i, _)| !seen.insert(i.name.as_str())) {
                    return Err(Error::name(i.span, format!("`{}` is defined twice in this `where`", i.name)));
                }
                // SPEC §2: names of built-in functions cannot be bound.
                let function = |n: &str| builtins::is_builtin(n) || self.env.funcs.contains_key(n);
                if let Some((i, _)) = defs.iter().find(|(i, _)| function(&i.name) || i.name == "pi") {
                    let what = if i.name == "pi" { "built in" } else { "a function" };
                    return Err(Error::name(i.span, format!("`{}` is {what} and cannot be bound", i.name)));
                }
                let defs = defs.iter().map(|(i, e)| (i.name.clone(), e.clone())).collect();
                self.scopes.push(Scope::Where { defs, done: HashMap::default(), busy: HashSet::default() });
                let r = self.expr(body);
                self.scopes.pop();
                r
            }
        }
    }

    /// A chain `a + b - c + …` written without brackets, made as one sum.
    /// Added in pairs, the simplifier stops merging a sum into the next
    /// at `FLAT` terms, so an expanded derivative of 28 terms, printed
    /// flat, read back as nested sums (SPEC §3: pasted back, a derivative
    /// prints the same). A bracketed sum stays one operand.
    fn sum_chain(&mut self, e: &Expr) -> Result<NodeId> {
        let minus = |op: &BinOp| match op {
            BinOp::Add => Some(false),
            BinOp::Sub => Some(true),
            _ => None,
        };
        let (terms, ops) = self.chain(e, minus)?;
        self.graph.sum(&terms).map_err(|err| err.at(ops.last().copied().unwrap_or(e.span)))
    }

    /// A chain `a*b/c*…` written without brackets, made as one product,
    /// for the reason `sum_chain` gives: a flat product of more than
    /// `FLAT + 1` factors, multiplied in pairs, read back nested.
    fn product_chain(&mut self, e: &Expr) -> Result<NodeId> {
        let divide = |op: &BinOp| match op {
            BinOp::Mul => Some(false),
            BinOp::Div => Some(true),
            _ => None,
        };
        let (factors, ops) = self.chain(e, divide)?;
        self.graph.product(Rat::int(1), &factors).map_err(|err| {
            // Which operator: the pairs made one by one tell (the operands
            // are made already, so nothing is lowered twice).
            let g = &mut *self.graph;
            let mut acc = factors.first().map_or(NodeId(0), |f| f.0);
            for ((y, k), op) in factors.iter().skip(1).zip(&ops) {
                let step = if k.is_one() { g.mul(acc, *y) } else { g.div(acc, *y) };
                match step {
                    Ok(v) => acc = v,
                    Err(e) => return e.at(*op),
                }
            }
            err.at(ops.last().copied().unwrap_or(e.span))
        })
    }

    /// The operands of a chain of one precedence level written without
    /// brackets (`inverse` says which operators the chain holds, and which
    /// of them negate or invert their operand), lowered in order with
    /// exponent or coefficient ±1, and the operator before each after the
    /// first. A bracketed chain stays one operand. Shapes are checked pair
    /// by pair, so a shape error names its operator.
    fn chain(&mut self, e: &Expr, inverse: impl Fn(&BinOp) -> Option<bool>) -> Result<Chain> {
        // The operands after the first, right to left.
        let mut rest = Vec::new();
        let mut first = e;
        while let ExprKind::Binary(op, a, b) = &first.kind {
            let Some(inv) = inverse(op) else { break };
            rest.push((b, inv, self.operator_span(a.span, b.span)));
            first = a;
            if self.src.get(a.span.end..b.span.start).is_none_or(|s| s.contains(')')) {
                break;
            }
        }
        let x = self.expr(first)?;
        let mut shape = self.graph.shape(x).to_vec();
        let mut operands = vec![(x, Rat::int(1))];
        let mut ops = Vec::with_capacity(rest.len());
        for (b, inv, op) in rest.into_iter().rev() {
            let y = self.expr(b)?;
            shape = crate::simplify::broadcast_shapes(&shape, self.graph.shape(y)).map_err(|err| err.at(op))?;
            operands.push((y, Rat::int(if inv { -1 } else { 1 })));
            ops.push(op);
        }
        Ok((operands, ops))
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr) -> Result<NodeId> {
        let (x, y) = (self.expr(a)?, self.expr(b)?);
        let g = &mut *self.graph;
        let r = match op {
            BinOp::Add => g.add(x, y),
            BinOp::Sub => g.sub(x, y),
            BinOp::Mul => g.mul(x, y),
            BinOp::Div => g.div(x, y),
            BinOp::MatMul => g.matmul(x, y),
            BinOp::Pow => g.pow(x, y),
        };
        r.map_err(|err| err.at(self.operator_span(a.span, b.span)))
    }

    /// The operator between two operands: the first character after the
    /// left one that is not a blank or a closing bracket.
    fn operator_span(&self, left: Span, right: Span) -> Span {
        let between = self.src.get(left.end..right.start).unwrap_or("");
        for (k, c) in between.char_indices() {
            if !c.is_whitespace() && c != ')' && c != ']' {
                return Span::new(left.end + k, left.end + k + c.len_utf8());
            }
        }
        left.to(right)
    }

    fn name(&mut self, name: &str, span: Span) -> Result<NodeId> {
        if let Some(id) = self.local(name, span)? {
            return Ok(id);
        }
        if name == "ans" {
            return match self.env.results.len() {
                0 => Err(Error::name(span, "`ans` has no value yet: no result so far")),
                n => self.result(n, span),
            };
        }
        if name == "pi" {
            return Ok(self.graph.intern(crate::ops::Op::Pi, vec![], vec![]));
        }
        if let Some((expr, _)) = self.env.formulas.get(name) {
            return self.formula(name, expr, span);
        }
        if builtins::is_builtin(name) || self.env.funcs.contains_key(name) {
            return Err(Error::name(span, format!("`{name}` is a function; call it as {name}(...)")));
        }
        let shape = match (self.env.value(name), self.env.decls.get(name)) {
            (Some(v), _) => v.shape().to_vec(),
            (None, Some(s)) => s.clone(),
            (None, None) => vec![],
        };
        Ok(self.graph.var(name, shape))
    }

    fn formula(&mut self, name: &str, expr: &Expr, span: Span) -> Result<NodeId> {
        if let Some(&id) = self.memo.formulas.get(name) {
            return Ok(id);
        }
        if !self.memo.in_progress.insert(name.to_string()) {
            return Err(Error::name(span, format!("`{name}` is defined in terms of itself")));
        }
        // A formula's names are global: hide the caller's local scopes.
        let saved = std::mem::take(&mut self.scopes);
        let r = self
            .drawing_as(&names::Ref::Name(name.to_string()), |lw| lw.expr(expr))
            .map_err(|err| if err.kind == crate::error::ErrorKind::Limit { err } else { relabel(err, name, span) });
        self.scopes = saved;
        self.memo.in_progress.remove(name);
        let id = r?;
        self.memo.formulas.insert(name.to_string(), id);
        Ok(id)
    }

    /// `$n` (1-based), made again from its recipe.
    pub fn result(&mut self, n: usize, span: Span) -> Result<NodeId> {
        if let Some(&id) = self.memo.results.get(&n) {
            return Ok(id);
        }
        let recipe = n.checked_sub(1).and_then(|k| self.env.results.get(k)).ok_or_else(|| {
            Error::name(span, format!("there is no result ${n} (results so far: {})", self.env.results.len()))
        })?;
        let saved = std::mem::take(&mut self.scopes);
        let r = self.drawing_as(&names::Ref::Result(n), |lw| lw.recipe(recipe)).map_err(|err| err.at(span));
        self.scopes = saved;
        let id = r?;
        self.memo.results.insert(n, id);
        Ok(id)
    }

    /// Runs `f` with the generator as `who` first drew from it, when it
    /// did; the session's generator is left where it was.
    fn drawing_as<T>(&mut self, who: &names::Ref, f: impl FnOnce(&mut Self) -> T) -> T {
        let Some(draws) = self.env.draws.get(who).cloned() else { return f(self) };
        let outer = std::mem::replace(&mut *self.rng, draws);
        let r = f(self);
        *self.rng = outer;
        r
    }

    pub fn recipe(&mut self, recipe: &Recipe) -> Result<NodeId> {
        match recipe {
            Recipe::Expr { expr, .. } => self.expr(expr),
            Recipe::Grad { expr, wrt, .. } => {
                let f = self.expr_to_differentiate(expr)?;
                self.grad(f, wrt)
            }
            Recipe::Hessian { expr, wrt, .. } => {
                let f = self.expr(expr)?;
                let d = self.grad(f, &wrt[0])?;
                self.grad(d, &wrt[1])
            }
        }
    }

    /// `e` lowered as the function of a derivative statement: when it is
    /// itself `grad(...)`, its derivatives are all taken for differentiating
    /// again (`grad_chain`), as the statement does.
    pub fn expr_to_differentiate(&mut self, e: &Expr) -> Result<NodeId> {
        match &e.kind {
            ExprKind::Call(g, args) if g.name == "grad" => builtins::grad_nest(self, g, args, true)
                .map_err(|err| if err.span == Span::default() { err.at(e.span) } else { err }),
            _ => self.expr(e),
        }
    }

    /// `f` differentiated by each of `vars` in turn. The derivatives that
    /// are only differentiated again (all but the last, or all when
    /// `again`) are taken on polynomials when `f` expands; a derivative
    /// that is printed comes from back-propagation, so it reads as the
    /// rule that made it.
    pub fn grad_chain(&mut self, f: NodeId, vars: &[Ident], again: bool) -> Result<NodeId> {
        let (inner, last) = match vars.split_last() {
            Some((last, inner)) if !again => (inner, Some(last)),
            _ => (vars, None),
        };
        let mut d = f;
        if let Some(first) = inner.first() {
            let nodes = inner.iter().map(|v| self.variable(v)).collect::<Result<Vec<_>>>()?;
            let done;
            (d, done) = crate::expand::derivatives(self.graph, f, &nodes).map_err(|err| err.at(first.span))?;
            for v in inner.get(done..).unwrap_or_default() {
                d = self.grad(d, v)?;
            }
        }
        match last {
            Some(v) => self.grad(d, v),
            None => Ok(d),
        }
    }

    /// `∂f/∂v` for the variable named `v`.
    pub fn grad(&mut self, f: NodeId, v: &Ident) -> Result<NodeId> {
        let var = self.variable(v)?;
        crate::diff::grad(self.graph, f, var).map_err(|err| err.at(v.span))
    }

    /// The variable node named by `v`, or an error saying what it is instead.
    pub fn variable(&mut self, v: &Ident) -> Result<NodeId> {
        if let Some(&(_, fresh)) = self.through.iter().rev().find(|(n, _)| *n == v.name)
            && self.local(&v.name, v.span)? == Some(fresh)
        {
            return Ok(fresh);
        }
        let what = if self.local(&v.name, v.span)?.is_some() {
            Some("a local binding")
        } else if self.env.formulas.contains_key(&v.name) {
            Some("a formula")
        } else if builtins::is_builtin(&v.name) || self.env.funcs.contains_key(&v.name) {
            Some("a function")
        } else if v.name == "pi" {
            Some("a constant")
        } else if v.name == "ans" {
            Some("a result")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Error::usage(
                v.span,
                format!("cannot differentiate with respect to `{}`: it is {what}, not a variable", v.name),
            ));
        }
        self.name(&v.name, v.span)
    }

    /// Binds the parameters of the function being expanded to fresh
    /// variables (in name order, so node ids do not depend on a map's
    /// order), and forgets what the `where` bindings inside its body were
    /// lowered to with the arguments.
    pub(crate) fn params_as_variables(&mut self) -> Swapped {
        let mut swapped = Swapped::default();
        // Outside a function body there is nothing to do.
        let Some(at) = self.function_params() else { return swapped };
        let Lower { scopes, graph, .. } = self;
        for (k, scope) in scopes.iter_mut().enumerate().skip(at) {
            match scope {
                Scope::Where { done, .. } => swapped.lowered.push((k, std::mem::take(done))),
                Scope::Params(p) => {
                    let mut names: Vec<String> = p.keys().cloned().collect();
                    names.sort();
                    for name in names {
                        let Some(id) = p.get_mut(&name) else { continue };
                        let fresh = graph.var(&format!("{name}#{}", graph.len()), graph.shape(*id).to_vec());
                        swapped.params.push((name, fresh, *id));
                        *id = fresh;
                    }
                }
                Scope::Barrier => {}
            }
        }
        self.through.extend(swapped.params.iter().map(|(n, fresh, _)| (n.clone(), *fresh)));
        swapped
    }

    /// Undoes `params_as_variables`.
    pub(crate) fn restore_params(&mut self, swapped: Swapped) {
        self.through.truncate(self.through.len().saturating_sub(swapped.params.len()));
        for (k, lowered) in swapped.lowered {
            if let Some(Scope::Where { done, .. }) = self.scopes.get_mut(k) {
                *done = lowered;
            }
        }
        if let Some(Scope::Params(p)) = self.function_params().and_then(|at| self.scopes.get_mut(at)) {
            for (name, _, arg) in &swapped.params {
                p.insert(name.clone(), *arg);
            }
        }
    }

    /// Where the parameters of the function being expanded are in the
    /// scopes (the innermost parameters before a barrier).
    fn function_params(&self) -> Option<usize> {
        for (k, scope) in self.scopes.iter().enumerate().rev() {
            match scope {
                Scope::Barrier => return None,
                Scope::Params(_) => return Some(k),
                Scope::Where { .. } => {}
            }
        }
        None
    }

    /// A name bound in an enclosing `where` or parameter scope.
    fn local(&mut self, name: &str, span: Span) -> Result<Option<NodeId>> {
        for k in (0..self.scopes.len()).rev() {
            match self.scopes.get_mut(k) {
                None | Some(Scope::Barrier) => return Ok(None),
                Some(Scope::Params(p)) => {
                    if let Some(&id) = p.get(name) {
                        return Ok(Some(id));
                    }
                }
                Some(Scope::Where { defs, done, busy }) => {
                    if let Some(&id) = done.get(name) {
                        return Ok(Some(id));
                    }
                    let Some((_, e)) = defs.iter().find(|(n, _)| n == name) else {
                        continue;
                    };
                    let e = e.clone();
                    if !busy.insert(name.to_string()) {
                        return Err(Error::name(span, format!("`{name}` is defined in terms of itself")));
                    }
                    // Lower the binding with only the scopes up to its own.
                    let rest = self.scopes.split_off(k + 1);
                    let r = self.expr(&e);
                    self.scopes.extend(rest);
                    if let Some(Scope::Where { done, busy, .. }) = self.scopes.get_mut(k) {
                        busy.remove(name);
                        if let Ok(id) = r {
                            done.insert(name.to_string(), id);
                        }
                    }
                    return r.map(Some);
                }
            }
        }
        Ok(None)
    }

    /// The body of a user function with its parameters bound.
    fn call_user(&mut self, name: &Ident, f: &UserFn, args: Vec<NodeId>) -> Result<NodeId> {
        // Without conditionals, a function that calls itself never ends.
        if let Some(k) = self.calling.iter().position(|c| *c == name.name) {
            let mut chain: Vec<&str> = self.calling.iter().skip(k).map(String::as_str).collect();
            chain.push(&name.name);
            return Err(Error::name(
                name.span,
                format!("`{}` calls itself ({}); recursion is not supported", name.name, chain.join(" → ")),
            ));
        }
        let params = f.params.iter().cloned().zip(args).collect();
        self.calling.push(name.name.clone());
        self.scopes.push(Scope::Barrier);
        self.scopes.push(Scope::Params(params));
        // The body's spans are in the `:def`'s text: an error there is told
        // at the call, unless this is that `:def` (which tries its body).
        let defining = f.text == self.src.trim();
        let r = self.expr(&f.body).map_err(|err| if defining { err } else { relabel(err, &name.name, name.span) });
        self.scopes.pop();
        self.scopes.pop();
        self.calling.pop();
        r
    }
}

/// An error inside a formula, told at the place the formula is used.
fn relabel(err: Error, name: &str, span: Span) -> Error {
    let message = format!("in `{name}`: {}", err.message);
    Error { message, span, ..err }
}

/// The integer value of a constant argument (`zeros(3)`, `x[1]`, axes).
pub fn constant_int(graph: &Graph, id: NodeId, span: Span, what: &str) -> Result<i64> {
    use num_traits::ToPrimitive;
    match graph.as_num(id).filter(|r| r.is_integer() && graph.shape(id).is_empty()) {
        Some(r) => {
            r.to_i64().ok_or_else(|| Error::usage(span, format!("{what} of {} is out of range", short_number(r))))
        }
        None => Err(Error::usage(span, format!("{what} must be an integer constant"))),
    }
}

/// A number for a message, its digits elided past 24.
fn short_number(r: &Rat) -> String {
    let s = r.to_string();
    match s.char_indices().nth(24) {
        Some((cut, _)) => format!("{}… ({} digits)", &s[..cut], s.trim_start_matches('-').len()),
        None => s,
    }
}
