"""Second derivatives and forward mode, held against SymPy (``report --order 2``, ``check --order 2``).

For a function at a point, :func:`check_hessian` computes

* the Hessian by AD over AD (``toygrad.hessian``: reverse over reverse),
* the exact symbolic Hessian (SymPy, tree mode; DAG mode where tree mode is
  too large), evaluated at the exact point,
* central finite differences of the AD gradient,
* the gradient by forward mode (``toygrad.gradient_forward``), by reverse mode
  and exactly,

with a verdict. The tolerance of row ``i`` of the Hessian is the policy of
:mod:`compare.tolerance` applied to the graph of ``d f / d x_i`` that
reverse-over-reverse differentiates.

:func:`crossover` times a full gradient by forward mode (one sweep per input)
and by reverse mode (one sweep) as the number of inputs grows.

>>> from compare.generate import generate
>>> [r["verdict"] for r in check_hessian(generate(seed=1, depth=3, index=2))]
['agree', 'agree', 'agree']
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any, Sequence

from symbolic import SymbolicDomainError, SymbolicLimitError
from symbolic import gradient as symbolic_gradient
from symbolic import hessian as symbolic_hessian
from toygrad import DomainError, Value, grad, gradient_forward, hessian, variables

from . import kinks
from .check import EPS, FD_SAFETY, Subject, relative_error
from .schema import verdict_counts
from .tolerance import error_bounds

__all__ = ["check_hessian", "hessian_verdict", "hessian_by_depth", "crossover"]

TREE_LIMIT = 20_000


def _ordered_variables(graph: Value, names: Sequence[str]) -> list[Value]:
    by_label = {v.label: v for v in variables(graph)}
    return [by_label[n] for n in names if n in by_label]


def check_hessian(subject: Subject, points: Sequence[Sequence[float]] | None = None) -> list[dict[str, Any]]:
    """One row per point: the Hessian and the forward-mode gradient against the exact ones."""
    names = tuple(subject.variables)
    points = list(subject.points if points is None else points)
    truth = None
    rows = []
    for p in points:
        point = dict(zip(names, (float(x) for x in p)))
        row: dict[str, Any] = {"id": subject.id, "point": point, "verdict": "agree", "reason": "", "times": {}}
        try:
            graph = subject.build(point)
        except DomainError as exc:
            rows.append({**row, "verdict": "out-of-domain", "reason": str(exc)})
            continue
        wrt = _ordered_variables(graph, names)
        if truth is None:
            t = time.perf_counter()
            try:
                truth = symbolic_hessian(graph, wrt, mode="tree")
                if truth.count_ops() > TREE_LIMIT:
                    raise SymbolicLimitError("tree-mode Hessian too large")
            except SymbolicLimitError:
                truth = symbolic_hessian(graph, wrt, mode="dag")
            row["times"]["symbolic"] = time.perf_counter() - t
        rows.append(_check_point(subject, graph, wrt, point, truth, row))
    return rows


def _check_point(subject, graph, wrt, point, truth, row) -> dict[str, Any]:
    n = len(wrt)
    xs = [v.data for v in wrt]
    names = [v.label for v in wrt]

    def at(values):
        return subject.build({**point, **dict(zip(names, values))})

    t = time.perf_counter()
    try:
        ad = hessian(graph, wrt)
    except DomainError as exc:
        return {**row, "verdict": "non-smooth", "reason": f"a second derivative does not exist here: {exc}"}
    row["times"]["ad"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        exact = [float(v) for v in truth.evaluate(point)]
    except SymbolicDomainError as exc:
        return {**row, "verdict": "out-of-domain", "reason": str(exc)}
    row["times"]["exact"] = time.perf_counter() - t
    exact_rows = [exact[i * n:(i + 1) * n] for i in range(n)]

    # tolerance: the policy on each gradient component's own graph
    first = grad(graph, wrt, create_graph=True)
    row_bounds = [error_bounds(g, wrt) if isinstance(g, Value) else None for g in first]
    tol = [list(b.gradient_tolerance()) if b else [0.0] * n for b in row_bounds]
    hessian_scale = [m for b in row_bounds for m in (b.magnitude if b else [0.0] * n)]

    # forward mode and reverse mode first derivatives, and finite differences of the gradient
    t = time.perf_counter()
    forward = gradient_forward(lambda *vs: at(vs), xs)
    row["times"]["forward"] = time.perf_counter() - t
    graph.backward()
    reverse = [v.grad for v in wrt]

    def gradient_at(values):
        g = at(values)
        g.backward()
        return [v.grad for v in _ordered_variables(g, names)]

    fd, fd_tol = [[0.0] * n for _ in range(n)], [[0.0] * n for _ in range(n)]
    first_bounds = error_bounds(graph, wrt)
    gradient_error = first_bounds.gradient_tolerance()
    here = kinks.sites(graph)
    crossed = False
    try:
        for j in range(n):
            cols = []
            for scale in (1.0, 2.0):
                h = scale * EPS ** (1 / 3) * max(1.0, abs(xs[j]))
                plus, minus = list(xs), list(xs)
                plus[j] += h
                minus[j] -= h
                gp, gm = gradient_at(plus), gradient_at(minus)
                cols.append([(a - b) / (plus[j] - minus[j]) for a, b in zip(gp, gm)])
                for moved in (plus, minus):
                    crossed |= bool(kinks.crossed(here, kinks.sites(at(moved))))
            for i in range(n):
                fd[i][j] = cols[0][i]
                h = EPS ** (1 / 3) * max(1.0, abs(xs[j]))
                fd_tol[i][j] = FD_SAFETY * (abs(cols[0][i] - cols[1][i]) / 3 + gradient_error[i] / h)
    except DomainError:
        crossed = True
    row["ad"], row["exact"], row["fd"], row["tolerance"] = ad, exact_rows, fd, tol
    row["variables"], row["fd_tolerance"] = names, fd_tol
    row["fd_excluded"] = ("a kink lies at the point or within the finite-difference step"
                          if any(s.value == s.kink.at for s in here) or crossed else "")
    flat = lambda m: [x for r in m for x in r]  # noqa: E731
    row["error_ad"] = relative_error(flat(ad), exact, hessian_scale)
    row["error_fd"] = relative_error(flat(fd), exact, hessian_scale)
    exact_gradient = _exact_gradient(graph, wrt, point, reverse)
    row["error_forward"] = relative_error(forward, exact_gradient, first_bounds.magnitude)
    row["error_reverse"] = relative_error(reverse, exact_gradient, first_bounds.magnitude)
    row["verdict"], row["reason"] = hessian_verdict(row)
    return row


def hessian_verdict(row: dict[str, Any]) -> tuple[str, str]:
    """The verdict of a Hessian check from its own numbers (``report --resume`` recomputes it).

    >>> hessian_verdict({"variables": ["x"], "ad": [[2.0]], "exact": [[1.0]], "tolerance": [[1e-12]],
    ...                  "fd": [[1.0]], "fd_tolerance": [[1e-6]], "fd_excluded": ""})[0]
    'disagree'
    """
    names, ad, exact, tol = row["variables"], row["ad"], row["exact"], row["tolerance"]
    n = len(names)
    for i in range(n):
        for j in range(n):
            if not abs(ad[i][j] - exact[i][j]) <= tol[i][j]:
                return "disagree", (f"AD d2/d{names[i]}d{names[j]} = {ad[i][j]!r} but exact = {exact[i][j]!r}, "
                                    f"tolerance {tol[i][j]:.3g}")
    if row["fd_excluded"]:
        return "non-smooth", row["fd_excluded"]
    for i in range(n):
        for j in range(n):
            if not abs(row["fd"][i][j] - exact[i][j]) <= row["fd_tolerance"][i][j]:
                return "disagree", f"finite difference of the gradient d/d{names[j]} of d/d{names[i]} is off"
    return "agree", ""


def _exact_gradient(graph, wrt, point, fallback):
    """The exact first derivatives, for the forward-vs-reverse comparison."""
    try:
        return [float(v) for v in symbolic_gradient(graph, wrt, mode="dag").evaluate(point)]
    except SymbolicDomainError:
        return list(fallback)


def hessian_by_depth(rows_by_depth: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Agreement of second derivatives and of forward mode, by depth: worst errors, verdicts, median seconds."""
    out = []
    for depth, rows in sorted(rows_by_depth.items()):
        compared = [r for r in rows if "exact" in r]
        out.append({
            "depth": depth,
            "points": len(rows),
            "hessian_ad_max_error": max((r["error_ad"] for r in compared), default=None),
            "hessian_fd_max_error": max((r["error_fd"] for r in compared), default=None),
            "forward_max_error": max((r["error_forward"] for r in compared), default=None),
            "reverse_max_error": max((r["error_reverse"] for r in compared), default=None),
            "verdicts": verdict_counts(rows),
            "ad_hessian_seconds": _median([r["times"].get("ad") for r in rows]),
            "exact_seconds": _median([r["times"].get("exact") for r in rows]),
        })
    return out


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _ring(vs: Sequence[Value]) -> Value:
    """A function of n inputs where every input matters: sum of tanh(x_i * x_(i+1)) + sin(x_i)."""
    n = len(vs)
    terms = [(vs[i] * vs[(i + 1) % n]).tanh() + vs[i].sin() for i in range(n)]
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def crossover(sizes: Sequence[int] = (1, 2, 4, 8, 16, 32, 64), repeats: int = 5) -> list[dict[str, Any]]:
    """Time of a full gradient by forward mode and by reverse mode as the inputs grow."""
    out = []
    for n in sizes:
        primals = [0.1 + 0.8 * math.sin(i + 1) for i in range(n)]
        fwd, rev = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            gradient_forward(lambda *vs: _ring(vs), primals)
            fwd.append(time.perf_counter() - t)
            t = time.perf_counter()
            vs = [Value(p) for p in primals]
            _ring(vs).backward()
            rev.append(time.perf_counter() - t)
        f, r = statistics.median(fwd), statistics.median(rev)
        out.append({"inputs": n, "forward_seconds": f, "reverse_seconds": r, "forward_time_over_reverse": f / r,
                    "cheaper": "forward" if f < r else "reverse"})
    return out
