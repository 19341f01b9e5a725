//! The session: the one owner of mutable state (the graph, the bindings,
//! the numbered results, the random seed). Every front end (REPL, scripts,
//! `--json`, the pane) drives it through `run`, which executes one
//! statement and returns output items; it never prints.

// Input-facing: no indexing that could panic (see src/lib.rs).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod cache;
mod commands;
mod deps;
mod derive;
mod evaluation;
// TODO(robust): indexing not yet reviewed (being edited elsewhere).
#[allow(clippy::indexing_slicing)]
mod export;
mod help;
// TODO(robust): indexing not yet reviewed (being edited elsewhere).
#[allow(clippy::indexing_slicing)]
mod show;
mod time;

use crate::error::{Error, Result, Span};
use crate::eval::data::Rng;
use crate::eval::run::unbound;
use crate::graph::{Graph, NodeId};
use crate::lower::names::RefTo;
use crate::lower::{Bindings, Lower, Memo};
use crate::output::Item;
use crate::print::{Style, print};
use crate::syntax::ast::{Expr, Stmt};

/// A statement's text parsed, on any thread (parsing reads no session):
/// the statement or the error, the seconds it took, and the limits it
/// was parsed under (the statement size and nesting depth allowed).
pub struct Parsed {
    stmt: Result<Stmt>,
    secs: f64,
    limits: crate::limits::Limits,
}

impl Parsed {
    pub fn new(text: &str) -> Parsed {
        let limits = crate::limits::get();
        let t = std::time::Instant::now();
        let stmt = if text.len() > limits.statement_bytes {
            Err(Error::limit(
                Span::default(),
                format!(
                    "statement too long: {} bytes, the limit is {} (statement_bytes)",
                    text.len(),
                    limits.statement_bytes
                ),
            ))
        } else {
            crate::syntax::parse_statement(text)
        };
        Parsed { stmt, secs: t.elapsed().as_secs_f64(), limits }
    }

    /// Whether the text parsed.
    #[cfg(test)]
    pub fn is_ok(&self) -> bool {
        self.stmt.is_ok()
    }
}

/// The seed `randn` and `rand` start from, so scripts repeat.
pub const DEFAULT_SEED: u64 = 42;

pub struct Session {
    pub graph: Graph,
    pub env: Bindings,
    memo: Memo,
    rng: Rng,
    /// The generator as the running statement found it: its results draw
    /// from here when they are made again.
    draws_from: Rng,
    /// Statements that succeeded, for `:save`.
    history: Vec<String>,
    /// See `take_partial`.
    pub(super) partial: Vec<Item>,
    quit: bool,
    /// Nesting of `:load`, to refuse a script that loads itself forever.
    load_depth: usize,
    /// The directories of the script files being run, innermost last: a
    /// relative `:load` inside a file is looked for next to that file.
    load_dirs: Vec<std::path::PathBuf>,
    /// Whether the last result had a value after the previous statement.
    last_closed: bool,
    /// Who refers to each name or result (a superset: stale entries stay).
    deps: deps::Deps,
    /// Whether items carry the Unicode form too (a terminal front end
    /// shows it; scripts and JSON never do, so they skip printing it).
    pub unicode: bool,
    /// Seconds the last statement took to parse (`:time` reports it).
    parse_secs: f64,
    /// Seconds spent per phase since the last reset (for `:time`).
    pub(crate) phases: time::Phases,
    /// Values of results and bound formulas, for the statements after.
    cache: std::cell::RefCell<cache::ValueCache>,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// Runs `f` as the script file `path` (relative `:load`s in it are
    /// looked for next to it first).
    pub fn in_script<T>(&mut self, path: &str, f: impl FnOnce(&mut Session) -> T) -> T {
        let dir = std::path::Path::new(path).parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        self.load_dirs.push(dir);
        let out = f(self);
        self.load_dirs.pop();
        out
    }

    /// `path` as a `:load` in the current script reads it: next to that
    /// script when a file of that name is there, else as given (from the
    /// working directory), as C's `#include "…"` looks.
    fn resolve_script(&self, path: &str) -> String {
        let p = std::path::Path::new(path);
        match self.load_dirs.last() {
            Some(dir) if p.is_relative() && !dir.as_os_str().is_empty() && dir.join(p).is_file() => {
                dir.join(p).to_string_lossy().into_owned()
            }
            _ => path.to_string(),
        }
    }

    pub fn new() -> Session {
        Session {
            graph: Graph::new(),
            env: Bindings::default(),
            memo: Memo::default(),
            rng: Rng::new(DEFAULT_SEED),
            draws_from: Rng::new(DEFAULT_SEED),
            history: Vec::new(),
            partial: Vec::new(),
            quit: false,
            load_depth: 0,
            load_dirs: Vec::new(),
            last_closed: false,
            deps: Default::default(),
            unicode: false,
            parse_secs: 0.0,
            phases: Default::default(),
            cache: Default::default(),
        }
    }

