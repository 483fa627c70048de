"""The op table: every op of the toolkit, defined once.

Each row of :data:`OPS` holds everything the rest of the toolkit needs to know
about one op: how to compute it on floats, its local derivative rules, how it is
written in SymPy, where it is defined and smooth, where it has a kink and the
convention used there, and how it prints. The engine, the SymPy translation,
the random-function generator, the parser, the tests and the reports all loop
over this table, so adding an op is adding one row.

Derivative rules
    A fixed-arity op has one rule per argument (as in HIPS autograd's
    ``defvjp``): ``rule(g, out, *xs)`` returns the contribution of the upstream
    gradient ``g`` to that argument, given the op's output ``out`` and its
    inputs ``xs``. A rule is only called for arguments that need a gradient, so
    ``x ** 2`` never asks for ``log(x)``. An n-ary op (``arity=None``) has one
    ``vjp(g, out, xs)`` returning the contributions to all its arguments, or an
    empty sequence when every one is 0 (a relu neuron that is off), so that a
    sweep spends nothing on it.

    Rules are written once and run on two kinds of input: floats (the fast
    path of ``backward()``) and ``Value`` objects (to build a graph of the
    gradient for higher-order derivatives). The helpers :func:`sin`,
    :func:`cos`, :func:`log`, :func:`step` and :func:`sign` dispatch on the type.

Argument counts
    A fixed-arity op takes ``arity`` arguments. An n-ary op says which counts it
    takes with ``nary = (least, multiple)``: at least ``least`` arguments, in a
    count that is a multiple of ``multiple`` (``sum`` is ``(1, 1)``, ``dot`` is
    ``(2, 2)``: w1..wn, x1..xn). :meth:`Op.accepts` tests a count and
    :meth:`Op.argument_counts` says it in words, for error messages.

SymPy translation
    ``sympy(sp, *args)`` is handed the sympy module, so that ``toygrad`` itself
    never imports SymPy. Only the forward expression lives here: SymPy finds
    the derivatives on its own.

>>> OPS["log"].forward(1.0)
0.0
>>> OPS["mul"].rules[0](1.0, 6.0, 2.0, 3.0)  # d(x*y)/dx at x=2, y=3
3.0
"""

from __future__ import annotations

import math
import operator
from itertools import islice
from typing import Any, Callable, Mapping, Sequence

from .rows import ATOM, EVERYWHERE_TEXT, Domain, DomainError, Kink, Op, Syntax, everywhere

__all__ = ["Op", "Domain", "Kink", "Syntax", "OPS", "UNARY", "BINARY", "NARY", "DomainError", "ATOM"]

# ------------------------------------------------------ type-dispatching helpers
# A rule sees floats on the fast path and Values when building a gradient graph.


def _dispatch(name: str, on_float: Callable[[float], float]) -> Callable[[Any], Any]:
    def fn(x):
        return on_float(x) if x.__class__ is float else getattr(x, name)()

    fn.__name__ = name
    fn.__doc__ = f"{name}(x) on a float or a Value."
    return fn


sin = _dispatch("sin", math.sin)
cos = _dispatch("cos", math.cos)
log = _dispatch("log", math.log)


def _data(x: Any) -> float:
    return x if x.__class__ is float else x.data


def step(x: Any) -> float:
    """1 where x > 0, else 0 (a constant even when x is a Value)."""
    return 1.0 if _data(x) > 0.0 else 0.0


def sign(x: Any) -> float:
    """The sign of x, with sign(0) = 0 (a constant even when x is a Value)."""
    v = _data(x)
    return 1.0 if v > 0.0 else -1.0 if v < 0.0 else 0.0


# ------------------------------------------------------------- float forwards


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # never overflows for x < 0
    return e / (1.0 + e)


sigmoid = _dispatch("sigmoid", _sigmoid)


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def _tan(x: float) -> float:
    if math.cos(x) == 0.0:
        raise ValueError("tan pole")
    return math.tan(x)


def _sum(xs: Sequence[float]) -> float:
    return sum(xs)


def _dot(xs: Sequence[float]) -> float:
    n = len(xs) >> 1
    return sum(map(operator.mul, islice(xs, n), islice(xs, n, None)))  # islice: no copies


