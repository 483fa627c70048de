"""``python -m compare swell``: expression swell on the logistic map, measured.

``l(1) = x``, ``l(k+1) = 4 l(k) (1 - l(k))``. Tree mode differentiates the
whole expression and its size grows geometrically with ``n``; DAG mode keeps
one symbol per graph node and grows linearly; the AD tape is the graph itself
(Baydin et al., "Automatic differentiation in machine learning: a survey",
2018, Table 1).

>>> rows = measure(4)
>>> [r["n"] for r in rows], [r["dag_ops"] for r in rows][:3]
([1, 2, 3, 4], [0, 5, 12])
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Iterator

import sympy as sp

from symbolic import SymbolicLimitError, gradient, to_sympy
from toygrad import Value, count_nodes

from .cli.output import add_output_options, caption, document, int_in, progress, records, write_json

NAME = "swell"
MAX_N = 40
HELP = "expression swell on the logistic map: tree-mode vs DAG-mode vs AD sizes and times"


def logistic(n: int, x: Value) -> Value:
    """``l(n)`` of the logistic map, starting from ``l(1) = x``."""
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return l


#: tree-mode columns are left out once their size is expected to pass this many ops (seconds of SymPy):
#: the derivative, and l(n) itself (counting a tree of that size is as slow)
SWELL_LIMIT = 250_000
COUNT_LIMIT = 100_000

CAPTION = ("Expression swell: the logistic map l(n+1) = 4 l(n) (1 - l(n)), l(1) = x, differentiated by x "
           f"(tree mode and l(n): - past SymPy's recursion limit, or once expected past {SWELL_LIMIT:,} and "
           f"{COUNT_LIMIT:,} ops)")


def _expected(sizes: list[int]) -> float:
    """The next size, extrapolated from the growth between the last two (0 before there are two)."""
    if len(sizes) < 2 or not sizes[-2]:
        return 0.0
    return sizes[-1] * sizes[-1] / sizes[-2]


def measure(n: int) -> list[dict[str, Any]]:
    """One row per k = 1..n: sizes (SymPy ``count_ops``) and times in seconds of each representation.

    Tree mode's size and time are None from the first ``k`` where SymPy meets its recursion limit, or where
    its extrapolated size passes :data:`SWELL_LIMIT` (and ``l(n)``'s own size past :data:`COUNT_LIMIT`): sizes
    grow geometrically, so any ``n`` up to 40 finishes in seconds.
    """
    return list(iter_rows(n))


def iter_rows(n: int) -> Iterator[dict[str, Any]]:
    """The rows of :func:`measure`, one at a time."""
    tree_failed = False
    plain: list[int] = []
    trees: list[int] = []
    for k in range(1, n + 1):
        x = Value(0.3, label="x")
        lk = logistic(k, x)
        if _expected(plain) <= COUNT_LIMIT:
            plain.append(int(sp.count_ops(to_sympy(lk))))
        row: dict[str, Any] = {"n": k, "function_ops": plain[-1] if len(plain) == k else None,
                               "tree_derivative_ops": None, "tree_derivative_ops_cse": None}
        tree_time = None
        if not tree_failed and _expected(trees) <= SWELL_LIMIT:
            t = time.perf_counter()
            try:
                tree = gradient(lk, mode="tree")
                tree_time = time.perf_counter() - t
                trees.append(int(tree.count_ops()))
                row["tree_derivative_ops"] = trees[-1]
                row["tree_derivative_ops_cse"] = int(tree.count_ops_cse())
            except SymbolicLimitError:
                tree_failed, tree_time = True, None
        t = time.perf_counter()
        dag = gradient(lk, mode="dag")
        dag_time = time.perf_counter() - t
        row["dag_ops"] = int(dag.count_ops())
        t = time.perf_counter()
        lk.backward()
        ad_time = time.perf_counter() - t
        row["ad_tape_nodes"] = count_nodes(lk)["ops"]
        row.update({"tree_seconds": tree_time, "dag_seconds": dag_time, "ad_seconds": ad_time})
        yield row


def render(rows: list[dict[str, Any]], fmt: str = "simple", width: int = 100) -> str:
    return records(rows, list(rows[0]), fmt, width)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int_in(1, MAX_N), default=8,
                        help=f"largest n of the logistic map, 1 to {MAX_N} (default 8); tree-mode columns are "
                             f"skipped once expected past {SWELL_LIMIT:,} ops (n = 13 on), so any n finishes in "
                             "seconds")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    try:
        for row in progress(iter_rows(args.n), total=args.n, desc="n"):
            rows.append(row)
    except KeyboardInterrupt:
        pass
    if args.json:  # first: a reader that closes the pipe early must not cost the file
        write_json(args.json, document("swell", {"n": args.n}, complete=len(rows) == args.n, rows=rows))
    print(caption(CAPTION, args.width))
    print(render(rows, args.format, args.width) if rows else "(no row finished)")
    if len(rows) < args.n:
        print(f"interrupted: rows {len(rows) + 1} to {args.n} not measured", file=sys.stderr)
        return 130
    return 0
