#!/usr/bin/env bash
# Benchmarks symgrad against SymPy, SymEngine, CasADi, JAX and NumPy on the
# workloads of WORKLOADS.md and writes BENCHMARKS.md at the repository root.
# Downloads packages (not run by CI). Usage: bench/compare.sh [--quick]
# Environment: PYTHON (default python3), BENCH_LIMIT (seconds per run, 60).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
fi
# One at a time, so that a package that fails to install is only missing
# from the tables ("not installed").
for pkg in numpy sympy symengine casadi "jax[cpu]"; do
    "$VENV/bin/python" -m pip install -q "$pkg" || echo "compare.sh: could not install $pkg; carrying on" >&2
done
cargo build --release --quiet
"$VENV/bin/python" bench/gen.py bench/data
"$VENV/bin/python" bench/run.py "$@"
