//! The rustyline `Helper`: completion, highlighting, hints and validation,
//! each a thin adapter over the pure functions in `complete` and
//! `highlight` (which the unit tests exercise without a terminal).

use super::complete::{Names, complete};
use super::highlight::{bracket_at, highlight};
use super::signatures;
use crate::syntax::lexer::Tok;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};
use std::borrow::Cow;
use std::cell::Cell;

pub struct SymHelper {
    /// The session's names as of the last statement.
    pub names: Names,
    /// Colour and greyed hints (off with `NO_COLOR` or no terminal).
    color: bool,
    /// The bracket at the cursor whose partner is highlighted; set by
    /// `highlight_char`, which rustyline calls before `highlight`.
    bracket: Cell<Option<usize>>,
}

impl SymHelper {
    pub fn new(color: bool) -> SymHelper {
        SymHelper { names: Names::default(), color, bracket: Cell::new(None) }
    }
}

impl Helper for SymHelper {}

/// Bytes above which a line gets no live colours or hints while typed.
const LONG_LINE: usize = 1000;

impl Completer for SymHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, c) = complete(line, pos, &self.names);
        Ok((start, c.into_iter().map(|c| Pair { display: c.display, replacement: c.replacement }).collect()))
    }
}

/// A hint is shown, greyed, after the cursor; it is never inserted (right
/// arrow does not accept it), since it is a signature, not text to type.
pub struct SigHint(String);

impl Hint for SigHint {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

impl Hinter for SymHelper {
    type Hint = SigHint;

    fn hint(&self, line: &str, pos: usize, _: &Context<'_>) -> Option<SigHint> {
        if !self.color || line.len() > LONG_LINE {
            // Without grey, a hint would look like typed text.
            return None;
        }
        hint(line, pos, &self.names).map(SigHint)
    }
}

/// The hint for the cursor at `pos`: a command's usage right after the
/// command, or the signature of the innermost function call still open.
pub fn hint(line: &str, pos: usize, names: &Names) -> Option<String> {
    if pos != line.len() {
        return None;
    }
    let body = line.trim_start();
    if let Some(cmd) = body.strip_prefix(':') {
        let word = cmd.trim_end();
        if !word.is_empty() && !word.contains(char::is_whitespace) {
            let usage = signatures::command(word).filter(|u| !u.is_empty())?;
            let sep = if cmd.ends_with(' ') { "" } else { " " };
            return Some(format!("{sep}{usage}"));
        }
    }
    let toks = super::highlight::tokens(line);
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.tok {
            Some(Tok::LParen | Tok::LBracket) => open.push(i),
            Some(Tok::RParen | Tok::RBracket) => {
                open.pop();
            }
            _ => {}
        }
    }
    let &call = open.last()?;
    if toks.get(call)?.tok != Some(Tok::LParen) {
        return None;
    }
    let Some(Tok::Name(f)) = &toks.get(call.checked_sub(1)?)?.tok else {
        return None;
    };
    let sig = names.signature(f)?;
    let sep = if line.ends_with(' ') { " " } else { "  " };
    Some(format!("{sep}{sig}"))
}

impl Highlighter for SymHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line, &self.names, self.bracket.get()))
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
        if self.color { Cow::Owned(format!("\x1b[32m{prompt}\x1b[0m")) } else { Cow::Borrowed(prompt) }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[90m{hint}\x1b[0m"))
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        // A long line typed key by key (a paste into a terminal without
        // bracketed paste) is coloured once, at Enter: redrawing all of it
        // at every key made a 5,000-character paste take 4 s.
        if !self.color || (line.len() > LONG_LINE && kind != CmdKind::ForcedRefresh) {
            return false;
        }
        let before = self.bracket.get();
        let now = if kind == CmdKind::ForcedRefresh { None } else { bracket_at(line, pos) };
        self.bracket.set(now);
        match kind {
            // A moved cursor changes only the bracket marks.
            CmdKind::MoveCursor => before.is_some() || now.is_some(),
            // Typing can recolour the whole line (`si` → `sin`); the final
            // refresh drops the bracket mark.
            CmdKind::Other | CmdKind::ForcedRefresh => true,
        }
    }
}

impl Validator for SymHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        // An open bracket continues the statement on the next line, unless
        // it has an error already; an empty line ends it anyway, so a stray
        // `sin(` gets its error instead of swallowing what is typed next.
        let input = ctx.input();
        let blank_last = input.contains('\n') && input.rsplit('\n').next().is_some_and(|l| l.trim().is_empty());
        // Split as a script is: only the last statement can go on.
        let last = crate::script::statements(input, &[]).pop().map(|s| s.text).unwrap_or_default();
        Ok(if crate::syntax::awaits_more(&last) && !blank_last {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_not_redrawn_at_every_key() {
        let h = SymHelper::new(true);
        assert!(h.highlight_char("sin(x", 5, CmdKind::Other));
        let long = "x + ".repeat(300);
        assert!(!h.highlight_char(&long, long.len(), CmdKind::Other));
        // Coloured once at the end.
        assert!(h.highlight_char(&long, long.len(), CmdKind::ForcedRefresh));
    }

    #[test]
    fn hints_show_signatures() {
        let mut names = Names::default();
        names.funcs.insert("f".into(), vec!["a".into(), "b".into()]);
        assert_eq!(hint("softmax(", 8, &names).as_deref(), Some("  softmax(x: vector) -> vector"));
        assert_eq!(hint("1 + max(x, ", 11, &names).as_deref(), Some(" max(a, b) -> broadcast shape"));
        assert_eq!(hint("f(2", 3, &names).as_deref(), Some("  f(a, b)"));
        // Closed call, open list, unknown function, cursor not at the end.
        assert_eq!(hint("sin(x)", 6, &names), None);
        assert_eq!(hint("sin([1", 6, &names), None);
        assert_eq!(hint("g(1", 3, &names), None);
        assert_eq!(hint("sin(x", 2, &names), None);
        assert_eq!(hint("exp(sin(x), ", 12, &names).as_deref(), Some(" exp(x) -> same shape"));
    }

    #[test]
    fn hints_show_command_usage() {
        let names = Names::default();
        assert_eq!(hint(":grad", 5, &names).as_deref(), Some(" EXPR wrt V[, V...]"));
        assert_eq!(hint(":grad ", 6, &names).as_deref(), Some("EXPR wrt V[, V...]"));
        assert_eq!(hint(":grad x", 7, &names), None);
        assert_eq!(hint(":vars", 5, &names), None);
        assert_eq!(hint(":gr", 3, &names), None);
    }

    #[test]
    fn validation_waits_for_closing_brackets() {
        let complete = |s: &str| !crate::syntax::is_incomplete(s);
        assert!(!complete("[1, 2,"));
        assert!(!complete(":grad sum([x,\n y"));
        assert!(complete("[1, 2,\n 3]"));
        assert!(complete("x)"));
        assert!(complete(":load a(b"));
        // An error before the end: more lines cannot mend it.
        let waits = crate::syntax::awaits_more;
        assert!(waits(":grad sin(x") && waits(":grad sum([x,\n y") && waits("f(x,\n"));
        assert!(!waits(":grad sin(x wrt x") && !waits("[1, , 2") && !waits("sin(x))") && !waits("x + 1"));
    }
}
