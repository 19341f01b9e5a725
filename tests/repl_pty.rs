//! End-to-end tests of the interactive REPL: the real binary on a
//! pseudo-terminal (rexpect), typed at as a person would, with what it
//! writes back checked (colours stripped). The history file is a temporary
//! one (`SYMGRAD_HISTORY`), never the user's. Timeouts are generous for a
//! loaded machine; where no pty can be opened the tests pass with a note.

use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIMEOUT_MS: u64 = 10_000;
const PROMPT: &str = "» ";
const UP: &str = "\x1b[A";

fn temp_history(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("symgrad-pty-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("nested").join("history")
}

/// The REPL on a fresh pty, or `None` (test skipped) when none can be had.
fn spawn(history: &Path, args: &[&str]) -> Option<PtySession> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_symgrad"));
    cmd.args(args).env("SYMGRAD_HISTORY", history).env("TERM", "xterm").env_remove("NO_COLOR");
    let opts = Options::new().timeout_ms(Some(TIMEOUT_MS)).strip_ansi_escape_codes(true);
    match spawn_with_options(cmd, opts) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("note: skipped, no pseudo-terminal: {e}");
            None
        }
    }
}

/// rexpect turns each byte it reads into one `char`, so UTF-8 text arrives
/// as one char per byte: needles are spelled that way, and what was read is
/// decoded back.
fn as_bytes(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

fn decode(s: &str) -> String {
    let bytes: Vec<u8> = s.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Waits for `needle`; returns what came before it, or fails the test with
/// what was seen instead.
fn expect(p: &mut PtySession, needle: &str) -> String {
    match p.exp_string(&as_bytes(needle)) {
        Ok(before) => decode(&before),
        Err(e) => panic!("expected {needle:?}: {}", decode(&e.to_string())),
    }
}

fn send(p: &mut PtySession, s: &str) {
    p.send(s).expect("write to the pty");
    p.flush().expect("flush the pty");
}

/// Lets the REPL take up a key that ends a read before typing more:
/// rustyline drops what was typed ahead when a read ends with Ctrl-C, and
/// sometimes after a blank line.
fn settle() {
    std::thread::sleep(Duration::from_millis(300));
}

/// Types a statement, waits for `needle` in its output and then for the
/// next prompt; returns what came before the needle. The needle must not be
/// in the typed text (rustyline redraws the prompt and line with every key,
/// so only a prompt after the output says the next read has begun).
///
/// Waiting for that prompt matters for the control keys sent next: between
/// two reads the terminal is in cooked mode, where the tty driver itself
/// takes Ctrl-D (an end of file that never reaches the REPL), Ctrl-R
/// (reprint) and Ctrl-C (SIGINT); a key sent there is lost.
fn run(p: &mut PtySession, line: &str, needle: &str) -> String {
    send(p, &format!("{line}\r"));
    let before = expect(p, needle);
    expect(p, PROMPT);
    before
}

#[test]
fn a_session_with_completion_continuation_errors_and_ctrl_c() {
    let hist = temp_history("session");
    let Some(mut p) = spawn(&hist, &[]) else { return };
    expect(&mut p, "symgrad ");
    expect(&mut p, PROMPT);

    // Tab completes the command, then the function with its bracket.
    send(&mut p, ":gr\t");
    expect(&mut p, ":grad ");
    send(&mut p, "sigm\t");
    expect(&mut p, "sigmoid(");
    // The hint shows the signature while the call is open.
    expect(&mut p, "sigmoid(x) -> same shape");
    let out = run(&mut p, "x) wrt x", "$1 = ∂(sigmoid(x))/∂x = ");
    assert!(!out.contains("error"), "{out:?}");

    // An unclosed bracket continues on the next line.
    send(&mut p, ":let v = [1,\r");
    std::thread::sleep(Duration::from_millis(200));
    let out = run(&mut p, " 2, 3]", "v = [1, 2, 3]");
    assert!(!out.contains("error"), "{out:?}");
    // An empty line ends it anyway: a stray `sin(` gets its error.
    send(&mut p, "sin(\r");
    std::thread::sleep(Duration::from_millis(200));
    run(&mut p, "", "error");
    // A line wrong already, bracket open or not, gets its error at once.
    let out = run(&mut p, ":grad sin(x wrt x", "input:1:13");
    assert!(out.contains("unexpected `wrt`"), "{out:?}");

    // A typo: a caret under it and the nearest name.
    let out = run(&mut p, "sni(v) + 1", "did you mean `sin`?");
    assert!(out.contains("unknown function `sni`"), "{out:?}");
    assert!(out.contains('╰'), "caret diagram: {out:?}");

    // Ctrl-C drops the line being typed (else this would be 1 + 23*4).
    send(&mut p, "1 + 2");
    expect(&mut p, "1 + 2");
    p.send_control('c').expect("ctrl-c");
    settle();
    run(&mut p, "3*4", "$2 = 12");

    // Ctrl-C stops a running computation (`:timeit` runs for a second, and
    // each evaluation here takes long enough not to reach its run cap).
    run(&mut p, ":let w = randn(200000)", "w = ");
    send(&mut p, ":timeit :grad sum(exp(w)) wrt w\r");
    std::thread::sleep(Duration::from_millis(400));
    p.send_control('c').expect("ctrl-c");
    let out = expect(&mut p, "interrupted");
    assert!(!out.contains("per evaluation"), "{out:?}");
    // Nothing was lost: v and $2 are still there.
    run(&mut p, "sum(v) + $2", "= 18");

    // A pasted block of two statements runs both.
    send(&mut p, "\x1b[200~:let a = 3\n:grad a*x^2 wrt x\x1b[201~\r");
    expect(&mut p, "a = 3");
    expect(&mut p, "/∂x = ");
    // A pasted script with an unclosed bracket is split as a script is:
    // the bracket's error names it, and the rest is said not to have run.
    send(&mut p, "\x1b[200~sin(x\n:let b = 1\nb + 1\x1b[201~\r");
    let out = expect(&mut p, "(2 more statements not run)");
    assert!(out.contains("the `(` at column 4 is not closed"), "{out:?}");

    // Help with a working example.
    run(&mut p, ":help grad", ":grad relu(x*w + b) wrt w");
    // Results print in the plain form, which pastes back (SPEC §3).
    let out = run(&mut p, ":grad x^3*y wrt x", "= 3*x^2*y");
    assert!(!out.contains('²'), "{out:?}");

    // Ctrl-D on an empty line quits.
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exit on ctrl-d");
    let _ = std::fs::remove_dir_all(hist.parent().and_then(Path::parent).unwrap_or(&hist));
}

#[test]
fn history_survives_a_restart() {
    let hist = temp_history("history");
    let Some(mut p) = spawn(&hist, &["--quiet"]) else { return };
    let out = run(&mut p, ":let y = 2 + 3", "y = 5");
    assert!(!out.contains("symgrad "), "--quiet shows no banner: {out:?}");
    run(&mut p, ":grad [y,\r y^2] wrt y", "= [1, 10]");
    run(&mut p, "y^2 + 1", "= 26");
    run(&mut p, "y^2 + 1", "= 26");
    send(&mut p, "   \r");
    settle();
    send(&mut p, ":quit\r");
    p.exp_eof().expect("exit on :quit");

    // Duplicates, blank lines and `:quit` are not kept.
    let text = std::fs::read_to_string(&hist).expect("history file written");
    assert_eq!(text.matches("y^2 + 1").count(), 1, "{text:?}");
    assert!(!text.lines().any(|l| l.trim().is_empty()), "{text:?}");
    assert!(!text.contains(":quit"), "{text:?}");
    // The continued statement is one entry.
    assert!(text.lines().any(|l| l.contains("[y,") && l.contains("y^2] wrt y")), "{text:?}");

    let Some(mut p) = spawn(&hist, &["--quiet"]) else { return };
    // Up recalls the last statement of the previous session; `y` has no
    // value in this one, so it stays symbolic.
    send(&mut p, UP);
    expect(&mut p, "y^2 + 1");
    let out = run(&mut p, "", "$1 = ");
    assert!(!out.contains("26"), "{out:?}");
    // Ctrl-R searches back.
    p.send_control('r').expect("ctrl-r");
    send(&mut p, "let");
    expect(&mut p, ":let y = 2 + 3");
    run(&mut p, "", "y = 5");
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exit on ctrl-d");

    // --no-history neither reads nor writes the file.
    let before = std::fs::read_to_string(&hist).unwrap_or_default();
    let Some(mut p) = spawn(&hist, &["--quiet", "--no-history"]) else { return };
    run(&mut p, "12345", "$1 = 12345");
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exit on ctrl-d");
    assert_eq!(std::fs::read_to_string(&hist).unwrap_or_default(), before);
    let _ = std::fs::remove_dir_all(hist.parent().and_then(Path::parent).unwrap_or(&hist));
}
