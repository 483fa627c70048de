"""What every engine adapter shares: building a recipe from a table, and capturing what the engine returns.

An adapter is a table (op name -> the engine's function, called with the op's
arguments: engine scalars or float constants) and a way to differentiate a
Python function of engine scalars (:attr:`Adapter.derivatives`). It builds a
random function from its recipe (:class:`compare.generate.RandomFunction`:
``nodes`` of op names over ``Ref`` arguments and float constants) and returns
an :class:`Outcome`: the value, the gradient and, where the engine has it, the
Hessian. Whatever the engine does (an exception, NaN, inf) becomes a value of
the outcome, never an exception of the sweep. An op missing from the table is
``not supported by ENGINE``.

>>> from compare.engines import load
>>> from compare.generate import generate
>>> toy = load("toygrad")
>>> f = generate(seed=1, depth=2, index=0)
>>> out = toy.run(f, f.points[0], order=2)
>>> len(out.gradient), len(out.hessian), out.unsupported
(3, 3, '')
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..generate import Ref

__all__ = ["Adapter", "Outcome", "Recipe", "Entry", "kind", "ERROR"]

#: an entry of an outcome: a float (NaN and inf included) or ``"error: ..."``
Entry = Any
ERROR = "error: "


class Recipe:
    """What an adapter reads of a random function: ``variables`` and ``nodes`` (see :mod:`compare.generate`)."""

    variables: tuple[str, ...]
    nodes: tuple[tuple[str, tuple], ...]


@dataclass
class Outcome:
    """What one engine returned for one function at one point."""

    engine: str
    value: Entry = math.nan
    gradient: list[Entry] = field(default_factory=list)
    hessian: list[list[Entry]] | None = None  # None: not asked, or the engine has no second order
    unsupported: str = ""  # why the engine cannot build this function, or ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kind(entry: Entry) -> str:
    """``number``, ``nan``, ``inf`` or ``error``: what an engine returned.

    >>> kind(1.0), kind(float("-inf")), kind(float("nan")), kind("error: ZeroDivisionError")
    ('number', 'inf', 'nan', 'error')
    """
    if isinstance(entry, str):
        return "error"
    if math.isnan(entry):
        return "nan"
    return "inf" if math.isinf(entry) else "number"


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{ERROR}{type(exc).__name__}" + (f": {text[:120]}" if text else "")


def _number(x: Any) -> Entry:
    """A float from whatever scalar the engine returned, or an error entry (a complex number, say)."""
    try:
        if isinstance(x, complex) or getattr(getattr(x, "dtype", None), "kind", "") == "c":
            return f"{ERROR}complex result {complex(x)!r}"
        return float(x)
    except (TypeError, ValueError, OverflowError) as exc:
        return _error(exc)


@dataclass(frozen=True)
class Adapter:
    """One engine: its op table and how it differentiates.

    ``derivatives(f, xs, order)`` takes ``f`` (a Python function of a list of
    engine scalars, built from the table) and the point, and returns
    ``(value, gradient, hessian)`` in any numeric form (``hessian`` is None for
    ``order=1``). ``limits`` may refuse a use of an op that the table has only
    in part: ``limits[name](args)`` returns why, or "".
    """

    name: str
    table: Mapping[str, Callable[..., Any]]
    derivatives: Callable[[Callable[[list], Any], Sequence[float], int], tuple]
    second_order: bool = True
    limits: Mapping[str, Callable[[tuple], str]] = field(default_factory=dict)
    version: str = ""

    def missing(self, recipe: Recipe) -> str:
        """Why the engine cannot build ``recipe``, or "" if it can."""
        absent = sorted({name for name, _ in recipe.nodes if name not in self.table})
        if absent:
            return f"not supported by {self.name}: {', '.join(absent)}"
        for name, args in recipe.nodes:
            why = self.limits.get(name, lambda a: "")(args)
            if why:
                return f"not supported by {self.name}: {why}"
        return ""

    def function(self, recipe: Recipe) -> Callable[[list], Any]:
        """The recipe as a Python function of a list of engine scalars (one per variable)."""
        table = self.table
        nodes = [(table[name], args) for name, args in recipe.nodes]

        def f(xs: list) -> Any:
            values = list(xs)
            for fn, args in nodes:
                values.append(fn(*(values[a.index] if isinstance(a, Ref) else a for a in args)))
            return values[-1]

        return f

    def run(self, recipe: Recipe, point: Sequence[float], order: int = 1) -> Outcome:
        """Value, gradient and (``order=2``, if the engine has it) Hessian of ``recipe`` at ``point``."""
        n = len(recipe.variables)
        out = Outcome(self.name, unsupported=self.missing(recipe))
        if out.unsupported:
            out.value, out.gradient = math.nan, [math.nan] * n
            return out
        f = self.function(recipe)
        order = order if self.second_order else 1
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a NaN or inf is the finding, not a warning to print
            value, gradient, hessian = self._attempt(f, point, order, n)
            if order == 2 and isinstance(value, str):  # maybe only the second order failed
                first = self._attempt(f, point, 1, n)
                if not isinstance(first[0], str):
                    value, gradient = first[0], first[1]
        out.seconds = time.perf_counter() - start
        out.value = value if isinstance(value, str) else _number(value)
        out.gradient = [g if isinstance(g, str) else _number(g) for g in gradient]
        if order == 2:
            out.hessian = [[h if isinstance(h, str) else _number(h) for h in row] for row in hessian]
        return out

    def _attempt(self, f: Callable[[list], Any], point: Sequence[float], order: int, n: int) -> tuple:
        try:
            return self.derivatives(f, [float(x) for x in point], order)
        except Exception as exc:  # noqa: BLE001 - anything the engine raises is its answer
            e = _error(exc)
            return e, [e] * n, [[e] * n for _ in range(n)] if order == 2 else None
