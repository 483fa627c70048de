"""``python -m compare bench --scale``: throughput by executor and peak memory by sweep size (issue 16).

What it measures, in one run (see :mod:`compare.scale`): functions per second
of one sweep into a store on the inline runner, a process pool of 2 and Dask
LocalClusters of 1 and 2 workers (each warmed up first), with the ratio of 2
Dask workers over 1; and the peak resident memory of sweeps of growing size
into a store, each in a fresh process, against the smallest. Targets: Dask 2
workers at least 1.7x 1 worker; the largest sweep's peak memory within 1.5x of
the smallest's.
"""

from __future__ import annotations

import argparse
import os

from ..errors import UsageError
from .output import caption, positive_int, records

__all__ = ["add_arguments", "run"]


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(float(p)) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 1000,10000, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected sizes of at least 1, got {text!r}")
    return sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser = parser.add_argument_group("scale benchmark (--scale)")  # type: ignore[assignment]
    parser.add_argument("--scale", action="store_true",
                        help="instead: throughput by executor (inline, process pool, Dask 1 and 2 workers) and "
                             "peak memory of sweeps into a store by size (about 10 minutes on two loaded cores)")
    parser.add_argument("--scale-n", type=positive_int, default=3000, metavar="N",
                        help="with --scale: functions in the throughput sweep (default 3000)")
    parser.add_argument("--scale-depth", type=positive_int, default=2, metavar="D",
                        help="with --scale: depth of the throughput sweep's functions (default 2)")
    parser.add_argument("--scale-sizes", type=_sizes, default=[1_000, 10_000], metavar="N,N,...",
                        help="with --scale: functions in each memory sweep, at depth 1, one point (default "
                             "1000,10000; add 100000 if you have an hour)")


def run(args: argparse.Namespace) -> int:
    if args.json:
        raise UsageError("bench --scale prints its tables only: leave out --json")
    from .. import scale  # here: importing the bench command loads no SymPy
    from ..executors import DaskMissing

    w = args.width
    try:
        rows = scale.throughput(n=args.scale_n, depth=args.scale_depth)
    except DaskMissing as exc:
        raise UsageError(str(exc)) from None
    by = {r["executor"]: r["functions_per_second"] for r in rows}
    base = by[scale.EXECUTORS[0][0]]
    for r in rows:
        r["vs_inline"] = r["functions_per_second"] / base
    one, two = by[scale.EXECUTORS[2][0]], by[scale.EXECUTORS[3][0]]
    print(caption(f"Throughput: one sweep of {args.scale_n} functions at depth {args.scale_depth}, one point each, "
                  f"into a store, on each executor after a warm-up; {os.cpu_count()} cores, load average "
                  f"{os.getloadavg()[0]:.1f} at the end", w))
    print(records(rows, ["executor", "workers", "functions", "seconds", ("functions_per_second", "functions/s"),
                         ("vs_inline", "vs inline")], args.format, w))
    print(caption(f"Dask 2 workers / 1 worker: {two / one:.2f}x (target at least 1.7x)", w))

    memory = scale.peak_memory(args.scale_sizes)
    smallest = memory[0]["peak_rss_bytes"]
    for r in memory:
        r["peak_rss_mb"] = r["peak_rss_bytes"] / 2**20
        r["store_mb"] = r["store_bytes"] / 2**20
        r["vs_smallest"] = r["peak_rss_bytes"] / smallest
    print()
    print(caption("Peak memory: a sweep into a store at depth 1, one point per function, inline, each in a fresh "
                  "process (peak resident set size from the kernel)", w))
    print(records(memory, ["functions", "checks", "seconds", ("peak_rss_mb", "peak RSS MB"),
                           ("vs_smallest", "vs smallest"), ("store_mb", "store MB")], args.format, w))
    print(caption(f"Largest sweep / smallest: {memory[-1]['vs_smallest']:.2f}x peak memory (target at most 1.5x)", w))
    return 0
