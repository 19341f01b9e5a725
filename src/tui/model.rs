//! The pane's data: a snapshot of one graph (forward nodes and the nodes
//! back-propagation added), the table filling record and the values, built
//! by the session (`Session::show_model`) and read by the drawing code. It
//! holds no graph reference and no terminal, so it can be kept in an
//! `Item`, printed as text, or drawn on a `TestBackend`.
//!
//! **Invariant:** `nodes` is in arena order, so every input index of a node
//! is smaller than the node's own index (the layout relies on it).

/// One node of the pane.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaneNode {
    /// The graph's `NodeId`.
    pub id: u32,
    /// Short name: the variable's name, `u3` for forward nodes, `d2` for
    /// derivative nodes (the names `:trace` and the table use).
    pub name: String,
    /// The op (`Op::label`).
    pub op: String,
    /// The op over its inputs' names with its coefficients and exponents
    /// (`u1^2`, `u2 - 2*y`: `print::shallow`); empty, `op(inputs)`.
    pub formula: String,
    /// The shape as `[3, 2]` (`[]` for a scalar).
    pub shape: String,
    /// Indices (into `Pane::nodes`) of the inputs, in argument order.
    pub inputs: Vec<usize>,
    /// The node's expression over the variables (may be cut short).
    pub expr: String,
    /// The value under the current bindings, when closed.
    pub value: Option<String>,
    /// For a forward node on a path to the output: the node holding its
    /// gradient (`grad_table[self]`).
    pub grad: Option<usize>,
    /// Forward nodes whose gradient this node holds (`∂z/∂u`).
    pub grad_of: Vec<usize>,
    /// Added by back-propagation, not part of the forward graph.
    pub derivative: bool,
    /// The table-filling step at which this derivative node first appears.
    pub born: Option<usize>,
}

/// One `grad_table` entry as it was filled (indices into `Pane::nodes`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaneStep {
    /// The forward node whose gradient was filled.
    pub node: usize,
    /// The node holding the gradient.
    pub grad: usize,
    /// Each consumer with the contribution its `bprop` sent along the edge
    /// (as text: a contribution may be folded into the sum and not kept).
    pub contributions: Vec<(usize, String)>,
}

/// Everything the pane shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pane {
    /// What is shown: `relu(x*w + b) wrt w`.
    pub title: String,
    /// A remark shown under the title (a non-scalar seed, a missing name).
    pub note: Option<String>,
    pub nodes: Vec<PaneNode>,
    /// The output node (`z`).
    pub root: usize,
    /// The variables differentiated against, each with its gradient node.
    pub wrt: Vec<(String, usize)>,
    /// The table filling, in the order it happened.
    pub steps: Vec<PaneStep>,
    /// Names of variables without a value.
    pub missing: Vec<String>,
}

impl Pane {
    /// `∂z/∂u3`: the gradient of node `i` as the table names it (the
    /// output's name is `z` unless a variable has it).
    pub fn partial(&self, i: usize) -> String {
        let name = |k: usize| self.nodes.get(k).map_or("?", |n| n.name.as_str());
        format!("∂{}/∂{}", name(self.root), name(i))
    }

    /// How a node is tied to the table in labels: `∂u3` for the gradient of
    /// `u3`, `∂z` for the seed (the gradient of the output).
    pub fn tie(&self, i: usize) -> Option<String> {
        let n = self.nodes.get(i)?;
        let first = *n.grad_of.first()?;
        let more = if n.grad_of.len() > 1 { "…" } else { "" };
        Some(format!("∂{}{more}", self.nodes.get(first)?.name))
    }

    /// The node's box in the picture: `(u1 mul [3])` for a forward node,
    /// `{∂u1=step [3]}` for the derivative node holding `u1`'s gradient;
    /// the braces tell them apart without colour.
    pub fn boxed(&self, i: usize) -> String {
        let label = self.label(i);
        match self.nodes.get(i) {
            Some(n) if n.derivative => format!("{{{label}}}"),
            _ => format!("({label})"),
        }
    }

    /// The node's text in the picture: name, op and shape, with the
    /// derivative marker and its tie.
    pub fn label(&self, i: usize) -> String {
        let Some(n) = self.nodes.get(i) else { return String::new() };
        let shape = if n.shape == "[]" { String::new() } else { format!(" {}", n.shape) };
        let head = if n.derivative {
            match self.tie(i) {
                Some(t) => format!("{t}={}", n.op),
                None => format!("∂ {}", n.op),
            }
        } else if n.inputs.is_empty() || n.name == n.op {
            n.op.clone()
        } else {
            format!("{} {}", n.name, n.op)
        };
        let tail = match (n.derivative, self.tie(i)) {
            (false, Some(t)) => format!(" ={t}"),
            _ => String::new(),
        };
        format!("{head}{shape}{tail}")
    }

    /// Users of each node (the reverse edges), indices ascending.
    pub fn consumers(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            for &j in &n.inputs {
                if let Some(c) = out.get_mut(j)
                    && c.last() != Some(&i)
                {
                    c.push(i);
                }
            }
        }
        out
    }

    /// The first node at or after `from` (wrapping) whose name, op or
    /// expression contains `query`.
    pub fn find(&self, query: &str, from: usize) -> Option<usize> {
        let n = self.nodes.len();
        // As typed or as shown: `w*x` finds `w·x`, blanks and case aside.
        let norm = |s: &str| s.to_lowercase().replace('·', "*").split_whitespace().collect::<String>();
        let q = norm(query);
        if q.is_empty() {
            return None;
        }
        let order = || (0..n).map(move |k| (from + k) % n);
        // A node's exact name (or its label, `∂w`) wins over a match inside
        // some expression.
        let named =
            |i: usize| norm(&self.nodes[i].name) == q || norm(&self.label(i)).split('=').next() == Some(q.as_str());
        order().find(|&i| named(i)).or_else(|| {
            order().find(|&i| {
                let node = &self.nodes[i];
                norm(&node.op).contains(&q) || norm(&node.expr).contains(&q) || norm(&node.formula).contains(&q)
            })
        })
    }
}
