"""Training by the symbolic gradient: SymPy's gradient of one example, compiled once, run on whole batches."""

from __future__ import annotations

import math
import time

import numpy as np

from symbolic import symbols_of
from symbolic import gradient as symbolic_gradient
from toygrad import DomainError, Value

from .problem import LOSS_FUNCTIONS, Problem

__all__ = ["SymbolicStep", "example_loss"]


def example_loss(loss: str, z: list[Value], t: list[Value]) -> Value:
    """One example's loss (by :mod:`toygrad.losses`) with its targets as variables, so that one graph
    serves every example: ``t`` is the one-hot row for ``ce``, the target otherwise.

    toygrad's losses never branch on a value, so the graph is right at every example.
    """
    if loss == "ce":
        return LOSS_FUNCTIONS[loss]([z], [t])
    return LOSS_FUNCTIONS[loss](z[:1], t[:1])


def _target_columns(loss: str, targets: np.ndarray, outputs: int) -> list[np.ndarray]:
    """The values of :func:`example_loss`'s target variables, one array per variable."""
    if loss == "ce":
        return [(targets == k).astype(float) for k in range(outputs)]
    return [targets.astype(float)]


class SymbolicStep:
    """The gradient SymPy derived for one example, compiled once, evaluated on the batch at once.

    The example's inputs and targets are variables of its graph (labelled
    ``input0..``, ``target0..``): the compiled function takes arrays for them
    and scalars for the parameters, and numpy broadcasting does the batch.
    The batch mean and the L2 term's ``2 * l2 * p`` complete the gradient.
    """

    def __init__(self, problem: Problem):
        s = problem.setup
        self.params = problem.model.parameters()
        d = problem.X_train.shape[1]
        inputs = [Value(0.0, label=f"input{j}") for j in range(d)]
        targets = [Value(0.0, label=f"target{j}") for j in range(problem.outputs if s.loss == "ce" else 1)]
        out = problem.model(inputs)
        loss = example_loss(s.loss, out if isinstance(out, list) else [out], targets)
        t = time.perf_counter()
        symbols = symbols_of(loss)
        program = symbolic_gradient(loss, self.params, mode="dag", with_value=True)
        self.times = {"derive": time.perf_counter() - t}
        t = time.perf_counter()
        self.fn = program.compile(modules="numpy")
        self.times["compile"] = time.perf_counter() - t
        self.bindings = len(program.bindings)
        columns = {id(v): c for v, c in zip(inputs, problem.X_train.T)}
        columns.update({id(v): c for v, c in zip(targets, _target_columns(s.loss, problem.T_train, problem.outputs))})
        position = {id(p): i for i, p in enumerate(self.params)}
        by_symbol = {sym: v for v, sym in symbols.items()}
        #: per argument of the compiled function: a parameter's index, or a column of the data
        self.sources = [position.get(id(v), columns.get(id(v))) for v in map(by_symbol.get, program.inputs)]
        self.alpha = s.l2

    def __call__(self, rows: np.ndarray | None) -> float:
        p = np.array([q.data for q in self.params])
        args = [p[j] if isinstance(j, int) else j if rows is None else j[rows] for j in self.sources]
        with np.errstate(all="ignore"):
            loss, *grads = self.fn(*args)
            g = np.vstack(np.broadcast_arrays(*grads)).mean(axis=1)
            value = float(np.mean(loss))
            if self.alpha:
                g += 2 * self.alpha * p
                value += self.alpha * float(p @ p)
        if not (math.isfinite(value) and np.isfinite(g).all()):
            raise DomainError(f"the compiled gradient is not finite (loss {value!r})")
        for q, gi in zip(self.params, g.tolist()):
            q.grad = gi
        return value
