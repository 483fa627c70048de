"""symbolic's two backends (SymPy, SymEngine) and its certified ball evaluation.

Oracles: the engine's forward values (for each row's translation), SymPy's
50-digit evalf (for the balls), the other backend (for derivatives), and
hand-computed values at kinks and for pi and e.
"""

import math
import subprocess
import sys

import pytest
import sympy as sp

from compare.generate import generate
from symbolic import (
    Ball,
    BackendUnavailable,
    Program,
    SymbolicDomainError,
    backend,
    gradient,
    hessian,
    missing,
    parse,
    to_sympy,
)
from toygrad import OPS, Value, apply

pytestmark = pytest.mark.skipif(bool(missing()), reason=f"needs symengine and python-flint: {missing()}")

BACKENDS = ("sympy", "symengine")
MODES = ("tree", "dag")
KINK_ROWS = [op for op in OPS.values() if op.kinks]

# one ordinary argument list per row (n-ary rows: 4 arguments), inside each domain
SAMPLE_ARGS = {
    "add": (0.7, -1.3), "sub": (0.7, -1.3), "mul": (0.7, -1.3), "div": (0.7, -1.3), "pow": (1.7, -1.3),
    "neg": (0.7,), "exp": (0.7,), "log": (0.7,), "sin": (0.7,), "cos": (0.7,), "tan": (0.7,), "tanh": (0.7,),
    "sigmoid": (-0.7,), "relu": (0.7,), "sqrt": (0.7,), "abs": (-0.7,),
    "sum": (0.7, -1.3, 2.1, 0.4), "dot": (0.7, -1.3, 2.1, 0.4), "relu_dot": (0.7, 1.3, 2.1, 0.4),
}


def _variables(values):
    return [Value(v, label=f"v{i}") for i, v in enumerate(values)]


def _point(xs):
    return {f"v{i}": x.data for i, x in enumerate(xs)}


def test_every_row_has_sample_arguments():
    assert set(SAMPLE_ARGS) == set(OPS)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_every_row_translates_on_both_backends_and_its_ball_holds_the_engine_value(name, backend_name):
    xs = _variables(SAMPLE_ARGS[name])
    out = apply(name, *xs)
    ball = Program.from_graph(out, backend=backend(backend_name)).balls(_point(xs))[0]
    assert ball.certified and abs(ball.mid - out.data) <= 4 * math.ulp(out.data), (ball, out.data)


def test_pow_with_a_constant_exponent_on_a_negative_base_on_both_backends():
    x = Value(-1.5, label="x")
    f = x ** 3.0
    for b in BACKENDS:
        g = gradient(f, backend=b).balls({"x": -1.5})[0]
        assert g.certified and g.mid == 3 * 1.5 ** 2


@pytest.mark.parametrize("op", KINK_ROWS, ids=lambda op: op.name)
@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_kink_rows_follow_the_engine_convention_at_the_kink_on_both_backends(op, backend_name, mode):
    # the kink point itself: slope 0, second derivatives 0 (the engine's convention, as in PyTorch)
    values = (0.0,) if op.arity == 1 else (0.5, 2.0, 0.0, 0.0)
    xs = _variables(values)
    f = apply(op, *xs)
    slope = op.kinks[0].slope
    for b in gradient(f, mode=mode, backend=backend_name).balls(_point(xs)):
        assert b.certified and b.mid == slope and b.rad == 0.0
    for b in hessian(f, mode=mode, backend=backend_name).balls(_point(xs)):
        assert b.certified and b.mid == 0.0


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_relu_of_abs_nested_max_differentiates_on_both_backends(backend_name, mode):
    x = Value(0.0, label="x")
    f = x.abs().relu()
    assert to_sympy(f) == sp.Max(0, sp.Symbol("x", real=True), -sp.Symbol("x", real=True))  # SymPy flattens it
    g = gradient(f, mode=mode, backend=backend_name)
    h = hessian(f, mode=mode, backend=backend_name)
    for at, slope in ((0.0, 0.0), (-2.0, -1.0), (3.0, 1.0)):
        assert [b.mid for b in g.balls({"x": at})] == [slope]
        assert [b.mid for b in h.balls({"x": at})] == [0.0]


def _sweep():
    """A few dozen random functions, depth 1 to 6, from the harness's generator."""
    return [generate(seed=7, depth=d, index=i) for d in range(1, 7) for i in range(5)]


SWEEP = _sweep()


@pytest.mark.parametrize("fn", SWEEP, ids=lambda fn: fn.id)
def test_backends_give_the_same_gradient_to_within_the_ball_and_balls_hold_sympy_evalf(fn):
    point = fn.points[0]
    f = fn.build(point)
    at = dict(zip(fn.variables, point))
    reference = gradient(f, mode="dag", backend="sympy")
    fast = gradient(f, mode="dag", backend="symengine")
    exact = reference.evaluate(at, 330)  # SymPy's evalf at 330 digits: cos(1e39) needs more than 50
    ref_balls, fast_balls = reference.balls(at), fast.balls(at)
    for e, r, q in zip(exact, ref_balls, fast_balls):
        assert r.certified and q.certified, (r, q)
        assert r.arb.overlaps(q.arb), (r, q)
        assert r.contains(e) and q.contains(e), (e, r, q)
        assert abs(float(e) - q.mid) <= 2 * q.rad + 1e-300


