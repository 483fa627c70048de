"""``python -m compare train DATASET``: verify, then train; plots; the report's training section.

The work is done by :mod:`compare.training`; this module reads the options,
prints the tables, draws the plot and writes the JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
from dataclasses import asdict, replace
from typing import Any, Callable

import numpy as np

from toygrad import DomainError
from toygrad.data import DATASETS

from ..errors import UsageError
from .output import add_backend_option, add_output_options, caption, cell, document, fmt_time, progress, records, write_json
from ..training import (
    LOSSES, METHODS, OPTIMIZERS, TRAINABLE_ACTIVATIONS, Problem, Setup, TrainingRun, fit, metric, predict, prepare,
    setup_for,
)

NAME = "train"
HELP = "verify the gradients of an MLP's loss, then train it (moons, circles, xor, spiral, sine)"


_NO_MATPLOTLIB = "--plot needs matplotlib, which is not installed: pip install -e '.[plot]'"


def _has_matplotlib() -> bool:
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # a module set to None in sys.modules
        return False


def plot(run: TrainingRun, path: str) -> None:
    """Write a PNG: the loss curve, and the decision regions (2-D classification) or the
    fitted curve (regression). Needs matplotlib (``pip install -e '.[plot]'``); Agg backend."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(_NO_MATPLOTLIB) from None
    problem = run.problem
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    steps = np.arange(len(run.losses))
    if run.symbolic:
        left.plot(steps, run.symbolic["ad_losses"], label="AD (backward)", linewidth=4, alpha=0.4)
    left.plot(steps, run.losses, label="symbolic (SymPy, compiled)" if run.method == "symbolic" else "AD (backward)")
    left.set(xlabel="step", ylabel="training loss", title=f"{run.setup.loss} loss", yscale="log")
    left.legend()
    d = problem.X_train.shape[1]
    if problem.kind == "regression" and d == 1:
        _plot_fit(right, problem)
    elif problem.kind != "regression" and d == 2:
        _plot_regions(right, problem)
    else:
        right.set_axis_off()
    fig.suptitle(run.setup.describe(), fontsize=9)
    fig.savefig(path, dpi=100)


def _plot_fit(ax, problem: Problem) -> None:
    x = np.linspace(problem.X_train.min(), problem.X_train.max(), 800)[:, None]
    ax.plot(x[:, 0], predict(problem.model, x)[:, 0], color="k", label="model")
    ax.scatter(problem.X_train[:, 0], problem.y_train, s=12, label="train")
    ax.scatter(problem.X_test[:, 0], problem.y_test, s=30, marker="x", label="test")
    rmse = metric("regression", "mse", predict(problem.model, problem.X_test), problem.T_test)
    ax.set(xlabel="x", ylabel="y", title=f"fit: test RMSE {rmse:.3g}")
    ax.legend()


def _plot_regions(ax, problem: Problem) -> None:
    from matplotlib.lines import Line2D

    X = np.vstack([problem.X_train, problem.X_test])
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(x0, x1, 250), np.linspace(y0, y1, 250))
    scores = predict(problem.model, np.column_stack([gx.ravel(), gy.ravel()]))
    regions = np.argmax(scores, axis=1) if scores.shape[1] > 1 else (scores[:, 0] > 0).astype(int)
    labels = np.unique(np.concatenate([problem.y_train, problem.y_test]))
    ax.contourf(gx, gy, regions.reshape(gx.shape), levels=np.arange(-0.5, len(labels)), cmap="coolwarm", alpha=0.3)
    for marker, Xp, yp in (("o", problem.X_train, problem.y_train), ("x", problem.X_test, problem.y_test)):
        ax.scatter(Xp[:, 0], Xp[:, 1], c=np.searchsorted(labels, yp), cmap="coolwarm", vmin=0, vmax=len(labels) - 1,
                   marker=marker, s=20)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), title="decision regions")
    ax.legend(handles=[Line2D([], [], marker=m, linestyle="", color="k", label=name)
                       for m, name in (("o", "train"), ("x", "test"))])


