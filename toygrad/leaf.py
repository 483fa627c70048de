"""What every walk of the graph meets at its ends: numbers, labels, and the constant leaf.

:func:`as_float` turns a real number of any kind (``float``, ``int``,
``Fraction``, numpy scalars) into a finite float, or says clearly why it
cannot; :class:`Constant` is the leaf a number becomes when it is mixed into an
operation (the ``1`` in ``x + 1``). Both live here, below the engine, the
graph walks and the sweeps, so that each of those imports them and none imports
another in a circle.

>>> from fractions import Fraction
>>> as_float(Fraction(1, 4), "a weight")
0.25
>>> Constant(2)
Constant(2.0)
"""

from __future__ import annotations

import keyword
import math
import numbers
import re
from typing import Any

from .ops import OPS
from .rows import DomainError

__all__ = ["as_float", "short_repr", "node_value", "check_label", "Constant"]

_INF = math.inf
_SHORT = 40


def short_repr(x: Any) -> str:
    """``repr(x)``, abbreviated when long: a 401-digit integer is not printed in full.

    >>> short_repr(10**400)
    '1000000000...0000 (401 digits)'
    """
    text = repr(x)
    if len(text) <= _SHORT:
        return text
    if isinstance(x, int):
        digits = text.lstrip("-")
        return f"{text[: len(text) - len(digits) + 10]}...{digits[-4:]} ({len(digits)} digits)"
    return f"{text[:_SHORT - 10]}...{text[-6:]} ({len(text)} characters)"


def as_float(x: Any, what: str) -> float:
    """A finite float from a Python or numpy real number, or a clear error naming ``what``.

    ``TypeError`` for something that is not a real number (``bool`` included),
    :class:`~toygrad.rows.DomainError` for one that is infinite, NaN or too
    large for a float.

    >>> as_float(3, "x")
    3.0
    """
    if x.__class__ is float:
        f = x
    elif isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} needs a real number, got {type(x).__name__} {short_repr(x)}")
    else:
        try:
            f = float(x)
        except OverflowError:
            raise DomainError(f"{what} got {short_repr(x)}, which is too large for a float") from None
    if not -_INF < f < _INF:
        raise DomainError(f"{what} needs a finite number, got {f!r}")
    return f


def node_value(node: Any) -> float:
    """``node.data`` as a float: any real number works, anything else is a ``TypeError`` naming the node.

    >>> node_value(Constant(0.5))
    0.5
    """
    d = node.data
    if d.__class__ is float:
        return d
    if node.label is not None:
        name = f"variable {node.label!r}"
    elif node.op is not None:
        name = f"the {node.op.name} node"
    else:
        name = "an unlabelled variable"
    return as_float(d, f"the .data of {name}")


_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: names a formula reads as a call (``sin(x)``, ``sum(...)``): not labels
_CALL_NAMES = frozenset(
    m[1] for op in OPS.values() if (m := re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\(.*\)", op.syntax.template))
)


def check_label(label: Any) -> None:
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


class Constant:
    """A constant leaf: a number mixed into an operation (the ``1`` in ``x + 1``).

    It has a value and no gradient; ``backward()`` does not visit it. It answers
    what a graph walker written for micrograd reads of any node: ``data``,
    ``grad`` (always 0), ``_prev`` (no children) and ``_op`` (``''``, a leaf).
    """

    __slots__ = ("data",)
    op = None
    args = ()
    label = None
    grad = 0.0
    _op = ""

    def __init__(self, data: Any):
        self.data = as_float(data, "a constant")

    @property
    def _prev(self) -> set:
        """micrograd's children set: a leaf has none."""
        return set()

    def __repr__(self) -> str:
        return f"Constant({self.data!r})"
