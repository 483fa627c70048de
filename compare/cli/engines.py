"""``python -m compare engines``: PyTorch, JAX, HIPS autograd, micrograd and toygrad against the exact derivatives.

The same random functions (``compare.generate``) and special points
(``compare.engines.special``) go through every installed engine; each answer is
held against the exact derivative (``compare.engines.truth``) with the
tolerance policy of ``compare.tolerance``. ``EXPR --at POINT`` or ``--id``
checks one function in every engine instead: the rerun line of any row.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import shlex
import time
from typing import Any, Sequence

from ..engines import ENGINES, conformance, install_hint
from ..engines.judge import VERDICTS
from ..engines.recipes import from_formula
from ..errors import UsageError
from ..generate import generate, parse_id
from ..sweep import executor_for
from .check import parse_point
from .check import same_variables
from .files import RULE, output_path
from .output import add_output_options, caption, document, fmt_time, positive_int, progress, table, write_json
from .report import parse_range

NAME = "engines"
HELP = "conformance of PyTorch, JAX, autograd, micrograd and toygrad: random functions and special points"

DEFAULTS = {"n": 250, "depth": "1..4", "points": 1, "vars": 3}
#: the Python modules whose presence says an engine is installed (found without importing them)
_MODULES = {"toygrad": "toygrad", "torch": "torch", "jax": "jax", "autograd": "autograd", "micrograd": "micrograd"}

EPILOG = """verdicts: agree (within the tolerance of the exact value); convention (at a kink, a value between the
one-sided derivatives that is not the toolkit's relu'(0) = 0: a choice, not an error); undefined (the exact
derivative is not a real number there: the engine's answer is compared with the other engines'); refused (the
engine raised an error where the exact value is a number); disagree (a wrong value: a number outside the
tolerance, or NaN/inf where the exact value is finite); unsupported (the engine lacks the op).
exit status: 0 when the report is complete, whatever the engines answered (a conformance report says what differs);
with --strict, 1 if any engine gives a wrong value (disagree); 2 for a usage error; 130 when interrupted."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("expr", nargs="?", help='check one formula in every engine instead, e.g. "relu(x)" --at x=0')
    parser.add_argument("--at", metavar="POINT", help="with EXPR or --id: the point, as name=value pairs: x=0,y=2")
    parser.add_argument("--id", metavar="SEED:DEPTH:INDEX", help="check one random function of the sweep instead")
    parser.add_argument("--engine", metavar="NAMES", help=f"comma-separated engines (default all: {','.join(ENGINES)})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random functions (default 0)")
    parser.add_argument("--n", type=positive_int, help=f"random functions per depth (default {DEFAULTS['n']})")
    parser.add_argument("--depth", help=f"depths, as a range like 1..4 (default {DEFAULTS['depth']})")
    parser.add_argument("--points", type=positive_int, help=f"points per function (default {DEFAULTS['points']})")
    parser.add_argument("--vars", type=positive_int, help=f"variables per function (default {DEFAULTS['vars']})")
    parser.add_argument("--order", type=int, choices=(1, 2), default=2,
                        help="1: values and gradients only; 2 (default): Hessians too, where the engine has them")
    parser.add_argument("--workers", type=positive_int, default=2, help="processes to use (default 2)")
    parser.add_argument("--no-special", action="store_true", help="leave out the special-point suite")
    parser.add_argument("--no-sweep", action="store_true", help="leave out the random sweep")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any engine gives a wrong value")
    parser.add_argument("--html", metavar="PATH", type=output_path,
                        help=f"also write the tables as one self-contained HTML page ({RULE})")
    add_output_options(parser)


def parse_engines(text: str | None) -> list[str]:
    if text is None:
        return list(ENGINES)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown or not names:
        raise UsageError(f"--engine: unknown engine {', '.join(unknown) or '(none given)'}; "
                         f"choose from {','.join(ENGINES)}")
    return list(dict.fromkeys(names))


