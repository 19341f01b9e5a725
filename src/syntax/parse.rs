//! The bridge between text and the generated parser: the public entry
//! points (`parse_statement`, `parse_expr`, `is_incomplete`), the raw file
//! arguments that are not tokens (`:load`, `:save`, `:help`, `> FILE`), the
//! nesting limit checked on the token stream before parsing, and the
//! translation of LALRPOP's errors into our [`Error`]. The grammar itself is
//! all in `grammar/symgrad.lalrpop`; nothing here parses expressions.

use super::ast::{BinOp, Expr, ExprKind, Ident, PathArg, Stmt};
use super::grammar::{ExprParser, StmtParser};
use super::lexer::{Cmd, Lexer, Tok};
use crate::error::{Error, Span};
use lalrpop_util::ParseError;

/// The deepest nesting accepted, counted on tokens: each open bracket and
/// each operator that sits above others in the tree (`-`, `^`, `+`, `'`,
/// indexing ...) is one level. Comma-separated items are siblings and do
/// not add up. The limit keeps every recursive walk of the AST (drop,
/// lowering, printing) far from the stack's end; 1,000 levels always work.
pub const MAX_DEPTH: usize = 2000;

/// How many `:time`/`:timeit` may wrap one statement. More is never useful
/// and each one is a recursive call here.
const MAX_TIME_NESTING: usize = 8;

/// Builds an expression node (used by the grammar's actions), boxed: the
/// parser's stack then moves a pointer, not the node (see the grammar's
/// head comment).
pub(crate) fn node(kind: ExprKind, l: usize, r: usize) -> Box<Expr> {
    Box::new(Expr { kind, span: Span::new(l, r) })
}

/// Builds a binary node (used by the grammar's actions); the operands'
/// boxes become the node's.
pub(crate) fn bin(op: BinOp, a: Box<Expr>, b: Box<Expr>, l: usize, r: usize) -> Box<Expr> {
    node(ExprKind::Binary(op, a, b), l, r)
}

/// A list of the grammar's boxed expressions as the AST keeps it.
// The boxes are the grammar's (small parser symbols); here they end.
#[allow(clippy::vec_box)]
pub(crate) fn unbox_all(items: Vec<Box<Expr>>) -> Vec<Expr> {
    items.into_iter().map(|e| *e).collect()
}

/// `items` and then `last`, unboxed: a call's arguments.
#[allow(clippy::vec_box)]
pub(crate) fn unbox_list(items: Vec<Box<Expr>>, last: Option<Box<Expr>>) -> Vec<Expr> {
    let mut out = Vec::with_capacity(items.len() + usize::from(last.is_some()));
    out.extend(items.into_iter().chain(last).map(|e| *e));
    out
}

/// Bindings (`:let`, `where`) from the grammar's boxed expressions.
pub(crate) fn unbox_binds(binds: Vec<(Ident, Box<Expr>)>) -> Vec<(Ident, Expr)> {
    binds.into_iter().map(|(name, e)| (name, *e)).collect()
}

/// Parses one statement: a line, or several lines while a bracket is open.
pub fn parse_statement(src: &str) -> Result<Stmt, Error> {
    statement_at(src, 0, 0).map_err(|e| habit(src, e))
}

