"""How large a tree-mode derivative would be, estimated from the graph before any SymPy work.

The three-way check (:mod:`compare.three_way`) and the second-order check use
tree mode (SymPy's ``diff`` of the whole expression) only where this estimate
is small: tree mode of a sum of 2,000 ``sin`` terms, or of a depth-40 random
function, takes minutes where DAG mode takes a second.
"""

from __future__ import annotations

from toygrad import Constant, Value, topological

__all__ = ["tree_estimate", "TREE_ESTIMATE_LIMIT"]

#: tree mode is not even tried when :func:`tree_estimate` exceeds this (seconds of SymPy time or more)
TREE_ESTIMATE_LIMIT = 2_000
_LINEAR = frozenset({"add", "sub", "neg", "sum"})  # their local derivatives are constants: no copy of the node


def tree_estimate(graph: Value) -> int:
    """An estimate of the size of the tree-mode derivative of ``graph``, before any SymPy work.

    The graph expanded as a tree has ``T(node) = 1 + sum T(arg)`` ops; the chain
    rule copies a node's tree once per argument (``f(g)' = f'(g) g'``), except for
    linear ops, so the derivative has about ``D(node) = sum (D(arg) + T(node))``.
    Linear in the graph's size, whatever the tree's size; exact integers.

    >>> from toygrad import Value
    >>> x = Value(1.0, label="x")
    >>> tree_estimate((x * x).sin()), tree_estimate(x + x)
    (12, 2)
    """
    tree: dict[int, int] = {}
    deriv: dict[int, int] = {}
    for node in topological(graph):
        if node.op is None:
            tree[id(node)] = deriv[id(node)] = 1
            continue
        t = 1 + sum(tree.get(id(a), 1) for a in node.args)
        local = 0 if node.op.name in _LINEAR else t
        tree[id(node)] = t
        deriv[id(node)] = sum(deriv[id(a)] + local for a in node.args if a.__class__ is not Constant)
    return deriv[id(graph)]
