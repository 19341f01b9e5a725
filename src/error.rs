//! The one error type. Every error carries the byte span of the text it is
//! about, within the statement it came from; front ends turn spans into
//! `line:col` and carets (see `diag`).

use std::fmt;

/// A byte range `start..end` in a statement's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// What went wrong, in broad classes (JSON and tests may match on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Text that does not lex or parse.
    Syntax,
    /// A name that is not bound, not a function, or used wrongly.
    Name,
    /// Shapes that do not fit together.
    Shape,
    /// Exact arithmetic that has no answer (division by zero, ...).
    Math,
    /// A configured limit (depth, size, bits) was reached.
    Limit,
    /// A file could not be read or written.
    Io,
    /// A command used with the wrong arguments.
    Usage,
    /// Ctrl-C stopped the computation.
    Interrupted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Span,
    /// An optional hint shown under the message ("did you mean `sigmoid`?").
    pub help: Option<String>,
    /// For an error in a `:load`ed file: where in that file, so that the
    /// diagram shows its line rather than the `:load`.
    pub inner: Option<Box<Inner>>,
}

/// An error's place in a loaded file: the file, its text, and the error's
/// own message and span in it (`span` counts from `offset`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inner {
    pub file: String,
    pub text: std::sync::Arc<str>,
    pub offset: usize,
    pub span: Span,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), span, help: None, inner: None }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }
    pub fn syntax(span: Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Syntax, span, message)
    }
    pub fn name(span: Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Name, span, message)
    }
    pub fn shape(span: Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Shape, span, message)
    }
    pub fn math(span: Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Math, span, message)
    }
    pub fn limit(span: Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Limit, span, message)
    }
    pub fn usage(span: Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, span, message)
    }
    pub fn io(span: Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Io, span, message)
    }
    /// The same error moved to another span (used when an error found deep
    /// inside has no better position than the expression that caused it).
    pub fn at(mut self, span: Span) -> Error {
        self.span = span;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
