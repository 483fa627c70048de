"""Optimizers with PyTorch's names and update rules: ``SGD`` and ``Adam``.

An optimizer keeps a list of variable ``Value``s; ``step()`` reads each one's
``.grad`` (a float, filled in by ``backward()``) and updates its ``.data`` in
place; ``zero_grad()`` resets the gradients before the next ``backward()``.

>>> import random
>>> from toygrad.nn import MLP
>>> from toygrad.optim import SGD
>>> random.seed(0)
>>> model = MLP(2, [4, 1])
>>> opt = SGD(model.parameters(), lr=0.1)
>>> for _ in range(3):
...     loss = (model([1.0, -1.0]) - 2.0) ** 2
...     opt.zero_grad()
...     loss.backward()
...     opt.step()
>>> opt.steps
3
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from .engine import Value

__all__ = ["Optimizer", "SGD", "Adam"]


def _number(owner: str, name: str, x: Any, ok: Callable[[float], bool], text: str) -> float:
    """``x`` as a float if ``ok`` holds for it; else an error naming the argument, ``text`` and the value."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{owner} needs a number as {name}, got {type(x).__name__} {x!r}")
    f = float(x)
    if not ok(f):
        raise ValueError(f"{owner} needs {name} {text}, got {x!r}")
    return f


def _positive(f: float) -> bool:
    return 0.0 < f < math.inf


def _non_negative(f: float) -> bool:
    return 0.0 <= f < math.inf


def _fraction(f: float) -> bool:
    return 0.0 <= f < 1.0


class Optimizer:
    """What ``SGD`` and ``Adam`` share: the parameter list, ``steps``, ``lr`` and ``zero_grad()``.

    ``params`` must be variable Values (leaves a user made, such as
    ``model.parameters()``), each listed once.

    >>> from toygrad import Value
    >>> w = Value(1.0)
    >>> w.grad = 3.0
    >>> opt = Optimizer([w], lr=0.1)
    >>> opt.zero_grad()
    >>> w.grad, opt.lr, opt.steps
    (0.0, 0.1, 0)
    """

    def __init__(self, params: Iterable[Value], lr: float):
        owner = type(self).__name__
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"{owner} needs an iterable of Values as params, got {type(params).__name__} {params!r}")
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{owner} got an empty list of params: nothing to optimize")
        seen: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{owner} needs Values as params, got {type(p).__name__} {p!r} at index {i}")
            if p.op is not None:
                raise ValueError(f"{owner} needs variable leaves as params; param {i} is the output of {p.op.name}")
            if id(p) in seen:
                raise ValueError(f"{owner} got the same Value twice in params, at index {seen[id(p)]} and {i}")
            seen[id(p)] = i
        self._lr = _number(owner, "lr", lr, _positive, "> 0 and finite")
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate the next ``step()`` uses."""
        return self._lr

    def zero_grad(self) -> None:
        """Set ``.grad`` of every parameter to 0."""
        for p in self.params:
            p.grad = 0.0


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, weight decay and schedule.

    ``SGD(params, lr=0.01, momentum=0.0, schedule=None, weight_decay=0.0)``.
    With weight decay the gradient is ``g + weight_decay * p``; with momentum
    the update is PyTorch's: ``buf = momentum * buf + g; p -= lr * buf``.
    ``schedule``, if given, is a function of the step number ``k`` (0 for the
    first ``step()``) that returns the learning rate of that step; it then
    replaces ``lr``. It may reach 0, but not go below.

    micrograd's demo, ``p.data -= (1.0 - 0.9 * k / 100) * p.grad``:

    >>> from toygrad import Value
    >>> w = Value(2.0)
    >>> opt = SGD([w], schedule=lambda k: 1.0 - 0.9 * k / 100)
    >>> w.grad = 0.5
    >>> opt.step()  # k = 0: lr 1.0
    >>> w.data, opt.lr
    (1.5, 0.991)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        momentum: float = 0.0,
        schedule: Callable[[int], float] | None = None,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        self.momentum = _number("SGD", "momentum", momentum, _fraction, "in [0, 1)")
        self.weight_decay = _number("SGD", "weight_decay", weight_decay, _non_negative, ">= 0 and finite")
        if schedule is not None and not callable(schedule):
            raise TypeError(f"SGD needs a function of the step number as schedule, got {type(schedule).__name__}")
        self.schedule = schedule
        self._buffers = [0.0] * len(self.params) if self.momentum else None

    @property
    def lr(self) -> float:
        """The learning rate the next ``step()`` uses: ``schedule(steps)`` or ``lr``."""
        if self.schedule is None:
            return self._lr
        k = self.steps
        return _number("SGD", f"schedule({k}) to return an lr", self.schedule(k), _non_negative, ">= 0 and finite")

    def step(self) -> None:
        """``p.data -= lr * g`` (or ``lr * buf`` with momentum) for every parameter."""
        lr, wd, mu, bufs = self.lr, self.weight_decay, self.momentum, self._buffers
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            if bufs is not None:
                g = bufs[i] = mu * bufs[i] + g
            p.data -= lr * g
        self.steps += 1


class Adam(Optimizer):
    """Adam with PyTorch's bias correction: ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)``.

    At step ``t`` (from 1), with ``g = grad + weight_decay * p`` (L2 as in
    ``torch.optim.Adam``, not AdamW's decoupled decay)::

        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)

    The first step moves every parameter with a non-zero gradient by about
    ``lr``, whatever the gradient's size:

    >>> from toygrad import Value
    >>> w = Value(1.0)
    >>> opt = Adam([w], lr=0.1)
    >>> w.grad = 1000.0
    >>> opt.step()
    >>> round(w.data, 9)
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam needs betas as a pair (beta1, beta2), got {type(betas).__name__} {betas!r}")
        self.betas = (
            _number("Adam", "beta1", betas[0], _fraction, "in [0, 1)"),
            _number("Adam", "beta2", betas[1], _fraction, "in [0, 1)"),
        )
        self.eps = _number("Adam", "eps", eps, _positive, "> 0 and finite (it keeps 0 / 0 out of zero gradients)")
        self.weight_decay = _number("Adam", "weight_decay", weight_decay, _non_negative, ">= 0 and finite")
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        """One Adam update of every parameter."""
        b1, b2 = self.betas
        eps, wd, m, v = self.eps, self.weight_decay, self._m, self._v
        t = self.steps + 1
        step_size = self._lr / (1.0 - b1**t)
        root_c2 = math.sqrt(1.0 - b2**t)
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / root_c2 + eps)
        self.steps = t
