"""The tolerance policy: how far a correct float gradient may be from the exact one.

A first-order running error analysis over the graph, at the point:

forward
    each value ``v = f(x_1..x_k)`` carries a bound ``e_v`` on its absolute
    rounding error: ``e_v = u (|v| + (k - 1) sum_j |d_j x_j|) + sum_j |d_j| e_j``,
    where ``d_j`` is the local derivative, ``u`` the unit roundoff, and inputs
    are exact (``e = 0``).
backward
    each adjoint ``a_v`` carries a bound ``r_v`` on its error:
    ``r_v = sum_p ( r_p |d_pv| + |a_p| D_pv + c u |a_p d_pv| )``, where
    ``D_pv`` is how much the local derivative moves when its inputs move by
    their forward bounds and its output by its own rounding (the rule
    evaluated at the moved values: ``sigmoid'`` reads ``out``), and
    ``c = 4`` covers the roundings inside a rule.

The tolerance of component ``i`` of the gradient is ``SAFETY * r_i`` plus
``SAFETY * u |a_i|``; the forward value's is ``SAFETY * e_out``. It grows with
the conditioning (cancellation, steep local derivatives) and stays near
``u`` times the gradient's size where the computation is benign, so that a
correct engine never fails it and a rule off by one part in a million does.

The bound uses the engine's local derivatives only as error *scales*: a rule
that is wrong moves the bound by as little as it moves the rule, while the
value it is compared with comes from SymPy.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from dataclasses import dataclass
from typing import Collection, Sequence

from toygrad import Constant, Value, topological

__all__ = ["Bounds", "error_bounds", "err_over_tol", "UNIT_ROUNDOFF", "UNDERFLOW", "SAFETY"]

UNIT_ROUNDOFF = sys.float_info.epsilon / 2
#: the absolute error of a rounding into the subnormal range (the smallest subnormal): every rounding
#: is ``v (1 + d) + e`` with |d| <= u and |e| <= UNDERFLOW, so results near 1e-310 keep a bound
UNDERFLOW = 2.0 ** -1074
SAFETY = 16.0
_RULE_ROUNDINGS = 4


@dataclass(frozen=True)
class Bounds:
    """Error scales of one graph at one point."""

    value: float  # bound on the forward value's error
    gradient: tuple[float, ...]  # bound on each variable's gradient error
    magnitude: tuple[float, ...]  # sum over paths of |products of local derivatives|
    value_magnitude: float = 0.0  # sum over paths of |products of local derivatives| times |input|

    def gradient_tolerance(self) -> tuple[float, ...]:
        return tuple(SAFETY * (r + UNIT_ROUNDOFF * m + UNDERFLOW) for r, m in zip(self.gradient, self.magnitude))

    def value_tolerance(self) -> float:
        return SAFETY * self.value


def err_over_tol(measured: Sequence[float], truth: Sequence[float], tolerance: Sequence[float]) -> float:
    """The worst ``|measured - truth| / tolerance`` over the components: below 1 is agreement.

    A component that equals the truth exactly counts 0 even where its tolerance is 0.

    >>> err_over_tol([1.0, 2.5], [1.0, 2.0], [1e-9, 1.0])
    0.5
    """
    worst = 0.0
    for m, t, tol in zip(measured, truth, tolerance):
        if m != t:
            worst = max(worst, abs(m - t) / tol if tol else math.inf)
    return worst


def _partials(node: Value, xs: Sequence[float], out: float) -> list[float]:
    """The node's local derivatives at ``xs`` (the rules are linear in g, so g = 1);
    0 for constant arguments, whose rule is never needed (``x ** 2`` at x < 0)."""
    wrt = [a.__class__ is not Constant for a in node.args]
    return [float(d) for d in node.op.partials(out, list(xs), wrt)]


def error_bounds(output: Value, variables: Sequence[Value], exact: Collection[int] = ()) -> Bounds:
    """Bounds for the float value and gradient of ``output`` at the graph's current point.

    ``exact`` holds the ids of nodes known to carry no error (their float value is their exact
    value, as the check finds for the argument of a kink op that sits exactly at its kink)."""
    u = UNIT_ROUNDOFF
    order = topological(output)
    err: dict[int, float] = {}
    size: dict[int, float] = {}
    local: dict[int, list[float]] = {}
    moved: dict[int, list[float]] = {}
    exact = set(exact)
    for node in order:
        if node.op is None:
            err[id(node)] = 0.0
            size[id(node)] = abs(node.data)
            exact.add(id(node))
            continue
        if _exact_rational(node, exact):
            exact.add(id(node))
        xs = [a.data for a in node.args]
        es = [0.0 if a.__class__ is Constant else err[id(a)] for a in node.args]
        try:
            d = _partials(node, xs, node.data)
        except (ArithmeticError, ValueError):
            d = [math.inf] * len(xs)
        local[id(node)] = d
        # u is applied before the products, so a bound stays finite wherever the values are
        spread = sum(u * abs(dj) * abs(xj) for dj, xj in zip(d, xs)) if len(xs) > 1 else 0.0
        err[id(node)] = 0.0 if id(node) in exact else (u * abs(node.data) + spread + len(xs) * UNDERFLOW
                                                       + sum(_times(dj, ej) for dj, ej in zip(d, es)))
        size[id(node)] = sum(_times(dj, abs(a.data) if a.__class__ is Constant else size[id(a)])
                             for dj, a in zip(d, node.args))
        moved[id(node)] = _local_motion(node, xs, es, d, id(node) in exact)

    adjoint: dict[int, float] = {id(output): 1.0}
    adj_err: dict[int, float] = {id(output): 0.0}
    for node in reversed(order):
        if node.op is None:
            continue
        a = adjoint.get(id(node), 0.0)
        r = adj_err.get(id(node), 0.0)
        if a == 0.0 and r == 0.0:
            continue
        for arg, dj, mj in zip(node.args, local[id(node)], moved[id(node)]):
            if arg.__class__ is Constant:
                continue
            key = id(arg)
            adjoint[key] = adjoint.get(key, 0.0) + _times(a, dj)
            adj_err[key] = (adj_err.get(key, 0.0) + _times(r, dj) + _times(a, mj)
                            + _RULE_ROUNDINGS * (_times(u * a, dj) + UNDERFLOW))
    return Bounds(
        err[id(output)],
        tuple(adj_err.get(id(v), 0.0) for v in variables),
        tuple(adjoint.get(id(v), 0.0) for v in variables),
        size[id(output)],
    )


#: ops whose exact result is a rational function of their arguments, computed by :func:`_rational`
_RATIONAL = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "neg": lambda a: -a, "sum": lambda *a: sum(a),
    "dot": lambda *a: sum(x * y for x, y in zip(a[: len(a) // 2], a[len(a) // 2:])),
}


def _exact_rational(node: Value, exact: set[int]) -> bool:
    """Whether a node of a rational op (add, sub, mul, div, neg, sum, dot) whose arguments are all
    exact (variables, constants, nodes found exact) rounded to nothing: its float is its exact value
    (``x * 2**k``, a Sterbenz subtraction), so it carries no error.

    >>> from toygrad import Value
    >>> x = Value(0.75, label="x")
    >>> _exact_rational(x * 4.0, {id(x)}), _exact_rational(x / 10.0, {id(x)})
    (True, False)
    """
    rule = _RATIONAL.get(node.op.name)
    if rule is None or not math.isfinite(node.data):
        return False
    if not all(a.__class__ is Constant or id(a) in exact for a in node.args):
        return False
    try:
        return rule(*[Fraction(a.data) for a in node.args]) == Fraction(node.data)
    except (ArithmeticError, ValueError, OverflowError):
        return False


def _times(scale: float, x: float) -> float:
    """``|scale * x|``, 0 when either is 0 (a zero weight on an unbounded term adds nothing, not NaN)."""
    if scale == 0.0 or x == 0.0:
        return 0.0
    return abs(scale) * abs(x)


def _local_motion(node: Value, xs: list[float], es: list[float], d: list[float], exact: bool = False) -> list[float]:
    """How far each local derivative moves when each input moves by its error bound (and the
    output by its own rounding, unless it is known to be exact)."""
    motion = [0.0] * len(xs)
    own = 0.0 if exact or node.data == 0.0 else UNIT_ROUNDOFF * abs(node.data) + UNDERFLOW  # rules read ``out``
    for step in (own, -own):
        try:
            moved = _partials(node, xs, node.data + step)
        except (ArithmeticError, ValueError):
            return [math.inf] * len(xs)
        motion = [max(m, abs(mj - dj)) for m, mj, dj in zip(motion, moved, d)]
    for k, ek in enumerate(es):
        if ek == 0.0:
            continue
        worst = [0.0] * len(xs)
        for step in (ek, -ek):
            shifted = list(xs)
            shifted[k] += step
            try:
                moved = _partials(node, shifted, node.op.evaluate(shifted))
            except (ArithmeticError, ValueError):
                return [math.inf] * len(xs)
            worst = [max(w, abs(mj - dj)) for w, mj, dj in zip(worst, moved, d)]
        motion = [m + w for m, w in zip(motion, worst)]
    return motion
