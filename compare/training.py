"""Verified training: prove an MLP's gradients first, then train it on the engine.

Before a single update, :func:`verify` computes the gradient of the training
loss (data term + L2) with respect to every parameter on a small mini-batch
three ways: by toygrad's ``backward()``, by SymPy in DAG mode evaluated at the
exact point, and by central finite differences of the engine's forward pass.
AD must be within the running-error tolerance of :mod:`compare.tolerance`,
finite differences within their own error estimate; otherwise :func:`train`
refuses to train. Training then runs with the gradient from backpropagation
(``method="ad"``), or from SymPy's gradient of *one* example, compiled once for
numpy and evaluated on the whole batch at once (``method="symbolic"``, which
also runs AD from the same start and reports the largest gap between the two
loss trajectories).

>>> run = train("moons", hidden=(4,), steps=5, points=20)
>>> run.verification.verdict, len(run.losses), run.metric
('agree', 5, 'accuracy')

On the command line (:mod:`compare.cli.train`): ``python -m compare train moons``
(micrograd's demo), ``python -m compare train sine --method symbolic --plot fit.png``.
"""

from __future__ import annotations

import gc
import inspect
import math
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import sympy as sp

from symbolic import Program, exact, symbols_of
from symbolic import gradient as symbolic_gradient
from toygrad import Constant, DomainError, Value, dot, losses, topological
from toygrad import sum as value_sum
from toygrad.data import DATASETS, train_test_split
from toygrad.nn import MLP, Module
from toygrad.ops import OPS
from toygrad.optim import SGD, Adam

from . import kinks
from .errors import UsageError
from .tolerance import error_bounds

__all__ = [
    "Setup", "Problem", "Verification", "VerificationFailed", "TrainingRun",
    "setup_for", "prepare", "verify", "train", "fit", "predict", "parameter_names",
    "DEFAULTS", "LOSSES", "OPTIMIZERS", "METHODS", "VERIFY_BATCH",
]

LOSSES = ("hinge", "mse", "bce", "ce")
OPTIMIZERS = ("sgd", "momentum", "adam")
METHODS = ("ad", "symbolic")
#: hidden activations defined everywhere and growing at most linearly: a forward pass stays in their domain
TRAINABLE_ACTIVATIONS = ("relu", "tanh", "sigmoid", "sin", "cos", "abs")

#: Examples in the verification mini-batch: two. SymPy's part (deriving the
#: gradient, then evaluating it at the exact point) costs about 0.1 s of CPU
#: per example of micrograd's demo network, and ``train moons`` must finish
#: within 3 s, of which the 100 training steps take 1.1 s and the imports
#: 0.4 s. Two examples exercise every op of the loss graph, and the L2 term
#: gives every parameter a non-trivial gradient.
VERIFY_BATCH = 2
EPS = sys.float_info.epsilon
#: a finite difference may be off by this many times its own error estimate (as in compare.check)
FD_SAFETY = 10.0
#: micrograd's schedule, stretched over the run: lr = 1.0 - 0.9 k / steps (its demo has 100 steps)
SCHEDULE_TEXT = "1.0 - 0.9 k/{steps}"
#: learning rate of an optimizer chosen without --lr (None: sgd follows the schedule)
OPTIMIZER_LR: dict[str, float | None] = {"sgd": None, "momentum": 0.05, "adam": 0.02}
MOMENTUM = 0.9

_FITS = {"binary": LOSSES, "multiclass": ("ce",), "regression": ("mse",)}
_KIND_WORDS = {
    "binary": "a two-class data set (labels -1 and 1)",
    "multiclass": "a data set of several classes (labels 0..k-1)",
    "regression": "a regression data set (float targets)",
}


# ------------------------------------------------------------------ set-ups


