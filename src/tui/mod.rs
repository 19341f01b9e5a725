//! The full-screen pane (`:show`): the graph as a layered picture, the
//! nodes back-propagation added, and the values, in a ratatui view.
//!
//! `model` is the data, `layout` places it in cells, `app` holds the state
//! and the meaning of keys, `draw` and `canvas` paint a frame, and `text`
//! prints the same parts without a terminal. This file owns the terminal:
//! one guard puts it in raw mode on the alternate screen and its `Drop`
//! undoes both, and a panic hook undoes them before the panic message is
//! printed, so the terminal is restored on `q`, on an error and on a panic.

pub mod app;
pub mod canvas;
pub mod draw;
pub mod layout;
pub mod model;
pub mod text;

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};

/// Raw mode, the alternate screen and mouse capture, for as long as it
/// lives.
struct Guard;

impl Guard {
    fn new() -> std::io::Result<Guard> {
        enable_raw_mode()?;
        // From here on a failure must still restore the terminal: the guard
        // exists, so its `Drop` runs on every early return.
        let guard = Guard;
        execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = disable_raw_mode();
}

/// Opens the pane on `pane` and returns when the user presses `q` or `Esc`.
pub fn run(pane: &model::Pane) -> std::io::Result<()> {
    let previous = std::sync::Arc::new(std::panic::take_hook());
    {
        let previous = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    }
    let result = {
        let _guard = Guard::new()?;
        let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        terminal.clear()?;
        event_loop(&mut terminal, pane)
    };
    // Put back the hook the REPL had; ours only matters while the pane is up.
    let _ = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| previous(info)));
    result
}

fn event_loop(terminal: &mut Terminal<CrosstermBackend<Stdout>>, pane: &model::Pane) -> std::io::Result<()> {
    let mut app = app::App::new(pane);
    loop {
        terminal.draw(|f| draw::draw(&mut app, f))?;
        // Resize and other events just redraw.
        match event::read()? {
            Event::Key(k) if app.handle_key(k) == app::Action::Quit => return Ok(()),
            Event::Mouse(m) => app.handle_mouse(m),
            _ => {}
        }
    }
}