# ------------------------------------------------------------------ report section

TRAINING_CAPTION = (
    "Training (accuracy for classification, RMSE for regression; symbolic: SymPy's gradient of one example, "
    "derived and compiled once, on the whole batch; gap: largest relative difference between the AD and the "
    "symbolic loss trajectories)"
)
_SECTION_VERIFY = ["dataset", "parameters", "examples", "ad_max_error", "fd_max_error", "ad_tolerance", "certified",
                   "verdict"]
_SECTION_TRAIN = ["dataset", "setup", "method", "steps", "train_loss", "train_accuracy", "test_accuracy",
                  "train_rmse", "test_rmse", "ad_step_seconds", "symbolic_step_seconds", "symbolic_setup_seconds",
                  "ad_symbolic_gap", "refused"]


def run_json(run: TrainingRun) -> dict[str, Any]:
    """A training run as JSON: timings under ``times`` (seconds), everything else deterministic."""
    sym = run.symbolic
    symbolic = None if sym is None else {
        "bindings": sym["bindings"], "max_gap": sym["max_gap"], "ad_losses": sym["ad_losses"],
        "times": {"derive": sym["derive"], "compile": sym["compile"], "per_step": sym["per_step"],
                  "per_step_ad": sym["per_step_ad"], "train_ad": sym["train_ad"]},
    }
    return {"setup": asdict(run.setup), "method": run.method, "metric": run.metric, "losses": run.losses,
            "history": run.history, "final": run.final, "times": run.times, "symbolic": symbolic}


#: what ``report --quick`` changes in each set-up, besides a quarter of the steps
QUICK = {"hidden": (8, 8), "points": 50}


