"""The engine's forward pass on floats, replayed with one parameter moved: finite differences for hundreds
of parameters at the cost of a few forward passes."""

from __future__ import annotations

from typing import Sequence

from toygrad import Constant, Value, topological

from .. import finite, kinks

__all__ = ["Replay"]


class Replay:
    """The engine's forward pass on floats, re-run with one variable moved.

    Only the nodes downstream of the moved variable are recomputed, with the
    op table's forwards, so central differences for hundreds of parameters
    cost a few forward passes in all.
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
        """The root's value with variable ``i`` at ``x``; :class:`_Off` if a kink is crossed or reached."""
        base = self.base
        vals = list(base)
        vals[self.start[i]] = x
        for k in self.downstream[i]:
            op, refs, before = self.ops[k]
            xs = [vals[j] if j >= 0 else c for j, c in zip(refs, before)]
            for kink in op.kinks:
                v = kink.value(xs)
                if v == kink.at or kinks.side(v, kink.at) != kinks.side(kink.value(before), kink.at):
                    raise _Off
            try:
                vals[k] = op.evaluate(xs)
            except (ArithmeticError, ValueError):
                raise _Off from None
        return vals[-1]

    def derivative(self, i: int) -> finite.Estimate | None:
        """Central difference for variable ``i`` with its estimate; None where the step meets a kink or leaves
        the domain."""
        try:
            return finite.difference(lambda x: self.value(i, x), self.base[self.start[i]])
        except _Off:
            return None


class _Off(Exception):
    """A moved forward pass crossed a kink or left the domain."""
