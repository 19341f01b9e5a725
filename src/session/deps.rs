//! Who refers to what: for each name and `$N` result, the formulas and
//! results whose expressions mention it. `:let` asks whether a binding
//! would make a cycle, and every change of a binding asks what lowered from
//! it is stale; both walk from one name to everything that depends on it.
//!
//! **Invariant:** a superset. Entries of rebound or removed bindings stay;
//! they only make a walk visit a little more. Built-in function names are
//! left out: they can never be bound, so no walk starts from one.
//!
//! Names and results are kept apart so that a name is looked up by `&str`:
//! almost every statement asks about a name nothing refers to yet, and that
//! answer costs one hash lookup and no allocation.

use crate::lower::names::{Ref, RefTo};
use crate::lower::{HashMap, HashSet};

#[derive(Default)]
pub struct Deps {
    names: HashMap<String, Vec<Ref>>,
    results: HashMap<usize, Vec<Ref>>,
}

impl Deps {
    /// Notes that `who` refers to each of `refs`.
    pub fn add(&mut self, who: &Ref, refs: &[RefTo<'_>]) {
        // A name used twice (`sin(f) + cos(f)`) would list `who` twice in a
        // row; once is enough.
        let push = |list: &mut Vec<Ref>| {
            if list.last() != Some(who) {
                list.push(who.clone());
            }
        };
        for &r in refs {
            match r {
                RefTo::Name(n) => match self.names.get_mut(n) {
                    Some(list) => push(list),
                    None if crate::lower::is_builtin(n) => {}
                    None => {
                        self.names.insert(n.to_string(), vec![who.clone()]);
                    }
                },
                RefTo::Result(k) => push(self.results.entry(k).or_default()),
            }
        }
    }

    /// What refers to `r` directly.
    pub fn direct(&self, r: RefTo<'_>) -> &[Ref] {
        let list = match r {
            RefTo::Name(n) => self.names.get(n),
            RefTo::Result(k) => self.results.get(&k),
        };
        list.map_or(&[], Vec::as_slice)
    }

    /// `start` and everything that refers to it, directly or not.
    pub fn closure(&self, start: RefTo<'_>) -> HashSet<Ref> {
        let start = start.owned();
        let mut seen = HashSet::from_iter([start.clone()]);
        let mut todo = vec![start];
        while let Some(r) = todo.pop() {
            let by = match &r {
                Ref::Name(n) => self.direct(RefTo::Name(n)),
                Ref::Result(k) => self.direct(RefTo::Result(*k)),
            };
            for d in by {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen
    }
}
