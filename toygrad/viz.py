"""Graphviz DOT text for a graph: ops, values and gradients.

>>> from toygrad import Value
>>> x = Value(2.0, label="x")
>>> print(to_dot(x * 3).splitlines()[0])
digraph toygrad {

Render it with Graphviz (``dot -Tsvg graph.dot -o graph.svg``) or paste it into
any DOT viewer; no Python package is needed to produce it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .leaf import Constant
from .graph import topological, variable_names

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["to_dot"]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(value: "Value", rankdir: str = "LR") -> str:
    """The graph of ``value`` as Graphviz DOT text.

    Each value is a box with its name (variables), its data and its grad; each
    op is an ellipse feeding the box of its result; constants are plain boxes.
    Edges from an op's arguments are numbered when the order matters.
    """
    names = variable_names(value)
    lines = ["digraph toygrad {", f"  rankdir={rankdir};", '  node [fontname="monospace"];']
    ids: dict[int, str] = {}
    constants = 0
    for k, node in enumerate(topological(value)):
        nid = ids[id(node)] = f"v{k}"
        head = names[node] if node.op is None else node.op.name
        label = f"{head} | data {node.data:.4g} | grad {node.grad:.4g}"
        lines.append(f"  {nid} [shape=record, label={_quote('{' + label + '}')}];")
        if node.op is None:
            continue
        lines.append(f"  {nid}_op [shape=ellipse, label={_quote(node.op.name)}];")
        lines.append(f"  {nid}_op -> {nid};")
        ordered = len(node.args) > 1 and node.op.name not in ("add", "mul", "sum")
        for i, arg in enumerate(node.args):
            if arg.__class__ is Constant:
                src = f"c{constants}"
                constants += 1
                lines.append(f"  {src} [shape=box, style=dashed, label={_quote(f'{arg.data:.4g}')}];")
            else:
                src = ids[id(arg)]
            attr = f" [label={_quote(str(i))}]" if ordered else ""
            lines.append(f"  {src} -> {nid}_op{attr};")
    lines.append("}")
    return "\n".join(lines) + "\n"
