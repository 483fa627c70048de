"""Ctrl-C, SIGTERM and closed pipes, with a real process and real signals (issue 11 item 6, issue 10 item 7)."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

#: the real command line, with each task held up (30 s) after it says it started: a first function that is
#: still running when the signal comes, however fast the ground truth has become
SLOW_TASKS = ("import sys, time; import compare.sweep as sweep; run = sweep.run_task; "
              "sweep.run_task = lambda task: (print('task started', file=sys.stderr, flush=True), time.sleep(30), "
              "run(task))[2]; from compare.cli.main import main; sys.exit(main(sys.argv[1:]))")
MANY = ["report", "--n", "2000", "--depth", "1..5", "--no-training"]


def _start(*args, code=None):
    """The command in a real process (``code``: a ``python -c`` program in place of ``-m compare``). Its stdout goes to a file, so that a child writing more than a pipe holds
    while the test still reads stderr can never block (a fast run prints before its progress bar shows)."""
    out = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([sys.executable, *(["-c", code] if code else ["-m", "compare"]), *args], stdout=out,
                            stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COMPARE_PROGRESS": "1"})
    proc.out_file = out
    return proc


def _wait_for_progress(proc, word):
    """Read stderr until the progress bar, which shows after a second of work, says ``word``."""
    seen = ""
    while word not in seen and proc.poll() is None:
        seen += proc.stderr.read(1)
    assert word in seen, f"the progress bar never said {word!r}: the run finished first ({seen[-200:]!r})"
    return seen


def _children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


#: the promise is 2 s (measured well under 1 s on an idle machine); the test machine is shared, so allow more
LIMIT = 3.0


def _stop(proc, *signals, gap=0.05):
    """Send the signals ``gap`` seconds apart; the output and the seconds from the first signal to the exit."""
    started = time.monotonic()
    for i, s in enumerate(signals):
        if i:
            time.sleep(gap)
        proc.send_signal(s)
    _, err = proc.communicate(timeout=30)
    seconds = time.monotonic() - started
    proc.out_file.seek(0)
    return proc.out_file.read(), err, seconds


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_sigint_before_the_first_function_finishes_writes_the_empty_run(tmp_path):
    path = tmp_path / "run.json"
    proc = _start("report", "--depth", "3", "--n", "1", "--no-training", "--json", str(path), code=SLOW_TASKS)
    _wait_for_progress(proc, "task started")
    out, err, seconds = _stop(proc, signal.SIGINT)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert seconds < LIMIT
    assert "(no function finished)" in out
    data = json.loads(path.read_text())
    assert data["complete"] is False and data["functions"] == [] and data["pending"] == ["0:3:0"]


@pytest.mark.parametrize("signals", [(signal.SIGINT, signal.SIGINT), (signal.SIGTERM,)])
def test_workers_stop_within_two_seconds_leave_no_process_and_keep_what_finished(tmp_path, signals):
    path = tmp_path / "run.json"
    proc = _start(*MANY, "--workers", "2", "--json", str(path))
    _wait_for_progress(proc, "functions:")
    workers = _children(proc.pid)
    assert workers
    out, err, seconds = _stop(proc, *signals)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert seconds < LIMIT
    time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]
    data = json.loads(path.read_text())
    assert data["complete"] is False and data["functions"] and "Agreement by depth" in out


def test_sigterm_stops_a_run_without_workers_like_sigint(tmp_path):
    path = tmp_path / "run.json"
    proc = _start(*MANY, "--json", str(path))
    _wait_for_progress(proc, "functions:")
    out, err, seconds = _stop(proc, signal.SIGTERM, signal.SIGTERM)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert seconds < LIMIT
    assert json.loads(path.read_text())["functions"]


def test_swell_stops_and_keeps_the_rows_that_finished(tmp_path):
    path = tmp_path / "swell.json"
    proc = _start("swell", "--n", "13", "--json", str(path))
    _wait_for_progress(proc, "n:")
    out, err, seconds = _stop(proc, signal.SIGINT)
    assert proc.returncode == 130 and "Traceback" not in err and seconds < LIMIT
    rows = json.loads(path.read_text())["rows"]
    assert rows and len(rows) < 13


def test_check_stops_and_keeps_the_points_that_finished(tmp_path):
    path = tmp_path / "check.json"
    many_terms = "sum(" + ", ".join(f"sin({k}*x + y) * exp(y / {k})" for k in range(1, 41)) + ")"  # ~10 s
    proc = _start("check", many_terms, "--random", "1000", "--json", str(path))
    _wait_for_progress(proc, "points:")
    out, err, seconds = _stop(proc, signal.SIGINT, signal.SIGINT)
    assert proc.returncode == 130 and "Traceback" not in err and seconds < LIMIT
    data = json.loads(path.read_text())
    assert data["complete"] is False and data["checks"]


@pytest.mark.parametrize("args", [["swell", "--n", "3"], ["check", "x*y", "--at", "x=1,y=2"],
                                  ["report", "--n", "1", "--depth", "1", "--no-training"]])
def test_a_closed_pipe_ends_quietly(args):
    proc = subprocess.Popen([sys.executable, "-m", "compare", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written, as with `| head -0`
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert err == "" and proc.returncode == 141
