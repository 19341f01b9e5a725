//! Shapes and NumPy broadcasting, and index selections resolved against a
//! shape. A shape is the list of dimensions; `[]` is a scalar.

/// Dimensions, outermost first. `[]` is a scalar.
pub type Shape = Vec<usize>;

/// The broadcast of two shapes (NumPy rules: align trailing dimensions; a
/// dimension of 1, or a missing one, stretches). `None` when they clash.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Shape> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for (i, slot) in out.iter_mut().enumerate() {
        let da = dim_from_end(a, n - 1 - i);
        let db = dim_from_end(b, n - 1 - i);
        *slot = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// The `k`-th dimension counted from the end, 1 when the shape is shorter.
fn dim_from_end(s: &[usize], k: usize) -> usize {
    if k < s.len() { s[s.len() - 1 - k] } else { 1 }
}

/// The axes of `full` that a value of shape `part` was stretched along when
/// broadcast to `full`: summing over them undoes the broadcast (its `bprop`).
/// Leading axes missing from `part` come first; then axes where `part` has 1.
pub fn broadcast_axes(part: &[usize], full: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let lead = full.len() - part.len().min(full.len());
    let dropped: Vec<usize> = (0..lead).collect();
    let kept_ones: Vec<usize> = (0..part.len())
        .filter(|&i| part[i] == 1 && full.get(lead + i).is_some_and(|&d| d != 1))
        .map(|i| lead + i)
        .collect();
    (dropped, kept_ones)
}

/// Number of elements of a shape.
pub fn numel(s: &[usize]) -> usize {
    s.iter().product()
}

/// Human form of a shape, as in error messages: `[3, 2]`, `[]` for scalars.
pub fn show(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

/// One resolved entry of an index expression (`x[i]`, `x[a:b:c]`), with
/// bounds already checked against the axis length.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Sel {
    /// One position; the axis disappears.
    At(usize),
    /// Positions `start, start+step, ...` (`len` of them); the axis stays.
    Range { start: usize, step: isize, len: usize },
}

impl Sel {
    /// The same positions with the axis kept: `At(p)` as the range `p:p+1`.
    pub fn kept(&self) -> Sel {
        match *self {
            Sel::At(p) => Sel::Range { start: p, step: 1, len: 1 },
            ref r => r.clone(),
        }
    }

    /// Positions selected along an axis, in order.
    pub fn positions(&self) -> Vec<usize> {
        match *self {
            Sel::At(i) => vec![i],
            Sel::Range { start, step, len } => {
                (0..len).map(|k| (start as isize + step * k as isize) as usize).collect()
            }
        }
    }

    /// The exclusive end of a range as a slice writes it, `None` when a
    /// backwards range runs past 0 (written with the stop left out, as
    /// `x[2::-1]`: a stop of -1 would mean the last element).
    pub fn stop(&self) -> Option<usize> {
        match *self {
            Sel::At(i) => Some(i + 1),
            Sel::Range { start, step, len } => usize::try_from(start as isize + step * len as isize).ok(),
        }
    }

    /// Resolves `i` (negative counts from the end) on an axis of length `n`.
    pub fn at(i: i64, n: usize) -> Option<Sel> {
        let j = if i < 0 { i + n as i64 } else { i };
        (0..n as i64).contains(&j).then_some(Sel::At(j as usize))
    }

    /// Resolves a Python slice `start:stop:step` on an axis of length `n`,
    /// clamping as Python does. `None` for a zero step.
    pub fn slice(start: Option<i64>, stop: Option<i64>, step: Option<i64>, n: usize) -> Option<Sel> {
        let step = step.unwrap_or(1);
        if step == 0 {
            return None;
        }
        let n = n as i64;
        let clamp = |v: i64, lo: i64, hi: i64| v.clamp(lo, hi);
        let norm = |v: i64| if v < 0 { v + n } else { v };
        let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
        let start = start.map_or(if step > 0 { lo } else { hi }, |s| clamp(norm(s), lo, hi));
        let stop = stop.map_or(if step > 0 { hi } else { lo }, |s| clamp(norm(s), lo, hi));
        let len =
            if step > 0 { (stop - start + step - 1).max(0) / step } else { (start - stop - step - 1).max(0) / -step };
        Some(Sel::Range { start: start.max(0) as usize, step: step as isize, len: len as usize })
    }
}

/// The shape left after selecting `sels` from `shape` (axes beyond the
/// selections are kept whole).
pub fn selected_shape(shape: &[usize], sels: &[Sel]) -> Shape {
    let mut out = Vec::new();
    for (axis, &d) in shape.iter().enumerate() {
        match sels.get(axis) {
            Some(Sel::At(_)) => {}
            Some(Sel::Range { len, .. }) => out.push(*len),
            None => out.push(d),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast(&[3, 1], &[4]), Some(vec![3, 4]));
        assert_eq!(broadcast(&[], &[2, 2]), Some(vec![2, 2]));
        assert_eq!(broadcast(&[3], &[4]), None);
        assert_eq!(broadcast_axes(&[1, 4], &[2, 3, 4]), (vec![0], vec![1]));
    }

    #[test]
    fn slices_clamp_like_python() {
        assert_eq!(Sel::slice(Some(1), Some(3), None, 5).unwrap().positions(), vec![1, 2]);
        assert_eq!(Sel::slice(None, None, Some(-1), 3).unwrap().positions(), vec![2, 1, 0]);
        assert_eq!(Sel::slice(Some(-2), None, None, 4).unwrap().positions(), vec![2, 3]);
        assert_eq!(Sel::slice(Some(7), Some(9), None, 4).unwrap().positions(), Vec::<usize>::new());
        assert_eq!(Sel::at(-1, 3), Some(Sel::At(2)));
        assert_eq!(Sel::at(3, 3), None);
    }
}
