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
from typing import Any

import sympy as sp

from symbolic import SymbolicLimitError, gradient, to_sympy
from toygrad import Value, count_nodes

__all__ = ["logistic", "measure"]


def logistic(n: int, x: Value) -> Value:
    """``l(n)`` of the logistic map, starting from ``l(1) = x``."""
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return l


def measure(n: int) -> list[dict[str, Any]]:
    """One row per k = 1..n: sizes (SymPy ``count_ops``) and times in seconds of each representation.

    Tree mode's size and time are None from the first ``k`` where SymPy meets its recursion limit.
    """
    rows = []
    tree_failed = False
    for k in range(1, n + 1):
        x = Value(0.3, label="x")
        lk = logistic(k, x)
        row: dict[str, Any] = {"n": k, "function_ops": int(sp.count_ops(to_sympy(lk))),
                               "tree_derivative_ops": None, "tree_derivative_ops_cse": None}
        tree_time = None
        if not tree_failed:
            t = time.perf_counter()
            try:
                tree = gradient(lk, mode="tree")
                tree_time = time.perf_counter() - t
                row["tree_derivative_ops"] = int(tree.count_ops())
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
        rows.append(row)
    return rows
