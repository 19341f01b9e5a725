//! Data from outside: seeded random tensors (`randn`, `rand`) and files
//! (`load` of `.npy` and `.csv`, `save_npy` for tests and benchmarks). Every
//! loaded value is f64; every failure is a one-line, lower-case message
//! naming the file.

use super::value::Value;
use crate::graph::shape::numel;
use std::path::Path;

/// The seeded generator behind `randn` and `rand` (`:seed N`).
#[derive(Clone, Debug)]
pub struct Rng(fastrand::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(fastrand::Rng::with_seed(seed))
    }
}

/// Standard normal samples (Box–Muller, both outputs of each pair used).
pub fn randn(shape: &[usize], rng: &mut Rng) -> Value {
    let n = numel(shape);
    let mut d = Vec::with_capacity(n + 1);
    while d.len() < n {
        let u1 = 1.0 - rng.0.f64(); // in (0, 1], so the log is finite
        let u2 = rng.0.f64();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        d.extend([r * c, r * s]);
    }
    d.truncate(n);
    Value::from_f64(shape, d)
}

/// Uniform samples in `[0, 1)`.
pub fn rand(shape: &[usize], rng: &mut Rng) -> Value {
    let d = (0..numel(shape)).map(|_| rng.0.f64()).collect();
    Value::from_f64(shape, d)
}

/// Loads a `.npy` or `.csv` file as an f64 value.
pub fn load(path: &Path) -> Result<Value, String> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("npy") => load_npy(path),
        Some("csv") => load_csv(path),
        _ => Err(format!("cannot load `{}`: unknown file type (supported: .npy, .csv)", path.display())),
    }
}

/// `cannot read `x.npy`: No such file or directory`.
fn io_error(path: &Path, e: &std::io::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" (os error").next().unwrap_or(&msg).to_string();
    format!("cannot read `{}`: {msg}", path.display())
}

fn load_npy(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    let bad = |what: String| format!("cannot read `{}`: {what}", path.display());
    let file = npyz::NpyFile::new(&bytes[..]).map_err(|e| bad(format!("not a valid .npy file ({e})")))?;
    let shape: Vec<usize> = file.shape().iter().map(|&d| d as usize).collect();
    let fortran = file.order() == npyz::Order::Fortran;
    let dtype = file.dtype().descr().trim_matches('\'').to_string();
    let data = npy_as_f64(file)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("unsupported dtype `{dtype}` (supported: float64, float32, integers, bool)")))?;
    if data.len() != numel(&shape) {
        return Err(bad("the data is shorter than the shape says".into()));
    }
    if !fortran {
        return Ok(Value::from_f64(&shape, data));
    }
    // Fortran order is C order of the reversed shape; reverse the axes back.
    let rev: Vec<usize> = shape.iter().rev().copied().collect();
    Ok(Value::from_f64(&rev, data).transpose())
}

/// The elements of a numeric `.npy` as f64; `Ok(None)` for other dtypes.
fn npy_as_f64(file: npyz::NpyFile<&[u8]>) -> Result<Option<Vec<f64>>, String> {
    macro_rules! attempt {
        ($file:expr, $t:ty $(, $rest:ty)*) => {
            match $file.try_data::<$t>() {
                Ok(r) => r
                    .map(|x| x.map(|x| x as f64))
                    .collect::<std::io::Result<Vec<f64>>>()
                    .map(Some)
                    .map_err(|e| e.to_string()),
                Err(file) => attempt!(file $(, $rest)*),
            }
        };
        ($file:expr) => {{
            let _ = $file;
            Ok(None)
        }};
    }
    match file.try_data::<bool>() {
        Ok(r) => {
            r.map(|x| x.map(f64::from)).collect::<std::io::Result<Vec<f64>>>().map(Some).map_err(|e| e.to_string())
        }
        Err(file) => attempt!(file, f64, f32, i64, i32, i16, i8, u64, u32, u16, u8),
    }
}

fn load_csv(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?;
    let name = path.display();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: Result<Vec<f64>, &str> = fields.iter().map(|f| f.parse::<f64>().map_err(|_| *f)).collect();
        match parsed {
            Ok(row) => {
                if let Some(first) = rows.first().filter(|r| r.len() != row.len()) {
                    let (want, got) = (first.len(), row.len());
                    return Err(format!("`{name}` line {}: expected {want} values, found {got}", i + 1));
                }
                rows.push(row);
            }
            Err(_) if rows.is_empty() && is_header(&fields) => {}
            Err("") => return Err(format!("`{name}` line {}: empty field", i + 1)),
            Err(f) => return Err(format!("`{name}` line {}: `{f}` is not a number", i + 1)),
        }
    }
    let cols = rows.first().map_or(0, Vec::len);
    if rows.is_empty() {
        return Err(format!("`{name}` contains no numbers"));
    }
    let shape = if cols == 1 { vec![rows.len()] } else { vec![rows.len(), cols] };
    Ok(Value::from_f64(&shape, rows.concat()))
}

