"""Loss functions: model outputs and targets in, one scalar ``Value`` out.

Every loss is the mean over the examples and is written with the ops of the
table, so its gradient comes from ``backward()`` like any other graph. The
stable ones (binary and softmax cross-entropy) stay finite, and keep exact
gradients, at logits of any size:

>>> from toygrad import Value
>>> from toygrad.losses import binary_cross_entropy_with_logits
>>> z = Value(1000.0)
>>> loss = binary_cross_entropy_with_logits([z], [0])
>>> loss.backward()
>>> loss.data, z.grad  # the loss is z, its gradient sigmoid(z) - y
(1000.0, 1.0)

Outputs may be Values or plain numbers; targets are numbers, or Values (variables):
then one example's loss is a graph that serves every example, as symbolic
training compiles it. No loss branches on a value, so such a graph is right at
any point. Python lists, tuples and numpy arrays all work.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from . import engine
from .engine import Constant, Value, _lift, apply
from .ops import OPS

__all__ = ["mse", "hinge", "binary_cross_entropy_with_logits", "softmax", "softmax_cross_entropy", "l2"]

_SUB, _EXP, _LOG, _RELU = OPS["sub"], OPS["exp"], OPS["log"], OPS["relu"]


# ------------------------------------------------------------------ checks


def _examples(name: str, what: str, xs: Any) -> tuple:
    """``xs`` as a non-empty tuple, or an error that names the loss and the argument."""
    if isinstance(xs, (Value, Constant, numbers.Number, str)) or not isinstance(xs, Iterable):
        raise TypeError(f"{name} needs a sequence of {what}, one per example, got {type(xs).__name__} {xs!r}")
    xs = tuple(xs)
    if not xs:
        raise ValueError(f"{name} got no {what}: it needs at least one")
    return xs


def _pair(name: str, what: tuple[str, str], xs: Any, ys: Any) -> tuple[tuple, tuple]:
    """Two per-example sequences of the same, non-zero length."""
    xs = _examples(name, what[0], xs)
    ys = _examples(name, what[1], ys)
    if len(xs) != len(ys):
        raise ValueError(f"{name} got {len(xs)} {what[0]} and {len(ys)} {what[1]}; they must pair up one to one")
    return xs, ys


def _number(name: str, what: str, i: int, x: Any) -> float:
    """``x`` as a finite float, or an error naming the loss, the argument and the index."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} needs numbers as {what}, got {type(x).__name__} {x!r} at index {i}")
    f = float(x)
    if not -math.inf < f < math.inf:
        raise ValueError(f"{name} needs finite {what}, got {f!r} at index {i}")
    return f


def _target(name: str, what: str, i: int, x: Any) -> Any:
    """A target: a Value as it is (a variable), else a finite number (see :func:`_number`)."""
    return x if isinstance(x, Value) else _number(name, what, i, x)


def _mean(terms: Sequence[Value]) -> Value:
    return engine.sum(terms) / len(terms)


# ------------------------------------------------------------------ losses


