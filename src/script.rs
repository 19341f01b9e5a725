//! Scripts: splitting a file into statements (a statement is one line, or
//! several while a bracket is open), reading files safely, and positions.

// Input-facing: no indexing that could panic (see src/lib.rs).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::session::Parsed;
use std::ops::ControlFlow;

/// One statement of a script and the line it starts on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub line: usize,
    /// Byte offset of the statement in the whole text.
    pub offset: usize,
    pub text: String,
}

/// Largest script read, in bytes.
pub const MAX_SCRIPT_BYTES: u64 = 16 << 20;

/// The statements of `text`; blank and comment-only lines are skipped.
///
/// An unclosed bracket continues a statement on the next line (SPEC §3)
/// while the lines could still make one statement. A line that cannot go
/// on from there, its first token being a syntax error (`f(x` followed by
/// `x + 1`), starts a statement of its own, and so does the line after a
/// blank one: a missing `)` costs one error, not the rest of the script.
/// A line starting at one of the byte offsets `breaks` (each `-e` of the
/// command line) always starts a statement.
pub fn statements(text: &str, breaks: &[usize]) -> Vec<Statement> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for (k, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let line = line.strip_suffix('\n').unwrap_or(line);
        lines.push(Statement { line: k + 1, offset: start, text: line.strip_suffix('\r').unwrap_or(line).into() });
    }
    // Each `-e` is a line of its own (SPEC §6: the n-th `-e` is line n),
    // whatever newlines the ones before it hold.
    if !breaks.is_empty() {
        for l in &mut lines {
            let (n, start) = which_e(breaks, l.offset);
            l.line = n + text.get(start..l.offset).map_or(0, |t| t.matches('\n').count());
        }
    }
    let mut out = Vec::new();
    let mut rest: &[Statement] = &lines;
    while let Some(first) = rest.first() {
        let t = first.text.trim_start();
        let n = if t.is_empty() || t.starts_with('#') {
            1
        } else {
            let n = statement_lines(rest, breaks);
            let mut stmt = first.clone();
            for line in rest.get(1..n).unwrap_or_default() {
                stmt.text.push('\n');
                stmt.text.push_str(&line.text);
            }
            out.push(stmt);
            n
        };
        rest = rest.get(n..).unwrap_or_default();
    }
    out
}

/// Which `-e` the byte `offset` of the joined `-e`s is in (`breaks`: where
/// each starts), counted from 1, and where that `-e` starts.
fn which_e(breaks: &[usize], offset: usize) -> (usize, usize) {
    let n = breaks.iter().take_while(|&&b| b <= offset).count().max(1);
    (n, breaks.get(n - 1).copied().unwrap_or(0))
}

/// The text an error of `stmt` is shown in, and the statement's offset in
/// it: the script, or for an `-e` its own text as line n of the command
/// line (SPEC §6), whatever newlines the `-e`s before it hold.
fn error_source<'t>(text: &'t str, breaks: &[usize], stmt: &Statement) -> (std::borrow::Cow<'t, str>, usize) {
    if breaks.is_empty() {
        return (std::borrow::Cow::Borrowed(text), stmt.offset);
    }
    let (n, start) = which_e(breaks, stmt.offset);
    let end = breaks.iter().find(|&&b| b > stmt.offset).map_or(text.len(), |&b| b - 1);
    let own = format!("{}{}", "\n".repeat(n - 1), text.get(start..end).unwrap_or(""));
    (std::borrow::Cow::Owned(own), n - 1 + stmt.offset - start)
}

