//! The lexer: text to tokens with byte spans. Logos does the matching; the
//! [`Lexer`] wrapper turns logos' errors into our [`Error`], decides which
//! `:word`s are commands (only the first token of a statement), converts
//! numerals to exact rationals, and yields the `(start, token, end)` triples
//! that the LALRPOP parser takes through its `extern` block.

use crate::error::{Error, Span};
use logos::Logos;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use std::fmt;

/// The largest decimal exponent a numeral may have (after counting its
/// fraction digits). `10^4900` is already a 16,000-bit integer (within
/// `MAX_EXACT_BITS`), the size
/// where exact arithmetic (whose gcds are quadratic) starts to crawl; anything
/// larger is a typo or an attack, and computing it would hang the session.
pub const MAX_EXPONENT: u64 = 4_900;

/// A character for a message: in backticks when it can be seen, as its
/// code point when it is a control or invisible character.
fn show_char(c: char) -> String {
    let invisible =
        matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}');
    if c.is_control() || invisible { format!("U+{:04X}", u32::from(c)) } else { format!("`{c}`") }
}

/// What went wrong inside a logos callback. Logos needs a `Default` error for
/// text that matches no pattern; the wrapper gives that one its character.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum LexError {
    #[default]
    Unexpected,
    ExponentTooLarge,
    TooManyDigits,
    ResultTooLarge,
    UnterminatedString,
}

/// The statement commands, `:let` to `:quit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    Let,
    Var,
    Def,
    Grad,
    Jacobian,
    Hessian,
    Eval,
    Simplify,
    Show,
    Trace,
    Check,
    Latex,
    Dot,
    Codegen,
    Load,
    Save,
    Time,
    Timeit,
    Vars,
    Unlet,
    Reset,
    Seed,
    Help,
    Quit,
}

/// Every spelling of every command, aliases included (`:q`, `:exit`, `:h`).
pub const COMMANDS: &[(&str, Cmd)] = &[
    ("let", Cmd::Let),
    ("var", Cmd::Var),
    ("def", Cmd::Def),
    ("grad", Cmd::Grad),
    ("jacobian", Cmd::Jacobian),
    ("hessian", Cmd::Hessian),
    ("eval", Cmd::Eval),
    ("simplify", Cmd::Simplify),
    ("show", Cmd::Show),
    ("trace", Cmd::Trace),
    ("check", Cmd::Check),
    ("latex", Cmd::Latex),
    ("dot", Cmd::Dot),
    ("codegen", Cmd::Codegen),
    ("load", Cmd::Load),
    ("save", Cmd::Save),
    ("time", Cmd::Time),
    ("timeit", Cmd::Timeit),
    ("vars", Cmd::Vars),
    ("unlet", Cmd::Unlet),
    ("reset", Cmd::Reset),
    ("seed", Cmd::Seed),
    ("help", Cmd::Help),
    ("quit", Cmd::Quit),
    ("q", Cmd::Quit),
    ("exit", Cmd::Quit),
    ("h", Cmd::Help),
];

impl Cmd {
    /// The command as the user types it, without the colon.
    pub fn name(self) -> &'static str {
        COMMANDS.iter().find(|(_, c)| *c == self).map_or("?", |(n, _)| n)
    }
}

