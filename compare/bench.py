"""The engine benchmark, toygrad against micrograd 0.1.0 and PyTorch (``python -m compare bench`` prints it).

What it measures, in one run, as medians over ``--repeats`` runs (micrograd's
demo over ``--micrograd-repeats``: it is slow):

* micrograd's demo step: 100 moons points (noise 0.1), ``MLP(2, [16, 16, 1])``,
  hinge loss + 1e-4 L2, one SGD step; the same code drives every engine.
  micrograd runs as shipped (its cycle collector on) and with ``gc`` disabled;
  PyTorch (float64) and a hand-written numpy step are the floor.
* a deep chain ``x * 1.0001 * 1.0001 ...``: forward and backward time per node,
  at ``--chain`` nodes and at 900 (micrograd's recursive topological sort stops
  near Python's recursion limit), each against toygrad at the same length.
* bytes per op node: a Value made by ``x * 1.0001``, its constant leaf included
  (tracemalloc, averaged over the chain).

How it keeps the figures honest:

* Every timing runs with the cycle collector on, as shipped (except the row
  that says "gc off"), but the objects alive before a measurement starts are
  collected and frozen (``gc.freeze``), so the collector walks only the objects
  the engine makes. Otherwise a large heap left by an unrelated import (torch
  adds ~150k objects, SymPy ~40k) makes every collection during the
  measurement walk it: the chain's forward took about 4x longer.
* Engines are timed in order of the weight of their import: toygrad first,
  then micrograd, then torch, imported only when it is timed (availability is
  checked with ``importlib.util.find_spec``, which imports nothing).
* PyTorch gets one untimed warm-up step (its first call sets up its kernels)
  and one thread, like the Python engines: on a busy machine its thread pool
  otherwise makes its figures swing tenfold.

The ratios are what to read: these machines are noisy. micrograd and torch
come from the ``bench`` extra: ``pip install -e '.[bench]'``. The exit status
is 1 if toygrad and micrograd, from the same seed, reach different losses
(a gap above 1e-9), else 0.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.metadata
import importlib.util
import random
import statistics
import sys
import time
import tracemalloc
from typing import Any, Callable, Iterator

__all__ = ["measure", "available", "time_demo", "time_chain", "bytes_per_node", "time_torch", "time_numpy",
           "MICROGRAD", "MICROGRAD_GC_OFF", "TORCH", "NUMPY", "MICROGRAD_MAX_DEPTH"]

MICROGRAD_MAX_DEPTH = 900  # its recursive topological sort stops near Python's recursion limit
MICROGRAD = "micrograd (gc on, as shipped)"
MICROGRAD_GC_OFF = "micrograd (gc off)"
TORCH = "torch (float64, 1 thread)"
NUMPY = "numpy by hand (floor)"


# ----------------------------------------------------------------- measuring


@contextlib.contextmanager
def _heap_frozen(gc_enabled: bool = True) -> Iterator[None]:
    """Collect, freeze what is alive, then run with the collector on (or off).

    Inside, the collector walks only objects made inside: the cost of the
    engine's own objects, not of whatever else the interpreter holds.
    """
    was = gc.isenabled()
    gc.collect()
    gc.freeze()
    (gc.enable if gc_enabled else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()
        gc.unfreeze()


def _engine(name: str) -> tuple[Any, Any]:
    """The ``engine`` and ``nn`` modules of toygrad or micrograd (same layout)."""
    return importlib.import_module(f"{name}.engine"), importlib.import_module(f"{name}.nn")


def demo_step(Value: Any, X: list, y: list, model: Any, lr: float) -> tuple[float, float, float, float]:
    """One step of micrograd's demo, written against a Value/MLP pair.

    Returns (forward seconds, backward seconds with zero_grad, update seconds, loss).
    """
    t0 = time.perf_counter()
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    t1 = time.perf_counter()
    model.zero_grad()
    total.backward()
    t2 = time.perf_counter()
    for p in model.parameters():
        p.data -= lr * p.grad
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, total.data


def _learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # micrograd's demo schedule


def time_demo(engine: str, X: list, y: list, steps: int, gc_enabled: bool = True) -> dict[str, Any]:
    """``steps`` demo steps of ``engine`` from the same seeded network: medians and losses."""
    mod, nn = _engine(engine)
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    with _heap_frozen(gc_enabled):  # one block: a step pays for the collection of the previous one
        runs = [demo_step(mod.Value, X, y, model, _learning_rate(k)) for k in range(steps)]
    return {
        "steps": steps,
        "step": statistics.median(r[0] + r[1] + r[2] for r in runs),
        "forward": statistics.median(r[0] for r in runs),
        "backward": statistics.median(r[1] for r in runs),
        "losses": [r[3] for r in runs],
    }


def time_torch(X: list, y: list, steps: int) -> dict[str, Any]:
    """The same step in PyTorch (float64, batched, one thread like the others): a warm-up step, then medians."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _time_torch(torch, X, y, steps)
    finally:
        torch.set_num_threads(threads)