@dataclass(frozen=True)
class Setup:
    """Everything that decides a training run. ``lr=None`` with ``sgd`` is micrograd's schedule."""

    dataset: str = "moons"
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    loss: str = "hinge"
    optim: str = "sgd"
    lr: float | None = None
    steps: int = 100
    l2: float = 1e-4
    points: int = 100
    noise: float = 0.1
    batch: int | None = None
    seed: int = 0
    test_fraction: float = 0.2

    def describe(self) -> str:
        lr = SCHEDULE_TEXT.format(steps=self.steps) if self.lr is None else f"{self.lr:g}"
        l2 = f" + {self.l2:g} L2" if self.l2 else ""
        batch = f"mini-batches of {self.batch}" if self.batch else f"all {self.points} training points"
        return (
            f"{self.dataset} (noise {self.noise:g}), {self.activation} MLP {list(self.hidden)}, {self.loss}{l2}, "
            f"{self.optim} lr {lr}, {self.steps} steps on {batch}, seed {self.seed}"
        )


#: Default set-ups by data set, over :class:`Setup`'s (micrograd's demo: MLP(2,
#: [16, 16, 1]), hinge + 1e-4 L2, SGD on its schedule, 100 steps, 100 points).
#: Sine oscillates 8 times over its range: a tanh or relu MLP of this size
#: stays near the mean (RMSE ~0.3) for hundreds of steps, a sin one fits it.
#: Larger learning rates fit it faster but make the run chaotic: at lr 0.2 the
#: AD and the symbolic loss trajectories part by 1e-7 within 200 steps.
DEFAULTS: dict[str, dict[str, Any]] = {
    "moons": {},
    "circles": {},
    "xor": {},
    "spiral": {"loss": "ce", "optim": "adam", "lr": 0.05},
    "sine": {"loss": "mse", "activation": "sin", "optim": "adam", "lr": 0.07, "steps": 150, "l2": 0.0},
}


def setup_for(dataset: str, **overrides: Any) -> Setup:
    """The default set-up of ``dataset`` with ``overrides`` (``None`` values are ignored).

    A :class:`UsageError` says why if they do not fit. An optimizer other than
    the data set's, chosen without ``lr``, gets :data:`OPTIMIZER_LR`'s.

    >>> setup_for("moons").describe()
    'moons (noise 0.1), relu MLP [16, 16], hinge + 0.0001 L2, sgd lr 1.0 - 0.9 k/100,
     100 steps on all 100 training points, seed 0'
    >>> setup_for("sine", loss="ce")
    Traceback (most recent call last):
    ...
    compare.errors.UsageError: --loss ce does not fit sine, a regression data set (float targets): use mse
    """
    if dataset not in DATASETS:
        raise UsageError(f"unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}")
    given = {k: v for k, v in overrides.items() if v is not None}
    if "hidden" in given:
        given["hidden"] = tuple(given["hidden"])
    unknown = set(given) - set(Setup.__dataclass_fields__)
    if unknown:
        raise TypeError(f"setup_for got unknown settings: {', '.join(sorted(unknown))}")
    noise = inspect.signature(DATASETS[dataset].make).parameters["noise"].default
    base = {"noise": noise, **DEFAULTS[dataset]}
    if "optim" in given and given["optim"] != base.get("optim", Setup.optim) and "lr" not in given:
        base["lr"] = OPTIMIZER_LR[given["optim"]]
    setup = Setup(dataset=dataset, **{**base, **given})
    _check(setup)
    return setup