def _dot_vjp(g, out, xs):
    n = len(xs) >> 1
    return [g * x for x in xs[n:]] + [g * w for w in xs[:n]]


def _relu_dot(xs: Sequence[float]) -> float:
    return _relu(_dot(xs))


def _relu_dot_vjp(g, out, xs):
    return _dot_vjp(g, out, xs) if step(out) else ()  # off: no contribution (backward skips the neuron)


def _sum_vjp(g, out, xs):
    return [g] * len(xs)


def _dot_sympy(sp, *args):
    n = len(args) >> 1
    return sp.Add(*[sp.Mul(w, x) for w, x in zip(args[:n], args[n:])])


def _relu_dot_sympy(sp, *args):
    """``Max(0, dot)`` without SymPy's automatic evaluation, which asks assumptions of the whole dot product
    (about 35 ms for a 16-input neuron, against 0.2 ms); a module whose ``Max`` takes no such keyword builds
    it plainly."""
    dot = _dot_sympy(sp, *args)
    try:
        return sp.Max(0, dot, evaluate=False)
    except TypeError:
        return sp.Max(0, dot)


# ------------------------------------------------------------------ the table

_AWAY_FROM_KINK = Domain(EVERYWHERE_TEXT, lambda x: True, (((-3.0, -0.1), (0.1, 3.0)),))

_INFIX = {  # symbol, precedence, least precedence of (left, right) operand
    "+": (10, (10, 11)),
    "-": (10, (10, 11)),
    "*": (20, (20, 21)),
    "/": (20, (20, 21)),
}


def _infix(symbol: str) -> Syntax:
    prec, operands = _INFIX[symbol]
    return Syntax("{0} " + symbol + " {1}", prec, operands)


