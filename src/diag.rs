//! Rendering errors for people: a caret under the position and the
//! message (ariadne), or one line `FILE:LINE:COL: message` when there is no
//! source to show. Only this module knows ariadne.

use crate::error::Error;
use crate::script::line_col;
use ariadne::{CharSet, Config, IndexType, Label, LabelAttach, Report, ReportKind, Source};

/// Where a statement came from: a name for messages, the whole source text
/// and the byte offset of the statement in it.
pub struct Origin<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub offset: usize,
}

/// `FILE:LINE:COL` of an error in a statement of `origin`.
pub fn location(err: &Error, origin: &Origin) -> String {
    let (line, col) = line_col(origin.source, origin.offset + err.span.start);
    format!("{}:{line}:{col}", origin.name)
}

/// `s` with control characters (an escape sequence in a script, say) as
/// `?`, byte for byte, so that positions stay and nothing typed can drive
/// the terminal through an error message.
fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let control = |c: char| c.is_ascii_control() && !matches!(c, '\n' | '\t' | '\r');
    if s.contains(control) { s.replace(control, "?").into() } else { s.into() }
}

/// Most characters of one word of a message.
const WORD_SHOWN: usize = 40;

/// `s` with each word longer than `WORD_SHOWN` characters cut short with
/// `…` (closing quotes and punctuation kept): a message names what was
/// typed, and a name of 100,000 letters is in the diagram already.
fn abbreviated(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(1024));
    for (k, word) in s.split(' ').enumerate() {
        if k > 0 {
            out.push(' ');
        }
        match word.char_indices().nth(WORD_SHOWN) {
            Some((cut, _)) => {
                let tail = word.trim_end_matches(|c: char| !c.is_alphanumeric());
                let closing = &word[tail.len().max(cut)..];
                out.push_str(&word[..cut]);
                out.push('…');
                out.push_str(closing);
            }
            None => out.push_str(word),
        }
    }
    out
}

/// The error as a caret diagram preceded by a `FILE:LINE:COL` line; one
/// from a `:load`ed file shows its line in that file.
pub fn render(err: &Error, origin: &Origin, color: bool) -> String {
    if let Some(inner) = &err.inner {
        let at = Error { message: inner.message.clone(), span: inner.span, inner: None, ..err.clone() };
        return render(&at, &Origin { name: &inner.file, source: &inner.text, offset: inner.offset }, color);
    }
    let source = printable(origin.source);
    let message = abbreviated(&printable(&err.message));
    let origin = &Origin { source: &source, ..*origin };
    // On char boundaries, so that the source can be cut there.
    let start = char_floor(origin.source, (origin.offset + err.span.start).min(origin.source.len()));
    let end = char_floor(origin.source, (origin.offset + err.span.end).clamp(start, origin.source.len()));
    let window = Window::around(origin.source, start, end);
    let (shown, start, end) = window.crop(origin.source, start, end);
    let name = origin.name.to_string();
    let config = Config::default()
        .with_color(color)
        .with_index_type(IndexType::Byte)
        .with_char_set(CharSet::Unicode)
        .with_compact(true)
        .with_label_attach(LabelAttach::Start);
    let mut report = Report::build(ReportKind::Error, (name.clone(), start..end))
        .with_config(config)
        .with_message(&message)
        .with_label(Label::new((name.clone(), start..end)).with_message(short_label(err)));
    if let Some(h) = &err.help {
        report = report.with_help(abbreviated(h));
    } else if err.kind == crate::error::ErrorKind::Limit {
        report =
            report.with_help("limits are set on the command line: `--limit NAME=VALUE` (`--limit list` shows them)");
    }
    let mut buf = Vec::new();
    let written = report.finish().write((name, Source::from(shown.as_ref())), &mut buf);
    let diagram = if written.is_ok() { String::from_utf8_lossy(&buf).into_owned() } else { String::new() };
    // ariadne opens with the message again; the first line already has it.
    let diagram = diagram.split_once('\n').map_or("", |(_, rest)| rest);
    let at = location(err, origin);
    // ariadne's header names the line and column in the cropped line.
    let diagram = if window.is_whole() {
        diagram.to_string()
    } else {
        let (line, col) = line_col(&shown, start);
        diagram.replacen(&format!("{}:{line}:{col}", origin.name), &at, 1)
    };
    format!("{at}: error: {message}\n{}", diagram.trim_end())
}

/// Most bytes of a line shown whole; a longer line (a pasted or generated
/// expression of thousands of terms) is shown as a window around the
/// error, so that the message is not the whole line again.
const LINE_SHOWN: usize = 160;
/// Bytes shown before the error in a window.
const BEFORE: usize = 60;

/// The part of the error's line that a diagram shows: `lo..hi` of the
/// source, the whole line when it is short.
struct Window {
    line: (usize, usize),
    lo: usize,
    hi: usize,
}

