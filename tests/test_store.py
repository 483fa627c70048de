"""The results store: SQL aggregates equal the in-memory tables, resume after SIGKILL, settings, --from."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from compare.cli import report
from compare.cli.main import main
from compare.schema import is_timing
from compare.store import SettingsMismatch, Store, StoreError
from compare.sweep import make_tasks, run_sweep

ARGS = ["report", "--n", "3", "--depth", "1..3", "--no-training"]
#: kinks and domains, so that more than one verdict shows up in the tables
OPS = ("add", "mul", "sub", "div", "log", "sqrt", "relu", "abs", "exp", "sin", "tanh")


def strip(x):
    """``x`` without its timing fields (they differ between any two runs)."""
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if not is_timing(k)}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def settings_of(n=3):
    return {"seed": 0, "n": n, "depths": [1, 2, 3], "points": 3, "variables": 3, "ops": list(OPS), "order": 1}


def _judged_otherwise(function, verdict, k):
    """A copy of ``function`` under a new id whose first check has ``verdict`` (out-of-domain: no exact value)."""
    fid = f"{function['id']}:{k}"
    rows = [dict(r, id=fid) for r in function["rows"]]
    rows[0].update(verdict=verdict, **({"exact": []} if verdict == "out-of-domain" else {}))
    return {**function, "id": fid, "rows": rows}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """One sweep kept in memory and the same sweep in a store, with a few checks judged otherwise appended
    (the generator keeps to the ops' domains, so a correct engine gives almost only agreements)."""
    tasks = make_tasks(seed=4, depths=[1, 2, 3, 4], n=6, ops=OPS)
    functions = run_sweep(tasks, progress=False).functions
    path = tmp_path_factory.mktemp("store") / "run.sqlite"
    store = Store(path, {"seed": 4})
    result = run_sweep(tasks, store=store, progress=False)
    assert result.complete and result.functions == [] and result.missing == 0
    for k, verdict in enumerate(["disagree", "out-of-domain", "non-smooth", "disagree"]):
        extra = _judged_otherwise(functions[5 * k + 3], verdict, k)
        functions.append(extra)
        assert store.append(len(tasks) + k, extra)
    yield functions, store
    store.close()


def test_store_tables_equal_the_in_memory_tables(swept):
    functions, store = swept
    listed = {"agreement_by_depth": report.agreement_by_depth(functions),
              "agreement_by_op": report.agreement_by_op(functions, OPS),
              "cost_by_depth": report.cost_by_depth(functions)}
    stored = store.tables(OPS)
    assert strip(stored) == strip(listed)
    verdicts = {v for row in listed["agreement_by_depth"] for v, n in row["verdicts"].items() if n}
    assert verdicts >= {"agree", "disagree", "out_of_domain", "non_smooth"}
    assert [r["functions_per_second"] is not None for r in stored["cost_by_depth"]] == [True] * 4


def test_store_gives_back_every_function_in_task_order(swept):
    functions, store = swept
    assert strip(list(store.functions())) == strip(functions)
    assert [r["id"] for r in store.disagreements()] == [functions[-4]["id"], functions[-1]["id"]]
    assert store.finished() == len(functions) and store.checks() == sum(len(f["rows"]) for f in functions)


def test_append_never_stores_a_function_twice(tmp_path, swept):
    functions, _ = swept
    with Store(tmp_path / "s.sqlite", {"seed": 4}) as store:
        assert store.append(0, functions[0]) is True
        assert store.append(0, functions[0]) is False
        assert store.finished() == 1 and store.checks() == len(functions[0]["rows"])


def test_store_refuses_other_settings_naming_the_one_that_differs(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path, settings_of(3)).close()
    with pytest.raises(SettingsMismatch, match="made with n 3, not 4"):
        Store(path, settings_of(4))


def test_cli_refuses_a_store_of_other_settings_with_exit_2(tmp_path, capsys):
    path = str(tmp_path / "s.sqlite")
    assert main([*ARGS, "--store", path]) == 0
    capsys.readouterr()
    assert main(["report", "--n", "3", "--depth", "1..4", "--no-training", "--store", path]) == 2
    err = capsys.readouterr().err
    assert "depths 1,2,3, not 1,2,3,4" in err and len(err.strip().splitlines()) == 1


def test_cli_rerun_with_the_same_store_checks_nothing_again(tmp_path, capsys):
    path = str(tmp_path / "s.sqlite")
    assert main([*ARGS, "--store", path]) == 0
    first = capsys.readouterr().out
    with Store(path) as store:
        before = strip(list(store.functions()))
    assert main([*ARGS, "--store", path]) == 0
    again = capsys.readouterr().out
    with Store(path) as store:
        assert strip(list(store.functions())) == before and store.finished() == 9
    assert first.splitlines()[:20] == again.splitlines()[:20]


def test_from_prints_the_same_report_as_the_run(tmp_path, capsys):
    path = str(tmp_path / "s.sqlite")
    assert main([*ARGS, "--store", path]) == 0
    ran = capsys.readouterr().out.splitlines()
    assert main(["report", "--from", path]) == 0
    printed = capsys.readouterr().out.splitlines()
    summary = next(i for i, line in enumerate(printed) if line.startswith("27 checks of 9 functions"))
    assert printed[:summary] == ran[:summary]  # all but the summary (its timing)
    assert "9 functions stored" in printed[summary]


def test_from_and_store_refuse_what_is_not_a_store(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    assert main(["report", "--from", str(text)]) == 2
    assert main(["report", "--from", str(tmp_path / "missing.sqlite")]) == 2
    assert main([*ARGS, "--store", str(text)]) == 2
    assert main([*ARGS, "--store", str(tmp_path)]) == 2  # a directory
    plain = tmp_path / "plain.sqlite"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="not a results store"):
        Store(plain)
    assert main(["report", "--from", str(plain), "--n", "3"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 5 and all("Traceback" not in line for line in err)
    assert text.read_text() == "not a database\n"  # left as it was


def _stored(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT COUNT(*) FROM functions").fetchone()[0]
    except sqlite3.OperationalError:  # not made yet
        return 0
    finally:
        db.close()


def test_sigkill_partway_then_rerun_gives_the_store_of_an_uninterrupted_run(tmp_path):
    args = ["report", "--n", "12", "--depth", "2..5", "--no-training"]
    killed = str(tmp_path / "killed.sqlite")
    proc = subprocess.Popen([sys.executable, "-m", "compare", *args, "--store", killed],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _stored(killed) < 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _stored(killed)
    assert 5 <= partial < 48, "the sweep was not killed partway"
    shown = subprocess.run([sys.executable, "-m", "compare", "report", "--from", killed],
                           capture_output=True, text=True)
    assert shown.returncode == 0 and f"{partial} functions stored (interrupted" in shown.stdout
    assert f"holds {partial} of its run's 48 functions" in shown.stderr
    assert main([*args, "--store", killed]) == 0
    whole = str(tmp_path / "whole.sqlite")
    assert main([*args, "--store", whole]) == 0
    with Store(killed) as a, Store(whole) as b:
        assert a.finished() == 48
        assert strip(list(a.functions())) == strip(list(b.functions()))
        assert strip(a.tables(a.settings["ops"])) == strip(b.tables(b.settings["ops"]))


def test_dask_asked_for_but_missing_is_exit_2_saying_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    assert main([*ARGS, "--executor", "dask"]) == 2
    err = capsys.readouterr().err
    assert "pip install -e '.[dask]'" in err and len(err.strip().splitlines()) == 1


def test_store_is_in_wal_mode(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path, {"seed": 0}).close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert os.path.getsize(path) > 0