/// How many of `lines` (the first not blank) make its statement. The lines
/// while a bracket is open (up to a blank line, a break or the end) are
/// parsed once, and the first syntax error says where the statement
/// stops: a line whose first token is the error starts a statement of its
/// own; an error inside a line ends the statement with that line. Parsed
/// line by line instead, a matrix written over 3,000 lines took 10 s.
fn statement_lines(lines: &[Statement], breaks: &[usize]) -> usize {
    let mut brackets = crate::syntax::Brackets::new();
    // Where each line starts in the joined text.
    let mut starts = Vec::new();
    let mut joined = String::new();
    for (k, line) in lines.iter().enumerate() {
        if k > 0 {
            let ends = breaks.contains(&line.offset) || line.text.trim().is_empty();
            if ends || !brackets.is_open() {
                break;
            }
            joined.push('\n');
        }
        starts.push(joined.len());
        brackets.feed(&line.text, joined.len());
        joined.push_str(&line.text);
    }
    // One line is its own statement whatever its error: most lines are
    // parsed only once, when they run.
    if starts.len() <= 1 {
        return 1;
    }
    let Some(at) = first_error(&joined, &starts) else { return starts.len() };
    // The line holding the error, and where its first token is.
    let m = line_of(&starts, at);
    let text = lines.get(m).map_or("", |l| l.text.as_str());
    let first_token = starts.get(m).copied().unwrap_or(0) + (text.len() - text.trim_start().len());
    if m > 0 && at == first_token && !text.trim_start().starts_with('#') { m } else { m + 1 }
}

/// The line (by its start in `starts`) that byte `at` is on.
fn line_of(starts: &[usize], at: usize) -> usize {
    starts.partition_point(|&s| s <= at).saturating_sub(1)
}

/// Where the first syntax error of `joined` is, when it is before the end
/// of the text (an error at the end only says that a bracket is open).
/// `starts` are the lines' starts. The depth limit is checked before the
/// grammar, so a syntax error in the lines before the one over the limit
/// comes first.
fn first_error(joined: &str, starts: &[usize]) -> Option<usize> {
    let inside = |text: &str, e: crate::error::Error| (e.span.start < text.trim_end().len()).then_some(e.span.start);
    let e = crate::syntax::parse_statement(joined).err()?;
    let limit = e.kind == crate::error::ErrorKind::Limit;
    let at = inside(joined, e)?;
    let before = starts.get(line_of(starts, at)).and_then(|&s| joined.get(..s.saturating_sub(1)));
    if let Some(before) = before.filter(|b| limit && !b.is_empty()) {
        let earlier = crate::syntax::parse_statement(before).err().and_then(|e| inside(before, e));
        if earlier.is_some() {
            return earlier;
        }
    }
    Some(at)
}

/// Fewest statements worth parsing on a thread of their own.
const PIPELINE_STATEMENTS: usize = 64;

/// Stack of the parsing thread.
const PARSER_STACK: usize = 64 << 20;

/// Statements a script's parsing thread may be ahead by.
const PIPELINE_DEPTH: usize = 256;

/// Calls `run` with each statement of `text` and its parse, in order,
/// until `run` says to stop. Parsing needs no session, so a long script
/// is split and parsed on a second thread while `run` executes the
/// statements before (W1's 10,000 `:let`s spent a quarter of their time
/// in the parser).
pub fn each_parsed(text: &str, breaks: &[usize], mut run: impl FnMut(&Statement, Parsed) -> ControlFlow<()>) {
    let parse = |stmt: Statement| {
        let parsed = Parsed::new(&stmt.text);
        (stmt, parsed)
    };
    if text.lines().nth(PIPELINE_STATEMENTS).is_some() {
        let pipelined = std::thread::scope(|s| {
            let (send, receive) = std::sync::mpsc::sync_channel(PIPELINE_DEPTH);
            let parser = move || {
                for stmt in statements(text, breaks) {
                    // The receiver is gone when `run` stopped: so does parsing.
                    if send.send(parse(stmt)).is_err() {
                        return;
                    }
                }
            };
            // A deep statement's tree is dropped where an error leaves it:
            // room for the nesting limit's recursion, reserved, not touched.
            let thread = std::thread::Builder::new().stack_size(PARSER_STACK);
            if thread.spawn_scoped(s, parser).is_err() {
                return false;
            }
            for (stmt, parsed) in receive {
                if run(&stmt, parsed).is_break() {
                    break;
                }
            }
            true
        });
        if pipelined {
            return;
        }
    }
    // A short script, or no thread to be had: parsed as it runs.
    for (stmt, parsed) in statements(text, breaks).into_iter().map(parse) {
        if run(&stmt, parsed).is_break() {
            return;
        }
    }
}