impl Window {
    fn around(source: &str, start: usize, end: usize) -> Window {
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        if line_end - line_start <= LINE_SHOWN {
            return Window { line: (line_start, line_end), lo: line_start, hi: line_end };
        }
        let lo = char_floor(source, start.saturating_sub(BEFORE).max(line_start));
        let hi = char_floor(source, (lo + LINE_SHOWN).max(end.min(start + 1)).min(line_end));
        Window { line: (line_start, line_end), lo, hi }
    }

    fn is_whole(&self) -> bool {
        (self.lo, self.hi) == self.line
    }

    /// The source with the line cut to the window (`…` where it was cut),
    /// and the span moved into it (a span running past the window ends at
    /// its edge).
    fn crop<'s>(&self, source: &'s str, start: usize, end: usize) -> (std::borrow::Cow<'s, str>, usize, usize) {
        if self.is_whole() {
            return (source.into(), start, end);
        }
        let (before, after) =
            (if self.lo > self.line.0 { "…" } else { "" }, if self.hi < self.line.1 { "…" } else { "" });
        let shown =
            format!("{}{before}{}{after}{}", &source[..self.line.0], &source[self.lo..self.hi], &source[self.line.1..]);
        let moved = |p: usize| self.line.0 + before.len() + p.clamp(self.lo, self.hi) - self.lo;
        (shown.into(), moved(start), moved(end).max(moved(start)))
    }
}

/// The nearest char boundary at or before `i`.
fn char_floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn short_label(err: &Error) -> String {
    use crate::error::ErrorKind::*;
    match err.kind {
        Syntax => "here",
        Name => "this name",
        // An index out of range is a shape error too, but not of two shapes.
        Shape if !err.message.contains("shape") => "here",
        Shape => "shapes do not fit here",
        Math => "here",
        Limit => "limit reached here",
        Io => "this file",
        Usage => "here",
        Interrupted => "interrupted",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Span;

    fn shown(source: &str, span: Span) -> String {
        render(&Error::syntax(span, "unexpected `+`"), &Origin { name: "in", source, offset: 0 }, false)
    }

    #[test]
    fn a_long_line_is_shown_around_the_error() {
        // 40,000 terms and a stray `+` near the end, on the second line.
        let line = format!("{} + +", vec!["x"; 40_000].join(" + "));
        let source = format!(":let x = 1\n{line}\n");
        let at = 11 + line.len() - 1;
        let text = shown(&source, Span::new(at, at + 1));
        assert!(text.len() < 1_000, "{} bytes", text.len());
        let col = line.len();
        assert!(text.starts_with(&format!("in:2:{col}: error: unexpected `+`")), "{text}");
        assert!(text.contains(&format!("─[ in:2:{col} ]")), "{text}");
        // In colour too (the REPL's): the header's parts are coloured apart.
        let err = Error::syntax(Span::new(at, at + 1), "unexpected `+`");
        let coloured = render(&err, &Origin { name: "in", source: &source, offset: 0 }, true);
        assert!(coloured.contains(&format!(" in:2:{col} ")), "{coloured:?}");
        assert!(text.contains("…x + x"), "{text}");
        // The caret stands under the `+` it names.
        let lines: Vec<&str> = text.lines().collect();
        let (code, caret) = (lines[2], lines[3]);
        let column = |s: &str, c: char| s.chars().position(|x| x == c);
        assert_eq!(column(caret, '╰'), code.chars().count().checked_sub(1), "{text}");
    }

    #[test]
    fn long_quoted_names_are_cut_short() {
        let name = "a".repeat(100_000);
        let err = Error::name(Span::new(6, 6 + name.len()), format!("no value for `{name}`"))
            .with_help(format!("give it a value with :let, e.g. :let {name} = 1; or `{name}` itself"));
        let source = format!(":eval {name}");
        let text = render(&err, &Origin { name: "in", source: &source, offset: 0 }, false);
        assert!(text.len() < 1_000, "{} bytes", text.len());
        assert!(text.starts_with(&format!("in:1:7: error: no value for `{}…`\n", "a".repeat(39))), "{text}");
        assert!(
            text.contains(&format!("e.g. :let {}… = 1; or `{}…` itself", "a".repeat(40), "a".repeat(39))),
            "{text}"
        );
        assert_eq!(abbreviated("unknown `sin` and `cos`"), "unknown `sin` and `cos`");
    }

    #[test]
    fn spans_inside_a_character_are_shown_at_its_start() {
        let line = format!("{}αβγ", "x + ".repeat(100));
        for at in line.len() - 6..=line.len() {
            let text = shown(&line, Span::new(at, at + 1));
            assert!(text.starts_with("in:1:"), "{text}");
        }
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        let text = shown("sin(x +)", Span::new(7, 8));
        assert!(text.contains("│sin(x +)\n"), "{text}");
        assert!(text.starts_with("in:1:8: error"), "{text}");
    }
}
