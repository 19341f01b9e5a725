//! The graph: an append-only arena of immutable nodes, interned so that
//! structurally equal nodes are one node.
//!
//! **Invariant:** every input of a node has a smaller id than the node, so
//! arena order is a topological order. Back-propagation walks ids downward
//! and evaluation walks them upward; neither needs a sort.
//!
//! Nodes are made only through `Graph::intern`; the simplifying builders in
//! `simplify` call it after canonicalising, so the graph never holds `x*1`.

pub mod shape;

use crate::eval::value::Value;
use crate::ops::Op;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

/// Maps and sets keyed by node, with foldhash: node ids are not chosen by
/// an adversary, and SipHash was a visible share of differentiating.
pub type IdMap<V> = HashMap<NodeId, V, foldhash::fast::FixedState>;
pub type IdSet = std::collections::HashSet<NodeId, foldhash::fast::FixedState>;

/// The position of each node in a list sorted by id: an array over the
/// ids when the list fills most of its range, else a binary search. For
/// passes that keep a counter or a table entry per node of a walk (keyed
/// by id, two lookups per operand were most of such a pass).
pub struct Positions {
    nodes: Vec<NodeId>,
    lo: usize,
    dense: Vec<u32>,
}

impl Positions {
    /// `nodes` sorted by id, as `Graph::ancestors` gives them.
    pub fn new(nodes: Vec<NodeId>) -> Positions {
        debug_assert!(nodes.windows(2).all(|w| w[0] < w[1]), "sorted by id");
        let lo = nodes.first().map_or(0, |n| n.index());
        let hi = nodes.last().map_or(0, |n| n.index() + 1);
        let mut dense = Vec::new();
        if fills(lo, hi, nodes.len()) {
            dense = vec![u32::MAX; hi - lo];
            for (k, n) in nodes.iter().enumerate() {
                // Below 2^32 nodes: the graph_size limit is far lower.
                dense[n.index() - lo] = k as u32;
            }
        }
        Positions { nodes, lo, dense }
    }

    #[inline]
    pub fn of(&self, id: NodeId) -> Option<usize> {
        if self.dense.is_empty() {
            return self.nodes.binary_search(&id).ok();
        }
        let k = *self.dense.get(id.index().checked_sub(self.lo)?)?;
        (k != u32::MAX).then_some(k as usize)
    }

    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    pub fn into_nodes(self) -> Vec<NodeId> {
        self.nodes
    }
}

/// Whether `n` nodes fill enough of the ids `lo..hi` that a pass over the
/// range costs less than hashing or sorting them.
fn fills(lo: usize, hi: usize, n: usize) -> bool {
    hi - lo <= 4 * n + 64
}

/// Index of a node in its graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One operation applied to earlier nodes, with the shape of its result.
/// Its inputs are a run of the graph's `operands` (one list for all
/// nodes: a list of its own per node was an allocation per node made and
/// a pointer to follow per node read).
#[derive(Clone, Debug)]
pub struct Node {
    pub op: Op,
    inputs: (u32, u32),
    pub shape: Box<[usize]>,
    /// The constant this node folded to when it was made (`fold`): the
    /// intern table still finds the node, and gives the constant.
    folded: Option<NodeId>,
}

/// The arena, its intern table, and the constant tensors that `Op::Data`
/// nodes refer to.
#[derive(Default)]
pub struct Graph {
    nodes: Vec<Node>,
    /// The inputs of every node, each node's a run of this list.
    operands: Vec<NodeId>,
    /// The intern table holds ids and hashes of the nodes in the arena, so
    /// a node is stored once (a map keyed by `Node` cloned every node made).
    /// foldhash rather than SipHash: interning hashes every node made, and
    /// no input here is adversarial to a hash table.
    /// Each node with its hash, so that growing the table rehashes nothing.
    interned: hashbrown::HashTable<(u64, NodeId)>,
    hasher: foldhash::fast::FixedState,
    data: Vec<Value>,
    data_ids: HashMap<u64, Vec<u32>>,
    /// The variables each node depends on (`None`: more than `MAX_VARS`),
    /// so "does this expression have a value?" costs little.
    vars: Vec<Option<Arc<[NodeId]>>>,
    /// Marks for `ancestors`: a node is visited when its stamp is the
    /// current walk's. Reused, so a walk costs what it visits, not the
    /// size of the graph (a `:trace` prints thousands of small parts of a
    /// large graph). Behind a lock so that the graph is `Sync`: a large
    /// derivative is evaluated on one thread while it is printed on
    /// another, and each takes the lock only for a walk.
    stamps: std::sync::Mutex<(Vec<u32>, u32)>,
    /// The size the graph may reach during the current statement (`None`:
    /// no limit); long computations call [`Graph::check_budget`].
    budget: Option<usize>,
    /// Bytes of new constant tensors (`randn`, `load`) the current statement
    /// may still make (`None`: no limit).
    data_left: Option<usize>,
    /// Bytes of constant data charged so far, over the whole session.
    data_held: usize,
    /// Nodes plus their operands: what the budget counts, since a node's
    /// memory and the work of making it grow with its operands.
    size: usize,
    /// Names the printer must not give to `where` bindings: those of user
    /// functions (`:def t1(a) = …`), which a binding could not shadow when
    /// the text is read back.
    reserved: std::collections::BTreeSet<String>,
}

