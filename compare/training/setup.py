"""Training set-ups: everything that decides a run, the defaults by data set, and their validation.

>>> setup_for("moons").describe()
'moons (noise 0.1), relu MLP [16, 16], hinge + 0.0001 L2, sgd lr 1.0 - 0.9 k/100,
 100 steps on all 100 training points, seed 0'
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any

from toygrad.data import DATASETS

__all__ = ["Setup", "setup_for", "check_setup", "DEFAULTS", "LOSSES", "OPTIMIZERS", "METHODS",
           "TRAINABLE_ACTIVATIONS", "OPTIMIZER_LR", "MOMENTUM", "SCHEDULE_TEXT"]

LOSSES = ("hinge", "mse", "bce", "ce")
OPTIMIZERS = ("sgd", "momentum", "adam")
METHODS = ("ad", "symbolic")
#: hidden activations defined everywhere and growing at most linearly: a forward pass stays in their domain
TRAINABLE_ACTIVATIONS = ("relu", "tanh", "sigmoid", "sin", "cos", "abs")
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

    A ``ValueError`` says why if they do not fit. An optimizer other than
    the data set's, chosen without ``lr``, gets :data:`OPTIMIZER_LR`'s.

    >>> setup_for("moons").describe()
    'moons (noise 0.1), relu MLP [16, 16], hinge + 0.0001 L2, sgd lr 1.0 - 0.9 k/100,
     100 steps on all 100 training points, seed 0'
    >>> setup_for("sine", loss="ce")
    Traceback (most recent call last):
    ...
    ValueError: loss ce does not fit sine, a regression data set (float targets): use mse
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}")
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
    check_setup(setup)
    return setup


def check_setup(s: Setup) -> None:
    kind = DATASETS[s.dataset].kind
    for name, value, choices in (("loss", s.loss, LOSSES), ("optim", s.optim, OPTIMIZERS),
                                 ("activation", s.activation, TRAINABLE_ACTIVATIONS)):
        if value not in choices:
            raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    if s.loss not in _FITS[kind]:
        use = " or ".join(_FITS[kind])
        raise ValueError(f"loss {s.loss} does not fit {s.dataset}, {_KIND_WORDS[kind]}: use {use}")
    if not s.hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in s.hidden):
        raise ValueError(f"hidden needs positive integer layer sizes, like (16, 16); got {s.hidden!r}")
    for name in ("steps", "points"):
        if getattr(s, name) < 1:
            raise ValueError(f"{name} must be at least 1, got {getattr(s, name)}")
    if s.batch is not None and not 1 <= s.batch <= s.points:
        raise ValueError(f"batch must be between 1 and the {s.points} training points, got {s.batch}")
    if s.lr is not None and not 0 < s.lr < math.inf:
        raise ValueError(f"lr must be a positive number, got {s.lr}")
    if not 0 <= s.l2 < math.inf:
        raise ValueError(f"l2 must be a number >= 0, got {s.l2}")
