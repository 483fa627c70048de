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

import keyword
import math
import numbers
import re
from typing import Any, Iterable, Sequence

from .graph import topological
from .ops import OPS, UNARY, DomainError, Op

__all__ = ["Value", "Constant", "apply", "sum", "dot", "DomainError"]

_INF = math.inf


def _as_float(x: Any, what: str) -> float:
    """A finite float from a Python or numpy real number, or a clear error."""
    if x.__class__ is float:
        f = x
    elif isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} needs a real number, got {type(x).__name__} {x!r}")
    else:
        try:
            f = float(x)
        except OverflowError:
            raise DomainError(f"{what} got {x!r}, which is too large for a float") from None
    if not -_INF < f < _INF:
        raise DomainError(f"{what} needs a finite number, got {f!r}")
    return f


class Constant:
    """A constant leaf: a number mixed into an operation (the ``1`` in ``x + 1``).

    It has a value and no gradient; ``backward()`` does not visit it.
    """

    __slots__ = ("data",)
    op = None
    args = ()
    label = None
    grad = 0.0

    def __init__(self, data: Any):
        self.data = _as_float(data, "a constant")

    def __repr__(self) -> str:
        return f"Constant({self.data!r})"


def _lift(x: Any) -> "Value | Constant":
    cls = x.__class__
    if cls is Value or cls is Constant or isinstance(x, (Value, Constant)):
        return x
    c = _new_constant(Constant)
    c.data = _as_float(x, "an operand of a Value")
    return c


_new_constant = Constant.__new__


