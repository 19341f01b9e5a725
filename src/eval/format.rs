//! Placeholder signatures; replaced by the values module.
#![allow(unused)]
use super::value::{Rat, Value};
pub fn format_rat(r: &Rat) -> String {
    todo!()
}
pub fn format_f64(x: f64) -> String {
    todo!()
}
pub fn format_value(v: &Value) -> String {
    todo!()
}
pub fn value_json(v: &Value) -> serde_json::Value {
    todo!()
}
pub fn exact_json(v: &Value) -> Option<serde_json::Value> {
    todo!()
}
