//! Placeholder; the values module is being written.
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
