"""A formula as a recipe: the form the adapters build (op names over ``Ref`` arguments and float constants).

>>> f = from_formula("x**2.0 + relu(y)", [(0.0, -1.0)])
>>> f.variables, f.nodes
(('x', 'y'), (('pow', (Ref(index=0), 2.0)), ('relu', (Ref(index=1),)), ('add', (Ref(index=2), Ref(index=3)))))
"""

from __future__ import annotations

from typing import Sequence

from symbolic import parse

from ..generate import RandomFunction, Ref

__all__ = ["from_formula"]


def from_formula(text: str, points: Sequence[Sequence[float]] = (), id: str | None = None) -> RandomFunction:
    """The recipe of a formula (read by ``symbolic.parse``: never ``eval``), with the points to check it at.

    A ``ValueError`` (``symbolic.ParseError``) if the text does not parse, has no
    variable, or has an op whose arguments are all constants (write its value).
    """
    parsed = parse(text)
    if not parsed.variables:
        raise ValueError(f"the formula {text!r} has no variable to differentiate")
    names = parsed.variables
    position: dict[int, Ref | float] = {}  # a parsed node -> the recipe's argument for it
    nodes: list[tuple[str, tuple]] = []
    for k, node in enumerate(parsed.nodes):
        if node.op is None:
            position[k] = Ref(names.index(node.leaf)) if isinstance(node.leaf, str) else float(node.leaf)
            continue
        args = tuple(position[i] for i in node.args)
        if not any(isinstance(a, Ref) for a in args):
            raise ValueError(f"{node.op.name} of constants only in {text!r}: write its value instead")
        nodes.append((node.op.name, args))
        position[k] = Ref(len(names) + len(nodes) - 1)
    if not nodes:
        raise ValueError(f"the formula {text!r} is a bare variable: it has no op to check")
    for p in points:
        if len(p) != len(names):
            raise ValueError(f"{text!r} has {len(names)} variable(s) ({', '.join(names)}), the point {tuple(p)} "
                             f"has {len(p)}")
    return RandomFunction(id or text, names, tuple(nodes), tuple(tuple(float(x) for x in p) for p in points))
