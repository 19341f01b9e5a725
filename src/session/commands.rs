//! Statements about bindings and values: expressions, `:let`, `:var`,
//! `:def`, `:eval`, `:simplify`, `:vars`, `:unlet`, `:seed`, `:load`,
//! `:save`.

use super::Session;
use crate::error::{Error, Result, Span};
use crate::graph::shape::show;
use crate::lower::HashSet;
use crate::lower::names::{Ref, RefTo, each_ref, pin_ans, pin_ans_owned, refs};
use crate::lower::{Recipe, UserFn, constant_int};
use crate::output::{Item, ItemKind};
use crate::print::{Style, print};
use crate::syntax::ast::{Expr, ExprKind, Ident, PathArg, VarDecl};
use std::rc::Rc;

/// What a name was bound to before a `:let`: value, formula, declared shape.
type Undo = (String, Option<crate::eval::value::Value>, Option<(Rc<Expr>, String)>, Option<crate::graph::shape::Shape>);

impl Session {
    pub(super) fn expression(&mut self, e: &Expr, src: &str) -> Result<Item> {
        let e = pin_ans(e, self.env.results.len());
        let id = self.lower_expr(&e, src)?;
        let mut item = self.describe(id, e.span)?;
        item.warnings.extend(leaving_habit(&e, |n| self.env.has_value(n) || self.env.formulas.contains_key(n)));
        item.number = Some(self.push_result(Recipe::Expr { expr: e, src: src.trim().to_string() }));
        self.last_closed = item.value.is_some();
        Ok(item)
    }

    pub(super) fn let_(&mut self, binds: Vec<(Ident, Expr)>, src: &str) -> Result<Vec<Item>> {
        // A statement that fails changes nothing: the bindings made before
        // the one that failed are put back as they were.
        let mut undo = Vec::new();
        let several = binds.len() > 1;
        let result = self.bind_each(binds, src, several.then_some(&mut undo));
        if result.is_err() {
            for (name, value, formula, decl) in undo.into_iter().rev() {
                match value {
                    Some(v) => self.env.set_value(name.clone(), v),
                    None => self.env.remove_value(&name),
                };
                match formula {
                    Some(f) => self.env.formulas.insert(name.clone(), f),
                    None => self.env.formulas.remove(&name),
                };
                match decl {
                    Some(d) => self.env.decls.insert(name.clone(), d),
                    None => self.env.decls.remove(&name),
                };
                self.invalidate(&name);
            }
        }
        result
    }

    /// Binds each name in turn; with `undo`, first records what each name
    /// was bound to.
    fn bind_each(
        &mut self,
        binds: Vec<(Ident, Expr)>,
        src: &str,
        mut undo: Option<&mut Vec<Undo>>,
    ) -> Result<Vec<Item>> {
        let mut items = Vec::new();
        for (name, e) in binds {
            self.check_bindable(&name)?;
            if let Some(undo) = undo.as_deref_mut() {
                let n = &name.name;
                let env = &self.env;
                undo.push((n.clone(), env.value(n).cloned(), env.formulas.get(n).cloned(), env.decls.get(n).cloned()));
            }
            let e = Rc::new(pin_ans_owned(e, self.env.results.len()));
            // What `e` refers to, found once: it decides formula or value,
            // the cycle check and the reverse index all read it.
            let mut refs = Vec::new();
            each_ref(&e, &mut |r| refs.push(r));
            let is_formula = refs.iter().any(|r| match r {
                RefTo::Name(n) => *n != "pi" && !crate::lower::is_builtin(n) && !self.env.funcs.contains_key(*n),
                RefTo::Result(_) => true,
            });
            let item =
                if is_formula { self.bind_formula(&name, &e, &refs, src)? } else { self.bind_value(&name, &e, src)? };
            items.push(item);
        }
        if let Some(ans) = self.ans_if_newly_closed(src)? {
            items.push(ans);
        }
        Ok(items)
    }

    fn check_bindable(&self, name: &Ident) -> Result<()> {
        let n = name.name.as_str();
        if crate::lower::is_builtin(n) || self.env.funcs.contains_key(n) {
            return Err(Error::name(name.span, format!("`{n}` is a function and cannot be bound")));
        }
        if n == "pi" || n == "ans" {
            return Err(Error::name(name.span, format!("`{n}` is built in and cannot be bound")));
        }
        Ok(())
    }

