"""``python -m compare swell``: expression swell on the logistic map (measured by :mod:`compare.swell`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..swell import COUNT_LIMIT, SWELL_LIMIT, iter_rows
from .output import add_output_options, caption, document, int_in, progress, records, write_json

NAME = "swell"
MAX_N = 40
HELP = "expression swell on the logistic map: tree-mode vs DAG-mode vs AD sizes and times"
CAPTION = ("Expression swell: the logistic map l(n+1) = 4 l(n) (1 - l(n)), l(1) = x, differentiated by x "
           f"(tree mode and l(n): - past SymPy's recursion limit, or once expected past {SWELL_LIMIT:,} and "
           f"{COUNT_LIMIT:,} ops)")


def render(rows: list[dict[str, Any]], fmt: str = "simple", width: int = 100) -> str:
    return records(rows, list(rows[0]), fmt, width)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int_in(1, MAX_N), default=8,
                        help=f"largest n of the logistic map, 1 to {MAX_N} (default 8); tree-mode columns are "
                             f"skipped once expected past {SWELL_LIMIT:,} ops (n = 13 on), so any n finishes in "
                             "seconds")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    try:
        for row in progress(iter_rows(args.n), total=args.n, desc="n"):
            rows.append(row)
    except KeyboardInterrupt:
        pass
    if args.json:  # first: a reader that closes the pipe early must not cost the file
        write_json(args.json, document("swell", {"n": args.n}, complete=len(rows) == args.n, rows=rows))
    print(caption(CAPTION, args.width))
    print(render(rows, args.format, args.width) if rows else "(no row finished)")
    if len(rows) < args.n:
        print(f"interrupted: rows {len(rows) + 1} to {args.n} not measured", file=sys.stderr)
        return 130
    return 0
