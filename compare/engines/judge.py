"""An engine's answer held against the exact one, with the tolerance policy of :mod:`compare.tolerance`.

The tolerance of every entry comes from the running error analysis of the
*toygrad graph of the same recipe* at the same point (:func:`tolerance`): the
same policy that judges toygrad judges every engine. A Hessian row's tolerance
is the policy applied to the graph of that gradient component, as in
:mod:`compare.second_order`. Where toygrad cannot build the graph (its domain
errors: ``exp(710)``) or its bound overflows, only the policy's floor is left: ``SAFETY`` roundings of
the exact value.

Verdicts, per check (one engine, one function, one point, one order), worst first:

``disagree``   a wrong value: a number outside the tolerance of the exact one, or NaN/inf where the
               exact value is a finite number.
``refused``    the engine raised an error where the exact value is a number.
``convention`` at a kink: not the toolkit's convention (relu'(0) = 0), but between the one-sided
               derivatives, so a valid choice (autograd's maximum gives relu'(0) = 0.5). Not an error.
``undefined``  the exact derivative is not a real number here (sqrt'(0)): whatever the engine returns
               is its convention; the report compares it with the other engines' (the majority).
``agree``      within the tolerance of the exact value.

``unsupported`` (the engine lacks an op) is decided before any of these.

>>> entry_verdict(1.0, 1.0 + 1e-16, 1e-15), entry_verdict(float("nan"), 1.0, 1e-15), entry_verdict(0.5, None, 0.0)
('agree', 'disagree', 'undefined')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from toygrad import DomainError, Value, grad

from ..tolerance import SAFETY, UNIT_ROUNDOFF, error_bounds
from .adapter import Entry, Outcome, kind
from .truth import Exact, build, _ordered

__all__ = ["Tolerance", "tolerance", "entry_verdict", "judge", "Judged", "VERDICTS", "WORSE"]

VERDICTS = ("agree", "convention", "undefined", "refused", "disagree", "unsupported")
#: how bad a verdict is, to pick a check's verdict from its entries
WORSE = {"agree": 0, "undefined": 1, "convention": 2, "refused": 3, "disagree": 4, "unsupported": 5}


@dataclass(frozen=True)
class Tolerance:
    """Per entry: how far a correct float result may be from the exact one, and its scale (for ulps)."""

    value: float
    gradient: list[float]
    scale: list[float]  # per partial: sum over paths of |products of local derivatives|
    hessian: list[list[float]] | None = None
    hessian_scale: list[list[float]] | None = None


def tolerance(recipe, point: Sequence[float], order: int = 1) -> Tolerance | None:
    """The policy's tolerances at ``point``, from toygrad's graph of the recipe; None if toygrad cannot build it.

    A variable the function does not use has tolerance 0 (its derivative is exactly 0).
    """
    n = len(recipe.variables)
    try:
        graph = build(recipe, point)
        wrt = _ordered(graph, recipe.variables)
        used = [recipe.variables.index(v.label) for v in wrt]
        bounds = error_bounds(graph, wrt)
        rows = [error_bounds(g, wrt) if isinstance(g, Value) else None
                for g in grad(graph, wrt, create_graph=True)] if order == 2 else []
    except DomainError:
        return None

    def spread(values: Sequence[Any], empty: Any = 0.0) -> list[Any]:
        out = [empty] * n
        for k, i in enumerate(used):
            out[i] = values[k]
        return out

    def matrix(part: str) -> list[list[float]] | None:
        if order == 1:
            return None
        return spread([spread(getattr(b, part)() if part == "gradient_tolerance" else b.magnitude) if b
                       else [0.0] * n for b in rows], [0.0] * n)

    return Tolerance(bounds.value_tolerance(), spread(bounds.gradient_tolerance()), spread(bounds.magnitude),
                     matrix("gradient_tolerance"), matrix("magnitude"))


def floor(exact: float) -> float:
    """The policy's floor, where no graph gives a bound: ``SAFETY`` roundings of the exact value."""
    return SAFETY * UNIT_ROUNDOFF * abs(exact)


