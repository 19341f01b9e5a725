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

/// Waits for `needle`, failing the test with what was seen instead.
fn expect(p: &mut PtySession, needle: &str) -> String {
    match p.exp_string(needle) {
        Ok(before) => before,
        Err(e) => panic!("expected {needle:?}: {e}"),
    }
}

fn send(p: &mut PtySession, s: &str) {
    p.send(s).expect("write to the pty");
    p.flush().expect("flush the pty");
}

/// Types a statement and waits for the next prompt; returns what came
/// between (the echo and the output).
fn run(p: &mut PtySession, line: &str) -> String {
    send(p, &format!("{line}\r"));
    expect(p, PROMPT)
}

#[test]
fn a_session_with_completion_continuation_errors_and_ctrl_c() {
    let hist = temp_history("session");
    let Some(mut p) = spawn(&hist, &[]) else { return };
    let banner = expect(&mut p, PROMPT);
    assert!(banner.contains("symgrad "), "banner: {banner:?}");

    // Tab completes the command, then the function with its bracket.
    send(&mut p, ":gr\t");
    expect(&mut p, ":grad ");
    send(&mut p, "sigm\t");
    expect(&mut p, "sigmoid(");
    let out = run(&mut p, "x) wrt x");
    assert!(out.contains("$1 = ∂(sigmoid(x))/∂x = "), "{out:?}");
    assert!(out.contains("sigmoid(x)"), "{out:?}");

    // An unclosed bracket continues on the next line.
    send(&mut p, ":let v = [1,\r");
    // Still the same statement: no output, no new prompt yet.
    std::thread::sleep(Duration::from_millis(200));
    send(&mut p, " 2, 3]\r");
    let out = expect(&mut p, PROMPT);
    assert!(out.contains("v = [1, 2, 3]"), "{out:?}");
    assert!(!out.contains("error"), "{out:?}");

    // A typo: a caret under it and the nearest name.
    let out = run(&mut p, "sni(v) + 1");
    assert!(out.contains("unknown function `sni`"), "{out:?}");
    assert!(out.contains("did you mean `sin`?"), "{out:?}");
    assert!(out.contains('╰'), "caret diagram: {out:?}");

    // Ctrl-C drops the line being typed; the session goes on.
    send(&mut p, "1 + 2");
    expect(&mut p, "1 + 2");
    p.send_control('c').expect("ctrl-c");
    let out = run(&mut p, "3*4");
    assert!(out.contains("$2 = 12"), "{out:?}");

    // Ctrl-C stops a running computation (`:timeit` runs for a second).
    send(&mut p, ":timeit :grad sum(exp(v)) wrt v\r");
    std::thread::sleep(Duration::from_millis(400));
    p.send_control('c').expect("ctrl-c");
    let out = expect(&mut p, PROMPT);
    assert!(out.contains("interrupted"), "{out:?}");
    // Nothing was lost.
    let out = run(&mut p, "sum(v) + $2");
    assert!(out.contains("= 18"), "{out:?}");

    // Help with a working example.
    let out = run(&mut p, ":help grad");
    assert!(out.contains("example:") && out.contains(":grad relu(x*w + b) wrt w"), "{out:?}");

    // Ctrl-D on an empty line quits.
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exit on ctrl-d");
    let _ = std::fs::remove_dir_all(hist.parent().and_then(Path::parent).unwrap_or(&hist));
}

#[test]
fn history_survives_a_restart() {
    let hist = temp_history("history");
    let Some(mut p) = spawn(&hist, &["--quiet"]) else { return };
    let banner = expect(&mut p, PROMPT);
    assert!(!banner.contains("symgrad "), "--quiet shows no banner: {banner:?}");
    run(&mut p, ":let y = 5");
    let out = run(&mut p, ":grad [y,\r y^2] wrt y");
    assert!(out.contains("= [1, 10]"), "{out:?}");
    run(&mut p, "y^2 + 1");
    run(&mut p, "y^2 + 1");
    run(&mut p, "   ");
    send(&mut p, ":quit\r");
    p.exp_eof().expect("exit on :quit");

    // Duplicates and blank lines are not kept; a continued statement is one entry.
    let text = std::fs::read_to_string(&hist).expect("history file written");
    assert_eq!(text.matches("y^2 + 1").count(), 1, "{text:?}");
    assert!(!text.lines().any(|l| l.trim().is_empty()), "{text:?}");
    assert!(!text.contains(":quit"), "{text:?}");
    // The continued statement is one entry.
    assert!(text.lines().any(|l| l.contains("[y,") && l.contains("y^2] wrt y")), "{text:?}");

    let Some(mut p) = spawn(&hist, &["--quiet"]) else { return };
    expect(&mut p, PROMPT);
    // Up recalls the last statement of the previous session (not `:quit`).
    send(&mut p, UP);
    expect(&mut p, "y^2 + 1");
    // `y` is not bound in this session: the recalled line runs symbolically.
    let out = run(&mut p, "");
    assert!(out.contains("$1 = ") && !out.contains("26"), "{out:?}");
    // Ctrl-R searches back.
    p.send_control('r').expect("ctrl-r");
    send(&mut p, "let");
    expect(&mut p, ":let y = 5");
    send(&mut p, "\r");
    let out = expect(&mut p, PROMPT);
    assert!(out.contains("y = 5"), "{out:?}");
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exit on ctrl-d");

    // --no-history neither reads nor writes the file.
    let before = std::fs::read_to_string(&hist).unwrap_or_default();
    let Some(mut p) = spawn(&hist, &["--quiet", "--no-history"]) else { return };
    expect(&mut p, PROMPT);
    run(&mut p, "12345");
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exit on ctrl-d");
    assert_eq!(std::fs::read_to_string(&hist).unwrap_or_default(), before);
    let _ = std::fs::remove_dir_all(hist.parent().and_then(Path::parent).unwrap_or(&hist));
}
