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
    ``vjp(g, out, xs)`` returning the contributions to all its arguments.

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
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from .regions import (EXP_REGIONS, KINKED, LOG_REGIONS, POW_REGIONS, TAN_REGIONS, TERMS, Region, default_regions,
                      kink_regions, saturating, unary_regions, width_regions)

__all__ = ["Op", "Domain", "Kink", "Syntax", "Region", "OPS", "UNARY", "BINARY", "NARY", "DomainError"]


class DomainError(ValueError):
    """An op was applied outside its domain, or its result overflowed a float.

    The message names the op and the offending value; ``.op`` and ``.values``
    hold them for programs.

    >>> from toygrad import Value
    >>> Value(0.0).log()
    Traceback (most recent call last):
    ...
    toygrad.ops.DomainError: log(0.0) is undefined: log needs x > 0
    """

    def __init__(self, message: str, op: str | None = None, values: tuple = ()):
        super().__init__(message)
        self.op = op
        self.values = values


# ---------------------------------------------------------------- row parts


@dataclass(frozen=True)
class Domain:
    """Where an op is defined.

    ``test(*xs)`` is true inside; ``text`` says it in words (``"x > 0"``);
    ``sample`` gives, per argument, intervals that lie well inside, where the
    op is also smooth (no kinks, no boundary), for tests and for the
    random-function generator. n-ary ops give one entry that serves every
    argument.
    """

    text: str
    test: Callable[..., bool]
    sample: tuple[tuple[tuple[float, float], ...], ...]

    def intervals(self, i: int) -> tuple[tuple[float, float], ...]:
        """The sampling intervals of argument ``i`` (n-ary ops repeat the last)."""
        return self.sample[min(i, len(self.sample) - 1)]


EVERYWHERE_TEXT = "every real input"


def everywhere(arity: int, lo: float = -3.0, hi: float = 3.0) -> Domain:
    return Domain(EVERYWHERE_TEXT, lambda *xs: True, (((lo, hi),),) * arity)


@dataclass(frozen=True)
class Kink:
    """A point where an op is continuous but not differentiable.

    The kink is where argument ``arg`` equals ``at`` (``relu``), or, for a fused
    op, where ``of(xs)`` of all its arguments does (``relu_dot``: the dot
    product). The engine and the SymPy side both use ``slope`` as the
    derivative there (0 for ``relu`` and ``abs``, as in PyTorch); second
    derivatives at a kink are 0 as well.
    """

    arg: int | None
    at: float
    slope: float
    convention: str
    of: Callable[[Sequence[Any]], Any] | None = None

    def value(self, xs: Sequence[Any]) -> Any:
        """The quantity whose kink this is, from the op's arguments (floats or exact numbers)."""
        return xs[self.arg] if self.of is None else self.of(xs)


@dataclass(frozen=True)
class Syntax:
    """How an op prints, in the grammar that ``symbolic.parse`` reads back.

    ``template`` takes the operands' text (``"{0} + {1}"``, ``"sin({0})"``);
    n-ary ops use ``"dot({})"`` and get their operands joined by commas.
    ``prec`` is how tightly the printed form binds (Python's precedence);
    ``operand_prec[i]`` is the least precedence operand ``i`` may have
    without parentheses.
    """

    template: str
    prec: int
    operand_prec: tuple[int, ...]


ATOM = 100


