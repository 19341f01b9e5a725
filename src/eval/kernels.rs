//! The loops behind `Value`: row-major strides, strided traversal for
//! broadcasting, transposes and reductions (one odometer whose innermost axis
//! is a tight loop), gathers for index selections, matrix products (f64 via
//! `matrixmultiply::dgemm`, exact with plain loops) and fast f64 sums. All
//! functions are generic over the element type where they can be, so exact
//! and f64 tensors share them.

use crate::graph::shape::{Sel, numel};

/// Row-major (C order) strides of a shape, in elements.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (1..shape.len()).rev() {
        s[i - 1] = s[i] * shape[i];
    }
    s
}

/// Strides of a tensor of `shape` viewed as broadcast to `out`: 0 along the
/// axes it is stretched on. `shape` must broadcast to `out`.
pub fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let own = strides(shape);
    let lead = out.len() - shape.len();
    (0..out.len()).map(|i| if i < lead || shape[i - lead] == 1 { 0 } else { own[i - lead] }).collect()
}

/// Calls `f(ia, ib)` once per innermost row of `out` (row-major order),
/// with the offsets of the row's first position in two operands of strides
/// `sa` and `sb`; the outer axes advance by carrying, with no division.
pub fn for_each_row2(out: &[usize], sa: &[usize], sb: &[usize], mut f: impl FnMut(usize, usize)) {
    let r = out.len();
    if out.contains(&0) {
        return;
    }
    let mut idx = vec![0usize; r.saturating_sub(1)];
    let (mut ia, mut ib) = (0, 0);
    loop {
        f(ia, ib);
        let mut ax = r.saturating_sub(1);
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            idx[ax] += 1;
            ia += sa[ax];
            ib += sb[ax];
            if idx[ax] < out[ax] {
                break;
            }
            ia -= sa[ax] * out[ax];
            ib -= sb[ax] * out[ax];
            idx[ax] = 0;
        }
    }
}

/// Calls `f(ia, ib)` for every position of `out`, in row-major order, with
/// the offsets of that position in two operands of strides `sa` and `sb`.
pub fn for_each_offset2(out: &[usize], sa: &[usize], sb: &[usize], mut f: impl FnMut(usize, usize)) {
    let (n, xa, xb) = inner(out, sa, sb);
    for_each_row2(out, sa, sb, |ia, ib| {
        for j in 0..n {
            f(ia + j * xa, ib + j * xb);
        }
    });
}

/// Length of the innermost axis and the two operands' strides along it.
fn inner(out: &[usize], sa: &[usize], sb: &[usize]) -> (usize, usize, usize) {
    match out.len() {
        0 => (1, 0, 0),
        r => (out[r - 1], sa[r - 1], sb[r - 1]),
    }
}

/// The elements of `src` read with strides `s` over the shape `out`
/// (broadcast, transpose): a new row-major buffer.
pub fn gather_strided<T: Clone>(src: &[T], s: &[usize], out: &[usize]) -> Vec<T> {
    let mut v = Vec::with_capacity(numel(out));
    for_each_offset2(out, s, s, |i, _| v.push(src[i].clone()));
    v
}

