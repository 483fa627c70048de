"""``python -m compare swell``: expression swell on the logistic map (measured by :mod:`compare.swell`)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError
from ..swell import measure
from .output import add_output_options, caption, document, records, write_json

NAME = "swell"
HELP = "expression swell on the logistic map: tree-mode vs DAG-mode vs AD sizes and times"
CAPTION = ("Expression swell: the logistic map l(n+1) = 4 l(n) (1 - l(n)), l(1) = x, differentiated by x "
           "(tree mode: - past SymPy's recursion limit)")


def render(rows: list[dict[str, Any]], fmt: str = "simple", width: int = 100) -> str:
    return records(rows, list(rows[0]), fmt, width)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=8, help="largest n of the logistic map (default 8)")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.n <= 40:
        raise UsageError(f"--n must be between 1 and 40 (tree mode doubles with each step), got {args.n}")
    rows = measure(args.n)
    print(caption(CAPTION, args.width))
    print(render(rows, args.format, args.width))
    if args.json:
        write_json(args.json, document("swell", {"n": args.n}, rows=rows))
    return 0
