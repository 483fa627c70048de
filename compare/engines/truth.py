"""The exact derivatives of a recipe at a point: the one place that says where the ground truth comes from.

Today: ``symbolic``'s DAG-mode gradient and Hessian programs, evaluated as
certified python-flint balls at the exact binary value of the point
(:meth:`symbolic.Program.balls`; ``evalf`` only where a ball stays too wide);
where an entry is not a finite real (``sqrt'(0)``), each entry is evaluated on
its own from the tree-mode expressions, so the others still count. This module
is the only place that says so: a faster or another truth changes here.

An entry is a float (``inf`` when the exact value is real but beyond a double's
range: ``exp'(710)``) or ``None`` when the derivative is not a real number there.
Kinks follow the toolkit's convention (``relu'(0) = abs'(0) = 0``);
:meth:`Truth.around` gives the exact derivatives just beside the point, the
one-sided limits that bound any other engine's convention.

>>> from compare.generate import generate
>>> f = generate(seed=1, depth=2, index=0)
>>> truth = derive(f, order=2)
>>> exact = truth.at(f.points[0])
>>> len(exact.gradient), len(exact.hessian)
(3, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import sympy as sp

from symbolic import Program, SymbolicDomainError, exact, gradient, hessian
from toygrad import DomainError, Value, apply

from ..generate import Ref
from .adapter import Recipe

__all__ = ["Exact", "Truth", "derive", "build", "SIDE_STEP"]

#: how far beside the point :meth:`Truth.around` looks, relative to max(1, |x|): far below a double's
#: resolution, so the one-sided values are the limits to every digit a double holds
SIDE_STEP = Fraction(1, 2**80)


@dataclass(frozen=True)
class Exact:
    """Exact value, gradient and (if asked) Hessian at one point; None where not a real number."""

    value: float | None
    gradient: list[float | None]
    hessian: list[list[float | None]] | None = None


def build(recipe: Recipe, point: Sequence[float]) -> Value:
    """The toygrad graph of a recipe at a point (variables labelled by name); DomainError outside its domain."""
    values: list[Any] = [Value(float(x), label=name) for name, x in zip(recipe.variables, point)]
    for name, args in recipe.nodes:
        values.append(apply(name, *(values[a.index] if isinstance(a, Ref) else a for a in args)))
    return values[-1]


def _structure(recipe: Recipe, hints: Sequence[Sequence[float]]) -> Value:
    """A graph with the recipe's shape: SymPy needs only the shape, so any point where toygrad builds it will do."""
    n = len(recipe.variables)
    candidates = [*hints, *getattr(recipe, "points", ()), (1.0,) * n, (0.5,) * n, (2.0,) * n, (0.1,) * n]
    for p in candidates:
        try:
            return build(recipe, p)
        except DomainError:
            continue
    raise ValueError(f"no point among {candidates[:4]}... where the recipe can be built, to read its shape")


def _float(x: sp.Expr) -> float:
    return float(x)  # beyond a double's range: inf, as a correctly rounded float would be


class Truth:
    """The exact derivative programs of one recipe, derived once and evaluated at any point."""

    def __init__(self, recipe: Recipe, order: int = 1, hint: Sequence[float] | None = None):
        graph = _structure(recipe, [hint] if hint is not None else [])
        self.names = tuple(recipe.variables)
        self.order = order
        self._graph = graph
        variables = _ordered(graph, self.names)
        # a variable the function does not use has derivative 0: where each used one sits
        self._used = [self.names.index(v.label) for v in variables]
        self._first = gradient(graph, variables, mode="dag", with_value=True)
        self._second = hessian(graph, variables, mode="dag") if order == 2 else None
        self._tree: tuple[Program, Program | None] | None = None

    def at(self, point: Sequence[float], order: int | None = None) -> Exact:
        """The exact value, gradient and (order 2) Hessian at a float point."""
        return self._evaluate(dict(zip(self.names, (exact(float(x)) for x in point))), order or self.order)

    def around(self, point: Sequence[float], order: int | None = None) -> list[Exact]:
        """The exact derivatives a hair to each side of the point along each variable: one-sided limits."""
        base = [exact(float(x)) for x in point]
        out = []
        for i in range(len(base)):
            step = sp.Rational(SIDE_STEP) * max(1, abs(base[i]))
            for sign in (1, -1):
                moved = list(base)
                moved[i] = base[i] + sign * step
                out.append(self._evaluate(dict(zip(self.names, moved)), order or self.order))
        return out

    def _evaluate(self, env: dict[str, sp.Rational], order: int) -> Exact:
        n, used, m = len(self.names), self._used, len(self._used)
        env = {k: v for k, v in env.items() if self.names.index(k) in used}
        first = _entries(self._first, env, lambda: self._trees()[0])
        gradient: list[float | None] = [0.0] * n
        for k, i in enumerate(used):
            gradient[i] = first[1 + k]
        hess = None
        if order == 2:
            if self._second is None:
                raise ValueError("this Truth was derived for first order only: derive(recipe, order=2)")
            flat = _entries(self._second, env, lambda: self._trees()[1])
            hess = [[0.0] * n for _ in range(n)]
            for a, i in enumerate(used):
                for b, j in enumerate(used):
                    hess[i][j] = flat[a * m + b]
        return Exact(first[0], gradient, hess)

    def _trees(self) -> tuple[Program, Program | None]:
        """Tree-mode programs, one independent expression per entry (the slow path, entry by entry)."""
        if self._tree is None:
            variables = _ordered(self._graph, self.names)
            first = gradient(self._graph, variables, mode="tree", with_value=True)
            second = hessian(self._graph, variables, mode="tree") if self._second is not None else None
            self._tree = (first, second)
        return self._tree


def _ordered(graph: Value, names: Sequence[str]) -> list[Value]:
    from toygrad import variables

    by_label = {v.label: v for v in variables(graph)}
    return [by_label[n] for n in names if n in by_label]


def _entries(program: Program, env: dict[str, sp.Rational], tree) -> list[float | None]:
    """Every output of the program at ``env``: certified balls; entry by entry from the tree program where
    one is not a real number; ``evalf`` where a ball stays too wide or refuses a point evalf takes."""
    try:
        return [_entry(program, k, b, env) for k, b in enumerate(program.balls(env))]
    except SymbolicDomainError:
        pass
    whole = tree()
    out: list[float | None] = []
    for expr in whole.outputs:
        single = Program(whole.inputs, (), (expr,))
        try:
            out.append(_entry(single, 0, single.balls(env)[0], env))
        except SymbolicDomainError:  # the balls may refuse what evalf takes: (-2)**y at y = 3
            try:
                out.append(_float(single.evaluate(env)[0]))
            except SymbolicDomainError:
                out.append(None)
    return out


def _entry(program: Program, k: int, ball, env: dict[str, sp.Rational]) -> float | None:
    """A certified ball's double; otherwise the output evaluated by ``evalf`` (not certified)."""
    if ball.certified:
        return ball.mid
    try:
        return _float(program.evaluate(env)[k])
    except SymbolicDomainError:
        return None


def derive(recipe: Recipe, order: int = 1, hint: Sequence[float] | None = None) -> Truth:
    """The exact derivative programs of ``recipe`` (first order, or first and second: ``order=2``).

    ``hint``: a point where toygrad can build the recipe, if its own points are not.
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    return Truth(recipe, order, hint)
