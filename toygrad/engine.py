"""The scalar autograd engine: a ``Value`` per node, reverse mode ``backward()``.

The public surface is micrograd's, so code written for micrograd runs after
swapping the import:

>>> from toygrad import Value
>>> a = Value(-4.0)
>>> b = Value(2.0)
>>> c = a + b
>>> d = a * b + b**3
>>> e = (d - c).relu() + (a * b).sigmoid()
>>> e.backward()
>>> round(a.grad, 6), round(b.grad, 6)
(1.00067, 6.998659)

Every op comes from the op table (:mod:`toygrad.ops`); this module only applies
rows of it. A node keeps its op, its arguments as an ordered tuple and its
value; numbers mixed into an operation become :class:`Constant` leaves, values a
user makes are variables.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from .graph import topological
from .leaf import Constant, as_float, check_label, node_value
from .ops import OPS, UNARY, DomainError, Op
from .sweep import accumulate, reverse

__all__ = ["Value", "Constant", "apply", "sum", "dot", "DomainError"]

_INF = math.inf


class _Deferred(TypeError):
    """An operand numpy handles elementwise (an array): the operator returns NotImplemented."""


def _lift(x: Any) -> "Value | Constant":
    cls = x.__class__
    if cls is Value or cls is Constant:
        return x
    if cls is not float and cls is not int:
        if isinstance(x, (Value, Constant)):
            return x
        if getattr(x, "ndim", 0) and hasattr(x, "__array_ufunc__"):  # an ndarray: numpy maps the op over it
            raise _Deferred
    c = _new_constant(Constant)
    c.data = as_float(x, "an operand of a Value")
    return c


_new_constant = Constant.__new__


class Value:
    """A scalar node of the graph: ``Value(data, label=None)``.

    A Value you make is a variable leaf; ops on Values make op nodes. ``label``
    names a variable in formulas and in SymPy, so it is one the formula
    grammar reads back as a variable: an ASCII identifier (``speed``,
    ``x_1``), not a Python keyword and not the name of a function of the op
    table (``sin``, ``relu``, ``sum``, ...); anything else is a ``ValueError``.

    ``backward()`` adds d(self)/d(node) to ``.grad`` of every node it reaches.
    On variables this accumulates across calls, as in PyTorch: call
    ``zero_grad()`` (or set ``.grad = 0``) between steps. An op node's ``.grad``
    holds the gradient of the most recent ``backward()`` that reached it.
    """

    __slots__ = ("data", "grad", "op", "args", "label", "_adjoint")  # _adjoint: the reverse sweep's running total

    def __init__(self, data: Any, label: str | None = None):
        self.data = as_float(data, "Value")
        self.grad = 0.0
        self.op = None
        self.args = ()
        if label is not None:
            check_label(label)
        self.label = label

    @property
    def val(self) -> float:
        """Another name for ``data`` (the blog's toygrad reads ``.val``)."""
        return self.data

    @val.setter
    def val(self, value: Any) -> None:
        self.data = value

    # ------------------------------------------------------------ operators
    # A numpy array on either side maps the op over its elements (an object array
    # of Values results); a numpy scalar is a number like any other.
    def __add__(self, other):  # self + other
        try:
            return _apply(_ADD, (self, other if other.__class__ is Value else _lift(other)))
        except _Deferred:
            return NotImplemented

    def __radd__(self, other):  # other + self
        return _apply(_ADD, (_lift(other), self))

    def __sub__(self, other):  # self - other
        try:
            return _apply(_SUB, (self, other if other.__class__ is Value else _lift(other)))
        except _Deferred:
            return NotImplemented

    def __rsub__(self, other):  # other - self
        return _apply(_SUB, (_lift(other), self))

    def __mul__(self, other):  # self * other
        try:
            return _apply(_MUL, (self, other if other.__class__ is Value else _lift(other)))
        except _Deferred:
            return NotImplemented

    def __rmul__(self, other):  # other * self
        return _apply(_MUL, (_lift(other), self))

    def __truediv__(self, other):  # self / other
        try:
            return _apply(_DIV, (self, other if other.__class__ is Value else _lift(other)))
        except _Deferred:
            return NotImplemented

    def __rtruediv__(self, other):  # other / self
        return _apply(_DIV, (_lift(other), self))

    def __pow__(self, other):  # self ** other
        try:
            return _apply(_POW, (self, other if other.__class__ is Value else _lift(other)))
        except _Deferred:
            return NotImplemented

    def __rpow__(self, other):  # other ** self
        return _apply(_POW, (_lift(other), self))

    def __neg__(self):  # -self
        return _apply(_NEG, (self,))

    def __pos__(self):  # +self
        return self

    def __abs__(self):  # abs(self)
        return _apply(_ABS, (self,))

    # -------------------------------------------------------------- backward
    def backward(self, create_graph: bool = False) -> None:
        """Reverse mode: add d(self)/d(node) to ``node.grad`` for every node reached.

        Iterative, so any depth works: one reverse sweep
        (:func:`toygrad.sweep.reverse`), whose results go to ``.grad``. Raises
        :class:`DomainError` if a local derivative does not exist at the point
        (``sqrt`` at 0) or the gradient overflows, ``TypeError`` naming a node
        whose ``.data`` is not a real number (any real number works: ``int``,
        ``Fraction``, numpy scalars).

        With ``create_graph=True`` (as in PyTorch) every ``.grad`` of the graph
        becomes a ``Value``, built by the same rules, so it can be
        differentiated in turn. As in PyTorch, a variable's ``.grad`` then
        points into a graph that points back at the variable (a reference
        cycle): reset it (``zero_grad()``, or ``x.grad = 0.0``) when done, and
        before differentiating it, or the next pass accumulates onto it.
        :func:`toygrad.grad` touches no ``.grad`` and makes no cycle.

        >>> x = Value(3.0)
        >>> (x ** 3).backward(create_graph=True)
        >>> first, x.grad = x.grad, 0.0
        >>> first.data  # 3x**2
        27.0
        >>> first.backward()
        >>> x.grad  # 6x
        18.0
        """
        order = topological(self)
        adjoints = reverse(order, graph=create_graph)
        if create_graph:
            _store_graph(order, adjoints)
            return
        for node, g in zip(order, adjoints):  # op nodes get this pass's gradient, variables add it to theirs
            if node.op is None:
                if g == 0.0:
                    continue
                g = node.grad + g
            if g.__class__ is not float or not -_INF < g < _INF:
                _check_grad(node, g)
            node.grad = g

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on every node of this graph."""
        for node in topological(self):
            node.grad = 0.0

    # --------------------------------------------------------- micrograd private
    @property
    def _prev(self) -> set:
        """micrograd's children set, for code (like its ``draw_dot``) that reads it."""
        return set(self.args)

    @property
    def _op(self) -> str:
        """micrograd's op string: ``''`` for a leaf."""
        return self.op.name if self.op is not None else ""

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _store_graph(order: list, adjoints: list) -> None:
    """``backward(create_graph=True)``: each ``.grad`` of the graph becomes a Value.

    Op nodes get d(root)/d(node); a variable adds it to its ``.grad`` (a
    previous float or Value gradient accumulates, as in PyTorch).
    """
    new = []
    for node, g in zip(order, adjoints):  # every check before any write: an error leaves .grad as it was
        if node.op is None:
            g = accumulate(node.grad, g)
        if g.__class__ is not Value:
            if not -_INF < g < _INF:
                raise DomainError(f"the gradient overflowed: {node!r} has grad {g!r}")
            g = Value(g)
        new.append(g)
    for node, g in zip(order, new):
        node.grad = g


def _check_grad(node: Value, g: Any) -> None:
    """A gradient ``backward()`` may store: a finite float, or a Value holding one (after ``create_graph``)."""
    d = g.data if isinstance(g, Value) else g
    if not isinstance(d, (int, float)):  # a rule that went complex, say: never let it through
        raise DomainError(f"the gradient is not a real number: {node!r} gets grad {g!r}")
    if not -_INF < d < _INF:
        raise DomainError(f"the gradient overflowed: {node!r} gets grad {g!r}")


def _make_method(op: Op):
    def method(self):
        return _apply(op, (self,))

    method.__name__ = op.method
    method.__qualname__ = f"Value.{op.method}"
    method.__doc__ = f"{op.name}(self). Domain: {op.domain.text}."
    return method


for _op in UNARY:
    if _op.method:
        setattr(Value, _op.method, _make_method(_op))

_ADD, _SUB, _MUL, _DIV, _POW, _NEG, _ABS, _SUM, _DOT = (
    OPS[n] for n in ("add", "sub", "mul", "div", "pow", "neg", "abs", "sum", "dot")
)
_new_value = Value.__new__


def apply(op: Op | str, *args: Any) -> Value:
    """Apply a row of the op table (or its name) to Values and numbers.

    >>> apply("mul", Value(3.0), 2).data
    6.0
    """
    if op.__class__ is str:
        try:
            op = OPS[op]
        except KeyError:
            raise ValueError(f"unknown op {op!r}; the op table has: {', '.join(OPS)}") from None
    if not op.accepts(len(args)):
        raise TypeError(f"{op.name} takes {op.argument_counts()}, got {len(args)}")
    return _apply(op, tuple(map(_lift, args)))


def _apply(op: Op, args: tuple, xs: Sequence[Any] | None = None) -> Value:
    """The one path that makes an op node: ``op`` on arguments that are already Values or Constants.

    ``xs`` are their values, when the caller has read them already (``nn.Layer``
    reads its inputs once for all its neurons). An argument holding an ``int``,
    a ``Fraction`` or a numpy scalar is read as a float; one holding no number
    is a ``TypeError`` naming it.
    """
    arity = op.arity
    try:
        if xs is not None:
            out = op.forward(xs) if arity is None else op.forward(*xs)
        elif arity == 2:
            out = op.forward(args[0].data, args[1].data)
        elif arity == 1:
            out = op.forward(args[0].data)
        else:
            xs = [a.data for a in args]
            out = op.forward(xs)
    except OverflowError:
        raise _overflow(op, [a.data for a in args] if xs is None else xs) from None
    except (ArithmeticError, ValueError):
        raise _undefined(op, [a.data for a in args] if xs is None else xs) from None
    except TypeError:
        out = None
    if out.__class__ is not float:  # an int, a Fraction, a numpy scalar, or no number, in some .data
        if xs is None or any(x.__class__ is not float for x in xs):
            return _apply(op, args, [node_value(a) for a in args])
        raise TypeError(f"{op.describe(xs)} gave {type(out).__name__} {out!r}, not a float")
    if not -_INF < out < _INF or op.grad_domain is not None:
        if xs is None:
            xs = [a.data for a in args]
        if not -_INF < out < _INF:
            raise _overflow(op, xs)
        if op.grad_domain is not None:
            _check_grad_domain(op, args, xs)
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node.op = op
    node.args = args
    node.label = None
    return node


def _check_grad_domain(op: Op, args: tuple, xs: Sequence[float]) -> None:
    for a, dom in zip(args, op.grad_domain):
        if dom is not None and a.__class__ is not Constant and not dom.test(*xs):
            raise DomainError(f"{op.describe(xs)} is not differentiable: {op.name} needs {dom.text}", op.name,
                              tuple(xs))


def _undefined(op: Op, xs: Sequence[float]) -> DomainError:
    xs = tuple(xs)
    return DomainError(f"{op.describe(xs)} is undefined: {op.name} needs {op.domain.text}", op.name, xs)


def _overflow(op: Op, xs: Sequence[float]) -> DomainError:
    xs = tuple(xs)
    return DomainError(f"{op.describe(xs)} overflows a float (largest: {_MAX:.3g})", op.name, xs)


_MAX = 1.7976931348623157e308


def _operands(values: Iterable[Any], what: str) -> tuple:
    """``values`` (any iterable, a generator too) as a tuple of Values and Constants."""
    try:
        items = iter(values)
    except TypeError:
        raise TypeError(f"{what} needs an iterable of numbers or Values, got {type(values).__name__}") from None
    return tuple(map(_lift, items))


def sum(values: Iterable[Any]) -> Value:  # noqa: A001 - toygrad.sum, like numpy.sum
    """The sum of values as one node (the ``sum`` row of the op table).

    >>> sum([Value(1.0), Value(2.0), 3]).data
    6.0
    """
    values = _operands(values, "toygrad.sum")
    if not _SUM.accepts(len(values)):
        raise TypeError(f"toygrad.sum takes {_SUM.argument_counts()}, got {len(values)}")
    return _apply(_SUM, values)


def dot(ws: Iterable[Any], xs: Iterable[Any]) -> Value:
    """w1*x1 + ... + wn*xn as one node (the ``dot`` row): a neuron's weighted sum.

    ``ws`` and ``xs`` may be any iterables (generators too) of the same length.

    >>> dot([Value(1.0), Value(2.0)], [3, 4]).data
    11.0
    """
    ws = _operands(ws, "toygrad.dot (its weights)")
    xs = _operands(xs, "toygrad.dot (its inputs)")
    if len(ws) != len(xs):
        raise ValueError(f"toygrad.dot needs weights and inputs of the same length, got {len(ws)} and {len(xs)}")
    args = ws + xs
    if not _DOT.accepts(len(args)):
        raise TypeError(f"toygrad.dot takes {_DOT.argument_counts()} (w1..wn, x1..xn), "
                        f"got {len(args)}: {len(ws)} weights and {len(xs)} inputs")
    return _apply(_DOT, args)


del _op
