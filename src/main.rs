//! The command line: choose a front end (REPL, scripts, `-e`, stdin) and
//! run it on a thread with a large stack, since expansion of long formula
//! chains recurses deeply.

use clap::Parser;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use symgrad::output::Render;
use symgrad::script::{Options, read_script, run_text};
use symgrad::session::Session;

/// mimalloc: building graphs allocates many small objects (boxed inputs,
/// big-integer digits); with glibc's malloc that was a quarter of W1's
/// instructions.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A terminal REPL for symbolic differentiation.
#[derive(Parser, Debug)]
#[command(name = "symgrad", version, about, long_about = None)]
struct Cli {
    /// Script files to run, in order (no prompts).
    files: Vec<String>,
    /// Run a statement (repeatable; the n-th -e is line n).
    #[arg(short = 'e', value_name = "STMT")]
    exec: Vec<String>,
    /// One JSON object per output item on stdout.
    #[arg(long)]
    json: bool,
    /// Continue a script after a failing statement.
    #[arg(long)]
    keep_going: bool,
    /// No banner in the REPL.
    #[arg(long, short)]
    quiet: bool,
    /// Do not read or write the REPL history file.
    #[arg(long)]
    no_history: bool,
    /// Write each statement before its output, errors included (a transcript).
    #[arg(long)]
    echo: bool,
    /// Change a limit, e.g. `--limit eval_bytes=2000000000` (repeatable;
    /// `--limit list` shows them all).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    limits: Vec<String>,
}

const STACK: usize = 1 << 30;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new().stack_size(STACK).spawn(move || run(cli));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(101),
    }
}

fn run(cli: Cli) -> u8 {
    let mut limits = symgrad::limits::get();
    for spec in &cli.limits {
        if spec == "list" {
            for (name, value) in limits.entries() {
                println!("{name}={value}");
            }
            return 0;
        }
        if let Err(m) = limits.set_text(spec) {
            eprintln!("symgrad: --limit {m}");
            return 2;
        }
    }
    symgrad::limits::set(limits);
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let opts = Options {
        json: cli.json,
        keep_going: cli.keep_going,
        render: Render { color, unicode: color },
        err_color,
        echo: cli.echo,
    };
    // The session lives until the process ends; dropping a large graph
    // only to exit would cost time for nothing.
    let mut session = std::mem::ManuallyDrop::new(Session::new());
    session.unicode = opts.render.unicode;
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    if !cli.files.is_empty() || !cli.exec.is_empty() {
        let mut ok = true;
        for f in &cli.files {
            let text = match read_script(f) {
                Ok(t) => t,
                Err(m) => {
                    eprintln!("symgrad: {m}");
                    return 2;
                }
            };
            ok &= run_text(&mut session, f, &text, opts, &mut out, &mut err);
            if (!ok && !cli.keep_going) || session.wants_quit() {
                return u8::from(!ok);
            }
        }
        if !cli.exec.is_empty() {
            let text = cli.exec.join("\n");
            ok &= run_text(&mut session, "-e", &text, opts, &mut out, &mut err);
        }
        return u8::from(!ok);
    }
    if !std::io::stdin().is_terminal() {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("symgrad: cannot read standard input: {e}");
            return 2;
        }
        return u8::from(!run_text(&mut session, "<stdin>", &text, opts, &mut out, &mut err));
    }
    drop((out, err));
    symgrad::repl::run(
        &mut session,
        symgrad::repl::Config { quiet: cli.quiet, history: !cli.no_history, render: opts.render, err_color },
    )
}
