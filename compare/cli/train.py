"""``python -m compare train DATASET``: verify, then train; plots; the report's training section.

The work is done by :mod:`compare.training`; this module reads the options,
prints the tables, draws the plot and writes the JSON.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, replace
from typing import Any, Callable

from toygrad import DomainError
from toygrad.data import DATASETS

from .. import plots
from ..errors import UsageError
from .output import add_output_options, fmt_error, fmt_time, progress, table, write_json
from ..training import (
    LOSSES, METHODS, OPTIMIZERS, TRAINABLE_ACTIVATIONS, VERIFY_HEADERS, Setup, TrainingRun, fit, picture, prepare,
    setup_for,
)

NAME = "train"
HELP = "verify the gradients of an MLP's loss, then train it (moons, circles, xor, spiral, sine)"


def run_data(run: TrainingRun) -> dict[str, Any]:
    """Everything ``train`` shows, as plain data: the JSON, the plot and the HTML page all read it."""
    return {"command": "train", **run.to_dict(), "ad_losses": run.symbolic["ad_losses"] if run.symbolic else None}


# ------------------------------------------------------------------ report section

_SECTION_VERIFY = ["data set", "parameters", "examples", "AD max rel. error", "FD max rel. error",
                   "AD tolerance (rel.)", "verdict"]
_SECTION_TRAIN = ["data set", "set-up", "trained by", "steps", "train loss", "train", "test", "AD per step",
                  "symbolic per step", "symbolic one-time", "AD/symbolic gap"]


def training_section(seed: int = 0, quick: bool = False) -> dict[str, Any]:
    """The report's training section: verify, then train on moons (micrograd's demo) and on sine.

    Sine trains with the symbolic method, which also runs AD from the same
    start: the two ways to get a gradient, side by side on real training.
    About 5 s; ``quick`` trains a third of the steps. Plain data, for JSON;
    ``passed`` is False if a verification disagreed.
    """
    verification_rows, training_rows, runs = [], [], []
    passed = True
    for dataset, method in (("moons", "ad"), ("sine", "symbolic")):
        setup = setup_for(dataset, seed=seed)
        if quick:
            setup = replace(setup, steps=max(1, setup.steps // 3))
        problem = prepare(setup)
        v = problem.verify()
        passed &= v.passed
        verification_rows.append([dataset, v.parameters, v.examples, fmt_error(v.ad_error), fmt_error(v.fd_error),
                                  fmt_error(v.ad_tolerance), v.verdict])
        if not v.passed:
            training_rows.append([dataset, _short(setup), "refused", 0, "-", "-", "-", "-", "-", "-", v.reason])
            continue
        run = fit(problem, method, verification=v)
        sym = run.symbolic
        training_rows.append([
            dataset, _short(setup), method, setup.steps, f"{run.final['train_loss']:.3g}",
            _fmt_metric(run.metric, run.final["train"]), _fmt_metric(run.metric, run.final["test"]),
            fmt_time(sym["per_step_ad"] if sym else run.times["per_step"]),
            fmt_time(sym["per_step"]) if sym else "-",
            fmt_time(sym["derive"] + sym["compile"]) if sym else "-",
            fmt_error(sym["max_gap"]) if sym else "-",
        ])
        runs.append({
            "dataset": dataset, "setup": asdict(setup), "method": method, "verification": v.verdict,
            "final": run.final, "times": run.times, "history": run.history, "losses": run.losses,
            "ad_losses": sym["ad_losses"] if sym else None, "picture": picture(problem),
            "symbolic": {k: x for k, x in sym.items() if k != "ad_losses"} if sym else None,
        })
    return {
        "title": "Verified training: each gradient is checked on a mini-batch first (AD and finite differences "
                 "against SymPy's exact DAG-mode gradient), then the network is trained",
        "verification": {"headers": _SECTION_VERIFY, "rows": verification_rows},
        "training": {"headers": _SECTION_TRAIN, "rows": training_rows},
        "runs": runs,
        "passed": passed,
    }


def render_section(section: dict[str, Any], fmt: str = "simple") -> str:
    """The training section as text: a title and two tables."""
    return "\n".join([
        section["title"],
        table(section["verification"]["rows"], section["verification"]["headers"], fmt),
        "",
        "Training (train/test: accuracy, or RMSE for regression; symbolic: SymPy's gradient of one example, derived "
        "and compiled once, on the whole batch; gap: largest relative difference between the AD and the symbolic "
        "loss trajectories)",
        table(section["training"]["rows"], section["training"]["headers"], fmt),
    ])


def _short(s: Setup) -> str:
    return f"{s.activation} MLP {list(s.hidden)}, {s.loss}, {s.optim}"


def _fmt_metric(metric: str, value: float) -> str:
    return f"{value:.1%}" if metric == "accuracy" else f"{value:.4g}"


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
    parser.add_argument("--html", metavar="PATH",
                        help="write one self-contained HTML page: the verification, the history and the plot")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    setup = setup_for(
        args.dataset, hidden=args.hidden, activation=args.activation, loss=args.loss, optim=args.optim, lr=args.lr,
        steps=args.steps, l2=args.l2, batch=args.batch, points=args.points, noise=args.noise, seed=args.seed,
    )
    if (args.plot or args.html) and not plots.available():
        raise UsageError(plots.NO_MATPLOTLIB)
    problem = prepare(setup)
    v = problem.verify()
    print(f"Verifying the gradient of the loss ({setup.loss}{' + L2' if setup.l2 else ''}) on {v.examples} training "
          f"examples: {problem.architecture()} at its initial weights")
    print(table(v.rows(), VERIFY_HEADERS, args.format))
    print(f"exact: SymPy's DAG-mode gradient at the exact point, derived in {fmt_time(v.times['derive'])} and "
          f"evaluated in {fmt_time(v.times['exact'])}; finite differences in {fmt_time(v.times['fd'])}", flush=True)
    if not v.passed:
        print(f"refusing to train: {v.reason}")
        if args.json:
            write_json(args.json, {"command": "train", "setup": asdict(setup), "verification": v.to_dict()})
        return 1
    if v.verdict == "non-smooth":
        print(f"note: {v.reason}; AD and SymPy may differ there, by convention")
    print(f"\nTraining {problem.architecture()}: {setup.describe()}; method {args.method}", flush=True)
    try:
        result = fit(problem, args.method, verification=v, progress=progress, every=args.every)
    except DomainError as exc:
        raise UsageError(f"{exc}; a smaller --lr may help") from None
    name = "accuracy" if result.metric == "accuracy" else "RMSE"
    print(table([[h["step"], f"{h['loss']:.6g}", _fmt_metric(result.metric, h["train"]),
                  _fmt_metric(result.metric, h["test"])] for h in result.history],
                ["step", "loss", f"train {name}", f"test {name}"], args.format))
    f = result.final
    print()
    print(table([[part, f[f"{part}_points"], f"{f[f'{part}_loss']:.6g}", _fmt_metric(result.metric, f[part])]
                 for part in ("train", "test")], ["final", "points", "loss", name], args.format))
    print(f"{setup.steps} steps in {fmt_time(result.times['train'])}: {fmt_time(result.times['per_step'])} per step")
    if result.symbolic:
        sym = result.symbolic
        print()
        print(table([
            ["AD (backward)", "-", "-", fmt_time(sym["per_step_ad"]), fmt_time(sym["train_ad"])],
            ["symbolic (SymPy, numpy)", fmt_time(sym["derive"]), fmt_time(sym["compile"]), fmt_time(sym["per_step"]),
             fmt_time(result.times["train"])],
        ], ["gradient", "derive", "compile", "per step", f"{setup.steps} steps"], args.format))
        print(f"largest relative gap between the AD and the symbolic loss trajectories: {fmt_error(sym['max_gap'])}")
    data = run_data(result)
    if args.plot:
        plots.training_png(data, setup.describe(), args.plot)
        print(f"wrote {args.plot}")
    if args.html:
        from .figures import train_page
        from .html import write_page

        write_page(args.html, train_page(data))
        print(f"wrote {args.html}")
    if args.json:
        write_json(args.json, data)
    return 0
