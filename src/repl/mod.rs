//! The interactive front end: a rustyline editor with symgrad's helper
//! (completion, colouring, signature hints, multi-line input while a
//! bracket is open), history kept across sessions, and Ctrl-C that clears
//! the line while typing or stops a running computation.
//!
//! History lives in `$SYMGRAD_HISTORY` when that is set (tests use it so
//! they never touch the real home), else in the user's data directory
//! (`~/.local/share/symgrad/history` on Linux); `--no-history` keeps it in
//! memory only.

pub mod complete;
pub mod helper;
pub mod highlight;
pub mod signatures;

use crate::error::ErrorKind;
use crate::output::{Render, render_human};
use crate::session::Session;
use helper::SymHelper;
use rustyline::config::{ColorMode, CompletionType};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use std::path::PathBuf;

pub struct Config {
    pub quiet: bool,
    pub history: bool,
    pub render: Render,
    pub err_color: bool,
}

/// Entries kept in the history file, as bash's default `HISTSIZE`.
pub const HISTORY_SIZE: usize = 1000;

/// The variable that overrides the history file's path.
pub const HISTORY_ENV: &str = "SYMGRAD_HISTORY";

const PROMPT: &str = "» ";

/// The history file: `$SYMGRAD_HISTORY`, else `DATA_DIR/symgrad/history`.
pub fn history_path() -> Option<PathBuf> {
    match std::env::var_os(HISTORY_ENV) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => dirs::data_dir().map(|d| d.join("symgrad").join("history")),
    }
}

/// Reads statements until `:quit` or Ctrl-D; returns the exit code.
pub fn run(session: &mut Session, cfg: Config) -> u8 {
    install_sigint();
    let mut rl = match editor(&cfg) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("symgrad: cannot open the terminal: {e}");
            return 2;
        }
    };
    let path = if cfg.history { history_path() } else { None };
    if let Some(p) = &path {
        // A first run has no file yet; that is not worth a message.
        let _ = rl.load_history(p);
    }
    if !cfg.quiet {
        println!(
            "symgrad {} · symbolic differentiation · :help, Tab completes, Ctrl-D quits",
            env!("CARGO_PKG_VERSION")
        );
    }
    loop {
        match rl.readline(PROMPT) {
            Ok(text) => {
                remember(&mut rl, &text, path.as_ref());
                execute(session, &text, &cfg);
                if session.wants_quit() {
                    return 0;
                }
                if let Some(h) = rl.helper_mut() {
                    h.names = complete::Names::of(session);
                }
            }
            // Ctrl-C while typing: the line (all of it, when continued) is
            // dropped and a fresh prompt follows.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("symgrad: {e}");
                return 1;
            }
        }
    }
}

fn editor(cfg: &Config) -> rustyline::Result<rustyline::Editor<SymHelper, FileHistory>> {
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .max_history_size(HISTORY_SIZE)?
        .history_ignore_dups(true)?
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .color_mode(if cfg.render.color { ColorMode::Enabled } else { ColorMode::Disabled })
        .build();
    let mut rl = rustyline::Editor::with_config(config)?;
    rl.set_helper(Some(SymHelper::new(cfg.render.color)));
    Ok(rl)
}

/// Adds a statement to the history and appends it to the file at once, so
/// that a closed terminal loses nothing.
fn remember(rl: &mut rustyline::Editor<SymHelper, FileHistory>, text: &str, path: Option<&PathBuf>) {
    // Blank lines are not worth recalling, nor is the way out.
    if text.trim().is_empty() || matches!(text.trim(), ":quit" | ":q" | ":exit") {
        return;
    }
    // `false`: a duplicate of the previous entry, not kept.
    if !matches!(rl.add_history_entry(text), Ok(true)) {
        return;
    }
    if let Some(p) = path {
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // Best effort: a read-only home must not stop the session.
        let _ = rl.append_history(p);
    }
}

/// SIGINT while a statement runs asks it to stop. While a line is being
/// read, the terminal is in raw mode and rustyline sees Ctrl-C as a key
/// instead (it swaps its own handler in and back around each read).
fn install_sigint() {
    // SAFETY: the handler only stores to an atomic, which is
    // async-signal-safe; it allocates nothing and takes no lock.
    let r = unsafe { signal_hook::low_level::register(signal_hook::consts::SIGINT, crate::interrupt::request) };
    if let Err(e) = r {
        eprintln!("symgrad: Ctrl-C will not stop computations: {e}");
    }
}

/// Runs what was entered. A paste of several statements arrives as one
/// text: it is split as a script is (a line that cannot continue an open
/// bracket starts a statement of its own), and each runs in turn, stopping
/// at the first error with a word on what was not run.
fn execute(session: &mut Session, text: &str, cfg: &Config) {
    let stmts = crate::script::statements(text, &[]);
    for (k, stmt) in stmts.iter().enumerate() {
        if !run_one(session, &stmt.text, cfg) {
            let left = stmts.len() - k - 1;
            if left > 0 {
                let s = if left == 1 { "" } else { "s" };
                eprintln!("({left} more statement{s} not run)");
            }
            return;
        }
        if session.wants_quit() {
            return;
        }
    }
}

/// Runs one statement and prints its output or its error; false on error.
/// A failed statement's outputs before its error (`Session::take_partial`)
/// are printed first, as a script prints them.
fn run_one(session: &mut Session, stmt: &str, cfg: &Config) -> bool {
    let (items, error) = match session.run(stmt) {
        Ok(items) => (items, None),
        Err(e) => (session.take_partial(), Some(e)),
    };
    for item in &items {
        if let Some(p) = &item.show
            && std::io::IsTerminal::is_terminal(&std::io::stdout())
        {
            if let Err(e) = crate::tui::run(p) {
                eprintln!("error: cannot open the pane: {e}");
            }
            continue;
        }
        let s = render_human(item, cfg.render);
        if !s.is_empty() {
            println!("{s}");
        }
    }
    match error {
        None => true,
        // Some phases report a stop as an error whose text says so.
        Some(e) if e.kind == ErrorKind::Interrupted || e.message == "interrupted" => {
            eprintln!("interrupted");
            false
        }
        Some(e) => {
            eprintln!("{}", diagnostic(&e, stmt, cfg.err_color));
            false
        }
    }
}

/// The caret diagram of an error. Its first line names `FILE:LINE:COL`,
/// which says nothing at a prompt, so it opens with `error:` instead.
fn diagnostic(e: &crate::error::Error, stmt: &str, color: bool) -> String {
    let origin = crate::diag::Origin { name: "input", source: stmt, offset: 0 };
    let text = crate::diag::render(e, &origin, color);
    match text.split_once(": error: ") {
        Some((loc, rest)) if loc.starts_with("input:") && !loc.contains('\n') => format!("error: {rest}"),
        _ => text,
    }
}