/// Advice for a syntax error that habits from other systems make:
/// `x = 2` (Python), `x**2`.
fn habit(src: &str, e: Error) -> Error {
    if e.kind != crate::error::ErrorKind::Syntax || e.help.is_some() {
        return e;
    }
    let at = src.get(e.span.start..).unwrap_or("");
    let before = src.get(..e.span.start).unwrap_or("");
    let help = if at.starts_with("==") {
        "there are no comparisons (`==`); `:let x = …` binds a name".to_string()
    } else if after_wrt(before) {
        // SPEC §4: the error says what was given instead of a variable.
        let after = src.get(e.span.end..).unwrap_or("").trim_start();
        let number = at.starts_with(|c: char| c.is_ascii_digit() || c == '.');
        let what = if number && (after.is_empty() || after.starts_with(',')) {
            "a number"
        } else if number || at.starts_with(['(', '[', '-']) {
            "an expression"
        } else {
            return e.with_help("`wrt` takes the names of variables: `:grad f wrt x, y`");
        };
        let message = format!("`wrt` needs the names of variables, not {what}");
        return Error { message, ..e }.with_help("`:grad f wrt x, y`");
    } else if at.starts_with('=') && !src.trim_start().starts_with(':') {
        let name = before.trim();
        let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        let keyword = name.rsplit(['(', ',']).next().map(str::trim);
        let call = name.strip_suffix(')').and_then(|n| n.split_once('('));
        if word(name) {
            format!("to bind a name: `:let {name} = …`")
        } else if let Some((f, _)) = call.filter(|(f, args)| word(f) && !args.contains('(')) {
            format!("to define a function: `:def {f}(…) = …`")
        } else if name.contains('(') && keyword.is_some_and(word) {
            "arguments are positional, without names: `sum(x, 0)` sums over axis 0".to_string()
        } else {
            return e;
        }
    } else if at.starts_with('*') && src.get(..e.span.start).is_some_and(|b| b.ends_with('*')) {
        "powers are written `^`: `x^2`".to_string()
    } else {
        return e;
    };
    e.with_help(help)
}

/// Whether `before` ends inside a `wrt` list (`… wrt`, `… wrt x,`,
/// `… wrt sin` before a `(`).
fn after_wrt(before: &str) -> bool {
    let Some(k) = before.rfind(" wrt") else { return false };
    let list = before.get(k + 4..).unwrap_or("");
    list.chars().all(|c| c.is_alphanumeric() || c == '_' || c == ',' || c.is_whitespace())
}

/// Parses one expression (with an optional `where` clause), nothing else.
pub fn parse_expr(src: &str) -> Result<Expr, Error> {
    let (tokens, error) = lex(src, 0);
    check_depth(&tokens)?;
    let stream = tokens.into_iter().map(Ok).chain(error.map(Err));
    ExprParser::new().parse(stream).map(|e| *e).map_err(|e| parse_error(src, src.len(), e))
}

/// True when a `(` or `[` is still open at the end of `src` (brackets in
/// comments, strings and raw file names do not count), so that the caller
/// reads the next line into the same statement.
pub fn is_incomplete(src: &str) -> bool {
    // Only an open bracket continues a statement; most lines have none.
    src.contains(['(', '[']) && open_brackets(src).is_some_and(|open| !open.is_empty())
}

/// The brackets still open at the end of `src`, innermost last (byte
/// offset and bracket); `None` when none can be (an unmatched closer, an
/// error already, or a command whose argument is raw text).
fn open_brackets(src: &str) -> Option<Vec<(usize, char)>> {
    let mut walk = Brackets::new();
    walk.feed(src, 0);
    (!walk.dead).then_some(walk.open)
}

/// The brackets open in a statement read piece by piece (a script's
/// lines: no token spans a line, so a line lexed alone gives the tokens it
/// gives in the whole), counted as `is_incomplete` counts them.
pub struct Brackets {
    /// Open brackets, innermost last.
    open: Vec<(usize, char)>,
    /// No bracket can be open: an unmatched closer, or a command whose
    /// argument is raw text.
    dead: bool,
    /// A `>` ended the count: a raw file name follows it.
    stopped: bool,
    /// Before the statement's first token.
    first: bool,
}

impl Default for Brackets {
    fn default() -> Self {
        Self::new()
    }
}

impl Brackets {
    pub fn new() -> Brackets {
        Brackets { open: Vec::new(), dead: false, stopped: false, first: true }
    }

    /// Whether a bracket is open (`is_incomplete` of the text fed so far).
    pub fn is_open(&self) -> bool {
        !self.dead && !self.open.is_empty()
    }

