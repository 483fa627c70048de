"""``python -m compare report``: the comparison report (the default command).

A sweep over depths x random functions x points, then: agreement by depth,
agreement by op, cost by depth (time and size of each representation: the
swell, measured), the logistic-map swell table and the training section.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from typing import Any, Sequence

from symbolic import backend as get_backend
from toygrad import OPS

from .. import second_order
from . import swell as swellcmd
from . import train as traincmd
from .sections import TITLES
from ..three_way import VERDICTS, Check, verdict
from ..errors import UsageError
from ..schema import validate, verdict_counts, verdict_key
from .files import RULE, output_path
from .output import (
    add_backend_option,
    add_output_options, caption, counter, document, int_in, read_json, records, verdict_columns,
    write_json,
)
from ..executors import KINDS
from ..store import Store
from .sources import Listed, open_store, runner_for, section
from ..sweep import make_tasks, run_sweep
from ..swell import measure as measure_swell
from ..tolerance import err_over_tol

NAME = "report"
HELP = "sweep random functions: agreement by depth and by op, cost and swell, verified training"

DEFAULTS = {"n": 50, "depth": "1..6", "points": 3, "vars": 3}
#: ranges that finish in reasonable time on two cores (a depth-40 function takes about half a second)
MAX_DEPTH = 40
MAX_FUNCTIONS = 10_000
#: a sweep into a store keeps nothing in memory: only the time it takes bounds it
MAX_STORED = 10_000_000
QUICK = {"n": 5, "depth": "1..4"}


def parse_range(text: str) -> list[int]:
    """``"1..6"`` or ``"3"`` or ``"1,3,5"`` as a list of positive integers."""
    try:
        if ".." in text:
            lo, hi = (int(p) for p in text.split(".."))
            values = list(range(lo, min(hi, lo + MAX_DEPTH) + 1))  # never a huge list: refused below
        else:
            values = [int(p) for p in text.split(",")]
    except ValueError:
        raise UsageError(f"--depth takes a range like 1..6, a number, or a list like 1,3,5; got {text!r}") from None
    if not values:
        raise UsageError(f"--depth {text!r} holds no depth: write the smaller end first, like 1..6")
    if min(values) < 1 or max(values) > MAX_DEPTH:
        raise UsageError(f"--depth takes depths from 1 to {MAX_DEPTH}, got {text!r}")
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
    parser.add_argument("--n", type=int_in(1, MAX_STORED),
                        help=f"functions per depth; at most {MAX_FUNCTIONS} in all, or {MAX_STORED} into a --store "
                             f"(default {DEFAULTS['n']})")
    parser.add_argument("--depth", help=f"depths from 1 to {MAX_DEPTH}, as a range like 1..6 "
                                        f"(default {DEFAULTS['depth']})")
    parser.add_argument("--points", type=int_in(1, 20), help="points per function, 1 to 20 (default 3)")
    parser.add_argument("--vars", type=int_in(1, 10), help="variables per function, 1 to 10 (default 3)")
    parser.add_argument("--ops", help="comma-separated ops to draw from (default: the whole table)")
    parser.add_argument("--workers", type=int_in(1, 64),
                        help="processes to use, 1 to 64 (default 1; with --executor process the machine's cores, "
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
    parser.add_argument("--quick", action="store_true",
                        help="a small sweep that finishes in seconds; its k-th function ends in the k-th op of "
                             "the table, so every op is exercised")
    parser.add_argument("--no-training", action="store_true", help="leave out the training section")
    parser.add_argument("--resume", metavar="PATH",
                        help="continue the interrupted run whose JSON is at PATH (same options); "
                             "finished functions are not redone, and the JSON is written back there")
    parser.add_argument("--store", metavar="PATH", type=output_path,
                        help="append each finished function to the SQLite store at PATH as it finishes; the same "
                             f"command with the same store continues where it stopped (for sweeps of any size; {RULE})")
    parser.add_argument("--from", dest="from_store", metavar="PATH",
                        help="print the report of the store at PATH (complete or not) without checking anything")
    add_backend_option(parser)
    add_output_options(parser)
    parser.add_argument("--html", metavar="PATH", type=output_path,
                        help="also write the report as one self-contained HTML page with plots (needs the plot "
                             f"extra: pip install -e '.[plot]'; {RULE})")


def run(args: argparse.Namespace) -> int:
    if args.html:
        from .figures import require_plots

        require_plots()
    if args.from_store:
        return _report_from(args)
    settings = {**DEFAULTS, **(QUICK if args.quick else {})}
    n = args.n or settings["n"]
    depths = parse_range(args.depth or settings["depth"])
    ops = parse_ops(args.ops)
    points = args.points or settings["points"]
    variables = args.vars or settings["vars"]
    limit = MAX_STORED if args.store else MAX_FUNCTIONS
    if n * len(depths) > limit:
        raise UsageError(f"--n {n} at {len(depths)} depths is {n * len(depths)} functions; at most {MAX_FUNCTIONS}"
                         f" (or {MAX_STORED} into a --store)")
    backend = get_backend(args.backend).name
    tasks = make_tasks(args.seed, depths, n, variables=variables, ops=ops, points=points, order=args.order,
                       backend=backend, cover=args.quick)
    settings = {"seed": args.seed, "n": n, "depths": depths, "points": points, "variables": variables,
                "ops": list(ops), "order": args.order, "backend": backend, "cover": args.quick}
    if args.store and args.resume:
        raise UsageError("--store resumes by itself (run the same command again): leave out --resume")
    json_path = args.json or args.resume
    if json_path == args.resume and args.resume:
        try:
            output_path(args.resume)  # written back there: checked before any work, as --json is
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"--resume: {exc}") from None
    done = _resumable(args.resume, settings) if args.resume else {}
    store = open_store(args.store, settings) if args.store else None

    started = time.perf_counter()
    try:
        with runner_for(args) as executor:
            result = run_sweep(tasks, executor=executor, done=done, progress=counter, store=store)
        sweep_seconds = time.perf_counter() - started
        source = store if store is not None else Listed(result.functions, result.pending, _tables)
        status = _report(args, settings, source, result.complete, sweep_seconds, json_path, fresh=True)
    finally:
        if store is not None:
            store.close()
    if not result.complete:
        how = (f"continue with the same command (the store {args.store} keeps what finished)" if store else
               f"continue with: {_resume_command(settings, json_path, args)}" if json_path else
               "run with --json PATH or --store PATH to be able to resume")
        print(f"interrupted: {result.missing} of {len(tasks)} functions not checked; {how}", file=sys.stderr)
        return 130
    return status


def _report_from(args: argparse.Namespace) -> int:
    """``--from PATH``: the report of a store, its tables by SQL aggregates, nothing recomputed."""
    for option in ("store", "resume", "scheduler", "executor", "workers", "n", "depth", "points", "vars", "ops"):
        if getattr(args, option, None) is not None:
            raise UsageError(f"--from prints a stored run as it is: leave out --{option}")
    with open_store(args.from_store, None) as store:
        expected = store.settings["n"] * len(store.settings["depths"])
        complete = store.finished() >= expected
        status = _report(args, store.settings, store, complete, None, args.json, fresh=False)
        if not complete:
            print(f"the store holds {store.finished()} of its run's {expected} functions: run its command again "
                  f"with --store {args.from_store} to finish it", file=sys.stderr)
    return status


def _tables(functions: list[dict[str, Any]], ops: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The agreement and cost tables of functions held in memory (a store makes the same by SQL)."""
    return {"agreement_by_depth": agreement_by_depth(functions), "agreement_by_op": agreement_by_op(functions, ops),
            "cost_by_depth": cost_by_depth(functions)}


