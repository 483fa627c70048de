"""Sweeps on Dask: a real LocalCluster (processes, loopback), a worker killed mid-sweep, Ctrl-C, dask missing."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from compare.cli.main import main
from compare.executors import DaskRunner, FuturesRunner
from compare.schema import is_timing
from compare.store import Store
from compare.sweep import make_tasks, run_sweep

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install -e '.[dask]')")

ARGS = ["report", "--n", "4", "--depth", "1..3", "--no-training"]


def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if not is_timing(k)}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two worker processes, one thread each, on loopback only."""
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as local:
        yield local


def test_sweep_on_a_local_cluster_equals_the_inline_sweep(cluster, tmp_path, capsys):
    tasks = make_tasks(seed=3, depths=[1, 2, 3], n=4)
    inline = run_sweep(tasks, progress=False)
    with DaskRunner(scheduler=cluster.scheduler_address) as runner:
        assert runner.workers == 2
        on_dask = run_sweep(tasks, executor=runner, progress=False)
    assert strip(on_dask.functions) == strip(inline.functions) and on_dask.complete
    # the command line, into a store, on the same cluster
    path = str(tmp_path / "dask.sqlite")
    assert main([*ARGS, "--seed", "3", "--scheduler", cluster.scheduler_address, "--store", path]) == 0
    assert main([*ARGS, "--seed", "3", "--store", str(tmp_path / "inline.sqlite")]) == 0
    with Store(path) as a, Store(tmp_path / "inline.sqlite") as b:
        assert strip(list(a.functions())) == strip(list(b.functions()))
    assert "Traceback" not in capsys.readouterr().err


def test_a_dask_client_executor_runs_and_stops_without_type_error(cluster):
    tasks = make_tasks(seed=1, depths=[1, 2], n=2)
    with distributed.Client(cluster.scheduler_address) as client:
        executor = client.get_executor()
        result = run_sweep(tasks, executor=executor, progress=False)
        assert strip(result.functions) == strip(run_sweep(tasks, progress=False).functions)
        FuturesRunner(executor, 2).stop()  # the old path called shutdown(cancel_futures=...): TypeError


def test_a_worker_killed_mid_sweep_loses_nothing_and_doubles_nothing(cluster, tmp_path):
    tasks = make_tasks(seed=2, depths=[2, 3, 4], n=8)
    seen: list[str] = []
    pids = [nanny.process.process.pid for nanny in cluster.workers.values()]

    def kill_one_worker(function):
        seen.append(function["id"])
        if len(seen) == 3:
            os.kill(pids[0], signal.SIGKILL)

    with Store(tmp_path / "s.sqlite", {"seed": 2}) as store:
        with DaskRunner(scheduler=cluster.scheduler_address) as runner:
            result = run_sweep(tasks, executor=runner, store=store, on_function=kill_one_worker, progress=False)
        assert result.complete
        assert sorted(seen) == sorted(t.id for t in tasks)  # each function arrived once
        stored = list(store.functions())
    assert [f["id"] for f in stored] == [t.id for t in tasks]
    assert strip(stored) == strip(run_sweep(tasks, progress=False).functions)
    deadline = time.monotonic() + 20
    while pids[0] in [n.process.process.pid for n in cluster.workers.values() if n.process and n.process.process]:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _stored(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT COUNT(*) FROM functions").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def _children(pid):
    """The processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return out


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds worker processes through /proc")
def test_ctrl_c_stops_a_dask_sweep_within_two_seconds_keeping_what_finished(tmp_path):
    path = str(tmp_path / "s.sqlite")
    proc = subprocess.Popen([sys.executable, "-m", "compare", "report", "--n", "100", "--depth", "2..5",
                             "--no-training", "--executor", "dask", "--workers", "2", "--store", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _stored(path) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(proc.pid)
    assert workers, "the LocalCluster's worker processes"
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    said = ""
    while "interrupted:" not in said and proc.poll() is None:  # said once the report is printed
        said += proc.stderr.readline()
    stopped = time.monotonic() - started
    out, err = proc.communicate(timeout=30)
    err = said + err
    assert stopped < 2.0  # then the interpreter's own teardown (~1 s on a loaded machine)
    assert proc.returncode == 130 and "Traceback" not in err
    assert "interrupted" in err and "continue with the same command" in err
    assert "Agreement by depth" in out
    assert _stored(path) >= 2
    time.sleep(0.5)
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}") and _state(pid) != "Z"]


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_scheduler_that_does_not_answer_is_exit_2(capsys):
    assert main([*ARGS, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
