"""``compare.check`` and ``compare.assert_gradients_agree``: check your own function in one call.

``f`` is a Python function of toygrad Values (its parameters name the
variables), a formula string, a SymPy expression, or a toygrad graph; ``at`` is
one point (numbers in the order of the variables, or ``{name: number}``) or a
list of points. Each point is checked three ways: AD (toygrad's
``backward()``), the exact symbolic derivative (the ground truth), and central
finite differences, against the tolerance policy of :mod:`compare.tolerance`.

>>> r = check(lambda x, y: (x * y).sin() + x.exp(), at=(0.3, 2.0))
>>> r.ok, r.points[0].verdict, [p.name for p in r.points[0].partials]
(True, 'agree', ['x', 'y'])
>>> assert_gradients_agree("log(1 + x**2) * y", at=[{"x": 1.0, "y": 2.0}, {"x": -3.0, "y": 0.5}], order=2)
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

from .three_way import Check, Policy, check_function
from .second_order import check_hessian
from .subjects import FormulaSubject, SympySubject, subject_for

__all__ = ["check", "assert_gradients_agree", "Result", "PointResult", "Partial", "FAILING"]

#: verdicts that make a check fail (``non-smooth`` does not: AD and the truth agree there by convention)
FAILING = ("disagree", "out-of-domain")


@dataclass(frozen=True)
class Partial:
    """One derivative at one point: ``d/dx`` (``name="x"``), or ``d2/dx dy`` (``name="x,y"``) for order 2."""

    name: str
    ad: float
    exact: float
    fd: float
    tolerance: float

    @property
    def gap(self) -> float:
        """``|AD - exact|``."""
        return abs(self.ad - self.exact)

    @property
    def verdict(self) -> str:
        """``agree`` when AD is within the tolerance of the exact value, else ``disagree``."""
        return "agree" if self.gap <= self.tolerance else "disagree"

    def describe(self) -> str:
        d = f"d/d{self.name}" if "," not in self.name else "d2/d{} d{}".format(*self.name.split(","))
        return (f"{d}: AD {self.ad!r}, exact {self.exact!r}, finite difference {self.fd!r}; "
                f"|AD - exact| = {self.gap:.3g}, tolerance {self.tolerance:.3g}")


@dataclass(frozen=True)
class PointResult:
    """The check at one point: the verdict and its reason, each partial, the values, the ground truth, times.

    ``verdict`` judges the gradient (and the forward value); with ``order=2``
    ``hessian_verdict`` judges the Hessian. ``certified``: every exact value
    the verdict rests on is a certified ball (see :mod:`compare.ground_truth`).
    """

    point: dict[str, float]
    verdict: str
    reason: str
    value: float | None
    value_exact: float | None
    partials: tuple[Partial, ...]
    ground_truth: str
    times: dict[str, float]
    hessian: tuple[Partial, ...] = ()
    hessian_verdict: str | None = None
    hessian_reason: str = ""
    certified: bool = False

    @property
    def ok(self) -> bool:
        return self.verdict not in FAILING and self.hessian_verdict not in FAILING

    def failures(self) -> list[str]:
        """What went wrong here, one line each (empty when ``ok``)."""
        out = []
        if self.verdict in FAILING:
            out.append(f"{self.verdict}: {self.reason}")
            out += [f"  {p.describe()}" for p in self.partials if p.verdict == "disagree"]
        if self.hessian_verdict in FAILING:
            out.append(f"Hessian {self.hessian_verdict}: {self.hessian_reason}")
            out += [f"  {p.describe()}" for p in self.hessian if p.verdict == "disagree"]
        return out


@dataclass(frozen=True)
class Result:
    """What :func:`check` found: one :class:`PointResult` per point. True (``ok``) when none fails."""

    formula: str
    variables: tuple[str, ...]
    order: int
    points: tuple[PointResult, ...]
    policy: Policy
    seconds: float
    checks: tuple[Check, ...] = field(repr=False, default=())
    hessians: tuple[dict[str, Any], ...] = field(repr=False, default=())

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.points)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def verdicts(self) -> list[str]:
        return [p.verdict for p in self.points]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (numbers as numbers), for JSON."""
        return {
            "formula": self.formula, "variables": list(self.variables), "order": self.order, "ok": self.ok,
            "policy": asdict(self.policy), "seconds": self.seconds,
            "points": [{**asdict(p), "ok": p.ok} for p in self.points],
        }

    def __repr__(self) -> str:
        verdicts = ", ".join(f"{v} {self.verdicts.count(v)}" for v in dict.fromkeys(self.verdicts))
        lines = [f"<compare.Result {'ok' if self.ok else 'FAILED'}: {self.formula} at {len(self.points)} "
                 f"point{'s' * (len(self.points) != 1)} ({verdicts})"]
        for p in self.points:
            lines.append(f"  at {_point_text(p.point)}: {p.verdict}" + (f" ({p.reason})" if p.reason else "")
                         + (f"; Hessian {p.hessian_verdict}" if p.hessian_verdict else ""))
            lines += [f"    {q.describe()}" for q in (*p.partials, *p.hessian)]
        return "\n".join(lines) + ">"


def _point_text(point: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in point.items())


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) or hasattr(x, "__float__") and not hasattr(x, "__len__")


def _points(at: Any) -> list[Any]:
    """``at`` as a list of points (each a mapping, a sequence of numbers, or a number)."""
    if isinstance(at, Mapping) or _is_number(at):
        return [at]
    at = list(at)
    if not at:
        raise ValueError("at= holds no point")
    if all(_is_number(x) for x in at):
        return [at]
    return at


def _arity(point: Any) -> int:
    return 1 if _is_number(point) else len(point)


