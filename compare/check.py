"""Three-way agreement: automatic, symbolic and finite-difference gradients of one function.

For a function at a point, :func:`check_function` computes

* the AD gradient (toygrad's ``backward()``),
* the exact symbolic gradient, the ground truth: SymPy's tree-mode derivative
  evaluated at the exact (rational) point to 50 digits (DAG mode where tree mode
  meets SymPy's recursion limit),
* the float symbolic gradient: the same derivative compiled with ``lambdify``,
* a central finite difference of the engine's forward pass, step
  ``eps**(1/3) * max(1, |x|)``,

their errors, a verdict (``agree``, ``disagree``, ``non-smooth``,
``out-of-domain``) with its reason, the time of each method and the size of
each representation. The tolerance comes from :mod:`compare.tolerance`.

>>> from compare.generate import generate
>>> [c.verdict for c in check_function(generate(seed=1, depth=2, index=0))]
['agree', 'agree', 'agree']
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Protocol, Sequence

import sympy as sp

from symbolic import Program, SymbolicDomainError, SymbolicLimitError, exact, gradient
from toygrad import DomainError, Value, topological, variables

from . import kinks
from .tolerance import error_bounds

__all__ = ["Check", "Subject", "check_function", "verdict", "VERDICTS", "central_difference", "relative_error"]

VERDICTS = ("agree", "disagree", "non-smooth", "out-of-domain")
EPS = sys.float_info.epsilon
#: a finite difference may be off by this many times its own error estimate
FD_SAFETY = 10.0
#: tree mode is the ground truth unless its derivative is larger than this many ops
TREE_LIMIT = 20_000


class Subject(Protocol):
    """What can be checked: a random function, or a parsed formula."""

    id: str
    variables: tuple[str, ...]

    @property
    def formula(self) -> str: ...

    def build(self, point: Mapping[str, float]) -> Value: ...


@dataclass
class Check:
    """The outcome of one function at one point. Times are in seconds.

    The verdict follows from the numbers stored here (see :func:`verdict`):
    ``kink_flipped`` says why rounding put a kink op on the other side of its
    kink than the exact value, ``fd_excluded`` why the finite difference cannot
    vote (a kink at the point or in the step, a step outside the domain).
    """

    id: str
    formula: str
    point: dict[str, float]
    verdict: str
    reason: str = ""
    value: float | None = None
    value_exact: float | None = None
    ad: list[float] = field(default_factory=list)
    exact: list[float] = field(default_factory=list)
    symbolic_float: list[float] = field(default_factory=list)
    fd: list[float] = field(default_factory=list)
    tolerance: list[float] = field(default_factory=list)
    value_tolerance: float | None = None
    fd_tolerance: list[float] = field(default_factory=list)
    kink_flipped: str = ""
    fd_excluded: str = ""
    error_ad: float | None = None
    error_fd: float | None = None
    error_symbolic_float: float | None = None
    ground_truth: str = "tree"
    ops: list[str] = field(default_factory=list)
    sizes: dict[str, int | None] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def central_difference(f, xs: Sequence[float], i: int, scale: float = 1.0) -> float:
    """d f / d xs[i] by a central difference with step ``scale * eps**(1/3) * max(1, |x|)``."""
    h = scale * EPS ** (1 / 3) * max(1.0, abs(xs[i]))
    plus, minus = list(xs), list(xs)
    plus[i] += h
    minus[i] -= h
    return (f(plus) - f(minus)) / (plus[i] - minus[i])


@dataclass
class _Symbolic:
    """What SymPy derives once per function, shared by all its points."""

    truth: Program | None
    ground_truth: str
    dag: Program | None
    compiled: Any
    sizes: dict[str, int | None]
    times: dict[str, float]
    failure: str = ""


def _derive(graph: Value) -> _Symbolic:
    times: dict[str, float] = {}
    sizes: dict[str, int | None] = {"graph_ops": sum(1 for n in topological(graph) if n.op is not None)}
    t = time.perf_counter()
    dag = gradient(graph, mode="dag")
    times["dag"] = time.perf_counter() - t
    sizes["dag_ops"] = dag.count_ops()
    t = time.perf_counter()
    try:
        tree: Program | None = gradient(graph, mode="tree")
        times["tree"] = time.perf_counter() - t
        sizes["tree_ops"] = tree.count_ops()
        sizes["tree_ops_cse"] = tree.count_ops_cse()
    except SymbolicLimitError:
        tree = None
        sizes["tree_ops"] = sizes["tree_ops_cse"] = None
    truth, name = (tree, "tree") if tree is not None and sizes["tree_ops"] <= TREE_LIMIT else (dag, "dag")
    t = time.perf_counter()
    compiled = truth.compile()
    times["lambdify_compile"] = time.perf_counter() - t
    return _Symbolic(truth, name, dag, compiled, sizes, times)


def relative_error(measured: Sequence[float], truth: Sequence[float], scale: Sequence[float] = ()) -> float:
    """max |m_i - t_i| over the gradient's scale: the largest of |t_i| and ``scale``.

    ``scale`` holds each component's sum of |products of local derivatives|
    over all paths: the size of the terms that add up to the gradient. It is
    the gradient's own size unless terms cancel, and keeps the error
    meaningful when they cancel to 0 (``relu(x) / x`` has gradient 0).
    """
    if not truth:
        return 0.0
    size = max([abs(t) for t in truth] + [abs(s) for s in scale]) or 1.0
    return max(abs(m - t) for m, t in zip(measured, truth)) / size


def check_function(subject: Subject, points: Sequence[Sequence[float]] | None = None) -> list[Check]:
    """Check ``subject`` at each point (default: a random function's own sample points)."""
    points = list(subject.points if points is None else points)
    names = tuple(subject.variables)
    symbolic: _Symbolic | None = None
    results = []
    for p in points:
        point = dict(zip(names, (float(x) for x in p)))
        try:
            graph = subject.build(point)
        except DomainError as exc:
            results.append(Check(subject.id, _formula(subject), point, "out-of-domain", str(exc)))
            continue
        if symbolic is None:
            symbolic = _derive(graph)
        results.append(_check_point(subject, graph, point, symbolic))
    return results


def _formula(subject: Subject) -> str:
    try:
        return subject.formula
    except (DomainError, ValueError):
        return getattr(subject, "text", subject.id)


def _check_point(subject: Subject, graph: Value, point: dict[str, float], sym: _Symbolic) -> Check:
    names = list(point)
    xs = [point[n] for n in names]
    leaves = {v.label: v for v in variables(graph)}
    wrt = [leaves[n] for n in names if n in leaves]
    result = Check(
        subject.id, _formula(subject), point, "agree", ground_truth=sym.ground_truth,
        ops=sorted({n.op.name for n in topological(graph) if n.op is not None}),
        sizes=dict(sym.sizes), times=dict(sym.times),
    )

    # automatic: build and differentiate, as a user would
    t = time.perf_counter()
    g = subject.build(point)
    g.backward()
    result.times["ad"] = time.perf_counter() - t
    by_label = {v.label: v for v in variables(g)}
    result.ad = [by_label[n].grad if n in by_label else 0.0 for n in names]
    result.value = g.data

    # exact: the ground truth, and every binding of the DAG program for the kinks
    t = time.perf_counter()
    try:
        truth = sym.truth.evaluate(point)
        env, _ = sym.dag.trace(point)
    except SymbolicDomainError as exc:
        result.verdict, result.reason = "out-of-domain", f"the exact evaluation left the reals: {exc}"
        return result
    result.times["exact"] = time.perf_counter() - t
    truth_by_symbol = dict(zip(sym.truth.inputs, truth)) if sym.ground_truth == "tree" else None
    result.exact = _in_order(names, sym, truth, truth_by_symbol)
    forward = [s for s, _ in sym.dag.bindings][: result.sizes["graph_ops"]]
    result.value_exact = float(env[forward[-1]]) if forward else xs[names.index(graph.label)]

    # float symbolic: lambdify'd derivative
    t = time.perf_counter()
    try:
        floats = [float(v) for v in sym.compiled(*[point[s.name] for s in sym.truth.inputs])]
    except (ArithmeticError, ValueError):
        floats = [math.nan] * len(sym.truth.outputs)
    result.times["lambdify_eval"] = time.perf_counter() - t
    result.symbolic_float = _in_order(names, sym, floats, None)

    # finite differences of the engine's forward pass, with their error estimate
    bounds = error_bounds(graph, wrt)
    tol = dict(zip([v.label for v in wrt], bounds.gradient_tolerance()))
    result.tolerance = [tol.get(n, 0.0) for n in names]
    t = time.perf_counter()
    here = kinks.sites(graph)
    crossed = []

    def f(values: Sequence[float]) -> float:
        moved = subject.build(dict(zip(names, values)))
        crossed.append(kinks.crossed(here, kinks.sites(moved)))
        return moved.data

    try:
        fd, fd2 = [], []
        for i in range(len(xs)):
            fd.append(central_difference(f, xs, i))
            fd2.append(central_difference(f, xs, i, scale=2.0))
    except DomainError as exc:
        fd = fd2 = [math.nan] * len(xs)
        stencil_left_domain = str(exc)
    else:
        stencil_left_domain = ""
    result.times["fd"] = time.perf_counter() - t
    result.fd = fd
    fd_tol = [
        FD_SAFETY * (abs(a - b) / 3 + bounds.value / (EPS ** (1 / 3) * max(1.0, abs(x)))) + 4 * EPS * abs(e)
        for a, b, x, e in zip(fd, fd2, xs, result.exact)
    ]

    scale = bounds.magnitude
    result.error_ad = relative_error(result.ad, result.exact, scale)
    result.error_fd = relative_error(fd, result.exact, scale)
    result.error_symbolic_float = relative_error(result.symbolic_float, result.exact, scale)
    result.value_tolerance = bounds.value_tolerance()
    result.fd_tolerance = fd_tol
    result.kink_flipped = kinks.flip(here, _exact_nodes(graph, point, env, forward))
    result.fd_excluded = _fd_excluded(here, next(filter(None, crossed), ""), stencil_left_domain)
    result.verdict, result.reason = verdict(result)
    return result


def _in_order(names, sym: _Symbolic, values, by_symbol) -> list[float]:
    lookup = by_symbol or dict(zip(sym.truth.inputs, values))
    by_name = {s.name: float(v) for s, v in lookup.items()}
    return [by_name.get(n, 0.0) for n in names]


def _fd_excluded(here, crossed: str, left_domain: str) -> str:
    """Why the finite difference cannot vote at this point, or ''."""
    if any(s.value == s.kink.at for s in here):
        return "a kink op sits exactly at its kink (AD and SymPy agree there by convention)"
    if crossed:
        return f"the finite-difference step crosses the kink of {crossed}"
    if left_domain:
        return f"the finite-difference step leaves the domain ({left_domain})"
    return ""


def verdict(r: Check) -> tuple[str, str]:
    """The verdict and its reason, from the check's own numbers (no graph, no SymPy).

    :func:`check_function` decides with it, and ``report --resume`` recomputes
    the verdicts of a stored run with it, so an edited file cannot pass.

    >>> verdict(Check("f", "x", {"x": 1.0}, "agree", value=1.0, value_exact=1.0, value_tolerance=0.0,
    ...               ad=[2.0], exact=[1.0], tolerance=[1e-15], fd=[1.0], fd_tolerance=[1e-9]))[0]
    'disagree'
    """
    if r.kink_flipped:
        return "non-smooth", r.kink_flipped
    for n, a, e, t in zip(r.point, r.ad, r.exact, r.tolerance):
        if not abs(a - e) <= t:
            return "disagree", f"AD d/d{n} = {a!r} but exact = {e!r}: off by {abs(a - e):.3g}, tolerance {t:.3g}"
    if not abs(r.value - r.value_exact) <= r.value_tolerance:
        return "disagree", (
            f"forward value {r.value!r} but exact {r.value_exact!r}: off by {abs(r.value - r.value_exact):.3g}"
        )
    if r.fd_excluded:
        return "non-smooth", r.fd_excluded
    for n, d, e, t in zip(r.point, r.fd, r.exact, r.fd_tolerance):
        if not abs(d - e) <= t:
            return "disagree", f"finite difference d/d{n} = {d!r} but exact = {e!r}: off by {abs(d - e):.3g}"
    return "agree", ""


def _exact_nodes(graph: Value, point: Mapping[str, float], env: Mapping, forward: Sequence[sp.Symbol]) -> list:
    """Exact values of the graph's nodes in topological order (variables exact, op nodes traced)."""
    values = []
    ops = iter(forward)
    for node in topological(graph):
        values.append(exact(point[node.label]) if node.op is None else env[next(ops)])
    return values
