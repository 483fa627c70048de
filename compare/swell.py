"""``python -m compare swell``: expression swell on the logistic map, measured.

``l(1) = x``, ``l(k+1) = 4 l(k) (1 - l(k))``. Tree mode differentiates the
whole expression and its size grows geometrically with ``n``; DAG mode keeps
one symbol per graph node and grows linearly; the AD tape is the graph itself
(Baydin et al., "Automatic differentiation in machine learning: a survey",
2018, Table 1).

>>> rows = measure(4)
>>> [r["n"] for r in rows], [r["DAG ops"] for r in rows][:3]
([1, 2, 3, 4], [0, 5, 12])
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import sympy as sp

from symbolic import SymbolicLimitError, gradient, to_sympy
from toygrad import Value, count_nodes

from .errors import UsageError
from .cli.output import add_output_options, fmt_time, table, write_json

NAME = "swell"
HELP = "expression swell on the logistic map: tree-mode vs DAG-mode vs AD sizes and times"

#: the swell figure's series: legend label -> column of :func:`measure`
SERIES = {"tree": "tree d/dx ops", "after cse": "tree after cse", "DAG": "DAG ops", "AD tape": "AD tape nodes"}


def logistic(n: int, x: Value) -> Value:
    """``l(n)`` of the logistic map, starting from ``l(1) = x``."""
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return l


def measure(n: int) -> list[dict[str, Any]]:
    """One row per k = 1..n: sizes (SymPy ``count_ops``) and times of each representation."""
    rows = []
    tree_failed = False
    for k in range(1, n + 1):
        x = Value(0.3, label="x")
        lk = logistic(k, x)
        row: dict[str, Any] = {"n": k, "l(n) ops": sp.count_ops(to_sympy(lk))}
        if tree_failed:
            row.update({"tree d/dx ops": "recursion limit", "tree after cse": "-"})
            tree_time = None
        else:
            t = time.perf_counter()
            try:
                tree = gradient(lk, mode="tree")
                tree_time = time.perf_counter() - t
                row["tree d/dx ops"] = tree.count_ops()
                row["tree after cse"] = tree.count_ops_cse()
            except SymbolicLimitError:
                tree_failed, tree_time = True, None
                row.update({"tree d/dx ops": "recursion limit", "tree after cse": "-"})
        t = time.perf_counter()
        dag = gradient(lk, mode="dag")
        dag_time = time.perf_counter() - t
        row["DAG ops"] = dag.count_ops()
        t = time.perf_counter()
        lk.backward()
        ad_time = time.perf_counter() - t
        row["AD tape nodes"] = count_nodes(lk)["ops"]
        row["time tree"] = fmt_time(tree_time) if tree_time is not None else "-"
        row["time DAG"] = fmt_time(dag_time)
        row["time AD"] = fmt_time(ad_time)
        rows.append(row)
    return rows


def svg(rows: list[dict[str, Any]]) -> str:
    """The rows of :func:`measure` as the swell figure: each representation's size against n, on a log
    axis (SVG text; needs the ``plot`` extra)."""
    from .plots import swell_curves

    return swell_curves([r["n"] for r in rows], {label: [r.get(key) for r in rows] for label, key in SERIES.items()})


def render(rows: list[dict[str, Any]], fmt: str = "simple") -> str:
    return table([list(r.values()) for r in rows], list(rows[0]), fmt)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=8, help="largest n of the logistic map (default 8)")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.n <= 40:
        raise UsageError(f"--n must be between 1 and 40 (tree mode doubles with each step), got {args.n}")
    rows = measure(args.n)
    print("Expression swell: the logistic map l(n+1) = 4 l(n) (1 - l(n)), l(1) = x, differentiated by x")
    print(render(rows, args.format))
    if args.json:
        write_json(args.json, {"command": "swell", "n": args.n, "rows": rows})
    return 0