    /// Whether `:quit` was run.
    pub fn wants_quit(&self) -> bool {
        self.quit
    }

    /// Runs one statement (its text may span lines while a bracket is open).
    pub fn run(&mut self, text: &str) -> Result<Vec<Item>> {
        self.run_parsed(text, Parsed::new(text))
    }

    /// Runs one statement parsed already (a script's next statements are
    /// parsed on another thread while this one runs).
    pub fn run_parsed(&mut self, text: &str, parsed: Parsed) -> Result<Vec<Item>> {
        if self.load_depth == 0 {
            crate::interrupt::clear();
            // What an earlier failure left and no front end took.
            self.partial.clear();
        }
        let limits = crate::limits::get();
        // Parsed under other limits (`limits::set` ran since, as tests do):
        // parsed again under the current ones.
        let parsed = if parsed.limits == limits { parsed } else { Parsed::new(text) };
        let stmt = parsed.stmt?;
        self.parse_secs = parsed.secs;
        let kept = recorded(&stmt);
        // The budget of the outermost statement covers the scripts it loads.
        if self.load_depth == 0 {
            self.graph.set_budget(Some(limits.graph_size));
        }
        let draws = self.rng.clone();
        let r = self.exec(stmt, text);
        if self.load_depth == 0 {
            self.graph.set_budget(None);
        }
        // A failed statement is not saved (`:save`), so it draws nothing:
        // the session replays with the same random numbers.
        if r.is_err() && kept {
            self.rng = draws;
        }
        let items = r?;
        if kept {
            self.history.push(text.trim().to_string());
        }
        Ok(items)
    }

    /// What a failed statement produced before its error, shown before
    /// it: the outputs of the statements a `:load` ran (they took effect),
    /// the derivatives of a `:grad` whose values could not be computed.
    pub fn take_partial(&mut self) -> Vec<Item> {
        std::mem::take(&mut self.partial)
    }

    /// Runs a parsed statement, which it consumes: a `:let` keeps its
    /// expressions as the formulas' own, without copying them.
    fn exec(&mut self, stmt: Stmt, src: &str) -> Result<Vec<Item>> {
        use Stmt::*;
        self.draws_from = self.rng.clone();
        match stmt {
            Empty => Ok(vec![]),
            Expr(e) => self.expression(&e, src).map(|i| vec![i]),
            Let(binds) => self.let_(binds, src),
            Var(decls) => self.declare(&decls, src),
            Def { name, params, body } => self.define(&name, &params, &body, src),
            Grad { expr, wrt } | Jacobian { expr, wrt } => self.grad(&expr, &wrt, src),
            Hessian { expr, wrt } => self.hessian(&expr, &wrt, src),
            Eval(e) => self.eval_stmt(e.as_ref(), src),
            Simplify(e) => self.simplify(&e, src),
            Trace { expr, wrt } => self.trace(&expr, &wrt, src),
            Vars => Ok(vec![self.vars()]),
            Unlet(names) => self.unlet(&names),
            Reset => {
                // A script's `:reset` (`:save` writes one) is still inside
                // its `:load`, under the outer statement's budget.
                let (unicode, load_depth) = (self.unicode, self.load_depth);
                let load_dirs = std::mem::take(&mut self.load_dirs);
                *self = Session::new();
                (self.unicode, self.load_depth, self.load_dirs) = (unicode, load_depth, load_dirs);
                if load_depth > 0 {
                    self.graph.set_budget(Some(crate::limits::get().graph_size));
                }
                Ok(vec![Item::text("session reset")])
            }
            Seed(e) => self.seed(&e, src),
            Help(topic) => help::help(topic.as_deref()).map(|t| vec![Item::text(t)]).map_err(|e| {
                // Told at the topic, as it was typed.
                match topic.as_deref().and_then(|t| src.rfind(t).map(|at| (at, t.len()))) {
                    Some((at, len)) => e.at(Span::new(at, at + len)),
                    None => e,
                }
            }),
            Quit => {
                self.quit = true;
                Ok(vec![])
            }
            Load(path) => self.load(&path),
            Save(path) => self.save(&path),
            Time(inner) => self.time(*inner, src),
            Timeit(inner) => self.timeit(*inner, src),
            Show { expr, wrt } => self.show_text(expr.as_ref(), &wrt, src),
            Check { expr, wrt } => self.check(&expr, &wrt, src),
            Latex(e) => self.latex(e.as_ref(), src),
            Dot { expr, wrt, out } => self.dot(expr.as_ref(), &wrt, out.as_ref(), src),
            Codegen { lang, expr, wrt, out } => self.codegen(&lang, &expr, &wrt, out.as_ref(), src),
        }
    }

