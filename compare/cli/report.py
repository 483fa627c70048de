"""``python -m compare report``: the comparison report (the default command).

A sweep over depths x random functions x points, then: agreement by depth,
agreement by op, cost by depth (time and size of each representation: the
swell, measured), the logistic-map swell table and the training section.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Sequence

from toygrad import OPS

from .. import second_order, swell
from . import train as traincmd
from ..check import VERDICTS
from ..errors import UsageError
from .output import add_output_options, fmt_error, fmt_time, positive_int, table, write_json
from ..executors import KINDS, DaskMissing, runner
from ..store import Store, StoreError
from ..sweep import make_tasks, run_sweep

NAME = "report"
HELP = "sweep random functions: agreement by depth and by op, cost and swell, verified training"

DEFAULTS = {"n": 50, "depth": "1..6", "points": 3, "vars": 3}
QUICK = {"n": 5, "depth": "1..4"}


def parse_range(text: str) -> list[int]:
    """``"1..6"`` or ``"3"`` or ``"1,3,5"`` as a list of positive integers."""
    try:
        if ".." in text:
            lo, hi = (int(p) for p in text.split(".."))
            values = list(range(lo, hi + 1))
        else:
            values = [int(p) for p in text.split(",")]
    except ValueError:
        raise UsageError(f"--depth takes a range like 1..6, a number, or a list like 1,3,5; got {text!r}") from None
    if not values:
        raise UsageError(f"--depth {text!r} holds no depth: write the smaller end first, like 1..6")
    if min(values) < 1:
        raise UsageError(f"--depth needs depths of at least 1, got {text!r}")
    return values


def parse_ops(text: str | None) -> tuple[str, ...]:
    if text is None:
        return tuple(OPS)
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in OPS]
    if unknown or not names:
        raise UsageError(f"--ops: unknown op {', '.join(unknown) or '(none given)'}; choose from {','.join(OPS)}")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed of the random functions (default 0)")
    parser.add_argument("--n", type=positive_int, help=f"functions per depth (default {DEFAULTS['n']})")
    parser.add_argument("--depth", help=f"depths, as a range like 1..6 (default {DEFAULTS['depth']})")
    parser.add_argument("--points", type=positive_int, help="points per function (default 3)")
    parser.add_argument("--vars", type=positive_int, help="variables per function (default 3)")
    parser.add_argument("--ops", help="comma-separated ops to draw from (default: the whole table)")
    parser.add_argument("--workers", type=positive_int,
                        help="processes to use (default 1; with --executor process the machine's cores, "
                             "with --executor dask a LocalCluster sized to the machine)")
    parser.add_argument("--executor", choices=KINDS,
                        help="where functions run: inline (default), process (a pool; the default with --workers "
                             "2 or more) or dask (dask.distributed: pip install -e '.[dask]')")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="the scheduler of an existing Dask cluster (implies --executor dask; default: "
                             "a LocalCluster started for the run)")
    parser.add_argument("--order", type=int, choices=(1, 2), default=1,
                        help="2 adds Hessians (AD over AD vs SymPy vs finite differences), forward mode, "
                             "and the forward/reverse crossover")
    parser.add_argument("--quick", action="store_true", help="a small sweep that finishes in seconds")
    parser.add_argument("--no-training", action="store_true", help="leave out the training section")
    parser.add_argument("--resume", metavar="PATH",
                        help="continue the interrupted run whose JSON is at PATH (same options); "
                             "finished functions are not redone, and the JSON is written back there")
    parser.add_argument("--store", metavar="PATH",
                        help="append each finished function to the SQLite store at PATH as it finishes; the same "
                             "command with the same store continues where it stopped (for sweeps of any size)")
    parser.add_argument("--from", dest="from_store", metavar="PATH",
                        help="print the report of the store at PATH (complete or not) without checking anything")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    if args.from_store:
        return _report_from(args)
    settings = {**DEFAULTS, **(QUICK if args.quick else {})}
    n = args.n or settings["n"]
    depths = parse_range(args.depth or settings["depth"])
    ops = parse_ops(args.ops)
    points = args.points or settings["points"]
    variables = args.vars or settings["vars"]
    tasks = make_tasks(args.seed, depths, n, variables=variables, ops=ops, points=points, order=args.order)
    settings = {"seed": args.seed, "n": n, "depths": depths, "points": points, "variables": variables,
                "ops": list(ops), "order": args.order}
    if args.store and args.resume:
        raise UsageError("--store resumes by itself (run the same command again): leave out --resume")
    done = _resumable(args.resume, settings) if args.resume else {}
    json_path = args.json or args.resume
    store = _open_store(args.store, settings) if args.store else None

    started = time.perf_counter()
    with _runner(args) as executor:
        result = run_sweep(tasks, executor=executor, done=done, store=store)
    sweep_seconds = time.perf_counter() - started

    results = _Stored(store, ops) if store is not None else _Listed(result.functions, result.pending)
    status = _report(args, settings, results, result.complete, sweep_seconds, json_path, fresh=True)
    if store is not None:
        store.close()
    if not result.complete:
        if store is not None:
            how = f"; continue with the same command (the store {args.store} keeps what finished)"
        elif json_path:
            how = f"; continue with: {_resume_command(settings, json_path, args)}"
        else:
            how = "; run with --json PATH or --store PATH to be able to resume"
        print(f"interrupted: {result.missing} of {len(tasks)} functions not checked{how}", file=sys.stderr)
        return 130
    return status


def _report_from(args: argparse.Namespace) -> int:
    """``--from PATH``: the report of a store, from SQL aggregates, nothing recomputed."""
    for option in ("store", "resume", "scheduler", "executor", "workers", "n", "depth", "points", "vars", "ops"):
        if getattr(args, option) is not None:
            raise UsageError(f"--from prints a stored run as it is: leave out --{option}")
    try:
        store = Store(args.from_store)
    except StoreError as exc:
        raise UsageError(f"--from: {exc}") from None
    with store:
        settings = store.settings
        expected = settings["n"] * len(settings["depths"])
        complete = store.finished() >= expected
        args.seed, args.order = settings["seed"], settings["order"]
        status = _report(args, settings, _Stored(store, settings["ops"]), complete, None, args.json, fresh=False)
        if not complete:
            print(f"the store holds {store.finished()} of the run's {expected} functions: continue it with "
                  f"report --store {args.from_store} and the run's options", file=sys.stderr)
    return status


def _report(args: argparse.Namespace, settings: dict[str, Any], results: "_Listed | _Stored", complete: bool,
            sweep_seconds: float | None, json_path: str | None, fresh: bool) -> int:
    """Print the report's tables (and write its JSON) from ``results``; the exit status.

    ``fresh``: the sections made once per run (swell, second order, training) are computed when the sweep is
    complete (and kept in the store, if any); otherwise they are read from the store if it holds them.
    """
    n, points, variables = settings["n"], settings["points"], settings["variables"]
    tables: dict[str, Any] = results.tables()
    out = [
        f"Agreement by depth: seed {settings['seed']}, {n} functions per depth, {points} points each, "
        f"{variables} variables. Errors are relative to the exact symbolic gradient's scale; err/tol is the "
        "worst error over the policy's tolerance (a large relative error comes with an ill-conditioned point, "
        "where digits cancel, and the tolerance is wide there as well)",
        table(_rows(tables["agreement_by_depth"]), _headers(tables["agreement_by_depth"], "depth"), args.format),
        "",
        "Agreement by op (functions that contain the op)",
        table(_rows(tables["agreement_by_op"]), _headers(tables["agreement_by_op"], "op"), args.format),
        "",
        "Cost by depth: medians per function (times per point for AD, exact and lambdify)",
        table(_rows(tables["cost_by_depth"]), _headers(tables["cost_by_depth"], "depth"), args.format),
    ]
    swell_table = results.section("swell", lambda: swell.measure(8), fresh and complete)
    if swell_table is not None:
        tables["swell"] = swell_table
        out += [
            "",
            "Expression swell: the logistic map l(n+1) = 4 l(n) (1 - l(n)), l(1) = x, differentiated by x",
            swell.render(tables["swell"], args.format),
        ]
    if settings["order"] >= 2 and complete:
        tables["second_order_by_depth"] = second_order.hessian_by_depth(results.second_order_by_depth())
        crossover = results.section("crossover", second_order.crossover, fresh)
        if crossover is not None:
            tables["crossover"] = crossover
        out += [
            "",
            "Second derivatives by depth: Hessian by AD over AD and by finite differences of the gradient, "
            "against SymPy's exact Hessian; first derivatives by forward and by reverse mode against the exact ones",
            table(_rows(tables["second_order_by_depth"]), list(tables["second_order_by_depth"][0]), args.format),
        ]
        if crossover is not None:
            out += [
                "",
                "A full gradient by forward mode (one sweep per input) and by reverse mode (one sweep for all)",
                table(_rows(tables["crossover"]), list(tables["crossover"][0]), args.format),
            ]
    training = None
    disagreements_in_training = False
    if not args.no_training:
        training = results.section(
            "training", lambda: traincmd.training_section(seed=settings["seed"], quick=args.quick), fresh and complete)
    if training is not None:
        out += ["", traincmd.render_section(training, args.format)]
        disagreements_in_training = not training["passed"]

    counts = results.counts()
    disagreements = results.disagreements()
    if disagreements:
        out += ["", "Disagreements (rerun one with: python -m compare check --id ID)"]
        out.append(table([[r["id"], _point(r), r["reason"]] for r in disagreements], ["id", "point", "why"], args.format))
    out += ["", _summary(results.n_functions(), counts, sweep_seconds, complete)]
    print("\n".join(out))
    if json_path:
        write_json(json_path, {
            "command": "report",
            "settings": settings,
            "complete": complete,
            "pending": results.pending(),
            "summary": dict(counts),
            "tables": tables,
            "training": training,
            "functions": list(results.functions()),
            "time_sweep_seconds": sweep_seconds,
        })
    return 1 if disagreements or disagreements_in_training else 0


def _runner(args: argparse.Namespace):
    """The runner the options ask for (a usage error when dask is asked for and missing or unreachable)."""
    kind = args.executor or ("dask" if args.scheduler else "process" if (args.workers or 1) > 1 else "inline")
    if args.scheduler and kind != "dask":
        raise UsageError(f"--scheduler is the address of a Dask cluster: it goes with --executor dask, not {kind}")
    if kind == "dask" and args.scheduler and args.workers:
        raise UsageError("--workers sizes a LocalCluster: an existing cluster (--scheduler) has its own workers")
    try:
        return runner(kind, args.workers if kind != "process" else args.workers or os.cpu_count(), args.scheduler)
    except DaskMissing as exc:
        raise UsageError(str(exc)) from None
    except ConnectionError as exc:
        raise UsageError(str(exc)) from None


def _open_store(path: str, settings: dict[str, Any]) -> Store:
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError(f"--store: cannot write {path!r}: it is not a regular file")
    try:
        return Store(path, settings)
    except StoreError as exc:
        raise UsageError(f"--store: {exc}") from None


def store_tables(store: Store, ops: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The agreement and cost tables of a store, from SQL aggregates."""
    selected = [name for name in OPS if name in ops]
    return {
        "agreement_by_depth": store.agreement("depth", VERDICTS),
        "agreement_by_op": store.agreement("op", VERDICTS, groups=selected),
        "cost_by_depth": store.cost_by_depth(),
    }