/// `f` over the broadcast of `a` (shape `sa`) and `b` (shape `sb`) to `out`.
/// Equal shapes and a one-element side are slice loops; the rest strides.
pub fn zip_broadcast<A, B, C>(
    (a, sa): (&[A], &[usize]),
    (b, sb): (&[B], &[usize]),
    out: &[usize],
    mut f: impl FnMut(&A, &B) -> C,
) -> Vec<C> {
    if sa == sb {
        return a.iter().zip(b).map(|(x, y)| f(x, y)).collect();
    }
    if a.len() == 1 && sb == out {
        return b.iter().map(|y| f(&a[0], y)).collect();
    }
    if b.len() == 1 && sa == out {
        return a.iter().map(|x| f(x, &b[0])).collect();
    }
    // General case: along the innermost axis each side either walks
    // (stride 1) or stays (stride 0), so each row is a slice loop.
    let (ta, tb) = (broadcast_strides(sa, out), broadcast_strides(sb, out));
    let (n, xa, xb) = inner(out, &ta, &tb);
    let mut v = Vec::with_capacity(numel(out));
    for_each_row2(out, &ta, &tb, |i, j| match (xa, xb) {
        (0, 0) => v.extend((0..n).map(|_| f(&a[i], &b[j]))),
        (0, _) => v.extend(b[j..j + n].iter().map(|y| f(&a[i], y))),
        (_, 0) => v.extend(a[i..i + n].iter().map(|x| f(x, &b[j]))),
        _ => v.extend(a[i..i + n].iter().zip(&b[j..j + n]).map(|(x, y)| f(x, y))),
    });
    v
}

/// How to add elements: one into an accumulator, and a whole slice.
pub struct Adder<T, A: Fn(&mut T, &T), S: Fn(&[T]) -> T> {
    pub zero: T,
    pub add: A,
    pub sum: S,
}

/// Sums `data` (of `shape`) over the sorted, distinct `axes`, which are
/// removed from the result's shape. Every case runs row by row: a reduced
/// innermost axis sums slices, a kept one adds slices elementwise.
pub fn reduce_axes<T: Clone, A: Fn(&mut T, &T), S: Fn(&[T]) -> T>(
    shape: &[usize],
    data: &[T],
    axes: &[usize],
    adder: &Adder<T, A, S>,
) -> (Vec<usize>, Vec<T>) {
    let kept: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
    let out_shape: Vec<usize> = kept.iter().map(|&a| shape[a]).collect();
    let mut out = vec![adder.zero.clone(); numel(&out_shape)];
    let r = shape.len();
    let trailing = axes.iter().enumerate().all(|(i, &a)| a == r - axes.len() + i);
    if trailing && !out.is_empty() {
        let chunk = numel(&shape[r - axes.len()..]).max(1);
        for (o, c) in out.iter_mut().zip(data.chunks_exact(chunk)) {
            *o = (adder.sum)(c);
        }
        return (out_shape, out);
    }
    let (own, small) = (strides(shape), strides(&out_shape));
    let mut os = vec![0; r];
    for (k, &a) in kept.iter().enumerate() {
        os[a] = small[k];
    }
    let (n, _, xo) = inner(shape, &own, &os);
    for_each_row2(shape, &own, &os, |i, o| {
        let row = &data[i..i + n];
        if xo == 0 {
            (adder.add)(&mut out[o], &(adder.sum)(row));
        } else {
            out[o..o + n].iter_mut().zip(row).for_each(|(y, x)| (adder.add)(y, x));
        }
    });
    (out_shape, out)
}

/// Rows and columns of a matrix swapped, in cache-friendly tiles.
pub fn transpose2<T: Clone>(rows: usize, cols: usize, src: &[T]) -> Vec<T> {
    const TILE: usize = 32;
    let Some(first) = src.first() else {
        return Vec::new();
    };
    let mut out = vec![first.clone(); rows * cols];
    for i0 in (0..rows).step_by(TILE) {
        for j0 in (0..cols).step_by(TILE) {
            for i in i0..(i0 + TILE).min(rows) {
                for j in j0..(j0 + TILE).min(cols) {
                    out[j * rows + i] = src[i * cols + j].clone();
                }
            }
        }
    }
    out
}

