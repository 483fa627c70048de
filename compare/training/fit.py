"""Training: the step loop, by backpropagation or by the compiled symbolic gradient, and the run's record."""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from toygrad import Constant, DomainError, Value, losses
from toygrad.optim import SGD, Adam

from .problem import Problem, metric, predict, prepare
from .setup import METHODS, MOMENTUM, OPTIMIZER_LR, Setup, check_setup, setup_for
from .symbolic_step import SymbolicStep
from .verify import Verification, VerificationFailed

__all__ = ["TrainingRun", "train", "fit"]


@dataclass
class TrainingRun:
    """What :func:`fit` did: the loss of every step, rows at intervals, final figures, timings.

    ``history`` rows are ``{"step", "loss", "train", "test"}``: ``step``
    counts the updates made so far, ``train``/``test`` are the metric
    (accuracy, or RMSE for regression). For ``method="symbolic"``,
    ``symbolic`` holds the one-time costs, the time per step of both methods
    and ``max_gap``, the largest relative gap between their loss trajectories.
    Times are in seconds.
    """

    setup: Setup
    method: str
    metric: str
    verification: Verification | None
    losses: list[float]
    history: list[dict[str, float]]
    final: dict[str, float]
    times: dict[str, float]
    symbolic: dict[str, Any] | None = None
    problem: Problem | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "setup": asdict(self.setup), "method": self.method, "metric": self.metric,
            "verification": self.verification.to_dict() if self.verification else None,
            "losses": self.losses, "history": self.history, "final": self.final, "times": self.times,
            "symbolic": self.symbolic,
        }


def train(
    setup: Setup | str = "moons", method: str = "ad", *, verify_first: bool = True,
    progress: Callable[..., Iterable] | None = None, backend: str | None = None, **overrides: Any,
) -> TrainingRun:
    """Verify, then train: ``train("moons")`` is micrograd's demo on the verified engine.

    ``setup`` is a :class:`Setup` or a data set's name (its defaults, with
    ``overrides``). Raises :class:`VerificationFailed` if the gradients
    disagree. ``progress`` wraps the step loop (the CLI passes a progress bar); ``backend`` derives the
    verification's exact gradient (see :func:`compare.training.verify`).
    """
    if isinstance(setup, str):
        setup = setup_for(setup, **overrides)
    elif overrides:
        setup = replace(setup, **overrides)
        check_setup(setup)
    problem = prepare(setup)
    verification = problem.verify(backend=backend) if verify_first else None
    if verification is not None and not verification.passed:
        raise VerificationFailed(verification)
    return fit(problem, method, verification=verification, progress=progress)