def training_section(seed: int = 0, quick: bool = False, backend: str | None = None) -> dict[str, Any]:
    """The report's training section: verify, then train on moons (micrograd's demo) and on sine.

    Sine trains with the symbolic method, which also runs AD from the same
    start: the two ways to get a gradient, side by side on real training.
    About 3 s of CPU; ``quick`` (under 1 s) trains smaller networks (:data:`QUICK`: two hidden layers of 8,
    50 points, a quarter of the steps). ``backend`` derives the verification's exact gradient. Plain data
    (numbers as numbers), for JSON; ``passed`` is False if a verification disagreed.
    """
    verification_rows, training_rows, runs = [], [], []
    passed = True
    for dataset, method in (("moons", "ad"), ("sine", "symbolic")):
        setup = setup_for(dataset, seed=seed)
        if quick:
            setup = replace(setup, steps=max(1, setup.steps // 4), **QUICK)
        problem = prepare(setup)
        v = problem.verify(backend=backend)
        passed &= v.passed
        verification_rows.append({
            "dataset": dataset, "parameters": v.parameters, "examples": v.examples, "ad_max_error": v.ad_error,
            "fd_max_error": v.fd_error, "ad_tolerance": v.ad_tolerance, "certified": v.certified,
            "verdict": v.verdict,
        })
        row = dict.fromkeys(_SECTION_TRAIN)
        row.update({"dataset": dataset, "setup": _short(setup), "method": method, "steps": 0})
        if not v.passed:
            training_rows.append({**row, "refused": v.reason})
            continue
        run = fit(problem, method, verification=v)
        sym = run.symbolic
        metric = run.metric
        row.update({
            "steps": setup.steps, "train_loss": run.final["train_loss"],
            f"train_{metric}": run.final["train"], f"test_{metric}": run.final["test"],
            "ad_step_seconds": sym["per_step_ad"] if sym else run.times["per_step"],
            "symbolic_step_seconds": sym["per_step"] if sym else None,
            "symbolic_setup_seconds": sym["derive"] + sym["compile"] if sym else None,
            "ad_symbolic_gap": sym["max_gap"] if sym else None,
        })
        training_rows.append(row)
        runs.append({"dataset": dataset, "verification": v.verdict, "run": run_json(run)})
    return {"verification": verification_rows, "training": training_rows, "runs": runs, "passed": passed}


def render_section(section: dict[str, Any], fmt: str = "simple", width: int = 100) -> str:
    """The training section as text: a caption and two tables (the refusal column only if one was refused)."""
    columns = [c for c in _SECTION_TRAIN if c != "refused" or any(r["refused"] for r in section["training"])]
    return "\n".join([
        caption("Verified training: each gradient is checked on a mini-batch first (AD and finite differences "
                "against the exact DAG-mode gradient, as certified balls), then the network is trained", width),
        records(section["verification"], _SECTION_VERIFY, fmt, width),
        "",
        caption(TRAINING_CAPTION, width),
        records(section["training"], columns, fmt, width),
    ])


def _short(s: Setup) -> str:
    return f"{s.activation} MLP {list(s.hidden)}, {s.loss}, {s.optim}"


# ------------------------------------------------------------------ command line


def _hidden_sizes(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, like 16,16; got {text!r}")
    return tuple(int(p) for p in parts)


def _reader(kind: type, what: str, ok: Callable[[Any], bool]) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return read


_COUNT = _reader(int, "a whole number of at least 1", lambda v: v >= 1)
_POSITIVE = _reader(float, "a positive number", lambda v: 0 < v < math.inf)
_NON_NEGATIVE = _reader(float, "a number >= 0", lambda v: 0 <= v < math.inf)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", choices=list(DATASETS), metavar="DATASET", help=f"one of {', '.join(DATASETS)}")
    parser.add_argument("--hidden", type=_hidden_sizes, metavar="SIZES",
                        help="hidden layer sizes, like 16,16 (default 16,16)")
    parser.add_argument("--activation", choices=TRAINABLE_ACTIVATIONS,
                        help="hidden activation (default relu; sin for sine)")
    parser.add_argument("--loss", choices=LOSSES,
                        help="hinge, mse, bce (binary cross-entropy on logits) or ce (softmax cross-entropy); "
                             "default hinge for two classes, ce for spiral, mse for sine")
    parser.add_argument("--optim", choices=OPTIMIZERS,
                        help="sgd, momentum (0.9) or adam (default sgd; adam for spiral and sine)")
    parser.add_argument("--lr", type=_POSITIVE,
                        help="learning rate (default: sgd follows micrograd's 1.0 - 0.9 k/steps)")
    parser.add_argument("--steps", type=_COUNT, help="training steps (default 100; 150 for sine)")
    parser.add_argument("--l2", type=_NON_NEGATIVE, help="L2 weight (default 1e-4; 0 for sine)")
    parser.add_argument("--batch", type=_COUNT, help="examples per step, drawn at random (default: all)")
    parser.add_argument("--points", type=_COUNT,
                        help="training points (default 100), plus a test part a quarter as big")
    parser.add_argument("--noise", type=_NON_NEGATIVE, help="noise of the data (default: the data set's)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data, the split and the weights (default 0)")
    parser.add_argument("--method", choices=METHODS, default="ad",
                        help="ad: backpropagation (default); symbolic: SymPy's gradient compiled for numpy, "
                             "compared with AD")
    parser.add_argument("--every", type=_COUNT, help="steps between rows of the table (default steps/10)")
    parser.add_argument("--plot", metavar="PATH", help="write a PNG: loss curve, and decision regions or fit")
    add_backend_option(parser)
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    setup = setup_for(
        args.dataset, hidden=args.hidden, activation=args.activation, loss=args.loss, optim=args.optim, lr=args.lr,
        steps=args.steps, l2=args.l2, batch=args.batch, points=args.points, noise=args.noise, seed=args.seed,
    )
    if args.plot and not _has_matplotlib():
        raise UsageError(_NO_MATPLOTLIB)
    problem = prepare(setup)
    v = problem.verify(backend=args.backend)
    w = args.width
    print(caption(f"Verifying the gradient of the loss ({setup.loss}{' + L2' if setup.l2 else ''}) on {v.examples} "
                  f"training examples: {problem.architecture()} at its initial weights", w))
    print(records(_verification_rows(v), VERIFY_COLUMNS, args.format, w))
    print(caption(f"exact: {v.backend}'s DAG-mode gradient at the exact point, derived in "
                  f"{fmt_time(v.times['derive'])} and evaluated in ball arithmetic in {fmt_time(v.times['exact'])} "
                  f"({v.certified} of {v.parameters} certified); finite differences in {fmt_time(v.times['fd'])}",
                  w), flush=True)
    settings = {"setup": asdict(setup), "method": args.method}
    if not v.passed:
        print(caption(f"refusing to train: {v.reason}", w))
        if args.json:
            write_json(args.json, document("train", settings, verification=v.to_dict()))
        return 1
    if v.verdict == "non-smooth":
        print(caption(f"note: {v.reason}; AD and the CAS may differ there, by convention", w))
    print(caption(f"\nTraining {problem.architecture()}: {setup.describe()}; method {args.method}", w), flush=True)
    try:
        result = fit(problem, args.method, verification=v, progress=progress, every=args.every)
    except DomainError as exc:
        raise UsageError(f"{exc}; a smaller --lr may help") from None
    metric, name = result.metric, "accuracy" if result.metric == "accuracy" else "RMSE"
    print(records([{"step": h["step"], "loss": h["loss"], f"train_{metric}": h["train"], f"test_{metric}": h["test"]}
                   for h in result.history],
                  ["step", "loss", (f"train_{metric}", f"train {name}"), (f"test_{metric}", f"test {name}")],
                  args.format, w))
    f = result.final
    print()
    print(records([{"final": part, "points": f[f"{part}_points"], "loss": f[f"{part}_loss"], metric: f[part]}
                   for part in ("train", "test")], ["final", ("points", "points"), "loss", (metric, name)],
                  args.format, w))
    print(f"{setup.steps} steps in {fmt_time(result.times['train'])}: {fmt_time(result.times['per_step'])} per step")
    if result.symbolic:
        sym = result.symbolic
        print()
        print(records([
            {"gradient": "AD (backward)", "step_seconds": sym["per_step_ad"], "train_seconds": sym["train_ad"]},
            {"gradient": "symbolic (SymPy, numpy)", "derive_seconds": sym["derive"],
             "compile_seconds": sym["compile"], "step_seconds": sym["per_step"],
             "train_seconds": result.times["train"]},
        ], ["gradient", ("derive_seconds", "derive"), ("compile_seconds", "compile"), ("step_seconds", "per step"),
            ("train_seconds", f"{setup.steps} steps")], args.format, w))
        print(caption(f"largest relative gap between the AD and the symbolic loss trajectories: "
                      f"{cell('max_gap', sym['max_gap'])}", w))
    if args.plot:
        plot(result, args.plot)
        print(f"wrote {args.plot}")
    if args.json:
        write_json(args.json, document("train", settings, verification=v.to_dict(), run=run_json(result)))
    return 0


VERIFY_COLUMNS = [("against", "against exact"), "parameters", ("max_error", "max rel. error"),
                  ("tolerance", "tolerance (rel.)"), ("worst_error_over_tolerance", "worst err/tol"), "verdict"]


def _verification_rows(v: Any) -> list[dict[str, Any]]:
    """The verification's two comparisons (AD and finite differences against the exact gradient) as records."""
    return [
        {"against": "AD (backward)", "parameters": v.parameters, "max_error": v.ad_error,
         "tolerance": v.ad_tolerance, "worst_error_over_tolerance": v.ad_worst,
         "verdict": "agree" if v.ad_agrees else "DISAGREE"},
        {"against": "finite differences", "parameters": v.parameters - v.fd_skipped, "max_error": v.fd_error,
         "tolerance": v.fd_tolerance, "worst_error_over_tolerance": v.fd_worst,
         "verdict": "agree" if v.fd_agrees else "DISAGREE"},
    ]
