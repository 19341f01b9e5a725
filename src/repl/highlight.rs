//! Syntax colouring of the line being edited. The symgrad lexer classifies
//! each byte (number, name, function, operator, bracket, command, string,
//! comment); the parser marks the part that fails to parse; the bracket
//! matching the one at the cursor is shown in reverse video. Only SGR
//! escapes are added, never a character, so the display width is the
//! width of the line, which rustyline requires.

use super::complete::Names;
use crate::syntax::lexer::{Cmd, Lexer, Tok};

/// What a byte of the line is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Plain,
    Number,
    /// A name with a value, formula or shape.
    Bound,
    Function,
    Operator,
    Bracket,
    Command,
    Keyword,
    Str,
    Result,
    Comment,
    /// A character the lexer refuses (or an unknown `:command`).
    Bad,
}

impl Class {
    fn sgr(self) -> &'static str {
        match self {
            Class::Plain | Class::Bracket => "",
            Class::Number => "33",
            Class::Bound => "1",
            Class::Function => "36",
            Class::Operator => "94",
            Class::Command => "1;35",
            Class::Keyword => "35",
            Class::Str => "32",
            Class::Result => "2;33",
            Class::Comment => "90",
            Class::Bad => "1;31",
        }
    }
}

/// The look of one byte: its class, and whether it is in the part that
/// fails to parse (underlined red) or is the matching bracket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    pub class: Class,
    pub error: bool,
    pub matched: bool,
}

impl Look {
    const PLAIN: Look = Look { class: Class::Plain, error: false, matched: false };

    fn sgr(self) -> String {
        let mut codes: Vec<&str> = Vec::new();
        if self.class.sgr() != "" {
            codes.push(self.class.sgr());
        }
        if self.error {
            codes.push("4;31");
        }
        if self.matched {
            codes.push("1;7");
        }
        codes.join(";")
    }
}

/// The look of every byte of `line`; `bracket` is the byte offset of the
/// bracket at the cursor, whose partner is marked.
pub fn classify(line: &str, names: &Names, bracket: Option<usize>) -> Vec<Look> {
    let mut looks = vec![Look::PLAIN; line.len()];
    let set = |looks: &mut Vec<Look>, from: usize, to: usize, class: Class| {
        for l in looks.iter_mut().take(to.min(line.len())).skip(from) {
            l.class = class;
        }
    };
    let toks = tokens(line);
    let mut prev_end = 0;
    let mut raw_from: Option<usize> = None;
    for t in &toks {
        let (s, e) = (t.start, t.end);
        comments(line, prev_end, s, &mut looks);
        prev_end = e;
        let Some(tok) = &t.tok else {
            set(&mut looks, s, e, Class::Bad);
            continue;
        };
        let class = match tok {
            Tok::Num(_) => Class::Number,
            Tok::Name(n) => {
                if names.is_function(n) {
                    Class::Function
                } else if names.bound.contains(n) || n == "pi" || n == "ans" {
                    Class::Bound
                } else {
                    Class::Plain
                }
            }
            Tok::ResultRef(_) => Class::Result,
            Tok::Str(_) => Class::Str,
            Tok::Plus | Tok::Minus | Tok::Star | Tok::Slash | Tok::At | Tok::Caret | Tok::Quote | Tok::Eq => {
                Class::Operator
            }
            Tok::Gt => {
                // What follows `>` is a raw file name (`:dot ... > FILE`).
                raw_from = Some(e);
                Class::Operator
            }
            Tok::LParen | Tok::RParen | Tok::LBracket | Tok::RBracket => Class::Bracket,
            Tok::Comma | Tok::Colon => Class::Plain,
            Tok::Wrt | Tok::Where => Class::Keyword,
            Tok::Cmd(c) => {
                if matches!(c, Cmd::Load | Cmd::Save | Cmd::Help) {
                    raw_from = Some(e);
                }
                Class::Command
            }
            Tok::ColonWord => Class::Plain,
        };
        set(&mut looks, s, e, class);
        if raw_from.is_some() {
            break;
        }
    }
    match raw_from {
        // A file name or a help topic: one colour to the end.
        Some(from) => {
            let is_help = toks.first().is_some_and(|t| t.tok == Some(Tok::Cmd(Cmd::Help)));
            let class = if is_help { Class::Plain } else { Class::Str };
            let body_end = line[from..].find('#').map_or(line.len(), |h| from + h);
            set(&mut looks, from, body_end, class);
            comments(line, from, line.len(), &mut looks);
        }
        None => comments(line, prev_end, line.len(), &mut looks),
    }
    if let Some((s, e)) = parse_error(line) {
        for l in looks.iter_mut().take(e).skip(s) {
            l.error = true;
        }
    }
    if let Some(l) = bracket.and_then(|b| partner(&toks, b)).and_then(|m| looks.get_mut(m)) {
        l.matched = true;
    }
    looks
}

