//! From text to syntax trees: the logos lexer, the LALRPOP grammar, the AST.
pub mod ast;
