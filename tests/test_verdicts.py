"""Hostile numbers: a verdict is never wrong, no false alarm at the float range's edge, the engine's contract."""

import math

import pytest

from compare import selftest
from compare.three_way import VERDICTS, check_function
from compare.subjects import FormulaSubject
from compare.cli.main import main
from compare.contract import contract_violation
from compare.selftest import _patched_op
from compare.sweep import make_tasks, run_sweep
from compare.tolerance import error_bounds
from symbolic import parse
from toygrad import OPS, Value, variables


def _check(text, **point):
    subject = FormulaSubject(parse(text))
    [c] = check_function(subject, [[point[v] for v in subject.variables]])
    return c


def _doubled(op):
    """Every rule of ``op`` off by a factor 2, planted in memory as selftest does."""
    if op.arity is None:
        return _patched_op(op, vjp=lambda *a, f=op.vjp: [2 * d for d in f(*a)])
    return _patched_op(op, rules=tuple(lambda *a, r=r: 2 * r(*a) for r in op.rules))


# ------------------------------------------------------------------ 11.1: a bound never supports a wrong agree


@pytest.mark.parametrize("text, point, op", [
    ("sin(x*y/1e300)", dict(x=1e154, y=1e154), "sin"),
    ("log((x + 1e16) - 1e16 + y)", dict(x=1.0, y=1.0), "log"),
    ("x*y/z", dict(x=1e154, y=1.5e154, z=1e300), "div"),
])
def test_a_rule_wrong_by_a_factor_two_never_agrees_at_the_float_range_edge(text, point, op):
    with _doubled(OPS[op]):
        c = _check(text, **point)
    assert c.verdict in ("disagree", "undecided"), (c.verdict, c.reason)


@pytest.mark.parametrize("text, point", [
    ("sin(x*y/1e300)", dict(x=1e154, y=1e154)),
    ("x*y/z", dict(x=1e154, y=1.5e154, z=1e300)),
    ("exp(x)", dict(x=709.0)),
])
def test_tolerance_is_finite_where_the_float_computation_is(text, point):
    g = parse(text).build(point)
    b = error_bounds(g, variables(g))
    assert all(math.isfinite(t) for t in b.gradient_tolerance()) and math.isfinite(b.value_tolerance())


def test_an_unbounded_tolerance_is_undecided_with_its_reason():
    c = _check("log((x + 1e16) - 1e16 + y)", x=1.0, y=1.0)
    assert c.verdict == "undecided" and "tolerance of d/dx" in c.reason
    assert "undecided" in VERDICTS


def test_report_counts_undecided_and_fd_off_apart(capsys):
    assert main(["report", "--n", "1", "--depth", "1", "--no-training"]) == 0
    out = capsys.readouterr().out
    assert "undecided" in out and "fd-off" in out


# ------------------------------------------------------------------ 11.2 and 10.8: no false alarm


@pytest.mark.parametrize("text, point", [
    ("exp(x)", dict(x=704.0)),
    ("exp(x)", dict(x=709.0)),
    ("exp(x)/exp(x)", dict(x=709.0)),
    ("tanh(exp(x))", dict(x=705.0)),
])
def test_no_false_alarm_at_the_edge_of_the_float_range(text, point):
    assert _check(text, **point).verdict == "agree"


@pytest.mark.parametrize("text, point", [
    ("sin(x*y/1e300)", dict(x=1e154, y=1e154)),
    ("x*y/z", dict(x=1e154, y=1.5e154, z=1e300)),
])
def test_the_correct_engine_never_disagrees_where_adjoints_are_tiny(text, point):
    c = _check(text, **point)
    assert c.verdict in ("agree", "fd-off"), c.reason


def test_an_exact_zero_gradient_needs_no_bound():
    c = _check("tan(tan((y - y) / (x + y)) * tan((y - y) / (x + y)))", x=0.5, y=1.25)
    assert c.ad == c.exact == [0.0, 0.0] and c.verdict == "agree"


@pytest.mark.parametrize("text, point", [("sin(x)", dict(x=1e6)), ("tan(x)", dict(x=1.5707963267948966))])
def test_a_failing_finite_difference_alone_is_fd_off_with_step_and_estimate(text, point):
    c = _check(text, **point)
    assert c.verdict == "fd-off" and "step" in c.reason
    assert c.ad == pytest.approx(c.exact, rel=1e-15)
    assert c.fd_step and c.fd_tolerance and c.fd_step[0] > 0


def test_check_exits_zero_when_only_the_finite_difference_is_off(capsys):
    assert main(["check", "sin(x)", "--at", "x=1e6"]) == 0
    out = capsys.readouterr().out
    assert "verdict: fd-off" in out and "FD step" in out


def test_ad_off_the_truth_still_disagrees_with_exit_one(capsys):
    with _doubled(OPS["sin"]):
        assert main(["check", "sin(x)", "--at", "x=1e6"]) == 1
    assert "verdict: disagree" in capsys.readouterr().out


# ------------------------------------------------------------------ 11.3: the engine's contract


def test_contract_holds_on_the_correct_engine():
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    z = (x * y + x.sin() * x).exp()
    z.backward()
    assert contract_violation(z, ["x", "y"], [1e-14, 1e-14]) == ""


@pytest.mark.parametrize("name", ["engine keeps op grads", "engine drops tiny", "grad assigns"])
def test_each_check_catches_a_contract_mutant(name):
    [m] = [m for m in selftest.mutants() if m.name == name]
    with m.plant():
        c = _check("x * y + sin(x) * x", x=1.5, y=-0.5)
    assert c.verdict == "disagree", c.reason


def test_selftest_plants_the_contract_mutants_and_catches_them(capsys):
    assert main(["selftest"]) == 0
    out = capsys.readouterr().out
    for name in ("engine keeps op grads", "engine drops tiny", "grad assigns"):
        assert name in out


def test_quick_report_exercises_every_op():
    tasks = make_tasks(0, [1, 2, 3, 4], 5, cover=True)  # the --quick sweep
    ops = {op for f in run_sweep(tasks, progress=False).functions for op in f["ops"]}
    assert ops == set(OPS)


def test_quick_report_catches_the_log_sign_flip(capsys):
    [m] = [m for m in selftest.mutants() if m.name == "log -rule"]
    with m.plant():
        assert main(["report", "--quick", "--no-training"]) == 1
