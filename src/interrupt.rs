//! Ctrl-C as a request: the front end sets the flag (a signal handler), and
//! long computations (lowering, back-propagation, expansion, evaluation)
//! check it and stop with `ErrorKind::Interrupted`, leaving the session as
//! it was before the statement.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks the running computation to stop.
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Forgets a request (done before each statement).
pub fn clear() {
    REQUESTED.store(false, Ordering::Relaxed);
}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// The error a stopped computation returns.
pub fn error() -> crate::error::Error {
    crate::error::Error::new(crate::error::ErrorKind::Interrupted, crate::error::Span::default(), "interrupted")
}

/// `Err(interrupted)` when a stop was requested.
pub fn check() -> crate::error::Result<()> {
    if requested() { Err(error()) } else { Ok(()) }
}
