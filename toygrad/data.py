"""Seeded toy datasets, made with numpy: no downloads.

>>> X, y = moons(100, noise=0.1, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((100, 2), [-1, 1])
"""

from __future__ import annotations

import numpy as np

__all__ = ["moons"]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``X`` of shape ``(n, 2)``, labels ``y`` in {-1, 1}.

    Half the points (rounded down) lie on the upper moon (label -1), the rest on
    the lower one (label 1); Gaussian noise of standard deviation ``noise`` is
    added to every coordinate.
    """
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"moons needs n >= 2 points, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"moons needs noise >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([-np.ones(n_upper, dtype=int), np.ones(n - n_upper, dtype=int)])
    order = rng.permutation(n)
    return X[order], y[order]