/// Where the elements `sels` select lie when they are one run of
/// consecutive elements (the start and length): single positions on the
/// leading axes and the rest whole, as a row `X[t]` of a matrix is.
pub fn contiguous_run(shape: &[usize], sels: &[Sel]) -> Option<(usize, usize)> {
    let st = strides(shape);
    let leading = sels.iter().take_while(|s| matches!(s, Sel::At(_))).count();
    let mut start = 0;
    for (sel, stride) in sels.iter().zip(&st).take(leading) {
        let Sel::At(i) = sel else { return None };
        start += i * stride;
    }
    let rest = shape.get(leading..)?;
    let whole = |(k, &d): (usize, &usize)| match sels.get(leading + k) {
        None => true,
        Some(&Sel::Range { start, step, len }) => start == 0 && step == 1 && len == d,
        Some(Sel::At(_)) => false,
    };
    rest.iter().enumerate().all(whole).then(|| (start, rest.iter().product()))
}

/// Offsets into a row-major tensor of `shape` of the elements that `sels`
/// select (axes past `sels` kept whole), in row-major order of the result.
pub fn selection_offsets(shape: &[usize], sels: &[Sel]) -> Vec<usize> {
    let st = strides(shape);
    let mut offs = vec![0usize];
    for (ax, &d) in shape.iter().enumerate() {
        let pos = sels.get(ax).map_or_else(|| (0..d).collect(), Sel::positions);
        let mut next = Vec::with_capacity(offs.len() * pos.len());
        for &o in &offs {
            next.extend(pos.iter().map(|&p| o + p * st[ax]));
        }
        offs = next;
    }
    offs
}

/// A matrix operand: data with row and column strides.
#[derive(Clone, Copy)]
pub struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rs: usize,
    pub cs: usize,
}

impl<'a, T> MatRef<'a, T> {
    pub fn new(data: &'a [T], rs: usize, cs: usize) -> MatRef<'a, T> {
        MatRef { data, rs, cs }
    }
}

/// `m x k` times `k x n` in f64 through `dgemm` (strided operands, so
/// transposed views cost nothing); the result is row-major `m x n`.
pub fn matmul_f64(m: usize, k: usize, n: usize, a: MatRef<f64>, b: MatRef<f64>) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    if m == 0 || n == 0 || k == 0 {
        return c;
    }
    if m == 1 && n == 1 {
        c[0] = (0..k).map(|p| a.data[p * a.cs] * b.data[p * b.rs]).sum();
        return c;
    }
    // Cheap next to the product, and what makes the call below sound.
    assert!(a.data.len() > (m - 1) * a.rs + (k - 1) * a.cs);
    assert!(b.data.len() > (k - 1) * b.rs + (n - 1) * b.cs);
    // Matrix times vector: `dgemm` would pack the whole matrix for one
    // column; two plain loops read it once, in memory order.
    if n == 1 {
        gemv(m, k, a, b.data, b.rs, &mut c);
        return c;
    }
    if m == 1 {
        // c' = b' a': the same with the roles swapped.
        let bt = MatRef::new(b.data, b.cs, b.rs);
        gemv(n, k, bt, a.data, a.cs, &mut c);
        return c;
    }
    // Blocks of rows, each about 2^30 multiply-adds (a fraction of a
    // second): between blocks a Ctrl-C is noticed, and a large product
    // stops soon after it (the caller discards the partial result).
    let rows = ((1usize << 30) / (k * n).max(1)).max(16);
    let mut r0 = 0;
    while r0 < m && !crate::interrupt::requested() {
        let r1 = (r0 + rows).min(m);
        // SAFETY: the operands cover every strided position read (asserted
        // above; rows r0..r1 of `a` start at `r0 * a.rs`), and `c` is an
        // `m x n` row-major buffer whose rows r0..r1 start at `r0 * n`.
        unsafe {
            matrixmultiply::dgemm(
                r1 - r0,
                k,
                n,
                1.0,
                a.data.as_ptr().add(r0 * a.rs),
                a.rs as isize,
                a.cs as isize,
                b.data.as_ptr(),
                b.rs as isize,
                b.cs as isize,
                0.0,
                c.as_mut_ptr().add(r0 * n),
                n as isize,
                1,
            );
        }
        r0 = r1;
    }
    c
}