/// Whether constant folding may evaluate `op`: the ops whose exact value
/// costs about what its operands do (a power is folded only when small:
/// `[3]^100000` would be a number of 160,000 bits).
fn folds(op: &Op) -> bool {
    use crate::ops::Func;
    match op {
        Op::Mul { exps, .. } => exps.iter().all(|e| e.is_integer() && e.small().is_some_and(|(n, _)| n.abs() <= 4)),
        Op::Fn(f) => matches!(f, Func::Abs | Func::Sign | Func::Step | Func::Relu),
        Op::Add { .. }
        | Op::Max
        | Op::Min
        | Op::Sum(_)
        | Op::Transpose
        | Op::Outer
        | Op::Diag
        | Op::Trace
        | Op::Index(_)
        | Op::Stack
        | Op::Reshape
        | Op::Broadcast
        | Op::Prod
        | Op::Norm
        | Op::MatMul
        | Op::Pow => true,
        _ => false,
    }
}

/// Most variables tracked per node before `free_vars` gives up.
const MAX_VARS: usize = 32;

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Allows `extra` more nodes from now on (`None`: any number).
    pub fn set_budget(&mut self, extra: Option<usize>) {
        self.budget = extra.map(|n| self.size.saturating_add(n));
        self.data_left = extra.map(|_| crate::limits::get().eval_bytes);
    }

    /// A `Limit` error once the graph has grown past its budget.
    pub fn check_budget(&self) -> crate::error::Result<()> {
        self.check_budget_for(0)
    }

    /// A `Limit` error if `more` nodes on top of the graph would pass its
    /// budget: a loop whose steps cost alike can stop before the work.
    pub fn check_budget_for(&self, more: usize) -> crate::error::Result<()> {
        match self.budget {
            Some(b) if self.size.saturating_add(more) > b => Err(crate::error::Error::limit(
                crate::error::Span::default(),
                format!(
                    "this statement would grow the graph by more than {} nodes and operands (limit graph_size)",
                    crate::limits::get().graph_size
                ),
            )
            .with_help(
                "derivatives of high order and large Jacobians grow fast; `--limit graph_size=N` raises the limit",
            )),
            _ => Ok(()),
        }
    }

    /// Takes `elements` f64s of new constant data from the statement's
    /// allowance (`eval_bytes`), before the data is made: two
    /// `randn(8000, 8000)` in one statement held a gigabyte before the
    /// evaluation's own check refused it.
    pub fn charge_data(&mut self, elements: usize) -> crate::error::Result<()> {
        let Some(left) = self.data_left else { return Ok(()) };
        let bytes = elements.saturating_mul(8);
        let held = self.data_held.saturating_add(bytes);
        let max_held = crate::limits::get().session_data_bytes;
        if held > max_held {
            return Err(crate::error::Error::limit(
                crate::error::Span::default(),
                format!(
                    "the session's constant tensors would take more than {} MiB (limit session_data_bytes)",
                    max_held >> 20
                ),
            )
            .with_help("results keep their data; `:reset` frees it"));
        }
        match left.checked_sub(bytes) {
            Some(rest) => {
                self.data_left = Some(rest);
                self.data_held = held;
                Ok(())
            }
            None => Err(crate::error::Error::limit(
                crate::error::Span::default(),
                format!(
                    "this statement's constant tensors would take more than {} MiB (limit eval_bytes)",
                    crate::limits::get().eval_bytes >> 20
                ),
            )),
        }
    }

    /// The node with this op, inputs and shape: the existing one if any.
    /// The operands are copied only for a new node (borrowed ones, when
    /// the caller has them: most lookups find one, `cos(x)` in `sin(x)`'s
    /// derivative).
    pub fn intern<I, S>(&mut self, op: Op, inputs: I, shape: S) -> NodeId
    where
        I: AsRef<[NodeId]>,
        S: AsRef<[usize]> + Into<Box<[usize]>>,
    {
        let inputs = inputs.as_ref();
        let hash = self.hash_of(&op, inputs, shape.as_ref());
        if let Some(id) = self.find(hash, &op, inputs, shape.as_ref()) {
            return self.nodes[id.index()].folded.unwrap_or(id);
        }
        let id = self.push(hash, op, inputs, shape.into());
        let folded = self.fold(id);
        if folded != id {
            self.nodes[id.index()].folded = Some(folded);
        }
        folded
    }

    /// Exact constant folding (SPEC §7): a small node whose inputs are all
    /// exact constants is its value (`2*[1, 2]` is `[2, 4]`). A float result
    /// stays an expression, as `sin([0, 1])` does, and so does `eye(n)`
    /// (a leaf: its rows and elements have rules of their own).
    fn fold(&mut self, id: NodeId) -> NodeId {
        const FOLD_MAX: usize = 1000;
        // Most nodes have an operand that is not a constant: one look.
        let constant = |i: &NodeId| matches!(self.op(*i), Op::Num(_) | Op::Data(_));
        let inputs = self.inputs(id);
        if inputs.is_empty() || !inputs.iter().all(constant) {
            return id;
        }
        if !folds(self.op(id)) || shape::numel(self.shape(id)) > FOLD_MAX {
            return id;
        }
        let value = |i: &NodeId| match self.op(*i) {
            Op::Num(r) => Some(Value::filled(r, self.shape(*i))),
            Op::Data(d) if shape::numel(self.shape(*i)) <= FOLD_MAX => match self.data_value(*d) {
                v @ Value::Exact(_) => Some(v.clone()),
                Value::Float(_) => None,
            },
            _ => None,
        };
        let Some(args) = inputs.iter().map(value).collect::<Option<Vec<Value>>>() else { return id };
        let refs: Vec<&Value> = args.iter().collect();
        // Work the evaluation would refuse is left to it (and its error).
        if crate::ops::check_exact_cost(self, id, &refs).is_err() {
            return id;
        }
        let max_bits = crate::limits::get().exact_bits;
        match crate::ops::eval(self, id, &refs) {
            Ok(Value::Exact(t)) if *t.shape == *self.shape(id) && t.data.iter().all(|r| r.bits() <= max_bits) => {
                self.data(Value::Exact(t))
            }
            _ => id,
        }
    }

    /// The hash of the node these parts make.
    fn hash_of(&self, op: &Op, inputs: &[NodeId], shape: &[usize]) -> u64 {
        self.hasher.hash_one((op, inputs, shape))
    }

    fn find(&self, hash: u64, op: &Op, inputs: &[NodeId], shape: &[usize]) -> Option<NodeId> {
        let same = |id: NodeId| {
            let n = &self.nodes[id.index()];
            n.op == *op && self.inputs(id) == inputs && *n.shape == *shape
        };
        self.interned.find(hash, |&(h, id)| h == hash && same(id)).map(|&(_, id)| id)
    }

    fn push(&mut self, hash: u64, op: Op, inputs: &[NodeId], shape: Box<[usize]>) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        debug_assert!(inputs.iter().all(|i| *i < id), "inputs come before users");
        self.size += 1 + inputs.len();
        let vars = self.union_vars(id, &op, inputs);
        self.vars.push(vars);
        // The operand list stays below 2^32 entries: the graph_size limit
        // counts operands and is far lower.
        let start = self.operands.len() as u32;
        self.operands.extend_from_slice(inputs);
        self.nodes.push(Node { op, inputs: (start, self.operands.len() as u32), shape, folded: None });
        self.interned.insert_unique(hash, (hash, id), |&(h, _)| h);
        id
    }

    fn union_vars(&self, id: NodeId, op: &Op, inputs: &[NodeId]) -> Option<Arc<[NodeId]>> {
        if matches!(op, Op::Var(_)) {
            return Some(Arc::new([id]));
        }
        // Most nodes depend on the same variables as their first input
        // (`sin(x)*x`): share that set.
        if let Some((first, rest)) = inputs.split_first() {
            let set = self.vars[first.index()].as_ref()?;
            if rest.iter().all(|i| self.vars[i.index()].as_deref().is_some_and(|s| s.iter().all(|v| set.contains(v)))) {
                return Some(Arc::clone(set));
            }
        }
        let mut all: Vec<NodeId> = Vec::new();
        for i in inputs {
            all.extend(self.vars[i.index()].as_deref()?);
        }
        all.sort_unstable();
        all.dedup();
        (all.len() <= MAX_VARS).then(|| all.into())
    }

    /// Keeps `name` out of the printer's `where` names.
    pub fn reserve_name(&mut self, name: &str) {
        self.reserved.insert(name.to_string());
    }

    pub fn is_reserved(&self, name: &str) -> bool {
        self.reserved.contains(name)
    }

    /// The variable nodes `id` depends on, when there are few of them.
    pub fn free_vars(&self, id: NodeId) -> Option<&[NodeId]> {
        self.vars[id.index()].as_deref()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn op(&self, id: NodeId) -> &Op {
        &self.nodes[id.index()].op
    }

    pub fn inputs(&self, id: NodeId) -> &[NodeId] {
        let (start, end) = self.nodes[id.index()].inputs;
        &self.operands[start as usize..end as usize]
    }

    pub fn shape(&self, id: NodeId) -> &[usize] {
        &self.nodes[id.index()].shape
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Nodes plus their operands, as the budget counts them.
    pub fn size(&self) -> usize {
        self.size
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The id the next new node will get: ids from here on were added later.
    pub fn mark(&self) -> NodeId {
        NodeId(self.nodes.len() as u32)
    }

    /// Registers a constant tensor (deduplicated by content) for `Op::Data`.
    pub fn intern_data(&mut self, value: Value) -> u32 {
        let key = content_hash(&value);
        let same = self.data_ids.entry(key).or_default();
        if let Some(&i) = same.iter().find(|&&i| self.data[i as usize] == value) {
            return i;
        }
        let i = self.data.len() as u32;
        same.push(i);
        self.data.push(value);
        i
    }

    pub fn data_value(&self, i: u32) -> &Value {
        &self.data[i as usize]
    }

    /// Every node reachable from `roots`, in arena (topological) order.
    pub fn ancestors(&self, roots: &[NodeId]) -> Vec<NodeId> {
        self.ancestors_until(roots, |_| false)
    }

    /// Like `ancestors`, but the inputs of a node `known` holds are not
    /// visited (evaluation reads its value instead).
    pub fn ancestors_until(&self, roots: &[NodeId], known: impl Fn(NodeId) -> bool) -> Vec<NodeId> {
        // One lock for the walk and the reading of its marks: another
        // thread's walk in between (evaluation runs beside printing) moved
        // the epoch, and this walk read the other's nodes (a W5 derivative,
        // printed without its `where` names, grew to gigabytes).
        let mut marks = self.stamps.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = self.reachable_marked(&mut marks, roots, usize::MAX, known);
        let lo = out.iter().min().map_or(0, |id| id.index());
        let hi = out.iter().max().map_or(0, |id| id.index() + 1);
        if !fills(lo, hi, out.len()) {
            out.sort_unstable();
            return out;
        }
        // Most of the range is reached (a derivative and its forward
        // graph): reading the walk's marks in id order costs less than
        // sorting, which was a visible share of a large evaluation.
        let (stamp, epoch) = &*marks;
        let mut sorted = Vec::with_capacity(out.len());
        sorted.extend((lo..hi).filter(|&i| stamp.get(i) == Some(epoch)).map(|i| NodeId(i as u32)));
        sorted
    }

    /// The nodes `roots` depend on, in no order, up to `cap + 1` of them,
    /// not looking past the nodes `known` holds.
    fn reachable(&self, roots: &[NodeId], cap: usize, known: impl Fn(NodeId) -> bool) -> Vec<NodeId> {
        let mut marks = self.stamps.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.reachable_marked(&mut marks, roots, cap, known)
    }

    /// `reachable`, marking in `marks` (the locked walk marks).
    fn reachable_marked(
        &self,
        marks: &mut (Vec<u32>, u32),
        roots: &[NodeId],
        cap: usize,
        known: impl Fn(NodeId) -> bool,
    ) -> Vec<NodeId> {
        let (stamp, epoch) = marks;
        if *epoch == u32::MAX {
            stamp.iter_mut().for_each(|s| *s = 0);
            *epoch = 0;
        }
        *epoch += 1;
        stamp.resize(self.nodes.len(), 0);
        let mut stack: Vec<NodeId> = roots.to_vec();
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut stamp[id.index()], *epoch) == *epoch {
                continue;
            }
            out.push(id);
            if out.len() > cap {
                break;
            }
            if !known(id) {
                stack.extend(self.inputs(id).iter().copied());
            }
        }
        out
    }

    /// Number of distinct nodes an expression consists of.
    pub fn count(&self, root: NodeId) -> usize {
        self.reachable(&[root], usize::MAX, |_| false).len()
    }

    /// Whether an expression consists of more than `cap` distinct nodes,
    /// found without walking all of a large one.
    pub fn count_exceeds(&self, root: NodeId, cap: usize) -> bool {
        self.reachable(&[root], cap, |_| false).len() > cap
    }
}

