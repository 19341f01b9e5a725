//! `:time` and `:timeit`: wall time per phase of a statement, and the
//! median evaluation time of a statement's results, as IPython's `%timeit`.

use super::Session;
use crate::error::{Error, Result, Span};
use crate::eval::run::Program;
use crate::graph::NodeId;
use crate::output::Item;
use crate::syntax::ast::Stmt;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Seconds per phase, in phase order (with `total`, and `:timeit`'s
/// `eval_min`).
pub type Seconds = Vec<(&'static str, f64)>;

/// Phase names, in the order `:time` reports them.
pub const PHASES: [&str; 6] = ["parse", "expand", "diff", "simplify", "eval", "print"];

/// Seconds accumulated per phase (cells, so `&self` code can add to them).
#[derive(Default)]
pub struct Phases {
    secs: [Cell<f64>; 6],
}

impl Phases {
    pub fn reset(&self) {
        self.secs.iter().for_each(|c| c.set(0.0));
    }

    pub fn set(&self, phase: &str, secs: f64) {
        if let Some(c) = self.cell(phase) {
            c.set(secs);
        }
    }

    pub fn add(&self, phase: &str, since: Instant) {
        self.add_secs(phase, since.elapsed().as_secs_f64());
    }

    /// Adds `secs`, measured elsewhere (on another thread).
    pub fn add_secs(&self, phase: &str, secs: f64) {
        if let Some(c) = self.cell(phase) {
            c.set(c.get() + secs);
        }
    }

    fn cell(&self, phase: &str) -> Option<&Cell<f64>> {
        PHASES.iter().position(|p| *p == phase).and_then(|k| self.secs.get(k))
    }

    fn report(&self, total: f64) -> Vec<(&'static str, f64)> {
        let mut v: Vec<(&'static str, f64)> = PHASES.iter().zip(&self.secs).map(|(p, c)| (*p, c.get())).collect();
        v.push(("total", total));
        v
    }
}

/// How long `:timeit` repeats for, at least.
const TIMEIT_BUDGET: Duration = Duration::from_millis(800);

/// Seconds a batch of quick evaluations takes at least (see `sample_eval`).
const BATCH_TIME: f64 = 20e-6;

/// Why `:timeit` refuses a statement that makes no result.
const NO_RESULT: &str = ":timeit needs an expression or a derivative: this statement gives no result to evaluate";

impl Session {
    pub(super) fn time(&mut self, inner: Stmt, src: &str) -> Result<Vec<Item>> {
        // A script's statements keep their own objects (and their own
        // `:time`s): its time is the whole load's, in one object of its own.
        let script = matches!(inner, Stmt::Load(_));
        let (mut items, seconds) = self.timed(inner, src)?;
        let text = format_phases(&seconds);
        if script {
            items.extend(with_seconds(Vec::new(), seconds, text));
            return Ok(items);
        }
        Ok(with_seconds(items, seconds, text))
    }

    /// Runs `inner`, timing each phase (printing as the front end would).
    fn timed(&mut self, inner: Stmt, src: &str) -> Result<(Vec<Item>, Seconds)> {
        let start = Instant::now();
        self.phases.reset();
        self.phases.set("parse", self.parse_secs);
        let items = self.exec(inner, src)?;
        // Printing is done by the front end; time the same printing here.
        let t = Instant::now();
        for item in &items {
            let _ = crate::output::render_human(item, crate::output::Render::PLAIN);
        }
        self.phases.add("print", t);
        Ok((items, self.phases.report(start.elapsed().as_secs_f64() + self.parse_secs)))
    }

    pub(super) fn timeit(&mut self, inner: Stmt, src: &str) -> Result<Vec<Item>> {
        // Refused before it runs: `:timeit :unlet q` removed `q`, then failed.
        let gives_results = matches!(
            inner,
            Stmt::Expr(_)
                | Stmt::Grad { .. }
                | Stmt::Jacobian { .. }
                | Stmt::Hessian { .. }
                | Stmt::Eval(_)
                | Stmt::Simplify(_)
        );
        if !gives_results {
            return Err(Error::usage(Span::new(0, src.trim_end().len()), NO_RESULT));
        }
        let before = self.env.results.len();
        let (items, mut seconds) = self.timed(inner, src)?;
        let first = before + 1;
        let last = self.env.results.len();
        let ids: Vec<NodeId> =
            (first..=last).map(|n| self.with_lower(src, |lw| lw.result(n, Span::default()))).collect::<Result<_>>()?;
        if ids.is_empty() || !ids.iter().all(|&id| self.closed(id)) {
            let why = if ids.is_empty() {
                NO_RESULT
            } else {
                ":timeit needs a statement whose results have values (give the variables values with :let)"
            };
            // The statement ran (its results are numbered): they are shown
            // before the error, as a failed `:load`'s outputs are.
            self.partial = items;
            return Err(Error::usage(Span::new(0, src.trim_end().len()), why));
        }
        let (samples, runs) = self.sample_eval(&ids)?;
        let median = samples.get(samples.len() / 2).copied().unwrap_or(0.0);
        let min = samples.first().copied().unwrap_or(0.0);
        // SPEC §6: the phases of the statement, with `eval` the median.
        for (phase, secs) in &mut seconds {
            if *phase == "eval" {
                *secs = median;
            }
        }
        seconds.push(("eval_min", min));
        let text = format!("{} per evaluation (median of {} runs; min {})", human(median), runs, human(min));
        Ok(with_seconds(items, seconds, text))
    }

    /// Wall times of evaluating `ids` together, sorted, each the mean of a
    /// batch of runs, repeated for about `TIMEIT_BUDGET`; and the number
    /// of runs. A quick evaluation is timed in batches of at least
    /// `BATCH_TIME` (as IPython's `%timeit` loops), so that the clock's own
    /// cost does not count and the budget is spent, not a run cap.
    fn sample_eval(&self, ids: &[NodeId]) -> Result<(Vec<f64>, usize)> {
        let lookup = |n: &str| self.env.value(n);
        let stop = crate::interrupt::requested;
        // Worked out once, as a jit compiles once: the samples time the
        // evaluation itself.
        let program = Program::new(&self.graph, ids, &|_| false);
        let run = || {
            program.run(&lookup, &|_| None, &stop).map_err(|e| {
                if stop() { crate::interrupt::error() } else { Error::math(Span::default(), e.message) }
            })?;
            if stop() {
                return Err(Error::new(crate::error::ErrorKind::Interrupted, Span::default(), "interrupted"));
            }
            Ok(())
        };
        let t = Instant::now();
        run()?;
        let once = t.elapsed().as_secs_f64().max(1e-9);
        let batch = ((BATCH_TIME / once) as usize).clamp(1, 1_000_000);
        let (mut samples, mut runs) = (Vec::new(), 0);
        let begin = Instant::now();
        while samples.len() < 3 || (begin.elapsed() < TIMEIT_BUDGET && samples.len() < 100_000) {
            let t = Instant::now();
            for _ in 0..batch {
                run()?;
            }
            samples.push(t.elapsed().as_secs_f64() / batch as f64);
            runs += batch;
        }
        samples.sort_by(f64::total_cmp);
        Ok((samples, runs))
    }
}

/// `items`, each with the `seconds` (`--json` shows them in each result's
/// object, SPEC §6), then the line a person reads; when there is no item to
/// carry them, that line carries them.
fn with_seconds(mut items: Vec<Item>, seconds: Seconds, text: String) -> Vec<Item> {
    let carried = !items.is_empty();
    for item in &mut items {
        item.seconds = seconds.clone();
    }
    items.push(Item {
        kind: crate::output::ItemKind::Text,
        text: Some(text),
        seconds: if carried { Vec::new() } else { seconds },
        human_only: carried,
        ..Item::default()
    });
    items
}

fn format_phases(seconds: &[(&str, f64)]) -> String {
    let parts: Vec<String> = seconds.iter().map(|(p, s)| format!("{p} {}", human(*s))).collect();
    format!("time: {}", parts.join(", "))
}

/// Seconds in the unit that reads best: `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn human(s: f64) -> String {
    if s < 1e-6 {
        format!("{:.0} ns", s * 1e9)
    } else if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}
