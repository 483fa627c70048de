"""Where a sweep's functions run: in this process, a process pool, or a Dask cluster, behind one seam.

A :class:`Runner` takes a function and a (lazy, possibly huge) iterator of
items and yields ``fn(item)`` for each as it completes, in any order. It keeps
only a bounded window of work submitted, so a sweep of millions of functions
neither floods memory nor delays a stop; items are sent in batches sized so
that each batch takes about :data:`BATCH_SECONDS`, which keeps the scheduling
overhead small against the cost of a check. :meth:`Runner.stop` drops what has
not finished, at once, and leaves no process behind.

* :class:`InlineRunner`: one item at a time, here (Ctrl-C stops between items).
* :class:`FuturesRunner`: any ``concurrent.futures.Executor`` (a process pool,
  Dask's ``Client.get_executor()``, ...).
* :class:`DaskRunner`: ``dask.distributed``; a ``LocalCluster`` sized to the
  machine, or an existing cluster by its scheduler's address. A worker that
  dies mid-batch loses nothing: the scheduler runs its batch again elsewhere.

>>> with runner("inline") as run:
...     sorted(run.results(abs, iter([-2, 1, -3])))
[1, 2, 3]
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import itertools
import logging
import os
import signal
import time
from typing import Any, Callable, Iterable, Iterator

__all__ = ["Runner", "InlineRunner", "FuturesRunner", "DaskRunner", "runner", "as_runner", "KINDS",
           "BATCH_SECONDS", "DaskMissing"]

#: the kinds of runner :func:`runner` makes
KINDS = ("inline", "process", "dask")
#: a batch is sized to take about this long (scheduling costs ~1 ms a batch on Dask)
BATCH_SECONDS = 0.5
#: the most items in one batch
MAX_BATCH = 256

_INSTALL = "dask is not installed: pip install -e '.[dask]' (or pip install 'dask[distributed]')"


class DaskMissing(ImportError):
    """``dask.distributed`` cannot be imported; the message says how to install it."""


def run_batch(fn: Callable[[Any], Any], batch: list[Any]) -> tuple[list[Any], float]:
    """``fn`` on each item of ``batch`` (in a worker), and the seconds it took."""
    start = time.perf_counter()
    return [fn(item) for item in batch], time.perf_counter() - start


class _Batches:
    """Cuts an iterator into batches sized by the mean time per item measured so far."""

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        self.size = 1
        self._done = 0
        self._seconds = 0.0

    def next(self) -> list[Any]:
        return list(itertools.islice(self._items, self.size))

    def measured(self, n: int, seconds: float) -> None:
        self._done += n
        self._seconds += seconds
        if self._done:
            per_item = max(self._seconds / self._done, 1e-6)
            self.size = max(1, min(MAX_BATCH, int(BATCH_SECONDS / per_item)))


class Runner:
    """Runs ``fn`` over items, yielding results as they complete (in any order)."""

    #: how many items run at once
    workers: int = 1

    def results(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def stop(self) -> None:
        """Drop everything not finished, without waiting for running work (after Ctrl-C)."""

    def close(self) -> None:
        """Release what this runner started (processes, a cluster)."""

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is not None:
            self.stop()
        self.close()


class InlineRunner(Runner):
    """Each item here, one after the other (the default)."""

    def results(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            yield fn(item)


def worker_signals() -> None:
    """In a pool's worker process: leave Ctrl-C to the parent, and die at once on the parent's SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent stops a worker with SIGTERM: at once


