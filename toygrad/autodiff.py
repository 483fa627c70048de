"""Higher-order derivatives and forward mode, driven by the op table.

There is no second table of rules: everything here calls the rules of
:mod:`toygrad.ops`, the same ones ``backward()`` calls.

Reverse mode, functional
    :func:`grad` returns d(output)/d(v) for each ``v`` in ``wrt`` and leaves
    every ``.grad`` alone (like ``torch.autograd.grad``). With
    ``create_graph=True`` it calls the rules on Values instead of floats
    (an argument that is a :class:`~toygrad.engine.Constant` is handed over as
    its float, ``out`` is the node itself), so the gradients it returns are
    graphs, and can be differentiated again. :func:`hessian` does exactly that,
    reverse over reverse.

Forward mode
    :func:`jvp` pushes a tangent through the graph in topological order. The
    tangent of a node is ``sum_i rule_i(t_i, out, *xs)``: a rule computes
    ``g * d(out)/d(x_i)``, which is linear in ``g``, and for a scalar op the
    vector-Jacobian product of argument ``i`` and its Jacobian-vector product
    are the same number (the transpose of a 1x1 Jacobian is itself). So the
    reverse rule, handed the tangent ``t_i`` instead of a cotangent, is the
    forward rule. An n-ary row has one ``vjp(g, out, xs)``; by the same
    linearity ``vjp(1, out, xs)`` is the row of partial derivatives, dotted
    with the tangents. :func:`gradient_forward` runs one sweep per input.

Kinks
    ``relu`` and ``abs`` differentiate through :func:`toygrad.ops.step` and
    :func:`toygrad.ops.sign`, which return constants even on Values: the
    gradient graph does not depend on the argument there, so every derivative
    past the first is 0, at the kink too (``relu''(0) = abs''(0) = 0``).

Every walk is iterative over :func:`toygrad.graph.topological`, so graphs of any
depth work. Rules are plain functions of the table and a gradient graph points
at the nodes it was built from, never the other way, so no reference cycle is
made (only ``backward(create_graph=True)`` makes one, as in PyTorch, by storing
that graph in ``.grad``).

>>> from toygrad import Value
>>> x = Value(2.0)
>>> [dx] = grad(x ** 3, [x], create_graph=True)
>>> dx.data, grad(dx, [x])  # 3x**2 and 6x
(12.0, [12.0])
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Sequence

from .engine import Value
from .graph import topological
from .leaf import Constant, as_float, node_value
from .ops import DomainError
from .sweep import all_floats, no_derivative, reverse

__all__ = ["grad", "hessian", "jvp", "gradient_forward"]

_INF = math.inf


# ------------------------------------------------------------------ reverse mode


def grad(output: Value, wrt: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """The gradient of ``output`` with respect to each Value of ``wrt``, in order.

    A Value that ``output`` does not depend on gets 0. No ``.grad`` is read or
    written. With ``create_graph=False`` the gradients are floats and no node
    is made; with ``create_graph=True`` they are ``Value`` graphs built from the
    same rules, to be differentiated again (a gradient that depends on no
    variable is a new leaf ``Value`` holding the number).

    Raises :class:`~toygrad.ops.DomainError` where a derivative does not exist
    (``sqrt`` at 0) or overflows; ``TypeError`` if ``output`` or an entry of
    ``wrt`` is not a ``Value``.

    >>> from toygrad import Value
    >>> x, y = Value(2.0), Value(3.0)
    >>> grad(x * y + x, [x, y])
    [4.0, 2.0]
    >>> [dx, dy] = grad(x * x * y, [x, y], create_graph=True)  # 2xy, x**2
    >>> grad(dx, [x, y])  # 2y, 2x
    [6.0, 4.0]
    """
    _check_value(output, "output")
    wrt = _values(wrt)
    order = topological(output)
    grads = dict(zip(order, reverse(order, graph=create_graph)))
    result = [grads.get(v, 0.0) for v in wrt]
    if create_graph:
        result = [g if g.__class__ is Value else Value(g) for g in result]
    for i, g in enumerate(result):
        d = g if g.__class__ is float else g.data
        if not -_INF < d < _INF:
            raise DomainError(f"the gradient overflowed: d(output)/d(wrt[{i}]) is {d!r}")
    return result


def hessian(output: Value, wrt: Sequence[Value]) -> list[list[float]]:
    """The matrix of second derivatives of ``output``, as rows of floats.

    Reverse over reverse: :func:`grad` with ``create_graph=True``, then the
    gradient of each component. Row ``i`` holds d/d(wrt[j]) of d(output)/d(wrt[i]);
    the matrix is symmetric up to rounding (it is not symmetrised).

    >>> from toygrad import Value
    >>> x, y = Value(1.0), Value(2.0)
    >>> hessian(x * x * y, [x, y])  # [[2y, 2x], [2x, 0]]
    [[4.0, 2.0], [2.0, 0.0]]
    """
    return [grad(g, wrt) for g in grad(output, wrt, create_graph=True)]


# ------------------------------------------------------------------ forward mode


def jvp(f: Callable[..., Value], primals: Sequence[float], tangents: Sequence[float]) -> tuple[float, float]:
    """``(f(*primals), directional derivative of f along tangents)``, by forward mode.

    ``f`` takes one Value per primal and returns a Value (a number counts as a
    constant function). One forward sweep over the graph ``f`` builds, with
    the rules of the op table (see the module docstring for why the reverse
    rules serve).

    Raises ``ValueError`` if primals and tangents differ in length,
    ``TypeError`` for an entry that is not a real number, and
    :class:`~toygrad.ops.DomainError` where a derivative does not exist.

    >>> jvp(lambda x, y: x * y.sin(), [2.0, 0.0], [1.0, 1.0])  # sin(y) + x cos(y)
    (0.0, 2.0)
    """
    primals = _floats(primals, "primals")
    tangents = _floats(tangents, "tangents")
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp needs one tangent per primal, got {len(primals)} primals and {len(tangents)} tangents"
        )
    xs = [Value(p) for p in primals]
    out = _call(f, xs)
    if out.__class__ is float:
        return out, 0.0
    order = topological(out)
    return out.data, _push_forward(order, dict(zip(xs, tangents)))


def gradient_forward(f: Callable[..., Value], primals: Sequence[float]) -> list[float]:
    """The gradient of ``f`` at ``primals`` by forward mode: one sweep per input.

    The graph is built once and swept ``len(primals)`` times with unit
    tangents, so the cost grows with the number of inputs, where reverse mode
    (:func:`grad`) needs one sweep.

    >>> gradient_forward(lambda x, y: x * x * y, [3.0, 2.0])  # 2xy, x**2
    [12.0, 9.0]
    """
    primals = _floats(primals, "primals")
    xs = [Value(p) for p in primals]
    out = _call(f, xs)
    if out.__class__ is float:
        return [0.0] * len(xs)
    order = topological(out)
    return [_push_forward(order, {x: 1.0}) for x in xs]


def _push_forward(order: list[Value], seeds: dict[Value, float]) -> float:
    """The tangent of the root (last in ``order``), given the tangents of some leaves."""
    tangents = dict(seeds)
    get = tangents.get
    plain = all_floats(order)
    node = order[-1]
    try:
        for node in order:
            op = node.op
            if op is None:
                continue
            args = node.args
            ts = [get(a, 0.0) for a in args]
            if not any(ts):
                continue
            if plain:
                out, xs = node.data, [a.data for a in args]
            else:
                out, xs = node_value(node), [node_value(a) for a in args]
            t = 0.0
            if op.arity is None:  # the row of partials, dotted with the tangents
                for partial, ti in zip(op.partials(out, xs), ts):
                    if ti:
                        t += partial * ti
            else:  # each rule, handed the tangent for the cotangent
                for rule, ti in zip(op.rules, ts):
                    if ti:
                        t += rule(ti, out, *xs)
            tangents[node] = t
    except (ArithmeticError, ValueError) as exc:
        raise no_derivative(node, exc) from None
    t = get(order[-1], 0.0)
    if not -_INF < t < _INF:
        raise DomainError(f"the directional derivative overflowed: {t!r}")
    return t


# ------------------------------------------------------------------ argument checks


def _check_value(v: Any, what: str) -> None:
    if v.__class__ is not Value and not isinstance(v, Value):
        raise TypeError(f"{what} must be a Value, got {type(v).__name__} {v!r}")


def _values(wrt: Any) -> list[Value]:
    if not isinstance(wrt, Iterable) or isinstance(wrt, (str, bytes)):
        raise TypeError(f"wrt must be a list of Values, got {type(wrt).__name__} {wrt!r} (write [x] for one Value)")
    wrt = list(wrt)
    for i, v in enumerate(wrt):
        _check_value(v, f"wrt[{i}]")
    return wrt


def _floats(xs: Any, what: str) -> list[float]:
    if not isinstance(xs, Iterable) or isinstance(xs, (str, bytes)):
        raise TypeError(f"{what} must be a list of numbers, got {type(xs).__name__} {xs!r}")
    return [as_float(x, f"{what}[{i}]") for i, x in enumerate(xs)]


def _call(f: Callable[..., Any], xs: list[Value]) -> Value | float:
    """``f(*xs)`` as a Value, or as a float when f returned a number (a constant function)."""
    if not callable(f):
        raise TypeError(f"f must be a function of {len(xs)} Value(s), got {type(f).__name__} {f!r}")
    out = f(*xs)
    if isinstance(out, Value):
        return out
    if isinstance(out, Constant):
        return out.data
    return as_float(out, "the result of f")
