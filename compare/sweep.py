"""Many checks: random functions by depth, run on any ``concurrent.futures.Executor``.

A sweep is a list of :class:`Task` (one random function each); :func:`run_sweep`
submits them to an executor (in this process by default, a process pool with
``workers > 1``, or any executor you pass), collects each function's checks in
task order, and stops cleanly on Ctrl-C, returning what finished. Finished
tasks can be handed back in (``done``) to resume an interrupted sweep.

>>> tasks = make_tasks(seed=0, depths=[1, 2], n=2)
>>> [t.id for t in tasks]
['0:1:0', '0:1:1', '0:2:0', '0:2:1']
>>> result = run_sweep(tasks)
>>> result.complete, len(result.rows) == 2 * 2 * 3
(True, True)
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .executors import Runner, InlineRunner, as_runner, worker_signals
from .three_way import check_function
from .generate import DEFAULT_OPS, generate
from .second_order import check_hessian
from .store import Store

__all__ = ["Task", "SweepResult", "make_tasks", "run_task", "run_sweep", "InlineExecutor", "executor_for"]


@dataclass(frozen=True)
class Task:
    """One random function to check at its sample points."""

    seed: int
    depth: int
    index: int
    variables: int = 3
    ops: tuple[str, ...] = DEFAULT_OPS
    points: int = 3
    order: int = 1
    backend: str | None = None  # None: the default backend (see symbolic.backend)
    sizes: bool = True  # measure each representation's size (the report's cost table)
    require: str | None = None  # the op of the output node, if forced

    @property
    def id(self) -> str:
        return f"{self.seed}:{self.depth}:{self.index}" + (f":{self.require}" if self.require else "")


def make_tasks(
    seed: int,
    depths: Iterable[int],
    n: int,
    variables: int = 3,
    ops: Sequence[str] = DEFAULT_OPS,
    points: int = 3,
    order: int = 1,
    backend: str | None = None,
    sizes: bool = True,
    cover: bool = False,
) -> "Tasks":
    """``n`` functions at each depth, in a fixed order; ``order=2`` adds Hessians and forward mode.

    ``backend`` derives the ground truth; ``sizes`` measures each representation (as the report shows).
    ``cover=True`` gives the k-th function the k-th op of ``ops`` (cyclically) as its output, so
    a sweep of at least ``len(ops)`` functions exercises every op.

    >>> [t.id for t in make_tasks(0, [1], 3, ops=("exp", "log"), cover=True)]
    ['0:1:0:exp', '0:1:1:log', '0:1:2:exp']
    """
    return Tasks(seed, tuple(depths), n, (variables, tuple(ops), points, order, backend, sizes), cover)


class Tasks(Sequence[Task]):
    """The tasks of a sweep, made when asked for: a sweep of 10^7 functions holds no list of them.

    >>> tasks = make_tasks(seed=0, depths=[1, 2], n=3)
    >>> len(tasks), tasks[4].id, [t.id for t in tasks[-2:]]
    (6, '0:2:1', ['0:2:1', '0:2:2'])
    """

    def __init__(self, seed: int, depths: tuple[int, ...], n: int, rest: tuple, cover: bool = False) -> None:
        self._seed, self._depths, self._n, self._rest, self._cover = seed, depths, n, rest, cover

    def __len__(self) -> int:
        return len(self._depths) * self._n

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(f"task {k} of a sweep of {len(self)}")
        ops = self._rest[1]
        return Task(self._seed, self._depths[k // self._n], k % self._n, *self._rest,
                    require=ops[k % len(ops)] if self._cover else None)


def run_task(task: Task) -> dict[str, Any]:
    """Generate the task's function and check it at its points (runs in a worker)."""
    start = time.perf_counter()
    f = generate(task.seed, task.depth, task.index, variables=task.variables, ops=task.ops, points=task.points,
                 require=task.require)
    checks = check_function(f, backend=task.backend, sizes=task.sizes)
    second = check_hessian(f, backend=task.backend) if task.order >= 2 else []
    return {
        "id": task.id,
        "depth": task.depth,
        "formula": f.formula,
        "rejected": f.rejected,
        "ops": sorted(f.ops),
        "rows": [dict(c.to_dict(), depth=task.depth) for c in checks],
        "second_order": second,
        "seconds": time.perf_counter() - start,
    }


