"""Graph walks shared by the engine, the printer, the SymPy translation and the reports.

All of them are iterative, so a graph a million nodes deep needs no recursion.

>>> from toygrad import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 1
>>> [n.op.name if n.op else n.label for n in topological(y)]
['x', 'mul', 'add']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from .leaf import Constant

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["topological", "variables", "variable_names", "count_nodes", "iter_edges"]

_EXIT = object()


def topological(root: "Value") -> list["Value"]:
    """Every ``Value`` reachable from ``root`` (itself included), arguments first.

    Constant leaves are not listed: they are read from their parent's ``args``.
    The order is deterministic: a depth-first walk that visits arguments left to
    right, listing a node once all its arguments are listed.
    """
    constant = Constant
    order: list[Value] = []
    seen: set = set()
    stack: list = [root]
    push = stack.append
    pop = stack.pop
    add = seen.add
    while stack:
        node = pop()
        if node is _EXIT:
            order.append(pop())
            continue
        if node in seen:
            continue
        add(node)
        args = node.args
        if not args:
            order.append(node)
            continue
        push(node)
        push(_EXIT)
        for arg in reversed(args):  # reversed: the first argument is walked first
            if arg not in seen and arg.__class__ is not constant:
                push(arg)
    return order


def variables(root: "Value") -> list["Value"]:
    """The variable leaves reachable from ``root``, in :func:`topological` order."""
    return [n for n in topological(root) if n.op is None]


def variable_names(root: "Value") -> dict["Value", str]:
    """A name for every variable of the graph: its ``label``, else ``x0``, ``x1``, ...

    Unlabelled variables are numbered in :func:`topological` order, skipping
    names that a label already takes. Two different variables with the same
    label are an error, since a formula could not tell them apart.
    """
    leaves = variables(root)
    names: dict[Value, str] = {}
    owner: dict[str, Value] = {}
    for v in leaves:
        if v.label is not None:
            if v.label in owner:
                raise ValueError(f"two different variables are labelled {v.label!r}; labels must be unique in a graph")
            owner[v.label] = v
            names[v] = v.label
    k = 0
    for v in leaves:
        if v.label is None:
            while f"x{k}" in owner:
                k += 1
            names[v] = f"x{k}"
            owner[names[v]] = v
            k += 1
    return names


def count_nodes(root: "Value") -> dict[str, int]:
    """Sizes of the graph: op nodes, variables and constant leaves (shared ones once)."""
    order = topological(root)
    constants = {id(a) for n in order for a in n.args if a.__class__ is Constant}
    ops = sum(1 for n in order if n.op is not None)
    return {"ops": ops, "variables": len(order) - ops, "constants": len(constants)}


def iter_edges(root: "Value") -> Iterator[tuple["Value", int, object]]:
    """``(node, position, argument)`` for every argument of every op node."""
    for node in topological(root):
        for i, arg in enumerate(node.args):
            yield node, i, arg