/// A new buffer of `len` elements whose blocks of rows `fill` writes, on
/// several threads when `work` is large; `fill` starts each row with
/// [`start_row`]. The buffer is never zeroed first: an output pass over a
/// large matrix wrote it twice, and a zeroed allocation of megabytes came
/// as fresh pages the kernel cleared (a fifth of W2's evaluation).
///
/// # Safety
/// `fill` must write every element of each block it is given (as
/// `start_row` on each of its rows does) before it returns.
pub unsafe fn new_rows(
    len: usize,
    row_len: usize,
    work: usize,
    fill: impl Fn(usize, &mut [Uninit]) + Sync,
) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::with_capacity(len);
    par_rows(&mut out.spare_capacity_mut()[..len], row_len, work, fill);
    // SAFETY: the blocks cover `..len`, and `fill` wrote each of their
    // elements (the caller's promise).
    unsafe { out.set_len(len) };
    out
}

pub type Uninit = std::mem::MaybeUninit<f64>;

/// The row, every element set to `v`, to be read and written from then on.
pub fn start_row(row: &mut [Uninit], v: f64) -> &mut [f64] {
    row.iter_mut().for_each(|x| {
        x.write(v);
    });
    // SAFETY: every element was just written.
    unsafe { &mut *(row as *mut [Uninit] as *mut [f64]) }
}

