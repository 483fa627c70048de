"""The ground truth is a certified ball: both backends agree on it, and a verdict rests on it."""

import flint
import pytest

from compare import ground_truth
from compare.generate import generate
from compare.ground_truth import derive, status
from compare.subjects import FormulaSubject
from compare.sweep import make_tasks, run_task
from compare.three_way import Check, check_function, verdict
from symbolic import missing, parse
from toygrad import Value

pytestmark = pytest.mark.skipif("symengine" in missing(), reason="symengine is not installed")


def _run(task, backend):
    return run_task(task.__class__(**{**task.__dict__, "backend": backend, "sizes": False}))


def test_both_backends_give_the_same_balls_and_verdicts_on_a_sweep():
    compared = 0
    for task in make_tasks(seed=3, depths=range(1, 8), n=2, ops=("add", "mul", "sin", "exp", "log", "relu", "abs",
                                                                  "tanh", "sqrt", "div", "pow", "sigmoid")):
        fast, reference = _run(task, "symengine"), _run(task, "sympy")
        for a, b in zip(fast["rows"], reference["rows"]):
            assert (a["backend"], b["backend"]) == ("symengine", "sympy")
            assert a["verdict"] == b["verdict"] and a["certified"] == b["certified"], (task.id, a["reason"])
            for x, y in zip(a["ball"], b["ball"]):
                assert abs(x["mid"] - y["mid"]) <= x["rad"] + y["rad"], (task.id, x, y)
                compared += 1
    assert compared > 60


def test_every_agree_of_a_sweep_rests_on_certified_balls():
    rows = [r for t in make_tasks(seed=1, depths=range(1, 7), n=3) for r in run_task(t)["rows"]]
    agree = [r for r in rows if r["verdict"] == "agree"]
    assert len(agree) >= 0.9 * len(rows)
    for r in agree:
        assert r["certified"] and r["value_ball"]["status"] == "certified"
        assert all(b["status"] == "certified" for b in r["ball"])


def test_a_ball_certifies_only_below_a_thousandth_of_the_tolerance():
    x = Value(0.3, label="x")
    [ball] = derive(x.sin() * x.exp()).at({"x": 0.3}, [1e-15], 1e-15).derivatives
    own = float(ball.arb.rad())
    assert status(ball, 2e3 * own) == "certified"
    assert status(ball, 0.5e3 * own) == "undecided"


def test_a_ball_that_stays_too_wide_makes_the_verdict_undecided_never_agree(monkeypatch):
    monkeypatch.setattr(ground_truth, "CERTIFY", 1e-2000)  # narrower than 4096 bits can reach
    [c] = check_function(FormulaSubject(parse("sin(x) * exp(y)")), [[0.7, 0.2]])
    assert c.verdict == "undecided" and not c.certified
    assert {b["status"] for b in c.ball} == {"undecided"} and "not certified" in c.reason


def test_an_off_ad_value_is_a_disagreement_only_where_the_ball_proves_it():
    def check(status_, rad):
        ball = {"mid": 1.0, "rad": rad, "status": status_, "prec": 128}
        return verdict(Check("f", "x", {"x": 1.0}, "agree", value=1.0, value_exact=1.0, value_tolerance=0.0,
                             ad=[1.0 + 1e-9], exact=[1.0], tolerance=[1e-12], fd=[1.0], fd_tolerance=[1e-6],
                             ball=[ball], value_ball={**ball, "rad": 0.0, "status": "certified"}))[0]

    assert check("certified", 1e-17) == "disagree"
    assert check("undecided", 1e-6) == "undecided"  # the truth could be anywhere in 1 +- 1e-6
    assert check("undecided", 1e-15) == "disagree"  # the gap exceeds tolerance + radius
    assert check("kink", 1e-6) == "non-smooth"


def test_pi_and_e_are_exact_in_the_ground_truth():
    formula = parse("pi * x + e")
    graph, named = formula.build_named({"x": 1.0})
    with flint.ctx.workprec(200):
        pi, e = flint.arb.pi(), flint.arb.const_e()
    exact = derive(graph, constants=named).at({"x": 1.0}, [1e-15], 1e-15)
    assert exact.value.arb.overlaps(pi + e)
    assert exact.derivatives[0].arb.overlaps(pi) and exact.derivatives[0].rad > 0
    as_floats = derive(graph).at({"x": 1.0}, [1e-15], 1e-15)  # without the names: the doubles' exact values
    assert as_floats.derivatives[0].rad == 0 and not as_floats.derivatives[0].arb.overlaps(pi)
    [c] = check_function(FormulaSubject(formula), [[1.0]])
    assert c.verdict == "agree" and c.ball[0]["rad"] > 0  # d/dx is pi itself, not the double next to it


def test_a_kink_exactly_at_its_point_is_decided_by_exact_arithmetic():
    x, y = Value(0.1, label="x"), Value(0.3, label="y")
    graph = (x * 3 - y).relu() + x  # 3 * 0.1 - 0.3 is not 0 in binary: exactly 2**-54 * ... above or below
    sides = derive(graph).at({"x": 0.1, "y": 0.3}, [1e-15, 1e-15], 1e-15).sides
    from fractions import Fraction
    q = 3 * Fraction(0.1) - Fraction(0.3)
    assert sides == ((q > 0) - (q < 0),)
    z = Value(0.1, label="z")
    assert derive((z - 0.1).relu()).at({"z": 0.1}, [1e-15], 1e-15).sides == (0,)


@pytest.mark.parametrize("backend", ["symengine", "sympy"])
def test_sizes_are_counted_by_the_backend_only_when_asked(backend):
    f = generate(seed=2, depth=4, index=1)
    graph = f.build(f.points[0])
    assert derive(graph, backend=backend).sizes == {}
    sizes = derive(graph, backend=backend, sizes=True).sizes
    assert set(sizes) == {"graph_ops", "tree_ops", "tree_ops_cse", "dag_ops"} and sizes["tree_ops"] > 0