def _report(args: argparse.Namespace, settings: dict[str, Any], results: "Listed | Store", complete: bool,
            sweep_seconds: float | None, json_path: str | None, fresh: bool) -> int:
    """Print the report of ``results`` (a sweep's functions, or a store), write its JSON (and page); the exit
    status. The once-per-run sections are made if ``fresh`` and complete (and kept in a store), else read from
    a store. A signal while the tables are made leaves out the section it stopped; what was made is written."""
    n, points, variables, backend = settings["n"], settings["points"], settings["variables"], settings["backend"]
    w = args.width
    tables: dict[str, Any] = {}
    out: list[str] = []
    training = None
    make = fresh and complete
    stopped_in = "the report's tables"  # the section a signal stopped, after the sweep
    try:
        tables.update(results.tables(settings["ops"]))
        out += [
            caption(f"Agreement by depth: seed {settings['seed']}, {n} functions per depth, {points} points each, "
                    f"{variables} variables; exact gradients derived by {backend} and evaluated as balls (certified: "
                    "radius below a thousandth of the tolerance). Errors are relative to the exact symbolic gradient's "
                    "scale; err/tol is the worst error over the policy's tolerance (a large relative error comes with "
                    "an ill-conditioned point, where digits cancel, and the tolerance is wide there as well)", w),
            records(tables["agreement_by_depth"], ["depth", *AGREEMENT_COLUMNS, *verdict_columns(), "certified"],
                    args.format, w)
            if results.finished() else "(no function finished)",
            "",
            caption(TITLES["agreement_by_op"], w),
            records(tables["agreement_by_op"], ["op", *[c for c in AGREEMENT_COLUMNS if "median" not in c],
                                                *verdict_columns(), "certified"], args.format, w),
            "",
            caption("Cost by depth: medians per function (times per point for AD, exact and the compiled derivative; "
                    f"sizes counted by {backend})", w),
            records(tables["cost_by_depth"], list(tables["cost_by_depth"][0]) if tables["cost_by_depth"] else
                    ["depth"], args.format, w),
        ]
        stopped_in = "the swell section"
        swell_table = section(results, "swell", lambda: measure_swell(8), make)
        if swell_table is not None:
            tables["swell"] = swell_table
            out += ["", caption(TITLES["swell"], w), swellcmd.render(tables["swell"], args.format, w)]
        if settings["order"] >= 2 and complete:  # the Hessian table is made from the rows, in memory
            stopped_in = "the second-order section"
            by_depth: dict[int, list] = {}
            for depth, rows in results.second_order_rows():
                by_depth.setdefault(depth, []).extend(rows)
            tables["second_order_by_depth"] = second_order.hessian_by_depth(by_depth)
            out += [
                "",
                caption("Second derivatives by depth: Hessian by AD over AD and by finite differences of the "
                        "gradient, against the exact Hessian (certified balls); first derivatives by forward and by "
                        "reverse mode against the exact ones", w),
                records(tables["second_order_by_depth"], [*HESSIAN_COLUMNS, *verdict_columns()], args.format, w),
            ]
            crossover = section(results, "crossover", second_order.crossover, make)
            if crossover is not None:
                tables["crossover"] = crossover
                out += ["", caption(TITLES["crossover"], w),
                        records(tables["crossover"], list(tables["crossover"][0]), args.format, w)]
        if not args.no_training:
            stopped_in = "the training section"
            training = section(results, "training", lambda: traincmd.training_section(
                seed=settings["seed"], quick=args.quick, backend=backend), make)
            if training is not None:
                out += ["", traincmd.render_section(training, args.format, w)]
        stopped_in = ""
    except KeyboardInterrupt:
        out += ["", f"(interrupted in {stopped_in}: it is left out)"]
    disagreements_in_training = training is not None and not training["passed"]

    disagreements = [_disagreement(r, order, settings) for order in (1, 2) for r in results.disagreements(order)]
    if disagreements:
        out += ["", caption("Disagreements", w), records(disagreements, list(disagreements[0]), args.format, w)]
    summary = {
        "functions": results.finished(),
        "checks": results.checks(),
        "verdicts": results.verdicts(),
        "certified": results.certified(),
        "second_order_verdicts": results.second_order_verdicts(),
        "passed": not disagreements and not disagreements_in_training and complete and not stopped_in,
    }
    out += ["", caption(_summary(summary, sweep_seconds, complete), w)]
    if json_path or args.html:
        data = document("report", settings, complete=complete, pending=results.pending(), summary=summary,
                        tables=tables, training=training, disagreements=disagreements,
                        functions=list(results.functions()),
                        sweep_seconds=results.seconds() if sweep_seconds is None else sweep_seconds)
        if json_path:  # first: a reader that closes the pipe early must not cost the file
            write_json(json_path, data)
        if args.html:
            from .figures import report_page
            from .html import write_page

            write_page(args.html, report_page(data))
    print("\n".join(out), flush=True)
    if stopped_in and complete:
        print(f"interrupted in {stopped_in}; the sweep is complete", file=sys.stderr)
        return 130
    return 1 if disagreements or disagreements_in_training else 0


