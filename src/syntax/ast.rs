//! The syntax tree of one statement, as the grammar builds it. Every node
//! keeps the byte span of its text so that later errors can point at it.
//! Nothing here is evaluated or simplified: `lower` turns expressions into
//! graph nodes.

use crate::error::Span;
use num_rational::BigRational;

/// A name as written, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `@`, matrix product.
    MatMul,
    /// `^`, right-associative.
    Pow,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A numeric literal, exact: `1.2` is 6/5.
    Num(BigRational),
    /// A string literal, only meaningful as an argument (`load("x.npy")`).
    Str(String),
    /// A name: a variable, a constant such as `pi`, `ans`, or a where-binding.
    Name(String),
    /// `$N`, the N-th result of the session (1-based).
    Result(usize),
    /// Unary minus.
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// Postfix `'`.
    Transpose(Box<Expr>),
    /// `f(a, b)`; the callee keeps its own span for "unknown function" errors.
    Call(Ident, Vec<Expr>),
    /// `[a, b, c]`: elements of equal shape stacked along a new first axis.
    Tensor(Vec<Expr>),
    /// `x[i, j:k]`.
    Index(Box<Expr>, Vec<IndexItem>),
    /// `e where t1 = ..., t2 = ...`: local bindings, in any order.
    Where(Box<Expr>, Vec<(Ident, Expr)>),
}

/// One position inside `[...]` of an indexing expression.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexItem {
    /// `i`: selects one position and drops the axis.
    At(Expr),
    /// `start:stop:step`, each part optional (`:` alone is the whole axis).
    Slice { start: Option<Expr>, stop: Option<Expr>, step: Option<Expr>, span: Span },
}

/// A `:var` declaration: `W[3, 2]`, or `x` for a scalar.
#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub name: Ident,
    /// Each dimension as written (must lower to a positive integer).
    pub dims: Vec<Expr>,
}

/// One statement (SPEC §3). A statement is one line, or several while a
/// bracket is open.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Expr(Expr),
    Let(Vec<(Ident, Expr)>),
    Var(Vec<VarDecl>),
    Def {
        name: Ident,
        params: Vec<Ident>,
        body: Expr,
    },
    Grad {
        expr: Expr,
        wrt: Vec<Ident>,
    },
    /// Same meaning as `Grad`; kept apart so that transcripts echo it.
    Jacobian {
        expr: Expr,
        wrt: Vec<Ident>,
    },
    Hessian {
        expr: Expr,
        wrt: Vec<Ident>,
    },
    Eval(Option<Expr>),
    Simplify(Expr),
    Show {
        expr: Option<Expr>,
        wrt: Vec<Ident>,
    },
    Trace {
        expr: Expr,
        wrt: Vec<Ident>,
    },
    Check {
        expr: Expr,
        wrt: Vec<Ident>,
    },
    Latex(Option<Expr>),
    /// `:dot [EXPR [wrt V...]] [> FILE]`
    Dot {
        expr: Option<Expr>,
        wrt: Vec<Ident>,
        out: Option<PathArg>,
    },
    /// `:codegen LANG EXPR wrt V... [> FILE]`
    Codegen {
        lang: Ident,
        expr: Expr,
        wrt: Vec<Ident>,
        out: Option<PathArg>,
    },
    Load(PathArg),
    Save(PathArg),
    Time(Box<Stmt>),
    Timeit(Box<Stmt>),
    Vars,
    Unlet(Vec<Ident>),
    Reset,
    Seed(Expr),
    /// `:help [TOPIC]`; the topic is the raw rest of the line, trimmed.
    Help(Option<String>),
    Quit,
    /// A line with nothing but blanks and comments.
    Empty,
}

/// A file name given to a command: the raw text (quotes removed) and where
/// it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathArg {
    pub path: String,
    pub span: Span,
}
