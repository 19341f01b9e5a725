//! The generic row-major tensor behind `Value`, and the layout operations
//! that do not care whether elements are exact or f64: reshape, transpose,
//! broadcast, gather/scatter of index selections, diagonal matrices, and
//! the strided matrix view handed to the matrix-product kernels.

use super::kernels::{self, MatRef};
use crate::graph::shape::{Sel, numel, selected_shape};

/// A row-major (C order) tensor; `shape == []` is a scalar with one element.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

impl<T> Tensor<T> {
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Tensor<T> {
        debug_assert_eq!(numel(&shape), data.len());
        Tensor { shape, data }
    }
    pub fn scalar(x: T) -> Tensor<T> {
        Tensor { shape: vec![], data: vec![x] }
    }
}

impl<T: Clone> Tensor<T> {
    /// The same elements under another shape of the same size.
    pub fn reshaped(&self, shape: &[usize]) -> Tensor<T> {
        Tensor::new(shape.to_vec(), self.data.clone())
    }
    /// Axes reversed.
    pub fn transposed(&self) -> Tensor<T> {
        match self.shape[..] {
            [rows, cols] => {
                return Tensor::new(vec![cols, rows], kernels::transpose2(rows, cols, &self.data));
            }
            [] | [_] => return self.clone(),
            _ => {}
        }
        let mut s = kernels::strides(&self.shape);
        s.reverse();
        let shape: Vec<usize> = self.shape.iter().rev().copied().collect();
        let data = kernels::gather_strided(&self.data, &s, &shape);
        Tensor::new(shape, data)
    }
    pub fn broadcast(&self, shape: &[usize]) -> Tensor<T> {
        if self.shape == shape {
            return self.clone();
        }
        let s = kernels::broadcast_strides(&self.shape, shape);
        Tensor::new(shape.to_vec(), kernels::gather_strided(&self.data, &s, shape))
    }
    pub fn select(&self, sels: &[Sel]) -> Tensor<T> {
        if let Some((start, len)) = kernels::contiguous_run(&self.shape, sels) {
            return Tensor::new(selected_shape(&self.shape, sels), self.data[start..start + len].to_vec());
        }
        let offs = kernels::selection_offsets(&self.shape, sels);
        let data = offs.iter().map(|&o| self.data[o].clone()).collect();
        Tensor::new(selected_shape(&self.shape, sels), data)
    }
    /// The operand of a matrix product: a matrix (transposed when `t`, by
    /// swapping strides), or a vector as a row when `left`, else a column.
    /// Returns the view with its rows and columns.
    pub fn as_matrix(&self, left: bool, t: bool) -> (MatRef<'_, T>, usize, usize) {
        let (data, s) = (&self.data[..], &self.shape);
        match (s.len(), left) {
            (1, true) => (MatRef::new(data, s[0], 1), 1, s[0]),
            (1, false) => (MatRef::new(data, 1, 1), s[0], 1),
            _ if t => (MatRef::new(data, 1, s[1]), s[1], s[0]),
            _ => (MatRef::new(data, s[1], 1), s[0], s[1]),
        }
    }

    /// Zeros of `shape` with these elements added at the positions `sels`
    /// select (the adjoint of `select`).
    pub fn scattered(&self, sels: &[Sel], shape: &[usize], zero: T, add: impl Fn(&mut T, &T)) -> Tensor<T> {
        let mut d = vec![zero; numel(shape)];
        if let Some((start, len)) = kernels::contiguous_run(shape, sels) {
            d[start..start + len].iter_mut().zip(&self.data).for_each(|(o, x)| add(o, x));
            return Tensor::new(shape.to_vec(), d);
        }
        let offs = kernels::selection_offsets(shape, sels);
        debug_assert_eq!(offs.len(), self.data.len());
        for (&o, x) in offs.iter().zip(&self.data) {
            add(&mut d[o], x);
        }
        Tensor::new(shape.to_vec(), d)
    }

    /// The square matrix with this vector on its diagonal.
    pub fn diag_matrix(&self, zero: T) -> Tensor<T> {
        let n = self.data.len();
        let mut d = vec![zero; n * n];
        for (i, x) in self.data.iter().enumerate() {
            d[i * n + i] = x.clone();
        }
        Tensor::new(vec![n, n], d)
    }
}
