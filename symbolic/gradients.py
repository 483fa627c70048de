"""Symbolic gradients and Hessians of a toygrad graph, in tree mode and DAG mode.

*Tree mode* converts the whole graph to one SymPy expression and calls
``sympy.diff`` on it: shared subexpressions are copied, and the derivative
swells. *DAG mode* (:mod:`symbolic.program`) keeps one symbol per graph node and
differentiates each node's own expression. Both return a :class:`Program`,
which can be expanded, sized, evaluated exactly, or compiled.

>>> from toygrad import Value
>>> x, y = Value(1.0, label="x"), Value(2.0, label="y")
>>> f = (x * y).sin() + x
>>> gradient(f, mode="tree").outputs
(y*cos(x*y) + 1, x*cos(x*y))
>>> [float(v) for v in gradient(f, mode="dag").evaluate({"x": 1, "y": 2})] == [
...     float(v) for v in gradient(f, mode="tree").evaluate({"x": 1, "y": 2})]
True
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

import sympy as sp

from toygrad import Constant, Value, variables

from .backends import Backend, backend as get_backend
from .convert import symbols_of, to_expr
from .program import Program, SymbolicLimitError

__all__ = ["gradient", "hessian", "MODES"]

Mode = Literal["tree", "dag"]
MODES: tuple[str, ...] = ("tree", "dag")


def _wrt_symbols(value: Value, wrt: Sequence[Value] | None, b: Backend) -> tuple[dict, tuple[sp.Symbol, ...]]:
    if not isinstance(value, Value):
        raise TypeError(f"symbolic differentiation needs a toygrad Value, got {type(value).__name__} {value!r}")
    symbols = symbols_of(value, b)
    if not symbols:
        raise ValueError(f"the graph of {value!r} has no variables to differentiate with respect to")
    if wrt is None:
        return symbols, tuple(symbols[v] for v in variables(value))
    out = []
    for v in wrt:
        if not isinstance(v, Value) or v.op is not None:
            raise ValueError(f"wrt must hold variables (leaf Values) of the graph, got {v!r}")
        if v not in symbols:
            raise ValueError(f"{v!r} is not a variable of this graph")
        out.append(symbols[v])
    return symbols, tuple(out)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose 'tree' or 'dag'")


def _diff(expr: Any, s: Any, b: Backend) -> Any:
    try:
        return b.diff(expr, s)
    except RecursionError:
        raise SymbolicLimitError(
            "tree mode: sympy.diff met Python's recursion limit on this expression; DAG mode handles any depth"
        ) from None


def gradient(
    value: Value,
    wrt: Sequence[Value] | None = None,
    mode: Mode = "dag",
    with_value: bool = False,
    backend: "str | Backend" = "sympy",
    constants: Mapping[Constant, Any] | None = None,
) -> Program:
    """d value / d v for each variable ``v`` of ``wrt`` (default: every variable, in graph order).

    With ``with_value=True`` the value itself is the first output, then the partials.
    ``backend`` is ``"sympy"`` (the reference) or ``"symengine"`` (fast; the
    sympy backend if symengine cannot be imported, see
    :func:`symbolic.missing`). ``constants`` maps constant leaves to ``"pi"``
    or ``"e"`` (from :meth:`symbolic.Formula.build_named`).

    >>> from toygrad import Value
    >>> x = Value(0.0, label="x")
    >>> gradient((x.abs()).relu(), backend="symengine").balls({"x": 0.0})[0].mid  # abs'(0) = relu'(0) = 0
    0.0
    """
    _check_mode(mode)
    b = get_backend(backend)
    symbols, syms = _wrt_symbols(value, wrt, b)
    inputs = tuple(symbols[v] for v in variables(value))
    if mode == "dag":
        forward = Program.from_graph(value, symbols, b, constants)
        g = forward.gradient(wrt=syms)
        return Program(g.inputs, g.bindings, forward.outputs + g.outputs, b) if with_value else g
    expr = to_expr(value, b, symbols, constants=constants)
    return Program(inputs, (), ((expr,) if with_value else ()) + tuple(_diff(expr, s, b) for s in syms), b)


def hessian(
    value: Value,
    wrt: Sequence[Value] | None = None,
    mode: Mode = "dag",
    backend: "str | Backend" = "sympy",
    constants: Mapping[Constant, Any] | None = None,
) -> Program:
    """Second derivatives, row by row: output ``i * n + j`` is d2 value / d v_i d v_j."""
    _check_mode(mode)
    b = get_backend(backend)
    symbols, syms = _wrt_symbols(value, wrt, b)
    if mode == "dag":
        return Program.from_graph(value, symbols, b, constants).gradient(wrt=syms).jacobian(wrt=syms)
    first = gradient(value, wrt, mode="tree", backend=b, constants=constants)
    return Program(first.inputs, (), tuple(_diff(g, s, b) for g in first.outputs for s in syms), b)
