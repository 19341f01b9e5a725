//! Statements that check or export: `:check` (in `export/check`), `:latex`,
//! `:dot`, `:codegen`. They lower the expression (and its derivatives) into
//! the session's graph like `:grad` does, but record no numbered result:
//! they are views. `> FILE` writes the text and reports one line.

mod check;

use super::Session;
use crate::codegen::{self, Lang};
use crate::error::{Error, Result, Span};
use crate::graph::NodeId;
use crate::lower::Recipe;
use crate::lower::names::pin_ans;
use crate::output::Item;
use crate::print::{dot, latex};
use crate::syntax::ast::{Expr, ExprKind, Ident, PathArg};

/// The name of the generated function.
const CODEGEN_FN: &str = "compute";

impl Session {
    pub(super) fn check(&mut self, expr: &Expr, wrt: &[Ident], src: &str) -> Result<Vec<Item>> {
        let e = pin_ans(expr, self.env.results.len());
        let f = self.lower_expr(&e, src)?;
        let vars = wrt.iter().map(|v| self.with_lower(src, |lw| lw.variable(v))).collect::<Result<Vec<_>>>()?;
        self.require_values(f, e.span, src)?;
        let ftext = src.get(e.span.start..e.span.end).unwrap_or("f").trim().to_string();
        let mut items = Vec::new();
        for (v, &var) in wrt.iter().zip(&vars) {
            self.require_values(var, v.span, src)?;
            let d = self.with_lower(src, |lw| lw.grad(f, v))?;
            let (sym, _) = self.evaluate(&[d], e.span)?;
            let mut report = check::compare(self, f, var, &v.name, &sym[0], e.span)?;
            let table = report.text.take().unwrap_or_default();
            report.text = Some(format!("∂f/∂{} against central differences, f = {ftext}\n{table}", v.name));
            items.push(report);
        }
        Ok(items)
    }

    pub(super) fn latex(&mut self, expr: Option<&Expr>, src: &str) -> Result<Vec<Item>> {
        let (id, head) = match expr {
            Some(e) => {
                let e = pin_ans(e, self.env.results.len());
                (self.lower_expr(&e, src)?, None)
            }
            None => {
                let whole = Span::new(0, src.trim_end().len());
                let id =
                    self.last_result(src)?.ok_or_else(|| Error::usage(whole, "nothing to show: no result so far"))?;
                (id, self.derivative_head(src)?)
            }
        };
        let body = latex::latex(&self.graph, id);
        let text = match head {
            Some(h) => format!("{h} = {body}"),
            None => body,
        };
        Ok(vec![Item { shape: Some(self.graph.shape(id).to_vec()), ..Item::text(text) }])
    }

    /// `\frac{\partial f}{\partial w}` when the last result is a derivative.
    fn derivative_head(&mut self, src: &str) -> Result<Option<String>> {
        let Some(Recipe::Grad { expr, wrt, .. }) = self.env.results.last().cloned() else {
            return Ok(None);
        };
        let v = latex::name(&wrt.name);
        Ok(Some(match &expr.kind {
            ExprKind::Name(n) => format!("\\frac{{\\partial {}}}{{\\partial {v}}}", latex::name(n)),
            _ => {
                let f = self.lower_expr(&expr, src)?;
                format!("\\frac{{\\partial}}{{\\partial {v}}}\\left({}\\right)", latex::latex_inline(&self.graph, f))
            }
        }))
    }

    pub(super) fn dot(
        &mut self,
        expr: Option<&Expr>,
        wrt: &[Ident],
        out: Option<&PathArg>,
        src: &str,
    ) -> Result<Vec<Item>> {
        let f = match expr {
            Some(e) => {
                let e = pin_ans(e, self.env.results.len());
                self.lower_expr(&e, src)?
            }
            None => {
                let whole = Span::new(0, src.trim_end().len());
                self.last_result(src)?.ok_or_else(|| Error::usage(whole, "nothing to draw: no result so far"))?
            }
        };
        let mut vars = Vec::new();
        for v in wrt {
            vars.push((v.name.clone(), self.with_lower(src, |lw| lw.variable(v))?));
        }
        let mut grads = Vec::new();
        if !wrt.is_empty() {
            if self.graph.shape(f).is_empty() {
                // The book's construction itself: grad_table entries labelled.
                let ids: Vec<NodeId> = vars.iter().map(|(_, id)| *id).collect();
                let one = self.graph.int(1);
                let bp = crate::diff::backprop(&mut self.graph, f, &ids, one)?;
                // The seed grad_table[z] = 1 is left out, as in the book's figure.
                grads = bp.steps.iter().filter(|s| s.node != f).map(|s| (s.node, s.grad)).collect();
            } else {
                for (v, (_, id)) in wrt.iter().zip(&vars) {
                    let d = self.with_lower(src, |lw| lw.grad(f, v))?;
                    grads.push((*id, d));
                }
            }
        }
        let text = dot::dot(&self.graph, f, &grads);
        self.emit(text, out, "DOT")
    }

