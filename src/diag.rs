//! Rendering errors for people: a caret under the position and the
//! message (ariadne), or one line `FILE:LINE:COL: message` when there is no
//! source to show. Only this module knows ariadne.

use crate::error::Error;
use crate::script::line_col;
use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};

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

/// The error as a caret diagram preceded by a `FILE:LINE:COL` line.
pub fn render(err: &Error, origin: &Origin, color: bool) -> String {
    let source = printable(origin.source);
    let message = printable(&err.message);
    let origin = &Origin { source: &source, ..*origin };
    let start = (origin.offset + err.span.start).min(origin.source.len());
    let end = (origin.offset + err.span.end).clamp(start, origin.source.len());
    let name = origin.name.to_string();
    let config = Config::default()
        .with_color(color)
        .with_index_type(IndexType::Byte)
        .with_char_set(CharSet::Unicode)
        .with_compact(true);
    let mut report = Report::build(ReportKind::Error, (name.clone(), start..end))
        .with_config(config)
        .with_message(&message)
        .with_label(Label::new((name.clone(), start..end)).with_message(short_label(err)));
    if let Some(h) = &err.help {
        report = report.with_help(h);
    } else if err.kind == crate::error::ErrorKind::Limit {
        report =
            report.with_help("limits are set on the command line: `--limit NAME=VALUE` (`--limit list` shows them)");
    }
    let mut buf = Vec::new();
    let written = report.finish().write((name, Source::from(origin.source)), &mut buf);
    let diagram = if written.is_ok() { String::from_utf8_lossy(&buf).into_owned() } else { String::new() };
    // ariadne opens with the message again; the first line already has it.
    let diagram = diagram.split_once('\n').map_or("", |(_, rest)| rest);
    format!("{}: error: {}\n{}", location(err, origin), message, diagram.trim_end())
}

fn short_label(err: &Error) -> String {
    use crate::error::ErrorKind::*;
    match err.kind {
        Syntax => "here",
        Name => "this name",
        Shape => "shapes do not fit here",
        Math => "here",
        Limit => "limit reached here",
        Io => "this file",
        Usage => "here",
        Interrupted => "interrupted",
    }
    .to_string()
}