def installed(names: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """The engines whose package is present (found without importing it), and how to install the others."""
    present, missing = [], {}
    for name in names:
        if importlib.util.find_spec(_MODULES[name]) is None:
            missing[name] = f"{name} is not installed ({install_hint(name)}, or pip install -e '.[engines]')"
        else:
            present.append(name)
    return present, missing


def run(args: argparse.Namespace) -> int:
    engines, missing = installed(parse_engines(args.engine))
    if args.expr is not None or args.id is not None:
        return _single(args, engines, missing)
    if args.at is not None:
        raise UsageError("--at goes with a formula or --id: engines 'relu(x)' --at x=0")
    n = args.n or DEFAULTS["n"]
    depths = parse_range(args.depth or DEFAULTS["depth"])
    points = args.points or DEFAULTS["points"]
    variables = args.vars or DEFAULTS["vars"]
    from ..engines.special import SPECIAL

    special = () if args.no_special else SPECIAL
    if args.no_sweep:
        depths = []
    total = n * len(depths) + len(special)
    started = time.perf_counter()
    bar = progress(range(total), total=total, desc="functions")
    executor = executor_for(args.workers) if args.workers > 1 else None
    try:
        result = _run(engines, args, depths, n, variables, points, special, executor, bar)
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    missing.update(result.missing)
    shown = [e for e in engines if e not in missing]
    return _report(args, result, shown, missing, seconds,
                   {"seed": args.seed, "n": n, "depths": depths, "points": points, "variables": variables,
                    "order": args.order, "workers": args.workers, "special_points": len(special)})


def _run(engines, args, depths, n, variables, points, special, executor, bar) -> conformance.Run:
    kwargs = dict(seed=args.seed, depths=depths, n=n, variables=variables, points=points, order=args.order,
                  special=special, on_progress=bar.update)
    if executor is None:
        return conformance.run(engines, **kwargs)
    try:
        result = conformance.run(engines, executor=executor, **kwargs)
    except BaseException:  # Ctrl-C or a failure: stop now, queued chunks are dropped, not waited for
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()
    return result


# ---------------------------------------------------------------- formatting


def fmt_entry(x: Any, digits: int = 6) -> str:
    """An engine's or the exact entry, short: 0.5, -inf, nan, error DomainError, undefined."""
    if x is None:
        return "undefined"
    if isinstance(x, str):
        return "error " + x.split(":")[1].strip() if x.count(":") >= 1 else x
    return f"{x:.{digits}g}" if math.isfinite(x) else str(x)


def fmt_ulps(x: float | None) -> str:
    if x is None:
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:.0f}" if x < 1e6 else f"{x:.1e}"


def _cell(c: dict[str, Any]) -> str:
    if not c["checked"]:
        return "n/s" if c["unsupported"] else "-"
    text = f"{c['agree']}/{c['checked']}"
    return text + (f" ({c['disagree']} wrong)" if c["disagree"] else "")


def _rerun(formula_or_id: str, at: str, engine: str | None = None, variables: int | None = None) -> str:
    parts = ["python -m compare engines"]
    if formula_or_id.count(":") == 2 and formula_or_id.replace(":", "").isdigit():
        parts.append(f"--id {formula_or_id}" + (f" --vars {variables}" if variables else ""))
    else:
        parts.append(shlex.quote(formula_or_id))
    parts.append(f"--at {at}")
    if engine:
        parts.append(f"--engine {engine}")
    return " ".join(parts)


def _at(names: Sequence[str], point: Sequence[float]) -> str:
    return ",".join(f"{n}={x!r}" for n, x in zip(names, point))