def _ordered(point: Any, names: Sequence[str]) -> list[float]:
    """A point as numbers in the order of ``names``, or a ValueError that says what does not fit."""
    if isinstance(point, Mapping):
        missing = [n for n in names if n not in point]
        extra = [str(k) for k in point if k not in names]
        if missing or extra:
            raise ValueError(f"the point {dict(point)!r} does not fit the variables ({', '.join(names)}): "
                             + "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                                        extra and f"unknown {', '.join(extra)}"])))
        values = [point[n] for n in names]
    else:
        values = [point] if _is_number(point) else list(point)
        if len(values) != len(names):
            raise ValueError(f"the point {point!r} has {len(values)} numbers but there are {len(names)} variables "
                             f"({', '.join(names)})")
    out = []
    for n, v in zip(names, values):
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"the value of {n} must be a number, got {v!r}") from None
        if x != x or x in (float("inf"), float("-inf")):
            raise ValueError(f"the value of {n} must be finite, got {v!r}")
        out.append(x)
    return out


def _partials(names: Sequence[str], c: Check) -> tuple[Partial, ...]:
    if not c.exact:
        return ()
    return tuple(Partial(n, a, e, d, t) for n, a, e, d, t in zip(names, c.ad, c.exact, c.fd, c.tolerance))


def _hessian(names: Sequence[str], row: Mapping[str, Any]) -> tuple[Partial, ...]:
    if "exact" not in row:
        return ()
    n = len(row["exact"])
    return tuple(Partial(f"{names[i]},{names[j]}", row["ad"][i][j], row["exact"][i][j], row["fd"][i][j],
                         row["tolerance"][i][j]) for i in range(n) for j in range(n))


def check(
    f: Any, at: Any, *, order: int = 1, safety: float | None = None, fd_safety: float | None = None,
    fd_step: float | None = None, backend: str | None = None,
) -> Result:
    """Check the gradient of ``f`` (and its Hessian with ``order=2``) at each point of ``at``.

    ``f``: a function of toygrad Values returning a Value (``lambda x, y: (x * y).sin()``; keyword-only
    parameters are passed by keyword; ``lambda *xs: ...`` takes as many variables as the point has numbers),
    a formula string (``"sin(x) * y"``), a SymPy expression, or a toygrad graph (its variables named by their
    labels, unlabelled ones ``x0, x1, ...``).

    ``at``: one point, as numbers in the order of the variables (``(0.3, 2.0)``, or a bare number for one
    variable) or as ``{"x": 0.3, "y": 2.0}``; or a list of such points.

    ``safety``, ``fd_safety``, ``fd_step``: the tolerance policy's knobs (see :class:`compare.three_way.Policy`;
    defaults: the README's policy).

    ``backend``: the CAS that derives the exact derivatives, ``"symengine"`` (the default when it can be
    imported) or ``"sympy"`` (the reference path); either way they are evaluated as certified balls.

    >>> r = check("x * exp(y)", at=[(1.0, 0.0), {"x": 2.0, "y": 1.0}])
    >>> bool(r), r.verdicts, r.points[0].partials[1].exact
    (True, ['agree', 'agree'], 1.0)
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 (gradients) or 2 (gradients and Hessians), got {order!r}")
    policy = Policy(**{k: v for k, v in (("safety", safety), ("fd_safety", fd_safety), ("fd_step", fd_step))
                       if v is not None})
    points = _points(at)
    subject = subject_for(f, arity=_arity(points[0]))
    names = tuple(subject.variables)
    if len(names) == 1 and len(points) == 1 and not isinstance(points[0], Mapping) and _arity(points[0]) > 1:
        points = list(points[0])  # a function of one variable at several numbers
    ordered = [_ordered(p, names) for p in points]
    started = time.perf_counter()
    # a formula's graph has the same shape everywhere; a function's or a graph's may branch on its values
    same_shape = isinstance(subject, (FormulaSubject, SympySubject)) or hasattr(subject, "points")
    groups = [ordered] if same_shape else [[p] for p in ordered]
    checks = [c for g in groups for c in check_function(subject, g, policy, backend=backend)]
    hessians = [r for g in groups for r in check_hessian(subject, g, policy, backend=backend)] if order == 2 else []
    results = []
    for k, c in enumerate(checks):
        row = hessians[k] if hessians else {}
        results.append(PointResult(
            c.point, c.verdict, c.reason, c.value, c.value_exact, _partials(names, c), c.ground_truth, c.times,
            _hessian(names, row), row.get("verdict"), row.get("reason", ""),
            c.certified and row.get("certified", True),
        ))
    return Result(subject.formula, names, order, tuple(results), policy, time.perf_counter() - started,
                  tuple(checks), tuple(hessians))


def assert_gradients_agree(f: Any, at: Any, **options: Any) -> None:
    """:func:`check` (same arguments), raising ``AssertionError`` unless every point passes.

    The message names each failing point, the partial, its AD, exact and finite-difference values and the gap:

    >>> assert_gradients_agree(lambda x: x.log(), at=[2.0, -1.0])
    Traceback (most recent call last):
    ...
    AssertionError: gradients of lambda(x) fail at 1 of 2 points:
    at x=-1.0: out-of-domain: log(-1.0) is undefined: log needs x > 0
    """
    __tracebackhide__ = True  # pytest shows the caller's line
    result = check(f, at, **options)
    if not result.ok:
        bad = [p for p in result.points if not p.ok]
        lines = [f"gradients of {result.formula} fail at {len(bad)} of {len(result.points)} "
                 f"point{'s' * (len(result.points) != 1)}:"]
        for p in bad:
            first, *rest = p.failures()
            lines += [f"at {_point_text(p.point)}: {first}", *rest]
        raise AssertionError("\n".join(lines))
