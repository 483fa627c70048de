"""Seeded toy datasets, made with numpy: no downloads.

Every maker takes the number of points ``n``, a ``noise`` level and a
``seed``, and returns ``(X, y)``: ``X`` of shape ``(n, d)``, ``y`` of shape
``(n,)``, rows shuffled. The same seed gives the same arrays.

>>> X, y = moons(100, noise=0.1, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((100, 2), [-1, 1])

:data:`DATASETS` lists them by name, with the kind of task each one is for.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["moons", "circles", "xor", "spiral", "sine", "train_test_split", "Dataset", "DATASETS", "KINDS"]


def _check_count(maker: str, name: str, n: object, least: int) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{maker} needs a whole number as {name}, got {type(n).__name__} {n!r}")
    if n < least:
        raise ValueError(f"{maker} needs {name} >= {least}, got {n!r}")


def _check_noise(maker: str, noise: object) -> None:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"{maker} needs a number as noise, got {type(noise).__name__} {noise!r}")
    if not 0 <= noise < np.inf:
        raise ValueError(f"{maker} needs a finite noise >= 0, got {noise!r}")


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``X`` of shape ``(n, 2)``, labels ``y`` in {-1, 1}.

    Half the points (rounded down) lie on the upper moon (label -1), the rest on
    the lower one (label 1); Gaussian noise of standard deviation ``noise`` is
    added to every coordinate.
    """
    _check_count("moons", "n", n, 2)
    _check_noise("moons", noise)
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


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: ``X`` of shape ``(n, 2)``, labels ``y`` in {-1, 1}.

    Half the points (rounded down) lie evenly spaced on the unit circle (label
    -1), the rest on a circle of radius ``factor`` (label 1), in (0, 1);
    Gaussian noise of standard deviation ``noise`` is added to every coordinate.

    >>> X, y = circles(8, noise=0.0)
    >>> sorted(set(np.round(np.hypot(X[:, 0], X[:, 1]), 6).tolist())), sorted(set(y.tolist()))
    ([0.5, 1.0], [-1, 1])
    """
    _check_count("circles", "n", n, 2)
    _check_noise("circles", noise)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(f"circles needs a number as factor, got {type(factor).__name__} {factor!r}")
    if not 0 < factor < 1:
        raise ValueError(f"circles needs the inner radius factor in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    n_outer = n // 2
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n - n_outer, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    X = np.vstack([outer, inner]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([-np.ones(n_outer, dtype=int), np.ones(n - n_outer, dtype=int)])
    order = rng.permutation(n)
    return X[order], y[order]


def xor(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at (1, 1), (-1, 1), (-1, -1), (1, -1): ``X`` of shape ``(n, 2)``.

    Points are dealt to the blobs in turn (equal counts when ``n`` is a multiple
    of 4), each blob of standard deviation ``noise``. The label of a point is
    the sign of ``x * y`` *for that point*, in {-1, 1} (1 on the axes, where
    ``x * y == 0``): quadrant labels, so a wide blob that spills over an axis
    keeps a clean XOR rule.

    >>> X, y = xor(4, noise=0.0)
    >>> sorted(zip(X.tolist(), y.tolist()))
    [([-1.0, -1.0], 1), ([-1.0, 1.0], -1), ([1.0, -1.0], -1), ([1.0, 1.0], 1)]
    """
    _check_count("xor", "n", n, 4)
    _check_noise("xor", noise)
    rng = np.random.default_rng(seed)
    centres = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    X = centres[np.arange(n) % 4] + rng.normal(0.0, noise, size=(n, 2))
    y = np.where(X[:, 0] * X[:, 1] >= 0.0, 1, -1)
    order = rng.permutation(n)
    return X[order], y[order]