/// The text of a script file, refused when missing, too big or binary.
pub fn read_script(path: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read `{path}`: {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot read `{path}`: it is a directory"));
    }
    let max = crate::limits::get().script_bytes;
    if meta.len() > max {
        return Err(format!("`{path}` is too large for a script ({} bytes; the limit is {max})", meta.len()));
    }
    // Devices and pipes report no length (`/dev/zero` never ends): read at
    // most one byte past the limit, whatever the metadata said.
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{path}`: {}", io_reason(&e)))?;
    std::io::Read::read_to_end(&mut std::io::Read::take(file, max.saturating_add(1)), &mut bytes)
        .map_err(|e| format!("cannot read `{path}`: {}", io_reason(&e)))?;
    if bytes.len() as u64 > max {
        return Err(format!("`{path}` is too large for a script (more than {max} bytes)"));
    }
    if bytes.contains(&0) {
        return Err(format!("`{path}` is not a text file"));
    }
    utf8(bytes).map_err(|at| format!("`{path}` is not UTF-8 text ({at})"))
}

/// `bytes` as text, or where (line and column) the first byte that is not
/// UTF-8 is.
pub fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let before = e.as_bytes().get(..good).unwrap_or_default();
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |k| k + 1);
        let column = 1 + String::from_utf8_lossy(before.get(start..).unwrap_or_default()).chars().count();
        format!("line {line}, column {column}")
    })
}

/// An I/O error in lower case without the OS error number.
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(k) => s[..k].to_string(),
        None => s,
    };
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// 1-based line and column (in characters) of byte `pos` in `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = text.get(..pos).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_continue_while_brackets_are_open() {
        let s = statements("x + 1\n\n# note\n:let v = [1,\n  2]\ny", &[]);
        let lines: Vec<usize> = s.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![1, 4, 6]);
        assert_eq!(s[1].text, ":let v = [1,\n  2]");
        assert_eq!(s[1].offset, 14);
    }

    #[test]
    fn an_unclosed_bracket_costs_one_statement() {
        let texts = |s: Vec<Statement>| s.into_iter().map(|s| (s.line, s.text)).collect::<Vec<_>>();
        // The next line cannot go on from `f(x`: a statement of its own.
        let s = statements("f(x\nx + 1\ny", &[]);
        assert_eq!(texts(s), vec![(1, "f(x".into()), (2, "x + 1".into()), (3, "y".into())]);
        // A wrong token inside a continued line keeps the lines together.
        let s = statements("[1,\n 2 3]\ny", &[]);
        assert_eq!(texts(s), vec![(1, "[1,\n 2 3]".into()), (3, "y".into())]);
        // A blank line ends it; a break (the next -e) too.
        let s = statements("sin(x\n\n[1,\n2]", &[]);
        assert_eq!(texts(s), vec![(1, "sin(x".into()), (3, "[1,\n2]".into())]);
        let s = statements("sin(x\n[1]", &[0, 6]);
        assert_eq!(texts(s), vec![(1, "sin(x".into()), (2, "[1]".into())]);
        // A line wrong before its end does not wait for more.
        let s = statements("sin(x wrt x\ny", &[]);
        assert_eq!(texts(s), vec![(1, "sin(x wrt x".into()), (2, "y".into())]);
    }

    /// A long script is parsed on another thread: the statements come in
    /// order, parsed as `Parsed::new` parses them, and stop when asked.
    #[test]
    fn a_long_script_is_parsed_ahead_in_order() {
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&match i % 3 {
                0 => format!(":let f{i} = sin(x) + {i}\n"),
                1 => format!(":let v{i} = [1,\n  {i}]\n# note\n"),
                _ => format!("sin(x{i}))\n"),
            });
        }
        let want = statements(&text, &[]);
        let mut seen = vec![];
        each_parsed(&text, &[], |stmt, parsed| {
            assert_eq!(parsed.is_ok(), Parsed::new(&stmt.text).is_ok(), "{}", stmt.text);
            seen.push(stmt.clone());
            ControlFlow::Continue(())
        });
        assert_eq!(seen, want);
        let mut calls = 0;
        each_parsed(&text, &[], |_, _| {
            calls += 1;
            if calls == 7 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        });
        assert_eq!(calls, 7);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_col("λ + €", 5), (1, 5));
        assert_eq!(line_col("a\nbc", 3), (2, 2));
    }
}

