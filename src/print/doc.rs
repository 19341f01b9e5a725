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
}

enum Part {
    Text(Cow<'static, str>),
    Cat(Vec<Doc>),
}

const HEAD: usize = 24;

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
        Doc(Rc::new(Inner { part: Part::Cat(parts), head, head_len: n as u8, len }))
    }

    fn text(s: Cow<'static, str>) -> Doc {
        let n = s.len().min(HEAD);
        let mut head = [0; HEAD];
        head[..n].copy_from_slice(&s.as_bytes()[..n]);
        Doc(Rc::new(Inner { len: s.len(), head, head_len: n as u8, part: Part::Text(s) }))
    }

    fn head(&self) -> &[u8] {
        &self.0.head[..usize::from(self.0.head_len)]
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

    /// The bytes of the text, in order, without building it.
    fn bytes(&self) -> Bytes<'_> {
        Bytes { stack: vec![(self, 0)], text: &[] }
    }

    /// Whether the text starts with `prefix` (reads no further).
    pub fn starts_with(&self, prefix: &str) -> bool {
        let mut it = self.bytes();
        prefix.bytes().all(|b| it.next() == Some(b))
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

/// Ropes compare as their texts do (byte order is code point order in
/// UTF-8); the walk stops at the first difference.
impl Ord for Doc {
    fn cmp(&self, other: &Doc) -> Ordering {
        let (a, b) = (self.head(), other.head());
        let n = a.len().min(b.len());
        match a[..n].cmp(&b[..n]) {
            Ordering::Equal if a.len() == self.0.len && b.len() == other.0.len => a.len().cmp(&b.len()),
            Ordering::Equal => self.bytes().cmp(other.bytes()),
            unequal => unequal,
        }
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

struct Bytes<'a> {
    stack: Vec<(&'a Doc, usize)>,
    text: &'a [u8],
}

impl Iterator for Bytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        loop {
            if let Some((&b, rest)) = self.text.split_first() {
                self.text = rest;
                return Some(b);
            }
            let (d, k) = self.stack.pop()?;
            match &d.0.part {
                Part::Text(s) => self.text = s.as_bytes(),
                Part::Cat(parts) => {
                    if let Some(p) = parts.get(k) {
                        self.stack.push((d, k + 1));
                        self.stack.push((p, 0));
                    }
                }
            }
        }
    }
}

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
        assert!(a.starts_with("abc") && !a.starts_with("abd"));
        assert_eq!(Doc::join(["x".into(), "y".into()], ", ").to_string(), "x, y");
        // Past the cached head, the walk decides.
        let long = |tail: &'static str| cat!["0123456789", cat!["0123456789abcdef"], tail];
        assert!(long("a") < long("b"));
        assert_eq!(long("a"), long("a"));
        assert!(long("") < long("a") && Doc::from("z") > long("a"));
    }
}
