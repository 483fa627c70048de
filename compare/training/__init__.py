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

Modules: :mod:`~compare.training.setup` (what decides a run),
:mod:`~compare.training.problem` (data, targets, model),
:mod:`~compare.training.verify` (the three-way gradient check) with
:mod:`~compare.replay` (its finite differences),
:mod:`~compare.training.fit` (the step loop) with
:mod:`~compare.training.symbolic_step` (the compiled symbolic gradient).
On the command line (:mod:`compare.cli.train`): ``python -m compare train moons``.
"""

from .fit import TrainingRun, fit, train
from .problem import Problem, metric, predict, prepare
from .setup import (
    DEFAULTS, LOSSES, METHODS, MOMENTUM, OPTIMIZER_LR, OPTIMIZERS, SCHEDULE_TEXT, TRAINABLE_ACTIVATIONS, Setup,
    check_setup, setup_for,
)
from .symbolic_step import example_loss
from .verify import VERIFY_BATCH, Verification, VerificationFailed, parameter_names, verify

__all__ = [
    "Setup", "Problem", "Verification", "VerificationFailed", "TrainingRun",
    "setup_for", "check_setup", "prepare", "verify", "train", "fit", "predict", "metric", "parameter_names",
    "example_loss", "DEFAULTS", "LOSSES", "OPTIMIZERS", "METHODS", "VERIFY_BATCH", "TRAINABLE_ACTIVATIONS",
    "OPTIMIZER_LR", "MOMENTUM", "SCHEDULE_TEXT",
]
