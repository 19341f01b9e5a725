//! Helpers shared by the derivative tests: values of statements, closeness,
//! and a session set up by a list of statements.

#![allow(dead_code)]

use symgrad::eval::value::Value;
use symgrad::session::Session;

/// A session after `setup` (statements that must succeed).
pub fn session(setup: &[&str]) -> Session {
    let mut s = Session::new();
    for st in setup {
        s.run(st).unwrap_or_else(|e| panic!("`{st}` failed: {e}"));
    }
    s
}

pub fn scalar(v: &Value) -> f64 {
    v.scalar_f64().unwrap_or(f64::NAN)
}

pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0) || (a.is_nan() && b.is_nan())
}

pub fn value_of(session: &mut Session, stmt: &str) -> f64 {
    let items = session.run(stmt).unwrap_or_else(|e| panic!("`{stmt}` failed: {e}"));
    last_value(&items, stmt)
}

pub fn last_value(items: &[symgrad::output::Item], stmt: &str) -> f64 {
    let item = items.last().expect("an item");
    scalar(item.value.as_ref().unwrap_or_else(|| panic!("`{stmt}` has no value")))
}

pub fn assert_values(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: number of elements");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.is_finite() && close(*g, *w, tol), "{what}, element {k}: got {g}, want {w}");
    }
}

/// Every element of a value, as f64.
pub fn flat(v: &Value) -> Vec<f64> {
    v.to_f64().data
}