/// `out += Σₜ aₜ bₜᵀ` for an `m x n` row-major `out`, where row `t` of the
/// row-major `t x m` matrix `a` is `aₜ` and of the `t x n` matrix `b` is
/// `bₜ`: the product `aᵀ b`.
pub fn add_stacked_outers(out: &mut [f64], (m, n): (usize, usize), t: usize, a: &[f64], b: &[f64]) {
    assert!(out.len() == m * n && a.len() == t * m && b.len() == t * n);
    if m == 0 || n == 0 || t == 0 {
        return;
    }
    // SAFETY: `aᵀ` is `m x t` with strides (1, m) over `a`'s `t * m`
    // elements, `b` is `t x n` with strides (n, 1), and `out` is `m x n`
    // with strides (n, 1): every position read or written is in bounds
    // (asserted above).
    unsafe {
        matrixmultiply::dgemm(
            m,
            t,
            n,
            1.0,
            a.as_ptr(),
            1,
            m as isize,
            b.as_ptr(),
            n as isize,
            1,
            1.0,
            out.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// Least work (elements read) worth a second thread: spawning one costs
/// tens of microseconds, a pass over 2 MB about a hundred.
const PARALLEL_WORK: usize = 1 << 18;

/// Calls `f(first_row, rows)` on consecutive blocks of whole rows of `out`
/// (rows of `row_len` elements), on as many threads as the machine has
/// cores (at most 4) when `work` is large, else once on this thread.
/// Matrix-vector products and row-wise passes over large matrices are
/// bound by memory bandwidth, which one core does not saturate.
pub fn par_rows<T: Send>(out: &mut [T], row_len: usize, work: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let row_len = row_len.max(1);
    let rows = out.len() / row_len;
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(4)));
    let threads = if work < PARALLEL_WORK { 1 } else { cores.min(rows) };
    if threads <= 1 {
        f(0, out);
        return;
    }
    let per = rows.div_ceil(threads);
    let mut blocks = out.chunks_mut(per * row_len);
    let first = blocks.next();
    std::thread::scope(|scope| {
        let f = &f;
        for (k, block) in blocks.enumerate() {
            scope.spawn(move || f((k + 1) * per, block));
        }
        if let Some(block) = first {
            f(0, block);
        }
    });
}

/// `f(args)`, compiled a second time for 256-bit registers and run that
/// way where the processor has them (AVX2): the same operations in the
/// same order, so the same results, in about half the instructions.
macro_rules! with_avx2 {
    ($f:ident($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2")]
            unsafe fn wide<'x>(a: &'x [f64], s: usize, k: usize, x: &'x [f64], i0: usize, c: &'x mut [f64]) {
                $f(a, s, k, x, i0, c)
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2 (checked just above).
                unsafe { wide($($arg),*) }
            } else {
                $f($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        $f($($arg),*)
    }};
}

/// `c = A x` for an `m x k` strided `A` and a strided `x`: dot products of
/// rows when rows are contiguous, else a sum of scaled columns; large ones
/// split by rows of `c` across cores.
fn gemv(m: usize, k: usize, a: MatRef<f64>, x: &[f64], xs: usize, c: &mut [f64]) {
    let xv: std::borrow::Cow<[f64]> = if xs == 1 { x[..k].into() } else { (0..k).map(|p| x[p * xs]).collect() };
    let c = &mut c[..m];
    if a.cs == 1 {
        par_rows(c, 1, m * k, |i0, c| with_avx2!(row_dots(a.data, a.rs, k, &xv, i0, c)));
    } else if a.rs == 1 {
        par_rows(c, 1, m * k, |i0, c| with_avx2!(column_sums(a.data, a.cs, k, &xv, i0, c)));
    } else {
        for (i, ci) in c.iter_mut().enumerate().take(m) {
            *ci = (0..k).map(|p| a.data[i * a.rs + p * a.cs] * xv[p]).sum();
        }
    }
}

/// `c[i - i0] = a_i · x` for the rows `i0..` of a row-major `a` (rows `rs`
/// apart, `k` long).
#[inline(always)]
fn row_dots(a: &[f64], rs: usize, k: usize, x: &[f64], i0: usize, c: &mut [f64]) {
    for (i, ci) in (i0..).zip(c.iter_mut()) {
        *ci = dot(&a[i * rs..i * rs + k], x);
    }
}

/// `c += Σ_p x_p · column_p` for the rows `i0..` of a column-major `a`
/// (columns `cs` apart).
#[inline(always)]
fn column_sums(a: &[f64], cs: usize, _k: usize, x: &[f64], i0: usize, c: &mut [f64]) {
    for (p, &xp) in x.iter().enumerate() {
        let col = &a[p * cs + i0..p * cs + i0 + c.len()];
        c.iter_mut().zip(col).for_each(|(ci, &v)| *ci += v * xp);
    }
}

/// Dot product with eight accumulators (vectorisable; in 256-bit
/// registers inside `with_avx2!`).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    acc.iter().sum::<f64>() + rest
}

/// The same product for any ring-like element type, with plain loops.
pub fn matmul_generic<T: Clone>(
    (m, k, n): (usize, usize, usize),
    a: MatRef<T>,
    b: MatRef<T>,
    zero: &T,
    mul_add: impl Fn(&mut T, &T, &T),
) -> Vec<T> {
    let mut c = vec![zero.clone(); m * n];
    for i in 0..m {
        for j in 0..n {
            let acc = &mut c[i * n + j];
            for p in 0..k {
                mul_add(acc, &a.data[i * a.rs + p * a.cs], &b.data[p * b.rs + j * b.cs]);
            }
        }
    }
    c
}

/// `Σ x·0`: NaN exactly when some element is NaN or infinite.
pub fn sum_f64_scaled_zero(xs: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let chunks = xs.chunks_exact(8);
    let rest: f64 = chunks.remainder().iter().map(|x| x * 0.0).sum();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x * 0.0;
        }
    }
    acc.iter().sum::<f64>() + rest
}

