"""The parts of an op-table row: :class:`Op` and what it is made of.

An :class:`Op` says how to compute one op on floats, its local derivative
rules, its SymPy form, where it is defined (:class:`Domain`), its kinks
(:class:`Kink`) and how it prints (:class:`Syntax`). The rows themselves live
in :mod:`toygrad.ops`; this module imports nothing from ``toygrad``, so every
other module can import it.

>>> from toygrad.ops import OPS
>>> OPS["mul"].evaluate([2.0, 3.0]), OPS["mul"].partials(6.0, [2.0, 3.0])
(6.0, [3.0, 2.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .regions import Region, default_regions

__all__ = ["Op", "Domain", "Kink", "Syntax", "DomainError", "everywhere", "EVERYWHERE_TEXT", "ATOM"]

class DomainError(ValueError):
    """An op was applied outside its domain, or its result overflowed a float.

    The message names the op and the offending value; ``.op`` and ``.values``
    hold them for programs.

    >>> from toygrad import Value
    >>> Value(0.0).log()
    Traceback (most recent call last):
    ...
    toygrad.rows.DomainError: log(0.0) is undefined: log needs x > 0
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

        >>> from toygrad.ops import OPS
        >>> OPS["relu"].regions_at([0.0])
        ['at kink']
        """
        return [r.name for r in self.regions if r.contains(xs)]

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def accepts(self, n: int) -> bool:
        """Whether the op takes ``n`` arguments.

        >>> from toygrad.ops import OPS
        >>> OPS["dot"].accepts(4), OPS["dot"].accepts(3), OPS["sin"].accepts(1)
        (True, False, True)
        """
        if self.arity is not None:
            return n == self.arity
        least, multiple = self.nary
        return n >= least and n % multiple == 0

    def argument_counts(self) -> str:
        """The counts of arguments the op takes, in words: ``sin takes {this}, got 2``.

        >>> from toygrad.ops import OPS
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

    def evaluate(self, xs: Sequence[Any]) -> Any:
        """The op at the arguments ``xs`` (a fixed-arity op's forward takes them one by one, an n-ary one as a list).

        >>> from toygrad.ops import OPS
        >>> OPS["add"].evaluate([1.0, 2.0]), OPS["dot"].evaluate([1.0, 2.0, 3.0, 4.0])
        (3.0, 11.0)
        """
        return self.forward(*xs) if self.arity is not None else self.forward(xs)

    def partials(self, out: Any, xs: Sequence[Any], wrt: Sequence[bool] | None = None) -> list[Any]:
        """The local derivatives d(out)/d(x_i) at ``xs``, given the output ``out`` (the rules at g = 1).

        ``wrt`` says, per argument, whether its derivative is wanted: a fixed-arity
        op gives 0.0 for an unwanted one without calling its rule (``x ** 2`` at
        x < 0 never asks for log x); an n-ary op's ``vjp`` gives them all.

        >>> from toygrad.ops import OPS
        >>> OPS["mul"].partials(6.0, [2.0, 3.0]), OPS["pow"].partials(4.0, [-2.0, 2.0], wrt=[True, False])
        ([3.0, 2.0], [-4.0, 0.0])
        """
        if self.arity is None:  # an empty vjp: every partial is 0
            return list(self.vjp(1.0, out, xs if isinstance(xs, list) else list(xs))) or [0.0] * len(xs)
        if wrt is None:
            return [rule(1.0, out, *xs) for rule in self.rules]
        return [rule(1.0, out, *xs) if w else 0.0 for rule, w in zip(self.rules, wrt)]

    def describe(self, xs: Sequence[float]) -> str:
        """The call as text: ``log(0.0)``."""
        return f"{self.name}({', '.join(map(repr, xs))})"
