"""``python -m compare train DATASET``: verify, then train; plots; the report's training section.

The work is done by :mod:`compare.training`; this module reads the options,
prints the tables, draws the plot and writes the JSON.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, replace
from typing import Any, Callable

from toygrad import DomainError
from toygrad.data import DATASETS

from .. import plots
from ..errors import UsageError
from .files import RULE, output_path, write_file
from .sections import SECTION_CAPTION, TRAINING_CAPTION, VERIFY_COLUMNS, verification_records
from .output import (
    add_backend_option, add_output_options, caption, cell, document, fmt_time, progress, records, write_json,
)
from ..training import (
    LOSSES, METHODS, OPTIMIZERS, TRAINABLE_ACTIVATIONS, Setup, TrainingRun, fit, picture, prepare, setup_for,
)

NAME = "train"
HELP = "verify the gradients of an MLP's loss, then train it (moons, circles, xor, spiral, sine)"


# ------------------------------------------------------------------ report section

_SECTION_VERIFY = ["dataset", "parameters", "examples", "ad_max_error", "fd_max_error", "ad_tolerance", "certified",
                   "verdict"]
_SECTION_TRAIN = ["dataset", "setup", "method", "steps", "train_loss", "train_accuracy", "test_accuracy",
                  "train_rmse", "test_rmse", "ad_step_seconds", "symbolic_step_seconds", "symbolic_setup_seconds",
                  "ad_symbolic_gap", "refused"]


def run_json(run: TrainingRun) -> dict[str, Any]:
    """A training run as JSON: timings under ``times`` (seconds), everything else deterministic; ``picture``
    is the trained model on its data (:func:`compare.training.picture`), what the plots draw."""
    sym = run.symbolic
    symbolic = None if sym is None else {
        "bindings": sym["bindings"], "max_gap": sym["max_gap"], "ad_losses": sym["ad_losses"],
        "times": {"derive": sym["derive"], "compile": sym["compile"], "per_step": sym["per_step"],
                  "per_step_ad": sym["per_step_ad"], "train_ad": sym["train_ad"]},
    }
    return {"setup": asdict(run.setup), "method": run.method, "metric": run.metric, "losses": run.losses,
            "history": run.history, "final": run.final, "times": run.times, "symbolic": symbolic,
            "picture": picture(run.problem) if run.problem is not None else None}


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
        caption(SECTION_CAPTION, width),
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
    if not all(p.isascii() and p.isdigit() and 0 < int(p) <= MAX_WIDTH for p in parts) or len(parts) > 8:
        raise argparse.ArgumentTypeError(f"expected up to 8 comma-separated layer sizes from 1 to {MAX_WIDTH}, "
                                         f"like 16,16; got {text!r}")
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


#: ranges that finish in reasonable time on two cores and keep every float of training finite
MAX_STEPS, MAX_POINTS, MAX_WIDTH = 100_000, 10_000, 512
MAX_LR, MAX_L2, MAX_NOISE = 1e3, 1e3, 10.0

_COUNT = _reader(int, "a whole number of at least 1", lambda v: v >= 1)
_STEPS = _reader(int, f"a whole number from 1 to {MAX_STEPS}", lambda v: 1 <= v <= MAX_STEPS)
_POINTS = _reader(int, f"a whole number from 1 to {MAX_POINTS}", lambda v: 1 <= v <= MAX_POINTS)
_LR = _reader(float, f"a number above 0 and at most {MAX_LR:g}", lambda v: 0 < v <= MAX_LR)
_L2 = _reader(float, f"a number from 0 to {MAX_L2:g}", lambda v: 0 <= v <= MAX_L2)
_NOISE = _reader(float, f"a number from 0 to {MAX_NOISE:g}", lambda v: 0 <= v <= MAX_NOISE)


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
    parser.add_argument("--lr", type=_LR,
                        help=f"learning rate, up to {MAX_LR:g} (default: sgd follows micrograd's 1.0 - 0.9 k/steps)")
    parser.add_argument("--steps", type=_STEPS, help=f"training steps, 1 to {MAX_STEPS} (default 100; 150 for sine)")
    parser.add_argument("--l2", type=_L2, help=f"L2 weight, 0 to {MAX_L2:g} (default 1e-4; 0 for sine)")
    parser.add_argument("--batch", type=_COUNT, help="examples per step, drawn at random (default: all)")
    parser.add_argument("--points", type=_POINTS,
                        help=f"training points, 1 to {MAX_POINTS} (default 100), plus a test part a quarter as big")
    parser.add_argument("--noise", type=_NOISE,
                        help=f"noise of the data, 0 to {MAX_NOISE:g} (default: the data set's)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data, the split and the weights (default 0)")
    parser.add_argument("--method", choices=METHODS, default="ad",
                        help="ad: backpropagation (default); symbolic: SymPy's gradient compiled for numpy, "
                             "compared with AD")
    parser.add_argument("--every", type=_COUNT, help="steps between rows of the table (default steps/10)")
    parser.add_argument("--plot", metavar="PATH", type=output_path,
                        help=f"write a PNG: loss curve, and decision regions or fit ({RULE})")
    parser.add_argument("--html", metavar="PATH", type=output_path,
                        help=f"write one self-contained HTML page: the verification, the history and the plot ({RULE})")
    add_backend_option(parser)
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    setup = setup_for(
        args.dataset, hidden=args.hidden, activation=args.activation, loss=args.loss, optim=args.optim, lr=args.lr,
        steps=args.steps, l2=args.l2, batch=args.batch, points=args.points, noise=args.noise, seed=args.seed,
    )
    if (args.plot or args.html) and not plots.available():
        raise UsageError(plots.NO_MATPLOTLIB)
    try:
        problem = prepare(setup)
        v = problem.verify(backend=args.backend)
    except DomainError as exc:
        raise UsageError(f"cannot verify the loss at these settings: {exc}") from None
    w = args.width
    print(caption(f"Verifying the gradient of the loss ({setup.loss}{' + L2' if setup.l2 else ''}) on {v.examples} "
                  f"training examples: {problem.architecture()} at its initial weights", w))
    print(records(verification_records(v), VERIFY_COLUMNS, args.format, w))
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
    data = document("train", settings, verification=v.to_dict(), run=run_json(result))
    if args.plot:
        write_file(args.plot, lambda fh: plots.training_png(data["run"], setup.describe(), fh), binary=True)
        print(f"wrote {args.plot}")
    if args.html:
        from .figures import train_page
        from .html import write_page

        write_page(args.html, train_page(data))
        print(f"wrote {args.html}")
    if args.json:
        write_json(args.json, data)
    return 0