def _time_torch(torch: Any, X: list, y: list, steps: int) -> dict[str, Any]:
    torch.manual_seed(1337)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
    ).double()
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)

    def step(lr: float) -> tuple[float, float, float]:
        t0 = time.perf_counter()
        scores = model(Xt).squeeze(1)
        loss = torch.relu(1 - yt * scores).mean() + 1e-4 * sum((p * p).sum() for p in model.parameters())
        t1 = time.perf_counter()
        model.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        return t1 - t0, t2 - t1, time.perf_counter() - t2

    step(0.0)  # warm-up, untimed
    with _heap_frozen():
        runs = [step(_learning_rate(k)) for k in range(steps)]
    return {
        "steps": steps,
        "step": statistics.median(sum(r) for r in runs),
        "forward": statistics.median(r[0] for r in runs),
        "backward": statistics.median(r[1] for r in runs),
    }


def time_numpy(X: list, y: list, steps: int) -> dict[str, Any]:
    """A hand-written numpy forward and backward of the same step: the floor."""
    import numpy as np

    X = np.asarray(X)
    y = np.asarray(y)
    rng = np.random.default_rng(1337)
    W = [rng.uniform(-1, 1, (16, 2)), rng.uniform(-1, 1, (16, 16)), rng.uniform(-1, 1, (1, 16))]
    b = [np.zeros(16), np.zeros(16), np.zeros(1)]
    times = []
    with _heap_frozen():
        for k in range(steps):
            t0 = time.perf_counter()
            h1 = X @ W[0].T + b[0]
            a1 = np.maximum(h1, 0)
            h2 = a1 @ W[1].T + b[1]
            a2 = np.maximum(h2, 0)
            s = (a2 @ W[2].T + b[2])[:, 0]
            dm = (1 - y * s > 0) / len(y)
            ds = -y * dm
            gW2 = ds[None, :] @ a2
            gb2 = ds.sum(keepdims=True)
            dh2 = (ds[:, None] @ W[2]) * (h2 > 0)
            gW1 = dh2.T @ a1
            gb1 = dh2.sum(0)
            dh1 = (dh2 @ W[1]) * (h1 > 0)
            gW0 = dh1.T @ X
            gb0 = dh1.sum(0)
            lr = _learning_rate(k)
            for p, gp in zip(W + b, [gW0, gW1, gW2, gb0, gb1, gb2]):
                p -= lr * (gp + 2e-4 * p)
            times.append(time.perf_counter() - t0)
    return {"steps": steps, "step": statistics.median(times), "forward": None, "backward": None}


def time_chain(engine: str, n: int, repeats: int) -> tuple[float, float]:
    """Median seconds per node of the forward and the backward of ``x * 1.0001 * ...`` (n nodes)."""
    Value = _engine(engine)[0].Value
    fwd, bwd = [], []
    for _ in range(repeats):
        x = Value(1.0)
        with _heap_frozen():  # gc on; collected before, so the previous chain costs nothing here
            t0 = time.perf_counter()
            v = x
            for _ in range(n):
                v = v * 1.0001
            t1 = time.perf_counter()
            v.backward()
            t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
        del v
    return statistics.median(fwd) / n, statistics.median(bwd) / n


def bytes_per_node(engine: str, n: int) -> float:
    """Bytes per op node of the chain ``x * 1.0001 * ...``, each node's constant leaf included."""
    Value = _engine(engine)[0].Value
    x = Value(1.0)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        v = x
        for _ in range(n):
            v = v * 1.0001
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del v
    return (after - before) / n


def available(name: str) -> bool:
    """Whether ``name`` can be imported, without importing it."""
    return importlib.util.find_spec(name) is not None