def _disagreement(row: dict[str, Any], order: int, settings: dict[str, Any]) -> dict[str, Any]:
    """A disagreeing check as a row of the report: where, why, and the command that reruns it."""
    command = f"python -m compare check --id {row['id']}"
    if settings["variables"] != DEFAULTS["vars"]:
        command += f" --vars {settings['variables']}"
    if order == 2:
        command += " --order 2"
    return {"id": row["id"], "order": order, "point": _point(row), "why": row["reason"], "rerun": command}


def _resume_command(settings: dict[str, Any], path: str, args: argparse.Namespace) -> str:
    """The command that finishes this run: the same settings, and --resume."""
    depths = settings["depths"]
    parts = ["python -m compare report", f"--seed {settings['seed']}", f"--n {settings['n']}",
             f"--depth {','.join(map(str, depths))}", f"--points {settings['points']}",
             f"--vars {settings['variables']}", f"--order {settings['order']}", f"--backend {settings['backend']}"]
    if settings["ops"] != list(OPS):
        parts.append(f"--ops {','.join(settings['ops'])}")
    if settings["cover"]:
        parts.append("--quick")
    if args.no_training:
        parts.append("--no-training")
    return " ".join(parts + [f"--resume {path}"])


def _resumable(path: str, settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The finished functions of an interrupted run, if it was run with the same settings.

    The file must follow the schema, and the verdict of every finished check is
    recomputed from its stored numbers (:func:`compare.check.verdict`): a
    verdict its numbers do not support means the file was edited or damaged.
    """
    data = read_json(path)
    try:
        validate(data)
    except ValueError as exc:
        raise UsageError(f"cannot resume from {path}: {exc}") from None
    if data["command"] != "report":
        raise UsageError(f"cannot resume from {path}: it is the JSON of {data['command']}, not of a report")
    if data["settings"] != settings:
        raise UsageError(f"{path} was made with other settings ({data['settings']}); resume with the same options")
    for f in data["functions"]:
        judged = [(row, "", _rejudge(row)) for row in f["rows"]]
        judged += [(row, "Hessian ", second_order.hessian_verdict(row)) for row in f["second_order"] if "ad" in row]
        for row, what, (recomputed, why) in judged:
            if row["verdict"] != recomputed:
                at = ",".join(f"{k}={v!r}" for k, v in row["point"].items())
                raise UsageError(
                    f"cannot resume from {path}: function {f['id']} at {at}: the stored {what}verdict is "
                    f"{row['verdict']} but its numbers say {recomputed} ({why or 'within every tolerance'}); "
                    "the file was edited or damaged"
                )
    return {f["id"]: f for f in data["functions"]}


_CHECK_FIELDS = {f.name for f in dataclasses.fields(Check)}


def _rejudge(row: dict[str, Any]) -> tuple[str, str]:
    """The verdict a stored check's numbers give (out-of-domain when there is nothing to compare)."""
    if row["verdict"] == "out-of-domain" and not row["exact"]:
        return row["verdict"], row["reason"]
    if row["value"] is None or row["value_exact"] is None or row["value_tolerance"] is None:
        return "out-of-domain", "no value to compare"
    return verdict(Check(**{k: v for k, v in row.items() if k in _CHECK_FIELDS}))


# -------------------------------------------------------------- aggregation

AGREEMENT_COLUMNS = ["functions", "points", "ad_max_error", "ad_median_error", "fd_max_error", "fd_median_error",
                     "ad_worst_error_over_tolerance"]
HESSIAN_COLUMNS = ["depth", "points", "hessian_ad_max_error", "hessian_fd_max_error", "forward_max_error",
                   "reverse_max_error", "ad_hessian_seconds", "exact_seconds"]


def _median(xs: Sequence[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _max(xs: Sequence[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return max(xs) if xs else None


def _ratio(rows: list[dict[str, Any]]) -> float | None:
    """The worst |AD - exact| / tolerance over the rows' components: below 1 is agreement."""
    return max((err_over_tol(r["ad"], r["exact"], r["tolerance"]) for r in rows), default=None)


def _point(row: dict[str, Any]) -> str:
    return ",".join(f"{k}={v!r}" for k, v in row["point"].items())


def _compared(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows where the exact gradient exists (everything but out-of-domain)."""
    return [r for r in rows if r["verdict"] != "out-of-domain" and r["exact"]]


def _agreement(fs: list[dict[str, Any]], medians: bool) -> dict[str, Any]:
    """Counts, errors and verdicts of a group of functions' checks."""
    rows = [r for f in fs for r in f["rows"]]
    compared = _compared(rows)
    ad = [r["error_ad"] for r in compared]
    fd = [r["error_fd"] for r in compared]
    return {
        "functions": len(fs),
        "points": len(rows),
        "ad_max_error": _max(ad),
        **({"ad_median_error": _median(ad)} if medians else {}),
        "fd_max_error": _max(fd),
        **({"fd_median_error": _median(fd)} if medians else {}),
        "ad_worst_error_over_tolerance": _ratio(compared),
        "verdicts": verdict_counts(rows),
        "certified": sum(bool(r.get("certified")) for r in rows),
    }


def agreement_by_depth(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    depths = sorted({f["depth"] for f in functions})
    return [{"depth": d, **_agreement([f for f in functions if f["depth"] == d], medians=True)} for d in depths]


def agreement_by_op(functions: list[dict[str, Any]], ops: Sequence[str] = tuple(OPS)) -> list[dict[str, Any]]:
    """One row per op that was selected, in the table's order (an op no function drew has zeros)."""
    return [{"op": name, **_agreement([f for f in functions if name in f["ops"]], medians=False)}
            for name in OPS if name in ops]


def cost_by_depth(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for depth in sorted({f["depth"] for f in functions}):
        fs = [f for f in functions if f["depth"] == depth]
        firsts = [f["rows"][0] for f in fs if f["rows"] and f["rows"][0]["sizes"]]
        rows = [r for f in fs for r in f["rows"] if r["times"].get("ad") is not None]
        total = sum(f["seconds"] for f in fs)
        out.append({
            "depth": depth,
            "graph_ops": _median([r["sizes"].get("graph_ops") for r in firsts]),
            "tree_ops": _median([r["sizes"].get("tree_ops") for r in firsts]),
            "tree_ops_cse": _median([r["sizes"].get("tree_ops_cse") for r in firsts]),
            "dag_ops": _median([r["sizes"].get("dag_ops") for r in firsts]),
            "ad_seconds": _median([r["times"].get("ad") for r in rows]),
            "tree_seconds": _median([r["times"].get("tree") for r in firsts]),
            "dag_seconds": _median([r["times"].get("dag") for r in firsts]),
            "lambdify_seconds": _median([r["times"].get("lambdify_eval") for r in rows]),
            "exact_seconds": _median([r["times"].get("exact") for r in rows]),
            "functions_per_second": len(fs) / total if total else None,
        })
    return out


def _summary(summary: dict[str, Any], seconds: float | None, complete: bool) -> str:
    counts, certified = summary["verdicts"], summary["certified"]
    parts = ", ".join(f"{counts[verdict_key(v)]} {v}" + (f" ({certified[verdict_key(v)]} certified)"
                                                         if counts[verdict_key(v)] else "") for v in VERDICTS)
    verdict_ = (
        "Every AD gradient matches the exact symbolic one within the tolerance policy"
        if not counts["disagree"] else "SOME GRADIENTS DISAGREE (listed above)"
    )
    if not summary["checks"]:
        verdict_ = "No function finished"
    elif summary["verdicts"][verdict_key("undecided")] and not summary["verdicts"]["disagree"]:
        verdict_ += (" where the check can judge (undecided: an exact ball not certified, or a tolerance "
                     "too wide to prove anything)")
    status = "" if complete else " (interrupted: partial results)"
    when = "stored" if seconds is None else f"in {seconds:.1f} s"  # a stored run's report (--from)
    return (f"{summary['checks']} checks of {summary['functions']} functions {when}{status}: {parts}. "
            f"{verdict_}.")