/// One token. Whitespace and `#` comments are skipped.
#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\f\v\u{a0}\u{feff}]+")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
pub enum Tok {
    /// Boxed: a `BigRational` is 64 bytes and would make every token (and
    /// every symbol on the parser's stack) that large.
    #[regex(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?", numeral)]
    #[regex(r"\.[0-9]+([eE][+-]?[0-9]+)?", numeral)]
    Num(Box<BigRational>),
    /// `·` is a product, not part of a name, and `π` is `pi`: what
    /// `--unicode` shows reads back as it was meant.
    #[regex(r"[\p{XID_Start}_][\p{XID_Continue}&&[^·]]*", name)]
    Name(String),
    #[regex(r"\$[0-9]+", result_ref)]
    ResultRef(usize),
    #[regex(r#""[^"\n]*""#, |lex| lex.slice().trim_matches('"').to_string())]
    #[regex(r#""[^"\n]*"#, unterminated)]
    Str(String),
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    #[token("·")]
    Star,
    #[token("/")]
    Slash,
    #[token("@")]
    At,
    #[token("^")]
    Caret,
    #[token("'")]
    Quote,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("=")]
    Eq,
    #[token(">")]
    Gt,
    #[token("wrt")]
    Wrt,
    #[token("where")]
    Where,
    /// `:word`. Logos cannot know whether it stands at the start of a
    /// statement, so the wrapper turns it into `Cmd` there and into `:`
    /// followed by a name elsewhere (`x[i:j]`). The parser never sees it.
    #[regex(r":[\p{XID_Start}_]\p{XID_Continue}*")]
    ColonWord,
    /// A command; produced only by the wrapper, never by logos itself.
    Cmd(Cmd),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Num(n) => write!(f, "{n}"),
            Tok::Name(n) => f.write_str(n),
            Tok::ResultRef(n) => write!(f, "${n}"),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Plus => f.write_str("+"),
            Tok::Minus => f.write_str("-"),
            Tok::Star => f.write_str("*"),
            Tok::Slash => f.write_str("/"),
            Tok::At => f.write_str("@"),
            Tok::Caret => f.write_str("^"),
            Tok::Quote => f.write_str("'"),
            Tok::LParen => f.write_str("("),
            Tok::RParen => f.write_str(")"),
            Tok::LBracket => f.write_str("["),
            Tok::RBracket => f.write_str("]"),
            Tok::Comma => f.write_str(","),
            Tok::Colon => f.write_str(":"),
            Tok::Eq => f.write_str("="),
            Tok::Gt => f.write_str(">"),
            Tok::Wrt => f.write_str("wrt"),
            Tok::Where => f.write_str("where"),
            Tok::ColonWord => f.write_str(":…"),
            Tok::Cmd(c) => write!(f, ":{}", c.name()),
        }
    }
}

/// A `"` with no closing quote on its line.
fn unterminated(_: &mut logos::Lexer<'_, Tok>) -> Result<String, LexError> {
    Err(LexError::UnterminatedString)
}

/// `$N`: the digits after the dollar; more than `usize` holds is an error
/// rather than a silent wrap.
fn result_ref(lex: &mut logos::Lexer<'_, Tok>) -> Result<usize, LexError> {
    lex.slice().get(1..).and_then(|d| d.parse().ok()).ok_or(LexError::ResultTooLarge)
}

fn name(lex: &mut logos::Lexer<Tok>) -> String {
    match lex.slice() {
        "π" => "pi".to_string(),
        other => other.to_string(),
    }
}

fn numeral(lex: &mut logos::Lexer<'_, Tok>) -> Result<Box<BigRational>, LexError> {
    parse_numeral(lex.slice()).map(Box::new)
}