class InlineExecutor(cf.Executor):
    """An executor that runs each call at once, in this process (the default)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            if isinstance(exc, KeyboardInterrupt):
                raise
            future.set_exception(exc)
        return future


def executor_for(workers: int) -> cf.Executor:
    """In-process for one worker, a process pool for more (its workers leave Ctrl-C to the parent)."""
    if workers <= 1:
        return InlineExecutor()
    return cf.ProcessPoolExecutor(max_workers=workers, initializer=worker_signals)


@dataclass
class SweepResult:
    """The functions checked, in task order, and whether every task finished.

    A sweep into a store keeps nothing here (``functions`` and ``pending`` stay
    empty): its results are in the store, and ``missing`` counts what is not.
    """

    functions: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    pending: list[str] = field(default_factory=list)
    missing: int = 0

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for f in self.functions for row in f["rows"]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _numbered(item: tuple[int, Task]) -> tuple[int, dict[str, Any]]:
    seq, task = item
    return seq, run_task(task)


def run_sweep(
    tasks: Sequence[Task],
    executor: cf.Executor | Runner | None = None,
    done: Mapping[str, dict[str, Any]] | None = None,
    progress: Callable[..., Any] | None = None,
    on_function: Callable[[dict[str, Any]], None] | None = None,
    store: Store | None = None,
) -> SweepResult:
    """Run every task not already in ``done`` (or in ``store``); Ctrl-C stops early with what finished.

    ``executor`` is a :class:`compare.executors.Runner` (inline, process pool,
    Dask) or any ``concurrent.futures.Executor``. Results come back in task
    order whatever order the executor finishes them in, so the same tasks give
    the same result with any executor. With a ``store``, each function is
    appended to it as it finishes and nothing is kept in memory: tasks already
    stored are skipped, so the same call resumes an interrupted sweep.
    ``progress(total=..., desc=...)``, if given, makes a counter (a tqdm-like
    object with ``update(n)`` and ``close()``) that advances as each function
    finishes; ``on_function`` is called with each finished function.
    """
    done = dict(done or {})
    skip = store.done_mask(len(tasks)) if store is not None else None
    todo = sum(1 for _ in _todo(tasks, done, skip))
    run = InlineRunner() if isinstance(executor, InlineExecutor) else as_runner(executor)
    finished: dict[str, dict[str, Any]] = dict(done)
    stored = 0
    interrupted = False
    bar = progress(total=todo, desc="functions") if progress else None
    try:
        for seq, function in run.results(_numbered, _todo(tasks, done, skip)):
            if store is not None:
                stored += store.append(seq, function)
            else:
                finished[function["id"]] = function
            if on_function is not None:
                on_function(function)
            if bar is not None:
                bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        run.stop()
    finally:
        if bar is not None:
            bar.close()
        if executor is None and not interrupted:
            run.close()
    if store is not None:
        missing = todo - stored
        return SweepResult(complete=not missing, missing=missing)
    ordered = [finished[t.id] for t in tasks if t.id in finished]
    pending = [t.id for t in tasks if t.id not in finished]
    return SweepResult(ordered, complete=not pending, pending=pending, missing=len(pending))


def _todo(tasks: Sequence[Task], done: Mapping[str, Any], skip: bytearray | None) -> Iterator[tuple[int, Task]]:
    """The tasks still to run, with their place in the sweep."""
    for seq, task in enumerate(tasks):
        if (skip is None or not skip[seq]) and task.id not in done:
            yield seq, task
