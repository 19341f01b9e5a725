//! symgrad: typed expressions become one hash-consed graph; a simplifying
//! symbol-to-symbol differentiator (general back-propagation) adds their
//! derivatives to the same graph. See ARCHITECTURE.md for the code map.
//!
//! Every front end drives a [`session::Session`], one statement at a time:
//!
//! ```
//! let mut session = symgrad::session::Session::new();
//! let items = session.run(":grad sin(x)*x^2 wrt x").expect("a derivative");
//! assert_eq!(items[0].expr.as_deref(), Some("2*x*sin(x) + x^2*cos(x)"));
//! let items = session.run(":let x = 0").expect("a value");
//! assert_eq!(items.last().and_then(|i| i.name.as_deref()), Some("ans"));
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod codegen;
pub mod diag;
pub mod diff;
pub mod error;
pub mod eval;
pub mod expand;
pub mod graph;
pub mod interrupt;
pub mod limits;
pub mod lower;
pub mod ops;
pub mod output;
pub mod print;
pub mod rational;
pub mod repl;
pub mod script;
pub mod session;
pub mod simplify;
pub mod syntax;
pub mod tui;