def _check(s: Setup) -> None:
    kind = DATASETS[s.dataset].kind
    for name, value, choices in (("loss", s.loss, LOSSES), ("optim", s.optim, OPTIMIZERS),
                                 ("activation", s.activation, TRAINABLE_ACTIVATIONS)):
        if value not in choices:
            raise UsageError(f"unknown --{name} {value!r}; choose one of {', '.join(choices)}")
    if s.loss not in _FITS[kind]:
        use = " or ".join(_FITS[kind])
        raise UsageError(f"--loss {s.loss} does not fit {s.dataset}, {_KIND_WORDS[kind]}: use {use}")
    if not s.hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in s.hidden):
        raise UsageError(f"--hidden needs comma-separated positive integers, like 16,16; got {s.hidden!r}")
    for name in ("steps", "points"):
        if getattr(s, name) < 1:
            raise UsageError(f"--{name} must be at least 1, got {getattr(s, name)}")
    if s.batch is not None and not 1 <= s.batch <= s.points:
        raise UsageError(f"--batch must be between 1 and the {s.points} training points, got {s.batch}")
    if s.lr is not None and not 0 < s.lr < math.inf:
        raise UsageError(f"--lr must be a positive number, got {s.lr}")
    if not 0 <= s.l2 < math.inf:
        raise UsageError(f"--l2 must be a number >= 0, got {s.l2}")


# ------------------------------------------------------------------ losses