@pytest.mark.parametrize("fn", SWEEP[:12], ids=lambda fn: fn.id)
def test_tree_mode_and_hessians_agree_across_backends_on_small_functions(fn):
    point = fn.points[0]
    f = fn.build(point)
    at = dict(zip(fn.variables, point))
    for derive in (lambda b: gradient(f, mode="tree", backend=b), lambda b: hessian(f, mode="dag", backend=b)):
        ref, fast = derive("sympy").balls(at), derive("symengine").balls(at)
        for r, q in zip(ref, fast):
            assert r.certified and q.certified and r.arb.overlaps(q.arb), (r, q)


def test_ball_decides_a_kink_by_exact_arithmetic_when_the_ball_straddles_it():
    # x*y*z needs 159 bits: at 128 the two products are inexact balls, their difference straddles 0
    x, y, z, u = Value(1.1, label="x"), Value(1.3, label="y"), Value(1.7, label="z"), Value(0.0, label="u")
    f = (x * y * z - z * y * x + u).relu()  # exactly at the kink; d/du is relu'(0) = 0, else 1
    at = {"x": 1.1, "y": 1.3, "z": 1.7, "u": 0.0}
    for b in BACKENDS:
        balls = gradient(f, backend=b).balls(at)
        assert [ball.mid for ball in balls] == [0.0, 0.0, 0.0, 0.0]
        assert all(ball.certified for ball in balls)
        assert "a kink decided by exact rational arithmetic" in balls[0].notes


def test_ball_reports_an_undecidable_kink_instead_of_pretending():
    # sin(x)**2 + cos(x)**2 - 1 is exactly 0, but no ball can show it and it is not rational
    x = Value(0.3, label="x")
    f = (x.sin() * x.sin() + x.cos() * x.cos() - 1.0).relu()
    ball = gradient(f, backend="symengine").balls({"x": 0.3}, max_prec=512)[0]
    assert not ball.certified and ball.at_kink and ball.status == "kink"
    assert "straddles the kink" in ball.reason and math.isnan(ball.mid)


def test_ball_widening_stops_at_the_stated_precision_limit_and_says_so():
    x = Value(1.0, label="x")
    ball = Program.from_graph(x.exp()).balls({"x": 1.0}, rel_bits=400, max_prec=256)[0]
    assert not ball.certified and ball.status == "undecided" and "256 bits" in ball.reason
    assert ball.contains(sp.E.evalf(60))


def test_ball_raises_precision_until_the_requested_radius():
    x = Value(1.0, label="x")
    ball = Program.from_graph(x.exp()).balls({"x": 1.0}, radius=1e-100, rel_bits=None)[0]
    assert ball.certified and ball.prec == 512 and float(ball.arb.rad()) <= 1e-100


def test_ball_evaluation_out_of_the_domain_is_a_domain_error():
    x = Value(1.0, label="x")
    with pytest.raises(SymbolicDomainError, match="log"):
        Program.from_graph(x.log()).balls({"x": -1.0})
    with pytest.raises(SymbolicDomainError):
        Program.from_graph(1.0 / x).balls({"x": 0.0})


def test_ball_falls_back_to_evalf_for_an_unknown_node_and_says_so():
    x = sp.Symbol("x", real=True)
    ball = Program((x,), (), (sp.erf(x),)).balls({"x": 0.5})[0]
    assert not ball.certified and "evalf fallback for erf" in ball.notes and "evalf" in ball.reason
    assert abs(ball.mid - math.erf(0.5)) < 1e-15


def test_ball_contains_the_exact_value_and_not_a_neighbour():
    ball = Ball(1.0, 2.0 ** -60, True, 128)
    assert ball.contains(1.0) and ball.contains(sp.Rational(1) + sp.Rational(1, 2 ** 61))
    assert not ball.contains(1.0 + 2 ** -52)


# ----------------------------------------------------------------- pi and e


def test_pi_and_e_are_exact_constants_on_both_backends():
    formula = parse("pi * x + e ** x")
    assert formula.variables == ("x",)
    f, named = formula.build_named({"x": 0.5})
    assert f.data == math.pi * 0.5 + math.e ** 0.5
    x = sp.Symbol("x", real=True)
    assert to_sympy(f, constants=named) == sp.pi * x + sp.E ** x
    assert gradient(f, mode="tree", constants=named).outputs[0] == sp.pi + sp.exp(x)
    exact = sp.pi + sp.exp(sp.Rational(1, 2))
    for b in BACKENDS:
        ball = gradient(f, backend=b, constants=named).balls({"x": 0.5}, rel_bits=200)[0]
        assert ball.certified and ball.contains(exact.evalf(80)) and float(ball.arb.rad()) < 1e-55


