"""compare.cli.bench (``python -m compare bench``) and its thin script: the right rows, positive figures.

No timing is asserted: only that every figure the tables promise is there and
positive, and that an engine that is not installed is left out, not faked.
"""

import gc
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from compare.cli import bench
from compare.cli.main import main

QUICK = ["--repeats", "1", "--chain", "2000", "--micrograd-repeats", "1"]
CHAIN_FIGURES = ["forward_seconds_per_node", "backward_seconds_per_node", "backward_time_over_forward",
                 "bytes_per_node", "forward_time_vs_toygrad", "backward_time_vs_toygrad"]
DEMO_FIGURES = ["step_seconds", "step_time_vs_toygrad"]
ROOT = Path(__file__).resolve().parents[1]


def hide(monkeypatch, *names):
    """Make ``importlib.util.find_spec`` say that ``names`` are not installed."""
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in names else find_spec(name, *a))


def check_figures(result):
    for row in result["chain"]:
        assert all(row[key] > 0 for key in CHAIN_FIGURES), row
    for row in result["demo"]:
        assert all(row[key] > 0 for key in DEMO_FIGURES), row
        assert row["steps"] >= 1
    s = result["summary"]
    assert s["bytes_per_node"] > 0 and s["demo_backward_time_over_forward"] > 0


def test_bench_command_without_micrograd_or_torch_times_toygrad_and_the_numpy_floor(monkeypatch, tmp_path, capsys):
    hide(monkeypatch, "micrograd", "torch")
    path = tmp_path / "bench.json"
    assert main(["bench", *QUICK, "--format", "github", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    result = json.loads(path.read_text())
    assert [(r["engine"], r["nodes"]) for r in result["chain"]] == [("toygrad", 2000), ("toygrad", 900)]
    assert [r["engine"] for r in result["demo"]] == ["toygrad", bench.NUMPY]
    check_figures(result)
    assert result["summary"]["micrograd_time_over_toygrad"] is None
    assert result["versions"] == {"micrograd": None, "torch": None}
    assert "micrograd is not installed" in out and "| toygrad" in out  # a github table
    assert "bytes per op node" in out and "backward/forward" in out
    assert gc.isenabled() and gc.get_freeze_count() == 0  # the collector is left as it was


def test_script_runs_the_same_benchmark_with_every_installed_engine(tmp_path):
    path = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engine.py"), *QUICK, "--json", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    result = json.loads(path.read_text())
    have = result["available"]
    chain = [(r["engine"], r["nodes"]) for r in result["chain"]]
    assert chain == [("toygrad", 2000), ("toygrad", 900)] + [("micrograd", 900)] * have["micrograd"]
    expected = ["toygrad"] + [bench.MICROGRAD, bench.MICROGRAD_GC_OFF] * have["micrograd"]
    expected += [bench.TORCH] * have["torch"] + [bench.NUMPY]
    assert [r["engine"] for r in result["demo"]] == expected
    check_figures(result)
    assert "Deep chain" in out and "demo step" in out and "time/step" in out and "time / toygrad" in out
    if have["micrograd"]:
        s = result["summary"]
        assert s["micrograd_time_over_toygrad"] > 0 and s["micrograd_gc_off_time_over_toygrad"] > 0
        assert s["largest_loss_gap"] < 1e-9  # same seed, same network, same losses
        for words in ["faster than micrograd 0.1.0 as shipped (gc on)", "faster than micrograd with gc disabled",
                      "bytes per op node", "backward/forward"]:
            assert words in " ".join(out.split())  # captions wrap at 100 columns


@pytest.mark.parametrize("argv", [["--repeats", "0"], ["--chain", "-5"], ["--micrograd-repeats", "x"],
                                  ["--format", "nonsense"]])
def test_bad_options_are_a_usage_error(argv, capsys):
    assert main(["bench", *argv]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_bench_imports_neither_torch_nor_micrograd_until_it_times_them():
    code = ("import sys; from compare.cli import bench; "
            "sys.exit(any(m in sys.modules for m in ('torch', 'micrograd', 'sympy')))")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_harness_bench_times_both_backends_side_by_side_with_their_ratio(tmp_path, capsys):
    from compare.schema import validate

    path = tmp_path / "harness.json"
    assert main(["bench", "--harness", "--n", "1", "--depth", "1..2", "--format", "github", "--json",
                 str(path)]) == 0
    out = capsys.readouterr().out
    doc = json.loads(path.read_text())
    validate(doc)
    assert [r["depth"] for r in doc["rows"]] == [1, 2]
    for row in doc["rows"]:
        assert set(row["backends"]) == {"symengine", "sympy"} and row["sympy_time_over_symengine"] > 0
        for b in row["backends"].values():
            assert b["functions_per_second"] > 0 and b["certified"] == 3
            assert set(b["stage_seconds"]) == {"ad", "fd", "tolerance", "derivative", "evaluation", "compile",
                                               "sizes", "other"}
    assert "symengine fns/s" in out and "SymPy path / SymEngine + balls" in out and "same verdicts" in out


def test_harness_script_runs_the_same_benchmark(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "harness.py"), "--n", "1", "--depth", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "symengine fns/s" in done.stdout