/// A decimal numeral (`1.25`, `.5`, `1e-3`, `2.5E+4`) as an exact rational.
///
/// The value is `m * 10^e` with `m` the digits without the dot. It is built
/// already reduced, without a gcd: num-bigint's gcd is quadratic, and a long
/// literal would make `Ratio::new` crawl.
pub fn parse_numeral(text: &str) -> Result<BigRational, LexError> {
    let (mantissa, exp_text) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text.get(i + 1..).unwrap_or("")),
        None => (text, ""),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // All digits, without leading zeros (they change nothing) and without
    // trailing zeros (each one moves the exponent up by one instead).
    let mut digits = String::with_capacity(int_part.len() + frac_part.len());
    digits.push_str(int_part);
    digits.push_str(frac_part);
    let trimmed_end = digits.trim_end_matches('0');
    let trailing = (digits.len() - trimmed_end.len()) as i64;
    let significant = trimmed_end.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(BigRational::zero());
    }
    // Reading a decimal numeral takes time quadratic in its length.
    if significant.len() as u64 > MAX_EXPONENT {
        return Err(LexError::TooManyDigits);
    }
    // Exponent as written, refused beyond the cap before any arithmetic
    // (zero is zero whatever its exponent).
    let (negative_exp, exp_digits) = match exp_text.as_bytes().first() {
        Some(b'-') => (true, &exp_text[1..]),
        Some(b'+') => (false, &exp_text[1..]),
        _ => (false, exp_text),
    };
    let exp_digits = exp_digits.trim_start_matches('0');
    if exp_digits.len() > 7 {
        return Err(LexError::ExponentTooLarge);
    }
    let written: i64 =
        if exp_digits.is_empty() { 0 } else { exp_digits.parse().map_err(|_| LexError::ExponentTooLarge)? };
    let written = if negative_exp { -written } else { written };
    let exp = written - frac_part.len() as i64 + trailing;
    if exp.unsigned_abs() > MAX_EXPONENT {
        return Err(LexError::ExponentTooLarge);
    }
    let m: BigInt = significant.parse().map_err(|_| LexError::Unexpected)?;
    let pow10 = |k: u64| num_traits::pow(BigInt::from(10u8), k as usize);
    if exp >= 0 {
        return Ok(BigRational::from_integer(m * pow10(exp as u64)));
    }
    // m / 10^k with m not a multiple of 10: m shares with 10^k either only
    // factors of 2 (last digit even) or only factors of 5 (last digit 5).
    let k = exp.unsigned_abs();
    let mut m = m;
    let mut twos = k;
    let mut fives = k;
    match significant.as_bytes().last() {
        Some(b'2' | b'4' | b'6' | b'8') => {
            let tz = m.trailing_zeros().unwrap_or(0).min(k);
            m >>= tz;
            twos -= tz;
        }
        Some(b'5') => {
            let five = BigInt::from(5u8);
            while fives > 0 && (&m % &five).is_zero() {
                m /= &five;
                fives -= 1;
            }
        }
        _ => {}
    }
    let den = num_traits::pow(BigInt::from(2u8), twos as usize) * num_traits::pow(BigInt::from(5u8), fives as usize);
    Ok(BigRational::new_raw(m, if den.is_zero() { BigInt::one() } else { den }))
}

