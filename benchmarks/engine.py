"""Engine benchmark: toygrad against micrograd 0.1.0 (and PyTorch), side by side.

    python benchmarks/engine.py [--repeats 7] [--chain 100000]

What it measures, in one run:

* micrograd's demo step: 100 moons points (noise 0.1), ``MLP(2, [16, 16, 1])``,
  hinge loss + 1e-4 L2, one SGD step; the same code drives every engine.
  micrograd runs as shipped (its cycle collector on) and with ``gc`` disabled.
* a deep chain ``x * 1.0001 * 1.0001 ...``: forward and backward time per node
  (micrograd's recursive topological sort limits it to a chain of 900).
* bytes per op node: a Value made by ``x * 1.0001``, its constant leaf included
  (tracemalloc, averaged over the chain).

Medians over ``--repeats`` runs; the ratios are what to read (these machines are
noisy). micrograd and torch come from the ``bench`` extra:
``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tabulate import tabulate  # noqa: E402

from toygrad.data import moons  # noqa: E402


def demo_step(Value, X, y, model, lr):
    """One step of micrograd's demo, written against a Value/MLP pair.

    Returns (forward seconds, backward seconds, update seconds, loss).
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


def time_demo(engine: str, X, y, repeats: int, gc_enabled: bool = True):
    mod = importlib.import_module(f"{engine}.engine")
    nn = importlib.import_module(f"{engine}.nn")
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    X = X.tolist()
    y = y.tolist()
    rows = []
    was = gc.isenabled()
    (gc.enable if gc_enabled else gc.disable)()
    try:
        for k in range(repeats):
            rows.append(demo_step(mod.Value, X, y, model, 1.0 - 0.9 * k / 100))
    finally:
        (gc.enable if was else gc.disable)()
    fwd = statistics.median(r[0] for r in rows)
    bwd = statistics.median(r[1] for r in rows)
    step = statistics.median(r[0] + r[1] + r[2] for r in rows)
    return {"step": step, "forward": fwd, "backward": bwd, "losses": [r[3] for r in rows]}


def time_torch(X, y, repeats):
    import torch

    torch.manual_seed(1337)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
    ).double()
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    times, fwds, bwds = [], [], []
    for k in range(repeats):
        t0 = time.perf_counter()
        scores = model(Xt).squeeze(1)
        loss = torch.relu(1 - yt * scores).mean() + 1e-4 * sum((p * p).sum() for p in model.parameters())
        t1 = time.perf_counter()
        model.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        with torch.no_grad():
            for p in model.parameters():
                p -= (1.0 - 0.9 * k / 100) * p.grad
        t3 = time.perf_counter()
        times.append(t3 - t0)
        fwds.append(t1 - t0)
        bwds.append(t2 - t1)
    return {"step": statistics.median(times), "forward": statistics.median(fwds), "backward": statistics.median(bwds)}


def time_numpy(X, y, repeats):
    """A hand-written numpy forward/backward of the same step: the floor."""
    import numpy as np

    rng = np.random.default_rng(1337)
    W = [rng.uniform(-1, 1, (16, 2)), rng.uniform(-1, 1, (16, 16)), rng.uniform(-1, 1, (1, 16))]
    b = [np.zeros(16), np.zeros(16), np.zeros(1)]
    times = []
    for k in range(repeats):
        t0 = time.perf_counter()
        h1 = X @ W[0].T + b[0]
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W[1].T + b[1]
        a2 = np.maximum(h2, 0)
        s = (a2 @ W[2].T + b[2])[:, 0]
        margins = 1 - y * s
        n = len(y)
        dm = (margins > 0) / n
        ds = -y * dm
        gW2 = ds[None, :] @ a2
        gb2 = ds.sum(keepdims=True)
        da2 = ds[:, None] @ W[2]
        dh2 = da2 * (h2 > 0)
        gW1 = dh2.T @ a1
        gb1 = dh2.sum(0)
        da1 = dh2 @ W[1]
        dh1 = da1 * (h1 > 0)
        gW0 = dh1.T @ X
        gb0 = dh1.sum(0)
        lr = 1.0 - 0.9 * k / 100
        for p, gp in zip(W + b, [gW0, gW1, gW2, gb0, gb1, gb2]):
            p -= lr * (gp + 2e-4 * p)
        times.append(time.perf_counter() - t0)
    return {"step": statistics.median(times)}