    /// Counts the brackets of `text`, which starts at byte `offset` of the
    /// statement.
    pub fn feed(&mut self, text: &str, offset: usize) {
        if self.dead || self.stopped {
            return;
        }
        let mut lex = Lexer::new(text, offset);
        while let Some(tok) = lex.next() {
            let Ok((at, tok, end)) = tok else { continue };
            match tok {
                Tok::Cmd(Cmd::Load | Cmd::Save | Cmd::Help) if self.first => {
                    self.dead = true;
                    return;
                }
                // The statement after `:time` starts afresh (its own command).
                Tok::Cmd(Cmd::Time | Cmd::Timeit) if self.first => {
                    lex = Lexer::new(text.get(end - offset..).unwrap_or(""), end);
                    continue;
                }
                Tok::LParen => self.open.push((at, '(')),
                Tok::LBracket => self.open.push((at, '[')),
                // A closer closes the innermost bracket, or nothing: dead.
                Tok::RParen | Tok::RBracket if self.open.pop().is_none() => {
                    self.dead = true;
                    return;
                }
                // What follows `>` is a raw file name.
                Tok::Gt => {
                    self.stopped = true;
                    return;
                }
                _ => {}
            }
            self.first = false;
        }
    }
}

/// Whether a line typed at the prompt waits for more: a bracket is open
/// (`is_incomplete`) and the text so far could still become a statement,
/// its first syntax error being the end of input. An error before the end
/// cannot be mended by what is typed next (the parser stops at the first
/// token no statement can continue with), so it is reported at once, as
/// Python's prompt does, instead of swallowing the following lines.
pub fn awaits_more(src: &str) -> bool {
    // Most lines have no open bracket: no parse.
    is_incomplete(src) && parse_statement(src).is_err_and(|e| at_end(src, &e))
}

/// Whether `e`, the error of parsing `src`, only says that `src` stops
/// early: a bracket is open and the error is at the end.
pub fn unfinished(src: &str, e: &Error) -> bool {
    at_end(src, e) && is_incomplete(src)
}

fn at_end(src: &str, e: &Error) -> bool {
    e.span.start >= src.trim_end().len()
}

/// The statement that starts at byte `start` of `src` and runs to its end;
/// `nesting` counts the `:time`s around it.
fn statement_at(src: &str, start: usize, nesting: usize) -> Result<Stmt, Error> {
    let text = src.get(start..).unwrap_or("");
    let mut lex = Lexer::new(text, start);
    let Some(first) = lex.next() else {
        return Ok(Stmt::Empty);
    };
    let (cmd_start, cmd, cmd_end) = match first {
        Ok((s, Tok::Cmd(c), e)) => (s, c, e),
        // Not a command, or a lexical error the parser will report.
        _ => return grammar(src, start, src.len()),
    };
    let cmd_span = Span::new(cmd_start, cmd_end);
    match cmd {
        Cmd::Load | Cmd::Save => {
            let path = raw_arg(src, cmd_end)?.ok_or_else(|| {
                Error::syntax(Span::new(cmd_end, cmd_end), "expected a file name")
                    .with_help(format!("`:{} FILE`", cmd.name()))
            })?;
            Ok(if cmd == Cmd::Load { Stmt::Load(path) } else { Stmt::Save(path) })
        }
        Cmd::Help => Ok(Stmt::Help(raw_arg(src, cmd_end)?.map(|p| p.path))),
        Cmd::Time | Cmd::Timeit => {
            if nesting >= MAX_TIME_NESTING {
                return Err(Error::limit(cmd_span, "too many nested `:time`s"));
            }
            let inner = statement_at(src, cmd_end, nesting + 1)?;
            if inner == Stmt::Empty {
                return Err(Error::syntax(
                    Span::new(src.len(), src.len()),
                    format!("expected a statement after `:{}`", cmd.name()),
                ));
            }
            Ok(if cmd == Cmd::Time { Stmt::Time(Box::new(inner)) } else { Stmt::Timeit(Box::new(inner)) })
        }
        Cmd::Dot | Cmd::Codegen => {
            // `>` is no operator of the language: the first one ends the
            // grammar's part, and the raw file name follows it.
            let gt = lex.map_while(Result::ok).find(|(_, t, _)| *t == Tok::Gt);
            let Some((gt_start, _, gt_end)) = gt else {
                return grammar(src, start, src.len());
            };
            let mut stmt = grammar(src, start, gt_start)?;
            let path = raw_arg(src, gt_end)?
                .ok_or_else(|| Error::syntax(Span::new(gt_end, gt_end), "expected a file name after `>`"))?;
            if let Stmt::Dot { out, .. } | Stmt::Codegen { out, .. } = &mut stmt {
                *out = Some(path);
            }
            Ok(stmt)
        }
        _ => grammar(src, start, src.len()),
    }
}

