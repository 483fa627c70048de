"""Three-way agreement: automatic, symbolic and finite-difference gradients of one function.

For a function at a point, :func:`check_function` computes

* the AD gradient (toygrad's ``backward()``),
* the exact symbolic gradient, the ground truth (:mod:`compare.ground_truth`):
  the backend's tree-mode derivative (DAG mode where tree mode is too large)
  evaluated in ball arithmetic at the exact point, each ball narrower than a
  thousandth of its tolerance (*certified*),
* the float symbolic gradient: the same derivative compiled (SymEngine's
  ``Lambdify``, or SymPy's ``lambdify`` on the reference path),
* a central finite difference of the engine's forward pass, step
  ``eps**(1/3) * max(1, |x|)``,

their errors, a verdict (one of :data:`VERDICTS`) with its reason, the balls,
the time of each method and, when asked, the size of each representation. The
tolerance comes from :mod:`compare.tolerance`. ``agree`` rests on certified
balls only: where a ball stays wider (or fell back to ``evalf``) the verdict
is ``undecided``.

``backend="symengine"`` (the default when it can be imported) derives with
SymEngine; ``backend="sympy"`` runs the reference path, SymPy throughout, to
the same verdicts.

>>> from compare.generate import generate
>>> [c.verdict for c in check_function(generate(seed=1, depth=2, index=0))]
['agree', 'agree', 'agree']
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence


from symbolic import SymbolicDomainError, backend as get_backend
from toygrad import Constant, DomainError, Value, topological, variables

from . import finite, kinks
from .generate import RandomFunction
from .ground_truth import TREE_LIMIT, Truth, derive, record
from .replay import Replay
from .subjects import FormulaSubject, GraphSubject, Subject, SympySubject
from .tolerance import SAFETY, error_bounds

__all__ = ["Check", "Policy", "check_function", "verdict", "VERDICTS", "relative_error", "TREE_LIMIT", "build"]

#: every verdict, in the order reports list them; ``undecided``: the exact value is not known well enough
VERDICTS = ("agree", "disagree", "undecided", "non-smooth", "out-of-domain")


@dataclass(frozen=True)
class Policy:
    """The tolerance policy's knobs (defaults: the README's policy).

    ``safety`` multiplies the running error bound of :mod:`compare.tolerance`
    (AD and the forward value); ``fd_safety`` the finite difference's own
    error estimate; ``fd_step`` is the relative central-difference step.
    """

    safety: float = SAFETY
    fd_safety: float = finite.FD_SAFETY
    fd_step: float = finite.STEP

    def __post_init__(self) -> None:
        for name in ("safety", "fd_safety", "fd_step"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value < math.inf):
                raise ValueError(f"{name} must be a positive number, got {value!r}")


@dataclass
class Check:
    """The outcome of one function at one point. Times are in seconds.

    ``exact`` holds the midpoints of the ground truth's balls; ``ball`` each
    component's ball (``mid``, ``rad``: the exact value lies within ``rad`` of
    ``mid``; ``status``: ``certified`` when the ball's own radius is below a
    thousandth of the tolerance, else ``undecided``, or ``kink``; ``prec``:
    bits), ``value_ball`` the value's. ``certified``: every ball is.
    ``backend``: the CAS that derived the truth.

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
    backend: str = ""
    ball: list[dict[str, Any]] = field(default_factory=list)
    value_ball: dict[str, Any] | None = None
    certified: bool = False
    ops: list[str] = field(default_factory=list)
    sizes: dict[str, int | None] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def check_function(
    subject: Subject,
    points: Sequence[Sequence[float]] | None = None,
    policy: Policy = Policy(),
    *,
    backend: str | None = None,
    sizes: bool = False,
) -> list[Check]:
    """Check ``subject`` at each point, given in the order of ``subject.variables``.

    Without ``points``, a random function's own sample points. ``backend``
    derives the ground truth (``"symengine"``, the default when it can be
    imported, or ``"sympy"``); ``sizes=True`` also measures the size of each
    representation (the cost tables show them; they cost more than the rest
    of a check on the fast path).
    """
    if points is None:
        points = getattr(subject, "points", None)
        if points is None:
            raise ValueError(f"{subject.id} has no sample points of its own: give the points to check")
    points = list(points)
    names = tuple(subject.variables)
    text = _formula(subject)
    backend = get_backend(backend).name
    truth: Truth | None = None
    results = []
    for p in points:
        point = dict(zip(names, (float(x) for x in p)))
        try:
            graph, constants = build(subject, point)
        except DomainError as exc:
            results.append(Check(subject.id, text, point, "out-of-domain", str(exc), backend=backend))
            continue
        leaves = {v.label: v for v in variables(graph)}
        wrt = [leaves[n] for n in names if n in leaves]
        if truth is None:
            truth = derive(graph, wrt, backend=backend, constants=constants, compile=True, sizes=sizes)
        results.append(_check_point(subject, text, graph, wrt, point, truth, policy))
    return results


