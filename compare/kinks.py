"""Where a graph sits relative to the kinks of its ops (relu, abs, relu_dot).

At a kink, AD and SymPy agree only by convention, and a finite difference whose
step crosses it measures something else. :func:`sites` lists, for a graph at
its point, every kink op with the value of the quantity whose kink it is;
:func:`kink_signs` writes, for each site, the sign of that quantity's distance
from its kink as an expression of the graph's program (its ball is the exact
side: :mod:`compare.ground_truth` evaluates it); :func:`flip` says whether
rounding puts the quantity on the other side of the kink than its exact value;
:func:`crossed` whether a moved graph did.

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

__all__ = ["Site", "sites", "side", "flip", "crossed", "kink_signs"]


@dataclass(frozen=True)
class Site:
    """One kink of one op node: the op, its kink, the float value there, and where its arguments are."""

    op: str
    kink: Kink
    value: float
    args: tuple[int | float, ...]  # topological position of each argument, or a constant's value


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


def kink_signs(graph: Value, forward: Any, constants: Mapping[Constant, Any] | None = None) -> list[Any]:
    """For each site of :func:`sites` (same order), ``sign(q - at)`` of its quantity ``q``, over ``forward``.

    ``forward`` is ``symbolic.Program.from_graph`` of ``graph`` (one binding
    per op node, in topological order), so each argument is its node's
    symbol, a variable's symbol, or a constant's exact value (``constants``:
    the leaves that stand for ``pi`` and ``e``). The sign's ball decides the
    exact side, by exact rational arithmetic where its ball cannot.
    """
    from symbolic.convert import constant_expr, symbols_of

    b = forward.backend
    order = topological(graph)
    ops = [n for n in order if n.op is not None]
    if len(ops) != len(forward.bindings):
        raise ValueError(f"the program has {len(forward.bindings)} bindings for a graph of {len(ops)} op nodes")
    expr: dict[int, Any] = {id(n): s for n, (s, _) in zip(ops, forward.bindings)}
    expr.update({id(v): s for v, s in symbols_of(graph, b).items()})
    signs = []
    for node in ops:
        if not node.op.kinks:
            continue
        xs = [constant_expr(a, constants, b) if a.__class__ is Constant else expr[id(a)] for a in node.args]
        for k in node.op.kinks:
            q = k.value(xs) - b.number(k.at)
            signs.append(b.module.sign(q, evaluate=False) if b.name == "sympy" else b.module.sign(q))
    return signs


def flip(graph_sites: Sequence[Site], exact_sides: Sequence[int | None]) -> str:
    """Why the float and the exact graph sit on different sides of a kink, or ''.

    ``exact_sides`` holds each site's exact side (-1, 0, 1), or None where
    even exact arithmetic could not tell (then the site counts as a flip).
    """
    words = {-1: "below", 0: "exactly at", 1: "above"}
    for s, e in zip(graph_sites, exact_sides):
        if e is None:
            return (f"{s.op}'s argument cannot be told apart from its kink at {s.kink.at!r} "
                    f"(float {s.value!r}; its ball straddles the kink at every precision tried)")
        if side(s.value, s.kink.at) != e:
            return (f"rounding puts {s.op} on the other side of its kink: "
                    f"float {s.value!r}, exact value {words[e]} the kink at {s.kink.at!r}")
    return ""


def crossed(before: Sequence[Site], after: Sequence[Site]) -> str:
    """The first op whose kink lies between two evaluations of the same graph, or ''."""
    for a, b in zip(before, after):
        if side(a.value, a.kink.at) != side(b.value, b.kink.at) or b.value == b.kink.at:
            return a.op
    return ""
