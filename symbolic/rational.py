"""Exact rational values of expressions, where the expression allows them: how a kink is decided exactly.

A relu whose argument is exactly 0 at the point (``w1*x1 + w2*x2`` with
``w1*x1 == -w2*x2`` in binary) cannot be decided by balls that round: the ball
of the argument straddles 0 at every precision. When the argument is built from
sums, products, integer powers, ``Max``/``Min`` and ``Abs`` of the exact inputs,
its exact value settles it. Anything else (``sin``, ``pi``, ...) gives ``None``.

>>> import sympy as sp
>>> from fractions import Fraction
>>> x, y = sp.symbols("x y", real=True)
>>> values = RationalValues({x: Fraction(1, 10), y: Fraction(-3)}, {})
>>> values(x * 30 + y), values(sp.sin(x))
(Fraction(0, 1), None)
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Mapping

__all__ = ["RationalValues"]

#: the largest |integer exponent| computed exactly (x**10000 of a 53-bit x has 530,000 bits)
MAX_EXPONENT = 10_000


class RationalValues:
    """Exact values over ``inputs`` (symbol to Fraction) and ``bindings`` (symbol to expression), memoised.

    Calling it with an expression (SymPy or SymEngine) gives its Fraction, or
    None when some node is not rational arithmetic.
    """

    def __init__(self, inputs: Mapping[Any, Fraction], bindings: Mapping[Any, Any]):
        self.inputs = inputs
        self.bindings = bindings
        self.memo: dict[Any, Fraction | None] = {}

    def __call__(self, e: Any) -> Fraction | None:
        try:
            return self._value(e)
        except RecursionError:
            return None

    def _value(self, e: Any) -> Fraction | None:
        if e in self.memo:
            return self.memo[e]
        out: Fraction | None = None
        kind = type(e).__name__
        if e.is_Rational:
            out = Fraction(int(e.p), int(e.q))
        elif e.is_Symbol:
            out = self.inputs.get(e) if e not in self.bindings else self._value(self.bindings[e])
        elif kind in ("Add", "Mul", "Max", "Min"):
            parts = [self._value(a) for a in e.args]
            if None not in parts:
                if kind == "Add":
                    out = sum(parts, Fraction(0))
                elif kind == "Mul":
                    out = math.prod(parts, start=Fraction(1))
                else:
                    out = max(parts) if kind == "Max" else min(parts)
        elif kind == "Pow" and e.args[1].is_Integer and abs(int(e.args[1])) <= MAX_EXPONENT:
            base, n = self._value(e.args[0]), int(e.args[1])
            if base is not None and (base != 0 or n >= 0):
                out = base ** n
        elif kind == "Abs":
            inner = self._value(e.args[0])
            out = None if inner is None else abs(inner)
        self.memo[e] = out
        return out
