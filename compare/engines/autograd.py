"""HIPS autograd: each op row as the ``autograd.numpy`` function a user would call.

autograd has no ``relu``: it is written ``np.maximum(x, 0.0)``, as users do (so
its convention at 0 is ``maximum``'s: half to each side). ``sigmoid`` is
``autograd.scipy.special.expit``. Hessian by ``autograd.hessian``.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

from .adapter import Adapter

INSTALL = "pip install autograd"


def adapter() -> Adapter:
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import expit

    def dot(*args):
        n = len(args) // 2
        return anp.dot(anp.array(list(args[:n])), anp.array(list(args[n:])))

    table: dict[str, Callable[..., Any]] = {
        # binary
        "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
        "pow": operator.pow,
        # unary
        "neg": anp.negative, "exp": anp.exp, "log": anp.log, "sin": anp.sin, "cos": anp.cos,
        "tan": anp.tan, "tanh": anp.tanh, "sigmoid": expit, "relu": lambda x: anp.maximum(x, 0.0),
        "sqrt": anp.sqrt, "abs": anp.abs,
        # fused n-ary
        "sum": lambda *args: anp.sum(anp.array(list(args))),
        "dot": dot,
        "relu_dot": lambda *args: anp.maximum(dot(*args), 0.0),
    }

    def derivatives(f: Callable[[list], Any], xs: Sequence[float], order: int) -> tuple:
        n = len(xs)
        x = anp.array(xs, dtype=float)

        def fun(v):
            return f([v[i] for i in range(n)])

        gradient, value = autograd.value_and_grad(fun)(x)[::-1]
        hessian = autograd.hessian(fun)(x).tolist() if order == 2 else None
        return value, list(gradient), hessian

    return Adapter("autograd", table, derivatives, version=getattr(autograd, "__version__", ""))