/// A header line: no field of it is a number (and it comes first).
fn is_header(fields: &[&str]) -> bool {
    fields.iter().all(|f| f.parse::<f64>().is_err())
}

/// Writes an f64 `.npy` (C order) of the value's shape.
pub fn save_npy(path: &Path, v: &Value) -> Result<(), String> {
    use npyz::WriterBuilder;
    let fail = |e: std::io::Error| format!("cannot write `{}`: {}", path.display(), e);
    let file = std::fs::File::create(path).map_err(fail)?;
    let shape: Vec<u64> = v.shape().iter().map(|&d| d as u64).collect();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(std::io::BufWriter::new(file))
        .begin_nd()
        .map_err(fail)?;
    w.extend(v.to_f64().data).map_err(fail)?;
    w.finish().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let unique = format!("symgrad-data-{}-{}-{name}", std::process::id(), fastrand::u64(..));
        std::env::temp_dir().join(unique)
    }

    #[test]
    fn npy_round_trip() {
        let mut rng = Rng::new(7);
        for shape in [vec![], vec![5], vec![3, 4], vec![2, 3, 2]] {
            let v = randn(&shape, &mut rng);
            let p = temp("rt.npy");
            save_npy(&p, &v).unwrap();
            let back = load(&p).unwrap();
            std::fs::remove_file(&p).unwrap();
            assert_eq!(back, v);
        }
    }

    #[test]
    fn npy_fortran_and_integers() {
        use npyz::WriterBuilder;
        let p = temp("f.npy");
        let file = std::fs::File::create(&p).unwrap();
        let mut w = npyz::WriteOptions::<i32>::new()
            .default_dtype()
            .shape(&[2, 3])
            .order(npyz::Order::Fortran)
            .writer(file)
            .begin_nd()
            .unwrap();
        w.extend([1, 4, 2, 5, 3, 6]).unwrap();
        w.finish().unwrap();
        let v = load(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert_eq!(v, Value::from_f64(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    }

    #[test]
    fn csv_with_header_and_errors() {
        let p = temp("a.csv");
        std::fs::write(&p, "x, y\n1, 2.5\n3,-4\n\n").unwrap();
        assert_eq!(load(&p).unwrap(), Value::from_f64(&[2, 2], vec![1.0, 2.5, 3.0, -4.0]));
        std::fs::write(&p, "1\n2\n3\n").unwrap();
        assert_eq!(load(&p).unwrap(), Value::from_f64(&[3], vec![1.0, 2.0, 3.0]));
        std::fs::write(&p, "1,2\n3,4\n5\n").unwrap();
        let e = load(&p).unwrap_err();
        assert!(e.contains("line 3") && e.contains("expected 2 values, found 1"), "{e}");
        std::fs::write(&p, "1,,2\n").unwrap();
        assert!(load(&p).unwrap_err().contains("line 1: empty field"));
        std::fs::write(&p, "1,2\n3,x\n").unwrap();
        assert!(load(&p).unwrap_err().contains("line 2: `x` is not a number"));
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn load_errors() {
        let e = load(Path::new("no-such-dir/x.npy")).unwrap_err();
        assert_eq!(e, "cannot read `no-such-dir/x.npy`: No such file or directory");
        assert!(load(Path::new("x.txt")).unwrap_err().contains(".npy, .csv"));
        let p = temp("bad.npy");
        std::fs::write(&p, "not numpy").unwrap();
        assert!(load(&p).unwrap_err().contains("not a valid .npy file"));
        let dict = "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }";
        let header = format!("{dict:<117}\n");
        let mut bytes = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
        bytes.extend(header.bytes().chain([0; 16]));
        std::fs::write(&p, bytes).unwrap();
        let e = load(&p).unwrap_err();
        assert!(e.contains("unsupported dtype `<c16`"), "{e}");
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn random_values_are_seeded() {
        let a = randn(&[1001], &mut Rng::new(1));
        assert_eq!(a, randn(&[1001], &mut Rng::new(1)));
        let t = a.to_f64();
        let mean = t.data.iter().sum::<f64>() / 1001.0;
        assert!(mean.abs() < 0.15, "{mean}");
        let u = rand(&[100], &mut Rng::new(2)).to_f64();
        assert!(u.data.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