class _Listed:
    """The results of a sweep held in memory (a small run, or one resumed from its JSON)."""

    def __init__(self, functions: list[dict[str, Any]], pending: list[str]) -> None:
        self._functions = functions
        self._pending = pending
        self._rows = [r for f in functions for r in f["rows"]]

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        return {"agreement_by_depth": agreement_by_depth(self._functions),
                "agreement_by_op": agreement_by_op(self._functions),
                "cost_by_depth": cost_by_depth(self._functions)}

    def section(self, name: str, make, fresh: bool) -> Any:
        return make() if fresh else None

    def second_order_by_depth(self) -> dict[int, list]:
        by_depth: dict[int, list] = {}
        for f in self._functions:
            by_depth.setdefault(f["depth"], []).extend(f["second_order"])
        return by_depth

    def counts(self) -> Counter:
        return Counter(r["verdict"] for r in self._rows)

    def disagreements(self) -> list[dict[str, Any]]:
        out = [r for r in self._rows if r["verdict"] == "disagree"]
        return out + [r for f in self._functions for r in f.get("second_order", []) if r["verdict"] == "disagree"]

    def n_functions(self) -> int:
        return len(self._functions)

    def functions(self) -> list[dict[str, Any]]:
        return self._functions

    def pending(self) -> list[str]:
        return self._pending