/// `line` with ANSI colours.
pub fn highlight(line: &str, names: &Names, bracket: Option<usize>) -> String {
    let looks = classify(line, names, bracket);
    let mut out = String::with_capacity(line.len() * 2);
    let mut current = Look::PLAIN;
    for (i, ch) in line.char_indices() {
        let look = looks.get(i).copied().unwrap_or(Look::PLAIN);
        if look != current {
            out.push_str("\x1b[0m");
            let sgr = look.sgr();
            if !sgr.is_empty() {
                out.push_str(&format!("\x1b[{sgr}m"));
            }
            current = look;
        }
        out.push(ch);
    }
    if current != Look::PLAIN {
        out.push_str("\x1b[0m");
    }
    out
}

/// A token with its byte span; `tok` is `None` where the lexer failed.
pub struct Spanned {
    pub start: usize,
    pub end: usize,
    pub tok: Option<Tok>,
}

/// Every token of `line`, errors included (the lexer goes on after one).
pub fn tokens(line: &str) -> Vec<Spanned> {
    Lexer::new(line, 0)
        .map(|t| match t {
            Ok((start, tok, end)) => Spanned { start, end, tok: Some(tok) },
            Err(e) => Spanned { start: e.span.start, end: e.span.end, tok: None },
        })
        .collect()
}

/// Greys the `#` comment, if any, in the gap `from..to` between tokens
/// (the lexer skips comments, so they live in the gaps).
fn comments(line: &str, from: usize, to: usize, looks: &mut [Look]) {
    let Some(gap) = line.get(from..to) else { return };
    let mut at = 0;
    while let Some(h) = gap[at..].find('#') {
        let start = from + at + h;
        let end = line[start..].find('\n').map_or(line.len(), |n| start + n).min(to);
        for l in looks.iter_mut().take(end).skip(start) {
            l.class = Class::Comment;
        }
        at = end - from;
        if at >= gap.len() {
            break;
        }
    }
}

/// The byte range that fails to parse, when the line is not merely
/// unfinished (an open bracket is not an error while typing, unless what
/// comes before it is wrong already).
pub fn parse_error(line: &str) -> Option<(usize, usize)> {
    if line.trim().is_empty() {
        return None;
    }
    let err = crate::syntax::parse_statement(line).err()?;
    if err.kind != crate::error::ErrorKind::Syntax || crate::syntax::unfinished(line, &err) {
        return None;
    }
    let (s, e) = (err.span.start.min(line.len()), err.span.end.min(line.len()));
    (s < e).then_some((s, e))
}

/// The bracket that pairs with the one at byte `at`.
fn partner(toks: &[Spanned], at: usize) -> Option<usize> {
    let mut stack: Vec<usize> = Vec::new();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for t in toks {
        match t.tok {
            Some(Tok::LParen | Tok::LBracket) => stack.push(t.start),
            Some(Tok::RParen | Tok::RBracket) => {
                if let Some(open) = stack.pop() {
                    pairs.push((open, t.start));
                }
            }
            _ => {}
        }
    }
    pairs.iter().find_map(|&(o, c)| {
        if o == at {
            Some(c)
        } else if c == at {
            Some(o)
        } else {
            None
        }
    })
}

