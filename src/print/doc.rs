//! Ropes of text pieces for the printer, held in one arena per printing.
//! Rendering a node wraps its operands' ropes instead of copying their
//! text, so printing an unshared chain `((g·d₁)·d₂)·…` stays linear in its
//! length (copying strings up the chain was quadratic: 10,000 levels took
//! most of W1's time). The arena makes a piece one push instead of one
//! allocation, and dropping a printing one free: with a reference-counted
//! piece each, allocating and dropping them was most of printing a large
//! derivative (1.7 s for 5 MB of text).

use std::cmp::Ordering;

/// A rope in a [`Ropes`] arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Doc(u32);

/// The arena: every rope of one printing, their text, and their parts.
#[derive(Default)]
pub struct Ropes {
    docs: Vec<Inner>,
    /// The parts of concatenations, each a run of this list.
    kids: Vec<Doc>,
    /// The text of the leaves, each a run of these bytes (whole UTF-8
    /// strings, so any concatenation of leaves is UTF-8 too).
    text: Vec<u8>,
    /// Leaves already made for fixed strings (`"("`, `" + "`, …), by
    /// address: a printing uses a few dozen, thousands of times each.
    fixed: Vec<(usize, usize, Doc)>,
}

struct Inner {
    /// A run of `kids` (a concatenation) or of `text` (a leaf).
    start: usize,
    end: usize,
    cat: bool,
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
    /// `BASE^len`, to extend the hash over a concatenation.
    power: u64,
}

const HEAD: usize = 24;

/// Largest concatenation kept as one leaf of copied text: writing out a
/// printing then visits a few pieces per line instead of one per token
/// (the visits were most of writing a large derivative).
const SMALL: usize = 64;
const BASE: u64 = 0x100_0000_01b3;

impl Ropes {
    pub fn new() -> Ropes {
        Ropes::default()
    }

    /// An arena with room for printing `nodes` nodes as most printings
    /// do (W1: 1.5 ropes, 0.6 parts and 37 bytes of text per node), so
    /// that it seldom grows: growing copied it whole each time, a seventh
    /// of printing a large derivative. Room not used is not touched.
    pub fn with_room(nodes: usize) -> Ropes {
        Ropes {
            docs: Vec::with_capacity(2 * nodes),
            kids: Vec::with_capacity(nodes),
            text: Vec::with_capacity(48 * nodes),
            fixed: Vec::new(),
        }
    }

    fn push(&mut self, inner: Inner) -> Doc {
        // A printing is bounded far below 2^32 pieces (`MAX_PRINT_NODES`).
        let id = u32::try_from(self.docs.len()).unwrap_or(u32::MAX);
        self.docs.push(inner);
        Doc(id)
    }

    fn get(&self, d: Doc) -> &Inner {
        // Docs come only from this arena's `push`.
        &self.docs[d.0 as usize]
    }

    /// A leaf holding `s`.
    pub fn text(&mut self, s: &str) -> Doc {
        let start = self.text.len();
        self.text.extend_from_slice(s.as_bytes());
        self.leaf(start, self.text.len())
    }

    /// A leaf holding `text[start..end]`.
    fn leaf(&mut self, start: usize, end: usize) -> Doc {
        let s = self.text.get(start..end).unwrap_or(&[]);
        let n = s.len().min(HEAD);
        let mut head = [0; HEAD];
        head[..n].copy_from_slice(&s[..n]);
        let (mut hash, mut power) = (0u64, 1u64);
        for &b in s {
            hash = hash.wrapping_mul(BASE).wrapping_add(u64::from(b));
            power = power.wrapping_mul(BASE);
        }
        let len = s.len();
        self.push(Inner { start, end, cat: false, head, head_len: n as u8, len, hash, power })
    }

    /// A leaf holding a fixed string, made once per arena.
    pub fn fixed(&mut self, s: &'static str) -> Doc {
        let key = (s.as_ptr() as usize, s.len());
        if let Some(&(_, _, d)) = self.fixed.iter().find(|(p, n, _)| (*p, *n) == key) {
            return d;
        }
        let d = self.text(s);
        self.fixed.push((key.0, key.1, d));
        d
    }

    /// The parts one after another.
    pub fn cat(&mut self, parts: &[Doc]) -> Doc {
        if let [one] = parts {
            return *one;
        }
        let (mut len, mut hash, mut power) = (0usize, 0u64, 1u64);
        for &p in parts {
            let inner = self.get(p);
            len += inner.len;
            hash = hash.wrapping_mul(inner.power).wrapping_add(inner.hash);
            power = power.wrapping_mul(inner.power);
        }
        if len <= SMALL {
            return self.copied(parts, len, hash, power);
        }
        let mut head = [0; HEAD];
        let mut n = 0;
        for &p in parts {
            let inner = self.get(p);
            let take = usize::from(inner.head_len).min(HEAD - n);
            head[n..n + take].copy_from_slice(&inner.head[..take]);
            n = if inner.len > take { HEAD } else { n + take };
            if n == HEAD {
                break;
            }
        }
        let start = self.kids.len();
        self.kids.extend_from_slice(parts);
        self.push(Inner { start, end: self.kids.len(), cat: true, head, head_len: n as u8, len, hash, power })
    }

