"""Where a graph sits relative to the kinks of its ops (relu, abs, relu_dot).

At a kink, AD and SymPy agree only by convention, and a finite difference whose
step crosses it measures something else. :func:`sites` lists, for a graph at
its point, every kink op with the value of the quantity whose kink it is;
:func:`flip` says whether rounding puts that quantity on the other side of the
kink than its exact value; :func:`crossed` whether a moved graph did.

>>> from toygrad import Value
>>> x = Value(1e-9, label="x")
>>> [(s.op, s.value) for s in sites((x - 1e-9).relu() + x)]
[('relu', 0.0)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from toygrad import Constant, Value, topological
from toygrad.ops import Kink

__all__ = ["Site", "sites", "side", "flip", "crossed", "exact_nodes"]


@dataclass(frozen=True)
class Site:
    """One kink of one op node: the op, its kink, the float value there, and where its arguments are."""

    op: str
    kink: Kink
    value: float
    args: tuple[int | float, ...]  # topological position of each argument, or a constant's value

    def exact_value(self, exact_nodes: Sequence[Any]) -> Any:
        """The same quantity from the exact values of the graph's nodes (in topological order)."""
        from symbolic import exact

        xs = [exact_nodes[a] if isinstance(a, int) else exact(a) for a in self.args]
        return self.kink.value(xs)


def side(x: Any, at: float) -> int:
    """-1, 0 or 1: where x lies from the kink (x a float or an exact SymPy number)."""
    return int(bool(x > at)) - int(bool(x < at))


def sites(graph: Value) -> list[Site]:
    """Every kink of every op node of the graph, in topological order."""
    order = topological(graph)
    position = {id(n): k for k, n in enumerate(order)}
    out = []
    for node in order:
        if node.op is None or not node.op.kinks:
            continue
        refs = tuple(a.data if a.__class__ is Constant else position[id(a)] for a in node.args)
        xs = [a.data for a in node.args]
        out.extend(Site(node.op.name, k, k.value(xs), refs) for k in node.op.kinks)
    return out


def exact_nodes(graph: Value, forward: Any, env: Mapping[Any, Any]) -> list[Any]:
    """The exact value of each node of ``graph``, in topological order (as :meth:`Site.exact_value` reads them).

    ``forward`` is ``symbolic.Program.from_graph`` of a graph of the same
    shape (one binding per op node, in topological order) and ``env`` a trace
    of it, or of a program that keeps its bindings (its gradient); leaves are
    their floats' exact values.
    """
    from symbolic import exact

    ops = [n for n in topological(graph) if n.op is not None]
    if len(ops) != len(forward.bindings):
        raise ValueError(f"the program has {len(forward.bindings)} bindings for a graph of {len(ops)} op nodes")
    symbol = {id(n): s for n, (s, _) in zip(ops, forward.bindings)}
    return [exact(n.data) if n.op is None else env[symbol[id(n)]] for n in topological(graph)]


def flip(graph_sites: Sequence[Site], exact_nodes: Sequence[Any]) -> str:
    """Why the float and the exact graph sit on different sides of a kink, or ''."""
    for s in graph_sites:
        e = s.exact_value(exact_nodes)
        if side(s.value, s.kink.at) != side(e, s.kink.at):
            return (f"rounding puts {s.op} on the other side of its kink: "
                    f"float {s.value!r}, exact {float(e)!r}")
    return ""


def crossed(before: Sequence[Site], after: Sequence[Site]) -> str:
    """The first op whose kink lies between two evaluations of the same graph, or ''."""
    for a, b in zip(before, after):
        if side(a.value, a.kink.at) != side(b.value, b.kink.at) or b.value == b.kink.at:
            return a.op
    return ""