class FuturesRunner(Runner):
    """Any ``concurrent.futures.Executor``: batches submitted in a window of ``2 * workers``.

    ``own=True`` shuts the executor down on :meth:`close`.
    """

    def __init__(self, executor: cf.Executor, workers: int = 1, own: bool = False) -> None:
        self.executor = executor
        self.workers = workers
        self._own = own
        self._pending: set[cf.Future] = set()

    def results(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        batches = _Batches(iter(items))
        window = 2 * self.workers
        while True:
            while len(self._pending) < window:
                batch = batches.next()
                if not batch:
                    break
                self._pending.add(self.executor.submit(run_batch, fn, batch))
            if not self._pending:
                return
            ready, self._pending = cf.wait(self._pending, return_when=cf.FIRST_COMPLETED)
            for future in ready:
                out, seconds = future.result()
                batches.measured(len(out), seconds)
                yield from out

    def stop(self) -> None:
        """A process pool's workers are terminated (no process is left behind); no future is cancelled
        first, since the pool marks its pending futures broken once its workers are gone, and a cancelled
        one would make its manager thread fail (CPython 3.11). Other executors drop what has not started."""
        pending, self._pending = self._pending, set()
        processes = getattr(self.executor, "_processes", None)  # a process pool's own workers
        if processes is None:
            for future in pending:
                future.cancel()
            self.executor.shutdown(wait=False)  # no cancel_futures: Dask's ClientExecutor does not take it
            return
        for process in list(processes.values()):
            process.terminate()
        for process in list(processes.values()):
            process.join(timeout=1.0)
            if process.is_alive():
                process.kill()
        self.executor.shutdown(wait=True)

    def close(self) -> None:
        if self._own:
            self.executor.shutdown(wait=True)


class DaskRunner(Runner):
    """``dask.distributed``: a ``LocalCluster`` of ``workers`` processes (default: sized to the machine),
    or the cluster whose scheduler is at ``scheduler`` (``tcp://host:port``).

    Batches stream back through ``distributed.as_completed`` as they finish; a batch whose
    worker died is run again by the scheduler.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise DaskMissing(_INSTALL) from None
        self._cluster = None
        if scheduler is None:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR)
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(scheduler, timeout=10)
            except (OSError, TimeoutError) as exc:
                raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self.workers = max(1, sum(w["nthreads"] for w in self.client.scheduler_info()["workers"].values()))
        self._pending: list[Any] = []

    def results(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        batches = _Batches(iter(items))
        window = 2 * self.workers
        running = as_completed()
        self._pending = collections.deque()
        for _ in range(window):
            batch = batches.next()
            if not batch:
                break
            self._submit(running, fn, batch)
        for future in running:
            out, seconds = future.result()
            self._pending.remove(future)
            future.release()
            batches.measured(len(out), seconds)
            batch = batches.next()
            if batch:
                self._submit(running, fn, batch)
            yield from out

    def _submit(self, running: Any, fn: Callable[[Any], Any], batch: list[Any]) -> None:
        future = self.client.submit(run_batch, fn, batch, pure=False)
        self._pending.append(future)
        running.add(future)

    def stop(self) -> None:
        pending, self._pending = list(self._pending), collections.deque()
        if self._cluster is None and pending:  # someone else's cluster: drop our batches there
            try:
                self.client.cancel(pending, force=True)
            except (TimeoutError, OSError):
                pass
        if self._cluster is not None:  # its workers are ours: stop them at once, dropping their batches
            logging.getLogger("distributed").setLevel(logging.CRITICAL)  # the lost connections are expected
            for pid in self._worker_pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._close(timeout=1.0)

    def _worker_pids(self) -> list[int]:
        """The process ids of the LocalCluster's workers (each run by a nanny in this process)."""
        nannies = self._cluster.workers.values() if self._cluster is not None else ()
        processes = [getattr(getattr(n, "process", None), "process", None) for n in nannies]
        return [p.pid for p in processes if p is not None and p.pid]

    def close(self) -> None:
        self._close(timeout=30.0)

    def _close(self, timeout: float) -> None:
        """Close the client (and the cluster this runner started); a worker that does not stop in time is
        left to exit with this process (a LocalCluster's workers end when their parent does)."""
        try:
            if self.client.status not in ("closing", "closed"):
                self.client.close(timeout=timeout)
            if self._cluster is not None and self._cluster.status.name not in ("closing", "closed"):
                self._cluster.close(timeout=timeout)
        except (TimeoutError, OSError):
            pass


def runner(kind: str = "inline", workers: int | None = None, scheduler: str | None = None) -> Runner:
    """A runner of ``kind``: ``"inline"``, ``"process"`` (a pool of ``workers`` processes) or ``"dask"``.

    Raises :class:`DaskMissing` when dask is asked for and not installed,
    ``ConnectionError`` when the scheduler cannot be reached.
    """
    if kind == "inline":
        return InlineRunner()
    if kind == "process":
        n = workers or 2
        return FuturesRunner(cf.ProcessPoolExecutor(max_workers=n, initializer=worker_signals), n, own=True)
    if kind == "dask":
        return DaskRunner(workers, scheduler)
    raise ValueError(f"unknown executor {kind!r}: choose from {', '.join(KINDS)}")


def as_runner(executor: Runner | cf.Executor | None) -> Runner:
    """A runner for what ``run_sweep`` was handed: a runner, any ``concurrent.futures`` executor, or None."""
    if executor is None:
        return InlineRunner()
    if isinstance(executor, Runner):
        return executor
    workers = getattr(executor, "_max_workers", None) or 1
    return FuturesRunner(executor, workers)