/// Runs the generated parser on `src[start..end]` (spans stay relative to
/// the whole `src`).
fn grammar(src: &str, start: usize, end: usize) -> Result<Stmt, Error> {
    let text = src.get(start..end).unwrap_or("");
    let (tokens, error) = lex(text, start);
    check_depth(&tokens)?;
    let stream = tokens.into_iter().map(Ok).chain(error.map(Err));
    StmtParser::new().parse(stream).map(|s| *s).map_err(|e| parse_error(src, end, e))
}

/// The tokens of `text` (which starts at byte `start`), lexed once for
/// the depth check and the parser; a lexical error ends them (the parser
/// reports it where it stands).
fn lex(text: &str, start: usize) -> (Vec<(usize, Tok, usize)>, Option<Error>) {
    // Room for a token every 2 bytes (`sin(x) + cos(x)` has one every 1.5,
    // longer names fewer) spares most statements the vector's regrowing.
    let mut tokens = Vec::with_capacity(text.len() / 2 + 4);
    for t in Lexer::new(text, start) {
        match t {
            Ok(t) => tokens.push(t),
            Err(e) => return (tokens, Some(e)),
        }
    }
    (tokens, None)
}

/// A raw argument after a command: the rest of the line from byte `from`,
/// trimmed, with surrounding double quotes removed. A `#` comment may follow
/// (after a quoted name, or after blanks); `None` when there is nothing.
fn raw_arg(src: &str, from: usize) -> Result<Option<PathArg>, Error> {
    let rest = src.get(from..).unwrap_or("");
    let line_len = rest.find('\n').unwrap_or(rest.len());
    let line = rest.get(..line_len).unwrap_or("");
    // Later lines (when the caller joined several) may hold only comments.
    let after = from + line_len;
    if let Some(extra) = Lexer::new(src.get(after..).unwrap_or(""), after).next() {
        let span = match extra {
            Ok((s, _, e)) => Span::new(s, e),
            Err(e) => e.span,
        };
        return Err(Error::syntax(span, "unexpected text after the file name"));
    }
    let lead = line.len() - line.trim_start().len();
    let body = line.trim_start();
    let at = from + lead;
    if let Some(quoted) = body.strip_prefix('"') {
        let Some(close) = quoted.find('"') else {
            return Err(Error::syntax(Span::new(at, at + line.trim_end().len() - lead), "unterminated string")
                .with_help("a quoted file name ends with `\"`"));
        };
        let tail = quoted.get(close + 1..).unwrap_or("").trim_start();
        if !tail.is_empty() && !tail.starts_with('#') {
            let t = at + 1 + close + 1 + (quoted.len() - close - 1 - tail.len());
            return Err(Error::syntax(Span::new(t, at + body.trim_end().len()), "unexpected text after the file name")
                .with_help("quote a file name that has blanks or `#`"));
        }
        let path = quoted.get(..close).unwrap_or("");
        if path.is_empty() {
            return Ok(None);
        }
        return Ok(Some(PathArg { path: path.to_string(), span: Span::new(at + 1, at + 1 + close) }));
    }
    // Unquoted: a `#` at the start or after a blank begins a comment.
    let bytes = body.as_bytes();
    let comment = (0..bytes.len())
        .find(|&i| bytes.get(i) == Some(&b'#') && (i == 0 || bytes.get(i - 1).is_some_and(u8::is_ascii_whitespace)));
    let path = body.get(..comment.unwrap_or(body.len())).unwrap_or("").trim_end();
    if path.is_empty() {
        return Ok(None);
    }
    Ok(Some(PathArg { path: path.to_string(), span: Span::new(at, at + path.len()) }))
}

