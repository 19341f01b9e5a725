"""Runs symgrad and the peer systems on every workload size in the same run
and writes BENCHMARKS.md. Called by bench/compare.sh (which sets up the
virtual environment and the release build).

    python bench/run.py [--quick] [--out BENCHMARKS.md]
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
SYMGRAD = os.path.join(ROOT, "target", "release", "symgrad")
PY = sys.executable
LIMIT = int(os.environ.get("BENCH_LIMIT", "60"))  # seconds per run
sys.path.insert(0, HERE)
import gen  # noqa: E402

PEERS = ["sympy", "symengine", "casadi", "jax", "numpy"]


def installed(system):
    r = subprocess.run([PY, "-c", f"import {system}"], capture_output=True)
    return r.returncode == 0


def run_peer(system, *args):
    """The peer's JSON result, or a string saying why there is none."""
    try:
        r = subprocess.run(
            [PY, os.path.join(HERE, "peers.py"), system, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=LIMIT,
        )
    except subprocess.TimeoutExpired:
        return f"> {LIMIT} s"
    if r.returncode != 0:
        err = (r.stderr.strip().splitlines() or ["failed"])[-1]
        return "error: " + err[:80]
    return json.loads(r.stdout.strip().splitlines()[-1])


def symgrad_json(script):
    """Wall time and JSON items of one `symgrad --json SCRIPT` process, or a
    string saying why there are none."""
    t = time.perf_counter()
    try:
        r = subprocess.run([SYMGRAD, "--json", script], capture_output=True, text=True, timeout=LIMIT)
    except subprocess.TimeoutExpired:
        return f"> {LIMIT} s"
    wall = time.perf_counter() - t
    if r.returncode != 0:
        return "error: " + r.stdout.strip().splitlines()[-1][:200]
    return wall, [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def run_symgrad(script, repeats=3):
    """Median wall time of whole processes and the JSON items of the last run."""
    walls, items = [], []
    for _ in range(repeats):
        res = symgrad_json(script)
        if isinstance(res, str):
            return res, []
        wall, items = res
        walls.append(wall)
        if wall > 10:
            break
    return statistics.median(walls), items


def fmt_s(s):
    if not isinstance(s, (int, float)):
        return str(s)
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def ratio(peer, ours):
    if isinstance(peer, (int, float)) and isinstance(ours, (int, float)) and ours > 0:
        return f"{peer / ours:.2g}×"
    if isinstance(peer, str) and peer.startswith(">") and isinstance(ours, (int, float)):
        return f"> {LIMIT / ours:.2g}×"
    return "–"


def fmt_v(v):
    if isinstance(v, list):
        return "[" + ", ".join(f"{x:.6g}" for x in v[:2]) + (", …]" if len(v) > 2 else "]")
    if isinstance(v, float):
        return f"{v:.12g}"
    return "–" if v is None else str(v)


def timed_items(items, key="seconds"):
    return [i for i in items if key in i]


def grad_items(items):
    return [i for i in items if "wrt" in i]


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def peer_cells(res, ours, size_key=True):
    if isinstance(res, str):
        return [res, "–", "–", ratio(res, ours)] if size_key else [res, "–", ratio(res, ours)]
    cells = [fmt_s(res["seconds"])]
    if size_key:
        cells.append(res.get("size") if res.get("size") is not None else "–")
    cells += [fmt_v(res.get("value")), ratio(res["seconds"], ours)]
    return cells


def warm_seconds(script):
    """The `seconds` of every timed item of one in-process run of a warm
    script (see gen.py), in order, or a string saying why there are none."""
    res = symgrad_json(script)
    return res if isinstance(res, str) else [i["seconds"] for i in res[1] if "seconds" in i]


def w1_warm(k):
    """Medians of the `:grad` statement and of the whole script over the
    repeats of W1's warm script (each repeat times the `:grad`, then the
    whole script), or a string saying why there are none."""
    warm = warm_seconds(os.path.join(DATA, f"W1_k{k}_warm.sd"))
    if isinstance(warm, list) and warm:
        return statistics.median(t["total"] for t in warm[0::2]), statistics.median(t["total"] for t in warm[1::2])
    return (warm, warm) if isinstance(warm, str) else ("–", "–")


# symgrad and CasADi are close on W1, and this machine's speed drifts by
# half within minutes: the two are measured in alternation, and each
# figure is the median of the rounds.
W1_ROUNDS = 3


def w1_alternating(k):
    """symgrad's (`:grad`, script) and CasADi's result, each the median of
    `W1_ROUNDS` rounds measured in alternation."""
    ours, theirs = [], []
    for _ in range(W1_ROUNDS):
        ours.append(w1_warm(k))
        theirs.append(run_peer("casadi", "W1", k))

    def med(xs):
        return statistics.median(xs) if all(isinstance(x, float) for x in xs) else xs[-1]

    grad, script = med([o[0] for o in ours]), med([o[1] for o in ours])
    if all(isinstance(t, dict) for t in theirs):
        res = dict(theirs[-1])
        for key in ("seconds", "gradient_only"):
            if all(t.get(key) is not None for t in theirs):
                res[key] = statistics.median(t[key] for t in theirs)
    else:
        res = next((t for t in theirs if not isinstance(t, dict)), theirs[-1])
    return grad, script, res


def w1(ks, peers):
    rows = []
    for k in ks:
        wall, items = run_symgrad(os.path.join(DATA, f"W1_k{k}.sd"))
        g = grad_items(items)
        if "casadi" in peers:
            grad, script, casadi = w1_alternating(k)
        else:
            (grad, script), casadi = w1_warm(k), None
        ours = [fmt_s(wall), fmt_s(script), fmt_s(grad)]
        ours += [f"{g[-1]['nodes']} / {g[-1]['forward_nodes']}", fmt_v(g[-1].get("value"))] if g else ["–", "–"]
        row = [k, *ours]
        for p in peers:
            if p == "casadi":
                res = casadi
            else:
                res = run_peer(p, "W1", k) if p != "numpy" else "n/a"
            # CasADi builds f_k outside its timed call, the others inside.
            ours_same_work = grad if p == "casadi" else script
            row += peer_cells(res, ours_same_work)
            if p == "casadi":
                alone = res.get("gradient_only") if isinstance(res, dict) else None
                row += [fmt_s(alone) if alone else "–", ratio(alone, script) if alone else "–"]
        rows.append(row)
        print("W1", row, flush=True)
    header = ["k", "symgrad process", "symgrad script", "symgrad :grad", "nodes / forward", "value"]
    for p in peers:
        header += [p, f"{p} size", f"{p} value", f"{p} / symgrad"]
        if p == "casadi":
            header += ["casadi gradient() alone", "gradient() alone / symgrad script"]
    return table(header, rows)


def w4(ks, peers):
    parts = []
    for which, expr in gen.W4_FUNCS.items():
        rows = []
        for k in ks:
            wall, items = run_symgrad(os.path.join(DATA, f"W4_{which}_k{k}.sd"))
            g = grad_items(items)
            warm = warm_seconds(os.path.join(DATA, f"W4_{which}_k{k}_warm.sd"))
            if isinstance(warm, list) and warm:
                derive = statistics.median(t["expand"] + t["diff"] + t["simplify"] for t in warm)
                total = statistics.median(t["total"] for t in warm)
            else:
                derive = total = warm if isinstance(warm, str) else "–"
            row = [k, fmt_s(wall), fmt_s(derive), fmt_s(total)]
            row += [g[-1]["nodes"] if g else "–", fmt_v(g[-1].get("value")) if g else "–"]
            for p in peers:
                row += peer_cells(run_peer(p, "W4", which, k), derive)
            rows.append(row)
            print("W4", which, row, flush=True)
        header = ["k", "symgrad process", "symgrad derive", "symgrad :time total", "nodes", "value"]
        for p in peers:
            header += [p, f"{p} ops", f"{p} value", f"{p} / symgrad"]
        parts.append(f"### W4 ({expr})\n\n" + table(header, rows))
    return "\n\n".join(parts)


def norms(items):
    return [float(np.linalg.norm(np.asarray(i["value"], dtype=float))) for i in grad_items(items) if "value" in i]


def matrix_workload(name, sizes, dirname, peer_args):
    rows = []
    for size in sizes:
        d = dirname(DATA, *size)
        # Three processes: the `:timeit` median of one process varies by
        # ±25 % from process to process on this machine (bench/README item
        # 11), so the figure is the median of three processes' medians.
        walls, builds, evals = [], [], []
        wall, items, t = "–", [], []
        for _ in range(3):
            res = symgrad_json(os.path.join(d, "script.sd"))
            if isinstance(res, str):
                wall = res
                break
            wall, items = res
            t = timed_items(items)
            if not t:
                break
            walls.append(wall)
            builds.append(t[0]["seconds"]["diff"])
            evals.append(t[-1]["seconds"]["eval"])
        wall = statistics.median(walls) if walls else wall
        build = statistics.median(builds) if builds else "–"
        ev = statistics.median(evals) if evals else "–"
        g = grad_items(items)
        n_wrt = len(g) // 2 if len(t) == 2 else len(g)
        ours_norms = norms(g[:n_wrt]) if g else None
        row = [str(size), fmt_s(wall), fmt_s(build), fmt_s(ev), g[0]["nodes"] if g else "–", fmt_v(ours_norms)]
        for p in ("numpy", "jax"):
            res = run_peer(p, name, d, *peer_args(size))
            if isinstance(res, str):
                row += [res, "–", "–"]
                continue
            agree = "–"
            if ours_norms and res.get("value"):
                err = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(ours_norms, res["value"]))
                agree = f"{err:.1e}"
            row += [fmt_s(res["seconds"]), agree, ratio(res["seconds"], ev)]
            if p == "jax":
                row.append(fmt_s(res.get("compile")))
        rows.append(row)
        print(name, row, flush=True)
    header = ["size", "symgrad process", "symgrad build (diff)", "symgrad eval (:timeit)", "nodes ∂J/∂first",
              "‖grads‖ (first two)", "numpy", "numpy rel. diff", "numpy / symgrad", "jax jit", "jax rel. diff",
              "jax / symgrad", "jax trace+compile"]
    return table(header, rows)


def w6(peers, repeats=10):
    def wall(cmd):
        ts = []
        for _ in range(repeats):
            t = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, timeout=LIMIT)
            ts.append(time.perf_counter() - t)
            if r.returncode != 0:
                return "error"
        return statistics.median(ts)

    ours = wall([SYMGRAD, "-e", ":grad sin(x)*x^2 wrt x"])
    progs = {
        "sympy": "import sympy as s; x = s.Symbol('x'); print(s.diff(s.sin(x)*x**2, x))",
        "symengine": "import symengine as s; x = s.Symbol('x'); print(s.diff(s.sin(x)*x**2, x))",
        "casadi": "import casadi as c; x = c.SX.sym('x'); print(c.gradient(c.sin(x)*x**2, x))",
        "jax": "import jax, jax.numpy as j; print(jax.grad(lambda x: j.sin(x)*x**2)(0.5))",
    }
    rows = [["symgrad", fmt_s(ours), "1×"]]
    for p in peers:
        if p in progs:
            t = wall([PY, "-c", progs[p]])
            rows.append([p, fmt_s(t), ratio(t, ours)])
    return table(["system", "process (median of 10)", "/ symgrad"], rows)


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def versions(peers):
    out = []
    for p in peers:
        r = subprocess.run([PY, "-c", f"import {p}; print({p}.__version__)"], capture_output=True, text=True)
        out.append(f"{p} {r.stdout.strip()}")
    return ", ".join(out)


