"""Inputs for the benchmark workloads (see WORKLOADS.md): `.npy` files for
W2 and W5 (so every system sees the same numbers) and the symgrad scripts
for every workload size. Everything goes under `bench/data/` (gitignored).

    python bench/gen.py [DATA_DIR]
"""

import os
import sys

import numpy as np

W1_KS = [10, 20, 30, 100, 1000, 10000]
W2_SIZES = [(2, 4), (4, 64), (4, 256), (16, 256), (4, 1024)]
W4_KS = [1, 2, 4, 6, 8, 10, 12, 15, 20]
W4_FUNCS = {"tanh": "tanh(x)", "expsin": "exp(sin(x))*x^2"}
W5_SIZES = [(10, 8), (100, 32), (1000, 32)]


def w2_dir(data, L, n):
    return os.path.join(data, f"W2_L{L}_n{n}")


def w5_dir(data, T, n):
    return os.path.join(data, f"W5_T{T}_n{n}")


def w1_script(k):
    lines = [":let f0 = x"]
    lines += [f":let f{i} = sin(f{i - 1}) + cos(f{i - 1})" for i in range(1, k + 1)]
    lines += [":let x = 0.5", f":time :grad f{k} wrt x"]
    return "\n".join(lines) + "\n"


def w4_script(expr, k):
    inner = expr
    for _ in range(k - 1):
        inner = f"grad({inner}, x)"
    return f":let x = 0.3\n:time :grad {inner} wrt x\n"


# In-process repeats, as the peers are timed: a fresh session each time
# (`:reset` drops the graph), warm code and allocator.
REPEATS = 7


def w1_warm_script(data, k):
    """The whole W1 script, run `REPEATS` times in one process; `:time`
    around `:load` times it from its first statement to the printed value."""
    path = os.path.join(data, f"W1_k{k}.sd")
    n = REPEATS if k <= 1000 else 3
    return "".join(f":reset\n:time :load {path}\n" for _ in range(n))


def w4_warm_script(expr, k):
    return "".join(":reset\n" + w4_script(expr, k) for _ in range(REPEATS))


def w2_script(d, L):
    p = lambda name: os.path.join(d, name + ".npy")  # noqa: E731
    lines = [f':let x = load("{p("x")}"), y = load("{p("y")}")']
    for i in range(1, L + 1):
        lines.append(f':let W{i} = load("{p(f"W{i}")}"), b{i} = load("{p(f"b{i}")}")')
    lines.append(":let h0 = x")
    for i in range(1, L + 1):
        lines.append(f":let h{i} = tanh(W{i} @ h{i - 1} + b{i})")
    reg = " + ".join(f"sum(W{i}^2)" for i in range(1, L + 1))
    lines.append(f":let J = sum((h{L} - y)^2) + 0.01 * ({reg})")
    wrt = ", ".join(f"W{i}, b{i}" for i in range(1, L + 1))
    lines.append(f":time :grad J wrt {wrt}")
    lines.append(f":timeit :grad J wrt {wrt}")
    return "\n".join(lines) + "\n"


def w5_script(d, T):
    p = lambda name: os.path.join(d, name + ".npy")  # noqa: E731
    lines = [f':let X = load("{p("X")}"), W = load("{p("W")}"), U = load("{p("U")}"), b = load("{p("b")}")']
    lines.append(":let h1 = tanh(U @ X[0] + b)")
    for t in range(2, T + 1):
        lines.append(f":let h{t} = tanh(W @ h{t - 1} + U @ X[{t - 1}] + b)")
    lines.append(f":let J = sum(h{T}^2)")
    lines.append(":time :grad J wrt W, U, b")
    lines.append(":timeit :grad J wrt W, U, b")
    return "\n".join(lines) + "\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def main(data):
    os.makedirs(data, exist_ok=True)
    rng = np.random.default_rng(2024)
    for k in W1_KS:
        write(os.path.join(data, f"W1_k{k}.sd"), w1_script(k))
        write(os.path.join(data, f"W1_k{k}_warm.sd"), w1_warm_script(data, k))
    for name, expr in W4_FUNCS.items():
        for k in W4_KS:
            write(os.path.join(data, f"W4_{name}_k{k}.sd"), w4_script(expr, k))
            write(os.path.join(data, f"W4_{name}_k{k}_warm.sd"), w4_warm_script(expr, k))
    for L, n in W2_SIZES:
        d = w2_dir(data, L, n)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "x.npy"), rng.standard_normal(n))
        np.save(os.path.join(d, "y.npy"), rng.standard_normal(n))
        for i in range(1, L + 1):
            np.save(os.path.join(d, f"W{i}.npy"), rng.standard_normal((n, n)) / np.sqrt(n))
            np.save(os.path.join(d, f"b{i}.npy"), 0.1 * rng.standard_normal(n))
        write(os.path.join(d, "script.sd"), w2_script(d, L))
    for T, n in W5_SIZES:
        d = w5_dir(data, T, n)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "X.npy"), rng.standard_normal((T, n)))
        np.save(os.path.join(d, "W.npy"), 0.5 * rng.standard_normal((n, n)) / np.sqrt(n))
        np.save(os.path.join(d, "U.npy"), rng.standard_normal((n, n)) / np.sqrt(n))
        np.save(os.path.join(d, "b.npy"), 0.1 * rng.standard_normal(n))
        write(os.path.join(d, "script.sd"), w5_script(d, T))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data"))
