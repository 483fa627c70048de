"""Formulas as text, in the grammar that ``symbolic.parse`` reads back.

>>> from toygrad import Value
>>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
>>> formula((x + y) * (x - y).sin() / 2)
'(x + y) * sin(x - y) / 2.0'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .leaf import Constant
from .graph import topological, variable_names
from .ops import ATOM

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["formula"]

_NEG_PREC = 30  # a negative number prints like unary minus


def _after_minus(template: str, i: int) -> bool:
    """Whether operand ``i`` is written directly after a ``-`` (as in ``-{0}``).

    A number there would read back as a negative constant: ``neg(2.0)`` must
    print ``-(2.0)``, since ``-2.0`` is the constant -2.0.
    """
    return f"-{{{i}}}" in template


def formula(value: "Value", max_length: int = 1_000_000) -> str:
    """The expression of ``value`` as one line of text.

    Shared subexpressions are written out each time they are used, so a graph
    with much sharing prints long: past ``max_length`` characters this raises
    ``ValueError`` instead of building an enormous string.
    """
    names = variable_names(value)
    text: dict[int, tuple[str, int]] = {}
    glued: dict[object, tuple[bool, ...]] = {}  # per op: which operands follow a "-" directly

    def operand(arg, need: int, after_minus: bool = False) -> str:
        if arg.__class__ is Constant:
            s = repr(arg.data)
            if math.copysign(1.0, arg.data) < 0.0:  # -0.0 too
                prec = _NEG_PREC
            else:
                prec = -1 if after_minus else ATOM
        else:
            s, prec = text[id(arg)]
        return f"({s})" if prec < need else s

    for node in topological(value):
        op = node.op
        if op is None:
            text[id(node)] = (names[node], ATOM)
            continue
        syn = op.syntax
        if op.arity is None:
            s = syn.template.format(", ".join(operand(a, 0) for a in node.args))
        else:
            if op not in glued:
                glued[op] = tuple(_after_minus(syn.template, i) for i in range(op.arity))
            s = syn.template.format(*map(operand, node.args, syn.operand_prec, glued[op]))
        if len(s) > max_length:
            raise ValueError(f"the formula is longer than {max_length} characters (shared subexpressions repeat)")
        text[id(node)] = (s, syn.prec)
    return text[id(value)][0]
