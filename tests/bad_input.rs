//! The bad-input corpus (SPEC §8): every case in `tests/bad_input.txt` runs
//! in a fresh session that already holds a binding; the case must give its
//! expected answer (an error of a kind, at a column, with a message; or a
//! success, perhaps with a warning) within the time limit, and afterwards
//! the binding must still be there and the next statement must work.
//!
//! Format of `bad_input.txt`, one case a line (`#` lines are comments):
//!
//! ```text
//! INPUT  ⟹  KIND COLUMN MESSAGE      an error (KIND as in `ErrorKind`)
//! INPUT  ⟹  ok                       a success
//! INPUT  ⟹  warn MESSAGE             a success with a warning
//! ```
//!
//! `INPUT` may hold several statements separated by ` ;; `: all but the last
//! are set-up and must succeed. Escapes in `INPUT`: `\n \r \t \0 \s` (space)
//! `\\`, `\u{HEX}`, and `\*{N}{TEXT}` for `TEXT` repeated `N` times (so that
//! 1 MB lines stay readable here). `COLUMN` is 1-based, in characters, of
//! the error's start in the last statement (`LINE:COLUMN` when it spans
//! lines).
//!
//! `BAD_INPUT=print cargo test --test bad_input` prints what each case gives.

use std::sync::mpsc;
use std::time::{Duration, Instant};
use symgrad::session::Session;

/// Each case, with its set-up and the checks after it, must end within this.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The binary's worker thread has 1 GiB; a quarter of it is plenty here.
const STACK: usize = 256 << 20;

#[derive(Debug)]
struct Case {
    line: usize,
    source: String,
    input: String,
    expect: String,
}

fn unescape(s: &str, line: usize) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let braced = |chars: &mut std::iter::Peekable<std::str::Chars>| -> String {
            assert_eq!(chars.next(), Some('{'), "line {line}: `{{` expected after escape");
            let mut depth = 1;
            let mut inner = String::new();
            for c in chars.by_ref() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    return inner;
                }
                inner.push(c);
            }
            panic!("line {line}: unclosed `{{`");
        };
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('s') => out.push(' '),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex = braced(&mut chars);
                let n = u32::from_str_radix(&hex, 16).unwrap_or_else(|_| panic!("line {line}: bad \\u{{{hex}}}"));
                out.push(char::from_u32(n).unwrap_or_else(|| panic!("line {line}: bad char {n:x}")));
            }
            Some('*') => {
                let n: usize = braced(&mut chars).parse().unwrap_or_else(|_| panic!("line {line}: bad count"));
                let text = unescape(&braced(&mut chars), line);
                out.push_str(&text.repeat(n));
            }
            other => panic!("line {line}: unknown escape \\{other:?}"),
        }
    }
    out
}

fn cases() -> Vec<Case> {
    let text = include_str!("bad_input.txt");
    let mut out = Vec::new();
    for (k, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let (input, expect) = t.rsplit_once('⟹').unwrap_or_else(|| panic!("line {}: no `⟹`", k + 1));
        out.push(Case {
            line: k + 1,
            source: input.trim().to_string(),
            input: unescape(input.trim(), k + 1),
            expect: expect.trim().to_string(),
        });
    }
    out
}

/// What a statement gave, in the corpus's own notation.
fn outcome(session: &mut Session, stmt: &str) -> String {
    match session.run(stmt) {
        Ok(items) => match items.iter().flat_map(|i| i.warnings.iter()).next() {
            Some(w) => format!("warn {w}"),
            None => "ok".to_string(),
        },
        Err(e) => {
            let (line, col) = symgrad::script::line_col(stmt, e.span.start);
            let pos = if line > 1 { format!("{line}:{col}") } else { col.to_string() };
            format!("{:?} {pos} {}", e.kind, e.message)
        }
    }
}

fn matches(expect: &str, got: &str) -> bool {
    if expect == "ok" {
        return got == "ok";
    }
    if let Some(w) = expect.strip_prefix("warn ") {
        return got.strip_prefix("warn ").is_some_and(|g| g.contains(w));
    }
    let mut e = expect.splitn(3, ' ');
    let mut g = got.splitn(3, ' ');
    e.next() == g.next() && e.next() == g.next() && g.next().unwrap_or("").contains(e.next().unwrap_or(""))
}

