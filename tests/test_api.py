"""The public library: compare.check, compare.assert_gradients_agree, the pytest plugin, and the layout."""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import sympy as sp

import compare
from compare.selftest import _patched_op
from toygrad import OPS, Value

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sin_off_by_a_millionth():
    """sin's derivative rule wrong by one part in a million, for the duration of a test."""
    op = OPS["sin"]
    rule = op.rules[0]
    with _patched_op(op, rules=(lambda g, out, x: rule(g, out, x) * (1 + 1e-6),)):
        yield


# ------------------------------------------------------------------ what can be checked


def test_check_a_callable_by_position_names_variables_after_its_parameters():
    r = compare.check(lambda x, y: (x * y).sin() + x.exp(), at=(0.3, 2.0))
    assert r.ok and bool(r) and r.variables == ("x", "y")
    (p,) = r.points
    assert p.point == {"x": 0.3, "y": 2.0} and p.verdict == "agree"
    dx, dy = p.partials
    assert (dx.name, dy.name) == ("x", "y")
    assert dx.exact == pytest.approx(2.0 * math.cos(0.6) + math.exp(0.3), rel=1e-15)
    assert dy.exact == pytest.approx(0.3 * math.cos(0.6), rel=1e-15)
    assert dx.gap <= dx.tolerance and dx.fd == pytest.approx(dx.exact, rel=1e-8)


def test_check_a_callable_with_keyword_only_parameters_passes_them_by_keyword():
    def f(a, *, b):
        return a * b.exp()

    r = compare.check(f, at={"a": 2.0, "b": 0.0})
    assert r.ok and r.variables == ("a", "b")
    assert [q.exact for q in r.points[0].partials] == [1.0, 2.0]


def test_check_a_callable_of_unlabelled_arguments_names_them_x0_x1():
    r = compare.check(lambda *xs: xs[0] * xs[1] * xs[2], at=(2.0, 3.0, 5.0))
    assert r.ok and r.variables == ("x0", "x1", "x2")
    assert [q.exact for q in r.points[0].partials] == [15.0, 10.0, 6.0]


def test_check_a_formula_a_sympy_expression_and_a_graph_give_the_same_exact_gradient():
    x, y = sp.symbols("x y", real=True)
    gx, gy = Value(0.7, label="x"), Value(-1.2, label="y")
    graph = (gx * gy).tanh() + gx.sin()
    results = [
        compare.check("tanh(x * y) + sin(x)", at={"x": 0.7, "y": -1.2}),
        compare.check(sp.tanh(x * y) + sp.sin(x), at={"x": 0.7, "y": -1.2}),
        compare.check(graph, at={"x": 0.7, "y": -1.2}),
    ]
    assert all(r.ok for r in results)
    exact = [[q.exact for q in r.points[0].partials] for r in results]
    assert exact[0] == exact[1] == exact[2]


def test_check_a_graph_of_unlabelled_values_names_them_as_formula_does():
    a, b = Value(3.0), Value(4.0)
    r = compare.check(a * b + a, at=(3.0, 4.0))
    assert r.variables == ("x0", "x1") and r.ok
    assert [q.exact for q in r.points[0].partials] == [5.0, 3.0]


def test_values_a_function_closes_over_are_held_fixed():
    w = Value(2.0)  # a weight of the user's model
    r = compare.check(lambda x: (w * x).sin(), at=0.5)
    assert r.ok and r.variables == ("x",)
    assert r.points[0].partials[0].exact == pytest.approx(2.0 * math.cos(1.0), rel=1e-15)


def test_check_a_random_function_needs_no_points_attribute_from_other_subjects():
    class Mine:
        id = "mine"
        variables = ("u",)
        formula = "u*u"

        def build(self, point):
            u = point["u"] if isinstance(point["u"], Value) else Value(point["u"], label="u")
            return u * u

    assert compare.check(Mine(), at=3.0).points[0].partials[0].exact == 6.0