_BATCH_LOSS: dict[str, Callable[..., Value]] = {
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


def _example_loss(loss: str, z: list[Value], t: list[Value]) -> Value:
    """One example's loss with its targets as variables too, so that one graph serves every example.

    No branch may depend on a value, so the stable forms shift by a function
    of the logits, ``m = relu(z)`` or a maximum built from relus: its
    derivative cancels exactly, and the gradient is ``sigmoid(z) - y``
    (``softmax - onehot``) everywhere, kinks included.
    """
    if loss == "hinge":
        return (1.0 - t[0] * z[0]).relu()
    if loss == "mse":
        d = z[0] - t[0]
        return d * d
    if loss == "bce":
        m = z[0].relu()
        return m + ((-m).exp() + (z[0] - m).exp()).log() - t[0] * z[0]
    m = z[0]
    for zk in z[1:]:
        m = m + (zk - m).relu()  # max(m, zk)
    return m + value_sum([(zk - m).exp() for zk in z]).log() - dot(t, z)


def _target_columns(loss: str, targets: np.ndarray, outputs: int) -> list[np.ndarray]:
    """The values of :func:`_example_loss`'s target variables, one array per variable."""
    if loss == "ce":
        return [(targets == k).astype(float) for k in range(outputs)]
    return [targets.astype(float)]


def _metric(kind: str, loss: str, scores: np.ndarray, targets: np.ndarray) -> float:
    """Accuracy for classification, root-mean-square error for regression."""
    if kind == "regression":
        return float(np.sqrt(np.mean((scores[:, 0] - targets) ** 2)))
    if loss == "ce":
        return float(np.mean(np.argmax(scores, axis=1) == targets))
    return float(np.mean((scores[:, 0] > 0) == (targets > 0)))


# ------------------------------------------------------------------ problems


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
        return _BATCH_LOSS[self.setup.loss](outputs, targets)

    def verify(self, batch: int = VERIFY_BATCH) -> "Verification":
        """:func:`verify` on this problem's model, loss and training data."""
        s = self.setup
        return verify(self.model, self.loss, self.X_train, self.T_train, batch=batch, l2=s.l2, seed=s.seed)


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
        raise UsageError(f"{setup.dataset}: {exc}") from None
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


# ------------------------------------------------------------------ verification

@dataclass
class Verification:
    """AD, exact symbolic and finite-difference gradients of a loss on a mini-batch, compared.

    Errors are relative to the largest exact component (``max |g - exact| /
    max |exact|``), and so are ``ad_tolerance``/``fd_tolerance``, the largest
    per-parameter tolerances; ``ad_worst``/``fd_worst`` are the largest ratios
    of error to tolerance (at most 1 where everything agrees).
    ``verdict`` is ``agree``, ``disagree``, or ``non-smooth`` (rounding put a
    kink op's argument on the other side of the kink than the exact value).
    """

    parameters: int
    examples: int
    verdict: str
    reason: str
    ad_agrees: bool
    fd_agrees: bool
    ad_error: float
    fd_error: float
    ad_tolerance: float
    fd_tolerance: float
    ad_worst: float
    fd_worst: float
    fd_skipped: int
    times: dict[str, float]
    names: list[str] = field(repr=False)
    ad: list[float] = field(repr=False)
    exact: list[float] = field(repr=False)
    fd: list[float | None] = field(repr=False)
    tolerance: list[float] = field(repr=False)

    @property
    def passed(self) -> bool:
        return self.verdict != "disagree"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


class VerificationFailed(RuntimeError):
    """Raised by :func:`train` when the gradients disagree: it refuses to train."""

    def __init__(self, verification: Verification):
        super().__init__(f"the gradients disagree, so training is refused: {verification.reason}")
        self.verification = verification


def verify(
    model: Module, loss_fn: Callable[[list, list], Value], X: np.ndarray, y: Sequence[Any],
    batch: int = VERIFY_BATCH, l2: float = 1e-4, seed: int = 0,
) -> Verification:
    """Check the gradient of ``loss_fn(outputs, targets) + l2 * sum(p**2)`` on ``batch`` examples of ``X, y``.

    The ground truth is SymPy's DAG-mode gradient of the very graph that
    ``backward()`` differentiates, at the exact point. AD (and the loss value)
    must be within :func:`compare.tolerance.error_bounds` of it, parameter by
    parameter; central finite differences (step ``eps**(1/3) * max(1, |p|)``)
    within their truncation-and-rounding estimate, except where the step
    crosses a kink (counted in ``fd_skipped``). The examples are drawn with
    ``seed``; :data:`VERIFY_BATCH` says why two.

    >>> import random
    >>> from toygrad.losses import hinge
    >>> random.seed(0)
    >>> v = verify(MLP(2, [3, 1]), hinge, np.array([[0.5, -1.0], [1.0, 2.0]]), [1, -1])
    >>> v.verdict, v.parameters, v.examples
    ('agree', 13, 2)
    """
    params = model.parameters()
    X = np.asarray(X, dtype=float)
    rows = np.sort(np.random.default_rng(seed).choice(len(X), size=min(batch, len(X)), replace=False))
    targets = [np.asarray(y)[i].item() for i in rows]
    times: dict[str, float] = {}

    t = time.perf_counter()
    loss = loss_fn([model(tuple(map(Constant, X[i].tolist()))) for i in rows], targets)
    if l2:
        loss = loss + losses.l2(params, l2)
    model.zero_grad()
    loss.backward()
    ad = [p.grad for p in params]
    model.zero_grad()
    times["ad"] = time.perf_counter() - t

    t = time.perf_counter()
    symbols = symbols_of(loss)
    program = symbolic_gradient(loss, params, mode="dag", with_value=True)
    times["derive"] = time.perf_counter() - t
    t = time.perf_counter()
    env, (value, *truth) = program.trace({symbols[p]: p.data for p in params})
    truth = [float(e) for e in truth]
    times["exact"] = time.perf_counter() - t

    t = time.perf_counter()
    bounds = error_bounds(loss, params)
    replay = _Replay(loss, params)
    fd, fd_tol = [], []
    for i, e in enumerate(truth):
        d, spread, h = replay.derivative(i)
        fd.append(d)
        fd_tol.append(math.inf if d is None else FD_SAFETY * (spread / 3 + bounds.value / h) + 4 * EPS * abs(e))
    times["fd"] = time.perf_counter() - t

    off = abs(loss.data - float(value))
    wrong_value = "" if off <= bounds.value_tolerance() else (
        f"the loss is {loss.data!r} but exactly {float(value)!r}: off by {off:.3g}"
    )
    return _judge(parameter_names(model), ad, truth, list(bounds.gradient_tolerance()), fd, fd_tol,
                  _kink_flip(loss, program, env), wrong_value, len(rows), times)


def _judge(names, ad, truth, tol, fd, fd_tol, flipped: str, wrong_value: str, examples: int, times) -> Verification:
    """The verdict (in :mod:`compare.check`'s order), its reason and the summary figures."""
    scale = max((abs(e) for e in truth), default=0.0) or 1.0
    smooth = [i for i, d in enumerate(fd) if d is not None]
    ad_bad = [i for i, (a, e, t) in enumerate(zip(ad, truth, tol)) if not abs(a - e) <= t]
    fd_bad = [i for i in smooth if not abs(fd[i] - truth[i]) <= fd_tol[i]]
    verdict, reason = "agree", ""
    if flipped:  # AD and SymPy legitimately differ past a kink
        verdict, reason = "non-smooth", flipped
    elif ad_bad:
        i = ad_bad[0]
        verdict, reason = "disagree", (
            f"AD d loss/d {names[i]} = {ad[i]!r} but exact = {truth[i]!r}: off by {abs(ad[i] - truth[i]):.3g}, "
            f"tolerance {tol[i]:.3g} ({len(ad_bad)} of {len(ad)} parameters off)"
        )
    elif fd_bad:
        i = fd_bad[0]
        verdict, reason = "disagree", (
            f"finite difference d loss/d {names[i]} = {fd[i]!r} but exact = {truth[i]!r}: "
            f"off by {abs(fd[i] - truth[i]):.3g}, estimate {fd_tol[i]:.3g}"
        )
    elif wrong_value:
        verdict, reason = "disagree", wrong_value
    return Verification(
        parameters=len(ad), examples=examples, verdict=verdict, reason=reason,
        ad_agrees=not ad_bad, fd_agrees=not fd_bad,
        ad_error=max((abs(a - e) for a, e in zip(ad, truth)), default=0.0) / scale,
        fd_error=max((abs(fd[i] - truth[i]) for i in smooth), default=0.0) / scale,
        ad_tolerance=max(tol, default=0.0) / scale,
        fd_tolerance=max((fd_tol[i] for i in smooth), default=0.0) / scale,
        ad_worst=max((_ratio(abs(a - e), t) for a, e, t in zip(ad, truth, tol)), default=0.0),
        fd_worst=max((_ratio(abs(fd[i] - truth[i]), fd_tol[i]) for i in smooth), default=0.0),
        fd_skipped=len(fd) - len(smooth), times=times,
        names=names, ad=ad, exact=truth, fd=fd, tolerance=tol,
    )


def _ratio(error: float, tolerance: float) -> float:
    return error / tolerance if tolerance else (0.0 if error == 0 else math.inf)


def parameter_names(model: Module) -> list[str]:
    """``layer1.neuron3.w2``, ``layer1.neuron3.b`` (1-based) for an MLP's parameters; ``p0, p1, ...`` otherwise."""
    if not isinstance(model, MLP):
        return [f"p{i}" for i in range(len(model.parameters()))]
    return [
        name
        for i, layer in enumerate(model.layers, 1)
        for j, n in enumerate(layer.neurons, 1)
        for name in [*(f"layer{i}.neuron{j}.w{k}" for k in range(1, len(n.w) + 1)), f"layer{i}.neuron{j}.b"]
    ]


def _kink_flip(loss: Value, program: Program, env: dict) -> str:
    """Where rounding puts a kink op on the other side of its kink than the exact values do; or ''."""
    order = topological(loss)
    forward = iter(s for s, _ in program.bindings)  # from_graph: one binding per op node, in order
    exact_nodes = [exact(n.data) if n.op is None else env[next(forward)] for n in order]
    return kinks.flip(kinks.sites(loss), exact_nodes)


class _Replay:
    """The engine's forward pass on floats, re-run with one variable moved.

    Only the nodes downstream of the moved variable are recomputed, with the
    op table's forwards, so central differences for hundreds of parameters
    cost a few forward passes in all.
    """

    def __init__(self, root: Value, wrt: Sequence[Value]):
        order = topological(root)
        index = {id(n): k for k, n in enumerate(order)}
        self.base = [n.data for n in order]
        self.ops: list[tuple] = [()] * len(order)
        consumers: list[list[int]] = [[] for _ in order]
        for k, n in enumerate(order):
            if n.op is None:
                continue
            refs = tuple(-1 if a.__class__ is Constant else index[id(a)] for a in n.args)
            self.ops[k] = (n.op, refs, tuple(a.data for a in n.args))
            for j in set(refs) - {-1}:
                consumers[j].append(k)
        self.start = [index[id(v)] for v in wrt]
        self.downstream = [self._reach(i, consumers) for i in self.start]

    @staticmethod
    def _reach(start: int, consumers: list[list[int]]) -> list[int]:
        seen, stack = set(), [start]
        while stack:
            for c in consumers[stack.pop()]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return sorted(seen)

    def value(self, i: int, x: float) -> float | None:
        """The root's value with variable ``i`` at ``x``; None if a kink is crossed or reached."""
        base = self.base
        vals = list(base)
        vals[self.start[i]] = x
        for k in self.downstream[i]:
            op, refs, before = self.ops[k]
            xs = [vals[j] if j >= 0 else c for j, c in zip(refs, before)]
            for kink in op.kinks:
                v = kink.value(xs)
                if v == kink.at or kinks.side(v, kink.at) != kinks.side(kink.value(before), kink.at):
                    return None
            try:
                vals[k] = op.evaluate(xs)
            except (ArithmeticError, ValueError):
                return None
        return vals[-1]

    def derivative(self, i: int) -> tuple[float | None, float, float]:
        """Central difference for variable ``i``, its change at twice the step, and the step."""
        x = self.base[self.start[i]]
        h = EPS ** (1 / 3) * max(1.0, abs(x))
        out = []
        for step in (h, 2 * h):
            plus, minus = self.value(i, x + step), self.value(i, x - step)
            if plus is None or minus is None:
                return None, math.inf, h
            out.append((plus - minus) / ((x + step) - (x - step)))
        return out[0], abs(out[0] - out[1]), h


# ------------------------------------------------------------------ training


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
    progress: Callable[..., Iterable] | None = None, **overrides: Any,
) -> TrainingRun:
    """Verify, then train: ``train("moons")`` is micrograd's demo on the verified engine.

    ``setup`` is a :class:`Setup` or a data set's name (its defaults, with
    ``overrides``). Raises :class:`VerificationFailed` if the gradients
    disagree. ``progress`` wraps the step loop (``compare.cli.output.progress``).
    """
    if isinstance(setup, str):
        setup = setup_for(setup, **overrides)
    elif overrides:
        setup = replace(setup, **overrides)
        _check(setup)
    problem = prepare(setup)
    verification = problem.verify() if verify_first else None
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
        compiled = _SymbolicStep(problem)
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


def _run(problem: Problem, step: "_ADStep | _SymbolicStep", batches: list, every: int, steps: Iterable[int]) -> dict:
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
                    "train": _metric(problem.kind, s.loss, predict(problem.model, problem.X_train), problem.T_train),
                    "test": _metric(problem.kind, s.loss, predict(problem.model, problem.X_test), problem.T_test),
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


class _SymbolicStep:
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
        loss = _example_loss(s.loss, out if isinstance(out, list) else [out], targets)
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


def _final(problem: Problem) -> dict[str, float]:
    """Loss (with L2, by the engine) and metric on the training and the test part."""
    out: dict[str, float] = {}
    params = problem.model.parameters()
    for part, X, T in (("train", problem.X_train, problem.T_train), ("test", problem.X_test, problem.T_test)):
        loss = problem.loss([problem.model(row) for row in X.tolist()], T.tolist())
        if problem.setup.l2:
            loss = loss + losses.l2(params, problem.setup.l2)
        out[f"{part}_loss"] = loss.data
        out[part] = _metric(problem.kind, problem.setup.loss, predict(problem.model, X), T)
        out[f"{part}_points"] = len(X)
    return out


# ------------------------------------------------------------------ plots