/// A hash of a value's shape and elements (f64 by bits, so `-0` and `0`
/// differ and NaN equals itself).
fn content_hash(v: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match v {
        Value::Exact(t) => (0u8, &t.shape, &t.data).hash(&mut h),
        Value::Float(t) => {
            (1u8, &t.shape).hash(&mut h);
            t.data.iter().for_each(|x| x.to_bits().hash(&mut h));
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_data_is_charged_per_statement() {
        let mut g = Graph::new();
        let allowance = crate::limits::get().eval_bytes / 8;
        assert!(g.charge_data(allowance * 4).is_ok(), "no statement, no limit");
        g.set_budget(Some(1000));
        assert!(g.charge_data(allowance - 10).is_ok());
        assert!(g.charge_data(11).is_err(), "over the statement's allowance");
        g.set_budget(Some(1000));
        assert!(g.charge_data(11).is_ok(), "a new statement starts afresh");
    }

    /// Evaluation walks the graph on its own thread while the printer
    /// walks it on another: each walk must see its own nodes. (Marking and
    /// reading the marks under two locks let one walk read the other's.)
    #[test]
    fn walks_on_two_threads_see_their_own_nodes() {
        let mut g = Graph::new();
        let (x, y) = (g.var("x", vec![]), g.var("y", vec![]));
        // Two chains of consecutive ids: each walk fills its range, the
        // case that reads the marks after walking.
        let (mut f, mut h) = (x, y);
        for _ in 0..300 {
            f = g.func(crate::ops::Func::Sin, f).unwrap();
        }
        for _ in 0..300 {
            h = g.func(crate::ops::Func::Cos, h).unwrap();
        }
        let (want_f, want_h) = (g.ancestors(&[f]), g.ancestors(&[h]));
        std::thread::scope(|s| {
            let g = &g;
            let a = s.spawn(|| (0..2000).all(|_| g.ancestors(&[f]) == want_f));
            let b = s.spawn(|| (0..2000).all(|_| g.ancestors(&[h]) == want_h));
            assert!(a.join().unwrap() && b.join().unwrap());
        });
    }

    #[test]
    fn ancestors_are_sorted_whether_they_fill_their_range_or_not() {
        let mut g = Graph::new();
        let x = g.var("x", vec![]);
        // Many nodes nobody below uses, then a root over x and the last.
        let unused: Vec<NodeId> = (0..50).map(|k| g.var(&format!("u{k}"), vec![])).collect();
        let last = *unused.last().unwrap();
        let sparse = g.add(x, last).unwrap();
        assert_eq!(g.ancestors(&[sparse]), vec![x, last, sparse]);
        // A chain: every id in its range is reached.
        let mut f = x;
        let mut chain = vec![x];
        for _ in 0..20 {
            f = g.func(crate::ops::Func::Sin, f).unwrap();
            chain.push(f);
        }
        assert_eq!(g.ancestors(&[f]), chain);
        let both = g.add(f, sparse).unwrap();
        // Against a plain search.
        let mut want = std::collections::BTreeSet::new();
        let mut todo = vec![both];
        while let Some(id) = todo.pop() {
            if want.insert(id) {
                todo.extend(g.inputs(id));
            }
        }
        assert_eq!(g.ancestors(&[both]), want.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn positions_are_found_in_dense_and_sparse_lists() {
        let near: Vec<NodeId> = [3, 4, 6, 9].map(NodeId).to_vec();
        let far: Vec<NodeId> = [0, 7, 1_000_000].map(NodeId).to_vec();
        for (nodes, dense) in [(near, true), (far, false)] {
            let at = Positions::new(nodes.clone());
            assert_eq!(!at.dense.is_empty(), dense, "{nodes:?}");
            for (k, &n) in nodes.iter().enumerate() {
                assert_eq!(at.of(n), Some(k));
            }
            for absent in [1, 2, 5, 8, 10, 999_999, 2_000_000] {
                assert_eq!(at.of(NodeId(absent)), None, "{absent} in {nodes:?}");
            }
        }
        assert_eq!(Positions::new(vec![]).of(NodeId(0)), None);
    }
}
