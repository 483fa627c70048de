"""``python -m compare check EXPR --at x=1,y=2``: one formula, every partial by every method.

The formula is read with ``symbolic.parse`` (never ``eval``); one that starts
with ``-`` (``check "-x**2"``) is a formula, not an option. ``--id S:D:I``
checks a function of a report instead (its id as listed there). ``--at`` may be
repeated (each is a point); ``--random N`` draws N points inside the domain of
every op of the formula (``--seed``).
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from collections import Counter
from typing import Any, Sequence

from symbolic import ParseError, parse
from toygrad import DomainError

from ..three_way import VERDICTS, Check, iter_checks
from ..errors import UsageError
from ..generate import generate, parse_id
from .report import MAX_DEPTH
from .output import (add_backend_option, add_output_options, caption, document, fmt_error, int_in, progress, records,
                     table, write_json)
from ..schema import verdict_counts
from ..second_order import check_hessian
from ..subjects import FormulaSubject

NAME = "check"
HELP = "check one formula at one point: AD, exact symbolic (certified balls), compiled symbolic, finite differences"


#: a number as the formula grammar writes it: ASCII digits only (``float`` also reads ``"١"``, ``"1_0"``, ``"nan"``)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
#: the options of ``check`` that take a value: a word after one of them is that value, never the formula
_VALUED = ("--at", "--id", "--vars", "--order", "--format", "--json", "--random", "--seed")
#: points ``--random`` may draw, and how many tries per point it makes before giving up
MAX_POINTS, TRIES_PER_POINT = 1000, 200


def formula_first(argv: list[str]) -> list[str]:
    """``check``'s arguments with a formula that starts with ``-`` passed as ``--expr=...``.

    argparse reads ``"-x**2"`` as an unknown option; a word that starts with a
    single ``-``, is not ``-h`` or a number, and is not the value of an option,
    is the formula.

    >>> formula_first(["-x**2", "--at", "x=1"])
    ['--expr=-x**2', '--at', 'x=1']
    >>> formula_first(["x", "--vars", "-1"])
    ['x', '--vars', '-1']
    """
    out = []
    for i, word in enumerate(argv):
        if (word.startswith("-") and not word.startswith("--") and word != "-h" and not _NUMBER.fullmatch(word)
                and (i == 0 or argv[i - 1] not in _VALUED)):
            word = f"--expr={word}"
        out.append(word)
    return out


def parse_point(text: str) -> dict[str, float]:
    """``"x=1,y=2.5"`` as ``{"x": 1.0, "y": 2.5}``; numbers in ASCII, as in formulas."""
    point: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--at takes name=value pairs separated by commas, like x=1,y=2; got {part!r}")
        if not _NUMBER.fullmatch(value.strip()):
            raise UsageError(f"--at: the value of {name} must be a number in ASCII digits, like 1.5 or -2e3; "
                             f"got {value.strip()!r}")
        number = float(value)
        if not math.isfinite(number):
            raise UsageError(f"--at: the value of {name} must be finite, got {value.strip()!r}")
        if name in point:
            raise UsageError(f"--at gives {name} twice")
        point[name] = number
    return point


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expr", nargs="?",
                        help='the formula, e.g. "sin(x**2) * exp(y) / (1 + z)"; one starting with - is fine too')
    parser.add_argument("--expr", dest="expr_option", metavar="EXPR", help=argparse.SUPPRESS)
    parser.add_argument("--at", metavar="POINT", action="append",
                        help="a point, as name=value pairs: x=1,y=2; repeat for several points")
    parser.add_argument("--random", metavar="N", type=int_in(1, MAX_POINTS),
                        help=f"check at N random points (1 to {MAX_POINTS}) inside the domain of every op of the "
                             "formula, drawn with --seed")
    parser.add_argument("--seed", type=int, default=0, help="seed of --random (default 0)")
    parser.add_argument("--id", metavar="SEED:DEPTH:INDEX",
                        help=f"check a function of a report by its id instead (depth 1 to {MAX_DEPTH})")
    parser.add_argument("--vars", type=int_in(1, 10), default=3,
                        help="with --id: variables per function, as in the report (1 to 10)")
    parser.add_argument("--order", type=int, choices=(1, 2), default=1,
                        help="2 also prints the Hessian by AD over AD, exactly and by finite differences")
    add_backend_option(parser)
    add_output_options(parser)


def _subject(args: argparse.Namespace) -> tuple[Any, list[list[float]]]:
    expr = args.expr if args.expr is not None else args.expr_option
    if args.expr is not None and args.expr_option is not None:
        raise UsageError("give one formula")
    if args.at and args.random:
        raise UsageError("give either --at or --random, not both")
    if args.id is not None:
        if expr is not None:
            raise UsageError("give either a formula or --id, not both")
        try:
            seed, depth, index, require = parse_id(args.id)
            if not 1 <= depth <= MAX_DEPTH:
                raise ValueError(f"--id: the depth must be from 1 to {MAX_DEPTH}, got {depth}")
            f = generate(seed, depth, index, variables=args.vars, require=require)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if args.at:
            return f, _points(f.variables, args.at)
        if args.random:
            return f, random_points(f, args.random, args.seed)
        return f, [list(p) for p in f.points]
    if expr is None:
        raise UsageError("check needs a formula (or --id); for example: check 'sin(x) * y' --at x=1,y=2")
    try:
        subject = FormulaSubject(parse(expr))
    except ParseError as exc:
        raise UsageError(f"the formula does not parse: {exc.reason}") from None
    if not subject.variables:
        raise UsageError("the formula has no variables to differentiate")
    if args.random:
        return subject, random_points(subject, args.random, args.seed)
    if not args.at:
        raise UsageError(f"give the point with --at, e.g. --at {','.join(f'{v}=1' for v in subject.variables)}, "
                         "or --random N")
    return subject, _points(subject.variables, args.at)


def _points(variables: tuple[str, ...], texts: list[str]) -> list[list[float]]:
    points = []
    for text in texts:
        at = parse_point(text)
        same_variables(variables, at)
        points.append([at[v] for v in variables])
    return points


def random_points(subject: Any, n: int, seed: int) -> list[list[float]]:
    """``n`` points where ``subject`` builds: every op of it inside its domain, the gradient a float.

    Each coordinate is drawn uniformly from [-3, 3] or, half the time, log-uniformly
    in size from 1e-3 to 1e3 with either sign; points outside the domain are redrawn.
    """
    rng = random.Random(seed)
    points: list[list[float]] = []
    for _ in range(n * TRIES_PER_POINT):
        p = [rng.uniform(-3, 3) if rng.random() < 0.5 else rng.choice((-1, 1)) * 10 ** rng.uniform(-3, 3)
             for _ in subject.variables]
        try:
            subject.build(dict(zip(subject.variables, p))).backward()
        except DomainError:
            continue
        points.append(p)
        if len(points) == n:
            return points
    raise UsageError(f"--random: found only {len(points)} of {n} points inside the domain in "
                     f"{n * TRIES_PER_POINT} tries")


def same_variables(variables: Sequence[str], at: dict[str, float]) -> None:
    """``--at`` names exactly the variables of the function, or a usage error that says which differ."""
    missing = [v for v in variables if v not in at]
    if missing:
        raise UsageError(f"--at gives no value for {', '.join(missing)}")
    extra = [v for v in at if v not in variables]
    if extra:
        raise UsageError(f"--at gives {', '.join(extra)}, which the function does not use ({', '.join(variables)})")


SIZE_COLUMNS = ["graph_ops", "tree_ops", "tree_ops_cse", "dag_ops", "ad_seconds", "tree_seconds", "dag_seconds",
                "lambdify_seconds", "exact_seconds"]


def render(c: Check, fmt: str, width: int = 100) -> str:
    """One check as text: the partials by every method, sizes and times, the verdict."""
    rows = [
        [f"d/d{n}", ad, ex, f"{b['rad']:.1e}", b["status"], sf, fd, fmt_error(abs(ad - ex)), fmt_error(tol),
         fmt_error(h), fmt_error(fd_tol)]
        for n, ad, ex, b, sf, fd, tol, h, fd_tol in zip(c.point, c.ad, c.exact, c.ball, c.symbolic_float, c.fd,
                                                        c.tolerance, c.fd_step, c.fd_tolerance)
    ]
    vb = c.value_ball
    costs = {**c.sizes, **{f"{k}_seconds": c.times.get(t) for k, t in (
        ("ad", "ad"), ("tree", "tree"), ("dag", "dag"), ("lambdify", "lambdify_eval"), ("exact", "exact"))}}
    lines = [
        caption(f"{c.formula}   at {', '.join(f'{k}={v!r}' for k, v in c.point.items())}", width),
        caption(f"value: AD {c.value!r}, exact {c.value_exact!r} (+- {vb['rad']:.1e}, {vb['status']})", width),
        table(rows, ["partial", "AD", "exact (ball midpoint)", "+- radius", "ball", "compiled", "finite diff.",
                     "|AD - exact|", "tolerance", "FD step", "FD error est."], fmt, width),
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
    checks: list[Check] = []
    interrupted = False
    try:
        for c in progress(iter_checks(subject, points, backend=args.backend, sizes=True), total=len(points),
                          desc="points"):
            if c.verdict == "out-of-domain" and not args.random:
                raise UsageError(f"cannot check at {_where(c)}: {c.reason}")
            checks.append(c)
        second = check_hessian(subject, points, backend=args.backend) if args.order == 2 else []
    except KeyboardInterrupt:
        interrupted, second = True, []
    passed = not any(c.verdict == "disagree" for c in checks) and not any(r["verdict"] == "disagree" for r in second)
    if args.json:  # first: a reader that closes the pipe early must not cost the file
        rows = [c.to_dict() for c in checks]
        settings = {"formula": args.expr if args.expr is not None else args.expr_option, "id": args.id,
                    "at": args.at, "random": args.random, "seed": args.seed, "order": args.order,
                    "variables": args.vars, "backend": checks[0].backend if checks else args.backend}
        summary = {"checks": len(rows), "verdicts": verdict_counts(rows), "second_order_verdicts":
                   verdict_counts(second), "passed": passed}
        write_json(args.json, document("check", settings, complete=not interrupted, summary=summary, checks=rows,
                                       second_order=second))
    if len(checks) <= FULL_RENDERS:
        print("\n\n".join(render(c, args.format, args.width) for c in checks))
    else:  # one line per point: hundreds of full blocks are unreadable, and slow to print after Ctrl-C
        print(render_points(checks, args.format, args.width))
    for row in second:
        print("\n" + render_hessian(row, args.format, args.width))
    if len(checks) > 1:
        counts = Counter(c.verdict for c in checks)
        print(f"\n{len(checks)} points: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS))
    if interrupted:
        print(f"interrupted: {len(points) - len(checks)} of {len(points)} points not checked", file=sys.stderr)
        return 130
    return 0 if passed else 1


#: up to this many points, each is shown in full; more, one line each
FULL_RENDERS = 5


def render_points(checks: list[Check], fmt: str, width: int = 100) -> str:
    """Many points, one line each: the point, the verdict, the worst |AD - exact| over its tolerance, why."""
    rows = []
    for c in checks:
        worst = max((abs(a - e) / t if t else (0.0 if a == e else math.inf)
                     for a, e, t in zip(c.ad, c.exact, c.tolerance)), default=0.0)
        rows.append([_where(c), c.verdict, f"{worst:.2g}", c.reason])
    head = caption(f"{checks[0].formula}   at {len(checks)} points", width)
    return head + "\n" + table(rows, ["point", "verdict", "err/tol", "why"], fmt, width)


def _where(c: Check) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in c.point.items())


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
