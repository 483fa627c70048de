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
import signal
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from .three_way import check_function
from .generate import DEFAULT_OPS, generate
from .second_order import check_hessian

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

    @property
    def id(self) -> str:
        return f"{self.seed}:{self.depth}:{self.index}"


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
) -> list[Task]:
    """``n`` functions at each depth, in a fixed order; ``order=2`` adds Hessians and forward mode.

    ``backend`` derives the ground truth; ``sizes`` measures each representation (as the report shows).
    """
    return [Task(seed, d, i, variables, tuple(ops), points, order, backend, sizes) for d in depths for i in range(n)]


def run_task(task: Task) -> dict[str, Any]:
    """Generate the task's function and check it at its points (runs in a worker)."""
    start = time.perf_counter()
    f = generate(task.seed, task.depth, task.index, variables=task.variables, ops=task.ops, points=task.points)
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


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def executor_for(workers: int) -> cf.Executor:
    """In-process for one worker, a process pool for more (its workers leave Ctrl-C to the parent)."""
    if workers <= 1:
        return InlineExecutor()
    return cf.ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)


@dataclass
class SweepResult:
    """The functions checked, in task order, and whether every task finished."""

    functions: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    pending: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for f in self.functions for row in f["rows"]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_sweep(
    tasks: Sequence[Task],
    executor: cf.Executor | None = None,
    done: Mapping[str, dict[str, Any]] | None = None,
    progress: Callable[..., Any] | None = None,
    on_function: Callable[[dict[str, Any]], None] | None = None,
) -> SweepResult:
    """Run every task not already in ``done``; Ctrl-C stops early with what finished.

    Results come back in task order whatever order the executor finishes them
    in, so the same tasks give the same result with any executor.
    ``progress(total=..., desc=...)``, if given, makes a counter (a tqdm-like
    object with ``update(n)`` and ``close()``) that advances as each function
    finishes; ``on_function`` is called with each finished function.
    """
    done = dict(done or {})
    todo = [t for t in tasks if t.id not in done]
    own = executor is None
    executor = executor or InlineExecutor()
    finished: dict[str, dict[str, Any]] = dict(done)
    interrupted = False
    futures: dict[cf.Future, Task] = {}
    bar = progress(total=len(todo), desc="functions") if progress else None
    try:
        if isinstance(executor, InlineExecutor):  # run lazily, so Ctrl-C stops between functions
            for task in todo:
                finished[task.id] = _record(run_task(task), on_function, bar)
        else:
            futures = {executor.submit(run_task, t): t for t in todo}
            for future in cf.as_completed(futures):
                finished[futures[future].id] = _record(future.result(), on_function, bar)
    except KeyboardInterrupt:
        interrupted = True
        for future in futures:
            future.cancel()
    finally:
        if bar is not None:
            bar.close()
        if own or interrupted:
            executor.shutdown(wait=not interrupted, cancel_futures=True)
    ordered = [finished[t.id] for t in tasks if t.id in finished]
    pending = [t.id for t in tasks if t.id not in finished]
    return SweepResult(ordered, complete=not pending, pending=pending)


def _record(function: dict[str, Any], on_function, bar) -> dict[str, Any]:
    if on_function is not None:
        on_function(function)
    if bar is not None:
        bar.update(1)
    return function