@dataclass(frozen=True, eq=False)
class Op:
    """One row of the op table. See the module docstring."""

    name: str
    arity: int | None
    forward: Callable[..., float]
    sympy: Callable[..., Any]
    domain: Domain
    rules: tuple[Callable[..., Any], ...] = ()
    vjp: Callable[..., Sequence[Any]] | None = None
    kinks: tuple[Kink, ...] = ()
    syntax: Syntax | None = None  # None: a call, ``name(x)``
    method: str | None = None
    #: n-ary ops: (least, multiple), the counts of arguments they take; None for
    #: fixed arity (n-ary rows default to (1, 1): any count from one)
    nary: tuple[int, int] | None = None
    #: per argument: where the derivative with respect to that argument exists,
    #: checked when the argument is a variable (``x ** y`` needs ``x > 0``)
    grad_domain: tuple[Domain | None, ...] | None = None
    #: how the domain divides for testing (:mod:`toygrad.regions`); empty: a default from the domain
    regions: tuple[Region, ...] = ()
    doc: str = ""

    def __post_init__(self):
        if self.arity is None:
            if self.vjp is None or self.rules:
                raise TypeError(f"n-ary op {self.name!r} needs a vjp and no per-argument rules")
            if self.nary is None:
                object.__setattr__(self, "nary", (1, 1))
            least, multiple = self.nary
            if least < 1 or multiple < 1:
                raise TypeError(f"n-ary op {self.name!r} needs nary=(least, multiple) of positive counts, "
                                f"got {self.nary!r}")
        elif len(self.rules) != self.arity or self.vjp is not None:
            raise TypeError(f"op {self.name!r} of arity {self.arity} needs {self.arity} rules")
        elif self.nary is not None:
            raise TypeError(f"op {self.name!r} of arity {self.arity} takes no nary=(least, multiple)")
        if self.syntax is None:
            object.__setattr__(self, "syntax", Syntax(self.name + "({0})", ATOM, (0,)))
        if not self.regions:
            object.__setattr__(self, "regions", default_regions(self.arity, self.domain.test))

    def regions_at(self, xs: Sequence[float]) -> list[str]:
        """The names of the regions a call with float arguments ``xs`` lies in.

        >>> OPS["relu"].regions_at([0.0])
        ['at kink']
        """
        return [r.name for r in self.regions if r.contains(xs)]

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def accepts(self, n: int) -> bool:
        """Whether the op takes ``n`` arguments.

        >>> OPS["dot"].accepts(4), OPS["dot"].accepts(3), OPS["sin"].accepts(1)
        (True, False, True)
        """
        if self.arity is not None:
            return n == self.arity
        least, multiple = self.nary
        return n >= least and n % multiple == 0

    def argument_counts(self) -> str:
        """The counts of arguments the op takes, in words: ``sin takes {this}, got 2``.

        >>> OPS["mul"].argument_counts(), OPS["sum"].argument_counts(), OPS["dot"].argument_counts()
        ('2 arguments', 'at least one argument', 'an even number of arguments, at least 2')
        """
        if self.arity is not None:
            return f"{self.arity} argument{'s' * (self.arity != 1)}"
        least, multiple = self.nary
        if multiple == 1:
            return "at least one argument" if least == 1 else f"at least {least} arguments"
        if multiple == 2:
            return f"an even number of arguments, at least {least}"
        return f"a number of arguments that is a multiple of {multiple}, at least {least}"

    def describe(self, xs: Sequence[float]) -> str:
        """The call as text: ``log(0.0)``."""
        return f"{self.name}({', '.join(map(repr, xs))})"


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
    return _dot_vjp(g, out, xs) if step(out) else [g * 0.0] * len(xs)


def _sum_vjp(g, out, xs):
    return [g] * len(xs)