def _version(name: str) -> str:
    """The installed version of a distribution, read from its metadata (no import)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "installed"


# ------------------------------------------------------------------- the run


def measure(repeats: int = 7, chain: int = 100_000, micrograd_repeats: int = 3,
            on_stage: Callable[[str], None] = lambda stage: None) -> dict[str, Any]:
    """Run every measurement, lightest import first; everything the tables show, as data.

    ``on_stage`` is called with the name of each stage as it starts (for a
    progress bar).
    """
    from toygrad.data import moons

    have = {"micrograd": available("micrograd"), "torch": available("torch")}
    versions = {name: _version(name) if have[name] else None for name in have}
    X, y = moons(100, noise=0.1, seed=0)
    X, y = X.tolist(), y.tolist()
    short = min(chain, MICROGRAD_MAX_DEPTH)
    chain_repeats = max(1, repeats // 2)
    engines = ["toygrad"] + ["micrograd"] * have["micrograd"]
    lengths = {"toygrad": sorted({chain, short}, reverse=True), "micrograd": [short]}

    chains, demos = [], {}
    for engine in engines:  # toygrad entirely before micrograd; torch last
        for n in lengths[engine]:
            on_stage(f"{engine} chain of {n}")
            f, b = time_chain(engine, n, chain_repeats)
            chains.append({"engine": engine, "nodes": n, "forward_seconds_per_node": f,
                           "backward_seconds_per_node": b, "backward_time_over_forward": b / f,
                           "bytes_per_node": bytes_per_node(engine, n)})
        on_stage(f"{engine} demo")
        if engine == "toygrad":
            demos["toygrad"] = time_demo("toygrad", X, y, repeats)
        else:
            demos[MICROGRAD] = time_demo("micrograd", X, y, micrograd_repeats, gc_enabled=True)
            demos[MICROGRAD_GC_OFF] = time_demo("micrograd", X, y, micrograd_repeats, gc_enabled=False)
    if have["torch"]:
        on_stage("torch demo")
        demos[TORCH] = time_torch(X, y, repeats)
    on_stage("numpy demo")
    demos[NUMPY] = time_numpy(X, y, repeats)
    gc.collect()  # what the gc-off run left behind

    for row in chains:
        base = next(r for r in chains if r["engine"] == "toygrad" and r["nodes"] == row["nodes"])
        row["forward_time_vs_toygrad"] = row["forward_seconds_per_node"] / base["forward_seconds_per_node"]
        row["backward_time_vs_toygrad"] = row["backward_seconds_per_node"] / base["backward_seconds_per_node"]
    base = demos["toygrad"]["step"]
    demo_rows = []
    for engine, r in demos.items():
        ratio = r["backward"] / r["forward"] if r["forward"] else None
        demo_rows.append({"engine": engine, "steps": r["steps"], "step_seconds": r["step"],
                          "forward_seconds": r["forward"], "backward_seconds": r["backward"],
                          "backward_time_over_forward": ratio, "step_time_vs_toygrad": r["step"] / base})

    toy_chain = next(r for r in chains if r["engine"] == "toygrad" and r["nodes"] == chain)
    summary: dict[str, Any] = {
        "bytes_per_node": toy_chain["bytes_per_node"],
        "demo_backward_time_over_forward": demos["toygrad"]["backward"] / demos["toygrad"]["forward"],
        "micrograd_time_over_toygrad": None,
        "micrograd_gc_off_time_over_toygrad": None,
        "largest_loss_gap": None,
    }
    if have["micrograd"]:
        summary["micrograd_time_over_toygrad"] = demos[MICROGRAD]["step"] / base
        summary["micrograd_gc_off_time_over_toygrad"] = demos[MICROGRAD_GC_OFF]["step"] / base
        pairs = [(a, b) for mg in (MICROGRAD, MICROGRAD_GC_OFF)
                 for a, b in zip(demos["toygrad"]["losses"], demos[mg]["losses"])]
        summary["largest_loss_gap"] = max(abs(a - b) for a, b in pairs)
        summary["steps_compared"] = min(repeats, micrograd_repeats)
    return {
        "python": sys.version.split()[0],
        "available": have,
        "versions": versions,
        "repeats": repeats,
        "micrograd_repeats": micrograd_repeats,
        "chain": chains,
        "demo": demo_rows,
        "losses": [{"engine": engine, "losses": r["losses"]} for engine, r in demos.items() if "losses" in r],
        "summary": summary,
    }
