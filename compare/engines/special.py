"""The special-point suite: every op where engines are most likely to part ways.

Kinks (exactly at them, and on the negative zero), domain boundaries that are
inside the domain (``sqrt(0)``, ``0 ** 2.5``), integer and zero exponents, zero
and negative bases, saturation of ``sigmoid`` and ``tanh``, the overflow and
underflow edges of ``exp``, huge arguments of ``sin``, poles of ``tan``
approached in floating point, and overflowing quotients. Each point is a
formula (read by ``symbolic.parse``) and a point, so it reruns as one line:
``python -m compare engines "relu(x)" --at x=0.0``.

>>> [p.formula for p in SPECIAL if p.op == "relu"][:2]
['relu(x)', 'relu(x)']
>>> sorted({p.op for p in SPECIAL}) == sorted(__import__("toygrad").OPS)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..generate import RandomFunction
from .recipes import from_formula

__all__ = ["SpecialPoint", "SPECIAL"]

_EXP_MAX = 709.782712893384  # the largest x with exp(x) finite in double precision
_HALF_PI = 1.5707963267948966  # pi/2 rounded: tan there is 1.6e16, not a pole
_TINY = 5e-324  # the smallest subnormal


@dataclass(frozen=True)
class SpecialPoint:
    """One op at one point where engines may differ, and what is special about it."""

    op: str
    formula: str
    point: tuple[float, ...]
    what: str

    @property
    def recipe(self) -> RandomFunction:
        return from_formula(self.formula, [self.point], id=f"{self.formula} at {self.at}")

    @property
    def at(self) -> str:
        """The point as ``--at`` takes it: ``x=0.0,y=-1.0``."""
        names = self.recipe_variables
        return ",".join(f"{n}={x!r}" for n, x in zip(names, self.point))

    @property
    def recipe_variables(self) -> tuple[str, ...]:
        return from_formula(self.formula).variables


def _p(op: str, formula: str, *point: float, what: str) -> SpecialPoint:
    return SpecialPoint(op, formula, tuple(point), what)


SPECIAL: tuple[SpecialPoint, ...] = (
    # ------------------------------------------------------------ binary
    _p("add", "x + y", 1e308, 1e308, what="the sum overflows"),
    _p("add", "x + 1.0", -1.0, what="the sum is exactly 0"),
    _p("sub", "x - y", 0.1, 0.1, what="the difference is exactly 0"),
    _p("mul", "x * y", 0.0, 0.0, what="both factors 0"),
    _p("mul", "x * x", -0.0, what="a shared factor at -0.0"),
    _p("div", "x / y", 1.0, 1e-300, what="d/dy = -x/y**2 overflows"),
    _p("div", "x / y", 0.0, -2.0, what="numerator 0"),
    _p("div", "1.0 / x", 1e-310, what="a subnormal divisor: the quotient overflows"),
    _p("pow", "x**0.0", 0.0, what="zero exponent at a zero base (0**0 = 1)"),
    _p("pow", "x**0.0", -2.0, what="zero exponent at a negative base"),
    _p("pow", "x**1.0", 0.0, what="exponent 1 at a zero base"),
    _p("pow", "x**2.0", 0.0, what="exponent 2 at a zero base"),
    _p("pow", "x**3.0", -2.0, what="odd integer exponent, negative base"),
    _p("pow", "x**-1.0", -2.0, what="negative integer exponent, negative base"),
    _p("pow", "x**-2.0", -0.5, what="negative even exponent, negative base"),
    _p("pow", "x**2.5", 0.0, what="a real exponent at a zero base (inside the domain)"),
    _p("pow", "x**0.5", 0.0, what="a real exponent below 1 at a zero base (boundary)"),
    _p("pow", "x**y", -2.0, 3.0, what="a Value exponent on a negative base"),
    _p("pow", "x**y", 2.0, 0.0, what="a Value exponent at 0"),
    _p("pow", "2.0**x", 0.0, what="a constant base"),
    # ------------------------------------------------------------- unary
    _p("neg", "-x", 0.0, what="negation of 0"),
    _p("exp", "exp(x)", _EXP_MAX, what="the largest finite exp"),
    _p("exp", "exp(x)", 710.0, what="exp overflows"),
    _p("exp", "exp(x)", -745.0, what="exp underflows to a subnormal"),
    _p("exp", "exp(x)", -746.0, what="exp underflows to 0"),
    _p("log", "log(x)", _TINY, what="the smallest subnormal: log' overflows"),
    _p("log", "log(x)", 1e-300, what="a tiny argument"),
    _p("log", "log(x)", 1.0, what="log is exactly 0"),
    _p("sin", "sin(x)", 1e22, what="a huge argument (range reduction)"),
    _p("sin", "sin(x)", 0.0, what="0"),
    _p("cos", "cos(x)", _HALF_PI, what="next to a zero of cos"),
    _p("tan", "tan(x)", _HALF_PI, what="next to a pole: tan = 1.6e16"),
    _p("tan", "tan(x)", 0.0, what="0"),
    _p("tanh", "tanh(x)", 20.0, what="saturated: tanh rounds to 1"),
    _p("tanh", "tanh(x)", -400.0, what="deeply saturated"),
    _p("tanh", "tanh(x)", 0.0, what="0"),
    _p("sigmoid", "sigmoid(x)", 36.0, what="nearly saturated: 1 - sigmoid is one ulp"),
    _p("sigmoid", "sigmoid(x)", 40.0, what="saturated: sigmoid rounds to 1"),
    _p("sigmoid", "sigmoid(x)", -40.0, what="saturated on the left"),
    _p("sigmoid", "sigmoid(x)", 800.0, what="exp(-x) underflows"),
    _p("sigmoid", "sigmoid(x)", -800.0, what="exp(-x) overflows"),
    _p("relu", "relu(x)", 0.0, what="the kink"),
    _p("relu", "relu(x)", -0.0, what="the kink, at -0.0"),
    _p("relu", "relu(x)", _TINY, what="just right of the kink"),
    _p("sqrt", "sqrt(x)", 0.0, what="the domain boundary: sqrt' is infinite"),
    _p("sqrt", "sqrt(x)", _TINY, what="the smallest subnormal"),
    _p("abs", "abs(x)", 0.0, what="the kink"),
    _p("abs", "abs(x)", -0.0, what="the kink, at -0.0"),
    # ------------------------------------------------------------- fused n-ary
    _p("sum", "sum(x, y, 2.0)", 0.0, -2.0, what="the sum is exactly 0"),
    _p("dot", "dot(x, y, x, y)", 0.0, 0.0, what="x*x + y*y at 0"),
    _p("relu_dot", "relu_dot(x, y, 1.0, 1.0)", 1.0, -1.0, what="the kink: the dot product is 0"),
    _p("relu_dot", "relu_dot(x, y, x, y)", 0.0, 0.0, what="the kink at the origin"),
)
