//! Every limit in one place. The defaults never get in the way of real use
//! (a 16-layer MLP of width 1024 is fine) and keep hostile input from
//! hanging the session or eating the machine's memory (SPEC §8). Each is
//! checked before the work it guards, and a refusal is an
//! `ErrorKind::Limit` error that names the limit.
//!
//! The limits are process-wide: [`set`] changes them for every session (the
//! command line's `--limit NAME=VALUE` does), [`get`] reads them.

use std::sync::RwLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Nesting of one expression, counted on tokens (1,000 always work).
    pub depth: usize,
    /// Bytes in one statement.
    pub statement_bytes: usize,
    /// How much one statement may grow the graph (lowering and
    /// differentiation), counting each node plus its operands: a sum of
    /// 10,000 terms costs as much as 10,000 small nodes.
    pub graph_size: usize,
    /// Bits of an exact number, checked before it is computed.
    pub exact_bits: u64,
    /// Operations on exact rationals in one kernel (a matrix product of
    /// m×k by k×n counts m·k·n), checked before the kernel runs: each costs
    /// about a microsecond, and a kernel cannot be interrupted.
    pub exact_ops: u64,
    /// Elements of one tensor value.
    pub elements: usize,
    /// Estimated bytes of the values one evaluation holds at once (each
    /// is dropped after its last use).
    pub eval_bytes: usize,
    /// Bytes of constant tensors (`randn`, `rand`, `load`) the whole
    /// session may hold: results keep their data, so repeated large
    /// `randn` would otherwise grow the process without bound.
    pub session_data_bytes: usize,
    /// Nesting of `grad(...)` inside `grad(...)`.
    pub grad_order: usize,
    /// Nesting of formula and function expansion.
    pub expansion: usize,
    /// Rows of a Jacobian (elements of a non-scalar `f`).
    pub jacobian_rows: usize,
    /// Nesting of `:load`.
    pub load_depth: usize,
    /// Bytes of a script file.
    pub script_bytes: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        depth: crate::syntax::MAX_DEPTH,
        statement_bytes: 1 << 20,
        graph_size: 500_000,
        exact_bits: crate::simplify::MAX_EXACT_BITS,
        exact_ops: 250_000,
        elements: 1 << 26,
        eval_bytes: 512 << 20,
        session_data_bytes: 768 << 20,
        grad_order: 64,
        expansion: crate::lower::MAX_EXPANSION,
        jacobian_rows: crate::diff::MAX_JACOBIAN_ROWS,
        load_depth: 16,
        script_bytes: crate::script::MAX_SCRIPT_BYTES,
    };

    /// The names `--limit NAME=VALUE` accepts, with their current values.
    pub fn entries(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("depth", self.depth as u64),
            ("statement_bytes", self.statement_bytes as u64),
            ("graph_size", self.graph_size as u64),
            ("exact_bits", self.exact_bits),
            ("exact_ops", self.exact_ops),
            ("elements", self.elements as u64),
            ("eval_bytes", self.eval_bytes as u64),
            ("session_data_bytes", self.session_data_bytes as u64),
            ("grad_order", self.grad_order as u64),
            ("expansion", self.expansion as u64),
            ("jacobian_rows", self.jacobian_rows as u64),
            ("load_depth", self.load_depth as u64),
            ("script_bytes", self.script_bytes),
        ]
    }

    /// Sets one limit from `NAME=VALUE` text.
    pub fn set_text(&mut self, spec: &str) -> Result<(), String> {
        let (name, value) = spec.split_once('=').ok_or_else(|| format!("`{spec}`: expected NAME=VALUE"))?;
        let v: u64 = value.trim().replace('_', "").parse().map_err(|_| format!("`{value}` is not a whole number"))?;
        let n = usize::try_from(v).map_err(|_| format!("`{value}` is too large"))?;
        match name.trim() {
            "depth" => self.depth = n,
            "statement_bytes" => self.statement_bytes = n,
            "graph_size" => self.graph_size = n,
            "exact_bits" => self.exact_bits = v,
            "exact_ops" => self.exact_ops = v,
            "elements" => self.elements = n,
            "eval_bytes" => self.eval_bytes = n,
            "session_data_bytes" => self.session_data_bytes = n,
            "grad_order" => self.grad_order = n,
            "expansion" => self.expansion = n,
            "jacobian_rows" => self.jacobian_rows = n,
            "load_depth" => self.load_depth = n,
            "script_bytes" => self.script_bytes = v,
            other => {
                let names: Vec<&str> = self.entries().into_iter().map(|(n, _)| n).collect();
                return Err(format!("unknown limit `{other}` (known: {})", names.join(", ")));
            }
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

static CURRENT: RwLock<Limits> = RwLock::new(Limits::DEFAULT);

/// The limits in force.
pub fn get() -> Limits {
    CURRENT.read().map(|l| *l).unwrap_or(Limits::DEFAULT)
}

/// Changes the limits for every session of this process.
pub fn set(limits: Limits) {
    if let Ok(mut l) = CURRENT.write() {
        *l = limits;
    }
}
