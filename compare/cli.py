"""The command line: ``python -m compare report``.

Until the symbolic side lands, ``report`` checks every op of the table against
a central difference at points inside its domain.
"""

from __future__ import annotations

import argparse
import math
import random
import sys

from tabulate import tabulate

from toygrad import OPS, Value, apply


def _sample(op, rng: random.Random) -> list[float]:
    n = op.arity if op.arity is not None else 4
    return [rng.uniform(*rng.choice(op.domain.intervals(i))) for i in range(n)]


def engine_report(seed: int, points: int) -> tuple[list[list], bool]:
    rng = random.Random(seed)
    rows, ok = [], True
    for op in OPS.values():
        worst = 0.0
        for _ in range(points):
            xs = _sample(op, rng)
            vs = [Value(x) for x in xs]
            out = apply(op, *vs)
            out.backward()
            for i, x in enumerate(xs):
                h = 2.0 ** -17 * max(1.0, abs(x))
                plus, minus = list(xs), list(xs)
                plus[i] += h
                minus[i] -= h
                fd = (apply(op, *plus).data - apply(op, *minus).data) / (2 * h)
                worst = max(worst, abs(vs[i].grad - fd) / max(1.0, abs(fd)))
        agree = worst < 1e-6
        ok &= agree
        rows.append([op.name, points, f"{worst:.1e}", "agree" if agree else "DISAGREE"])
    return rows, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compare", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    rep = sub.add_parser("report", help="check every op of the table against a central difference")
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("--points", type=int, default=20)
    args = parser.parse_args(argv)
    if args.command in (None, "report"):
        rows, ok = engine_report(getattr(args, "seed", 0), getattr(args, "points", 20))
        print(tabulate(rows, headers=["op", "points", "max rel. error vs FD", "verdict"]))
        return 0 if ok else 1
    return 2
