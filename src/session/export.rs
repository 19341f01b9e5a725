//! Statements that check or export: `:check`, `:latex`, `:dot`, `:codegen`.

use super::Session;
use crate::error::{Error, Result, Span};
use crate::output::Item;
use crate::syntax::ast::{Expr, Ident, PathArg};

fn not_yet(src: &str, what: &str) -> Error {
    Error::usage(Span::new(0, src.trim_end().len()), format!("{what} is not available yet"))
}

impl Session {
    pub(super) fn check(&mut self, _expr: &Expr, _wrt: &[Ident], src: &str) -> Result<Vec<Item>> {
        Err(not_yet(src, ":check"))
    }

    pub(super) fn latex(&mut self, _expr: Option<&Expr>, src: &str) -> Result<Vec<Item>> {
        Err(not_yet(src, ":latex"))
    }

    pub(super) fn dot(
        &mut self,
        _expr: Option<&Expr>,
        _wrt: &[Ident],
        _out: Option<&PathArg>,
        src: &str,
    ) -> Result<Vec<Item>> {
        Err(not_yet(src, ":dot"))
    }

    pub(super) fn codegen(
        &mut self,
        _lang: &Ident,
        _expr: &Expr,
        _wrt: &[Ident],
        _out: Option<&PathArg>,
        src: &str,
    ) -> Result<Vec<Item>> {
        Err(not_yet(src, ":codegen"))
    }
}