/// Sum of f64s with eight accumulators (vectorisable, and more accurate
/// than one running sum).
pub fn sum_f64(xs: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let chunks = xs.chunks_exact(8);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f64>() + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_outers_are_the_sum_of_outer_products() {
        let (m, n, t) = (5, 7, 11);
        let f = |i: usize| ((i * 37 % 101) as f64 - 50.0) / 7.0;
        let a: Vec<f64> = (0..t * m).map(f).collect();
        let b: Vec<f64> = (0..t * n).map(|i| f(i + 1000)).collect();
        let mut out: Vec<f64> = (0..m * n).map(|i| f(i + 2000)).collect();
        let mut want = out.clone();
        for k in 0..t {
            for i in 0..m {
                for j in 0..n {
                    want[i * n + j] += a[k * m + i] * b[k * n + j];
                }
            }
        }
        add_stacked_outers(&mut out, (m, n), t, &a, &b);
        for (o, w) in out.iter().zip(&want) {
            assert!((o - w).abs() <= 1e-12 * w.abs().max(1.0), "{o} vs {w}");
        }
    }

    #[test]
    fn contiguous_runs_are_the_selected_offsets() {
        let whole = |d| Sel::Range { start: 0, step: 1, len: d };
        let cases: Vec<(Vec<usize>, Vec<Sel>, bool)> = vec![
            (vec![4, 3], vec![Sel::At(2)], true),
            (vec![4, 3], vec![Sel::At(2), whole(3)], true),
            (vec![2, 4, 3], vec![Sel::At(1), Sel::At(3)], true),
            (vec![4, 3], vec![], true),
            (vec![4, 3], vec![Sel::At(1), Sel::At(2)], true),
            (vec![4, 3], vec![whole(4), Sel::At(1)], false),
            (vec![4, 3], vec![Sel::Range { start: 1, step: 1, len: 2 }], false),
            (vec![4, 3], vec![Sel::At(0), Sel::Range { start: 0, step: 2, len: 2 }], false),
        ];
        for (shape, sels, run) in cases {
            let offs = selection_offsets(&shape, &sels);
            match contiguous_run(&shape, &sels) {
                Some((start, len)) => {
                    assert!(run, "{shape:?} {sels:?}");
                    assert_eq!(offs, (start..start + len).collect::<Vec<_>>(), "{shape:?} {sels:?}");
                }
                None => assert!(!run, "{shape:?} {sels:?}"),
            }
        }
    }

    #[test]
    fn strides_and_broadcast_strides() {
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(broadcast_strides(&[3, 1], &[2, 3, 4]), vec![0, 1, 0]);
    }

    /// Element of a row-major tensor of `shape` at the broadcast position
    /// `pos` of a larger shape.
    fn at(d: &[i64], shape: &[usize], pos: &[usize]) -> i64 {
        let lead = pos.len() - shape.len();
        let st = strides(shape);
        d[(0..shape.len()).map(|i| if shape[i] == 1 { 0 } else { pos[lead + i] * st[i] }).sum::<usize>()]
    }

    #[test]
    fn broadcasting_matches_index_arithmetic() {
        let pairs: [(&[usize], &[usize]); 6] = [
            (&[2, 3], &[1, 3]),
            (&[2, 1], &[1, 2, 1]),
            (&[4, 1, 3], &[5, 1]),
            (&[3], &[2, 1]),
            (&[1], &[2, 2]),
            (&[], &[3]),
        ];
        for (sa, sb) in pairs {
            let out = crate::graph::shape::broadcast(sa, sb).unwrap();
            let a: Vec<i64> = (0..numel(sa) as i64).collect();
            let b: Vec<i64> = (0..numel(sb) as i64).map(|x| 1000 * x).collect();
            let got = zip_broadcast((&a, sa), (&b, sb), &out, |x, y| x + y);
            let mut want = Vec::new();
            let mut pos = vec![0; out.len()];
            for _ in 0..numel(&out) {
                want.push(at(&a, sa, &pos) + at(&b, sb, &pos));
                for ax in (0..out.len()).rev() {
                    pos[ax] += 1;
                    if pos[ax] < out[ax] {
                        break;
                    }
                    pos[ax] = 0;
                }
            }
            assert_eq!(got, want, "{sa:?} {sb:?}");
        }
    }

    #[test]
    fn general_broadcast_matches_manual() {
        let a: Vec<i32> = (0..3).collect();
        let b: Vec<i32> = (0..4).map(|x| 10 * x).collect();
        let v = zip_broadcast((&a, &[3, 1]), (&b, &[4]), &[3, 4], |x, y| x + y);
        assert_eq!(v, vec![0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32]);
    }

    /// Sum over axis 1 of a [2, 3, 4] tensor at output position `k`.
    fn reference(d: &[i32], k: usize) -> i32 {
        (0..3).map(|j| d[(k / 4) * 12 + j * 4 + k % 4]).sum()
    }

    #[test]
    fn reduce_middle_axis() {
        let d: Vec<i32> = (0..24).collect();
        let adder = Adder { zero: 0, add: |a: &mut i32, b: &i32| *a += b, sum: |c: &[i32]| c.iter().sum() };
        let (s, v) = reduce_axes(&[2, 3, 4], &d, &[1], &adder);
        assert_eq!((s.clone(), v.clone()), (vec![2, 4], (0..8).map(|k| reference(&d, k)).collect()));
        let (_, last) = reduce_axes(&[2, 3, 4], &d, &[2], &adder);
        assert_eq!(last[5], 20 + 21 + 22 + 23);
        let (_, lead) = reduce_axes(&[2, 3, 4], &d, &[0, 1], &adder);
        assert_eq!(lead[1], (0..6).map(|k| 1 + 4 * k).sum::<i32>());
        assert_eq!(transpose2(2, 3, &[1, 2, 3, 4, 5, 6]), vec![1, 4, 2, 5, 3, 6]);
        assert_eq!(s, vec![2, 4]);
        assert_eq!(v[0], 12);
        assert_eq!(v[4], 12 + 16 + 20);
        assert_eq!(sum_f64(&[1.0; 19]), 19.0);
    }

    /// Large enough to be split across threads: rows of a matrix-vector
    /// product against plain loops, the matrix read directly and transposed.
    #[test]
    fn large_matrix_vector_products_match_loops() {
        let (m, k) = (700, 500);
        let a: Vec<f64> = (0..m * k).map(|i| ((i * 7919) % 1000) as f64 / 1000.0 - 0.5).collect();
        let x: Vec<f64> = (0..k).map(|i| (i % 13) as f64 - 6.0).collect();
        let y: Vec<f64> = (0..m).map(|i| (i % 11) as f64 - 5.0).collect();
        let ax = matmul_f64(m, k, 1, MatRef::new(&a, k, 1), MatRef::new(&x, 1, 1));
        for (i, v) in ax.iter().enumerate() {
            let want: f64 = (0..k).map(|p| a[i * k + p] * x[p]).sum();
            assert!((v - want).abs() < 1e-9 * (1.0 + want.abs()), "row {i}: {v} vs {want}");
        }
        // A' y: A read through swapped strides.
        let aty = matmul_f64(k, m, 1, MatRef::new(&a, 1, k), MatRef::new(&y, 1, 1));
        for (j, v) in aty.iter().enumerate() {
            let want: f64 = (0..m).map(|i| a[i * k + j] * y[i]).sum();
            assert!((v - want).abs() < 1e-9 * (1.0 + want.abs()), "column {j}: {v} vs {want}");
        }
    }

    #[test]
    fn par_rows_covers_every_row_once() {
        let (rows, len) = (1001, 300);
        let mut out = vec![0.0; rows * len];
        par_rows(&mut out, len, PARALLEL_WORK * 4, |i0, block| {
            for (i, row) in (i0..).zip(block.chunks_mut(len)) {
                row.iter_mut().for_each(|x| *x += i as f64);
            }
        });
        for (i, row) in out.chunks(len).enumerate() {
            assert!(row.iter().all(|&x| x == i as f64), "row {i}");
        }
    }
}
