"""Pictures of a graph: Graphviz DOT text, and SVG or PNG drawn by Graphviz when it is installed.

>>> from toygrad import Value
>>> x = Value(2.0, label="x")
>>> print(to_dot(x * 3).splitlines()[0])
digraph toygrad {

Each node is drawn once: its op (or a variable's name), its value and, once
``backward()`` has run, its gradient. A constant argument is written into its
op's box (``mul(•, 3)``) instead of getting a box of its own. :func:`to_dot`
needs nothing installed; :func:`render` and the notebook picture
(``Value._repr_svg_``) use the ``graphviz`` Python package and Graphviz's
``dot`` program, imported only when called.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .leaf import Constant
from .graph import topological, variable_names

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["to_dot", "render", "repr_svg", "GraphvizMissing", "NOTEBOOK_MAX_NODES"]

#: a notebook draws graphs up to this many nodes; a bigger one shows as text (drawing it would take minutes)
NOTEBOOK_MAX_NODES = 300

_HOW_TO_GET_DOT = ("Graphviz's dot program is not installed: apt install graphviz (Debian, Ubuntu), "
                   "brew install graphviz (macOS), or see https://graphviz.org/download/")
_HOW_TO_GET_PACKAGE = "drawing a graph needs the graphviz Python package: pip install graphviz"


class GraphvizMissing(RuntimeError):
    """Graphviz (the ``dot`` program, or the ``graphviz`` Python package) is not installed; the message says how."""


def _quote(text: str) -> str:
    """A DOT string: only its quotes need a backslash (a record's own escapes pass through)."""
    return '"' + text.replace('"', '\\"') + '"'


def _record(text: str) -> str:
    """Text for a field of a Graphviz record: its special characters escaped."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


def _number(x: object) -> str:
    x = getattr(x, "data", x)  # a gradient is a Value after backward(create_graph=True)
    return f"{x:.4g}"


def to_dot(value: "Value", rankdir: str = "LR", grad: bool | None = None) -> str:
    """The graph of ``value`` as Graphviz DOT text.

    One box per node of the graph: the op (with its constant arguments written
    in, ``pow(•, 2)``) or the variable's name, then ``data``, then ``grad`` if
    ``grad`` is true (default: once ``backward()`` has run, that is when the
    root's gradient is not 0). Edges run from arguments to their op; they are
    numbered where the order matters (``sub``, ``div``, ``pow``, ...).
    """
    names = variable_names(value)
    show_grad = _number(value.grad) != "0" if grad is None else grad
    lines = ["digraph toygrad {", f"  rankdir={rankdir};",
             '  node [shape=record, fontname="monospace", fontsize=11];', "  edge [arrowsize=0.6];"]
    ids: dict[int, str] = {}
    for k, node in enumerate(topological(value)):
        nid = ids[id(node)] = f"v{k}"
        if node.op is None:
            head = names[node]
        elif any(a.__class__ is Constant for a in node.args):
            shown = ("•" if a.__class__ is not Constant else _number(a) for a in node.args)
            head = f"{node.op.name}({', '.join(shown)})"
        else:
            head = node.op.name
        fields = [_record(head), f"data {_record(_number(node.data))}"]
        if show_grad:
            fields.append(f"grad {_record(_number(node.grad))}")
        style = ', style="rounded,filled", fillcolor="#eef3fb"' if node.op is None else ""
        lines.append(f"  {nid} [label={_quote('{' + ' | '.join(fields) + '}')}{style}];")
        inputs = [(i, a) for i, a in enumerate(node.args) if a.__class__ is not Constant]
        ordered = len(inputs) > 1 and node.op.name not in ("add", "mul", "sum")
        for i, arg in inputs:
            attr = f" [label={_quote(str(i))}]" if ordered else ""
            lines.append(f"  {ids[id(arg)]} -> {nid}{attr};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _pipe(dot: str, fmt: str) -> bytes:
    """``dot`` text drawn by Graphviz in ``fmt`` (svg, png)."""
    try:
        import graphviz
    except ImportError:
        raise GraphvizMissing(_HOW_TO_GET_PACKAGE) from None
    try:
        return graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(_HOW_TO_GET_DOT) from None


def render(value: "Value", path: str | os.PathLike, format: str | None = None) -> Path:
    """Draw the graph of ``value`` to ``path`` as SVG or PNG (from the suffix, or ``format``) with Graphviz.

    Raises :class:`GraphvizMissing`, saying how to install it, when Graphviz
    is not there; ``ValueError`` for a format other than svg or png.

    >>> from toygrad import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> render(y, "graph.svg")  # doctest: +SKIP
    PosixPath('graph.svg')
    """
    target = Path(path)
    fmt = (format or target.suffix.lstrip(".")).lower()
    if fmt not in ("svg", "png"):
        raise ValueError(f"render draws svg or png; got {fmt or 'no format'!r} for {str(target)!r}")
    target.write_bytes(_pipe(to_dot(value), fmt))
    return target


def repr_svg(value: "Value") -> str | None:
    """The graph as SVG text for a notebook, or None (the notebook then shows the text repr) when Graphviz
    is missing or the graph has more than :data:`NOTEBOOK_MAX_NODES` nodes."""
    if len(topological(value)) > NOTEBOOK_MAX_NODES:
        return None
    try:
        return _pipe(to_dot(value), "svg").decode("utf-8")
    except GraphvizMissing:
        return None