/// Runs one case on its own thread; `Err` describes a failure.
fn run_case(case: &Case) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    let input = case.input.clone();
    let spawned = std::thread::Builder::new().stack_size(STACK).spawn(move || {
        let mut s = Session::new();
        let kept = s.run(":let kept = 41");
        let mut stmts: Vec<&str> = input.split(" ;; ").collect();
        let last = stmts.pop().unwrap_or("");
        for setup in stmts {
            if let Err(e) = s.run(setup) {
                let _ = tx.send(Err(format!("set-up `{setup}` failed: {}", e.message)));
                return;
            }
        }
        let got = outcome(&mut s, last);
        let after =
            s.run("kept + 1").map(|items| items.first().and_then(|i| i.value.as_ref()).map(|v| format!("{v:?}")));
        let _ = tx.send(Ok((kept.is_ok(), got, after.map_err(|e| e.message))));
    });
    spawned.map_err(|e| format!("cannot spawn: {e}"))?;
    let start = Instant::now();
    match rx.recv_timeout(TIMEOUT) {
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("no answer within {TIMEOUT:?}")),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the session panicked".to_string()),
        Ok(Err(m)) => Err(m),
        Ok(Ok((kept, got, after))) => {
            if !kept {
                return Err("`:let kept = 41` failed".into());
            }
            match after {
                Ok(Some(v)) if v.contains("42") => {}
                other => return Err(format!("{got}; then `kept + 1` gave {other:?}")),
            }
            let _ = start;
            Ok(got)
        }
    }
}

