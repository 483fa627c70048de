"""Small numeric helpers shared by the tests."""

from __future__ import annotations

from typing import Callable, Sequence

from compare import finite


def central_difference(f: Callable[..., float], xs: Sequence[float], i: int) -> float:
    """d f / d xs[i] by the toolkit's central difference (:mod:`compare.finite`), ``f`` taking the numbers apart."""
    return finite.partials(lambda ys: f(*ys), xs)[i]