_ROWS: list[Op] = [
    # ------------------------------------------------------------ binary
    Op("add", 2, operator.add, lambda sp, x, y: x + y, everywhere(2),
       rules=(lambda g, out, x, y: g,
              lambda g, out, x, y: g),
       syntax=_infix("+")),
    Op("sub", 2, operator.sub, lambda sp, x, y: x - y, everywhere(2),
       rules=(lambda g, out, x, y: g,
              lambda g, out, x, y: -g),
       syntax=_infix("-")),
    Op("mul", 2, operator.mul, lambda sp, x, y: x * y, everywhere(2),
       rules=(lambda g, out, x, y: g * y,
              lambda g, out, x, y: g * x),
       syntax=_infix("*")),
    Op("div", 2, operator.truediv, lambda sp, x, y: x / y,
       Domain("y != 0", lambda x, y: y != 0.0, (((-3.0, 3.0),), ((-3.0, -0.3), (0.3, 3.0)))),
       rules=(lambda g, out, x, y: g / y,
              lambda g, out, x, y: -g * out / y),
       syntax=_infix("/")),
    Op("pow", 2, math.pow, lambda sp, x, y: sp.Pow(x, y),
       Domain("x > 0, or x < 0 with an integer y, or x = 0 with y >= 0",
              lambda x, y: x > 0.0 or (x < 0.0 and y.is_integer()) or (x == 0.0 and y >= 0.0),
              (((0.2, 3.0),), ((-2.5, 2.5),))),
       # a constant exponent 0: slope 0 everywhere, at x = 0 too (as in PyTorch), where the
       # formula would compute 0 ** -1; a Value exponent keeps the formula (its y-derivative is not 0)
       rules=(lambda g, out, x, y: 0.0 if y.__class__ is float and y == 0.0 else g * y * x ** (y - 1.0),
              lambda g, out, x, y: g * out * log(x)),
       grad_domain=(None, Domain("x > 0 when the exponent is a Value (d/dy x**y = x**y log x)",
                                 lambda x, y: x > 0.0, ((),))),
       syntax=Syntax("{0}**{1}", 40, (41, 30)),
       doc="x ** y; a Value exponent needs x > 0, a constant one follows math.pow"),
    # ------------------------------------------------------------- unary
    Op("neg", 1, operator.neg, lambda sp, x: -x, everywhere(1),
       rules=(lambda g, out, x: -g,),
       syntax=Syntax("-{0}", 30, (30,))),
    Op("exp", 1, math.exp, lambda sp, x: sp.exp(x),
       everywhere(1),
       rules=(lambda g, out, x: g * out,),
       method="exp"),
    Op("log", 1, math.log, lambda sp, x: sp.log(x),
       Domain("x > 0", lambda x: x > 0.0, (((0.05, 10.0),),)),
       rules=(lambda g, out, x: g / x,),
       method="log"),
    Op("sin", 1, math.sin, lambda sp, x: sp.sin(x), everywhere(1, -4.0, 4.0),
       rules=(lambda g, out, x: g * cos(x),),
       method="sin"),
    Op("cos", 1, math.cos, lambda sp, x: sp.cos(x), everywhere(1, -4.0, 4.0),
       rules=(lambda g, out, x: -g * sin(x),),
       method="cos"),
    Op("tan", 1, _tan, lambda sp, x: sp.tan(x),
       Domain("cos(x) != 0", lambda x: math.cos(x) != 0.0, (((-1.3, 1.3),),)),
       rules=(lambda g, out, x: g * (1.0 + out * out),),
       method="tan"),
    Op("tanh", 1, math.tanh, lambda sp, x: sp.tanh(x), everywhere(1),
       # 1 - tanh(x)**2 = 4 sigmoid(2x) sigmoid(-2x), with no cancellation where tanh saturates
       rules=(lambda g, out, x: 4.0 * g * sigmoid(2.0 * x) * sigmoid(-2.0 * x),),
       method="tanh"),
    Op("sigmoid", 1, _sigmoid, lambda sp, x: 1 / (1 + sp.exp(-x)), everywhere(1, -5.0, 5.0),
       # sigmoid(-x) for 1 - sigmoid(x): full relative accuracy where the op saturates
       rules=(lambda g, out, x: g * out * sigmoid(-x),),
       method="sigmoid"),
    Op("relu", 1, _relu, lambda sp, x: sp.Max(0, x), _AWAY_FROM_KINK,
       rules=(lambda g, out, x: g * step(x),),
       kinks=(Kink(0, 0.0, 0.0, "relu'(0) = 0"),),
       method="relu"),
    Op("sqrt", 1, math.sqrt, lambda sp, x: sp.sqrt(x),
       Domain("x >= 0", lambda x: x >= 0.0, (((0.05, 10.0),),)),
       rules=(lambda g, out, x: g / (2.0 * out),),
       method="sqrt", doc="defined at 0, but its derivative is not"),
    # Max(x, -x), not Abs(x): SymPy differentiates Abs of an expression it cannot
    # prove real (log(x), say) into a form that is 0/0 where that expression is 0.
    Op("abs", 1, math.fabs, lambda sp, x: sp.Max(x, -x), _AWAY_FROM_KINK,
       rules=(lambda g, out, x: g * sign(x),),
       kinks=(Kink(0, 0.0, 0.0, "abs'(0) = 0"),),
       method="abs"),
    # ------------------------------------------------------------- fused n-ary
    Op("sum", None, _sum, lambda sp, *xs: sp.Add(*xs), everywhere(1),
       vjp=_sum_vjp, nary=(1, 1), syntax=Syntax("sum({})", ATOM, ()),
       doc="x1 + x2 + ... as one node"),
    Op("dot", None, _dot, _dot_sympy, everywhere(1),
       vjp=_dot_vjp, nary=(2, 2), syntax=Syntax("dot({})", ATOM, ()),
       doc="w1*x1 + ... + wn*xn as one node; arguments are w1..wn, x1..xn"),
    # a relu neuron as one node: half the nodes of a relu MLP (benchmarks/engine.py)
    Op("relu_dot", None, _relu_dot, _relu_dot_sympy, everywhere(1),
       vjp=_relu_dot_vjp, nary=(2, 2), syntax=Syntax("relu_dot({})", ATOM, ()),
       kinks=(Kink(None, 0.0, 0.0, "relu_dot' = 0 where the dot product is 0", of=_dot),),
       doc="relu(w1*x1 + ... + wn*xn) as one node: a relu neuron"),
]

#: every op, by name, in table order
OPS: Mapping[str, Op] = {op.name: op for op in _ROWS}
UNARY: tuple[Op, ...] = tuple(op for op in _ROWS if op.arity == 1)
BINARY: tuple[Op, ...] = tuple(op for op in _ROWS if op.arity == 2)
NARY: tuple[Op, ...] = tuple(op for op in _ROWS if op.arity is None)