/// Refuses nesting deeper than [`MAX_DEPTH`] before anything is built.
///
/// For each open bracket the walk keeps an upper bound of the depth of the
/// tree that the text so far can make: operators in the current
/// comma-separated item, plus the deepest bracket closed in it, plus the
/// brackets and operators around it. The error points at the token that
/// passes the limit (an opening bracket or an operator).
/// Operators of a `+ - * /` chain that count as one level of nesting.
const CHAIN_PER_LEVEL: usize = 64;

fn check_depth(tokens: &[(usize, Tok, usize)]) -> Result<(), Error> {
    #[derive(Default)]
    struct Frame {
        /// Levels above this bracket's contents.
        base: usize,
        /// 1 once `where` was seen: its node is above every binding.
        extra: usize,
        /// Operators in the current item.
        ops: usize,
        /// `+ - * /` in the current item: a chain of them is lowered as one
        /// sum or product, iteratively, so only the syntax tree's walks go
        /// as deep, in small frames (100,000 terms ran in a 1 GiB stack's
        /// first megabytes): `CHAIN_PER_LEVEL` of them count as a level.
        chain: usize,
        /// Deepest term of the chain so far (`ops` and `child` are the
        /// current term's: `x^1 + x^2` is as deep as its chain and one `^`).
        term: usize,
        /// Deepest bracket closed in the current item, with its bracket.
        child: usize,
        /// Deepest finished item.
        done: usize,
    }
    impl Frame {
        fn item(&self) -> usize {
            self.extra + self.chain.div_ceil(CHAIN_PER_LEVEL) + self.term.max(self.ops + self.child)
        }
    }
    let max = crate::limits::get().depth;
    let mut frames = vec![Frame::default()];
    // Whether the previous token ends an operand, so that `[` indexes it.
    let mut after_operand = false;
    for (start, tok, end) in tokens {
        let (start, end) = (*start, *end);
        let Some(top) = frames.last_mut() else { break };
        let ends_operand = matches!(
            tok,
            Tok::Num(_) | Tok::Name(_) | Tok::Str(_) | Tok::ResultRef(_) | Tok::RParen | Tok::RBracket | Tok::Quote
        );
        match tok {
            // A sign (`--x`) nests for real: no operand before it.
            Tok::Minus | Tok::Plus if !after_operand => top.ops += 1,
            Tok::Plus | Tok::Minus | Tok::Star | Tok::Slash => {
                top.chain += 1;
                top.term = top.term.max(top.ops + top.child);
                (top.ops, top.child) = (0, 0);
            }
            Tok::At | Tok::Caret | Tok::Quote => top.ops += 1,
            Tok::Where => top.extra = 1,
            Tok::Comma => {
                top.done = top.done.max(top.item());
                top.ops = 0;
                top.chain = 0;
                top.term = 0;
                top.child = 0;
            }
            Tok::LParen | Tok::LBracket => {
                if *tok == Tok::LBracket && after_operand {
                    top.ops += 1;
                }
                let base = top.base + top.extra + top.chain.div_ceil(CHAIN_PER_LEVEL) + top.ops + 1;
                frames.push(Frame { base, ..Frame::default() });
            }
            // An unmatched closer leaves the outermost frame: the parser
            // reports it.
            Tok::RParen | Tok::RBracket if frames.len() > 1 => {
                if let Some(inner) = frames.pop() {
                    let val = inner.done.max(inner.item()) + 1;
                    if let Some(top) = frames.last_mut() {
                        top.child = top.child.max(val);
                    }
                }
            }
            _ => {}
        }
        after_operand = ends_operand;
        if let Some(top) = frames.last()
            && top.base + top.item() > max
        {
            return Err(Error::limit(
                Span::new(start, end),
                format!("expression nested too deeply (more than {max} levels)"),
            )
            .with_help(
                "brackets, powers and signs each add a level, and every 64 operators of a `+ - * /` chain; \
                 split the expression with `:let`, or raise the limit: `--limit depth=N`",
            ));
        }
    }
    Ok(())
}

