"""The command line against a hostile user: limits said up front (issue 11 item 7), small things (item 8),
several points per check (issue 10 item 9)."""

import json

import pytest

from compare import swell
from compare.estimate import tree_estimate
from compare.three_way import check_function
from compare.subjects import FormulaSubject
from compare.cli.main import main
from symbolic import parse


def _status(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ------------------------------------------------------------------ 11.7: refused or bounded


@pytest.mark.parametrize("argv", [
    ["report", "--depth", "1..1000000"],
    ["report", "--depth", "41"],
    ["report", "--n", "100000"],
    ["report", "--n", "5000", "--depth", "1..6"],
    ["check", "--id", "0:100000:0"],
    ["swell", "--n", "41"],
    ["train", "moons", "--steps", "1000000000"],
    ["train", "moons", "--hidden", "100000"],
    ["selftest", "--per-op", "1000"],
])
def test_work_that_cannot_finish_is_refused_before_it_starts(capsys, argv):
    status, out, err = _status(capsys, *argv)
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_help_says_the_ranges(capsys):
    for command, words in (("report", ["1 to 40", "10000"]), ("swell", ["1 to 40"]), ("train", ["1 to 100000"])):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert all(w in out for w in words), (command, words)


def test_a_large_sum_is_checked_in_dag_mode_without_trying_tree_mode():
    text = "sum(" + ", ".join(f"sin({i}*x + y)" for i in range(1, 301)) + ")"
    subject = FormulaSubject(parse(text))
    assert tree_estimate(subject.build({"x": 0.1, "y": 0.2})) > 2000
    [c] = check_function(subject, [[0.1, 0.2]], sizes=True)
    assert c.ground_truth == "dag" and c.sizes["tree_ops"] is None and "tree" not in c.times
    assert c.verdict == "agree"


def test_swell_skips_tree_columns_that_would_swell_past_the_limit(monkeypatch):
    monkeypatch.setattr(swell, "SWELL_LIMIT", 1000)
    monkeypatch.setattr(swell, "COUNT_LIMIT", 100)
    rows = swell.measure(9)
    assert rows[-1]["tree_derivative_ops"] is None and rows[-1]["function_ops"] is None
    assert rows[-1]["tree_seconds"] is None
    assert rows[-1]["dag_ops"] == 54  # the linear columns go on
    assert all(isinstance(r["tree_derivative_ops"], int) and r["tree_derivative_ops"] <= 1000 for r in rows[:5])


def test_train_refuses_settings_that_overflow(capsys):
    for option in ("--noise", "--l2", "--lr"):
        status, out, err = _status(capsys, "train", "moons", option, "1e308")
        assert status == 2 and option in err and "Traceback" not in err


# ------------------------------------------------------------------ 11.8: small things


def test_a_formula_that_starts_with_a_minus(capsys):
    status, out, _ = _status(capsys, "check", "-x**2", "--at", "x=1.5")
    assert status == 0 and "d/dx" in out and "-3.0" in out
    status, out, _ = _status(capsys, "check", "--at", "x=1.5", "-x**2")
    assert status == 0


def test_a_negative_number_stays_an_option_value(capsys):
    status, _, err = _status(capsys, "check", "x", "--at", "x=1", "--vars", "-1")
    assert status == 2 and "--vars" in err


@pytest.mark.parametrize("value", ["١", "1_0", "nan", "٣.٥", "1e5x"])
def test_at_takes_ascii_numbers_only(capsys, value):
    status, _, err = _status(capsys, "check", "x", "--at", f"x={value}")
    assert status == 2 and "ASCII" in err


def test_gradient_overflow_is_not_called_outside_the_domain(capsys):
    status, _, err = _status(capsys, "check", "log(x)", "--at", "x=5e-324")
    assert status == 2 and "overflowed" in err and "outside the domain" not in err


# ------------------------------------------------------------------ 10.9: several points


def test_at_repeated_checks_each_point(capsys, tmp_path):
    path = tmp_path / "c.json"
    status, out, _ = _status(capsys, "check", "log(x) * y", "--at", "x=1,y=2", "--at", "x=3,y=0.5",
                             "--json", str(path))
    assert status == 0 and out.count("verdict: agree") == 2 and "2 points: 2 agree" in out
    assert [c["point"] for c in json.loads(path.read_text())["checks"]] == [{"x": 1.0, "y": 2.0},
                                                                              {"x": 3.0, "y": 0.5}]


def test_random_points_lie_inside_every_domain_and_follow_the_seed(capsys, tmp_path):
    runs = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.json"
        status, out, _ = _status(capsys, "check", "log(x) * sqrt(y) + tan(x)", "--random", "6", "--seed", "4",
                                 "--json", str(path))
        assert status == 0 and "6 points" in out
        runs.append([c["point"] for c in json.loads(path.read_text())["checks"]])
    assert runs[0] == runs[1] and len({tuple(p.values()) for p in runs[0]}) == 6
    assert all(p["x"] > 0 and p["y"] > 0 for p in runs[0])
