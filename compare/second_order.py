"""Second derivatives and forward mode, held against SymPy (``report --order 2``, ``check --order 2``).

For a function at a point, :func:`check_hessian` computes

* the Hessian by AD over AD (``toygrad.hessian``: reverse over reverse),
* the exact symbolic Hessian (the backend's tree mode; DAG mode where tree
  mode is too large), as certified balls at the exact point
  (:mod:`compare.ground_truth`),
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

from symbolic import SymbolicDomainError
from toygrad import DomainError, Value, grad, gradient_forward, hessian, variables

from . import finite, kinks
from .subjects import Subject
from .ground_truth import Truth, derive, record
from .three_way import Policy, build, relative_error
from .schema import verdict_counts
from .tolerance import SAFETY, error_bounds

__all__ = ["check_hessian", "hessian_verdict", "hessian_by_depth", "crossover"]


def _ordered_variables(graph: Value, names: Sequence[str]) -> list[Value]:
    by_label = {v.label: v for v in variables(graph)}
    return [by_label[n] for n in names if n in by_label]


def check_hessian(
    subject: Subject, points: Sequence[Sequence[float]] | None = None, policy: Policy = Policy(), *,
    backend: str | None = None,
) -> list[dict[str, Any]]:
    """One row per point: the Hessian and the forward-mode gradient against the exact ones.

    Points and ``backend`` as for :func:`compare.three_way.check_function`.
    """
    names = tuple(subject.variables)
    if points is None:
        points = getattr(subject, "points", None)
        if points is None:
            raise ValueError(f"{subject.id} has no sample points of its own: give the points to check")
    points = list(points)
    truths: tuple[Truth, Truth] | None = None
    rows = []
    for p in points:
        point = dict(zip(names, (float(x) for x in p)))
        row: dict[str, Any] = {"id": subject.id, "point": point, "verdict": "agree", "reason": "", "times": {}}
        try:
            graph, constants = build(subject, point)
        except DomainError as exc:
            rows.append({**row, "verdict": "out-of-domain", "reason": str(exc)})
            continue
        wrt = _ordered_variables(graph, names)
        if truths is None:
            t = time.perf_counter()
            options = {"backend": backend, "constants": constants, "with_value": False, "kink_sides": False}
            truths = derive(graph, wrt, order=2, **options), derive(graph, wrt, **options)
            row["times"]["symbolic"] = time.perf_counter() - t
        row["backend"] = truths[0].backend.name
        rows.append(_check_point(subject, graph, wrt, point, truths, row, policy))
    return rows


def _check_point(subject, graph, wrt, point, truths: tuple[Truth, Truth], row, policy: Policy) -> dict[str, Any]:
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

    # tolerance: the policy on each gradient component's own graph
    first = grad(graph, wrt, create_graph=True)
    row_bounds = [error_bounds(g, wrt) if isinstance(g, Value) else None for g in first]
    widen = policy.safety / SAFETY
    tol = [[widen * t for t in b.gradient_tolerance()] if b else [0.0] * n for b in row_bounds]
    hessian_scale = [m for b in row_bounds for m in (b.magnitude if b else [0.0] * n)]

    # exact: certified balls, each narrower than a thousandth of its tolerance
    t = time.perf_counter()
    flat_tol = [x for r in tol for x in r]
    try:
        balls = [record(b, tl) for b, tl in zip(truths[0].at(point, flat_tol).derivatives, flat_tol)]
    except SymbolicDomainError as exc:
        return {**row, "verdict": "out-of-domain", "reason": str(exc)}
    row["times"]["exact"] = time.perf_counter() - t
    exact = [b["mid"] for b in balls]
    exact_rows = [exact[i * n:(i + 1) * n] for i in range(n)]
    row["ball"] = [balls[i * n:(i + 1) * n] for i in range(n)]
    row["certified"] = all(b["status"] == "certified" for b in balls)

    # forward mode and reverse mode first derivatives, and finite differences of the gradient
    t = time.perf_counter()
    forward = gradient_forward(lambda *vs: at(vs), xs)
    row["times"]["forward"] = time.perf_counter() - t
    graph.backward()
    reverse = [v.grad for v in wrt]

    fd, fd_tol = [[0.0] * n for _ in range(n)], [[0.0] * n for _ in range(n)]
    first_bounds = error_bounds(graph, wrt)
    gradient_error = first_bounds.gradient_tolerance()
    here = kinks.sites(graph)
    crossed = False

    def gradient_along(j: int):
        def gradient_at(t: float) -> list[float]:
            nonlocal crossed
            g = at([t if k == j else x for k, x in enumerate(xs)])
            crossed |= bool(kinks.crossed(here, kinks.sites(g)))
            g.backward()
            return [v.grad for v in _ordered_variables(g, names)]

        return gradient_at

    try:
        for j in range(n):
            for i, est in enumerate(finite.differences(gradient_along(j), xs[j], relative=policy.fd_step)):
                fd[i][j] = est.value
                fd_tol[i][j] = est.tolerance(gradient_error[i], exact=exact_rows[i][j], safety=policy.fd_safety)
    except DomainError:
        crossed = True
    row["ad"], row["exact"], row["fd"], row["tolerance"] = ad, exact_rows, fd, tol
    row["variables"], row["fd_tolerance"] = names, fd_tol
    row["fd_excluded"] = ("a kink lies at the point or within the finite-difference step"
                          if any(s.value == s.kink.at for s in here) or crossed else "")
    flat = lambda m: [x for r in m for x in r]  # noqa: E731
    row["error_ad"] = relative_error(flat(ad), exact, hessian_scale)
    row["error_fd"] = relative_error(flat(fd), exact, hessian_scale)
    exact_gradient = _exact_gradient(truths[1], point, first_bounds, reverse)
    row["error_forward"] = relative_error(forward, exact_gradient, first_bounds.magnitude)
    row["error_reverse"] = relative_error(reverse, exact_gradient, first_bounds.magnitude)
    row["verdict"], row["reason"] = hessian_verdict(row)
    return row


def hessian_verdict(row: dict[str, Any]) -> tuple[str, str]:
    """The verdict of a Hessian check from its own numbers (``report --resume`` recomputes it).

    ``agree`` needs every exact ball certified; a gap that only an uncertified ball's midpoint shows is
    ``undecided``.

    >>> ball = {"mid": 1.0, "rad": 1e-17, "status": "certified", "prec": 128}
    >>> hessian_verdict({"variables": ["x"], "ad": [[2.0]], "exact": [[1.0]], "tolerance": [[1e-12]],
    ...                  "fd": [[1.0]], "fd_tolerance": [[1e-6]], "fd_excluded": "", "ball": [[ball]]})[0]
    'disagree'
    """
    names, ad, exact, tol, balls = row["variables"], row["ad"], row["exact"], row["tolerance"], row["ball"]
    n = len(names)
    cells = [(i, j) for i in range(n) for j in range(n)]
    if any(balls[i][j]["status"] == "kink" for i, j in cells):
        return "non-smooth", "an exact second derivative sits on a kink its ball cannot settle"
    for i, j in cells:
        gap, t, b = abs(ad[i][j] - exact[i][j]), tol[i][j], balls[i][j]
        if not gap <= t:
            certain = b["status"] == "certified" or gap - b["rad"] > t
            return ("disagree" if certain else "undecided"), (
                f"AD d2/d{names[i]}d{names[j]} = {ad[i][j]!r} but exact = {exact[i][j]!r}, tolerance {t:.3g}"
                + ("" if certain else f"; the exact ball is {b['rad']:.3g} wide"))
    if row["fd_excluded"]:
        return "non-smooth", row["fd_excluded"]
    if any(balls[i][j]["status"] != "certified" for i, j in cells):
        return "undecided", "an exact second derivative is not certified (its ball is wider than a thousandth of " \
                            "the tolerance)"
    for i, j in cells:
        if not abs(row["fd"][i][j] - exact[i][j]) <= row["fd_tolerance"][i][j]:
            return "disagree", f"finite difference of the gradient d/d{names[j]} of d/d{names[i]} is off"
    return "agree", ""


def _exact_gradient(truth: Truth, point, bounds, fallback):
    """The exact first derivatives, for the forward-vs-reverse comparison."""
    try:
        return [b.mid for b in truth.at(point, list(bounds.gradient_tolerance())).derivatives]
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
