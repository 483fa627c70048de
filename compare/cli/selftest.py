"""``python -m compare selftest``: plant bugs, and show that the harness catches every one.

The mutants and the ground truth are :mod:`compare.selftest`'s; this module reads
the options and prints the table.
"""

from __future__ import annotations

import argparse
import time

from symbolic import backend as get_backend

from ..selftest import baseline, run_mutants
from .output import add_backend_option, add_output_options, caption, document, positive_int, progress, records, write_json

NAME = "selftest"
HELP = "plant bugs in the op table and the engine; every one must be caught"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed of the functions (default 0)")
    parser.add_argument("--per-op", type=positive_int, default=3, help="functions built around each op (default 3)")
    add_backend_option(parser)
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    backend = get_backend(args.backend).name
    pairs = baseline(args.seed, args.per_op, progress=progress, backend=backend)
    rows = run_mutants(pairs, seed=args.seed, progress=progress)
    summary = {result: sum(r["result"] == result for r in rows) for result in ("caught", "survived", "equivalent")}
    summary.update(checks=len(pairs), functions=len({f.id for f, _ in pairs}))
    seconds = time.perf_counter() - started
    w = args.width
    print(caption(f"Mutants planted in memory; ground truth: {summary['checks']} agreeing checks of "
                  f"{summary['functions']} functions, exact symbolic gradients ({backend}, certified balls)", w))
    shown = [{**r, "result": r["result"].upper() if r["result"] == "survived" else r["result"]} for r in rows]
    print(records(shown, ["mutant", "planted_bug", "result", "caught_by"], args.format, w))
    print(caption(f"\n{summary['caught']} caught, {summary['survived']} survived, {summary['equivalent']} equivalent "
                  f"(they compute exactly what the original does) in {seconds:.1f} s", w))
    if args.json:
        write_json(args.json, document("selftest", {"seed": args.seed, "per_op": args.per_op, "backend": backend}, summary=summary,
                                       mutants=rows, selftest_seconds=seconds))
    return 1 if summary["survived"] else 0