def fit(
    problem: Problem, method: str = "ad", verification: Verification | None = None,
    progress: Callable[..., Iterable] | None = None, every: int | None = None,
) -> TrainingRun:
    """Train ``problem.model`` in place, by backpropagation or by the compiled SymPy gradient.

    ``method="symbolic"`` first runs AD from the same initial weights on the
    same batches, for the comparison, then the symbolic method: the model
    ends up trained by the symbolic gradient. Rows of ``history`` every
    ``every`` steps (default a tenth of the run).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    s = problem.setup
    every = every or max(1, s.steps // 10)
    rng = np.random.default_rng([s.seed, 1])
    n = len(problem.X_train)
    batches = [None if s.batch is None else np.sort(rng.choice(n, s.batch, replace=False)) for _ in range(s.steps)]
    wrap = progress or (lambda items, **_: items)
    params = problem.model.parameters()
    start = [p.data for p in params]

    def steps(desc: str) -> Iterable[int]:
        return wrap(range(s.steps), total=s.steps, desc=desc)

    symbolic = None
    if method == "symbolic":
        ad = _run(problem, _ADStep(problem), batches, every, steps("AD, for comparison"))
        for p, x in zip(params, start):
            p.data = x
        compiled = SymbolicStep(problem)
        result = _run(problem, compiled, batches, every, steps("symbolic"))
        gap = max(abs(a - b) / abs(a) if a else abs(b) for a, b in zip(ad["losses"], result["losses"]))
        symbolic = {
            **compiled.times, "bindings": compiled.bindings, "per_step": result["per_step"],
            "per_step_ad": ad["per_step"], "train_ad": ad["train"], "max_gap": gap, "ad_losses": ad["losses"],
        }
    else:
        result = _run(problem, _ADStep(problem), batches, every, steps("training"))

    final = _final(problem)
    result["history"].append({"step": s.steps, "loss": final["train_loss"], "train": final["train"],
                              "test": final["test"]})
    times = {"train": result["train"], "per_step": result["per_step"]}
    if verification:
        times["verify"] = sum(verification.times.values())
    return TrainingRun(s, method, problem.metric, verification, result["losses"], result["history"], final, times,
                       symbolic, problem)


def _run(problem: Problem, step: "_ADStep | SymbolicStep", batches: list, every: int, steps: Iterable[int]) -> dict:
    """The step loop: the loss of every step, metrics every ``every`` steps (outside the timing)."""
    s = problem.setup
    opt = _optimizer(s, problem.model.parameters())
    losses_, history, spent = [], [], 0.0
    with _collector_paused():
        for k in steps:
            t = time.perf_counter()
            try:
                loss = step(batches[k])
            except DomainError as exc:
                what = f"{exc.op} left its domain or overflowed" if exc.op else str(exc)
                raise DomainError(f"training diverged at step {k}: {what}", exc.op, exc.values) from exc
            losses_.append(loss)
            if k % every == 0:  # the weights that gave this loss
                spent += time.perf_counter() - t
                history.append({
                    "step": k, "loss": loss,
                    "train": metric(problem.kind, s.loss, predict(problem.model, problem.X_train), problem.T_train),
                    "test": metric(problem.kind, s.loss, predict(problem.model, problem.X_test), problem.T_test),
                })
                t = time.perf_counter()
            opt.step()
            spent += time.perf_counter() - t
    return {"losses": losses_, "history": history, "train": spent, "per_step": spent / len(losses_)}


def _optimizer(s: Setup, params: list[Value]) -> SGD | Adam:
    lr = s.lr if s.lr is not None else OPTIMIZER_LR[s.optim]
    if s.optim == "adam":
        return Adam(params, lr=lr)
    schedule = None if lr is not None else (lambda k, n=s.steps: 1.0 - 0.9 * k / n)
    return SGD(params, lr=lr or 1.0, momentum=MOMENTUM if s.optim == "momentum" else 0.0, schedule=schedule)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off during the step loop.

    The engine's graphs hold no reference cycles, so reference counting frees
    each step's graph; the collector would only rescan live objects (SymPy's
    among them) every few thousand new nodes: about 15% of a step, measured.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _ADStep:
    """Forward on the engine and ``backward()``: leaves the gradient in ``.grad``, returns the loss."""

    def __init__(self, problem: Problem):
        self.loss = problem.loss
        self.model = problem.model
        self.params = problem.model.parameters()
        self.xs = [tuple(map(Constant, row)) for row in problem.X_train.tolist()]
        self.ts = problem.T_train.tolist()
        self.alpha = problem.setup.l2

    def __call__(self, rows: np.ndarray | None) -> float:
        xs, ts = (self.xs, self.ts) if rows is None else ([self.xs[i] for i in rows], [self.ts[i] for i in rows])
        loss = self.loss([self.model(x) for x in xs], ts)
        if self.alpha:
            loss = loss + losses.l2(self.params, self.alpha)
        self.model.zero_grad()
        loss.backward()
        return loss.data


def _final(problem: Problem) -> dict[str, float]:
    """Loss (with L2, by the engine) and metric on the training and the test part."""
    out: dict[str, float] = {}
    params = problem.model.parameters()
    for part, X, T in (("train", problem.X_train, problem.T_train), ("test", problem.X_test, problem.T_test)):
        loss = problem.loss([problem.model(row) for row in X.tolist()], T.tolist())
        if problem.setup.l2:
            loss = loss + losses.l2(params, problem.setup.l2)
        out[f"{part}_loss"] = loss.data
        out[part] = metric(problem.kind, problem.setup.loss, predict(problem.model, X), T)
        out[f"{part}_points"] = len(X)
    return out