class _Stored:
    """The results of a sweep in a store: tables by SQL, nothing held in memory."""

    def __init__(self, store: Store, ops: Sequence[str]) -> None:
        self._store = store
        self._ops = ops

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        return {name: [_formatted(row) for row in rows] for name, rows in store_tables(self._store, self._ops).items()}

    def section(self, name: str, make, fresh: bool) -> Any:
        if fresh:
            self._store.put_section(name, make())
        return self._store.section(name)

    def second_order_by_depth(self) -> dict[int, list]:
        by_depth: dict[int, list] = {}
        for depth, rows in self._store.second_order_rows():
            by_depth.setdefault(depth, []).extend(rows)
        return by_depth

    def counts(self) -> Counter:
        return Counter({v: n for v, n in self._store.verdict_counts(VERDICTS).items() if n})

    def disagreements(self) -> list[dict[str, Any]]:
        second = [r for _, rows in self._store.second_order_rows() for r in rows if r["verdict"] == "disagree"]
        return self._store.checks_with("disagree") + second

    def n_functions(self) -> int:
        return self._store.finished()

    def functions(self) -> Iterator[dict[str, Any]]:
        return self._store.functions()

    def pending(self) -> list[str]:
        return []  # a store's sweep may miss millions: it is continued by running it again, not by a list


