"""The harness benchmark: functions checked per second by depth, the fast backend and the SymPy path side by side.

``python -m compare bench --harness`` prints it (and ``benchmarks/harness.py``).
For each depth, ``n`` random functions (:func:`compare.generate.generate`) are
checked at their ``points`` sample points by :func:`compare.three_way.check_function`
as the report checks them (sizes included), once with each backend, the
backends taking turns function by function so that a change in the machine's
load falls on both alike. Throughput is counted in CPU time of this process
(``time.process_time``: the machines these run on are shared), with wall time
beside it; the stage split comes from each check's own timers:

* AD: build the graph and ``backward()``; FD: the central differences;
  tolerance: the running error analysis;
* derivative: the forward program, tree mode (and DAG mode);
* evaluation: the certified balls and the compiled float derivative;
* compile: ``Lambdify`` (SymEngine) or ``lambdify`` (SymPy);
* sizes: ``count_ops`` and ``cse`` (the cost table's sizes);
* other: the rest (graphs for the checks, the verdicts, bookkeeping).

>>> result = measure(depths=[1], n=1)
>>> row = result["rows"][0]
>>> sorted(row["backends"]), row["sympy_time_over_symengine"] > 0
(['symengine', 'sympy'], True)
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from typing import Any, Callable, Sequence

from symbolic import missing
from toygrad import topological

from .generate import generate
from .schema import verdict_counts
from .three_way import check_function

__all__ = ["measure", "STAGES", "BACKENDS"]

BACKENDS = ("symengine", "sympy")
#: the stages of a check, and the timers of :class:`compare.three_way.Check` that make each
STAGES: dict[str, tuple[str, ...]] = {
    "ad": ("ad",),
    "fd": ("fd",),
    "tolerance": ("tolerance",),
    "derivative": ("forward", "tree", "dag"),
    "evaluation": ("exact", "lambdify_eval"),
    "compile": ("lambdify_compile",),
    "sizes": ("sizes",),
}
#: timers measured once per function (copied into each of its checks)
_PER_FUNCTION = {"forward", "tree", "dag", "lambdify_compile", "sizes"}


def _stages(checks: Sequence[Any]) -> Counter:
    """Seconds by stage of one function's checks."""
    out: Counter = Counter()
    for k, c in enumerate(checks):
        for stage, timers in STAGES.items():
            out[stage] += sum(c.times.get(t, 0.0) for t in timers if k == 0 or t not in _PER_FUNCTION)
    return out


def measure(
    seed: int = 0,
    depths: Sequence[int] = range(1, 11),
    n: int = 20,
    points: int = 3,
    variables: int = 3,
    on_function: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """One row per depth: functions per second and the seconds by stage for each backend, and their ratio.

    ``on_function`` is called after each function (a progress bar's update).
    """
    warm = generate(seed, 1, 0, variables=variables, points=points)
    for b in BACKENDS:  # imports and first calls out of the measurement
        check_function(warm, backend=b, sizes=True)
    rows = []
    for depth in depths:
        functions = [generate(seed, depth, i, variables=variables, points=points) for i in range(n)]
        cpu, wall = Counter(), Counter()
        stages: dict[str, Counter] = {b: Counter() for b in BACKENDS}
        checks: dict[str, list] = {b: [] for b in BACKENDS}
        for f in functions:
            for b in BACKENDS:
                c0, w0 = time.process_time(), time.perf_counter()
                done = check_function(f, backend=b, sizes=True)
                cpu[b] += time.process_time() - c0
                wall[b] += time.perf_counter() - w0
                stages[b] += _stages(done)
                checks[b] += done
            if on_function is not None:
                on_function()
        backends = {}
        for b in BACKENDS:
            measured = sum(stages[b].values())
            seconds = {stage: stages[b][stage] / n for stage in STAGES}
            seconds["other"] = max(0.0, wall[b] - measured) / n
            rows_b = [c.to_dict() for c in checks[b]]
            backends[b] = {
                "functions_per_second": n / cpu[b],
                "wall_functions_per_second": n / wall[b],
                "stage_seconds": seconds,
                "verdicts": verdict_counts(rows_b),
                "certified": sum(c.certified for c in checks[b]),
            }
        same = all(x.verdict == y.verdict for x, y in zip(checks["symengine"], checks["sympy"]))
        rows.append({
            "depth": depth,
            "functions": n,
            "graph_ops": statistics.median(
                sum(1 for v in topological(f.build(f.points[0])) if v.op is not None) for f in functions),
            "backends": backends,
            "sympy_time_over_symengine": cpu["sympy"] / cpu["symengine"],
            "same_verdicts": same,
        })
    return {
        "rows": rows,
        "missing": missing(),
        "summary": {
            "same_verdicts": all(r["same_verdicts"] for r in rows),
            "time_ratio_by_depth": {str(r["depth"]): r["sympy_time_over_symengine"] for r in rows},
        },
    }