    fn bind_value(&mut self, name: &Ident, e: &Expr, src: &str) -> Result<Item> {
        let id = self.lower_expr(e, src)?;
        let (mut values, warnings) = self.evaluate(&[id], e.span)?;
        let value = values.pop().ok_or_else(|| Error::math(e.span, "no value"))?;
        // The shape the name had: a value's, a declaration's, or a free
        // name's scalar. A value of the same shape changes no node.
        let was_formula = self.env.formulas.remove(&name.name).is_some();
        let declared = self.env.decls.remove(&name.name);
        let old = self.env.set_value(name.name.clone(), value.clone());
        let old_shape = old.map(|o| o.shape().to_vec()).or(declared).unwrap_or_default();
        if was_formula || old_shape != value.shape() {
            self.invalidate(&name.name);
        }
        Ok(Item {
            kind: ItemKind::Binding,
            name: Some(name.name.clone()),
            // What was bound, as `--json` reports it (SPEC §6).
            expr: Some(print(&self.graph, id, Style::Plain)),
            shape: Some(value.shape().to_vec()),
            value: Some(value),
            warnings,
            ..Item::default()
        })
    }

    /// Binds `name` to the formula `e`, which refers to `refs`.
    fn bind_formula(&mut self, name: &Ident, e: &Rc<Expr>, refs: &[RefTo<'_>], src: &str) -> Result<Item> {
        if let Some(path) = self.cycle(&name.name, e, refs) {
            return Err(Error::name(
                name.span,
                format!("`{}` would be defined in terms of itself ({path})", name.name),
            ));
        }
        let text = src.get(e.span.start..e.span.end).unwrap_or("");
        // A formula written over several lines is shown on one.
        let text = if text.contains('\n') { super::one_line(text) } else { text.to_string() };
        self.deps.add(&Ref::Name(name.name.clone()), refs);
        let old = self.env.formulas.insert(name.name.clone(), (Rc::clone(e), text.clone()));
        let old_value = self.env.remove_value(&name.name);
        self.invalidate(&name.name);
        // The formula is shown as written (its expansion can be as long as
        // the whole chain it stands on), with its value when it has one.
        let draws = self.rng.clone();
        let described = self.lower_expr(e, src).and_then(|id| {
            self.memo.remember_formula(&name.name, id);
            let mut item = Item {
                expr: Some(text.trim().to_string()),
                shape: Some(self.graph.shape(id).to_vec()),
                ..Item::default()
            };
            item.pretty = item.expr.clone();
            if self.closed(id) {
                let (mut values, warnings) = self.evaluate(&[id], e.span)?;
                item.value = values.pop();
                item.warnings = warnings;
            }
            Ok(item)
        });
        let mut item = match described {
            Ok(item) => item,
            Err(err) => {
                // Refused: leave the bindings as they were.
                match old {
                    Some(o) => self.env.formulas.insert(name.name.clone(), o),
                    None => self.env.formulas.remove(&name.name),
                };
                if let Some(v) = old_value {
                    self.env.set_value(name.name.clone(), v);
                }
                self.invalidate(&name.name);
                return Err(err);
            }
        };
        self.env.draws.insert(Ref::Name(name.name.clone()), draws);
        item.kind = ItemKind::Formula;
        item.name = Some(name.name.clone());
        Ok(item)
    }

    /// A path `name → … → name` if binding `name` to `e` (which refers to
    /// `to`) makes a cycle. The reverse index answers "no" at once for a
    /// fresh name (so a chain of 10,000 formulas binds in linear time); a
    /// possible cycle is then confirmed by walking forward from `e`.
    fn cycle(&self, name: &str, e: &Expr, to: &[RefTo<'_>]) -> Option<String> {
        let target = RefTo::Name(name);
        let possible = if self.deps.direct(target).is_empty() {
            // Nothing refers to `name`: only `e` naming it closes a cycle.
            to.contains(&target)
        } else {
            let dependents = self.deps.closure(target);
            to.iter().any(|r| dependents.contains(&r.owned()))
        };
        if !possible {
            return None;
        }
        let mut seen: HashSet<Ref> = HashSet::default();
        let mut stack: Vec<(Ref, String)> = refs(e)
            .into_iter()
            .map(|r| {
                let p = label(&r);
                (r, p)
            })
            .collect();
        while let Some((r, path)) = stack.pop() {
            if r == Ref::Name(name.to_string()) {
                return Some(format!("{name} → {path}"));
            }
            if !seen.insert(r.clone()) {
                continue;
            }
            let next = match &r {
                Ref::Name(n) => self.env.formulas.get(n).map(|(e, _)| refs(e)),
                Ref::Result(k) => k.checked_sub(1).and_then(|k| self.env.results.get(k)).map(|rc| refs(rc.expr().0)),
            };
            for r2 in next.unwrap_or_default() {
                let p = format!("{path} → {}", label(&r2));
                stack.push((r2, p));
            }
        }
        None
    }

    /// `ans = VALUE` when the last result has just become closed.
    fn ans_if_newly_closed(&mut self, src: &str) -> Result<Option<Item>> {
        let was = self.last_closed;
        let Some(id) = self.last_result(src).ok().flatten() else {
            return Ok(None);
        };
        let now = self.closed(id);
        self.last_closed = now;
        if was || !now {
            return Ok(None);
        }
        let (mut values, warnings) = match self.evaluate(&[id], Span::default()) {
            Ok(v) => v,
            // Said, not left out: the value it now should have fails.
            Err(e) => (vec![], vec![format!("ans has no value: {}", e.message)]),
        };
        Ok(Some(Item {
            kind: ItemKind::Ans,
            name: Some("ans".into()),
            number: Some(self.env.results.len()),
            expr: Some(print(&self.graph, id, Style::Plain)),
            pretty: self.pretty(id),
            shape: Some(self.graph.shape(id).to_vec()),
            value: values.pop(),
            warnings,
            ..Item::default()
        }))
    }

    pub(super) fn declare(&mut self, decls: &[VarDecl], src: &str) -> Result<Vec<Item>> {
        // Every shape first: a bad one declares nothing.
        let mut shapes = Vec::with_capacity(decls.len());
        for d in decls {
            self.check_bindable(&d.name)?;
            let mut shape = Vec::new();
            for e in &d.dims {
                let id = self.lower_expr(e, src)?;
                let n = constant_int(&self.graph, id, e.span, "a dimension")?;
                if n < 1 {
                    return Err(Error::usage(e.span, format!("a dimension must be positive, got {n}")));
                }
                shape.push(n as usize);
            }
            shapes.push(shape);
        }
        let mut items = Vec::new();
        for (d, shape) in decls.iter().zip(shapes) {
            let name = &d.name.name;
            // Declaring drops a value or a formula: said, not done unseen.
            let dropped = if self.env.remove_value(name).is_some() {
                Some("value")
            } else if self.env.formulas.remove(name).is_some() {
                Some("formula")
            } else {
                None
            };
            self.env.decls.insert(name.clone(), shape.clone());
            self.invalidate(name);
            items.push(Item {
                kind: ItemKind::Silent,
                name: Some(name.clone()),
                shape: Some(shape.clone()),
                text: Some(format!("{name} : {}", show(&shape))),
                warnings: dropped
                    .map(|what| format!("`{name}` had a {what}; it is now a variable of shape {}", show(&shape)))
                    .into_iter()
                    .collect(),
                ..Item::default()
            });
        }
        Ok(items)
    }

    pub(super) fn define(&mut self, name: &Ident, params: &[Ident], body: &Expr, src: &str) -> Result<Vec<Item>> {
        if crate::lower::is_builtin(&name.name) || name.name == "pi" || name.name == "ans" {
            return Err(Error::name(name.span, format!("`{}` is built in and cannot be redefined", name.name)));
        }
        let n = name.name.as_str();
        if self.env.has_value(n) || self.env.formulas.contains_key(n) || self.env.decls.contains_key(n) {
            // Replacing it would drop the variable's binding unseen.
            return Err(Error::name(
                name.span,
                format!("`{n}` is a variable; `:unlet {n}` first to make it a function"),
            ));
        }
        let mut seen = HashSet::default();
        for p in params {
            if crate::lower::is_builtin(&p.name) || p.name == "pi" {
                return Err(Error::name(p.span, format!("`{}` is built in and cannot be a parameter", p.name)));
            }
            if !seen.insert(p.name.as_str()) {
                return Err(Error::name(p.span, format!("parameter `{}` appears twice", p.name)));
            }
        }
        let f = UserFn {
            params: params.iter().map(|p| p.name.clone()).collect(),
            body: pin_ans(body, self.env.results.len()),
            text: src.trim().to_string(),
        };
        // Try the definition on scalar arguments, with itself in place so
        // that recursion shows up now, not at its first use.
        let mut trial = self.env.clone();
        trial.funcs.insert(name.name.clone(), f.clone());
        let call = Expr {
            kind: crate::syntax::ast::ExprKind::Call(
                name.clone(),
                params
                    .iter()
                    .map(|p| Expr {
                        kind: crate::syntax::ast::ExprKind::Name(format!("∂param {}", p.name)),
                        span: p.span,
                    })
                    .collect(),
            ),
            span: name.span,
        };
        let mut memo = crate::lower::Memo::default();
        let mut lw = crate::lower::Lower::new(&mut self.graph, &trial, &mut memo, &mut self.rng, src);
        if let Err(err) = lw.expr(&call)
            && !matches!(err.kind, crate::error::ErrorKind::Shape | crate::error::ErrorKind::Math)
        {
            return Err(err);
        }
        self.graph.reserve_name(&name.name);
        self.env.funcs.insert(name.name.clone(), f);
        self.env.formulas.remove(&name.name);
        self.env.remove_value(&name.name);
        self.invalidate(&name.name);
        let sig: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        Ok(vec![Item {
            kind: ItemKind::Silent,
            name: Some(name.name.clone()),
            text: Some(format!("{}({})", name.name, sig.join(", "))),
            ..Item::default()
        }])
    }

    pub(super) fn eval_stmt(&mut self, e: Option<&Expr>, src: &str) -> Result<Vec<Item>> {
        let whole = Span::new(0, src.trim_end().len());
        let (id, span, recipe) = match e {
            Some(e) => {
                let e = pin_ans(e, self.env.results.len());
                let id = self.lower_expr(&e, src)?;
                let text = src.get(e.span.start..e.span.end).unwrap_or("").to_string();
                (id, e.span, Some(Recipe::Expr { expr: e, src: text }))
            }
            None => {
                let id = self
                    .last_result(src)?
                    .ok_or_else(|| Error::usage(whole, "nothing to evaluate: no result so far"))?;
                (id, whole, None)
            }
        };
        self.require_values(id, span, src)?;
        let mut item = self.describe(id, span)?;
        item.number = Some(match recipe {
            Some(r) => self.push_result(r),
            None => self.env.results.len(),
        });
        self.last_closed = true;
        Ok(vec![item])
    }

    pub(super) fn simplify(&mut self, e: &Expr, src: &str) -> Result<Vec<Item>> {
        let e = pin_ans(e, self.env.results.len());
        // The form alone (SPEC §3): no value and no result number, so `ans`
        // still names the last result.
        let id = self.lower_expr(&e, src)?;
        Ok(vec![Item {
            expr: Some(print(&self.graph, id, Style::Plain)),
            pretty: self.pretty(id),
            shape: Some(self.graph.shape(id).to_vec()),
            ..Item::default()
        }])
    }

    pub(super) fn vars(&self) -> Item {
        let mut lines = Vec::new();
        let mut names: Vec<&String> = self
            .env
            .value_names()
            .chain(self.env.formulas.keys())
            .chain(self.env.decls.keys())
            .chain(self.env.funcs.keys())
            .collect();
        names.sort();
        names.dedup();
        for n in names {
            if let Some(v) = self.env.value(n) {
                let shown = crate::eval::format::format_value(v).replace('\n', "\n    ");
                lines.push(format!("{n} = {shown}"));
            } else if let Some((_, text)) = self.env.formulas.get(n) {
                lines.push(format!("{n} := {text}"));
            } else if let Some(s) = self.env.decls.get(n) {
                lines.push(format!("{n} : {}", show(s)));
            } else if let Some(f) = self.env.funcs.get(n) {
                lines.push(f.text.clone());
            }
        }
        if lines.is_empty() {
            lines.push("no bindings".into());
        }
        Item::text(lines.join("\n"))
    }

    pub(super) fn unlet(&mut self, names: &[Ident]) -> Result<Vec<Item>> {
        for n in names {
            let k = n.name.as_str();
            let known = self.env.has_value(k)
                || self.env.formulas.contains_key(k)
                || self.env.decls.contains_key(k)
                || self.env.funcs.contains_key(k);
            if !known {
                return Err(Error::name(n.span, format!("`{k}` is not bound")));
            }
            // Without its callee a function cannot be called at all.
            if !self.env.funcs.contains_key(k) {
                continue;
            }
            let removed = |f: &str| names.iter().any(|m| m.name == f);
            let mut callers: Vec<&str> = self
                .env
                .funcs
                .iter()
                .filter(|(f, u)| !removed(f) && refs(&u.body).iter().any(|r| matches!(r, Ref::Name(c) if c == k)))
                .map(|(f, _)| f.as_str())
                .collect();
            callers.sort_unstable();
            if let Some(first) = callers.first() {
                return Err(Error::name(n.span, format!("`{k}` is called by `{}`", callers.join("`, `")))
                    .with_help(format!(":unlet {first} first, or define it again without `{k}`")));
            }
        }
        for n in names {
            let k = n.name.as_str();
            self.env.remove_value(k);
            self.env.formulas.remove(k);
            self.env.decls.remove(k);
            self.env.funcs.remove(k);
            self.invalidate(k);
        }
        Ok(vec![])
    }

    pub(super) fn seed(&mut self, e: &Expr, src: &str) -> Result<Vec<Item>> {
        let id = self.lower_expr(e, src)?;
        let n = constant_int(&self.graph, id, e.span, "a seed")?;
        let n = u64::try_from(n).map_err(|_| Error::usage(e.span, "a seed must not be negative"))?;
        self.rng = crate::eval::data::Rng::new(n);
        Ok(vec![])
    }

    pub(super) fn load(&mut self, path: &PathArg) -> Result<Vec<Item>> {
        let max = crate::limits::get().load_depth;
        if self.load_depth >= max {
            return Err(Error::limit(
                path.span,
                format!(":load nested deeper than {max} (does the script load itself?)"),
            ));
        }
        let file = self.resolve_script(&path.path);
        let text = crate::script::read_script(&file).map_err(|m| Error::io(path.span, m))?;
        self.load_depth += 1;
        let mut items = Vec::new();
        let mut result = Ok(());
        let dir = std::path::Path::new(&file).parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        self.load_dirs.push(dir);
        crate::script::each_parsed(&text, &[], |stmt, parsed| {
            match self.run_parsed(&stmt.text, parsed) {
                Ok(mut more) => {
                    // Every statement is an object in `--json`, named by
                    // its own file and line (a nested `:load` named them).
                    if more.is_empty() {
                        more.push(Item { kind: crate::output::ItemKind::Silent, ..Item::default() });
                    }
                    for item in more.iter_mut().filter(|i| i.source.is_none()) {
                        let input = stmt.text.trim_end().to_string();
                        item.source = Some(crate::output::Source { file: path.path.clone(), line: stmt.line, input });
                    }
                    items.append(&mut more)
                }
                Err(err) => {
                    let (line, col) = crate::script::line_col(&stmt.text, err.span.start);
                    // A nested `:load`'s error names its own place already
                    // (a script loading itself named this one 16 times).
                    let nested = stmt.text.trim_start().starts_with(":load");
                    let (message, inner) = if nested {
                        (err.message.clone(), err.inner.clone())
                    } else {
                        let inner = crate::error::Inner {
                            file: path.path.clone(),
                            text: std::sync::Arc::from(text.as_str()),
                            offset: stmt.offset,
                            span: err.span,
                            message: err.message.clone(),
                        };
                        let message = format!("{}:{}:{}: {}", path.path, stmt.line + line - 1, col, err.message);
                        (message, Some(Box::new(inner)))
                    };
                    result = Err(Error { message, span: path.span, inner, ..err });
                    return std::ops::ControlFlow::Break(());
                }
            }
            if self.quit { std::ops::ControlFlow::Break(()) } else { std::ops::ControlFlow::Continue(()) }
        });
        self.load_depth -= 1;
        self.load_dirs.pop();
        if result.is_err() {
            // A nested `:load`'s partial outputs come after this one's.
            items.append(&mut self.partial);
            self.partial = items;
            return result.map(|_| vec![]);
        }
        Ok(items)
    }

    pub(super) fn save(&mut self, path: &PathArg) -> Result<Vec<Item>> {
        let mut text = self.history.join("\n");
        text.push('\n');
        std::fs::write(&path.path, text).map_err(|e| {
            Error::io(path.span, format!("cannot write `{}`: {}", path.path, crate::script::io_reason(&e)))
        })?;
        let n = self.history.len();
        Ok(vec![Item::text(format!("saved {n} statement{} to {}", if n == 1 { "" } else { "s" }, path.path))])
    }
}

fn label(r: &Ref) -> String {
    match r {
        Ref::Name(n) => n.clone(),
        Ref::Result(k) => format!("${k}"),
    }
}

/// A bare `exit`, `quit` or `help` (IPython's and Python's habits) is a
/// symbol like any other name; a warning says how to leave or get help.
fn leaving_habit(e: &Expr, bound: impl Fn(&str) -> bool) -> Option<String> {
    let ExprKind::Name(n) = &e.kind else { return None };
    let what = match n.as_str() {
        "exit" | "quit" => "`:quit` (or Ctrl-D) leaves",
        "help" => "`:help` lists the commands",
        _ => return None,
    };
    (!bound(n)).then(|| format!("`{n}` is a symbol here; {what}"))
}