    pub(super) fn codegen(
        &mut self,
        lang: &Ident,
        expr: &Expr,
        wrt: &[Ident],
        out: Option<&PathArg>,
        src: &str,
    ) -> Result<Vec<Item>> {
        let which = Lang::from_name(&lang.name).ok_or_else(|| {
            Error::usage(
                lang.span,
                format!("no code generation for `{}`; the languages are {}", lang.name, Lang::NAMES),
            )
        })?;
        let e = pin_ans(expr, self.env.results.len());
        let f = self.lower_expr(&e, src)?;
        let mut grads = Vec::new();
        for v in wrt {
            let d = self.with_lower(src, |lw| lw.grad(f, v))?;
            grads.push((v.name.clone(), d));
        }
        let text = codegen::generate(which, &self.graph, CODEGEN_FN, f, &grads);
        self.emit(text, out, &lang.name)
    }

    /// The text as an item, or written to `out` with a one-line report.
    fn emit(&self, text: String, out: Option<&PathArg>, what: &str) -> Result<Vec<Item>> {
        let Some(path) = out else {
            return Ok(vec![Item::text(text.trim_end().to_string())]);
        };
        std::fs::write(&path.path, &text)
            .map_err(|err| Error::io(path.span, format!("cannot write `{}`: {}", path.path, io_reason(&err))))?;
        let lines = text.lines().count();
        let mut item = Item::text(format!("wrote {what} to {} ({lines} lines)", path.path));
        item.file = Some(path.path.clone());
        Ok(vec![item])
    }

    /// The "no value for ..." error of `:eval` when `id` is not closed,
    /// shown at the first missing name where `src` has it within `span`;
    /// a name one typo away from a bound one (`alpah`) is pointed out.
    pub(super) fn require_values(&self, id: NodeId, span: Span, src: &str) -> Result<()> {
        let missing = crate::eval::run::unbound(&self.graph, id, &|n| self.env.has_value(n));
        let Some(first) = missing.first() else { return Ok(()) };
        let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        let them = if missing.len() == 1 { "it a value" } else { "them values" };
        // Sorted, so that a tie is broken the same way every run; names of
        // one or two letters are too close to everything to suggest.
        let mut bound: Vec<String> = self.env.value_names().cloned().collect();
        bound.sort();
        let near = if first.chars().count() > 2 { crate::lower::nearest(first, &bound) } else { None };
        let help = match near {
            Some(near) => format!("did you mean `{near}`? or give {them} with :let, e.g. :let {first} = 1"),
            None => format!("give {them} with :let, e.g. :let {first} = 1"),
        };
        let at = name_span(src, span, first).unwrap_or(span);
        Err(Error::name(at, format!("no value for {}", list.join(", "))).with_help(help))
    }
}

/// Where `name` first stands as a whole word in `src` within `span` (not
/// at all when it comes from a formula bound earlier).
fn name_span(src: &str, span: Span, name: &str) -> Option<Span> {
    let text = src.get(span.start..span.end)?;
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '\'';
    text.match_indices(name).map(|(k, _)| k).find_map(|k| {
        let before = text.get(..k)?.chars().next_back();
        let after = text.get(k + name.len()..)?.chars().next();
        (!before.is_some_and(word) && !after.is_some_and(word))
            .then(|| Span::new(span.start + k, span.start + k + name.len()))
    })
}

/// An I/O error without Rust's "(os error 2)" suffix.
fn io_reason(err: &std::io::Error) -> String {
    let s = err.to_string();
    match s.find(" (os error") {
        Some(k) => s[..k].to_lowercase(),
        None => s.to_lowercase(),
    }
}
