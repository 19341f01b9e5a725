//! From text to syntax trees: the logos lexer (`lexer`), the LALRPOP grammar
//! (`grammar/symgrad.lalrpop`, generated into `grammar` at build time), the
//! AST (`ast`), and the small bridge that drives them (`parse`).

pub mod ast;
pub mod lexer;
pub mod parse;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_imports, unused_parens, unused_qualifications, dead_code)]
    pub grammar,
    "/symgrad.rs"
);

pub use parse::{MAX_DEPTH, is_incomplete, parse_expr, parse_statement};
