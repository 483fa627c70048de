"""A set-up made concrete: the split data, the loss's targets, the seeded initial model; numpy predictions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from toygrad import Value, losses
from toygrad.data import DATASETS, train_test_split
from toygrad.nn import MLP
from toygrad.ops import OPS

from .setup import Setup
from .verify import VERIFY_BATCH, Verification, verify

__all__ = ["Problem", "prepare", "predict", "metric", "LOSS_FUNCTIONS"]


#: the training losses by name, from :mod:`toygrad.losses`
LOSS_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "hinge": losses.hinge,
    "mse": losses.mse,
    "bce": losses.binary_cross_entropy_with_logits,
    "ce": losses.softmax_cross_entropy,
}


def _encode(loss: str, kind: str, y: np.ndarray) -> np.ndarray:
    """Raw labels as the loss's targets: +-1 (hinge, mse), 0/1 (bce), class indices (ce), floats."""
    if kind == "regression":
        return y.astype(float)
    if loss == "ce":
        return y.astype(int) if kind == "multiclass" else (y > 0).astype(int)
    if loss == "bce":
        return (y > 0).astype(float)
    return y.astype(float)  # hinge, mse: -1 and 1


def metric(kind: str, loss: str, scores: np.ndarray, targets: np.ndarray) -> float:
    """Accuracy for classification, root-mean-square error for regression."""
    if kind == "regression":
        return float(np.sqrt(np.mean((scores[:, 0] - targets) ** 2)))
    if loss == "ce":
        return float(np.mean(np.argmax(scores, axis=1) == targets))
    return float(np.mean((scores[:, 0] > 0) == (targets > 0)))


@dataclass
class Problem:
    """A set-up made concrete: the split data, the loss's targets and the initial model."""

    setup: Setup
    kind: str
    outputs: int
    model: MLP
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    T_train: np.ndarray
    T_test: np.ndarray

    @property
    def metric(self) -> str:
        return "rmse" if self.kind == "regression" else "accuracy"

    def architecture(self) -> str:
        return f"MLP({self.X_train.shape[1]}, {[*self.setup.hidden, self.outputs]})"

    def loss(self, outputs: Sequence[Any], targets: Sequence[Any]) -> Value:
        """The data term of the training loss (a mean over the examples), by :mod:`toygrad.losses`."""
        return LOSS_FUNCTIONS[self.setup.loss](outputs, targets)

    def verify(self, batch: int = VERIFY_BATCH, backend: str | None = None) -> "Verification":
        """:func:`verify` on this problem's model, loss and training data (``backend`` derives the exact gradient)."""
        s = self.setup
        return verify(self.model, self.loss, self.X_train, self.T_train, batch=batch, l2=s.l2, seed=s.seed,
                      backend=backend)


def prepare(setup: Setup) -> Problem:
    """The data (``setup.points`` training points, and a test part) and the seeded initial model.

    The model draws its weights from Python's ``random`` after
    ``random.seed(setup.seed)``, as micrograd's demo does; the global random
    state is restored afterwards.
    """
    kind = DATASETS[setup.dataset].kind
    n_test = max(1, round(setup.points * setup.test_fraction / (1 - setup.test_fraction)))
    total = setup.points + n_test
    try:
        X, y = DATASETS[setup.dataset](total, noise=setup.noise, seed=setup.seed)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{setup.dataset}: {exc}") from None
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=n_test / total, seed=setup.seed)
    outputs = (int(y.max()) + 1 if kind == "multiclass" else 2) if setup.loss == "ce" else 1
    state = random.getstate()
    random.seed(setup.seed)
    try:
        model = MLP(X.shape[1], [*setup.hidden, outputs], activation=setup.activation)
    finally:
        random.setstate(state)
    return Problem(setup, kind, outputs, model, X_train, y_train, X_test, y_test,
                   _encode(setup.loss, kind, y_train), _encode(setup.loss, kind, y_test))


@cache
def _numpy_activation(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The op table's SymPy translation of an activation, lambdified for numpy."""
    u = sp.Symbol("u", real=True)
    return sp.lambdify(u, OPS[name].sympy(sp, u), modules="numpy")


def predict(model: MLP, X: np.ndarray) -> np.ndarray:
    """The model's outputs on the rows of ``X``, shape ``(n, outputs)``, by numpy.

    The engine's weights and activations (rounding aside) at a small fraction
    of its cost: for metrics and plots, never for gradients.
    """
    h = np.asarray(X, dtype=float)
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        h = h @ W.T + b
        if layer.neurons[0].nonlin:
            h = _numpy_activation(layer.neurons[0].activation)(h)
    return h