_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: names a formula reads as a call (``sin(x)``, ``sum(...)``): not labels
_CALL_NAMES = frozenset(
    m[1] for op in OPS.values() if (m := re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\(.*\)", op.syntax.template))
)


def _check_label(label: Any) -> None:
    """A label must read back as a variable name in a formula (``symbolic.parse``)."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a string, got {type(label).__name__} {label!r}")
    if not _LABEL.fullmatch(label):
        why = "is not an ASCII identifier"
    elif keyword.iskeyword(label):
        why = "is a Python keyword"
    elif label in _CALL_NAMES:
        why = "is a function of the op table"
    else:
        return
    raise ValueError(
        f"label {label!r} {why}: a label is an ASCII identifier ([A-Za-z_][A-Za-z0-9_]*) that is "
        f"neither a Python keyword nor a function of the op table ({', '.join(sorted(_CALL_NAMES))})"
    )


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

    __slots__ = ("data", "grad", "op", "args", "label")
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, data: Any, label: str | None = None):
        self.data = _as_float(data, "Value")
        self.grad = 0.0
        self.op = None
        self.args = ()
        if label is not None:
            _check_label(label)
        self.label = label

    # ------------------------------------------------------------ operators
    def __add__(self, other):  # self + other
        return _apply(_ADD, (self, other if other.__class__ is Value else _lift(other)))

    def __radd__(self, other):  # other + self
        return _apply(_ADD, (_lift(other), self))

    def __sub__(self, other):  # self - other
        return _apply(_SUB, (self, other if other.__class__ is Value else _lift(other)))

    def __rsub__(self, other):  # other - self
        return _apply(_SUB, (_lift(other), self))

    def __mul__(self, other):  # self * other
        return _apply(_MUL, (self, other if other.__class__ is Value else _lift(other)))

    def __rmul__(self, other):  # other * self
        return _apply(_MUL, (_lift(other), self))

    def __truediv__(self, other):  # self / other
        return _apply(_DIV, (self, other if other.__class__ is Value else _lift(other)))

    def __rtruediv__(self, other):  # other / self
        return _apply(_DIV, (_lift(other), self))

    def __pow__(self, other):  # self ** other
        return _apply(_POW, (self, other if other.__class__ is Value else _lift(other)))

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

        Iterative, so any depth works. Raises :class:`DomainError` if a local
        derivative does not exist at the point (``sqrt`` at 0) or the gradient
        overflows.

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
        if create_graph:
            _backward_graph(self)
            return
        order = topological(self)
        for node in order:
            if node.op is not None:
                node.grad = 0.0
        self.grad += 1.0
        constant = Constant
        node = self
        try:
            for node in reversed(order):
                op = node.op
                if op is None:
                    continue
                g = node.grad
                if g == 0.0:
                    continue
                args = node.args
                rules = op.rules
                if len(args) == 2 and rules:
                    a, b = args
                    x = a.data
                    y = b.data
                    if a.__class__ is not constant:
                        a.grad += rules[0](g, node.data, x, y)
                    if b.__class__ is not constant:
                        b.grad += rules[1](g, node.data, x, y)
                elif rules:
                    a = args[0]
                    if a.__class__ is not constant:
                        a.grad += rules[0](g, node.data, a.data)
                else:
                    for a, d in zip(args, op.vjp(g, node.data, [a.data for a in args])):
                        if a.__class__ is not constant:
                            a.grad += d
        except (ArithmeticError, ValueError) as exc:
            xs = [a.data for a in node.args]
            raise DomainError(
                f"the derivative of {node.op.describe(xs)} does not exist ({exc})", node.op.name, tuple(xs)
            ) from None
        try:
            for node in order:
                if not -_INF < node.grad < _INF:
                    raise DomainError(f"the gradient overflowed: {node!r} has grad {node.grad!r}")
        except TypeError:  # a .grad that is a Value (left by backward(create_graph=True)), or not real
            _check_grads(order)

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

    def _repr_svg_(self) -> str | None:  # Jupyter draws the graph (None: Graphviz missing, shows the repr)
        from .viz import repr_svg

        return repr_svg(self)


def _backward_graph(root: Value) -> None:
    """``root.backward(create_graph=True)``: each ``.grad`` of the graph becomes a Value.

    Op nodes get d(root)/d(node); a variable adds it to its ``.grad`` (a
    previous float or Value gradient accumulates, as in PyTorch).
    """
    from .autodiff import _accumulate, _sweep  # autodiff imports this module

    order = topological(root)
    grads = _sweep(order, graph=True)
    new = []
    for node in order:  # every check before any write: an error leaves .grad as it was
        g = grads.get(node, 0.0)
        if node.op is None:
            g = _accumulate(node.grad, g)
        if g.__class__ is not Value:
            if not -_INF < g < _INF:
                raise DomainError(f"the gradient overflowed: {node!r} has grad {g!r}")
            g = Value(g)
        new.append(g)
    for node, g in zip(order, new):
        node.grad = g


def _check_grads(order: list) -> None:
    """The overflow check of ``backward()`` when some ``.grad`` is a Value, or not a real number."""
    for node in order:
        g = node.grad
        d = g.data if isinstance(g, Value) else g
        if not isinstance(d, (int, float)):  # a rule that went complex, say: never let it through
            raise DomainError(f"the gradient is not a real number: {node!r} has grad {g!r}")
        if not -_INF < d < _INF:
            raise DomainError(f"the gradient overflowed: {node!r} has grad {g!r}")


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


def _apply(op: Op, args: tuple) -> Value:
    """The op on arguments that are already Values or Constants."""
    if op.arity is None:
        return _apply_nary(op, args, [a.data for a in args])
    if len(args) == 2:
        x = args[0].data
        y = args[1].data
        try:
            out = op.forward(x, y)
        except OverflowError:
            raise _overflow(op, (x, y)) from None
        except (ArithmeticError, ValueError):
            raise _undefined(op, (x, y)) from None
        if op.grad_domain is not None:
            _check_grad_domain(op, args, (x, y))
    else:
        x = args[0].data
        try:
            out = op.forward(x)
        except OverflowError:
            raise _overflow(op, (x,)) from None
        except (ArithmeticError, ValueError):
            raise _undefined(op, (x,)) from None
    if not -_INF < out < _INF:
        raise _overflow(op, [a.data for a in args])
    # made here rather than by a helper shared with _apply_nary: a call per node costs 5% of a training step
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node.op = op
    node.args = args
    node.label = None
    return node


def _apply_nary(op: Op, args: tuple, xs: list[float]) -> Value:
    """An n-ary op on lifted arguments whose values ``xs`` the caller already read.

    ``nn.Layer`` reads its inputs' values once for all its neurons.
    """
    try:
        out = op.forward(xs)
    except OverflowError:
        raise _overflow(op, xs) from None
    if not -_INF < out < _INF:
        raise _overflow(op, xs)
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node.op = op
    node.args = args
    node.label = None
    return node


def _check_grad_domain(op: Op, args: tuple, xs: tuple) -> None:
    for a, dom in zip(args, op.grad_domain):
        if dom is not None and a.__class__ is not Constant and not dom.test(*xs):
            raise DomainError(f"{op.describe(xs)} is not differentiable: {op.name} needs {dom.text}", op.name, xs)


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
