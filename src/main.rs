//! The command line: choose a front end (REPL, scripts, `-e`, stdin) and
//! run it on a thread with a large stack, since expansion of long formula
//! chains recurses deeply.

use clap::Parser;
use std::io::{IsTerminal, Read, Write};
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
    #[arg(short = 'e', value_name = "STMT", allow_hyphen_values = true)]
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
    /// Show results as `x²`, `·`, `√`, `ᵀ`, `π` (display only: the default
    /// plain form is what pastes back).
    #[arg(long)]
    unicode: bool,
    /// Change a limit, e.g. `--limit eval_bytes=2000000000` (repeatable;
    /// `--limit list` shows them all).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    limits: Vec<String>,
}

const STACK: usize = 1 << 30;

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_e`; the
/// -sys crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed goes back to the system after a second, not mimalloc's
/// 10 ms: `:timeit` of W2 at n = 1024 frees 32 MB of gradients per
/// evaluation and took them again as fresh pages, which the kernel clears
/// (5,000 page faults a run, up to a third of the time; 300 with this).
fn keep_freed_memory_a_while() {
    // SAFETY: sets one of mimalloc's options (a plain integer), before
    // any other thread runs.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1000) };
}

fn main() -> ExitCode {
    keep_freed_memory_a_while();
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
        // Plain by default, so that a result copied from the terminal
        // pastes back as the same expression (SPEC §3).
        render: Render { color, unicode: cli.unicode },
        err_color,
        echo: cli.echo,
    };
    // The session lives until the process ends; dropping a large graph
    // only to exit would cost time for nothing.
    let mut session = std::mem::ManuallyDrop::new(Session::new());
    session.unicode = opts.render.unicode;
    let code = run_scripts(&cli, &mut session, opts);
    if let Some(code) = code {
        return code;
    }
    symgrad::repl::run(
        &mut session,
        symgrad::repl::Config { quiet: cli.quiet, history: !cli.no_history, render: opts.render, err_color },
    )
}

/// Runs the files, `-e` statements or piped standard input, if any: the
/// exit code, or `None` for the REPL.
fn run_scripts(cli: &Cli, session: &mut Session, opts: Options) -> Option<u8> {
    let stdout = std::io::stdout();
    // Piped or redirected, output goes out in blocks: one write call per
    // line (Rust's stdout is line-buffered) made a script of 10,000
    // statements spend a tenth of its time in the kernel. An error
    // flushes it before writing to stderr, so the streams keep their order.
    let mut out: Box<dyn Write> = if stdout.is_terminal() {
        Box::new(stdout.lock())
    } else {
        Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()))
    };
    let mut err = std::io::stderr().lock();
    let code = run_inputs(cli, session, opts, &mut out, &mut err);
    // A reader that went away (`| head`) is not an error of the script; a
    // full disk or a closed file is, and says so.
    match out.write_all(b"").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = writeln!(err, "symgrad: cannot write the output: {}", symgrad::script::io_reason(&e));
            Some(2)
        }
        _ => code,
    }
}

fn run_inputs(cli: &Cli, session: &mut Session, opts: Options, out: &mut dyn Write, err: &mut dyn Write) -> Option<u8> {
    if !cli.files.is_empty() || !cli.exec.is_empty() {
        let mut ok = true;
        for f in &cli.files {
            let text = match read_script(f) {
                Ok(t) => t,
                Err(m) => {
                    let _ = out.flush();
                    let _ = writeln!(err, "symgrad: {m}");
                    return Some(2);
                }
            };
            ok &= session.in_script(f, |session| run_text(session, f, (&text, &[]), opts, out, err));
            if (!ok && !cli.keep_going) || session.wants_quit() {
                return Some(u8::from(!ok));
            }
        }
        if !cli.exec.is_empty() {
            // Each -e is a statement of its own: an unclosed bracket in one
            // does not go on into the next.
            let text = cli.exec.join("\n");
            let breaks: Vec<usize> =
                cli.exec.iter().scan(0, |at, e| Some(std::mem::replace(at, *at + e.len() + 1))).collect();
            ok &= run_text(session, "-e", (&text, &breaks), opts, out, err);
        }
        return Some(u8::from(!ok));
    }
    if !std::io::stdin().is_terminal() {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            let _ = writeln!(err, "symgrad: cannot read standard input: {e}");
            return Some(2);
        }
        let text = match symgrad::script::utf8(bytes) {
            Ok(text) => text,
            Err(at) => {
                let _ = writeln!(err, "symgrad: standard input is not UTF-8 text ({at})");
                return Some(2);
            }
        };
        return Some(u8::from(!run_text(session, "<stdin>", (&text, &[]), opts, out, err)));
    }
    None
}
