"""What can be checked: a Python callable, a formula, a SymPy expression, a toygrad graph, a random function.

A *subject* is anything with an ``id``, a ``formula`` (text), ``variables``
(names, in order) and ``build(point) -> Value``, which builds the toygrad
graph at a point given as ``{name: number}``. :func:`subject_for` turns what a
user hands to :func:`compare.check` into one:

>>> subject_for(lambda x, y: (x * y).sin()).variables
('x', 'y')
>>> subject_for("exp(a) * b").build({"a": 0.0, "b": 2.0}).data
2.0
>>> from toygrad import Value
>>> g = Value(3.0) * Value(4.0, label="w")
>>> s = subject_for(g)
>>> s.variables, s.build({"x0": 1.0, "w": 2.0}).data
(('w', 'x0'), 2.0)

New kinds plug in through :data:`KINDS`: a list of ``(test, factory)`` pairs,
tried in order (an adapter for another engine's functions adds one).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

import sympy as sp

from symbolic import Formula, from_sympy, parse
from toygrad import Constant, Value, apply, formula, topological, variable_names, variables

__all__ = [
    "Subject", "FormulaSubject", "CallableSubject", "SympySubject", "GraphSubject", "subject_for", "KINDS",
]


@runtime_checkable
class Subject(Protocol):
    """What :func:`compare.three_way.check_function` checks."""

    id: str
    variables: tuple[str, ...]

    @property
    def formula(self) -> str: ...

    def build(self, point: Mapping[str, float]) -> Value: ...


@dataclass(frozen=True)
class FormulaSubject:
    """A parsed formula (``symbolic.parse``: never ``eval``)."""

    parsed: Formula
    id: str = "formula"

    @property
    def variables(self) -> tuple[str, ...]:
        return self.parsed.variables

    @property
    def formula(self) -> str:
        return self.parsed.text

    def build(self, point: Mapping[str, float]) -> Value:
        return self.parsed.build(point)

    def build_named(self, point: Mapping[str, float]) -> tuple[Value, dict[Constant, str]]:
        """:meth:`build`, and the constant leaves that stand for ``pi`` and ``e`` (exact in the ground truth)."""
        return self.parsed.build_named(point)


@dataclass(frozen=True)
class CallableSubject:
    """A Python function of toygrad Values that returns a Value.

    Its variables are its parameters without defaults, by name; a function
    that takes ``*args`` gets ``x0, x1, ...`` (``arity`` of them). Positional
    parameters are passed by position, keyword-only ones by keyword. Values
    it closes over (a model's weights) are held fixed: constants of the check.
    """

    fn: Callable[..., Value]
    variables: tuple[str, ...]
    keyword: frozenset[str] = frozenset()
    id: str = "function"

    @classmethod
    def of(cls, fn: Callable[..., Value], arity: int | None = None) -> "CallableSubject":
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):  # a builtin without a signature: positional, by count
            params = ()
            if arity is None:
                raise TypeError(f"cannot read the parameters of {fn!r}; give the point as a sequence") from None
        names, keyword = [], set()
        for p in params:
            if p.kind is p.VAR_POSITIONAL:
                names += [f"x{i}" for i in range(len(names), max(arity or 0, len(names)))]
            elif p.default is p.empty and p.kind is not p.VAR_KEYWORD:
                names.append(p.name)
                if p.kind is p.KEYWORD_ONLY:
                    keyword.add(p.name)
        if not params and arity:
            names = [f"x{i}" for i in range(arity)]
        if not names:
            raise ValueError(f"{_name(fn)} takes no variables to differentiate")
        return cls(fn, tuple(names), frozenset(keyword), _name(fn))

    @property
    def formula(self) -> str:
        return f"{self.id}({', '.join(self.variables)})"

    def build(self, point: Mapping[str, float]) -> Value:
        missing = [n for n in self.variables if n not in point]
        if missing:
            raise ValueError(f"no value given for {', '.join(missing)} (variables of {self.id}: "
                             f"{', '.join(self.variables)})")
        values = {n: _leaf(point[n], n) for n in self.variables}
        out = self.fn(*(values[n] for n in self.variables if n not in self.keyword),
                      **{n: values[n] for n in self.keyword})
        if not isinstance(out, Value):
            raise TypeError(f"{self.id} must return a toygrad Value computed from its arguments, "
                            f"got {type(out).__name__} {out!r}")
        mine = {id(v) for v in values.values()}
        if any(id(v) not in mine for v in variables(out)):  # Values it closes over are fixed: constants here
            return _replay(out, lambda v: v if id(v) in mine else Constant(v.data))
        return out


def _leaf(x: Any, name: str) -> Value:
    """A number as a variable labelled ``name``; a Value (forward mode passes its own) as it is."""
    return x if isinstance(x, Value) else Value(x, label=name)


def _name(fn: Callable) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return "lambda" if name.endswith("<lambda>") else name


@dataclass(frozen=True)
class SympySubject:
    """A SymPy expression over real symbols (built with ``symbolic.from_sympy``)."""

    expr: sp.Expr
    id: str = "sympy"

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(sorted(s.name for s in self.expr.free_symbols))

    @property
    def formula(self) -> str:
        return str(self.expr)

    def build(self, point: Mapping[str, float]) -> Value:
        return from_sympy(self.expr, point)


@dataclass(frozen=True)
class GraphSubject:
    """A toygrad graph, rebuilt at each point (numbers, or Values) with the same ops and constants.

    Variables are named by their labels, unlabelled ones ``x0, x1, ...`` as in
    :func:`toygrad.formula`. The graph's own point is :attr:`point`.
    """

    graph: Value
    id: str = "graph"
    _names: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._names.update({id(v): name for v, name in variable_names(self.graph).items()})
        if not self._names:
            raise ValueError(f"the graph {formula(self.graph)} has no variables to differentiate")

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(self._names.values())

    @property
    def point(self) -> dict[str, float]:
        return {self._names[id(v)]: v.data for v in variable_names(self.graph)}

    @property
    def formula(self) -> str:
        return formula(self.graph)

    def build(self, point: Mapping[str, float]) -> Value:
        missing = [n for n in self.variables if n not in point]
        if missing:
            raise ValueError(f"no value given for {', '.join(missing)} (variables: {', '.join(self.variables)})")
        return _replay(self.graph, lambda v: _leaf(point[self._names[id(v)]], self._names[id(v)]))


def _replay(graph: Value, leaf: Callable[[Value], Any]) -> Value:
    """The graph's ops applied again, bottom up, to ``leaf(v)`` for each variable ``v`` (constants kept)."""
    built: dict[int, Any] = {}
    for node in topological(graph):
        if node.op is not None:
            built[id(node)] = apply(node.op, *(built[id(a)] if a.__class__ is not Constant else a for a in node.args))
        else:
            built[id(node)] = leaf(node)
    return built[id(graph)]


def _is_subject(f: Any) -> bool:
    return callable(getattr(f, "build", None)) and hasattr(f, "variables") and hasattr(f, "id")


#: How each kind of thing becomes a subject: ``(test, factory(thing, arity))``, tried in order.
KINDS: list[tuple[Callable[[Any], bool], Callable[[Any, int | None], Any]]] = [
    (lambda f: isinstance(f, str), lambda f, _: FormulaSubject(parse(f))),
    (lambda f: isinstance(f, Value), lambda f, _: GraphSubject(f)),
    (lambda f: isinstance(f, sp.Basic), lambda f, _: SympySubject(f)),
    (_is_subject, lambda f, _: f),
    (callable, CallableSubject.of),
]


def subject_for(f: Any, arity: int | None = None) -> Any:
    """``f`` as a subject: a formula string, a toygrad graph, a SymPy expression, a subject, or a callable.

    ``arity`` is how many variables a callable taking ``*args`` has.
    """
    for test, make in KINDS:
        if test(f):
            return make(f, arity)
    raise TypeError(f"cannot check {type(f).__name__} {f!r}: give a function of Values, a formula string, "
                    "a SymPy expression or a toygrad graph")
