"""``python -m compare bench``: the engine benchmark (measured by :mod:`compare.bench`), as tables.

Imports neither torch, micrograd nor SymPy before it times them. ``--harness``
runs the harness benchmark instead (:mod:`compare.harness_bench`): functions
checked per second by depth, SymEngine + balls against the SymPy path.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..bench import MICROGRAD, MICROGRAD_GC_OFF, MICROGRAD_MAX_DEPTH, NUMPY, TORCH, available, measure
from . import scale as scalecmd
from .output import add_output_options, caption, document, positive_int, progress, records, write_json

__all__ = ["NAME", "HELP", "add_arguments", "run", "summary_line", "MICROGRAD", "MICROGRAD_GC_OFF", "NUMPY", "TORCH"]

NAME = "bench"
HELP = ("time toygrad against micrograd 0.1.0 and PyTorch (when installed): micrograd's demo step and a deep chain; "
        "--harness: functions checked per second, SymEngine against SymPy")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=positive_int, default=7, metavar="N",
                        help="runs per measurement; medians are shown (default 7)")
    parser.add_argument("--chain", type=positive_int, default=100_000, metavar="N",
                        help="nodes in the deep chain (default 100000)")
    parser.add_argument("--micrograd-repeats", type=positive_int, default=3, metavar="N",
                        help="demo steps for micrograd, which is slow (default 3)")
    harness = parser.add_argument_group("harness benchmark (--harness)")
    harness.add_argument("--harness", action="store_true",
                         help="time the three-way check instead: functions checked per second by depth and the "
                              "time by stage, the fast backend (SymEngine) and the SymPy path side by side")
    harness.add_argument("--n", type=positive_int, default=20, metavar="N", help="functions per depth (default 20)")
    harness.add_argument("--depth", default="1..10", help="depths, as a range like 1..10 (default 1..10)")
    harness.add_argument("--seed", type=int, default=0, help="seed of the random functions (default 0)")
    harness.add_argument("--points", type=positive_int, default=3, help="points per function (default 3)")
    scalecmd.add_arguments(parser)
    add_output_options(parser)


CHAIN_COLUMNS = [  # (key, header)
    ("engine", "engine"),
    ("nodes", "nodes"),
    ("forward_seconds_per_node", "forward/node"),
    ("forward_time_vs_toygrad", "forward / toygrad"),
    ("backward_seconds_per_node", "backward/node"),
    ("backward_time_vs_toygrad", "backward / toygrad"),
    ("backward_time_over_forward", "backward / forward"),
    ("bytes_per_node", "bytes/node"),
]
DEMO_COLUMNS = [
    ("engine", "engine"),
    ("steps", "steps"),
    ("step_seconds", "time/step"),
    ("step_time_vs_toygrad", "time / toygrad"),
    ("forward_seconds", "forward"),
    ("backward_seconds", "backward"),
    ("backward_time_over_forward", "backward / forward"),
]


def summary_line(result: dict[str, Any]) -> str:
    """The one sentence to read: toygrad against micrograd, its memory and its backward/forward ratio."""
    s = result["summary"]
    memory = (f"{s['bytes_per_node']:.0f} bytes per op node (x * 1.0001, its constant leaf included); "
              f"backward/forward {s['demo_backward_time_over_forward']:.2f} on the demo step")
    if s["micrograd_time_over_toygrad"] is None:
        return f"micrograd is not installed (pip install -e '.[bench]'); toygrad: {memory}."
    return (f"toygrad's demo step is {s['micrograd_time_over_toygrad']:.0f}x faster than micrograd 0.1.0 as shipped "
            f"(gc on) and {s['micrograd_gc_off_time_over_toygrad']:.1f}x faster than micrograd with gc disabled; {memory}; "
            f"same seed, same losses (largest gap over {s['steps_compared']} steps: {s['largest_loss_gap']:.2g}).")


_STAGE_HEADERS = [("depth", "depth"), ("backend", "backend"), ("total_seconds", "total/fn")] + [
    (f"{stage}_seconds", name) for stage, name in (
        ("ad", "AD"), ("fd", "FD"), ("tolerance", "tolerance"), ("derivative", "derivative"),
        ("evaluation", "evaluation"), ("compile", "compile"), ("sizes", "sizes"), ("other", "other"))
] + [("engine_share", "AD+FD+tol %")]


def run_harness(args: argparse.Namespace) -> int:
    """``bench --harness``: the tables of :func:`compare.harness_bench.measure`."""
    from ..harness_bench import BACKENDS, measure as measure_harness
    from .report import parse_range

    depths = parse_range(args.depth)
    bar = progress(range(len(depths) * args.n), total=len(depths) * args.n, desc="functions")
    result = measure_harness(args.seed, depths, args.n, args.points, on_function=bar.update)
    bar.close()
    w = args.width
    if result["missing"]:
        print(caption("missing: " + "; ".join(result["missing"].values()), w))
    print(caption(f"Harness benchmark: seed {args.seed}, {args.n} random functions per depth, {args.points} points "
                  "each, checked as the report checks them (sizes included), by each backend in turn. Functions per "
                  "second in CPU time of this process (wall time beside it: the machine may be shared); ratio: "
                  "SymPy path's CPU time over SymEngine's", w))
    rows = [{
        "depth": r["depth"], "graph_ops": r["graph_ops"],
        **{f"{b}_fps": r["backends"][b]["functions_per_second"] for b in BACKENDS},
        "ratio": f"{r['sympy_time_over_symengine']:.1f}x",
        **{f"{b}_wall": r["backends"][b]["wall_functions_per_second"] for b in BACKENDS},
        "same_verdicts": r["same_verdicts"],
        "certified": "/".join(str(r["backends"][b]["certified"]) for b in BACKENDS),
    } for r in result["rows"]]
    print(records(rows, [("depth", "depth"), ("graph_ops", "graph ops"), ("symengine_fps", "symengine fns/s"),
                         ("sympy_fps", "sympy fns/s"), ("ratio", "ratio"), ("symengine_wall", "wall symengine"),
                         ("sympy_wall", "wall sympy"), ("same_verdicts", "same verdicts"),
                         ("certified", "certified")], args.format, w))
    split = []
    for r in result["rows"]:
        for b in BACKENDS:
            sec = r["backends"][b]["stage_seconds"]
            total = sum(sec.values())
            split.append({"depth": r["depth"], "backend": b, "total_seconds": total,
                          **{f"{k}_seconds": v for k, v in sec.items()},
                          "engine_share": f"{100 * (sec['ad'] + sec['fd'] + sec['tolerance']) / total:.0f}"})
    print("\n" + caption("Time per function by stage (wall clock of each stage, 3 points; derivative: forward "
                         "program, tree and DAG mode; evaluation: balls and the compiled derivative)", w))
    print(records(split, _STAGE_HEADERS, args.format, w))
    ratios = result["summary"]["time_ratio_by_depth"]
    print("\n" + caption("SymPy path / SymEngine + balls, CPU time per function: " + ", ".join(
        f"depth {d} {x:.0f}x" for d, x in ratios.items()) + (
        "; same verdicts on every check" if result["summary"]["same_verdicts"] else "; VERDICTS DIFFER"), w))
    if args.json:
        settings = {"harness": True, "seed": args.seed, "n": args.n, "depths": depths, "points": args.points}
        write_json(args.json, document("bench", settings, **result))
    return 0 if result["summary"]["same_verdicts"] else 1


def run(args: argparse.Namespace) -> int:
    if args.harness:
        return run_harness(args)
    if args.scale:
        return scalecmd.run(args)
    have = {name: available(name) for name in ("micrograd", "torch")}
    stages = 3 + (args.chain > MICROGRAD_MAX_DEPTH) + 2 * have["micrograd"] + have["torch"]
    bar = progress(range(stages), total=stages, desc="bench")
    result = measure(args.repeats, args.chain, args.micrograd_repeats,
                     on_stage=lambda stage: (bar.set_postfix_str(stage, refresh=False), bar.update()))
    bar.close()

    versions = "; ".join(f"{name} {result['versions'][name] or 'not installed'}" for name in ("micrograd", "torch"))
    w = args.width
    print(caption(f"python {result['python']}; {versions}. Medians of {args.repeats} runs ({args.micrograd_repeats} "
                  "for micrograd's demo steps). The cycle collector is on, as shipped, except in the 'gc off' row; "
                  "objects alive before each measurement are frozen (gc.freeze), so it walks only the objects the "
                  "engine makes.", w) + "\n")
    print(caption(f"Deep chain v = v * 1.0001, median of {max(1, args.repeats // 2)} runs: time per op node forward "
                  "and backward, each against toygrad at the same length; bytes per op node, its constant leaf "
                  "included", w))
    print(records(result["chain"], CHAIN_COLUMNS, args.format, w))
    print("\n" + caption("micrograd's demo step (moons(100, noise 0.1), MLP(2, [16, 16, 1]), hinge + 1e-4 L2, one "
                         "SGD step): median time per step and against toygrad; backward includes zero_grad", w))
    print(records(result["demo"], DEMO_COLUMNS, args.format, w))
    print("\n" + caption(summary_line(result), w))
    if args.json:
        settings = {"repeats": args.repeats, "chain": args.chain, "micrograd_repeats": args.micrograd_repeats}
        write_json(args.json, document("bench", settings, **result))
    gap = result["summary"]["largest_loss_gap"]
    return 1 if gap is not None and gap > 1e-9 else 0
