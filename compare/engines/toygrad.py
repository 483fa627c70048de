"""toygrad itself, as an engine: its table is its own op table (``toygrad.apply``)."""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from .adapter import Adapter

INSTALL = "part of this package"


def adapter() -> Adapter:
    import toygrad

    table = {name: functools.partial(toygrad.apply, name) for name in toygrad.OPS}
    return Adapter("toygrad", table, _derivatives(toygrad), version=toygrad.__version__)


def _derivatives(toygrad) -> Callable:
    def derivatives(f: Callable[[list], Any], xs: Sequence[float], order: int) -> tuple:
        vs = [toygrad.Value(x) for x in xs]
        y = f(vs)
        gradient = toygrad.grad(y, vs)
        return y.data, gradient, toygrad.hessian(y, vs) if order == 2 else None

    return derivatives
