"""Other engines judged against the exact derivatives: adapters, verdicts, the sweep and the ``engines`` command.

Adapters of engines that are not installed are skipped with the reason. Each
test asserts a property that a broken adapter, judge or truth would fail: a
correct engine agrees, a planted wrong rule is caught, a convention at a kink
is told apart from a wrong value, micrograd's missing ops are reported as such.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math

import pytest

from compare.cli.main import main
from compare.engines import ENGINES, EngineMissing, load
from compare.engines import conformance
from compare.engines.adapter import Adapter, kind
from compare.engines.recipes import from_formula
from compare.engines.special import SPECIAL
from compare.engines.truth import derive
from compare.generate import generate
from toygrad import OPS, apply

MICROGRAD_LACKS = {"exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "sqrt", "abs"}


def engine(name: str) -> Adapter:
    """The adapter, or a skip saying what to install."""
    if importlib.util.find_spec({"toygrad": "toygrad"}.get(name, name)) is None:
        pytest.skip(f"{name} is not installed")
    try:
        return load(name)
    except EngineMissing as exc:
        pytest.skip(str(exc))


def verdicts(rows, order=None):
    return {r["verdict"] for r in rows if order is None or r["order"] == order}


def planted(adapter: Adapter, op: str, fn, name: str | None = None) -> Adapter:
    """The adapter with one row of its table replaced (a mutant engine)."""
    return dataclasses.replace(adapter, table={**adapter.table, op: fn}, name=name or adapter.name)


# ---------------------------------------------------------------- tables


@pytest.mark.parametrize("name", ENGINES)
def test_adapter_table_maps_every_op_row_by_name(name):
    table = engine(name).table
    assert set(table) <= set(OPS)
    expected = set(OPS) - (MICROGRAD_LACKS if name == "micrograd" else set())
    assert set(table) == expected


def test_micrograd_unsupported_ops_are_reported_as_such():
    micro = engine("micrograd")
    rows = conformance.run(["micrograd"], n=0, special=SPECIAL).special
    lacking = {r["op"] for r in rows if r["order"] == 1 and r["verdict"] == "unsupported"}
    assert lacking >= MICROGRAD_LACKS
    assert {r["reason"] for r in rows if r["op"] == "sin" and r["order"] == 1} == {"not supported by micrograd: sin"}
    out = micro.run(from_formula("x**y"), (2.0, 3.0))
    assert out.unsupported == "not supported by micrograd: pow with a Value exponent"
    assert all(r["verdict"] == "unsupported" for r in rows if r["order"] == 2)


# ---------------------------------------------------------------- the truth


def test_truth_is_none_where_a_derivative_is_not_a_real_number_and_exact_elsewhere():
    assert derive(from_formula("sqrt(x)")).at((0.0,)).gradient == [None]
    exact = derive(from_formula("x**y"), order=2).at((-2.0, 3.0))
    assert exact.gradient == [12.0, None] and exact.hessian[0][0] == -12.0
    assert derive(from_formula("exp(x)")).at((710.0,)).gradient == [math.inf]  # real, beyond a double
    beside = derive(from_formula("relu(x)")).around((0.0,))
    assert sorted(e.gradient[0] for e in beside) == [0.0, 1.0]


def test_variables_a_function_does_not_use_have_derivative_zero():
    f = generate(0, 1, 0)  # sigmoid(x1) over x0, x1, x2
    exact = derive(f, order=2).at(f.points[0])
    assert exact.gradient[0] == exact.gradient[2] == 0.0 and exact.gradient[1] != 0.0
    rows = conformance.check_recipe(f, [engine("toygrad")], order=2)
    assert verdicts(rows) == {"agree"}


# ---------------------------------------------------------------- judging


@pytest.mark.parametrize("name", ENGINES)
def test_a_correct_engine_agrees_on_a_small_sweep(name):
    engine(name)
    result = conformance.run([name], seed=3, depths=[1, 2, 3], n=4, special=())
    assert len({r["id"] for r in result.sweep}) == 12
    assert verdicts(result.sweep) <= {"agree", "unsupported"}
    if name != "micrograd":
        assert "agree" in verdicts(result.sweep, order=2)


def _wrong_sin(name: str):
    """A sin whose value is right and whose derivative is off by one part in a million."""
    if name == "torch":
        import torch

        class WrongSin(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return torch.sin(x)

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * torch.cos(x) * (1 + 1e-6)

        return WrongSin.apply
    if name == "jax":
        import jax
        import jax.numpy as jnp

        @jax.custom_jvp
        def wrong_sin(x):
            return jnp.sin(x)

        wrong_sin.defjvp(lambda primals, tangents: (jnp.sin(primals[0]), jnp.cos(primals[0]) * (1 + 1e-6)
                                                    * tangents[0]))
        return wrong_sin
    if name == "autograd":
        import autograd.numpy as anp
        from autograd.extend import defvjp, primitive

        wrong_sin = primitive(lambda x: anp.sin(x))
        defvjp(wrong_sin, lambda ans, x: lambda g: g * anp.cos(x) * (1 + 1e-6))
        return wrong_sin
    return lambda x: apply("sin", x) + 1e-6 * (x - x.data)  # toygrad: value sin(x), slope cos(x) + 1e-6


@pytest.mark.parametrize("name", ["torch", "jax", "autograd", "toygrad"])
def test_a_planted_wrong_derivative_rule_is_caught(name):
    mutant = planted(engine(name), "sin", _wrong_sin(name))
    caught = 0
    for index in range(3):
        f = generate(1, 3, index, require="sin")
        rows = conformance.check_recipe(f, [mutant], order=1, points=f.points[:1])
        assert verdicts(rows) <= {"agree", "disagree"}
        caught += "disagree" in verdicts(rows)
    assert caught >= 2
    rows = conformance.check_recipe(from_formula("sin(x) * y", [(0.5, 2.0)]), [mutant], order=1)
    assert [(r["verdict"], r["partial"]) for r in rows] == [("disagree", "d/dx")]


def test_errors_and_nan_from_an_engine_are_values_not_crashes():
    toy = engine("toygrad")

    def broken(x):
        raise ZeroDivisionError("planted")

    f = from_formula("exp(x) + x", [(1.0,)])
    out = planted(toy, "exp", broken).run(f, (1.0,), order=2)
    assert out.value == "error: ZeroDivisionError: planted" and kind(out.gradient[0]) == "error"
    assert [r["verdict"] for r in conformance.check_recipe(f, [planted(toy, "exp", broken)])] == ["refused"] * 2
    nan = dataclasses.replace(toy, name="nan", derivatives=lambda fn, xs, order: (math.e + 1.0, [math.nan], [[math.inf]]))
    rows = conformance.check_recipe(f, [nan])
    assert [(r["verdict"], r["kind"]) for r in rows] == [("disagree", "nan"), ("disagree", "inf")]


def test_a_convention_at_a_kink_is_its_own_verdict_and_a_slope_outside_is_wrong():
    toy = engine("toygrad")
    half = planted(toy, "relu", lambda x: (x + apply("abs", x)) * 0.5, "half")  # relu'(0) = 0.5
    steep = planted(toy, "relu", lambda x: (x + apply("abs", x)) * 0.5 + (x - x.data) * 3.0, "steep")
    rows = conformance.check_recipe(from_formula("relu(x)", [(0.0,)]), [toy, half, steep], order=1)
    assert {r["engine"]: r["verdict"] for r in rows} == {"toygrad": "agree", "half": "convention",
                                                         "steep": "disagree"}
    away = conformance.check_recipe(from_formula("relu(x)", [(0.5,)]), [half], order=1)
    assert verdicts(away) == {"agree"}


def test_special_differences_list_the_minority_with_the_exact_and_the_majority():
    toy = engine("toygrad")
    half = planted(toy, "relu", lambda x: (x + apply("abs", x)) * 0.5, "half")
    points = [p for p in SPECIAL if p.formula == "relu(x)"]
    run = conformance.Run()
    for p in points:
        run.special += [dict(r, formula=p.formula, at=p.at, what=p.what, op=p.op)
                        for r in conformance.check_recipe(p.recipe, [toy, toy, half], answers=True)]
    diffs = conformance.differences(run.special)
    assert {(d["engine"], d["at"], d["verdict"], d["got"], d["majority"]) for d in diffs} == {
        ("half", "x=0.0", "convention", 0.5, 0.0), ("half", "x=-0.0", "convention", 0.5, 0.0)}


# ---------------------------------------------------------------- the command


def test_engines_command_prints_the_tables_and_exits_zero(capsys, tmp_path):
    path = tmp_path / "e.json"
    args = ["engines", "--engine", "toygrad,micrograd", "--n", "2", "--depth", "1..2", "--workers", "1",
            "--json", str(path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    for title in ("Random sweep", "Agreement by op, first order", "Agreement by op, second order",
                  "Special points where an engine differs", "the line that reruns each"):
        assert title in out
    assert "n/s" in out  # micrograd lacks most ops
    data = json.loads(path.read_text())
    assert {"summary", "by_op_order_1", "by_op_order_2", "special_summary", "special_differences"} <= set(data)
    assert {r["engine"] for r in data["summary"]} == {"toygrad", "micrograd"}
    lines = out.splitlines()
    first = [k for k, line in enumerate(lines) if line.strip().startswith("#1:")][0]
    assert lines[first + 1].strip().startswith("python -m compare engines") and "--at" in lines[first + 1]


def test_the_schema_knows_the_engine_verdicts_from_the_one_list():
    from compare.engines.judge import VERDICTS
    from compare.schema import load

    assert load()["$defs"]["engine_verdict"]["enum"] == list(VERDICTS)


def test_engines_strict_exits_one_on_a_wrong_value(monkeypatch, capsys):
    toy = engine("toygrad")
    mutant = planted(toy, "sin", _wrong_sin("toygrad"))
    monkeypatch.setattr(conformance, "load_engines", lambda names: ([mutant], {}))
    args = ["engines", "sin(x) * y", "--at", "x=0.5,y=2", "--engine", "toygrad"]
    assert main(args) == 0
    assert "disagree" in capsys.readouterr().out
    assert main([*args, "--strict"]) == 1


def test_an_engine_that_is_not_installed_is_skipped_with_how_to_install_it(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a))
    assert main(["engines", "relu(x)", "--at", "x=0", "--engine", "toygrad,jax"]) == 0
    out = capsys.readouterr().out
    assert "skipped: jax is not installed (pip install jax jaxlib" in out


@pytest.mark.parametrize("args, message", [
    (["--engine", "tensorflow"], "unknown engine tensorflow"),
    (["relu(x)"], "give the point with --at"),
    (["relu(x)", "--at", "y=1"], "--at gives no value for x"),
    (["--at", "x=1"], "--at goes with a formula or --id"),
    (["2 * 3", "--at", "x=1"], "the formula does not work here"),
])
def test_engines_misuse_is_one_line_and_exit_two(capsys, args, message):
    assert main(["engines", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