_LABELS = {"ad_max_error": "AD max err", "ad_median_error": "AD median", "fd_max_error": "FD max err",
           "fd_median_error": "FD median", "graph_ops": "graph ops", "tree_ops": "tree ops",
           "tree_ops_cse": "tree after cse", "dag_ops": "DAG ops", "ad_seconds": "time AD",
           "tree_seconds": "time tree", "dag_seconds": "time DAG", "lambdify_seconds": "time lambdify",
           "exact_seconds": "time exact", "functions_per_second": "time functions/s"}


def _formatted(row: dict[str, Any]) -> dict[str, Any]:
    """A store's numeric table row as the report shows it (the same cells as the in-memory tables)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key == "verdicts":
            out.update(value)
        elif key == "ad_worst_error_over_tolerance":
            out["AD err/tol max"] = f"{value or 0.0:.2g}"
        elif key.endswith("_error"):
            out[_LABELS[key]] = fmt_error(value)
        elif key.endswith("_seconds"):
            out[_LABELS[key]] = fmt_time(value)
        elif key == "functions_per_second":
            out[_LABELS[key]] = f"{value:.1f}" if value else "-"
        elif key in _LABELS:
            out[_LABELS[key]] = _size(value)
        else:
            out[key] = value
    return out


def _headers(rows: list[dict[str, Any]], first: str) -> list[str]:
    return list(rows[0]) if rows else [first]


def _resume_command(settings: dict[str, Any], path: str, args: argparse.Namespace) -> str:
    """The command that finishes this run: the same settings, and --resume."""
    depths = settings["depths"]
    parts = ["python -m compare report", f"--seed {settings['seed']}", f"--n {settings['n']}",
             f"--depth {','.join(map(str, depths))}", f"--points {settings['points']}",
             f"--vars {settings['variables']}", f"--order {settings['order']}"]
    if settings["ops"] != list(OPS):
        parts.append(f"--ops {','.join(settings['ops'])}")
    if args.no_training:
        parts.append("--no-training")
    return " ".join(parts + [f"--resume {path}"])


def _resumable(path: str, settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The finished functions of an interrupted run, if it was run with the same settings."""
    data = load_json(path)
    if data.get("command") != "report" or "functions" not in data:
        raise UsageError(f"{path} is not the JSON of a report")
    if data.get("settings") != settings:
        theirs = data.get("settings")
        raise UsageError(f"{path} was made with other settings ({theirs}); resume with the same options")
    return {f["id"]: f for f in data["functions"]}