def mse(outputs: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error: ``sum((o - t)**2) / n``.

    The squares and their sum are one fused ``dot`` node.

    >>> from toygrad import Value
    >>> a, b = Value(1.0), Value(3.0)
    >>> loss = mse([a, b], [0.0, 1.0])  # ((1 - 0)**2 + (3 - 1)**2) / 2
    >>> loss.data
    2.5
    >>> loss.backward()
    >>> a.grad, b.grad  # 2 (o - t) / n
    (1.0, 2.0)
    """
    outputs, targets = _pair("mse", ("outputs", "targets"), outputs, targets)
    diffs = [o - _target("mse", "targets", i, t) for i, (o, t) in enumerate(zip(outputs, targets))]
    return engine.dot(diffs, diffs) / len(diffs)


def hinge(scores: Sequence[Any], labels: Sequence[Any]) -> Value:
    """The max-margin loss of micrograd's demo: the mean of ``relu(1 - y * s)``.

    ``labels`` are -1 or +1. Each margin ``1 - y * s`` is one fused ``dot`` node
    (``s * -y + 1 * 1``), as a neuron's bias is.

    >>> from toygrad import Value
    >>> s = [Value(0.5), Value(-2.0)]
    >>> loss = hinge(s, [1, -1])  # (relu(1 - 0.5) + relu(1 - 2)) / 2
    >>> loss.data
    0.25
    >>> loss.backward()
    >>> s[0].grad, s[1].grad  # -y / n inside the margin, 0 outside
    (-0.5, 0.0)
    """
    scores, labels = _pair("hinge", ("scores", "labels"), scores, labels)
    terms = []
    for i, (s, y) in enumerate(zip(scores, labels)):
        y = _target("hinge", "labels", i, y)
        if not isinstance(y, Value) and y != 1.0 and y != -1.0:
            raise ValueError(f"hinge needs labels -1 or +1, got {y!r} at index {i}")
        terms.append(engine.dot((s, 1.0), (-y, 1.0)).relu())
    return _mean(terms)


def binary_cross_entropy_with_logits(logits: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Binary cross-entropy of ``sigmoid(z)`` against ``y``, computed from the logit ``z``.

    ``targets`` are labels 0 or 1, or probabilities in [0, 1]. Per example the
    loss is ``softplus(z) - z * y``, with ``softplus(z) = log(1 + exp(z))``
    written as ``m + log(exp(-m) + exp(z - m))``, ``m = relu(z)``: ``exp`` never
    sees a positive argument, so no overflow at any ``z``, and no branch on
    the value. The shift's derivative cancels exactly, so the gradient is
    ``sigmoid(z) - y`` everywhere, ``z = 0`` included (although ``relu'(0) =
    0``; the textbook ``relu(z) - z*y + log(1 + exp(-abs(z)))`` would get ``-y``
    there).

    >>> from math import log
    >>> from toygrad import Value
    >>> z = Value(0.0)
    >>> loss = binary_cross_entropy_with_logits([z], [1])
    >>> loss.data == log(2)
    True
    >>> loss.backward()
    >>> z.grad  # sigmoid(0) - 1
    -0.5
    """
    name = "binary_cross_entropy_with_logits"
    logits, targets = _pair(name, ("logits", "targets"), logits, targets)
    terms = []
    for i, (z, y) in enumerate(zip(logits, targets)):
        y = _target(name, "targets", i, y)
        if not isinstance(y, Value) and not 0.0 <= y <= 1.0:
            raise ValueError(f"{name} needs targets in [0, 1], got {y!r} at index {i}")
        m = apply(_RELU, z)
        softplus = m + apply(_LOG, apply(_EXP, -m) + apply(_EXP, z - m))
        terms.append(softplus - y * z)
    return _mean(terms)


def softmax(row: Sequence[Any]) -> list[Value]:
    """The probabilities ``exp(z_i) / sum_j exp(z_j)`` of one row of logits, as Values.

    The row's largest value is subtracted first (as a constant: the shift
    cancels), so no ``exp`` overflows.

    >>> from toygrad import Value
    >>> p = softmax([Value(1000.0), Value(1000.0), Value(-1000.0)])
    >>> [q.data for q in p]
    [0.5, 0.5, 0.0]
    """
    exps = [apply(_EXP, s) for s in _shifted("softmax", row)]
    total = engine.sum(exps)
    return [e / total for e in exps]


def softmax_cross_entropy(logits_rows: Sequence[Sequence[Any]], classes: Sequence[Any]) -> Value:
    """Cross-entropy of ``softmax(row)`` against the right class, averaged over rows.

    ``logits_rows`` holds one row of logits per example, all of the same
    length; ``classes`` the index of the right class in each row, or a row of
    target weights (one-hot, numbers or Values). Per row the loss is ``m +
    log(sum_j exp(z_j - m)) - sum_j t_j z_j`` with ``m`` the row's largest
    logit, built from relus (``m_k = m_(k-1) + relu(z_k - m_(k-1))``): no
    overflow, no branch on a value, and the shift's derivative cancels, so the
    gradient is exactly ``softmax(row) - onehot(c)``.

    >>> from math import exp, log
    >>> from toygrad import Value
    >>> row = [Value(2.0), Value(0.0)]
    >>> loss = softmax_cross_entropy([row], [0])
    >>> loss.data == log(1 + exp(-2.0))
    True
    >>> loss.backward()
    >>> round(row[0].grad, 6), round(row[1].grad, 6)  # softmax - onehot
    (-0.119203, 0.119203)
    """
    name = "softmax_cross_entropy"
    rows, classes = _pair(name, ("rows of logits", "classes"), logits_rows, classes)
    width = None
    terms = []
    for i, (row, c) in enumerate(zip(rows, classes)):
        row = _examples(name, "logits", row)
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ValueError(f"{name} needs rows of the same length: row 0 has {width} logits, row {i} has {len(row)}")
        m = row[0]
        for z in row[1:]:
            m = m + apply(_RELU, z - m)
        terms.append((m - _picked(name, i, row, c)) + apply(_LOG, engine.sum([apply(_EXP, z - m) for z in row])))
    return _mean(terms)


def _picked(name: str, i: int, row: tuple, c: Any) -> Any:
    """The logit of class ``c`` (an index), or the targets' weighting of the row (a sequence)."""
    if isinstance(c, Iterable) and not isinstance(c, (str, Value)):
        weights = [_target(name, "class weights", i, t) for t in c]
        if len(weights) != len(row):
            raise ValueError(f"{name} got {len(weights)} class weights at index {i} for a row of {len(row)} logits")
        return engine.dot(weights, row)
    if isinstance(c, bool) or not isinstance(c, numbers.Integral):
        raise TypeError(f"{name} needs integer class indices, got {type(c).__name__} {c!r} at index {i}")
    if not 0 <= c < len(row):
        raise ValueError(f"{name} got class {c!r} at index {i}, outside 0..{len(row) - 1} for rows of {len(row)} logits")
    return _lift(row[int(c)])


def _shifted(name: str, row: Any) -> list[Value]:
    """The row's logits minus its largest value (a constant), as Values."""
    row = _examples(name, "logits", row)
    top = max(_lift(z).data for z in row)
    return [apply(_SUB, z, top) for z in row]


def l2(parameters: Iterable[Value], alpha: float) -> Value:
    """``alpha * sum(p * p)``: L2 regularisation, the squares and their sum one ``dot`` node.

    >>> from toygrad import Value
    >>> w = [Value(1.0), Value(-2.0)]
    >>> reg = l2(w, 0.5)  # 0.5 * (1 + 4)
    >>> reg.data
    2.5
    >>> reg.backward()
    >>> w[0].grad, w[1].grad  # 2 alpha p
    (1.0, -2.0)
    """
    params = _examples("l2", "parameters", parameters)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"l2 needs a number as alpha, got {type(alpha).__name__} {alpha!r}")
    if not 0.0 <= alpha < math.inf:
        raise ValueError(f"l2 needs a finite alpha >= 0, got {alpha!r}")
    return float(alpha) * engine.dot(params, params)