def test_check_at_several_points_in_every_shape():
    f = lambda x, y: x * y.sin()  # noqa: E731
    as_tuples = compare.check(f, at=[(1.0, 0.5), (2.0, -0.5), (-1.0, 3.0)])
    as_dicts = compare.check(f, at=[{"x": 1.0, "y": 0.5}, {"y": -0.5, "x": 2.0}, {"x": -1.0, "y": 3.0}])
    assert len(as_tuples.points) == 3 and as_tuples.ok
    assert [p.point for p in as_tuples.points] == [p.point for p in as_dicts.points]
    one_variable = compare.check(lambda t: t.exp(), at=[0.0, 1.0, 2.0])
    assert [p.partials[0].exact for p in one_variable.points] == pytest.approx([1.0, math.e, math.e**2], rel=1e-15)


def test_a_function_that_branches_on_its_values_is_derived_at_each_point():
    def piecewise(x):
        return x * x if x.data > 0 else x.sin()

    r = compare.check(piecewise, at=[1.5, -0.5])
    assert r.ok
    assert [p.partials[0].exact for p in r.points] == pytest.approx([3.0, math.cos(-0.5)], rel=1e-15)


def test_order_two_checks_the_hessian_too():
    r = compare.check("x**3 * y", at=(2.0, 5.0), order=2)
    p = r.points[0]
    assert r.ok and p.hessian_verdict == "agree"
    assert {q.name: q.exact for q in p.hessian} == {"x,x": 60.0, "x,y": 12.0, "y,x": 12.0, "y,y": 0.0}


def test_bad_arguments_are_value_or_type_errors_that_name_the_problem():
    with pytest.raises(ValueError, match="missing y"):
        compare.check(lambda x, y: x * y, at={"x": 1.0})
    with pytest.raises(ValueError, match="2 numbers but there are 3 variables"):
        compare.check("x*y*z", at=(1.0, 2.0))
    with pytest.raises(ValueError, match="the value of x must be finite"):
        compare.check("sin(x)", at=math.nan)
    with pytest.raises(ValueError, match="order must be 1"):
        compare.check("sin(x)", at=1.0, order=3)
    with pytest.raises(TypeError, match="must return a toygrad Value"):
        compare.check(lambda x: 3.0, at=1.0)
    with pytest.raises(TypeError, match="cannot check int"):
        compare.check(3, at=1.0)
    with pytest.raises(ValueError, match="safety must be a positive number"):
        compare.check("sin(x)", at=1.0, safety=-1)


def test_a_point_outside_the_domain_fails_with_its_reason():
    r = compare.check("log(x)", at=[2.0, -1.0])
    assert not r.ok and r.verdicts == ["agree", "out-of-domain"]
    assert "log" in r.points[1].reason


def test_the_safety_keyword_sets_the_tolerance():
    f = lambda x, y: (x * y).sin() + x.exp()  # noqa: E731  (AD is 1 ulp off the exact d/dx here)
    wide = compare.check(f, at=(0.3, 2.0))
    narrow = compare.check(f, at=(0.3, 2.0), safety=1e-3)
    assert wide.ok and not narrow.ok
    assert narrow.points[0].partials[0].tolerance == pytest.approx(wide.points[0].partials[0].tolerance / 16000)


def test_result_repr_and_to_dict_are_readable_and_plain_data():
    r = compare.check("x * exp(y)", at=[(1.0, 0.0), (2.0, 1.0)])
    text = repr(r)
    assert text.startswith("<compare.Result ok: x * exp(y) at 2 points (agree 2)")
    assert "at x=1.0, y=0.0: agree" in text and "d/dy: AD 1.0, exact 1.0" in text
    data = json.loads(json.dumps(r.to_dict()))
    assert data["ok"] is True and data["variables"] == ["x", "y"]
    assert data["points"][1]["partials"][0]["exact"] == pytest.approx(math.e)
    assert data["points"][0]["ground_truth"] in ("tree", "dag")
    assert set(data["points"][0]["times"]) >= {"ad", "exact", "fd"}


# ------------------------------------------------------------------ assert_gradients_agree


def test_assert_gradients_agree_passes_silently_on_a_correct_engine():
    assert compare.assert_gradients_agree(lambda x, y: (x * y).sin() + x.exp(), at=(0.3, 2.0), order=2) is None


