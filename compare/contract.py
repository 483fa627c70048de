"""The engine's contract beyond one gradient's value, checked on every graph the harness checks.

After one ``backward()`` on a graph, :func:`contract_violation` verifies:

* a second ``backward()`` on the same graph gives every variable exactly twice
  its gradient (within the policy's tolerance, since the second pass adds in a
  different order) and every op node the same gradient (op nodes are reset, as
  in PyTorch: only leaves accumulate);
* ``toygrad.grad`` (the functional sweep that ``hessian`` builds on) returns
  what ``backward()`` left in ``.grad``, within the tolerance;
* ``backward()`` of the output times ``2**-k`` adds ``2**-k`` times the
  gradient (scaling by a power of two is exact in floats while nothing
  underflows), so a sweep that drops contributions below some size, or treats
  small ones differently, shows on every function. ``k`` is 60, or less where
  the smallest gradient of the graph would otherwise leave the normal range.

A bug that keeps op-node gradients across calls, or that makes ``grad()``
assign where it should accumulate, shows here even when one ``backward()``
is right.

>>> from toygrad import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x
>>> y.backward()
>>> contract_violation(y, ["x"], [1e-15])
''
"""

from __future__ import annotations

import math
from typing import Sequence

from toygrad import DomainError, Value, grad, topological, variables

__all__ = ["contract_violation", "SHIFT"]

#: the output is also scaled by 2**-SHIFT, exactly: every contribution of the sweep shrinks with it
SHIFT = 60
_LOWEST = -960  # binary exponent kept clear of the subnormals (below 2**-1022), with room for the rules' products


def contract_violation(graph: Value, names: Sequence[str], tolerance: Sequence[float]) -> str:
    """Why ``graph`` (after one ``backward()``) breaks the engine's contract, or ``""``.

    ``names`` are the variables' labels in order; ``tolerance`` the policy's
    tolerance of each gradient component. Runs ``backward()`` once more on
    ``graph``, then once on ``graph`` scaled (so the ``.grad`` of its nodes
    end up changed).
    """
    order = topological(graph)
    ops = [n for n in order if n.op is not None]
    leaves = {v.label: v for v in variables(graph)}
    wrt = [(i, n, leaves[n]) for i, n in enumerate(names) if n in leaves]
    first_ops = [n.grad for n in ops]
    first = [v.grad for _, _, v in wrt]
    try:
        functional = grad(graph, [v for _, _, v in wrt])
    except DomainError as exc:
        return f"toygrad.grad fails where backward() succeeded: {exc}"
    for (i, n, _), b, f in zip(wrt, first, functional):
        if not abs(f - b) <= tolerance[i]:
            return f"toygrad.grad gives d/d{n} = {f!r} but backward() gives {b!r}: off by {abs(f - b):.3g}"
    try:
        graph.backward()
    except DomainError as exc:
        return f"a second backward() on the same graph fails: {exc}"
    for node, before in zip(ops, first_ops):
        if node.grad != before:
            return (f"a second backward() changed the gradient of the op node {node.op.name} from {before!r} to "
                    f"{node.grad!r}: op nodes must be reset, only variables accumulate")
    for (i, n, v), before in zip(wrt, first):
        if not abs(v.grad - 2 * before) <= 2 * tolerance[i]:
            return (f"after a second backward() d/d{n} is {v.grad!r}, not twice {before!r}: variables must "
                    "accumulate exactly")
    smallest = min((abs(g) for g in [*first_ops, *first] if g), default=1.0)
    shift = min(SHIFT, math.frexp(smallest)[1] - _LOWEST)
    if shift < 1:
        return ""
    scale = 2.0**-shift
    for _, _, v in wrt:
        v.grad = 0.0
    try:
        (graph * scale).backward()
    except DomainError as exc:
        return f"backward() of the output times 2**-{shift} fails: {exc}"
    for (i, n, v), g in zip(wrt, first):
        added = v.grad / scale
        if not abs(added - g) <= tolerance[i]:
            return (f"backward() of the output times 2**-{shift} gives d/d{n} = {added!r} times 2**-{shift}, "
                    f"not {g!r}: small contributions are treated differently from large ones")
    return ""
