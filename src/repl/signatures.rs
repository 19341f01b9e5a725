//! Signatures and one-line descriptions of the built-in functions, shared by
//! the REPL's hints (`softmax(` shows `softmax(x: tensor) -> tensor`) and by
//! `:help functions`. One table, so that the two never disagree; a unit test
//! checks that it covers exactly `lower::builtins::names()`.

/// `(name, signature, what it does)` for every built-in function, in the
/// order `:help functions` lists them.
pub const BUILTINS: &[(&str, &str, &str)] = &[
    ("exp", "exp(x) -> same shape", "e^x, elementwise"),
    ("log", "log(x) -> same shape", "natural logarithm, elementwise"),
    ("sqrt", "sqrt(x) -> same shape", "square root, elementwise"),
    ("abs", "abs(x) -> same shape", "absolute value; derivative sign(x)"),
    ("sign", "sign(x) -> same shape", "-1, 0 or 1; derivative 0"),
    ("step", "step(x) -> same shape", "1 for x > 0, else 0; derivative 0"),
    ("sin", "sin(x) -> same shape", "sine, elementwise"),
    ("cos", "cos(x) -> same shape", "cosine, elementwise"),
    ("tan", "tan(x) -> same shape", "tangent, elementwise"),
    ("asin", "asin(x) -> same shape", "arc sine, elementwise"),
    ("acos", "acos(x) -> same shape", "arc cosine, elementwise"),
    ("atan", "atan(x) -> same shape", "arc tangent, elementwise"),
    ("sinh", "sinh(x) -> same shape", "hyperbolic sine, elementwise"),
    ("cosh", "cosh(x) -> same shape", "hyperbolic cosine, elementwise"),
    ("tanh", "tanh(x) -> same shape", "hyperbolic tangent, elementwise"),
    ("sigmoid", "sigmoid(x) -> same shape", "1/(1 + exp(-x)), elementwise"),
    ("relu", "relu(x) -> same shape", "max(x, 0); relu'(0) = 0"),
    ("softplus", "softplus(x) -> same shape", "log(1 + exp(x)), elementwise"),
    ("float", "float(x) -> same shape", "the same number as a float (leaves exact arithmetic)"),
    ("max", "max(a, b) -> broadcast shape", "elementwise maximum; the gradient goes to a when a >= b"),
    ("min", "min(a, b) -> broadcast shape", "elementwise minimum; the gradient goes to a when a <= b"),
    ("pow", "pow(a, b) -> broadcast shape", "a^b, elementwise"),
    ("sum", "sum(x[, axis...]) -> scalar", "sum of all elements, or over the given axes"),
    ("mean", "mean(x) -> scalar", "mean of all elements"),
    ("prod", "prod(x) -> scalar", "product of all elements"),
    ("norm", "norm(x) -> scalar", "L2 norm (Frobenius for a matrix)"),
    ("dot", "dot(a: vector, b: vector) -> scalar", "dot product (same as a @ b)"),
    ("logsumexp", "logsumexp(x) -> scalar", "log(sum(exp(x))), computed stably"),
    ("softmax", "softmax(x: vector) -> vector", "exp(x)/sum(exp(x)) along the last axis"),
    ("transpose", "transpose(x) -> reversed shape", "the same as x'"),
    ("outer", "outer(a: vector, b: vector) -> matrix", "outer product a_i b_j"),
    ("diag", "diag(v: vector) -> matrix  |  diag(A: matrix) -> vector", "diagonal matrix, or the diagonal"),
    ("trace", "trace(A: matrix) -> scalar", "sum of the diagonal"),
    ("zeros", "zeros(n, ...) -> tensor", "a tensor of zeros"),
    ("ones", "ones(n, ...) -> tensor", "a tensor of ones"),
    ("eye", "eye(n) -> matrix", "the n×n identity"),
    ("randn", "randn(n, ...) -> tensor", "normal random values (:seed N sets the seed)"),
    ("rand", "rand(n, ...) -> tensor", "uniform random values in [0, 1)"),
    ("reshape", "reshape(x, n, ...) -> tensor", "the same elements in a new shape"),
    ("load", "load(\"file.npy\" | \"file.csv\") -> tensor", "data from a file"),
    ("grad", "grad(f, v) -> shape(f) ++ shape(v)", "the derivative of f with respect to the variable v"),
];

/// The signature of a built-in function, if `name` is one.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _, _)| *n == name).map(|(_, s, _)| *s)
}

/// Usage of each command (without the colon), for hints and help.
pub const COMMANDS: &[(&str, &str)] = &[
    ("let", "NAME = EXPR[, NAME = EXPR]"),
    ("var", "NAME[DIMS][, ...]"),
    ("def", "NAME(PARAMS) = EXPR"),
    ("grad", "EXPR wrt V[, V...]"),
    ("jacobian", "EXPR wrt V"),
    ("hessian", "EXPR wrt V[, V...]"),
    ("eval", "[EXPR]"),
    ("simplify", "EXPR"),
    ("show", "[EXPR [wrt V...]]"),
    ("trace", "EXPR wrt V"),
    ("check", "EXPR wrt V"),
    ("latex", "[EXPR]"),
    ("dot", "[EXPR [wrt V...]] [> FILE]"),
    ("codegen", "rust|python|c EXPR wrt V[, V...] [> FILE]"),
    ("load", "FILE"),
    ("save", "FILE"),
    ("time", "STMT"),
    ("timeit", "STMT"),
    ("vars", ""),
    ("unlet", "NAME"),
    ("reset", ""),
    ("seed", "N"),
    ("help", "[TOPIC]"),
    ("quit", ""),
];

/// The usage of a command (`grad` gives `EXPR wrt V[, V...]`).
pub fn command(name: &str) -> Option<&'static str> {
    let name = match name {
        "q" | "exit" => "quit",
        "h" => "help",
        n => n,
    };
    COMMANDS.iter().find(|(n, _)| *n == name).map(|(_, u)| *u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_a_signature() {
        let mut ours: Vec<&str> = BUILTINS.iter().map(|(n, _, _)| *n).collect();
        let mut theirs = crate::lower::builtin_names();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
        for (n, s, _) in BUILTINS {
            assert!(s.starts_with(&format!("{n}(")), "{s}");
        }
    }

    #[test]
    fn every_command_has_a_usage() {
        for (name, _) in crate::syntax::lexer::COMMANDS {
            assert!(command(name).is_some(), "{name}");
        }
    }
}