/// The bracket the cursor is on, or just after (as readline's
/// blink-matching-paren does).
pub fn bracket_at(line: &str, pos: usize) -> Option<usize> {
    let is_bracket = |b: u8| matches!(b, b'(' | b')' | b'[' | b']');
    let bytes = line.as_bytes();
    if bytes.get(pos).copied().is_some_and(is_bracket) {
        return Some(pos);
    }
    let before = pos.checked_sub(1)?;
    bytes.get(before).copied().filter(|b| is_bracket(*b)).map(|_| before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(line: &str) -> Vec<Class> {
        let mut names = Names::default();
        names.bound.insert("w".into());
        classify(line, &names, None).into_iter().map(|l| l.class).collect()
    }

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut esc = false;
        for c in s.chars() {
            match (esc, c) {
                (false, '\x1b') => esc = true,
                (true, 'm') => esc = false,
                (true, _) => {}
                (false, c) => out.push(c),
            }
        }
        out
    }

    #[test]
    fn tokens_get_classes() {
        use Class::*;
        let c = classes("sin(w) + 2.5*x");
        assert_eq!(&c[0..3], &[Function; 3]);
        assert_eq!(c[3], Bracket);
        assert_eq!(c[4], Bound);
        assert_eq!(c[7], Operator);
        assert_eq!(&c[9..12], &[Number; 3]);
        assert_eq!(c[13], Plain);
        let c = classes(":grad x wrt x  # note");
        assert_eq!(&c[0..5], &[Command; 5]);
        assert_eq!(&c[8..11], &[Keyword; 3]);
        assert_eq!(&c[15..], &[Comment; 6]);
        let c = classes(":load my file.sg # c");
        assert_eq!(&c[6..15], &[Str; 9]);
        assert_eq!(&c[18..], &[Comment; 2]);
        let c = classes("$2 + \"a\"");
        assert_eq!(&c[0..2], &[Result; 2]);
        assert_eq!(&c[5..8], &[Str; 3]);
        assert_eq!(&classes(":grd x")[0..4], &[Bad; 4]);
        assert_eq!(classes("x € 1")[2], Bad);
    }

    #[test]
    fn the_part_that_fails_to_parse_is_marked() {
        let looks = classify("sin(x)) + 1", &Names::default(), None);
        let marked: Vec<usize> = (0..looks.len()).filter(|&i| looks[i].error).collect();
        assert_eq!(marked, vec![6]);
        // An unfinished line is not an error.
        assert!(classify("sin(x", &Names::default(), None).iter().all(|l| !l.error));
        assert!(classify("[1, 2,\n 3", &Names::default(), None).iter().all(|l| !l.error));
        // Unfinished, but wrong already: marked while it is typed.
        let looks = classify("sin(x wrt", &Names::default(), None);
        let marked: Vec<usize> = (0..looks.len()).filter(|&i| looks[i].error).collect();
        assert_eq!(marked, vec![6, 7, 8]);
    }

    #[test]
    fn matching_bracket() {
        let line = "f([1, (2)], x)";
        assert_eq!(bracket_at(line, 1), Some(1));
        assert_eq!(bracket_at(line, 2), Some(2));
        assert_eq!(bracket_at(line, 4), None);
        let looks = classify(line, &Names::default(), Some(1));
        let m: Vec<usize> = (0..looks.len()).filter(|&i| looks[i].matched).collect();
        assert_eq!(m, vec![13]);
        let looks = classify(line, &Names::default(), Some(9));
        assert!(looks[2].matched);
        // Brackets in strings and comments do not pair.
        let looks = classify("(x) # (", &Names::default(), Some(6));
        assert!(looks.iter().all(|l| !l.matched));
    }

    #[test]
    fn width_is_kept() {
        for line in ["sin(w) + 2.5*x", ":grad relu(x*w + b) wrt w", "λ² € [1, 2", ":load \"a b\"", ""] {
            let h = highlight(line, &Names::default(), bracket_at(line, 3));
            assert_eq!(strip(&h), line);
        }
        // Plain text needs no escape at all.
        assert_eq!(highlight("x", &Names::default(), None), "x");
    }
}