def build(subject: Subject, point: dict[str, float]) -> tuple[Value, dict[Constant, str] | None]:
    """The subject's graph at ``point``, and the constant leaves that stand for ``pi`` and ``e`` (if it says)."""
    named = getattr(subject, "build_named", None)
    return named(point) if named is not None else (subject.build(point), None)


def _formula(subject: Subject) -> str:
    try:
        return subject.formula
    except (DomainError, ValueError):
        return getattr(subject, "text", subject.id)


def _check_point(subject: Subject, text: str, graph: Value, wrt: list[Value], point: dict[str, float], truth: Truth,
                 policy: Policy) -> Check:
    names = list(point)
    xs = [point[n] for n in names]
    result = Check(
        subject.id, text, point, "agree", ground_truth=truth.mode, backend=truth.backend.name,
        ops=sorted({n.op.name for n in topological(graph) if n.op is not None}),
        sizes=dict(truth.sizes), times=dict(truth.times),
    )

    # automatic: build and differentiate, as a user would
    t = time.perf_counter()
    g = subject.build(point)
    g.backward()
    result.times["ad"] = time.perf_counter() - t
    by_label = {v.label: v for v in variables(g)}
    result.ad = [by_label[n].grad if n in by_label else 0.0 for n in names]
    result.value = g.data

    # the tolerance policy, which also sets how narrow the exact balls must be
    t = time.perf_counter()
    bounds = error_bounds(graph, wrt)
    widen = policy.safety / SAFETY
    tolerance = [widen * t for t in bounds.gradient_tolerance()]
    value_tol = widen * bounds.value_tolerance()
    tol = dict(zip([v.label for v in wrt], tolerance))
    result.tolerance = [tol.get(n, 0.0) for n in names]
    result.times["tolerance"] = time.perf_counter() - t

    # exact: the ground truth's balls, the value's and the kinks' exact sides
    t = time.perf_counter()
    try:
        exact = truth.at(point, tolerance, value_tol)
    except SymbolicDomainError as exc:
        result.verdict, result.reason = "out-of-domain", f"the exact evaluation left the reals: {exc}"
        return result
    result.times["exact"] = time.perf_counter() - t
    balls = dict(zip([v.label for v in wrt], exact.derivatives))
    result.exact = [balls[n].mid if n in balls else 0.0 for n in names]
    result.ball = [record(balls[n], tol[n]) if n in balls else _ZERO for n in names]
    result.value_exact = exact.value.mid
    result.value_ball = record(exact.value, value_tol)
    result.certified = all(b["status"] == "certified" for b in [*result.ball, result.value_ball])

    # float symbolic: the compiled derivative
    t = time.perf_counter()
    try:
        floats = [float(v) for v in truth.compiled(*[point[s.name] for s in truth.program.inputs])]
    except (ArithmeticError, ValueError):
        floats = [math.nan] * len(wrt)
    result.times["lambdify_eval"] = time.perf_counter() - t
    by_name = dict(zip([v.label for v in wrt], floats))
    result.symbolic_float = [by_name.get(n, 0.0) for n in names]

    # finite differences of the engine's forward pass, with their error estimate
    t = time.perf_counter()
    here = kinks.sites(graph)
    try:
        estimates, crossed = _differences(subject, graph, names, wrt, xs, here, policy)
    except DomainError as exc:
        fd = fd_tol = [math.nan] * len(xs)
        crossed, stencil_left_domain = "", str(exc)
    else:
        fd = [e.value for e in estimates]
        fd_tol = [e.tolerance(bounds.value, exact=x, safety=policy.fd_safety) for e, x in zip(estimates, result.exact)]
        stencil_left_domain = ""
    result.times["fd"] = time.perf_counter() - t
    result.fd = fd

    scale = bounds.magnitude
    result.error_ad = relative_error(result.ad, result.exact, scale)
    result.error_fd = relative_error(fd, result.exact, scale)
    result.error_symbolic_float = relative_error(result.symbolic_float, result.exact, scale)
    result.value_tolerance = value_tol
    result.fd_tolerance = fd_tol
    result.kink_flipped = kinks.flip(here, exact.sides)
    result.fd_excluded = _fd_excluded(here, crossed, stencil_left_domain)
    result.verdict, result.reason = verdict(result)
    return result


#: subjects whose graph has the same ops at every point: their finite differences replay the graph on floats
_FIXED_SHAPE = (FormulaSubject, SympySubject, GraphSubject, RandomFunction)


