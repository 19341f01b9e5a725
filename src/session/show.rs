//! `:show`: the model of the pane (graph, derivative subgraph, values),
//! drawn by the terminal front end, or printed as text without a terminal.

use super::Session;
use crate::error::{Error, Result, Span};
use crate::output::Item;
use crate::syntax::ast::{Expr, Ident};

impl Session {
    pub(super) fn show_text(&mut self, _expr: Option<&Expr>, _wrt: &[Ident], src: &str) -> Result<Vec<Item>> {
        Err(not_yet(src, ":show"))
    }
}

fn not_yet(src: &str, what: &str) -> Error {
    Error::usage(Span::new(0, src.trim_end().len()), format!("{what} is not available yet"))
}
