"""One peer system on one workload size; prints one JSON object:
{"seconds": median, "min": ..., "runs": ..., "size": ..., "value": ...}.

    python bench/peers.py SYSTEM WORKLOAD ARGS...

SYSTEM: sympy | symengine | casadi | jax | numpy. Times are taken inside
the process (imports excluded; W6 is timed from outside by run.py)."""

import json
import os
import statistics
import sys
import time

BUDGET = 1.0  # seconds of repeats per measurement, at least 3 runs


def timed(f, budget=BUDGET, min_runs=3):
    """Median and min of repeated calls, and the last result."""
    times, out = [], None
    begin = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - begin < budget:
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
        if times[-1] > 5:  # slow: one run is the measurement
            break
    return statistics.median(times), min(times), len(times), out


def emit(med, mn, runs, size=None, value=None, **extra):
    print(json.dumps({"seconds": med, "min": mn, "runs": runs, "size": size, "value": value, **extra}))


# ---------------------------------------------------------------- W1


def w1(system, k):
    k = int(k)
    if system in ("sympy", "symengine"):
        m = __import__(system)
        x = m.Symbol("x")

        def run():
            f = x
            for _ in range(k):
                f = m.sin(f) + m.cos(f)
            d = m.diff(f, x)
            return d, float(d.subs({x: 0.5}))

        med, mn, runs, (d, v) = timed(run)
        size = int(m.count_ops(d)) if k <= 12 else None
        emit(med, mn, runs, size, v)
    elif system == "casadi":
        import casadi as ca

        x = ca.SX.sym("x")
        f = x
        for _ in range(k):
            f = ca.sin(f) + ca.cos(f)
        gmed, gmin, _, g = timed(lambda: ca.gradient(f, x))

        def run():
            F = ca.Function("F", [x], [ca.gradient(f, x)])
            return F, float(F(0.5))

        med, mn, runs, (F, v) = timed(run)
        emit(med, mn, runs, F.n_instructions(), v, gradient_only=gmed)
    elif system == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)

        def f(x):
            for _ in range(k):
                x = jax.numpy.sin(x) + jax.numpy.cos(x)
            return x

        med, mn, runs, v = timed(lambda: float(jax.grad(f)(0.5)))
        emit(med, mn, runs, None, v)
    else:
        raise SystemExit(f"no W1 for {system}")


# ---------------------------------------------------------------- W4

W4 = {"tanh": ("tanh", None), "expsin": (None, None)}


def w4(system, which, k):
    k = int(k)
    if system in ("sympy", "symengine"):
        m = __import__(system)
        x = m.Symbol("x")
        f = m.tanh(x) if which == "tanh" else m.exp(m.sin(x)) * x**2

        def run():
            d = f
            for _ in range(k):
                d = m.diff(d, x)
            return d

        med, mn, runs, d = timed(run)
        emit(med, mn, runs, int(m.count_ops(d)), float(d.subs({x: 0.3})))
    elif system == "casadi":
        import casadi as ca

        x = ca.SX.sym("x")
        f = ca.tanh(x) if which == "tanh" else ca.exp(ca.sin(x)) * x**2

        def run():
            d = f
            for _ in range(k):
                d = ca.gradient(d, x)
            return ca.Function("F", [x], [d])

        med, mn, runs, F = timed(run)
        emit(med, mn, runs, F.n_instructions(), float(F(0.3)))
    elif system == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        f = (lambda x: jnp.tanh(x)) if which == "tanh" else (lambda x: jnp.exp(jnp.sin(x)) * x**2)

        def run():
            d = f
            for _ in range(k):
                d = jax.grad(d)
            return float(d(0.3))

        med, mn, runs, v = timed(run)
        emit(med, mn, runs, None, v)
    else:
        raise SystemExit(f"no W4 for {system}")


# ---------------------------------------------------------------- W2 / W5


def load(d, name):
    import numpy as np

    return np.load(os.path.join(d, name + ".npy"))


def checksum(grads):
    """Euclidean norms of the gradients, in order."""
    import numpy as np

    return [float(np.linalg.norm(np.asarray(g))) for g in grads]


def w2(system, d, L):
    L = int(L)
    x, y = load(d, "x"), load(d, "y")
    Ws = [load(d, f"W{i}") for i in range(1, L + 1)]
    bs = [load(d, f"b{i}") for i in range(1, L + 1)]
    if system == "numpy":
        import numpy as np

        def run():
            hs = [x]
            for W, b in zip(Ws, bs):
                hs.append(np.tanh(W @ hs[-1] + b))
            delta = 2.0 * (hs[-1] - y)
            out = []
            for i in range(L - 1, -1, -1):
                delta = delta * (1.0 - hs[i + 1] ** 2)
                out.append((0.02 * Ws[i] + np.outer(delta, hs[i]), delta))
                delta = Ws[i].T @ delta
            grads = []
            for gW, gb in reversed(out):
                grads += [gW, gb]
            return grads

        med, mn, runs, g = timed(run)
        emit(med, mn, runs, None, checksum(g))
    elif system == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def J(params):
            h = jnp.asarray(x)
            reg = 0.0
            for W, b in params:
                h = jnp.tanh(W @ h + b)
                reg = reg + jnp.sum(W**2)
            return jnp.sum((h - y) ** 2) + 0.01 * reg

        params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(Ws, bs)]
        t = time.perf_counter()
        g = jax.jit(jax.grad(J))
        jax.block_until_ready(g(params))
        compile_s = time.perf_counter() - t
        med, mn, runs, out = timed(lambda: jax.block_until_ready(g(params)))
        emit(med, mn, runs, None, checksum([a for pair in out for a in pair]), compile=compile_s)
    else:
        raise SystemExit(f"no W2 for {system}")


def w5(system, d):
    X, W, U, b = (load(d, n) for n in ("X", "W", "U", "b"))
    T = X.shape[0]
    if system == "numpy":
        import numpy as np

        def run():
            hs = [np.tanh(U @ X[0] + b)]
            for t in range(1, T):
                hs.append(np.tanh(W @ hs[-1] + U @ X[t] + b))
            gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
            dh = 2.0 * hs[-1]
            for t in range(T - 1, -1, -1):
                da = dh * (1.0 - hs[t] ** 2)
                gb += da
                gU += np.outer(da, X[t])
                if t > 0:
                    gW += np.outer(da, hs[t - 1])
                dh = W.T @ da
            return [gW, gU, gb]

        med, mn, runs, g = timed(run)
        emit(med, mn, runs, None, checksum(g))
    elif system == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def J(p):
            W, U, b = p
            h0 = jnp.tanh(U @ X[0] + b)

            def step(h, x):
                return jnp.tanh(W @ h + U @ x + b), None

            h, _ = jax.lax.scan(step, h0, jnp.asarray(X[1:]))
            return jnp.sum(h**2)

        p = (jnp.asarray(W), jnp.asarray(U), jnp.asarray(b))
        t = time.perf_counter()
        g = jax.jit(jax.grad(J))
        jax.block_until_ready(g(p))
        compile_s = time.perf_counter() - t
        med, mn, runs, out = timed(lambda: jax.block_until_ready(g(p)))
        emit(med, mn, runs, None, checksum(out), compile=compile_s)
    else:
        raise SystemExit(f"no W5 for {system}")


if __name__ == "__main__":
    system, workload, *args = sys.argv[1:]
    {"W1": w1, "W4": w4, "W2": w2, "W5": w5}[workload](system, *args)