def chain(engine: str, n: int, repeats: int):
    Value = importlib.import_module(f"{engine}.engine").Value
    fwd, bwd = [], []
    for _ in range(repeats):
        x = Value(1.0)
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
    Value = importlib.import_module(f"{engine}.engine").Value
    x = Value(1.0)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    v = x
    for _ in range(n):
        v = v * 1.0001
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del v
    return (after - before) / n


MICROGRAD_MAX_DEPTH = 900  # its recursive topological sort stops near Python's recursion limit


def available(name: str) -> bool:
    try:
        importlib.import_module(name)
        return True
    except ImportError:
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per measurement; medians are shown (default 7)")
    parser.add_argument("--chain", type=int, default=100_000, help="nodes in the deep chain (default 100000)")
    parser.add_argument("--micrograd-repeats", type=int, default=3, help="demo steps for micrograd (slow; default 3)")
    args = parser.parse_args(argv)

    X, y = moons(100, noise=0.1, seed=0)
    have_micrograd = available("micrograd")
    have_torch = available("torch")
    print(f"python {sys.version.split()[0]}; micrograd {'yes' if have_micrograd else 'not installed'}; "
          f"torch {'yes' if have_torch else 'not installed'}; medians of {args.repeats} runs\n")

    print("Deep chain x * 1.0001 * 1.0001 ...; bytes per op node, its constant leaf included")
    rows = []
    for engine in ["toygrad"] + (["micrograd"] if have_micrograd else []):
        n = args.chain if engine == "toygrad" else min(args.chain, MICROGRAD_MAX_DEPTH)
        f, b = chain(engine, n, max(1, args.repeats // 2))
        rows.append([engine, n, f * 1e9, b * 1e9, b / f, bytes_per_node(engine, args.chain)])
    print(tabulate(rows, headers=["engine", "chain", "ns/node forward", "ns/node backward", "backward/forward",
                                  "bytes/node"], floatfmt=".4g"))

    results = {"toygrad": time_demo("toygrad", X, y, args.repeats)}
    if have_micrograd:
        results["micrograd (gc on, as shipped)"] = time_demo("micrograd", X, y, args.micrograd_repeats, gc_enabled=True)
        results["micrograd (gc off)"] = time_demo("micrograd", X, y, args.micrograd_repeats, gc_enabled=False)
    if have_torch:
        results["torch (float64)"] = time_torch(X, y, args.repeats)
    results["numpy by hand (floor)"] = time_numpy(X, y, args.repeats)

    base = results["toygrad"]["step"]
    rows = []
    for name, r in results.items():
        ratio = r["backward"] / r["forward"] if "backward" in r else None
        rows.append([name, r["step"] * 1e3, ratio, r["step"] / base])
    print("\nDemo step: moons(100, noise 0.1), MLP(2, [16, 16, 1]), hinge + 1e-4 L2, one SGD step")
    print(tabulate(rows, headers=["engine", "ms/step", "backward/forward", "time / toygrad"], floatfmt=".3g"))
    if have_micrograd:
        tl = results["toygrad"]["losses"]
        ml = results["micrograd (gc off)"]["losses"]
        gap = max(abs(a - b) for a, b in zip(tl, ml))
        print(f"\ntoygrad is {results['micrograd (gc on, as shipped)']['step'] / base:.0f}x faster than micrograd as "
              f"shipped and {results['micrograd (gc off)']['step'] / base:.1f}x faster than micrograd with gc off; "
              f"same seed, same losses (largest gap over {len(ml)} steps: {gap:.2g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