/// Turns LALRPOP's error into ours: what was found, what was expected, in
/// plain words. `eof` is where the parsed text ended (the end of the
/// statement, or the `>` of `:dot ... > FILE`).
fn parse_error(src: &str, eof: usize, e: ParseError<usize, Tok, Error>) -> Error {
    match e {
        ParseError::User { error } => error,
        ParseError::InvalidToken { location } => Error::syntax(Span::new(location, location), "invalid token"),
        ParseError::UnrecognizedEof { expected, .. } => {
            let found = if src.get(eof..).is_some_and(|s| s.starts_with('>')) { "`>`" } else { "end of input" };
            let e = Error::syntax(Span::new(eof, eof), format!("unexpected {found}{}", expecting(&expected)));
            match open_brackets(src.get(..eof).unwrap_or(src)).and_then(|mut open| open.pop()) {
                Some((at, b)) => {
                    // Lines are the statement's own: its first is the line
                    // the error names, or one above when it ends a line.
                    let (line, col) = crate::script::line_col(src, at);
                    let (last, _) = crate::script::line_col(src, eof);
                    let place = match last.saturating_sub(line) {
                        0 => format!("at column {col}"),
                        1 => format!("at column {col} of the line above"),
                        n => format!("at column {col}, {n} lines above"),
                    };
                    e.with_help(format!("the `{b}` {place} is not closed"))
                }
                None => e,
            }
        }
        ParseError::UnrecognizedToken { token: (l, _, r), expected } => {
            Error::syntax(Span::new(l, r), format!("unexpected {}{}", quote_source(src, l, r), expecting(&expected)))
        }
        ParseError::ExtraToken { token: (l, _, r) } => {
            Error::syntax(Span::new(l, r), format!("unexpected {}; expected end of input", quote_source(src, l, r)))
        }
    }
}

/// The text of a token, in backticks, shortened when long.
fn quote_source(src: &str, l: usize, r: usize) -> String {
    let text = src.get(l..r).unwrap_or("?");
    let short: String = text.chars().take(24).collect();
    if short.len() < text.len() { format!("`{short}…`") } else { format!("`{short}`") }
}

/// `; expected A, B or C` from LALRPOP's terminal names, with the tokens
/// that start an expression folded into "an expression" and the operators
/// into "an operator". LALRPOP reports the lookahead of the state where it
/// stopped, after default reductions: past `x*y` it may list only `+` and
/// `-`, although every operator fits there. A `+` is only ever expected
/// after a complete operand, so it stands for all of them.
fn expecting(expected: &[String]) -> String {
    const STARTS: &[&str] = &["Num", "Name", "Str", "ResultRef", "\"(\"", "\"[\"", "\"-\""];
    const OPERATORS: &[&str] = &["\"+\"", "\"-\"", "\"*\"", "\"/\"", "\"@\"", "\"^\"", "\"'\"", "\"[\""];
    let has = |t: &str| expected.iter().any(|e| e == t);
    let starts = has("Num");
    let operators = !starts && has("\"+\"");
    let mut words: Vec<String> = Vec::new();
    if starts {
        words.push("an expression".into());
    }
    if operators {
        words.push("an operator".into());
    }
    for term in expected {
        let t = term.as_str();
        if (starts && STARTS.contains(&t)) || (operators && OPERATORS.contains(&t)) {
            continue;
        }
        let word = match t {
            "Num" => "a number".to_string(),
            "Name" => "a name".to_string(),
            "Str" => "a string".to_string(),
            "ResultRef" => "a result such as `$1`".to_string(),
            _ => format!("`{}`", t.trim_matches('"')),
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    const SHOWN: usize = 6;
    let more = words.len() > SHOWN;
    words.truncate(SHOWN);
    if more {
        words.push("…".into());
    }
    match words.split_last() {
        // LALRPOP leaves the end of input out of its lists: an empty list
        // means that only the end could follow.
        None => "; expected end of input".to_string(),
        Some((last, [])) => format!("; expected {last}"),
        Some((last, init)) => format!("; expected {} or {last}", init.join(", ")),
    }
}