    /// A short concatenation as one leaf of copied text (every part of a
    /// rope this short is a leaf), its head read from the copy.
    fn copied(&mut self, parts: &[Doc], len: usize, hash: u64, power: u64) -> Doc {
        // Gathered first: one copy into the arena instead of one per part.
        let mut buf = [0u8; SMALL];
        let mut at = 0;
        for &p in parts {
            let inner = self.get(p);
            let piece = self.text.get(inner.start..inner.end).unwrap_or(&[]);
            let to = (at + piece.len()).min(SMALL);
            buf[at..to].copy_from_slice(&piece[..to - at]);
            at = to;
        }
        let mut head = [0; HEAD];
        let n = at.min(HEAD);
        head[..n].copy_from_slice(&buf[..n]);
        let start = self.text.len();
        self.text.extend_from_slice(&buf[..at]);
        let end = self.text.len();
        self.push(Inner { start, end, cat: false, head, head_len: n as u8, len, hash, power })
    }

    /// `(d)`.
    pub fn parens(&mut self, d: Doc) -> Doc {
        let (open, close) = (self.fixed("("), self.fixed(")"));
        self.cat(&[open, d, close])
    }

    /// The parts joined by `sep`.
    pub fn join(&mut self, parts: impl IntoIterator<Item = Doc>, sep: &'static str) -> Doc {
        let sep = self.fixed(sep);
        let parts = parts.into_iter();
        let mut out = Vec::with_capacity(2 * parts.size_hint().0);
        for (k, p) in parts.enumerate() {
            if k > 0 {
                out.push(sep);
            }
            out.push(p);
        }
        self.cat(&out)
    }

    /// Length of the text in bytes.
    pub fn len(&self, d: Doc) -> usize {
        self.get(d).len
    }

    /// The texts of `docs` one after another.
    pub fn write_all(&self, docs: &[Doc]) -> String {
        let mut out = Vec::with_capacity(docs.iter().map(|&d| self.get(d).len).sum());
        let text = &self.text[..];
        // An explicit stack (ropes are as deep as the expressions they
        // print), one for all the docs.
        let mut stack = Vec::with_capacity(64);
        for &d in docs {
            stack.push(d);
            while let Some(d) = stack.pop() {
                let inner = self.get(d);
                if inner.cat {
                    stack.extend(self.kids.get(inner.start..inner.end).unwrap_or(&[]).iter().rev());
                } else {
                    out.extend_from_slice(text.get(inner.start..inner.end).unwrap_or(&[]));
                }
            }
        }
        // Leaves are whole strings, so their concatenation is UTF-8.
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    pub fn to_string(&self, d: Doc) -> String {
        self.write_all(&[d])
    }

    /// Ropes compare by their first `HEAD` bytes as texts do; past that, by
    /// length and hash of the whole text: a fixed order, whatever order the
    /// nodes were made in, without reading long texts.
    pub fn cmp(&self, a: Doc, b: Doc) -> Ordering {
        let (a, b) = (self.get(a), self.get(b));
        let n = a.head_len.min(b.head_len) as usize;
        a.head[..n].cmp(&b.head[..n]).then(a.len.cmp(&b.len)).then(a.hash.cmp(&b.hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ropes_compare_and_write_as_their_text() {
        let mut r = Ropes::new();
        let (ab, c, d, empty) = (r.text("ab"), r.text("c"), r.text("d"), r.text(""));
        let cd = r.cat(&[c, d]);
        let a = r.cat(&[ab, cd, empty]);
        let b = r.text("abd");
        assert_eq!(r.to_string(a), "abcd");
        assert_eq!(r.cmp(a, b), Ordering::Less);
        let abcd = r.text("abcd");
        assert_eq!(r.cmp(a, abcd), Ordering::Equal);
        let abc = r.text("abc");
        assert_eq!(r.cmp(abc, a), Ordering::Less);
        let (x, y) = (r.text("x"), r.text("y"));
        let xy = r.join([x, y], ", ");
        assert_eq!(r.to_string(xy), "x, y");
        // Past the cached head: by length, then the same text is equal
        // however it was put together.
        let mut long = |tail: &str| {
            let (p, q, t) = (r.text("0123456789"), r.text("0123456789abcdef"), r.text(tail));
            let q = r.cat(&[q]);
            r.cat(&[p, q, t])
        };
        let (la, lbb, lab, lb, l0) = (long("a"), long("bb"), long("ab"), long("b"), long(""));
        assert_eq!(r.cmp(la, lbb), Ordering::Less);
        let (p, q, t) = (r.text("0123456789"), r.text("0123456789abcdefa"), r.text("b"));
        let other = r.cat(&[p, q, t]);
        assert_eq!(r.cmp(lab, other), Ordering::Equal);
        assert_ne!(r.cmp(la, lb), Ordering::Equal);
        let z = r.text("z");
        assert!(r.cmp(l0, la) == Ordering::Less && r.cmp(z, la) == Ordering::Greater);
    }

    #[test]
    fn short_ropes_are_copied_into_one_leaf() {
        let mut r = Ropes::new();
        let (a, b) = (r.text("sin("), r.text("x"));
        let close = r.fixed(")");
        let short = r.cat(&[a, b, close]);
        assert!(!r.get(short).cat, "{} bytes kept as parts", r.len(short));
        let long_text = "y".repeat(SMALL);
        let long = r.text(&long_text);
        let both = r.cat(&[short, long]);
        assert!(r.get(both).cat);
        assert_eq!(r.to_string(both), format!("sin(x){long_text}"));
        // Copied or not, a text compares as itself.
        let same = r.text(&format!("sin(x){long_text}"));
        assert_eq!(r.cmp(both, same), Ordering::Equal);
        let plain = r.text("sin(x)");
        assert_eq!((r.cmp(short, plain), r.len(short)), (Ordering::Equal, 6));
    }

    #[test]
    fn fixed_strings_are_made_once() {
        let mut r = Ropes::new();
        let (a, b) = (r.fixed(" + "), r.fixed(" + "));
        assert_eq!(a, b);
        let s = r.cat(&[a, b]);
        assert_eq!(r.to_string(s), " +  + ");
    }
}