/// The nearest command to a mistyped one, if it is near enough to suggest.
pub fn nearest_command(word: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .filter(|(n, _)| n.len() > 1)
        .map(|(n, _)| (edit_distance(word, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 3) && *d < n.len().max(word.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance with adjacent transpositions, over chars.
// Every index is within the tables, which are sized from `a` and `b`.
#[allow(clippy::indexing_slicing)]
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows suffice for the transposition case.
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            let mut best = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) {
                best = best.min(prev2[j - 1] + 1);
            }
            cur[j + 1] = best;
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// The token stream of one statement (or of a part of one), as
/// `Result<(start, Tok, end), Error>` with byte offsets into the whole
/// statement text: `offset` is added to every span, so that a part can be
/// lexed on its own (`:time STMT`, the text before `:dot ... >`).
pub struct Lexer<'a> {
    inner: logos::Lexer<'a, Tok>,
    offset: usize,
    /// True until the first token is out: only there is `:word` a command.
    at_start: bool,
    /// The name half of a `:word` that was split into `:` and a name.
    pending: Option<(usize, Tok, usize)>,
}

impl<'a> Lexer<'a> {
    /// Lexes `text`, which starts at byte `offset` of the statement.
    pub fn new(text: &'a str, offset: usize) -> Lexer<'a> {
        Lexer { inner: Tok::lexer(text), offset, at_start: true, pending: None }
    }

    fn error(&self, e: LexError, span: logos::Span) -> Error {
        let src = self.inner.source();
        let at = Span::new(span.start + self.offset, span.end + self.offset);
        match e {
            LexError::Unexpected => {
                // Logos' error span may end inside a multi-byte character;
                // report the whole character.
                let ch = src.get(span.start..).and_then(|s| s.chars().next());
                match ch {
                    Some(c) => {
                        let at = Span::new(at.start, at.start + c.len_utf8());
                        let err = Error::syntax(at, format!("unexpected character {}", show_char(c)));
                        match c {
                            '×' => err.with_help("use `*` for products"),
                            '−' | '–' => err.with_help("use `-` for minus"),
                            '.' => err.with_help("there are no methods or modules: `transpose(A)` or `A'`, `sum(x)`"),
                            _ => err,
                        }
                    }
                    None => Error::syntax(at, "unexpected character"),
                }
            }
            LexError::ExponentTooLarge => {
                Error::limit(at, format!("number too large or too small: its decimal exponent exceeds {MAX_EXPONENT}"))
            }
            LexError::TooManyDigits => {
                Error::limit(at, format!("number too long: more than {MAX_EXPONENT} significant digits"))
            }
            LexError::ResultTooLarge => Error::syntax(at, "result number too large"),
            LexError::UnterminatedString => {
                Error::syntax(at, "unterminated string").with_help("a string ends with `\"` on the same line")
            }
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<(usize, Tok, usize), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(t) = self.pending.take() {
            return Some(Ok(t));
        }
        let tok = self.inner.next()?;
        let span = self.inner.span();
        let (start, end) = (span.start + self.offset, span.end + self.offset);
        let at_start = std::mem::replace(&mut self.at_start, false);
        Some(match tok {
            Ok(Tok::ColonWord) => {
                let word = self.inner.slice().get(1..).unwrap_or("");
                if at_start {
                    match COMMANDS.iter().find(|(n, _)| *n == word) {
                        Some((_, c)) => Ok((start, Tok::Cmd(*c), end)),
                        None => {
                            let err = Error::syntax(Span::new(start, end), format!("unknown command `:{word}`"));
                            Err(match nearest_command(word) {
                                Some(n) => err.with_help(format!("did you mean `:{n}`?")),
                                None => err.with_help("`:help` lists the commands"),
                            })
                        }
                    }
                } else {
                    // `x[i:j]`: a slice colon followed by a name or keyword.
                    let name = match word {
                        "wrt" => Tok::Wrt,
                        "where" => Tok::Where,
                        _ => Tok::Name(word.to_string()),
                    };
                    self.pending = Some((start + 1, name, end));
                    Ok((start, Tok::Colon, start + 1))
                }
            }
            Ok(t) => Ok((start, t, end)),
            Err(e) => Err(self.error(e, span)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        Lexer::new(src, 0).map(|t| t.map(|(_, t, _)| t)).collect::<Result<_, _>>().unwrap()
    }

    fn rat(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    fn num(src: &str) -> BigRational {
        parse_numeral(src).unwrap()
    }

    #[test]
    fn numerals_are_exact() {
        assert_eq!(num("3"), rat(3, 1));
        assert_eq!(num("1.2"), rat(6, 5));
        assert_eq!(num("1.25"), rat(5, 4));
        assert_eq!(num(".5"), rat(1, 2));
        assert_eq!(num("1e-3"), rat(1, 1000));
        assert_eq!(num("2.5E+4"), rat(25000, 1));
        assert_eq!(num("2.5e4"), rat(25000, 1));
        assert_eq!(num("0.000"), rat(0, 1));
        assert_eq!(num("100"), rat(100, 1));
        assert_eq!(num("0.0625"), rat(1, 16));
        assert_eq!(num("0.008"), rat(1, 125));
        assert_eq!(num("1."), rat(1, 1));
        assert_eq!(num("007.50"), rat(15, 2));
        assert_eq!(num("3.75e-1"), rat(3, 8));
        assert_eq!(num("1e0"), rat(1, 1));
        // Reduced like `Ratio::new` would reduce it.
        for s in ["0.12", "0.15", "12.5e-3", "4.4", "0.0025", "99.99", "3.14159"] {
            let v = num(s);
            assert_eq!(v, BigRational::new(v.numer().clone(), v.denom().clone()), "{s}");
        }
    }

    #[test]
    fn absurd_exponents_are_refused_quickly() {
        assert_eq!(parse_numeral("1e999999999"), Err(LexError::ExponentTooLarge));
        assert_eq!(parse_numeral("1e-100001"), Err(LexError::ExponentTooLarge));
        assert_eq!(parse_numeral("1e99999999999999999999999"), Err(LexError::ExponentTooLarge));
        assert!(parse_numeral("1e4900").is_ok());
        assert_eq!(num("0e999999999999"), rat(0, 1));
        let err = Lexer::new("x + 1e999999999", 0).find_map(Result::err).unwrap();
        assert_eq!(err.span, Span::new(4, 15));
    }

    #[test]
    fn tokens() {
        assert_eq!(
            toks("w_1 λ θ2 $3 \"a b.npy\" + - * / @ ^ ' ( ) [ ] , : = > wrt where # c"),
            vec![
                Tok::Name("w_1".into()),
                Tok::Name("λ".into()),
                Tok::Name("θ2".into()),
                Tok::ResultRef(3),
                Tok::Str("a b.npy".into()),
                Tok::Plus,
                Tok::Minus,
                Tok::Star,
                Tok::Slash,
                Tok::At,
                Tok::Caret,
                Tok::Quote,
                Tok::LParen,
                Tok::RParen,
                Tok::LBracket,
                Tok::RBracket,
                Tok::Comma,
                Tok::Colon,
                Tok::Eq,
                Tok::Gt,
                Tok::Wrt,
                Tok::Where,
            ]
        );
        assert_eq!(toks("wrtx _a"), vec![Tok::Name("wrtx".into()), Tok::Name("_a".into())]);
        assert_eq!(toks("2e"), vec![Tok::Num(Box::new(rat(2, 1))), Tok::Name("e".into())]);
    }

    /// What `--unicode` shows reads back: `·` multiplies, `π` is `pi`.
    #[test]
    fn unicode_product_and_pi_read_as_shown() {
        assert_eq!(toks("x·y"), vec![Tok::Name("x".into()), Tok::Star, Tok::Name("y".into())]);
        assert_eq!(toks("π"), vec![Tok::Name("pi".into())]);
        assert_eq!(
            toks("πr λ·2"),
            vec![Tok::Name("πr".into()), Tok::Name("λ".into()), Tok::Star, Tok::Num(Box::new(rat(2, 1)))]
        );
    }

    #[test]
    fn commands_only_at_the_start() {
        assert_eq!(toks(":q"), vec![Tok::Cmd(Cmd::Quit)]);
        assert_eq!(toks(":exit"), vec![Tok::Cmd(Cmd::Quit)]);
        assert_eq!(toks(":h"), vec![Tok::Cmd(Cmd::Help)]);
        assert_eq!(toks("  :timeit"), vec![Tok::Cmd(Cmd::Timeit)]);
        let spans: Vec<_> = Lexer::new("x[i:j]", 0).map(|t| t.unwrap()).collect();
        assert_eq!(spans[2], (2, Tok::Name("i".into()), 3));
        assert_eq!(spans[3], (3, Tok::Colon, 4));
        assert_eq!(spans[4], (4, Tok::Name("j".into()), 5));
        for (name, cmd) in COMMANDS {
            assert_eq!(toks(&format!(":{name}")), vec![Tok::Cmd(*cmd)]);
        }
    }

    #[test]
    fn errors_have_spans() {
        let err = Lexer::new(":grd x", 0).find_map(Result::err).unwrap();
        assert_eq!(err.message, "unknown command `:grd`");
        assert_eq!(err.help.as_deref(), Some("did you mean `:grad`?"));
        assert_eq!(err.span, Span::new(0, 4));
        let err = Lexer::new("x €", 10).find_map(Result::err).unwrap();
        assert_eq!(err.message, "unexpected character `€`");
        assert_eq!(err.span, Span::new(12, 15));
        let err = Lexer::new("load(\"abc", 0).find_map(Result::err).unwrap();
        assert_eq!(err.message, "unterminated string");
        assert_eq!(err.span.start, 5);
        let err = Lexer::new("$99999999999999999999999", 0).find_map(Result::err).unwrap();
        assert_eq!(err.message, "result number too large");
    }

    #[test]
    fn nearest_commands() {
        assert_eq!(nearest_command("grd"), Some("grad"));
        assert_eq!(nearest_command("hesian"), Some("hessian"));
        assert_eq!(nearest_command("lte"), Some("let"));
        assert_eq!(nearest_command("zzzzzzzz"), None);
    }
}