/// How a script's results are written.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub json: bool,
    pub keep_going: bool,
    pub render: crate::output::Render,
    /// Colour in error diagrams (stderr is a terminal).
    pub err_color: bool,
    /// Transcript mode: each statement is written before its output, and
    /// errors go to the same stream (golden tests, `--echo`).
    pub echo: bool,
}

/// Runs every statement of `text` (named `name` in messages) and writes the
/// results to `out` and errors to `err`. Returns false when one failed.
pub fn run_text(
    session: &mut crate::session::Session,
    name: &str,
    (text, breaks): (&str, &[usize]),
    opts: Options,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> bool {
    let mut ok = true;
    each_parsed(text, breaks, |stmt, parsed| {
        let result = session.run_parsed(&stmt.text, parsed);
        if opts.echo && !opts.json && writeln!(out, "» {}", stmt.text.replace('\n', "\n… ")).is_err() {
            ok = false;
            return ControlFlow::Break(());
        }
        let written = match &result {
            Ok(items) => write_items(items, stmt, opts, out),
            Err(e) => {
                // Written only when there are some: with none, JSON would
                // get an empty success object before the error.
                let partial = session.take_partial();
                let shown = if partial.is_empty() { Ok(()) } else { write_items(&partial, stmt, opts, out) };
                let (source, offset) = error_source(text, breaks, stmt);
                let origin = crate::diag::Origin { name, source: &source, offset };
                shown.and_then(|()| write_error(e, stmt, &origin, opts, out, err))
            }
        };
        if written.is_err() {
            ok = false;
            return ControlFlow::Break(());
        }
        if result.is_err() {
            ok = false;
            if !opts.keep_going {
                return ControlFlow::Break(());
            }
        }
        if session.wants_quit() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    });
    ok
}

fn write_items(
    items: &[crate::output::Item],
    stmt: &Statement,
    opts: Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if opts.json {
        let items: Vec<&crate::output::Item> = items.iter().filter(|i| !i.human_only).collect();
        if items.is_empty() {
            let obj = serde_json::json!({"input": stmt.text, "line": stmt.line, "ok": true});
            writeln!(out, "{obj}")?;
        }
        for item in items {
            let mut obj = serde_json::Map::new();
            match &item.source {
                Some(src) => {
                    obj.insert("input".into(), src.input.clone().into());
                    obj.insert("line".into(), src.line.into());
                    obj.insert("file".into(), src.file.clone().into());
                }
                None => {
                    obj.insert("input".into(), stmt.text.clone().into());
                    obj.insert("line".into(), stmt.line.into());
                }
            }
            obj.extend(crate::output::render_json(item));
            writeln!(out, "{}", serde_json::Value::Object(obj))?;
        }
        return Ok(());
    }
    for item in items {
        let s = crate::output::render_human(item, opts.render);
        if !s.is_empty() {
            writeln!(out, "{s}")?;
        }
    }
    Ok(())
}

fn write_error(
    e: &crate::error::Error,
    stmt: &Statement,
    origin: &crate::diag::Origin,
    opts: Options,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if opts.json {
        let (line, column) = line_col(origin.source, origin.offset + e.span.start);
        let mut error = serde_json::json!({"message": e.message, "line": line, "column": column});
        if let Some(h) = &e.help
            && let Some(obj) = error.as_object_mut()
        {
            obj.insert("help".into(), h.clone().into());
        }
        let obj = serde_json::json!({"input": stmt.text, "line": stmt.line, "ok": false, "error": error});
        return writeln!(out, "{obj}");
    }
    out.flush()?;
    let diagram = crate::diag::render(e, origin, opts.err_color);
    if opts.echo {
        return writeln!(out, "{diagram}");
    }
    writeln!(err, "{diagram}")
}
