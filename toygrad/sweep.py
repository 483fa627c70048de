"""The reverse sweep: the one walk from an output back to its leaves.

``Value.backward()``, :func:`toygrad.grad` and :func:`toygrad.hessian` all
run :func:`reverse`, on floats or (``graph=True``) on Values. It returns
d(root)/d(node) for every node it reaches and touches no ``.grad``; the caller
decides where the numbers go.

The seam
    :func:`planted` swaps, for the duration of a ``with`` block, the two
    decisions a reverse sweep makes besides calling the rules: how a
    contribution is added to a node's total (``accumulate(total, term)``) and
    the order in which nodes are visited (``order(nodes)``, given arguments
    first). Everything else stays the production code, so a harness can plant
    the classic engine bugs (assigning instead of adding, dropping small
    contributions, visiting a shared node before all its users are done) and
    show that it catches them.

>>> from toygrad import Value, topological
>>> x = Value(3.0)
>>> y = x * x
>>> reverse(topological(y))  # d(y)/dx, d(y)/dy, arguments first
[6.0, 1.0]
>>> with planted(accumulate=lambda total, term: term):  # '=' for '+='
...     reverse(topological(y))
[3.0, 1.0]
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

from .leaf import Constant, node_value
from .rows import DomainError

__all__ = ["reverse", "planted", "all_floats", "accumulate", "no_derivative"]

_Accumulate = Callable[[Any, Any], Any]
_Order = Callable[[list], list]
#: what :func:`planted` has swapped in: None is the production code
_planted: dict[str, Any] = {"accumulate": None, "order": None}


@contextlib.contextmanager
def planted(accumulate: _Accumulate | None = None, order: _Order | None = None) -> Iterator[None]:
    """Run every reverse sweep in the block with another accumulation or visiting order.

    ``accumulate(total, term)`` returns a node's new total (production: the
    sum, which :func:`accumulate` computes on floats and Values); ``order(nodes)``
    returns the nodes to visit, arguments first, root last (production: as
    given). Not thread-safe: meant for a harness that plants one bug at a time.
    """
    saved = dict(_planted)
    _planted.update(accumulate=accumulate, order=order)
    try:
        yield
    finally:
        _planted.update(saved)


def accumulate(total: Any, term: Any) -> Any:
    """``total + term`` for floats or Values, making no node when either is a float 0."""
    if total.__class__ is float and total == 0.0:
        return term
    if term.__class__ is float and term == 0.0:
        return total
    return total + term


def all_floats(order: list) -> bool:
    """Whether every node holds a float (the fast path); else checks that each holds a real number."""
    for node in order:
        if node.data.__class__ is not float:
            for n in order:
                node_value(n)
            return False
    return True


def reverse(order: list, graph: bool = False) -> list:
    """d(root)/d(node) for each node of ``order`` (:func:`~toygrad.graph.topological` of the root), in order.

    On floats, or, with ``graph=True``, on Values: the same rules, handed
    Values, build the gradient's graph. Then constant arguments reach the rules
    as floats, so ``log`` of a constant base stays a number, and ``out`` is the
    node itself, so ``exp``'s rule ``g * out`` depends on its argument through
    the node. A gradient that is a float is a constant; only a float 0 is
    skipped (a Value that is 0 here may not be 0 nearby, and its derivative can
    be nonzero). A rule is never called for a constant argument.

    The running totals live on the nodes (the ``_adjoint`` slot: as fast as a
    loop over ``.grad``, where a dict costs a third more), so two sweeps must
    not walk the same graph at the same time (from two threads).

    Raises :class:`~toygrad.rows.DomainError` where a local derivative does not
    exist, ``TypeError`` naming a node whose ``.data`` is not a real number.
    """
    root = order[-1]
    add = _planted["accumulate"]
    if add is None and graph:
        add = accumulate
    visit = order if _planted["order"] is None else _planted["order"](order)
    plain = True
    for node in order:
        node._adjoint = 0.0
        if node.data.__class__ is not float:
            plain = False
    if not plain:
        all_floats(order)  # a TypeError naming a node that holds no real number
    root._adjoint = 1.0
    constant = Constant
    node = root
    try:
        for node in reversed(visit):
            op = node.op
            if op is None:
                continue
            g = node._adjoint
            if g.__class__ is float and g == 0.0:
                continue
            args = node.args
            if graph:
                out, xs = node, [a.data if a.__class__ is constant else a for a in args]
            elif not plain:
                out, xs = node_value(node), [node_value(a) for a in args]
            elif len(args) == 2:  # the common cases, read without a list comprehension's frame
                out, xs = node.data, (args[0].data, args[1].data)
            elif len(args) == 1:
                out, xs = node.data, (args[0].data,)
            else:
                out, xs = node.data, [a.data for a in args]
            # one accumulation, spelled out per arity: in the unrolled binary and unary cases
            # each attribute access sees one type of node, which CPython runs much faster
            if op.arity is None:
                for a, d in zip(args, op.vjp(g, out, xs)):
                    if a.__class__ is not constant:
                        a._adjoint = a._adjoint + d if add is None else add(a._adjoint, d)
            elif len(args) == 2:
                a, b = args
                x, y = xs
                rx, ry = op.rules
                if a.__class__ is not constant:
                    d = rx(g, out, x, y)
                    a._adjoint = a._adjoint + d if add is None else add(a._adjoint, d)
                if b.__class__ is not constant:
                    d = ry(g, out, x, y)
                    b._adjoint = b._adjoint + d if add is None else add(b._adjoint, d)
            else:
                a = args[0]
                if a.__class__ is not constant:
                    d = op.rules[0](g, out, xs[0])
                    a._adjoint = a._adjoint + d if add is None else add(a._adjoint, d)
        return [n._adjoint for n in order]
    except (ArithmeticError, ValueError) as exc:
        raise no_derivative(node, exc) from None
    finally:
        if graph:  # no gradient graph stays reachable from the nodes it was built from
            for n in order:
                n._adjoint = 0.0


def no_derivative(node: Any, exc: Exception) -> DomainError:
    """The error for a local derivative that does not exist at the node's arguments."""
    xs = tuple(a.data for a in node.args)
    return DomainError(f"the derivative of {node.op.describe(xs)} does not exist ({exc})", node.op.name, xs)
