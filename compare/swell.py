"""Expression swell on the logistic map, measured (``python -m compare swell`` prints it).

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

import time
from typing import Any, Iterator

import sympy as sp

from symbolic import SymbolicLimitError, gradient, to_sympy
from toygrad import Value, count_nodes

__all__ = ["logistic", "measure", "iter_rows", "svg", "SERIES", "SWELL_LIMIT", "COUNT_LIMIT"]

#: tree-mode columns are left out once their size is expected to pass this many ops (seconds of SymPy):
#: the derivative, and l(n) itself (counting a tree of that size is as slow)
SWELL_LIMIT = 250_000
COUNT_LIMIT = 100_000
#: the swell figure's series: legend label -> column of :func:`measure`
SERIES = {"tree": "tree_derivative_ops", "after cse": "tree_derivative_ops_cse", "DAG": "dag_ops",
          "AD tape": "ad_tape_nodes"}


def logistic(n: int, x: Value) -> Value:
    """``l(n)`` of the logistic map, starting from ``l(1) = x``."""
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return l


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


def svg(rows: list[dict[str, Any]]) -> str:
    """The rows of :func:`measure` as the swell figure: each representation's size against n, on a log
    axis (SVG text; needs the ``plot`` extra)."""
    from .plots import swell_curves

    return swell_curves([r["n"] for r in rows], {label: [r.get(key) for r in rows] for label, key in SERIES.items()})
