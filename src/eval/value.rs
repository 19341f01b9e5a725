//! Placeholder signatures; replaced by the values module.
#![allow(unused)]
use crate::graph::shape::Sel;
pub type Rat = num_rational::BigRational;
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Exact(Tensor<Rat>),
    Float(Tensor<f64>),
}
impl Value {
    pub fn exact_scalar(r: Rat) -> Value {
        todo!()
    }
    pub fn float_scalar(x: f64) -> Value {
        todo!()
    }
    pub fn filled(r: &Rat, shape: &[usize]) -> Value {
        todo!()
    }
    pub fn shape(&self) -> &[usize] {
        todo!()
    }
    pub fn len(&self) -> usize {
        todo!()
    }
    pub fn is_empty(&self) -> bool {
        todo!()
    }
    pub fn is_exact(&self) -> bool {
        todo!()
    }
    pub fn to_f64(&self) -> Tensor<f64> {
        todo!()
    }
    pub fn into_float(self) -> Value {
        todo!()
    }
    pub fn scalar_f64(&self) -> Option<f64> {
        todo!()
    }
    pub fn scalar_exact(&self) -> Option<&Rat> {
        todo!()
    }
    pub fn map(
        &self,
        exact: impl Fn(&Rat) -> Result<Option<Rat>, String>,
        float: impl Fn(f64) -> f64,
    ) -> Result<Value, String> {
        todo!()
    }
    pub fn zip(
        &self,
        other: &Value,
        exact: impl Fn(&Rat, &Rat) -> Result<Option<Rat>, String>,
        float: impl Fn(f64, f64) -> f64,
    ) -> Result<Value, String> {
        todo!()
    }
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Value, String> {
        todo!()
    }
    pub fn reshape(&self, shape: &[usize]) -> Result<Value, String> {
        todo!()
    }
    pub fn transpose(&self) -> Value {
        todo!()
    }
    pub fn matmul(&self, other: &Value) -> Result<Value, String> {
        todo!()
    }
    pub fn sum_axes(&self, axes: &[usize]) -> Value {
        todo!()
    }
    pub fn sum_all(&self) -> Value {
        todo!()
    }
    pub fn prod_all(&self) -> Value {
        todo!()
    }
    pub fn norm_all(&self) -> Value {
        todo!()
    }
    pub fn logsumexp_all(&self) -> Value {
        todo!()
    }
    pub fn softmax_last(&self) -> Value {
        todo!()
    }
    pub fn outer(&self, other: &Value) -> Result<Value, String> {
        todo!()
    }
    pub fn diag(&self) -> Result<Value, String> {
        todo!()
    }
    pub fn trace(&self) -> Result<Value, String> {
        todo!()
    }
    pub fn index(&self, sels: &[Sel]) -> Value {
        todo!()
    }
    pub fn scatter(&self, sels: &[Sel], shape: &[usize]) -> Value {
        todo!()
    }
    pub fn stack(items: &[Value]) -> Result<Value, String> {
        todo!()
    }
    pub fn max_abs_f64(&self) -> f64 {
        todo!()
    }
}
