//! The interactive front end: a rustyline loop over the session.

use crate::output::{Render, render_human};
use crate::session::Session;
use rustyline::error::ReadlineError;

pub struct Config {
    pub quiet: bool,
    pub history: bool,
    pub render: Render,
    pub err_color: bool,
}

/// Reads statements until `:quit` or Ctrl-D; returns the exit code.
pub fn run(session: &mut Session, cfg: Config) -> u8 {
    let Ok(mut rl) = rustyline::DefaultEditor::new() else {
        eprintln!("symgrad: cannot open the terminal");
        return 2;
    };
    if !cfg.quiet {
        println!("symgrad {} — symbolic differentiation. :help for help, :quit to leave.", env!("CARGO_PKG_VERSION"));
    }
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() { "» " } else { "… " };
        match rl.readline(prompt) {
            Ok(line) => {
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                if crate::syntax::is_incomplete(&pending) {
                    continue;
                }
                let text = std::mem::take(&mut pending);
                let _ = rl.add_history_entry(text.as_str());
                execute(session, &text, &cfg);
                if session.wants_quit() {
                    return 0;
                }
            }
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(_) => return 0,
        }
    }
}

fn execute(session: &mut Session, text: &str, cfg: &Config) {
    match session.run(text) {
        Ok(items) => {
            for item in &items {
                if let Some(p) = &item.show
                    && std::io::IsTerminal::is_terminal(&std::io::stdout())
                {
                    let _ = crate::tui::run(p);
                    continue;
                }
                let s = render_human(item, cfg.render);
                if !s.is_empty() {
                    println!("{s}");
                }
            }
        }
        Err(e) => {
            let origin = crate::diag::Origin { name: "input", source: text, offset: 0 };
            eprintln!("{}", crate::diag::render(&e, &origin, cfg.err_color));
        }
    }
}