def _report(args, result: conformance.Run, engines: list[str], missing: dict[str, str], seconds: float,
            settings: dict[str, Any]) -> int:
    fmt, width = args.format, args.width
    versions = [f"{e} {result.versions.get(e, '')}".strip() for e in engines]
    lines = [caption(f"Engines: {', '.join(versions) or 'none'}", width)]
    lines += [caption(f"skipped: {why}", width) for why in missing.values()]
    tables: dict[str, Any] = {"summary": conformance.summary(result.sweep, engines)}
    if result.sweep:
        functions = len({r["id"] for r in result.sweep})
        lines += [
            "",
            caption(f"Random sweep: {functions} functions (seed {settings['seed']}, depths {settings['depths'][0]}.."
                    f"{settings['depths'][-1]}, {settings['n']} per depth, {settings['points']} point(s) each, "
                    f"{settings['variables']} variables), through each engine. A check is one engine at one point "
                    "and order; ulps: the worst error in units in the last place of the exact value (or of the "
                    "gradient's scale where terms cancel); err/tol: the worst error over the tolerance of "
                    "compare.tolerance for toygrad's graph of the same function; time: the engine's own", width),
            table([_summary_row(r) for r in tables["summary"]], SUMMARY_HEADERS, fmt, width),
        ]
        for order, title in ((1, "first"), (2, "second")):
            if order > settings["order"]:
                continue
            rows = conformance.by_op(result.sweep, engines, order)
            tables[f"by_op_order_{order}"] = rows
            lines += ["", caption(f"Agreement by op, {title} order: agreeing/checked, in the functions that contain "
                                  "the op (n/s: not supported by the engine; -: no function had the op)", width),
                      table([[r["op"], *(_cell(r[e]) for e in engines)] for r in rows], ["op", *engines], fmt, width)]
        wrong = [r for r in result.sweep if r["verdict"] in ("disagree", "refused")]
        tables["sweep_differences"] = wrong
        if wrong:
            lines += ["", caption(f"Random functions where an engine is wrong or refuses ({len(wrong)} checks, "
                                  "the first 20 shown; the JSON has all)", width),
                      table([[f"#{k + 1} {r['id']}", r["engine"], r["partial"], fmt_entry(r["exact"]),
                              fmt_entry(r["got"]), r["verdict"]] for k, r in enumerate(wrong[:20])],
                            ["# function", "engine", "entry", "exact", "engine's value", "verdict"], fmt, width),
                      "rerun:"]
            vars_ = settings["variables"] if settings["variables"] != DEFAULTS["vars"] else None
            lines += [f"  #{k + 1}: " + _rerun(r["id"], _at([f"x{i}" for i in range(len(r["point"]))], r["point"]),
                                               r["engine"], vars_) for k, r in enumerate(wrong[:20])]
    if result.skipped:
        lines += ["", caption(f"Not checked ({len(result.skipped)} functions: no exact derivative): "
                              + "; ".join(f"{k}: {v}" for k, v in list(result.skipped.items())[:5]), width)]
    if result.special:
        tables["special_summary"] = conformance.summary(result.special, engines)
        diffs = conformance.differences(result.special)
        tables["special_differences"] = diffs
        numbered: dict[tuple[str, str], int] = {}
        for d in diffs:
            numbered.setdefault((d["formula"], d["at"]), len(numbered) + 1)
        what = {(r["formula"], r["at"]): r["what"] for r in result.special}
        lines += [
            "",
            caption(f"Special points: {settings['special_points']} points (kinks, domain boundaries, integer and "
                    "zero exponents, zero and negative bases, saturation, overflow edges), by engine", width),
            table([_summary_row(r) for r in tables["special_summary"]], SUMMARY_HEADERS, fmt, width),
            "",
            caption("Special points where an engine differs from the exact derivative or from the majority of "
                    "engines (entry: the one that differs; majority: what more than half of the engines return)",
                    width),
            table([[f"#{numbered[(d['formula'], d['at'])]} {d['formula']}", d["engine"], d["partial"],
                    fmt_entry(d["exact"], 4), fmt_entry(d["got"], 4),
                    "-" if d["majority"] is None else fmt_entry(d["majority"], 4), d["verdict"]] for d in diffs],
                  ["# function", "engine", "entry", "exact", "engine's value", "majority", "verdict"], fmt, width),
            "the points, and the line that reruns each:",
        ]
        for (f, at), k in numbered.items():
            lines += [caption(f"  #{k}: {f} at {at}: {what[(f, at)]}", width), f"      {_rerun(f, at)}"]
    lines += ["", f"time: {fmt_time(seconds)} with {settings['workers']} worker(s)"]
    print("\n".join(lines))
    if args.json:
        write_json(args.json, document(
            "engines", settings, engines={e: result.versions.get(e, "") for e in engines}, missing=missing,
            seconds=seconds, skipped=[{"id": k, "reason": v} for k, v in result.skipped.items()], **tables))
    if args.html:
        from .html import tables_page, write_page

        write_page(args.html, tables_page("AD engines against the certified truth", {"tables": tables}, {},
                                          subtitle=f"engines: {', '.join(engines)}; time {fmt_time(seconds)}"))
    wrong_values = any(r["verdict"] == "disagree" for r in result.sweep + result.special)
    return 1 if args.strict and wrong_values else 0


