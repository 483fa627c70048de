"""Derive + evaluate the exact gradient: the SymPy path against SymEngine + arb balls, side by side.

    python benchmarks/symbolic_backends.py [--seed 0] [--n 10] [--depths 2,4,6,8] [--points 3]

For each depth, ``--n`` random functions from ``compare.generate``; each is
differentiated once (tree and DAG mode) and evaluated at ``--points`` points:
SymPy's ``diff`` + ``evalf`` at 50 digits (the reference path) against
SymEngine's ``diff`` + ball evaluation (certified, radius <= 2**-60 relative).
Times are totals per function in milliseconds; the ratio is SymPy / fast.
A micro-benchmark of ``symbolic`` only: the harness benchmark is issue 13's
``compare bench --harness``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tabulate import tabulate  # noqa: E402

from compare.generate import generate  # noqa: E402
from symbolic import gradient, missing  # noqa: E402


def _time(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def measure(fn, mode: str, points: int) -> tuple[float, float, int, int]:
    """Seconds for the SymPy path and the fast path; certified fast balls, and all of them."""
    at = [dict(zip(fn.variables, p)) for p in fn.points[:points]]
    f = fn.build(fn.points[0])
    slow, g = _time(lambda: gradient(f, mode=mode, backend="sympy"))
    slow += _time(lambda: [g.evaluate(p) for p in at])[0]
    fast, h = _time(lambda: gradient(f, mode=mode, backend="symengine"))
    t, balls = _time(lambda: [h.balls(p) for p in at])
    certified = sum(b.certified for row in balls for b in row)
    return slow, fast + t, certified, sum(map(len, balls))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/symbolic_backends.py", description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--depths", default="2,4,6,8")
    parser.add_argument("--points", type=int, default=3)
    args = parser.parse_args(argv)
    if missing():
        print("missing:", missing())
    rows = []
    for depth in map(int, args.depths.split(",")):
        fns = [generate(args.seed, depth, i) for i in range(args.n)]
        for mode in ("tree", "dag"):
            totals = [measure(fn, mode, args.points) for fn in fns]
            slow = sum(t[0] for t in totals) / len(fns)
            fast = sum(t[1] for t in totals) / len(fns)
            balls = sum(t[3] for t in totals)
            rows.append([depth, mode, f"{1e3 * slow:.1f}", f"{1e3 * fast:.2f}", f"{slow / fast:.0f}x",
                         f"{sum(t[2] for t in totals)}/{balls}"])
    print(tabulate(rows, headers=["depth", "mode", "sympy+evalf ms", "symengine+balls ms", "ratio", "certified"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
