//! A rope of text pieces for the printer. Rendering a node wraps its
//! operands' ropes instead of copying their text, so printing an unshared
//! chain `((g·d₁)·d₂)·…` stays linear in its length (copying strings up the
//! chain was quadratic: 10,000 levels took most of W1's time).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::rc::Rc;

/// Immutable text, cheap to clone and to concatenate.
#[derive(Clone)]
pub struct Doc(Rc<Inner>);

struct Inner {
    part: Part,
    /// The first `HEAD` bytes of the text (all of it when shorter): sorting
    /// compares these, so it need not walk down a deep rope.
    head: [u8; HEAD],
    head_len: u8,
    len: usize,
    /// A polynomial hash of the whole text: ropes whose heads agree are
    /// ordered by length and then by it, so sorting never walks two long
    /// texts that share a prefix (that walk made printing a large
    /// derivative quadratic).
    hash: u64,
}

enum Part {
    Text(Cow<'static, str>),
    Cat(Vec<Doc>),
}

const HEAD: usize = 24;
const BASE: u64 = 0x100_0000_01b3;

/// `BASE^n` (wrapping), by squaring.
fn power(mut n: usize) -> u64 {
    let (mut acc, mut b) = (1u64, BASE);
    while n > 0 {
        if n & 1 == 1 {
            acc = acc.wrapping_mul(b);
        }
        b = b.wrapping_mul(b);
        n >>= 1;
    }
    acc
}

impl Doc {
    pub fn cat(parts: Vec<Doc>) -> Doc {
        let mut head = [0; HEAD];
        let mut n = 0;
        for p in &parts {
            let take = p.head().len().min(HEAD - n);
            head[n..n + take].copy_from_slice(&p.head()[..take]);
            n += take;
            if n == HEAD || p.0.len > take {
                break;
            }
        }
        let len = parts.iter().map(|p| p.0.len).sum();
        let hash = parts.iter().fold(0u64, |h, p| h.wrapping_mul(power(p.0.len)).wrapping_add(p.0.hash));
        Doc(Rc::new(Inner { part: Part::Cat(parts), head, head_len: n as u8, len, hash }))
    }

    fn text(s: Cow<'static, str>) -> Doc {
        let n = s.len().min(HEAD);
        let mut head = [0; HEAD];
        head[..n].copy_from_slice(&s.as_bytes()[..n]);
        let hash = s.bytes().fold(0u64, |h, b| h.wrapping_mul(BASE).wrapping_add(u64::from(b)));
        Doc(Rc::new(Inner { len: s.len(), head, head_len: n as u8, hash, part: Part::Text(s) }))
    }

    fn head(&self) -> &[u8] {
        &self.0.head[..usize::from(self.0.head_len)]
    }

    /// Length of the text in bytes.
    pub fn text_len(&self) -> usize {
        self.0.len
    }

    /// `(self)`.
    pub fn parens(&self) -> Doc {
        Doc::cat(vec!["(".into(), self.clone(), ")".into()])
    }

    /// The parts joined by `sep`.
    pub fn join(parts: impl IntoIterator<Item = Doc>, sep: &'static str) -> Doc {
        let mut out = Vec::new();
        for (k, p) in parts.into_iter().enumerate() {
            if k > 0 {
                out.push(Doc::from(sep));
            }
            out.push(p);
        }
        Doc::cat(out)
    }

    pub fn write_to(&self, out: &mut String) {
        // An explicit stack: ropes are as deep as the expressions they print.
        let mut stack = vec![self];
        while let Some(d) = stack.pop() {
            match &d.0.part {
                Part::Text(s) => out.push_str(s),
                Part::Cat(parts) => stack.extend(parts.iter().rev()),
            }
        }
    }
}

impl std::fmt::Display for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

impl std::fmt::Debug for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl From<String> for Doc {
    fn from(s: String) -> Doc {
        Doc::text(Cow::Owned(s))
    }
}

impl From<&'static str> for Doc {
    fn from(s: &'static str) -> Doc {
        Doc::text(Cow::Borrowed(s))
    }
}

/// Ropes compare by their first `HEAD` bytes as texts do; past that, by
/// length and hash of the whole text: a fixed order, whatever order the
/// nodes were made in, without reading long texts.
impl Ord for Doc {
    fn cmp(&self, other: &Doc) -> Ordering {
        let (a, b) = (self.head(), other.head());
        let n = a.len().min(b.len());
        a[..n].cmp(&b[..n]).then(self.0.len.cmp(&other.0.len)).then(self.0.hash.cmp(&other.0.hash))
    }
}

impl PartialOrd for Doc {
    fn partial_cmp(&self, other: &Doc) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Doc {
    fn eq(&self, other: &Doc) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Doc {}

/// A rope from text pieces and ropes: `cat![a, " + ", b]`.
macro_rules! cat {
    ($($part:expr),* $(,)?) => {
        $crate::print::doc::Doc::cat(vec![$($crate::print::doc::Doc::from($part)),*])
    };
}
pub(crate) use cat;

impl From<&Doc> for Doc {
    fn from(d: &Doc) -> Doc {
        d.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ropes_compare_and_write_as_their_text() {
        let a = cat!["ab", cat!["c", "d"], ""];
        let b = Doc::from("abd");
        assert_eq!(a.to_string(), "abcd");
        assert!(a < b);
        assert_eq!(a, Doc::from("abcd"));
        assert!(Doc::from("abc") < a);
        assert_eq!(Doc::join(["x".into(), "y".into()], ", ").to_string(), "x, y");
        // Past the cached head: by length, then the same text is equal
        // however it was put together.
        let long = |tail: &'static str| cat!["0123456789", cat!["0123456789abcdef"], tail];
        assert!(long("a") < long("bb"));
        assert_eq!(long("ab"), cat!["0123456789", "0123456789abcdefa", "b"]);
        assert_ne!(long("a"), long("b"));
        assert!(long("") < long("a") && Doc::from("z") > long("a"));
    }
}
