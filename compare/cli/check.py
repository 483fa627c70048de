"""``python -m compare check EXPR --at x=1,y=2``: one formula, every partial by every method.

The formula is read with ``symbolic.parse`` (never ``eval``). ``--id S:D:I``
checks a function of a report instead (its id as listed there).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from symbolic import ParseError, parse
from toygrad import DomainError

from ..three_way import Check, check_function
from ..errors import UsageError
from ..generate import generate, parse_id
from .output import add_backend_option, add_output_options, caption, document, fmt_error, records, table, write_json
from ..schema import verdict_counts
from ..second_order import check_hessian
from ..subjects import FormulaSubject

NAME = "check"
HELP = "check one formula at one point: AD, exact symbolic (certified balls), compiled symbolic, finite differences"


def parse_point(text: str) -> dict[str, float]:
    """``"x=1,y=2.5"`` as ``{"x": 1.0, "y": 2.5}``."""
    point: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--at takes name=value pairs separated by commas, like x=1,y=2; got {part!r}")
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--at: the value of {name} must be a number, got {value.strip()!r}") from None
        if not math.isfinite(number):
            raise UsageError(f"--at: the value of {name} must be finite, got {value.strip()!r}")
        if name in point:
            raise UsageError(f"--at gives {name} twice")
        point[name] = number
    return point


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expr", nargs="?", help='the formula, e.g. "sin(x**2) * exp(y) / (1 + z)"')
    parser.add_argument("--at", metavar="POINT", help="the point, as name=value pairs: x=1,y=2")
    parser.add_argument("--id", metavar="SEED:DEPTH:INDEX", help="check a function of a report by its id instead")
    parser.add_argument("--vars", type=int, default=3, help="with --id: variables per function, as in the report")
    parser.add_argument("--order", type=int, choices=(1, 2), default=1,
                        help="2 also prints the Hessian by AD over AD, exactly and by finite differences")
    add_backend_option(parser)
    add_output_options(parser)


def _subject(args: argparse.Namespace) -> tuple[Any, list[list[float]]]:
    if args.id is not None:
        if args.expr is not None:
            raise UsageError("give either a formula or --id, not both")
        try:
            seed, depth, index = parse_id(args.id)
            f = generate(seed, depth, index, variables=args.vars)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        points = [list(p) for p in f.points]
        if args.at:
            at = parse_point(args.at)
            _same_variables(f.variables, at)
            points = [[at[v] for v in f.variables]]
        return f, points
    if args.expr is None:
        raise UsageError("check needs a formula (or --id); for example: check 'sin(x) * y' --at x=1,y=2")
    try:
        subject = FormulaSubject(parse(args.expr))
    except ParseError as exc:
        raise UsageError(f"the formula does not parse: {exc.reason}") from None
    if not subject.variables:
        raise UsageError("the formula has no variables to differentiate")
    if args.at is None:
        raise UsageError(f"give the point with --at, e.g. --at {','.join(f'{v}=1' for v in subject.variables)}")
    at = parse_point(args.at)
    _same_variables(subject.variables, at)
    return subject, [[at[v] for v in subject.variables]]


def _same_variables(variables: tuple[str, ...], at: dict[str, float]) -> None:
    missing = [v for v in variables if v not in at]
    if missing:
        raise UsageError(f"--at gives no value for {', '.join(missing)}")
    extra = [v for v in at if v not in variables]
    if extra:
        raise UsageError(f"--at gives {', '.join(extra)}, which the formula does not use ({', '.join(variables)})")


SIZE_COLUMNS = ["graph_ops", "tree_ops", "tree_ops_cse", "dag_ops", "ad_seconds", "tree_seconds", "dag_seconds",
                "lambdify_seconds", "exact_seconds"]


def render(c: Check, fmt: str, width: int = 100) -> str:
    """One check as text: the partials by every method, sizes and times, the verdict."""
    rows = [
        [f"d/d{n}", ad, ex, f"{b['rad']:.1e}", b["status"], sf, fd, fmt_error(abs(ad - ex)), fmt_error(tol)]
        for n, ad, ex, b, sf, fd, tol in zip(c.point, c.ad, c.exact, c.ball, c.symbolic_float, c.fd, c.tolerance)
    ]
    vb = c.value_ball
    costs = {**c.sizes, **{f"{k}_seconds": c.times.get(t) for k, t in (
        ("ad", "ad"), ("tree", "tree"), ("dag", "dag"), ("lambdify", "lambdify_eval"), ("exact", "exact"))}}
    lines = [
        caption(f"{c.formula}   at {', '.join(f'{k}={v!r}' for k, v in c.point.items())}", width),
        caption(f"value: AD {c.value!r}, exact {c.value_exact!r} (+- {vb['rad']:.1e}, {vb['status']})", width),
        table(rows, ["partial", "AD", "exact (ball midpoint)", "+- radius", "ball", "compiled", "finite diff.",
                     "|AD - exact|", "tolerance"], fmt, width),
        "",
        records([costs], SIZE_COLUMNS, fmt, width),
        "",
        caption(f"verdict: {c.verdict}" + (f" ({c.reason})" if c.reason else "")
                + f"; ground truth: {c.ground_truth}-mode {c.backend} derivative, evaluated in ball arithmetic at the "
                f"exact point ({'certified' if c.certified else 'NOT certified'}: every ball's radius below a "
                f"thousandth of its tolerance); sizes counted by {c.backend}", width),
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    subject, points = _subject(args)
    try:
        checks = check_function(subject, points, backend=args.backend, sizes=True)
    except DomainError as exc:
        raise UsageError(f"the point is outside the domain: {exc}") from None
    for c in checks:
        if c.verdict == "out-of-domain":
            raise UsageError(f"the point is outside the domain: {c.reason}")
    print("\n\n".join(render(c, args.format, args.width) for c in checks))
    second = check_hessian(subject, points, backend=args.backend) if args.order == 2 else []
    for row in second:
        print("\n" + render_hessian(row, args.format, args.width))
    passed = not any(c.verdict == "disagree" for c in checks) and not any(r["verdict"] == "disagree" for r in second)
    if args.json:
        rows = [c.to_dict() for c in checks]
        settings = {"formula": args.expr, "id": args.id, "at": args.at, "order": args.order, "variables": args.vars,
                    "backend": checks[0].backend if checks else args.backend}
        summary = {"checks": len(rows), "verdicts": verdict_counts(rows), "second_order_verdicts":
                   verdict_counts(second), "passed": passed}
        write_json(args.json, document("check", settings, summary=summary, checks=rows, second_order=second))
    return 0 if passed else 1


def render_hessian(row: dict[str, Any], fmt: str, width: int = 100) -> str:
    """The Hessian by each method, side by side, and the verdict."""
    if "exact" not in row:
        return f"Hessian: {row['verdict']} ({row['reason']})"
    names = [n for n in row["point"]][: len(row["exact"])]
    lines = ["Hessian (row i, column j: d2/dxi dxj)"]
    for title, key in (("AD over AD", "ad"), (f"exact ({row.get('backend', '')}, ball midpoints)", "exact"),
                       ("finite differences of the gradient", "fd")):
        lines += [title, table([[n, *r] for n, r in zip(names, row[key])], ["", *names], fmt, width)]
    lines.append(caption(
        f"Hessian verdict: {row['verdict']}" + (f" ({row['reason']})" if row["reason"] else "")
        + f"; gradient by forward mode off by {fmt_error(row['error_forward'])}, "
        f"by reverse mode by {fmt_error(row['error_reverse'])} (relative to the exact one)", width
    ))
    return "\n".join(lines)