def test_pi_without_its_name_is_the_float_rational():
    f = parse("pi * x").build({"x": 1.0})
    assert to_sympy(f).args[0] == sp.Rational(*math.pi.as_integer_ratio())


def test_pi_cannot_be_called_and_e_is_not_a_variable():
    assert parse("e").variables == () and parse("e").build({}).data == math.e
    with pytest.raises(ValueError, match="unknown function 'pi'"):
        parse("pi(x)")


# ------------------------------------------------------------- notebooks


def test_program_and_derivative_show_as_latex():
    x = Value(2.0, label="x")
    for b in BACKENDS:
        latex = gradient((x * x).sin(), mode="tree", backend=b)._repr_latex_()
        assert latex.startswith("$\\begin{aligned}") and "\\cos" in latex and latex.endswith("$")
    assert "t_{0}" in Program.from_graph(x.exp() + x)._repr_latex_()


# ---------------------------------------------------- missing dependencies


def _run_without(module: str, code: str) -> str:
    prelude = f"import sys; sys.modules[{module!r}] = None\n"  # makes `import module` raise ImportError
    done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_without_symengine_the_toolkit_says_so_and_uses_sympy():
    out = _run_without("symengine", """
import symbolic
from toygrad import Value
print(sorted(symbolic.missing()), symbolic.missing()["symengine"])
print(symbolic.backend("symengine"), symbolic.DEFAULT_BACKEND)
x = Value(0.0, label="x")
print(symbolic.gradient(x.abs().relu() + x.sin(), backend="symengine").balls({"x": 0.0})[0].mid)
try:
    symbolic.backend("symengine", strict=True)
except symbolic.BackendUnavailable as error:
    print("strict:", error)
""")
    lines = out.splitlines()
    assert lines[0].startswith("['symengine'] symengine cannot be imported") and "fall back to the sympy" in lines[0]
    assert lines[1] == "<backend sympy> sympy" and lines[2] == "1.0" and lines[3].startswith("strict: symengine")


def test_without_python_flint_balls_fall_back_to_evalf_and_are_not_certified():
    out = _run_without("flint", """
import symbolic
from toygrad import Value
x = Value(0.5, label="x")
b = symbolic.gradient(x.sin(), backend="symengine").balls({"x": 0.5})[0]
print(sorted(symbolic.missing()), b.certified, b.mid, b.reason)
""")
    assert out.startswith(f"['python-flint'] False {math.cos(0.5)!r} flint cannot be imported")


def test_asking_for_an_unknown_backend_names_it():
    with pytest.raises(ValueError, match="unknown symbolic backend 'maple'"):
        backend("maple")
    assert BackendUnavailable.__mro__[1] is ImportError


def test_compiled_gradient_is_the_same_on_both_backends_for_floats_and_arrays():
    numpy = pytest.importorskip("numpy")
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    f = (x * y).sin() + x.relu() * y
    xs, ys = numpy.array([0.5, -0.5, 0.0]), numpy.array([2.0, 2.0, 3.0])
    reference = gradient(f).compile("numpy")(xs, ys)
    for b in BACKENDS:
        assert gradient(f, backend=b).compile()(-0.5, 2.0) == gradient(f).compile()(-0.5, 2.0)
        got = gradient(f, backend=b).compile("numpy")(xs, ys)
        assert all(numpy.array_equal(g, r) for g, r in zip(got, reference)), (got, reference)


def test_an_exact_zero_reached_through_cancellation_is_certified_as_zero_with_a_true_radius():
    # exp(x) - exp(x) from two graph nodes: the ball is [0 +/- r], never narrow relative to its midpoint;
    # it is certified once both ends round to 0.0 (about 1100 bits), and its radius is not underflowed to 0
    x = Value(0.3, label="x")
    f = x.exp() - x.exp()
    cheap = Program.from_graph(f).balls({"x": 0.3}, max_prec=512)[0]
    assert not cheap.certified and cheap.contains(0)
    ball = Program.from_graph(f).balls({"x": 0.3})[0]
    assert ball.certified and ball.prec == 2048 and ball.mid == 0.0 and 0.0 < ball.rad < 1e-300
    assert Program.from_graph(f).balls({"x": 0.3}, radius=1e-20)[0].prec == 128  # an absolute target stops early


def test_an_integer_power_of_a_ball_around_zero_stays_finite():
    # sin(x) - relu(sin(x)) is exactly 0 here but its ball straddles 0; arb's own power gives nan for it
    x = Value(1.985, label="x")
    u = x.sin() - x.sin().relu()
    ball = hessian(u.tanh() * 3.0, backend="symengine").balls({"x": 1.985}, radius=1e-19)[0]
    assert ball.certified and ball.contains(0)
