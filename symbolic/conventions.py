"""SymPy's derivatives at kinks, made to follow the toolkit's convention.

SymPy differentiates ``Max(0, u)`` (relu) to ``Heaviside(u)``, which is 1/2 at
``u = 0``; the toolkit's convention, from the op table's ``Kink`` rows and the
same as PyTorch's, is a slope of 0 there: ``relu'(0) = abs'(0) = 0``. Giving
Heaviside the value 0 at 0 does exactly that for ``relu`` and for ``abs``
(written ``Max(u, -u)``, whose derivative ``H(2u) - H(-2u)`` is 0 at 0 for any
value of H(0)). Second derivatives at a kink are 0 as well: ``DiracDelta``
terms are dropped (they are 0 everywhere else).

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> at_kinks(sp.Max(0, x).diff(x)).subs(x, 0)
0
"""

from __future__ import annotations

import sympy as sp

from toygrad import OPS

__all__ = ["at_kinks", "HEAVISIDE_AT_ZERO"]

_slopes = {k.slope for op in OPS.values() for k in op.kinks}
if _slopes - {0.0}:  # pragma: no cover - guards a future row with another convention
    raise RuntimeError(f"symbolic.conventions handles kink slopes of 0 only, the op table has {_slopes}")

#: the value given to Heaviside(0): the slope of relu at its kink
HEAVISIDE_AT_ZERO = sp.Integer(0)


def at_kinks(expr: sp.Expr) -> sp.Expr:
    """``expr`` with Heaviside(0) = 0 and DiracDelta terms set to 0."""
    if expr.has(sp.Heaviside):
        expr = expr.replace(sp.Heaviside, lambda arg, *h0: sp.Heaviside(arg, HEAVISIDE_AT_ZERO))
    if expr.has(sp.DiracDelta):
        expr = expr.replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    return expr