def spiral(n: int = 100, classes: int = 3, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: ``X`` of shape ``(n, 2)``, ``y`` in 0..classes-1.

    ``n`` is the total number of points, as for the other datasets, dealt out
    as evenly as possible (the first ``n % classes`` classes get one more).
    Arm ``j`` starts at angle ``2 pi j / classes`` and winds outwards over 4
    radians while its radius grows from 0.1 to 1; Gaussian noise of standard
    deviation ``noise`` is added to every coordinate. Labels are integer class
    indices, for :func:`toygrad.losses.softmax_cross_entropy`.

    >>> X, y = spiral(90, classes=3)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    _check_count("spiral", "classes", classes, 2)
    _check_count("spiral", "n", n, classes)
    _check_noise("spiral", noise)
    rng = np.random.default_rng(seed)
    counts = [n // classes + (j < n % classes) for j in range(classes)]
    r = np.concatenate([np.linspace(0.1, 1.0, m) for m in counts])
    t = np.concatenate([2 * np.pi * j / classes + np.linspace(0.0, 4.0, m) for j, m in enumerate(counts)])
    X = np.column_stack([r * np.cos(t), r * np.sin(t)]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.repeat(np.arange(classes), counts)
    order = rng.permutation(n)
    return X[order], y[order]


def sine(n: int = 100, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Regression: ``y = sin(x)**2 + 1`` (plus Gaussian noise) at ``x`` uniform in [-2 pi, 6 pi).

    ``X`` has shape ``(n, 1)``, ``y`` is float of shape ``(n,)``.

    >>> X, y = sine(5)
    >>> X.shape, y.shape, bool(np.allclose(y, np.sin(X[:, 0]) ** 2 + 1))
    ((5, 1), (5,), True)
    """
    _check_count("sine", "n", n, 1)
    _check_noise("sine", noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2 * np.pi, 6 * np.pi, size=n)
    y = np.sin(x) ** 2 + 1.0 + rng.normal(0.0, noise, size=n)
    return x[:, None], y


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded random split: ``X_train, X_test, y_train, y_test``.

    The test part holds ``round(test_fraction * n)`` examples (halves round
    up); both parts must be non-empty.

    >>> X, y = moons(100)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2)
    >>> X_train.shape, X_test.shape, y_train.shape, y_test.shape
    ((80, 2), (20, 2), (80,), (20,))
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"train_test_split needs arrays with one row per example, got shapes {X.shape} and {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"train_test_split got {len(X)} rows in X and {len(y)} labels in y; they must pair up")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(f"train_test_split needs a number as test_fraction, got {test_fraction!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"train_test_split needs test_fraction in (0, 1), got {test_fraction!r}")
    n = len(X)
    n_test = int(np.floor(test_fraction * n + 0.5))
    if not 0 < n_test < n:
        part = "test" if n_test == 0 else "training"
        raise ValueError(
            f"train_test_split: test_fraction {test_fraction!r} of {n} examples leaves the {part} part empty"
        )
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


#: the kinds of task a dataset is made for
KINDS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class Dataset:
    """A dataset maker and its kind of task; calling it calls the maker.

    ``kind`` is ``"binary"`` (labels -1 and 1: :func:`toygrad.losses.hinge`),
    ``"multiclass"`` (labels 0..k-1: ``softmax_cross_entropy``) or
    ``"regression"`` (float targets: ``mse``).

    >>> d = DATASETS["circles"]
    >>> d.kind, d.summary
    ('binary', 'Two concentric circles: ``X`` of shape ``(n, 2)``, labels ``y`` in {-1, 1}.')
    >>> d(10)[0].shape
    (10, 2)
    """

    make: Callable[..., tuple[np.ndarray, np.ndarray]]
    kind: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown dataset kind {self.kind!r}; choose one of {', '.join(KINDS)}")

    def __call__(self, *args, **kwargs) -> tuple[np.ndarray, np.ndarray]:
        return self.make(*args, **kwargs)

    @property
    def summary(self) -> str:
        """The first line of the maker's docstring, for listings."""
        return (self.make.__doc__ or self.make.__name__).strip().splitlines()[0]


#: every dataset by name: ``DATASETS["moons"](100, noise=0.1, seed=0)``
DATASETS: dict[str, Dataset] = {
    "moons": Dataset(moons, "binary"),
    "circles": Dataset(circles, "binary"),
    "xor": Dataset(xor, "binary"),
    "spiral": Dataset(spiral, "multiclass"),
    "sine": Dataset(sine, "regression"),
}
