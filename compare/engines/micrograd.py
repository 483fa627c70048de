"""micrograd 0.1.0 (first order only): it has +, -, *, /, a constant power and relu.

``sum``, ``dot`` and ``relu_dot`` are written with those, as micrograd's own
``nn.Neuron`` does. Not supported: ``exp log sin cos tan tanh sigmoid sqrt
abs`` (no such methods), and ``pow`` with a Value exponent or a constant base
(``__pow__`` asserts a number exponent; there is no ``__rpow__``).
"""

from __future__ import annotations

import builtins
import operator
from importlib import metadata
from typing import Any, Callable, Sequence

from ..generate import Ref
from .adapter import Adapter

INSTALL = "pip install micrograd==0.1.0"


def _dot(*args):
    n = len(args) // 2
    return builtins.sum(w * x for w, x in zip(args[:n], args[n:]))


TABLE: dict[str, Callable[..., Any]] = {
    # binary
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "pow": operator.pow,
    # unary
    "neg": operator.neg, "relu": lambda x: x.relu(),
    # fused n-ary, as micrograd.nn.Neuron writes them
    "sum": lambda *args: builtins.sum(args),
    "dot": _dot,
    "relu_dot": lambda *args: _dot(*args).relu(),
}


def _pow_limit(args: tuple) -> str:
    base, exponent = args
    if isinstance(exponent, Ref):
        return "pow with a Value exponent"
    if not isinstance(base, Ref):
        return "pow with a constant base"
    return ""


def adapter() -> Adapter:
    from micrograd.engine import Value

    def derivatives(f: Callable[[list], Any], xs: Sequence[float], order: int) -> tuple:
        vs = [Value(x) for x in xs]
        y = f(vs)
        y.backward()
        return y.data, [v.grad for v in vs], None

    return Adapter("micrograd", TABLE, derivatives, second_order=False, limits={"pow": _pow_limit},
                   version=metadata.version("micrograd"))
