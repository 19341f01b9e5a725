//! `:help`: an overview and one topic per command.

use crate::error::{Error, Result, Span};

pub fn help(topic: Option<&str>) -> Result<String> {
    match topic.map(|t| t.trim().trim_start_matches(':')) {
        None | Some("") => Ok(OVERVIEW.trim().to_string()),
        Some(t) => Err(Error::usage(Span::default(), format!("no help on `{t}`"))),
    }
}

const OVERVIEW: &str = "
symgrad: symbolic differentiation
  EXPR                      simplify and print (and its value when every name has one)
  :grad EXPR wrt V[, V...]  derivatives
  :let NAME = EXPR          bind a value or a formula
";
