"""``python -m compare selftest``: plant bugs, and show that the harness catches every one.

The mutants and the ground truth are :mod:`compare.selftest`'s; this module reads
the options and prints the table.
"""

from __future__ import annotations

import argparse
import time

from symbolic import backend as get_backend

from ..selftest import baseline, run_mutants
from .output import add_backend_option, add_output_options, positive_int, progress, table, write_json

NAME = "selftest"
HELP = "plant bugs in the op table and the engine; every one must be caught"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed of the functions (default 0)")
    parser.add_argument("--per-op", type=positive_int, default=3, help="functions built around each op (default 3)")
    add_backend_option(parser)
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    pairs = baseline(args.seed, args.per_op, progress=progress, backend=args.backend)
    rows = run_mutants(pairs, seed=args.seed, progress=progress)
    survived = [r for r in rows if r["result"] == "SURVIVED"]
    caught = sum(r["result"] == "caught" for r in rows)
    equivalent = sum(r["result"] == "equivalent" for r in rows)
    print(f"Mutants planted in memory; ground truth: {len(pairs)} agreeing checks of {len({f.id for f, _ in pairs})} "
          f"functions, exact symbolic gradients ({get_backend(args.backend).name}, certified balls)")
    print(table([list(r.values()) for r in rows], list(rows[0]), args.format))
    print(f"\n{caught} caught, {len(survived)} survived, {equivalent} equivalent (they compute exactly what the "
          f"original does) in {time.perf_counter() - started:.1f} s")
    if args.json:
        write_json(args.json, {"command": "selftest", "mutants": rows, "checks": len(pairs)})
    return 1 if survived else 0