    /// A lowering over this session's graph and bindings.
    fn lower_expr(&mut self, e: &Expr, src: &str) -> Result<NodeId> {
        self.lower_timed(src, |lw| lw.expr(e))
    }

    /// `e` lowered as the function of a derivative statement
    /// (`Lower::expr_to_differentiate`).
    fn lower_to_differentiate(&mut self, e: &Expr, src: &str) -> Result<NodeId> {
        self.lower_timed(src, |lw| lw.expr_to_differentiate(e))
    }

    /// Runs `f` with a lowering over this session, timed as the expand phase.
    fn lower_timed(&mut self, src: &str, f: impl FnOnce(&mut Lower) -> Result<NodeId>) -> Result<NodeId> {
        let t = std::time::Instant::now();
        let r = self.with_lower(src, f);
        self.phases.add("expand", t);
        r
    }

    /// Runs `f` with a lowering over this session.
    fn with_lower<T>(&mut self, src: &str, f: impl FnOnce(&mut Lower) -> Result<T>) -> Result<T> {
        let mut lw = Lower::new(&mut self.graph, &self.env, &mut self.memo, &mut self.rng, src);
        f(&mut lw)
    }

    /// Whether every variable of `id` has a value.
    fn closed(&self, id: NodeId) -> bool {
        unbound(&self.graph, id, &|n| self.env.has_value(n)).is_empty()
    }

    /// The Unicode form of `id`, when the front end shows it.
    fn pretty(&self, id: NodeId) -> Option<String> {
        self.unicode.then(|| print(&self.graph, id, Style::Unicode))
    }

    /// A result item for `id`: its forms, shape, and value when closed.
    fn describe(&self, id: NodeId, span: Span) -> Result<Item> {
        let t = std::time::Instant::now();
        let mut item = Item {
            expr: Some(print(&self.graph, id, Style::Plain)),
            pretty: self.pretty(id),
            shape: Some(self.graph.shape(id).to_vec()),
            ..Item::default()
        };
        self.phases.add("print", t);
        if self.closed(id) {
            let (mut values, warnings) = self.evaluate(&[id], span)?;
            item.value = values.pop();
            item.warnings = warnings;
        }
        Ok(item)
    }

    /// Records a result and returns its number.
    fn push_result(&mut self, recipe: crate::lower::Recipe) -> usize {
        let n = self.env.results.len() + 1;
        let who = crate::lower::names::Ref::Result(n);
        let mut refs = Vec::new();
        crate::lower::names::each_ref(recipe.expr().0, &mut |r| refs.push(r));
        // A derivative also depends on the shape of what it is taken against.
        match &recipe {
            crate::lower::Recipe::Expr { .. } => {}
            crate::lower::Recipe::Grad { wrt, .. } => refs.push(RefTo::Name(&wrt.name)),
            crate::lower::Recipe::Hessian { wrt, .. } => refs.extend(wrt.iter().map(|w| RefTo::Name(&w.name))),
        }
        self.deps.add(&who, &refs);
        self.env.results.push(recipe);
        self.env.draws.insert(who, self.draws_from.clone());
        n
    }

    /// The node of the last result, if any.
    fn last_result(&mut self, src: &str) -> Result<Option<NodeId>> {
        let n = self.env.results.len();
        if n == 0 {
            return Ok(None);
        }
        self.with_lower(src, |lw| lw.result(n, Span::default())).map(Some)
    }

    /// The binding of `name` changed: what was lowered from it (formulas
    /// and results that refer to it, directly or not) is stale. Only those
    /// are forgotten, so binding a fresh name costs nothing.
    fn invalidate(&mut self, name: &str) {
        let start = RefTo::Name(name);
        // Most bindings are of names nothing refers to yet (each link of a
        // chain of `:let`s): then only the name's own expansion goes.
        if self.deps.direct(start).is_empty() {
            self.memo.forget_formula(name);
            return;
        }
        self.memo.forget(&self.deps.closure(start));
    }
}

impl Item {
    pub fn text(t: impl Into<String>) -> Item {
        Item { kind: crate::output::ItemKind::Text, text: Some(t.into()), ..Item::default() }
    }
}

/// Whether `:save` writes the statement: not the ones that change nothing,
/// nor a `:load`, whose statements are written one by one as they run (so
/// a saved session replays without the file it loaded, and not twice).
/// `text` on one line, each run of blanks and newlines one space (a
/// statement written over several lines, named or echoed).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn recorded(stmt: &Stmt) -> bool {
    match stmt {
        // `:show` opens the pane: a saved session would open it on `:load`.
        Stmt::Empty | Stmt::Save(_) | Stmt::Help(_) | Stmt::Quit | Stmt::Vars | Stmt::Load(_) | Stmt::Show { .. } => {
            false
        }
        Stmt::Time(inner) | Stmt::Timeit(inner) => recorded(inner),
        _ => true,
    }
}
