"""Where a report's results come from: a sweep's functions in memory or a results store, and the runner.

:class:`Listed` reads a sweep held in memory the way :class:`compare.store.Store`
reads a store (tables, verdict counts, disagreements, functions), so the report
is printed by one code path from either.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Callable, Iterator, Sequence

from ..errors import UsageError
from ..executors import DaskMissing, Runner, runner
from ..schema import verdict_counts
from ..store import Store, StoreError

__all__ = ["Listed", "section", "runner_for", "open_store"]


def section(results: "Listed | Store", name: str, make, fresh: bool) -> Any:
    """A table made once per run: made now if ``fresh`` (and kept in a store), else the one a store kept."""
    if not isinstance(results, Store):
        return make() if fresh else None
    if fresh:
        results.put_section(name, make())
    return results.section(name)


def runner_for(args: argparse.Namespace) -> Runner:
    """The runner the options ask for (a usage error when dask is asked for and missing or unreachable)."""
    kind = args.executor or ("dask" if args.scheduler else "process" if (args.workers or 1) > 1 else "inline")
    if args.scheduler and kind != "dask":
        raise UsageError(f"--scheduler is the address of a Dask cluster: it goes with --executor dask, not {kind}")
    if args.scheduler and args.workers:
        raise UsageError("--workers sizes a LocalCluster: an existing cluster (--scheduler) has its own workers")
    workers = args.workers or os.cpu_count() if kind == "process" else args.workers
    try:
        return runner(kind, workers, args.scheduler)
    except (DaskMissing, ConnectionError) as exc:
        raise UsageError(str(exc)) from None


def open_store(path: str, settings: dict[str, Any] | None) -> Store:
    """The store at ``path`` for a run with ``settings`` (``--store``), or to read (``--from``, settings None);
    a usage error naming what is wrong."""
    option = "--store" if settings is not None else "--from"
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError(f"{option}: cannot use {path!r}: it is not a regular file")
    try:
        return Store(path, settings)
    except StoreError as exc:
        raise UsageError(f"{option}: {exc}") from None


class Listed:
    """A sweep's functions held in memory (a small run, or one resumed from its JSON), read as a store is;
    ``tables(functions, ops)`` makes the report's agreement and cost tables (when asked for)."""

    def __init__(self, functions: list[dict[str, Any]], pending: list[str],
                 tables: Callable[[list[dict[str, Any]], Sequence[str]], dict[str, list[dict[str, Any]]]]) -> None:
        self._functions = functions
        self._tables = tables
        self._rows = [r for f in functions for r in f["rows"]]
        self._second = [r for f in functions for r in f.get("second_order", [])]
        self._pending = pending

    def tables(self, ops: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        return self._tables(self._functions, ops)

    def second_order_rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        return ((f["depth"], f.get("second_order", [])) for f in self._functions)

    def disagreements(self, order: int | None = None) -> list[dict[str, Any]]:
        rows = {None: self._rows + self._second, 1: self._rows, 2: self._second}[order]
        return [r for r in rows if r["verdict"] == "disagree"]

    def verdicts(self) -> dict[str, int]:
        return verdict_counts(self._rows)

    def certified(self) -> dict[str, int]:
        return verdict_counts([r for r in self._rows if r.get("certified")])

    def second_order_verdicts(self) -> dict[str, int]:
        return verdict_counts(self._second)

    def finished(self) -> int:
        return len(self._functions)

    def checks(self) -> int:
        return len(self._rows)

    def functions(self) -> list[dict[str, Any]]:
        return self._functions

    def pending(self) -> list[str]:
        return self._pending
