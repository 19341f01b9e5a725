//! Values of expressions evaluated earlier in the session, read instead of
//! recomputed. A chain of bound formulas (`:let h2 = tanh(W @ h1 + …)`, …,
//! `:let h1000 = …`) then evaluates each link once: without it every `:let`
//! evaluated the whole chain below it again (W5's 1,000 steps took 3 s,
//! quadratic in the chain's length).
//!
//! A node's value depends only on the values of variables (formulas and
//! functions are inlined into the graph, constants are fixed data), so
//! what is kept stays right until a value binding changes: the bindings
//! count their changes, and the cache empties itself when the count moved.

use crate::eval::run::non_finite;
use crate::eval::value::Value;
use crate::graph::{IdMap, NodeId};

/// Most bytes the cache holds (as `check_eval_memory` counts them: 8 per
/// f64 element, 128 per exact one); past it, new values are not kept.
const MAX_BYTES: usize = 128 << 20;

#[derive(Default)]
pub struct ValueCache {
    /// The bindings' `values_epoch` the values were computed under.
    epoch: u64,
    values: IdMap<Value>,
    bytes: usize,
}

impl ValueCache {
    /// The value of `id` computed under the bindings of `epoch`.
    pub fn get(&self, epoch: u64, id: NodeId) -> Option<&Value> {
        if epoch != self.epoch {
            return None;
        }
        self.values.get(&id)
    }

    /// Keeps `value` as the value of `id` under the bindings of `epoch`.
    /// Values that are not finite are not kept: evaluation reads a kept
    /// value like a variable's, and would no longer say where a NaN or an
    /// infinity first appears.
    pub fn keep(&mut self, epoch: u64, id: NodeId, value: &Value) {
        if epoch != self.epoch {
            *self = ValueCache { epoch, ..ValueCache::default() };
        }
        let bytes = weight(value);
        if self.values.contains_key(&id) || self.bytes + bytes > MAX_BYTES || non_finite(value).is_some() {
            return;
        }
        self.bytes += bytes;
        self.values.insert(id, value.clone());
    }
}

/// What one element of a value costs in memory, as the evaluation limit
/// counts it: 8 bytes as an f64, about 128 as a small exact rational.
pub fn element_bytes(float: bool) -> usize {
    if float { 8 } else { 128 }
}

fn weight(v: &Value) -> usize {
    v.len().saturating_mul(element_bytes(matches!(v, Value::Float(_))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_until_the_bindings_change() {
        let mut g = crate::graph::Graph::new();
        let (id, other) = (g.num(crate::simplify::rat(1)), g.num(crate::simplify::rat(2)));
        let mut c = ValueCache::default();
        let v = Value::from_f64(&[2], vec![1.0, 2.0]);
        c.keep(1, id, &v);
        assert_eq!(c.get(1, id), Some(&v));
        assert_eq!(c.get(2, id), None);
        c.keep(2, other, &v);
        assert_eq!(c.get(2, id), None, "a new epoch empties the cache");
        c.keep(2, id, &Value::from_f64(&[], vec![f64::NAN]));
        assert_eq!(c.get(2, id), None, "a NaN is not kept");
    }
}