def main():
    quick = "--quick" in sys.argv
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else os.path.join(ROOT, "BENCHMARKS.md")
    all_peers = PEERS
    peers = [p for p in all_peers if installed(p)]
    missing = [p for p in all_peers if p not in peers]
    sym = [p for p in peers if p != "numpy"]
    w1_ks = [10, 100, 1000] if quick else gen.W1_KS
    w4_ks = [1, 10, 20] if quick else gen.W4_KS
    w2_sizes = gen.W2_SIZES[:3] if quick else gen.W2_SIZES
    w5_sizes = gen.W5_SIZES[:2] if quick else gen.W5_SIZES
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
    if only:
        makers = {
            "W1": ("## W1 nested", lambda: w1(w1_ks, sym)),
            "W4": ("## W4 higher", lambda: w4(w4_ks, sym)),
            "W2": ("## W2 mlp", lambda: matrix_workload("W2", w2_sizes, gen.w2_dir, lambda s: (s[0],))),
            "W5": ("## W5 rnn", lambda: matrix_workload("W5", w5_sizes, gen.w5_dir, lambda s: ())),
            "W6": ("## W6 startup", lambda: w6(sym)),
        }
        return rerun_sections(only, out, makers)
    sections = [
        "# Benchmarks\n",
        f"Measured {datetime.date.today().isoformat()} by `bench/compare.sh` on {machine()}.",
        f"Peers: {versions(peers)}." + (f" Not installed: {', '.join(missing)}." if missing else ""),
        "Every figure is a median (symgrad: of whole processes, or of `:timeit` runs; peers: of repeated "
        "calls inside one process, imports excluded); ratios are peer time / symgrad time, measured in the "
        f"same run; a run is stopped after {LIMIT} s (\"> {LIMIT} s\"). The machine is shared, so figures "
        "are noisy; see bench/README.md for what each column measures.",
        "\n## W1 nested (shared subexpressions)\n",
        "symgrad process: the whole script (k `:let`s, then `:grad`) as a process, start to printed value. "
        "In one process, as the peers are timed (median of repeats, each after `:reset`): symgrad script: "
        "`:time :load` of the whole script, first statement to printed value; symgrad :grad: the `:grad` "
        "statement alone (differentiate, print, evaluate). Peers: SymPy, SymEngine and JAX build f_k, "
        "differentiate and evaluate at 0.5 in their timed call, and are compared with the symgrad script; "
        "CasADi builds f_k outside it (its timed call makes the gradient Function and evaluates it), and is "
        "compared with the symgrad :grad. The last column compares CasADi's `gradient()` alone with the "
        "whole symgrad script. symgrad's in-process figures and CasADi's are measured in alternation, three "
        "rounds, and each is the median of the three (the two are close, and this machine's speed drifts).\n",
        w1(w1_ks, sym),
        "\n## W4 higher derivatives\n",
        "Sizes: symgrad `nodes` (distinct nodes), SymPy/SymEngine `count_ops`, CasADi instructions. "
        "symgrad derive: the expand and diff phases of `:time :grad` (the k differentiations, nested "
        "`grad`s included), the work the peers time (their k `diff`/`gradient` calls; they print and "
        "evaluate outside the timed call); symgrad :time total adds parsing, evaluation and printing. Both "
        "are medians of repeats in one process, each after `:reset`. Ratios are against symgrad derive.\n",
        w4(w4_ks, sym),
        "\n## W2 mlp (reverse mode through matrices)\n",
        "build: symgrad's `diff` phase of `:time :grad J wrt W1, b1, ...`; eval: the median of `:timeit` "
        "(all gradients in one pass); symgrad figures are medians of three processes. Values: relative difference of the gradient norms against the peer. "
        "Ratios are peer eval / symgrad eval.\n",
        matrix_workload("W2", w2_sizes, gen.w2_dir, lambda s: (s[0],)),
        "\n## W5 rnn (back-propagation through time)\n",
        matrix_workload("W5", w5_sizes, gen.w5_dir, lambda s: ()),
        "\n## W6 startup\n",
        w6(sym),
        "",
    ]
    with open(out, "w") as f:
        f.write("\n".join(sections) + "\n")
    print("wrote", out)


def rerun_sections(only, out, makers):
    """Measures again only the named workloads' tables (symgrad and its
    peers, in one run) and puts them in place of the old ones in `out`,
    dated. A section's text before its first table or subheading stays."""
    with open(out) as f:
        text = f.read()
    for name in only:
        heading, make = makers[name]
        start = text.index(heading)
        end = text.find("\n## ", start + 1)
        end = len(text.rstrip("\n")) if end < 0 else end
        body = min(i for i in (text.find("\n|", start), text.find("\n###", start + 1), end) if i >= 0)
        intro = text[start:body].split("\n_This table")[0].rstrip("\n")
        note = f"_This table re-measured {datetime.datetime.now():%Y-%m-%d %H:%M} (`bench/run.py --only {name}`)._"
        text = text[:start] + intro + "\n\n" + note + "\n\n" + make() + "\n" + text[end:]
    with open(out, "w") as f:
        f.write(text.rstrip("\n") + "\n")
    print("updated", ", ".join(only), "in", out)


if __name__ == "__main__":
    main()
