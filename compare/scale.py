"""How a sweep scales: functions per second on each executor, and peak memory against the sweep's size.

:func:`throughput` runs one sweep (into a store, as a large sweep would) on
the inline runner, a process pool and Dask ``LocalCluster`` of 1 and 2 workers,
side by side in one run; each executor is started and warmed up (its workers
import the toolkit) before the clock starts. :func:`peak_memory` runs sweeps of
growing size with a store, each in a fresh process, and reads that process's
peak resident set size from the kernel (``wait4``): with the store it should
stay flat whatever the number of functions.

>>> [row["executor"] for row in throughput(n=1, depth=1, kinds=("inline",))]
['inline']
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Sequence

from .executors import runner
from .store import Store
from .sweep import make_tasks, run_sweep

__all__ = ["throughput", "peak_memory", "EXECUTORS"]

#: (label, kind of runner, workers)
EXECUTORS = (("inline", "inline", 1), ("process pool, 2 workers", "process", 2),
             ("dask LocalCluster, 1 worker", "dask", 1), ("dask LocalCluster, 2 workers", "dask", 2))


def throughput(n: int = 3000, depth: int = 2, points: int = 1, seed: int = 0,
               kinds: Sequence[str] = ("inline", "process", "dask")) -> list[dict[str, Any]]:
    """Functions per second of one sweep (``n`` functions at ``depth``) on each executor of ``kinds``."""
    tasks = make_tasks(seed, [depth], n, points=points)
    warm = make_tasks(seed + 1, [depth], 4, points=points)
    out = []
    with tempfile.TemporaryDirectory(prefix="scale.") as tmp:
        for label, kind, workers in EXECUTORS:
            if kind not in kinds:
                continue
            with runner(kind, workers) as run:
                run_sweep(warm, executor=run, progress=False)  # workers started and their imports done
                with Store(os.path.join(tmp, f"{kind}{workers}.sqlite"), {"seed": seed}) as store:
                    start = time.perf_counter()
                    result = run_sweep(tasks, executor=run, store=store, progress=False)
                    seconds = time.perf_counter() - start
            if not result.complete:
                raise KeyboardInterrupt
            out.append({"executor": label, "workers": workers, "functions": n, "seconds": seconds,
                        "functions_per_second": n / seconds})
    return out


_SWEEP = """
import sys
from compare.store import Store
from compare.sweep import make_tasks, run_sweep
n, depth, points, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with Store(path, {"n": n}) as store:
    run_sweep(make_tasks(0, [depth], n, points=points), store=store, progress=False)
    print(store.finished(), store.checks())
"""


def peak_memory(sizes: Sequence[int] = (1_000, 10_000), depth: int = 1, points: int = 1) -> list[dict[str, Any]]:
    """Peak RSS of a sweep of each size into a store, each in a fresh process (inline, so one process holds it all).

    The child runs this package from the directory it was imported from.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "COMPARE_PROGRESS": "0"}
    out = []
    with tempfile.TemporaryDirectory(prefix="scale.") as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"{n}.sqlite")
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-c", _SWEEP, str(n), str(depth), str(points), path],
                                    stdout=subprocess.PIPE, text=True, env=env)
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except KeyboardInterrupt:
                proc.kill()
                proc.wait()
                raise
            proc.returncode = os.waitstatus_to_exitcode(status)
            stdout = proc.stdout.read() if proc.stdout else ""
            if proc.returncode != 0:
                raise RuntimeError(f"the sweep of {n} functions failed (exit {proc.returncode})")
            functions, checks = (int(x) for x in stdout.split())
            out.append({"functions": functions, "checks": checks, "seconds": time.perf_counter() - start,
                        "peak_rss_bytes": usage.ru_maxrss * 1024, "store_bytes": _size(path)})
    return out


def _size(path: str) -> int:
    """The store's bytes on disk, its write-ahead log included."""
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