SUMMARY_HEADERS = ["engine, order", "checks", *VERDICTS, "ulps", "err/tol", "time"]


def _summary_row(r: dict[str, Any]) -> list[Any]:
    err_tol = r["worst_err_tol"]
    return [f"{r['engine']}, {('1st', '2nd')[r['order'] - 1]}", r["checks"], *(r[v] for v in VERDICTS),
            fmt_ulps(r["worst_ulps"]), "-" if err_tol is None else fmt_ulps(err_tol) if err_tol >= 1 else
            f"{err_tol:.2g}", fmt_time(r["seconds"])]


# ---------------------------------------------------------------- one function


def _single(args, engines: list[str], missing: dict[str, str]) -> int:
    recipe, points, label = _subject(args)
    adapters, broken = conformance.load_engines(engines)
    missing.update(broken)
    lines = [caption(f"skipped: {why}", args.width) for why in missing.values()]
    try:
        rows = []
        for point in points:
            rows += conformance.check_recipe(recipe, adapters, args.order, [point], answers=True)
    except ValueError as exc:
        raise UsageError(f"no exact derivative for {label}: {exc}") from None
    names = [a.name for a in adapters]
    for point in points:
        lines.append(caption(f"{label} at {_at(recipe.variables, point)}", args.width))
        for order in range(1, args.order + 1):
            mine = [r for r in rows if r["order"] == order and r["point"] == list(point)]
            if not mine:
                continue
            entries = mine[0]["entries"]
            by_engine = {r["engine"]: r for r in mine}
            body = [[name, fmt_entry(mine[0]["exact_answer"][k]),
                     *(fmt_entry(by_engine[e]["answer"][k]) if by_engine[e]["answer"] else "n/s" for e in names)]
                    for k, name in enumerate(entries)]
            lines += [table(body, ["entry", "exact", *names], args.format, args.width)]
            lines += [caption(f"  {e}: {by_engine[e]['verdict']}" + (
                f" ({by_engine[e]['reason']})" if by_engine[e]["reason"] else
                f" (worst entry {by_engine[e]['partial']})" if by_engine[e]["verdict"] != "agree" else ""), args.width)
                for e in names]
        lines.append("")
    print("\n".join(lines).rstrip())
    if args.json:
        write_json(args.json, document(
            "engines", {"function": label, "variables": list(recipe.variables), "points": [list(p) for p in points],
                        "order": args.order}, engines={a.name: a.version for a in adapters}, missing=missing,
            checks=rows))
    return 1 if args.strict and any(r["verdict"] == "disagree" for r in rows) else 0


def _subject(args):
    if args.id is not None:
        if args.expr is not None:
            raise UsageError("give either a formula or --id, not both")
        try:
            seed, depth, index = parse_id(args.id)
            f = generate(seed, depth, index, variables=args.vars or DEFAULTS["vars"],
                         points=args.points or DEFAULTS["points"])
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        points = [p for p in f.points]
        if args.at:
            at = parse_point(args.at)
            same_variables(f.variables, at)
            points = [tuple(at[v] for v in f.variables)]
        return f, points, f"{f.id}: {f.formula}"
    if args.at is None:
        raise UsageError("give the point with --at, e.g. engines 'relu(x)' --at x=0")
    try:
        probe = from_formula(args.expr)
    except ValueError as exc:
        raise UsageError(f"the formula does not work here: {str(exc).splitlines()[0]}") from None
    at = parse_point(args.at)
    same_variables(probe.variables, at)
    point = tuple(at[v] for v in probe.variables)
    return from_formula(args.expr, [point]), [point], args.expr
