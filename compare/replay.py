"""The engine's forward pass on floats, replayed with one variable moved: finite differences at the cost of a
fraction of a forward pass each.

>>> import math
>>> from toygrad import Value
>>> x, y = Value(1.0, label="x"), Value(2.0, label="y")
>>> r = Replay((x * y).sin() + x, [x, y])
>>> r.value(0, 1.5) == math.sin(1.5 * 2.0) + 1.5
True
>>> round(r.derivative(1).value, 9) == round(math.cos(2.0), 9), r.crossed
(True, '')
"""

from __future__ import annotations

import math
from typing import Sequence

from toygrad import Constant, DomainError, Value, apply, topological

from . import finite, kinks

__all__ = ["Replay"]


class Replay:
    """The engine's forward pass on floats, re-run with one variable moved.

    Each node is recomputed with the op table's forward, as the engine
    computes it, and with the engine's checks (a value outside an op's
    domain, an overflow, a point where the op is not differentiable raise
    the engine's :class:`toygrad.DomainError`); only the nodes downstream of
    the moved variable are recomputed, so central differences for hundreds
    of parameters cost a few forward passes in all. :attr:`crossed` names
    the first kink op whose argument a moved pass put on the other side of
    its kink (or on it), since the last :meth:`derivative`.
    """

    def __init__(self, root: Value, wrt: Sequence[Value]):
        order = topological(root)
        index = {id(n): k for k, n in enumerate(order)}
        self.base = [n.data for n in order]
        self.ops: list[tuple] = [()] * len(order)
        consumers: list[list[int]] = [[] for _ in order]
        for k, n in enumerate(order):
            if n.op is None:
                continue
            refs = tuple(-1 if a.__class__ is Constant else index[id(a)] for a in n.args)
            self.ops[k] = (n.op, refs, tuple(a.data for a in n.args))
            for j in set(refs) - {-1}:
                consumers[j].append(k)
        self.start = [index[id(v)] for v in wrt]
        self.downstream = [self._reach(i, consumers) for i in self.start]
        self.crossed = ""

    @staticmethod
    def _reach(start: int, consumers: list[list[int]]) -> list[int]:
        seen, stack = set(), [start]
        while stack:
            for c in consumers[stack.pop()]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return sorted(seen)

    def value(self, i: int, x: float) -> float:
        """The root's value with variable ``i`` at ``x``.

        Raises :class:`toygrad.DomainError` where the engine would; a kink
        crossed or reached is noted in :attr:`crossed`.
        """
        vals = list(self.base)
        vals[self.start[i]] = x
        for k in self.downstream[i]:
            op, refs, before = self.ops[k]
            xs = [vals[j] if j >= 0 else c for j, c in zip(refs, before)]
            for kink in op.kinks:
                v = kink.value(xs)
                if not self.crossed and (v == kink.at or kinks.side(v, kink.at) != kinks.side(kink.value(before),
                                                                                             kink.at)):
                    self.crossed = op.name
            vals[k] = _forward(op, refs, xs)
        return vals[-1]

    def derivative(self, i: int) -> finite.Estimate | None:
        """Central difference for variable ``i`` with its estimate; None where the step meets a kink or leaves
        the domain."""
        self.crossed = ""
        try:
            estimate = finite.difference(lambda x: self.value(i, x), self.base[self.start[i]])
        except DomainError:
            return None
        return None if self.crossed else estimate


def _forward(op, refs: tuple[int, ...], xs: list[float]) -> float:
    """One node's value, as ``toygrad.apply`` computes it; where apply would raise, apply raises."""
    try:
        out = op.evaluate(xs)
        fine = -math.inf < out < math.inf and (op.grad_domain is None or all(
            dom is None or j < 0 or dom.test(*xs) for j, dom in zip(refs, op.grad_domain)))
    except (ArithmeticError, ValueError):
        fine = False
    if fine:
        return out
    return apply(op, *(Constant(x) if j < 0 else Value(x) for j, x in zip(refs, xs))).data
