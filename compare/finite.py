"""Central differences and their error estimate: the one finite-difference routine of the toolkit.

The step for a variable at ``x`` is ``h = STEP * max(1, |x|)`` with ``STEP =
eps**(1/3)``, which balances truncation (``~h**2``) against rounding
(``~eps / h``). Each derivative is taken at ``h`` and at ``2 h``: their
difference measures the truncation error, and the forward value's own error
bound over ``h`` the rounding; :meth:`Estimate.tolerance` adds the two, times
:data:`FD_SAFETY`.

>>> import math
>>> est = difference(math.sin, 1.0)
>>> abs(est.value - math.cos(1.0)) <= est.tolerance(value_error=1e-16, exact=math.cos(1.0))
True
>>> [round(d, 9) for d in partials(lambda xs: xs[0] * xs[1], [3.0, 4.0])]
[4.0, 3.0]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Sequence

__all__ = ["STEP", "FD_SAFETY", "EPS", "Estimate", "step", "difference", "differences", "gradient", "partials", "jacobian"]

EPS = sys.float_info.epsilon
#: the relative central-difference step: eps**(1/3)
STEP = EPS ** (1 / 3)
#: a finite difference may be off by this many times its own error estimate
FD_SAFETY = 10.0


def step(x: float, relative: float = STEP) -> float:
    """The step at ``x``: ``relative * max(1, |x|)``."""
    return relative * max(1.0, abs(x))


@dataclass(frozen=True)
class Estimate:
    """A central difference (``value``), how much it moved when the step doubled (``spread``), and the step."""

    value: float
    spread: float
    step: float

    def tolerance(self, value_error: float, exact: float = 0.0, safety: float = FD_SAFETY) -> float:
        """How far ``value`` may be from the true derivative ``exact``.

        ``value_error`` bounds the error of each evaluation of the function;
        truncation is ``spread / 3`` (Richardson: the error at ``h`` is a third
        of the change from ``h`` to ``2 h``), rounding ``value_error / h``.
        """
        return safety * (self.spread / 3 + value_error / self.step) + 4 * EPS * abs(exact)


def _central(f: Callable[[float], Sequence[float]], x: float, h: float) -> list[float]:
    plus, minus = x + h, x - h
    width = plus - minus  # the step actually taken, after rounding
    return [(a - b) / width for a, b in zip(f(plus), f(minus))]


def differences(f: Callable[[float], Sequence[float]], x: float, relative: float = STEP) -> list[Estimate]:
    """d f_k / d x for each output ``f_k`` of a vector function of one number, at steps ``h`` and ``2 h``.

    Exceptions from ``f`` (a step that leaves the domain) propagate.
    """
    h = step(x, relative)
    near, far = _central(f, x, h), _central(f, x, 2 * h)
    return [Estimate(a, abs(a - b), h) for a, b in zip(near, far)]


def difference(f: Callable[[float], float], x: float, relative: float = STEP) -> Estimate:
    """d f / d x of a function of one number (see :func:`differences`)."""
    return differences(lambda t: (f(t),), x, relative)[0]


def _moved(xs: Sequence[float], i: int, t: float) -> list[float]:
    out = list(xs)
    out[i] = t
    return out


def gradient(f: Callable[[list[float]], float], xs: Sequence[float], relative: float = STEP) -> list[Estimate]:
    """d f / d xs[i] with its estimate, for each ``i``: :func:`difference` along each variable."""
    return [difference(lambda t, i=i: f(_moved(xs, i, t)), x, relative) for i, x in enumerate(xs)]


def partials(f: Callable[[list[float]], float], xs: Sequence[float], relative: float = STEP) -> list[float]:
    """The gradient of ``f`` (a function of a list of numbers) at ``xs``, by central differences at step ``h``."""
    return [_central(lambda t: (f(_moved(xs, i, t)),), xs[i], step(xs[i], relative))[0] for i in range(len(xs))]


def jacobian(f: Callable[[list[float]], Sequence[float]], xs: Sequence[float],
             relative: float = STEP) -> list[list[float]]:
    """``J[k][i] = d f(xs)[k] / d xs[i]`` by central differences at step ``h``."""
    columns = [_central(lambda t: f(_moved(xs, i, t)), xs[i], step(xs[i], relative)) for i in range(len(xs))]
    return [list(row) for row in zip(*columns)]