def test_assertion_message_names_the_partial_the_point_the_three_values_and_the_gap(sin_off_by_a_millionth):
    with pytest.raises(AssertionError) as info:
        compare.assert_gradients_agree(lambda x, y: (x * y).sin() + x.exp(), at=(0.3, 2.0))
    message = str(info.value)
    r = compare.check(lambda x, y: (x * y).sin() + x.exp(), at=(0.3, 2.0))
    dx = r.points[0].partials[0]
    assert "at x=0.3, y=2.0: disagree" in message
    assert f"d/dx: AD {dx.ad!r}, exact {dx.exact!r}, finite difference {dx.fd!r}" in message
    assert f"|AD - exact| = {dx.gap:.3g}" in message and dx.gap > 1e-7


def test_assertion_with_order_two_names_the_wrong_second_derivative(sin_off_by_a_millionth):
    with pytest.raises(AssertionError, match=r"Hessian disagree(.|\n)*d2/dx dx: AD"):
        compare.assert_gradients_agree("sin(x) * y", at=(0.3, 2.0), order=2)


# ------------------------------------------------------------------ the pytest plugin


def test_the_package_declares_the_pytest_plugin_entry_point():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["pytest11"] == {"compare": "compare.pytest_plugin"}


def test_the_plugin_fixture_checks_a_users_function_at_hypothesis_points(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent("""
        from hypothesis import given, settings
        from compare.strategies import points
        from compare.selftest import _patched_op
        from toygrad import OPS

        def swish(x):
            return x * x.sigmoid()

        @settings(max_examples=5, deadline=None)
        @given(point=points(swish))
        def test_swish(gradcheck, point):
            gradcheck(swish, at=point, order=2)

        def test_planted_bug_is_reported(gradcheck):
            op = OPS["sigmoid"]
            rule = op.rules[0]
            with _patched_op(op, rules=(lambda g, out, x: rule(g, out, x) * 1.001,)):
                gradcheck(swish, at={"x": 0.5})

        def test_check_returns_the_result(gradcheck):
            assert gradcheck.check("x * y", at=(2.0, 3.0)).ok
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "compare.pytest_plugin", "-p", "hypothesis.extra.pytestplugin",
         "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    out = run.stdout
    assert "1 failed, 2 passed" in out, out[-3000:]
    assert "test_planted_bug_is_reported" in out and "gradients of swish(x) fail at 1 of 1 point" in out
    assert "at x=0.5: disagree" in out and "d/dx: AD" in out and "finite difference" in out


# ------------------------------------------------------------------ library, not commands


def test_the_library_never_prints(capsys):
    from compare import training
    from compare.sweep import make_tasks, run_sweep

    compare.check(lambda x, y: (x * y).sin() + x.exp(), at=[(0.3, 2.0), (1.0, 1.0)], order=2)
    run_sweep(make_tasks(seed=0, depths=[1, 2], n=1))
    training.train("moons", hidden=(3,), steps=2, points=10)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")


def test_the_library_never_imports_the_command_line():
    code = ("import sys, compare; compare.check(lambda x, y: (x * y).sin() + x.exp(), at=(0.3, 2.0)); "
            "import compare.sweep, compare.training, compare.swell, compare.selftest, compare.second_order, compare.bench; "
            "print(sorted(m for m in sys.modules if m.startswith('compare.cli') or m == 'tabulate'))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def _modules(package: str) -> dict[str, Path]:
    base = ROOT / package
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in base.rglob("*.py")
    }


def test_the_command_line_package_loads_nothing_heavy_before_it_is_used():
    code = "import sys, compare.cli.bench; print(sorted(m for m in ('sympy', 'compare.api') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "[]", run.stderr


def test_no_module_of_compare_is_over_400_lines():
    long = {name: n for name, path in _modules("compare").items() if (n := len(path.read_text().splitlines())) > 400}
    assert not long


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of the same package that ``name`` imports (anywhere in the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known] or [base]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in known and t != name and not name.startswith(t + ".")}
    return out


def test_compare_has_no_import_circle():
    modules = _modules("compare")
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import circle: " + " -> ".join(trail[trail.index(nxt):] + [node, nxt]))
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert graph["compare.api"] >= {"compare.three_way", "compare.subjects"}  # the walk sees real edges