#[test]
fn bad_input_corpus() {
    let cases = cases();
    let print = std::env::var("BAD_INPUT").is_ok_and(|v| v == "print");
    let mut failures = Vec::new();
    for case in &cases {
        match run_case(case) {
            Ok(got) if print => println!("{}  ⟹  {}", case.source, got.replace('\n', "\\n")),
            Ok(got) if matches(&case.expect, &got) => {}
            Ok(got) => failures
                .push(format!("line {}: `{}`\n  expected {}\n  got      {got}", case.line, case.source, case.expect)),
            Err(m) => failures.push(format!("line {}: `{}`: {m}", case.line, case.source)),
        }
    }
    assert!(cases.len() >= 150, "the corpus has {} cases, fewer than 150", cases.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Runs the binary; returns the exit code and stdout + stderr.
fn symgrad(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_symgrad"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("symgrad runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn unreadable_scripts_exit_2() {
    let dir = std::env::temp_dir().join(format!("symgrad-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let binary = dir.join("binary.sd");
    std::fs::write(&binary, b"x + 1\n\0\x01\x02").expect("written");
    let latin1 = dir.join("latin1.sd");
    std::fs::write(&latin1, b"x + \xe9\n").expect("written");
    let cases: [(&str, &str); 5] = [
        ("/nonexistent/file.sd", "cannot read `/nonexistent/file.sd`: no such file or directory"),
        ("/", "cannot read `/`: it is a directory"),
        ("/dev/zero", "is too large for a script"),
        (binary.to_str().expect("utf-8"), "is not a text file"),
        (latin1.to_str().expect("utf-8"), "is not UTF-8 text"),
    ];
    for (path, message) in cases {
        let (code, text) = symgrad(&[path]);
        assert_eq!(code, 2, "{path}: {text}");
        assert!(text.contains(message), "{path}: {text}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn file_errors_in_statements_exit_1_with_position() {
    let dir = std::env::temp_dir().join(format!("symgrad-bad-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let me = dir.join("me.sd");
    std::fs::write(&me, format!("x + 1\n:load {}\n", me.display())).expect("written");
    let (code, text) = symgrad(&[me.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(":load nested deeper than 16 (does the script load itself?)"), "{text}");
    assert!(text.contains("me.sd:2:7: error:"), "{text}");
    // Its place is named once, not once per level.
    assert_eq!(text.matches("me.sd:").count(), 2, "{text}");
    let (code, text) = symgrad(&["-e", ":let a = 1", "-e", ":save /proc/nope/x.sd", "-e", "a"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("-e:2:7: error: cannot write `/proc/nope/x.sd`: no such file or directory"), "{text}");
    let (code, text) = symgrad(&["--keep-going", "-e", "1/0", "-e", "2 + 2"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("-e:1:2: error: division by zero") && text.contains("4"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_statement_given_to_e_may_start_with_a_minus() {
    // `-x^2` is SPEC's own example; clap must not read it as a flag.
    let (code, text) = symgrad(&["-e", ":let x = 3", "-e", "-x^2", "-e", "-1 + x"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("$1 = -x^2 = -9") && text.contains("$2 = x - 1 = 2"), "{text}");
}

#[test]
fn output_is_plain_unless_unicode_is_asked_for() {
    // The plain form pastes back (SPEC §3); the Unicode one is display only.
    let (code, text) = symgrad(&["-e", ":grad tanh(x)^2 wrt x", "-e", "2*tanh(x)*(1 - tanh(x)^2)"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("= 2*tanh(x)*(1 - tanh(x)^2)\n$2 = 2*tanh(x)*(1 - tanh(x)^2)"), "{text}");
    let (code, text) = symgrad(&["--unicode", "-e", ":grad tanh(x)^2 wrt x"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("= 2·tanh(x)·(1 - tanh(x)²)"), "{text}");
}

#[test]
fn limits_are_configurable_from_the_command_line() {
    let (code, text) = symgrad(&["--limit", "list"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("grad_order=64") && text.contains("exact_bits=16384"), "{text}");
    let (code, text) = symgrad(&["--limit", "grad_order=1", "-e", "grad(grad(x^3, x), x)"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("-e:1:6: error: grad(...) nested more than 1 deep (grad_order)"), "{text}");
    let (code, text) = symgrad(&["--limit", "statement_bytes=5", "-e", "1 + 2 + 3"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("statement too long: 9 bytes, the limit is 5"), "{text}");
    let (code, text) = symgrad(&["--limit", "nope=3", "-e", "1"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("unknown limit `nope`"), "{text}");
}

#[test]
fn a_failed_statement_changes_no_binding() {
    // The first binding of a :let that fails is not kept (SPEC §8).
    let (code, text) = symgrad(&["--keep-going", "-e", ":let p = 1", "-e", ":let p = 5, q = 1/0", "-e", "p + q"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("-e:2:18: error: division by zero") && text.contains("$1 = p + q"), "{text}");
    assert!(!text.contains("= 6"), "{text}");
    // A cycle refused at the :let leaves neither half behind.
    let (_, text) = symgrad(&["--keep-going", "-e", ":let a = b, b = a", "-e", ":vars"]);
    assert!(text.contains("would be defined in terms of itself") && text.contains("no bindings"), "{text}");
    // :def does not take over a variable's name.
    let (_, text) = symgrad(&["--keep-going", "-e", ":let x = 2", "-e", ":def x(t) = t^2", "-e", "x + 1"]);
    assert!(text.contains("`x` is a variable; `:unlet x` first") && text.contains("$1 = 1 + x = 3"), "{text}");
    // A :var with a bad dimension declares none of its names; one that
    // drops a value says so.
    let (_, text) =
        symgrad(&["--keep-going", "-e", ":var q[2], r[0]", "-e", ":let x = [1, 2]", "-e", ":var x[3]", "-e", ":vars"]);
    assert!(!text.contains("q : [2]") && text.contains("x : [3]"), "{text}");
    assert!(text.contains("warning: `x` had a value; it is now a variable of shape [3]"), "{text}");
    // :timeit refuses a statement without results before running it.
    let (_, text) =
        symgrad(&["--keep-going", "-e", ":let q = 2", "-e", ":timeit :unlet q", "-e", ":timeit :let q = 3", "-e", "q"]);
    assert!(text.contains("-e:2:1: error: :timeit needs an expression") && text.contains("$1 = q = 2"), "{text}");
}

#[test]
fn an_unclosed_bracket_does_not_swallow_the_script() {
    let dir = std::env::temp_dir().join(format!("symgrad-unclosed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("typo.sd");
    std::fs::write(&path, ":let a = 2\nsin(a\n:let b = 3\na + b\n").unwrap();
    let (code, text) = symgrad(&["--keep-going", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("typo.sd:2:6: error: unexpected end of input"), "{text}");
    assert!(text.contains("the `(` at column 4 is not closed"), "{text}");
    assert!(text.contains("b = 3") && text.contains("$1 = a + b = 5"), "{text}");
    // Each -e is a statement of its own.
    let (_, text) = symgrad(&["--keep-going", "-e", "sin(", "-e", "1 + 1"]);
    assert!(text.contains("$1 = 2"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_large_float_jacobian_is_not_refused_as_exact_work() {
    // Its seeds eye(n)[k] are exact, but selecting a row is n operations:
    // exact_ops (250,000) once refused n = 1000. Checked by identities of
    // softmax's Jacobian J = diag(s) - s sᵀ: rows sum to 0, trace(J) = 1 - Σ s².
    let (code, text) = symgrad(&[
        "-e",
        ":let x = randn(1000)",
        "-e",
        ":grad softmax(x) wrt x",
        "-e",
        "sum($1)",
        "-e",
        "trace($1) - (1 - sum(softmax(x)^2))",
        "-e",
        "sum(float(eye(1000)))",
    ]);
    let tail = &text[text.len().saturating_sub(600)..];
    assert_eq!(code, 0, "{tail}");
    let value = |result: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(result)).unwrap_or_else(|| panic!("{result}: {tail}"));
        line.rsplit(" = ").next().and_then(|v| v.trim().parse().ok()).unwrap_or_else(|| panic!("{line}"))
    };
    assert!(value("$2 = ").abs() < 1e-12, "{tail}");
    assert!(value("$3 = ").abs() < 1e-12, "{tail}");
    assert_eq!(value("$4 = "), 1000.0, "{tail}");
}

/// `:save` writes the session's `:reset`, so a saved session read back
/// resets inside its `:load`: later `:load`s still work (the nesting count
/// was lost and every later `:load` failed as "nested deeper than 16").
#[test]
fn a_reset_inside_a_loaded_script_leaves_load_working() {
    let dir = std::env::temp_dir().join(format!("symgrad-reset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (first, second) = (dir.join("first.sd"), dir.join("second.sd"));
    std::fs::write(&first, ":let a = 1\n:reset\n:let b = 2\n").unwrap();
    std::fs::write(&second, ":let c = 3\n").unwrap();
    let (one, two) = (format!(":load {}", first.display()), format!(":load {}", second.display()));
    let (code, text) = symgrad(&["-e", &one, "-e", &two, "-e", "b + c", "-e", &one]);
    assert_eq!(code, 0, "{text}");
    assert!(text.ends_with("$1 = b + c = 5\na = 1\nsession reset\nb = 2\n"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_load_that_fails_shows_what_ran_and_save_writes_each_statement_once() {
    let dir = std::env::temp_dir().join(format!("symgrad-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (bad, part, saved) = (dir.join("bad.sd"), dir.join("part.sd"), dir.join("saved.sd"));
    std::fs::write(&bad, "x^2\n1/0\ny + 1\n").unwrap();
    std::fs::write(&part, "x^2\n").unwrap();
    let load_bad = format!(":load {}", bad.display());
    let (code, text) = symgrad(&["--keep-going", "-e", &load_bad, "-e", "$1"]);
    assert_eq!(code, 1, "{text}");
    // $1 ran before the error and is shown, so $2 follows it.
    assert!(text.contains("$1 = x^2\n$2 = x^2") && text.contains("bad.sd:2:2: error: division by zero\n"), "{text}");
    let (load, save) = (format!(":load {}", part.display()), format!(":save {}", saved.display()));
    let (code, text) = symgrad(&["-e", &load, "-e", "$1 + 1", "-e", &save]);
    assert_eq!(code, 0, "{text}");
    // The loaded statement is written, the :load line is not: it replays once.
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "x^2\n$1 + 1\n");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_row_of_the_identity_is_made_without_the_identity() {
    // The derivative of an element of a rank-3 tensor is a unit tensor,
    // eye(8000)[k] reshaped: 8,000 values, not the 64 million of eye(8000).
    let (code, text) = symgrad(&[
        "-e",
        ":let T = randn(20, 20, 20)",
        "-e",
        ":grad T[1, 2, 3]^2 wrt T",
        "-e",
        "sum($1) - 2*T[1, 2, 3]",
    ]);
    assert_eq!(code, 0, "{}", &text[text.len().saturating_sub(600)..]);
    assert!(
        text.contains("$2 = 2*sum(T[1, 2, 3]*reshape(eye(8000)[443], 20, 20, 20)) - 2*T[1, 2, 3] = 0.0"),
        "{}",
        &text[text.len().saturating_sub(600)..]
    );
    // eye itself, and its rows, still evaluate.
    let (code, text) = symgrad(&["-e", "eye(3)[1] + eye(3)[2]", "-e", "sum(eye(3)*[1, 2, 3])"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("= [0, 1, 1]") && text.contains("$2 = sum([1, 2, 3]*eye(3)) = 6"), "{text}");
}

#[test]
fn a_failed_statement_gives_one_json_object() {
    let (code, text) = symgrad(&["--json", "--keep-going", "-e", "sin(", "-e", "1/0", "-e", "2"]);
    assert_eq!(code, 1, "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains(r#""ok":false"#) && lines[1].contains(r#""ok":false"#), "{text}");
    assert!(lines[2].contains(r#""value":2"#), "{text}");
}

#[test]
fn habits_and_typos_get_advice() {
    let (_, text) = symgrad(&[
        "--keep-going",
        "-e",
        "x = 2",
        "-e",
        "x**2",
        "-e",
        "diff(sin(x), x)",
        "-e",
        ":let alpha = 2",
        "-e",
        ":eval alpah + 1",
        "-e",
        ":grad alpha*x wrt alpah",
        "-e",
        "x == 2",
        "-e",
        ":grad x^2 wrt 3",
        "-e",
        ":hessian x^2 wrt sin(x)",
        "-e",
        "exit",
    ]);
    for advice in [
        "there are no comparisons (`==`)",
        "`wrt` needs the names of variables, not a number",
        "`wrt` needs the names of variables, not an expression",
        "`exit` is a symbol here; `:quit` (or Ctrl-D) leaves",
        "to bind a name: `:let x = …`",
        "powers are written `^`: `x^2`",
        "to differentiate: `grad(f, x)` or `:grad f wrt x`",
        "did you mean `alpha`? or give it a value with :let",
        "`alpah` does not occur in the expression (did you mean `alpha`?)",
    ] {
        assert!(text.contains(advice), "{advice}: {text}");
    }
}

/// SPEC §7: exact constants fold (`2*[1, 2]` is `[2, 4]`); a float result
/// stays an expression, and so do the unit vectors `eye(n)[k]`.
#[test]
fn exact_constant_tensors_fold() {
    let (code, text) = symgrad(&[
        "-e",
        "2*[1, 2]",
        "-e",
        "sum([1, 2]) + [1, 2][1]",
        "-e",
        "[[1, 2], [3, 4]]' - [1, 1]",
        "-e",
        "sin([0, 1])",
        "-e",
        "eye(3)[0]",
        "-e",
        ":grad sum([1, 2]*[3, 4]*x) wrt x",
        "-e",
        "[1, 2]^[2, 3] + prod([1/2, 2/3]) + norm([3, 4]) + [[1, 2], [3, 4]] @ [1, 1]",
        "-e",
        "norm([1, 1])",
    ]);
    assert_eq!(code, 0, "{text}");
    for line in [
        "$1 = [2, 4]",
        "$2 = 5",
        "$3 =\n[[0, 2],\n [1, 3]]",
        "$4 = sin([0, 1]) = [0.0, 0.8414709848078965]",
        "$5 = eye(3)[0] = [1, 0, 0]",
        "$6 = ∂(sum([1, 2]*[3, 4]*x))/∂x = 11",
        "$7 = [28/3, 61/3]",
        "$8 = norm(ones(2)) = 1.4142135623730951",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
}

/// The memory check counts what evaluation holds at once (it drops each
/// value after its last use): a 40×40 Hessian of 20 MB was refused as
/// 685 MiB, the sum of all the values it makes.
#[test]
fn the_memory_check_counts_values_held_at_once() {
    let (code, text) = symgrad(&[
        "-e",
        ":seed 1",
        "-e",
        ":let W = randn(40, 40), x = randn(40)",
        "-e",
        ":hessian logsumexp(W@x) wrt W",
        "-e",
        "sum(abs(reshape($1, 1600, 1600) - transpose(reshape($1, 1600, 1600))))",
    ]);
    assert_eq!(code, 0, "{}", text.get(..2000).unwrap_or(&text));
    // Symmetric, as a Hessian is (to rounding).
    let asymmetry: f64 = text.trim_end().rsplit("= ").next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
    assert!(asymmetry.abs() < 1e-9, "{}", text.get(text.len().saturating_sub(300)..).unwrap_or(""));
}

/// SPEC §6: the n-th `-e` is line n, whatever newlines the ones before it
/// hold (an `-e` of two lines moved every later error down one).
#[test]
fn the_nth_e_is_line_n() {
    let (_, text) = symgrad(&["--json", "--keep-going", "-e", "a", "-e", "[1,\n2]", "-e", "1/0", "-e", "zz +"]);
    let lines: Vec<serde_json::Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let line_of = |input: &str| {
        lines.iter().find(|j| j["input"] == input).map(|j| (j["line"].clone(), j["error"]["line"].clone()))
    };
    assert_eq!(line_of("1/0"), Some((3.into(), 3.into())), "{text}");
    assert_eq!(line_of("zz +"), Some((4.into(), 4.into())), "{text}");
    let (_, text) = symgrad(&["--keep-going", "-e", "[1,\n2]", "-e", "1/0"]);
    assert!(text.contains("-e:2:2: error: division by zero") && text.contains(" 2 │1/0"), "{text}");
}

/// Exact numbers past f64's range keep their logarithms and roots finite
/// (`log(10^400)` was `inf`: the number went to f64 first).
#[test]
fn logs_and_roots_of_huge_exact_numbers_are_finite() {
    let cases = [
        ("log(10^400)", 400.0 * 10f64.ln()),
        ("log(2^2000)", 2000.0 * 2f64.ln()),
        ("log(10^-400)", -400.0 * 10f64.ln()),
        ("sqrt(10^401)", 10f64.sqrt() * 1e200),
        ("(10^400)^(1/3)", 10f64.powf(1.0 / 3.0) * 1e133),
    ];
    for (e, want) in cases {
        let (code, text) = symgrad(&["-e", e]);
        let got: f64 = text.trim_end().rsplit("= ").next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
        assert!(code == 0 && ((got - want) / want).abs() < 1e-12, "{e}: {got} vs {want}\n{text}");
    }
}

/// A formula written over lines is shown on one line.
#[test]
fn a_multi_line_formula_is_shown_on_one_line() {
    let (code, text) = symgrad(&["-e", ":let f = (sin(x) +\n   cos(x))", "-e", ":vars"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.matches("f := sin(x) + cos(x)\n").count(), 2, "{text}");
}

/// A derivative of a statement written over lines is named on one line.
#[test]
fn a_multi_line_statement_is_named_on_one_line() {
    let (code, text) = symgrad(&["-e", ":grad (x +\n   y)^2 wrt x"]);
    assert_eq!((code, text.as_str()), (0, "$1 = ∂((x + y)^2)/∂x = 2*x + 2*y\n"));
}

#[test]
fn a_result_made_again_draws_the_same_random_numbers() {
    // `$1`, `$2` and the formula `f` are made again once a binding they
    // read changes, after other draws: their numbers stay the ones printed.
    let (code, text) = symgrad(&[
        "-e",
        ":seed 5",
        "-e",
        "sum(randn(2)*x)",
        "-e",
        "randn(3)",
        "-e",
        ":let z = 1",
        "-e",
        ":let f = randn(2)*z",
        "-e",
        ":let x = 1, z = 2",
        "-e",
        ":eval $1",
        "-e",
        "$2",
        "-e",
        "f",
    ]);
    assert_eq!(code, 0, "{text}");
    let line = |start: &str| text.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("{start}: {text}"));
    let inside = |l: &str| l[l.find('[').unwrap() + 1..l.find(']').unwrap()].to_string();
    assert_eq!(inside(line("$3 = ")), inside(line("$1 = ")), "{text}");
    assert_eq!(inside(line("$4 = ")), inside(line("$2 = ")), "{text}");
    let f = inside(line("f := "));
    assert!(line("$5 = ").starts_with(&format!("$5 = z*[{f}]")), "{text}");
}

#[test]
fn a_failed_statement_draws_no_random_numbers() {
    // It is not saved, so the saved session replays with the same draws.
    let (_, text) =
        symgrad(&["--keep-going", "-e", ":seed 1", "-e", ":let a = randn(3) + [1, 2]", "-e", ":let b = randn(2)"]);
    let (_, again) = symgrad(&["-e", ":seed 1", "-e", ":let b = randn(2)"]);
    let b = |t: &str| t.lines().find(|l| l.starts_with("b = ")).map(str::to_string);
    assert!(b(&text).is_some() && b(&text) == b(&again), "{text}\n{again}");
}

#[test]
fn ans_that_cannot_be_evaluated_says_why() {
    let (code, text) = symgrad(&["-e", ":grad log(x) wrt x", "-e", ":let x = 0"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("warning: ans has no value: division by zero in `1/x`"), "{text}");
}

#[test]
fn habits_from_python_get_advice() {
    let cases = [
        ("y = 2", "to bind a name: `:let y = …`"),
        ("f(x) = x^2", "to define a function: `:def f(…) = …`"),
        ("sum(x, axis=0)", "arguments are positional, without names"),
        ("A.T", "there are no methods or modules"),
        ("x**2", "powers are written `^`"),
    ];
    for (input, help) in cases {
        let (code, text) = symgrad(&["-e", input]);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains(help), "{input}: {text}");
    }
}

#[test]
fn save_leaves_out_the_pane() {
    // A saved :show would open the pane on :load.
    let path = std::env::temp_dir().join(format!("symgrad-save-show-{}.sd", std::process::id()));
    let save = format!(":save {}", path.display());
    let (code, text) = symgrad(&["-e", "x^2", "-e", ":show x^2 wrt x", "-e", &save]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "x^2\n");
    std::fs::remove_file(&path).ok();
}

/// JSON's `value` is f64: an exact number beyond its range shows as inf
/// there, and a warning says so (`exact` holds the number).
#[test]
fn an_exact_value_beyond_f64_is_flagged_in_json() {
    let (code, text) = symgrad(&["--json", "-e", "[6/5, 3764/1000]^1000", "-e", "(6/5)^10", "-e", "2^-1100"]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains(r#""inf""#) && lines[0].contains("beyond f64's range"), "{text}");
    assert!(!lines[1].contains("warnings"), "{text}");
    assert!(lines[2].contains("below f64's range"), "{text}");
}

/// Bytes that are not UTF-8 are reported with their line and column, for
/// a script file as for standard input.
#[test]
fn text_that_is_not_utf8_says_where() {
    let dir = std::env::temp_dir().join(format!("symgrad-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("bad.sg");
    std::fs::write(&file, b"1+1\n2+2\nx\xff + 1\n").expect("write");
    let (code, text) = symgrad(&[file.to_str().expect("path")]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is not UTF-8 text (line 3, column 2)"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `:load` inside a file looks next to that file first; in `--json`,
/// each loaded statement is an object with its own file, line and input
/// (`:seed` included); an error in a loaded file is shown at its line.
#[test]
fn loaded_files_keep_their_places() {
    let dir = std::env::temp_dir().join(format!("symgrad-nested-load-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    std::fs::write(dir.join("sub/outer.sg"), ":let q = 1\n:seed 3\n:load inner.sg\n").expect("write");
    std::fs::write(dir.join("sub/inner.sg"), ":let r = 2\n\nq +* r\n").expect("write");
    let outer = dir.join("sub/outer.sg");
    let load = format!(":load {}", outer.to_str().expect("path"));
    let (code, text) = symgrad(&["--json", "-e", &load]);
    assert_eq!(code, 1, "{text}");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!((lines[1]["input"].as_str(), lines[1]["line"].as_u64()), (Some(":seed 3"), Some(2)));
    assert!(lines[2]["file"].as_str().is_some_and(|f| f.ends_with("inner.sg")), "{text}");
    assert!(lines[3]["error"]["message"].as_str().is_some_and(|m| m.contains("inner.sg:3:4")), "{text}");
    let (_, text) = symgrad(&["-e", &load]);
    assert!(text.contains(" 3 │q +* r"), "the diagram shows the loaded file's line:\n{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Output that cannot be written (a full disk) is an error with a message
/// and exit status 2, not a silent success.
#[test]
fn output_that_cannot_be_written_is_reported() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else { return };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_symgrad"))
        .args(["-e", ":help"])
        .stdout(full)
        .output()
        .expect("symgrad runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the output"));
}
