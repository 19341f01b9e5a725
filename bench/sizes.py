"""Derivative sizes: symgrad's printed derivative against SymPy's `diff`.

Random scalar expressions in x and y (seeded), first, second and third
derivatives. Both printed forms are counted the same way: the nodes of
the Python syntax tree of the text (`^` read as `**`), i.e. operators,
calls and leaves. A symgrad `where` clause counts its body and each
binding once, as printed.

    bench/.venv/bin/python bench/sizes.py [N] [SEED]

Prints the median and mean of symgrad/SymPy over the cases, the share at
or below 1, and the ten worst cases.
"""

import ast
import json
import random
import statistics
import subprocess
import sys

import sympy

FUNCS = ["sin", "cos", "exp", "log", "tanh", "sqrt"]


def rand_expr(rng, depth):
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(["x", "y", "x", "y", str(rng.randint(1, 9)), f"{rng.randint(1, 9)}/{rng.randint(2, 9)}"])
    kind = rng.random()
    if kind < 0.45:
        op = rng.choice(["+", "-", "*", "/", "*"])
        return f"({rand_expr(rng, depth - 1)} {op} {rand_expr(rng, depth - 1)})"
    if kind < 0.6:
        return f"({rand_expr(rng, depth - 1)})^{rng.choice([2, 3, -1, -2, '1/2'])}"
    f = rng.choice(FUNCS)
    inner = rand_expr(rng, depth - 1)
    if f in ("log", "sqrt"):
        inner = f"(1 + ({inner})^2)"
    return f"{f}({inner})"


def count(text):
    """Operators, calls and leaves of an infix expression."""
    tree = ast.parse(text.replace("^", "**"), mode="eval")
    n = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant)):
            n += 1
    # A call's function name is not a leaf of the expression.
    n -= sum(isinstance(node, ast.Call) for node in ast.walk(tree))
    return n


def count_symgrad(text):
    body, _, defs = text.partition(" where ")
    total = count(body)
    if defs:
        for binding in split_top(defs):
            _, _, rhs = binding.partition(" = ")
            total += count(rhs)
    return total


def split_top(s):
    """`a = f(x, y), b = g` split at the top-level commas."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(s[start:i].strip())
            start = i + 1
    parts.append(s[start:].strip())
    return parts


def sympy_text(e):
    return str(e).replace("**", "^")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    x, y = sympy.symbols("x y")
    cases = []
    while len(cases) < n:
        e = rand_expr(rng, rng.randint(2, 4))
        order = rng.choice([1, 1, 2, 3])
        var = rng.choice(["x", "x", "y"])
        cases.append((e, order, var))
    script = []
    for e, order, var in cases:
        inner = e
        for _ in range(order):
            inner = f"grad({inner}, {var})"
        script.append(inner)
    out = subprocess.run(
        ["target/release/symgrad", "--json", "--keep-going"],
        input="\n".join(script) + "\n",
        capture_output=True,
        text=True,
    ).stdout
    results = [json.loads(line) for line in out.splitlines() if line.strip()]
    ratios = []
    for (e, order, var), r in zip(cases, results):
        if r.get("kind") == "error" or not r.get("expr"):
            continue
        d = sympy.sympify(e.replace("^", "**"), locals={"x": x, "y": y})
        for _ in range(order):
            d = sympy.diff(d, sympy.Symbol(var))
        ours, theirs = count_symgrad(r["expr"]), count(sympy_text(d))
        if theirs == 0:
            continue
        ratios.append((ours / theirs, ours, theirs, e, order, var, r["expr"], sympy_text(d)))
    rs = [r[0] for r in ratios]
    print(f"{len(rs)} cases (seed {seed}): median {statistics.median(rs):.3f}, mean {statistics.mean(rs):.3f}, "
          f"{sum(r <= 1 for r in rs) / len(rs):.0%} at or below 1")
    for r in sorted(ratios, reverse=True)[:10]:
        print(f"  {r[0]:.2f} ({r[1]} vs {r[2]}) d^{r[4]}/d{r[5]}^{r[4]} {r[3]}\n      symgrad: {r[6]}\n      sympy:   {r[7]}")


if __name__ == "__main__":
    main()