# -------------------------------------------------------------- aggregation


def _median(xs: Sequence[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _max(xs: Sequence[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return max(xs) if xs else None


def _ratio(rows: list[dict[str, Any]]) -> str:
    """The worst |AD - exact| / tolerance over the rows' components: below 1 is agreement."""
    worst = 0.0
    for r in rows:
        for a, e, t in zip(r["ad"], r["exact"], r["tolerance"]):
            if a != e:
                worst = max(worst, abs(a - e) / t if t else float("inf"))
    return f"{worst:.2g}"


def _size(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def _rows(dicts: list[dict[str, Any]]) -> list[list[Any]]:
    return [list(d.values()) for d in dicts]


def _point(row: dict[str, Any]) -> str:
    return ",".join(f"{k}={v!r}" for k, v in row["point"].items())


def _compared(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows where the exact gradient exists (everything but out-of-domain)."""
    return [r for r in rows if r["verdict"] != "out-of-domain" and r["exact"]]


def _agreement(fs: list[dict[str, Any]], medians: bool) -> dict[str, Any]:
    """Counts, errors and verdicts of a group of functions' checks."""
    rows = [r for f in fs for r in f["rows"]]
    compared = _compared(rows)
    counts = Counter(r["verdict"] for r in rows)
    ad = [r["error_ad"] for r in compared]
    fd = [r["error_fd"] for r in compared]
    return {
        "functions": len(fs),
        "points": len(rows),
        "AD max err": fmt_error(_max(ad)),
        **({"AD median": fmt_error(_median(ad))} if medians else {}),
        "FD max err": fmt_error(_max(fd)),
        **({"FD median": fmt_error(_median(fd))} if medians else {}),
        "AD err/tol max": _ratio(compared),
        **{v: counts.get(v, 0) for v in VERDICTS},
    }


def agreement_by_depth(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    depths = sorted({f["depth"] for f in functions})
    return [{"depth": d, **_agreement([f for f in functions if f["depth"] == d], medians=True)} for d in depths]


def agreement_by_op(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"op": name, **_agreement([f for f in functions if name in f["ops"]], medians=False)} for name in OPS]


def cost_by_depth(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for depth in sorted({f["depth"] for f in functions}):
        fs = [f for f in functions if f["depth"] == depth]
        firsts = [f["rows"][0] for f in fs if f["rows"] and f["rows"][0]["sizes"]]
        rows = [r for f in fs for r in f["rows"] if r["times"].get("ad") is not None]
        total = sum(f["seconds"] for f in fs)
        out.append({
            "depth": depth,
            "graph ops": _size(_median([r["sizes"].get("graph_ops") for r in firsts])),
            "tree ops": _size(_median([r["sizes"].get("tree_ops") for r in firsts])),
            "tree after cse": _size(_median([r["sizes"].get("tree_ops_cse") for r in firsts])),
            "DAG ops": _size(_median([r["sizes"].get("dag_ops") for r in firsts])),
            "time AD": fmt_time(_median([r["times"].get("ad") for r in rows])),
            "time tree": fmt_time(_median([r["times"].get("tree") for r in firsts])),
            "time DAG": fmt_time(_median([r["times"].get("dag") for r in firsts])),
            "time lambdify": fmt_time(_median([r["times"].get("lambdify_eval") for r in rows])),
            "time exact": fmt_time(_median([r["times"].get("exact") for r in rows])),
            "time functions/s": f"{len(fs) / total:.1f}" if total else "-",
        })
    return out


def _summary(n_functions: int, counts: Counter, seconds: float | None, complete: bool) -> str:
    checks = sum(counts.values())
    parts = ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS)
    verdict = (
        "Every AD gradient matches the exact symbolic one within the tolerance policy"
        if not counts.get("disagree") else "SOME GRADIENTS DISAGREE (listed above)"
    )
    status = "" if complete else " (interrupted: partial results)"
    when = "stored" if seconds is None else f"in {seconds:.1f} s"
    return f"{checks} checks of {n_functions} functions {when}{status}: {parts}. {verdict}."


def load_json(path: str) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