def _dot_sympy(sp, *args):
    n = len(args) >> 1
    return sp.Add(*[sp.Mul(w, x) for w, x in zip(args[:n], args[n:])])


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
       syntax=Syntax("{0}**{1}", 40, (41, 30)), regions=POW_REGIONS,
       doc="x ** y; a Value exponent needs x > 0, a constant one follows math.pow"),
    # ------------------------------------------------------------- unary
    Op("neg", 1, operator.neg, lambda sp, x: -x, everywhere(1),
       rules=(lambda g, out, x: -g,),
       syntax=Syntax("-{0}", 30, (30,))),
    Op("exp", 1, math.exp, lambda sp, x: sp.exp(x),
       everywhere(1),
       rules=(lambda g, out, x: g * out,),
       method="exp", regions=EXP_REGIONS),
    Op("log", 1, math.log, lambda sp, x: sp.log(x),
       Domain("x > 0", lambda x: x > 0.0, (((0.05, 10.0),),)),
       rules=(lambda g, out, x: g / x,),
       method="log", regions=LOG_REGIONS),
    Op("sin", 1, math.sin, lambda sp, x: sp.sin(x), everywhere(1, -4.0, 4.0),
       rules=(lambda g, out, x: g * cos(x),),
       method="sin", regions=unary_regions(15)),
    Op("cos", 1, math.cos, lambda sp, x: sp.cos(x), everywhere(1, -4.0, 4.0),
       rules=(lambda g, out, x: -g * sin(x),),
       method="cos", regions=unary_regions(15)),
    Op("tan", 1, _tan, lambda sp, x: sp.tan(x),
       Domain("cos(x) != 0", lambda x: math.cos(x) != 0.0, (((-1.3, 1.3),),)),
       rules=(lambda g, out, x: g * (1.0 + out * out),),
       method="tan", regions=TAN_REGIONS),
    Op("tanh", 1, math.tanh, lambda sp, x: sp.tanh(x), everywhere(1),
       rules=(lambda g, out, x: g * (1.0 - out * out),),
       method="tanh", regions=saturating(5.0, 19.0, 300.0)),
    Op("sigmoid", 1, _sigmoid, lambda sp, x: 1 / (1 + sp.exp(-x)), everywhere(1, -5.0, 5.0),
       rules=(lambda g, out, x: g * out * (1.0 - out),),
       method="sigmoid", regions=saturating(5.0, 37.0, 300.0)),
    Op("relu", 1, _relu, lambda sp, x: sp.Max(0, x), _AWAY_FROM_KINK,
       rules=(lambda g, out, x: g * step(x),),
       kinks=(Kink(0, 0.0, 0.0, "relu'(0) = 0"),),
       method="relu", regions=KINKED),
    Op("sqrt", 1, math.sqrt, lambda sp, x: sp.sqrt(x),
       Domain("x >= 0", lambda x: x >= 0.0, (((0.05, 10.0),),)),
       rules=(lambda g, out, x: g / (2.0 * out),),
       method="sqrt", regions=unary_regions(300, negative=False, zero=False), doc="defined at 0, but its derivative is not"),
    # Max(x, -x), not Abs(x): SymPy differentiates Abs of an expression it cannot
    # prove real (log(x), say) into a form that is 0/0 where that expression is 0.
    Op("abs", 1, math.fabs, lambda sp, x: sp.Max(x, -x), _AWAY_FROM_KINK,
       rules=(lambda g, out, x: g * sign(x),),
       kinks=(Kink(0, 0.0, 0.0, "abs'(0) = 0"),),
       method="abs", regions=KINKED),
    # ------------------------------------------------------------- fused n-ary
    Op("sum", None, _sum, lambda sp, *xs: sp.Add(*xs), everywhere(1),
       vjp=_sum_vjp, nary=(1, 1), syntax=Syntax("sum({})", ATOM, ()), regions=width_regions(TERMS),
       doc="x1 + x2 + ... as one node"),
    Op("dot", None, _dot, _dot_sympy, everywhere(1),
       vjp=_dot_vjp, nary=(2, 2), syntax=Syntax("dot({})", ATOM, ()), regions=width_regions(TERMS, per=2),
       doc="w1*x1 + ... + wn*xn as one node; arguments are w1..wn, x1..xn"),
    # a relu neuron as one node: half the nodes of a relu MLP (benchmarks/engine.py)
    Op("relu_dot", None, _relu_dot, lambda sp, *xs: sp.Max(0, _dot_sympy(sp, *xs)), everywhere(1),
       vjp=_relu_dot_vjp, nary=(2, 2), syntax=Syntax("relu_dot({})", ATOM, ()),
       kinks=(Kink(None, 0.0, 0.0, "relu_dot' = 0 where the dot product is 0", of=_dot),),
       regions=width_regions(TERMS, per=2) + kink_regions(of=_dot),
       doc="relu(w1*x1 + ... + wn*xn) as one node: a relu neuron"),
]

#: every op, by name, in table order
OPS: Mapping[str, Op] = {op.name: op for op in _ROWS}
UNARY: tuple[Op, ...] = tuple(op for op in _ROWS if op.arity == 1)
BINARY: tuple[Op, ...] = tuple(op for op in _ROWS if op.arity == 2)
NARY: tuple[Op, ...] = tuple(op for op in _ROWS if op.arity is None)
