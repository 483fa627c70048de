"""PyTorch (float64, CPU): each op row as the torch function a user would call.

Binary ops are Python's operators, which dispatch to ``torch.add``, ``torch.pow``
... and accept a float constant on either side; n-ary rows stack their
arguments (``torch.dot``). Hessians by double backward (``create_graph=True``).
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

from .adapter import Adapter

INSTALL = "pip install torch==2.13.0"


def adapter() -> Adapter:
    import torch

    def tensors(args):
        return torch.stack([a if isinstance(a, torch.Tensor) else torch.tensor(a, dtype=torch.float64) for a in args])

    def dot(*args):
        n = len(args) // 2
        return torch.dot(tensors(args[:n]), tensors(args[n:]))

    table: dict[str, Callable[..., Any]] = {
        # binary
        "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
        "pow": operator.pow,
        # unary
        "neg": torch.neg, "exp": torch.exp, "log": torch.log, "sin": torch.sin, "cos": torch.cos,
        "tan": torch.tan, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
        "sqrt": torch.sqrt, "abs": torch.abs,
        # fused n-ary
        "sum": lambda *args: torch.sum(tensors(args)),
        "dot": dot,
        "relu_dot": lambda *args: torch.relu(dot(*args)),
    }

    def derivatives(f: Callable[[list], Any], xs: Sequence[float], order: int) -> tuple:
        x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in xs]
        y = f(x)
        first = torch.autograd.grad(y, x, create_graph=order == 2, allow_unused=True)
        gradient = [0.0 if g is None else g.item() for g in first]
        if order == 1:
            return y.item(), gradient, None
        hessian = []
        for g in first:
            if g is None or not g.requires_grad:
                hessian.append([0.0] * len(x))
                continue
            row = torch.autograd.grad(g, x, retain_graph=True, allow_unused=True)
            hessian.append([0.0 if h is None else h.item() for h in row])
        return y.item(), gradient, hessian

    return Adapter("torch", table, derivatives, version=torch.__version__)
