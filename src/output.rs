//! What a statement gives back: a list of `Item`s, rendered by the front
//! ends (human text for the terminal and scripts, one JSON object per item
//! for `--json`). The core never prints; it returns these.

use crate::eval::value::Value;

/// One output item. Fields that do not apply are `None`/empty.
#[derive(Clone, Debug, Default)]
pub struct Item {
    /// What the item is, for the human rendering.
    pub kind: ItemKind,
    /// `$N` of a numbered result.
    pub number: Option<usize>,
    /// A label before the expression: `∂f/∂x`, `∂²f/∂x∂y`, or a bound name.
    pub label: Option<String>,
    /// For `:let` items: the name bound (`"ans"` for the closing item).
    pub name: Option<String>,
    /// The plain, re-parseable form of the expression.
    pub expr: Option<String>,
    /// The Unicode form for terminals (same expression).
    pub pretty: Option<String>,
    /// Shape of the expression (`[]` for a scalar).
    pub shape: Option<Vec<usize>>,
    /// The value, when every free name has one.
    pub value: Option<Value>,
    /// `:grad`: the variable(s) differentiated against.
    pub wrt: Vec<String>,
    /// `:grad`: distinct nodes of the simplified derivative / of `f`.
    pub nodes: Option<usize>,
    pub forward_nodes: Option<usize>,
    /// `:time`/`:timeit`: seconds per phase, in phase order.
    pub seconds: Vec<(&'static str, f64)>,
    /// Free text: help, `:vars`, `:trace`, `:dot`, `:latex`, `:codegen`, ...
    pub text: Option<String>,
    /// Warnings (float overflow naming the node, ...), shown after the item.
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ItemKind {
    /// An expression result (`$N = EXPR [= VALUE]`).
    #[default]
    Result,
    /// A derivative (`$N = ∂f/∂x = EXPR [= VALUE]`).
    Derivative,
    /// A binding made by `:let` (`x = VALUE` or `f := EXPR`).
    Binding,
    /// `ans = VALUE` after a `:let` closed the last result.
    Ans,
    /// Only text (help, listings, exports).
    Text,
    /// Nothing to show (`:var`, `:def`, `:seed`, ...) but a JSON object.
    Silent,
}
