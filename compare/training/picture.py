"""What a plot of a trained model shows, as plain data: decision regions or a fitted curve.

The JSON of a training run carries it (``picture``), and :mod:`compare.plots`
draws it: the report's page, ``train --html`` and ``train --plot`` all read
the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .problem import Problem, metric, predict

__all__ = ["picture"]


def picture(problem: Problem, size: int = 60) -> dict[str, Any] | None:
    """What a plot of the trained model shows, as plain data (for JSON and :mod:`compare.plots`).

    Two inputs, classes: ``{"kind": "regions", "x": [lo, hi], "y": [lo, hi], "classes": size x size
    predicted class indices (row k at the k-th y), "labels", "train"/"test": [[x1, x2, class index]]}``.
    One input, regression: ``{"kind": "fit", "curve": {"x", "y"}, "train"/"test": [[x, y]], "test_rmse"}``.
    None for other shapes.

    >>> from compare.training import prepare, setup_for
    >>> p = picture(prepare(setup_for("moons", steps=1)), size=4)
    >>> p["kind"], len(p["classes"]), p["labels"]
    ('regions', 4, [-1, 1])
    """
    d = problem.X_train.shape[1]
    if problem.kind == "regression" and d == 1:
        x = np.linspace(problem.X_train.min(), problem.X_train.max(), 4 * size)
        scores = predict(problem.model, problem.X_test)
        return {
            "kind": "fit",
            "curve": {"x": x.tolist(), "y": predict(problem.model, x[:, None])[:, 0].tolist()},
            "train": np.column_stack([problem.X_train[:, 0], problem.y_train]).tolist(),
            "test": np.column_stack([problem.X_test[:, 0], problem.y_test]).tolist(),
            "test_rmse": metric("regression", "mse", scores, problem.T_test),
        }
    if problem.kind == "regression" or d != 2:
        return None
    X = np.vstack([problem.X_train, problem.X_test])
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y0, y1, size))
    scores = predict(problem.model, np.column_stack([gx.ravel(), gy.ravel()]))
    labels = np.unique(np.concatenate([problem.y_train, problem.y_test]))
    regions = np.argmax(scores, axis=1) if scores.shape[1] > 1 else (scores[:, 0] > 0).astype(int)

    def points(Xp: np.ndarray, yp: np.ndarray) -> list[list[float]]:
        return np.column_stack([Xp, np.searchsorted(labels, yp)]).tolist()

    return {
        "kind": "regions", "x": [float(x0), float(x1)], "y": [float(y0), float(y1)],
        "classes": regions.reshape(gx.shape).tolist(), "labels": labels.tolist(),
        "train": points(problem.X_train, problem.y_train), "test": points(problem.X_test, problem.y_test),
    }
