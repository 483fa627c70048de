"""Small numeric helpers shared by the tests."""

from __future__ import annotations

import sys
from typing import Callable, Sequence

EPS = sys.float_info.epsilon


def central_difference(f: Callable[..., float], xs: Sequence[float], i: int) -> float:
    """d f / d xs[i] by a central difference with step eps**(1/3) * max(1, |x|)."""
    h = EPS ** (1 / 3) * max(1.0, abs(xs[i]))
    plus, minus = list(xs), list(xs)
    plus[i] += h
    minus[i] -= h
    return (f(*plus) - f(*minus)) / (plus[i] - minus[i])
