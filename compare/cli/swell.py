"""``python -m compare swell``: expression swell on the logistic map (measured by :mod:`compare.swell`)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError
from ..swell import measure
from .output import add_output_options, fmt_time, table, write_json

NAME = "swell"
HELP = "expression swell on the logistic map: tree-mode vs DAG-mode vs AD sizes and times"
TITLE = "Expression swell: the logistic map l(n+1) = 4 l(n) (1 - l(n)), l(1) = x, differentiated by x"
_TIMES = ("time tree", "time DAG", "time AD")


def render(rows: list[dict[str, Any]], fmt: str = "simple") -> str:
    """The rows of :func:`compare.swell.measure` as a table, times in short units."""
    return table([[fmt_time(v) if k in _TIMES else v for k, v in r.items()] for r in rows], list(rows[0]), fmt)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=8, help="largest n of the logistic map (default 8)")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.n <= 40:
        raise UsageError(f"--n must be between 1 and 40 (tree mode doubles with each step), got {args.n}")
    rows = measure(args.n)
    print(TITLE)
    print(render(rows, args.format))
    if args.json:
        write_json(args.json, {"command": "swell", "n": args.n, "rows": rows})
    return 0
