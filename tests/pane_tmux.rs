//! End to end, as a person would: the REPL in tmux at 80×24, `:show`
//! opens the pane, keys move and step, `q` returns, and the prompt still
//! works with the session intact. Skips (passes with a message) when tmux
//! is not installed.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", &self.0, k]);
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.0])
    }

    /// Waits until the screen satisfies `ok`, or fails showing the screen.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).output();
    }
}

#[test]
fn show_opens_moves_steps_and_returns_to_the_prompt() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let t = Tmux(format!("symgrad-pane-{}", std::process::id()));
    let bin = env!("CARGO_BIN_EXE_symgrad");
    let cmd = format!("{bin} --no-history; sleep 30");
    t.run(&["new-session", "-d", "-s", &t.0, "-x", "80", "-y", "24", &cmd]);
    t.wait("the prompt", |s| s.contains('»'));
    t.keys(&[":let x = [1.2, 3.764, -1.8], w = [0.5, -1, 2], b = 0.1", "Enter"]);
    t.wait("the binding", |s| s.contains("b = 0.1"));
    t.keys(&[":show relu(x*w + b) wrt w", "Enter"]);
    let s = t.wait("the pane", |s| s.contains("grad_table") && s.contains("evaluation"));
    assert!(s.contains("(z relu [3])"), "{s}");
    assert!(s.contains("{∂w=mul [3]}") || s.contains("∂u2"), "{s}");
    t.keys(&["t", "t"]);
    t.wait("step 2", |s| s.contains("step 2/4") && s.contains("u2 = u1 + b"));
    t.keys(&["k", "k"]);
    t.wait("the selection moved up", |s| s.contains("node  w  [3]") || s.contains("node  x  [3]"));
    t.keys(&["q"]);
    t.wait("the prompt again", |s| !s.contains("grad_table") && s.trim_end().ends_with('»'));
    t.keys(&[":eval x*w", "Enter"]);
    t.wait("the session kept its values", |s| s.contains("[0.6, -3.764, -3.6]"));
}