def _differences(subject: Subject, graph: Value, names: list[str], wrt: list[Value], xs: list[float], here,
                 policy: Policy) -> tuple[list[finite.Estimate], str]:
    """Central differences along each variable of ``names``, and the first kink op a step crossed ('' if none).

    A fixed-shape subject's graph is replayed on floats (:class:`compare.replay.Replay`, the engine's forward
    of each node); any other subject (a Python function may branch on its values) is rebuilt at each step.
    """
    if isinstance(subject, _FIXED_SHAPE):
        replay = Replay(graph, wrt)
        position = {v.label: i for i, v in enumerate(wrt)}
        out = []
        for n, x in zip(names, xs):
            if n in position:
                out.append(finite.difference(lambda t, i=position[n]: replay.value(i, t), x, relative=policy.fd_step))
            else:  # a variable the function does not use
                out.append(finite.Estimate(0.0, 0.0, finite.step(x, policy.fd_step)))
        return out, replay.crossed
    crossed = []

    def f(values: Sequence[float]) -> float:
        moved = subject.build(dict(zip(names, values)))
        crossed.append(kinks.crossed(here, kinks.sites(moved)))
        return moved.data

    return finite.gradient(f, xs, relative=policy.fd_step), next(filter(None, crossed), "")


#: the ball of a variable the function does not use: its derivative is exactly 0
_ZERO = {"mid": 0.0, "rad": 0.0, "status": "certified", "prec": 0}


def _off(measured: float, ball: dict[str, Any], tolerance: float) -> str:
    """``"certainly"`` if ``measured`` is off the truth by more than ``tolerance`` whatever the exact value in the
    ball, ``"maybe"`` if only the ball's midpoint says so, ``""`` if it is within."""
    gap = abs(measured - ball["mid"])
    if gap <= tolerance:
        return ""
    return "certainly" if ball["status"] == "certified" or gap - ball["rad"] > tolerance else "maybe"


def _fd_excluded(here, crossed: str, left_domain: str) -> str:
    """Why the finite difference cannot vote at this point, or ''."""
    if any(s.value == s.kink.at for s in here):
        return "a kink op sits exactly at its kink (AD and the CAS agree there by convention)"
    if crossed:
        return f"the finite-difference step crosses the kink of {crossed}"
    if left_domain:
        return f"the finite-difference step leaves the domain ({left_domain})"
    return ""


def verdict(r: Check) -> tuple[str, str]:
    """The verdict and its reason, from the check's own numbers (no graph, no CAS).

    :func:`check_function` decides with it, and ``report --resume`` recomputes
    the verdicts of a stored run with it, so an edited file cannot pass. The
    exact values are balls: ``agree`` needs every ball certified, and a gap
    that only the midpoint of an uncertified ball shows is ``undecided``.

    >>> ball = {"mid": 1.0, "rad": 1e-17, "status": "certified", "prec": 128}
    >>> verdict(Check("f", "x", {"x": 1.0}, "agree", value=1.0, value_exact=1.0, value_tolerance=0.0,
    ...               ad=[2.0], exact=[1.0], tolerance=[1e-15], fd=[1.0], fd_tolerance=[1e-9],
    ...               ball=[ball], value_ball=ball))[0]
    'disagree'
    """
    if r.kink_flipped:
        return "non-smooth", r.kink_flipped
    for n, b in zip(r.point, r.ball):
        if b["status"] == "kink":
            return "non-smooth", f"the exact d/d{n} sits on a kink its ball cannot settle at {b['prec']} bits"
    for n, a, b, t in zip(r.point, r.ad, r.ball, r.tolerance):
        off = _off(a, b, t)
        if off == "certainly":
            return "disagree", (f"AD d/d{n} = {a!r} but exact = {b['mid']!r}: off by {abs(a - b['mid']):.3g}, "
                                f"tolerance {t:.3g}")
        if off:
            return "undecided", (f"AD d/d{n} = {a!r} is {abs(a - b['mid']):.3g} from the exact ball's midpoint, "
                                 f"tolerance {t:.3g}, but the ball is {b['rad']:.3g} wide at {b['prec']} bits")
    off = _off(r.value, r.value_ball, r.value_tolerance)
    if off:
        gap = abs(r.value - r.value_exact)
        return ("disagree" if off == "certainly" else "undecided"), (
            f"forward value {r.value!r} but exact {r.value_exact!r}: off by {gap:.3g}"
            + ("" if off == "certainly" else f", and the exact ball is {r.value_ball['rad']:.3g} wide")
        )
    if r.fd_excluded:
        return "non-smooth", r.fd_excluded
    loose = [(f"d/d{n}", b) for n, b in zip(r.point, r.ball) if b["status"] != "certified"]
    if r.value_ball["status"] != "certified":
        loose.append(("value", r.value_ball))
    if loose:
        what, b = loose[0]
        return "undecided", (f"the exact {what} is not certified: its ball is {b['rad']:.3g} wide at {b['prec']} "
                             "bits, more than a thousandth of the tolerance (or a node needed evalf)")
    for n, d, e, t in zip(r.point, r.fd, r.exact, r.fd_tolerance):
        if not abs(d - e) <= t:
            return "disagree", f"finite difference d/d{n} = {d!r} but exact = {e!r}: off by {abs(d - e):.3g}"
    return "agree", ""