def entry_verdict(got: Entry, exact: float | None, tol: float) -> str:
    """The verdict of one entry (see the module docstring; conventions are decided by :func:`judge`)."""
    if exact is None:
        return "undefined"
    k = kind(got)
    if k == "error":
        return "refused"
    if got == exact:
        return "agree"
    if k != "number" or math.isinf(exact):
        return "disagree"
    return "agree" if abs(got - exact) <= tol else "disagree"


def ulps(got: Entry, exact: float | None, scale: float = 0.0) -> float | None:
    """|got - exact| in units in the last place of the exact value (of ``scale`` if larger: terms that cancel)."""
    if exact is None or kind(got) != "number" or not math.isfinite(exact):
        return None
    size = max(abs(exact), abs(scale))
    return abs(got - exact) / math.ulp(size) if size else (0.0 if got == 0 else math.inf)


@dataclass
class Judged:
    """One check: the verdict and its worst entry (``partial`` names it: ``f``, ``d/dx``, ``d2/dxdy``)."""

    verdict: str
    partial: str = ""
    exact: float | None = None
    got: Entry = None
    ulps: float | None = None  # the worst over the entries compared
    err_tol: float | None = None  # the worst |got - exact| / tolerance
    reason: str = ""


def judge(out: Outcome, exact: Exact, tol: Tolerance | None, names: Sequence[str], order: int,
          sides: Sequence[Exact] = ()) -> Judged:
    """The verdict of an engine's outcome at ``order`` (1: value and gradient; 2: Hessian).

    ``sides`` are the exact derivatives beside the point (:meth:`Truth.around`), given at kinks:
    a value between them that is not the toolkit's convention is ``convention``.
    """
    if out.unsupported:
        return Judged("unsupported", reason=out.unsupported)
    entries = list(_entries(out, exact, tol, names, order, sides))
    if not entries:
        return Judged("agree")
    worst = max(entries, key=lambda e: (WORSE[e[0]], e[5] or 0.0))
    verdict, partial, e, got, _, _, _ = worst
    return Judged(
        verdict, partial, e, got,
        max((x[4] for x in entries if x[4] is not None), default=None),
        max((x[5] for x in entries if x[5] is not None), default=None),
    )


def _entries(out: Outcome, exact: Exact, tol: Tolerance | None, names, order, sides):
    """(verdict, partial, exact, got, ulps, err/tol, tolerance) for every entry of the order."""
    if order == 1:
        cells = [("f", out.value, exact.value, tol.value if tol else None, 0.0, [s.value for s in sides])]
        cells += [
            (f"d/d{n}", out.gradient[i], exact.gradient[i], tol.gradient[i] if tol else None,
             tol.scale[i] if tol else 0.0, [s.gradient[i] for s in sides])
            for i, n in enumerate(names)
        ]
    else:
        if out.hessian is None or exact.hessian is None:
            return
        cells = [
            (f"d2/d{a}d{b}", out.hessian[i][j], exact.hessian[i][j],
             tol.hessian[i][j] if tol and tol.hessian else None,
             tol.hessian_scale[i][j] if tol and tol.hessian_scale else 0.0,
             [s.hessian[i][j] for s in sides if s.hessian is not None])
            for i, a in enumerate(names) for j, b in enumerate(names)
        ]
    for partial, got, e, t, scale, beside in cells:
        if t is None or not math.isfinite(t):  # no graph, or its bound overflowed: the policy's floor
            t = floor(e) if e is not None and math.isfinite(e) else 0.0
        verdict = entry_verdict(got, e, t)
        if verdict == "disagree" and _between(got, beside, t):
            verdict = "convention"
        u = ulps(got, e, scale)
        if u is None:
            err_tol = None
        else:
            err_tol = abs(got - e) / t if t > 0 else (0.0 if got == e else math.inf)
        yield verdict, partial, e, got, u, err_tol, t


def _between(got: Entry, beside: Sequence[float | None], tol: float) -> bool:
    """``got`` lies between the one-sided values (with the tolerance), all of them real numbers."""
    values = [b for b in beside if b is not None and math.isfinite(b)]
    if kind(got) != "number" or len(values) < 2 or len(values) < len(beside):
        return False
    return min(values) - tol <= got <= max(values) + tol
