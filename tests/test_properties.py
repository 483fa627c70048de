"""Properties over random composite functions, drawn with compare.strategies (the shared generator)."""

import pytest
from hypothesis import given

import symbolic
from compare.three_way import check_function
from compare.second_order import check_hessian
from compare.strategies import function_points, functions, op_arguments
from toygrad import OPS, Value, apply, grad, jvp, variables
from toygrad import hessian as toygrad_hessian


@given(functions(max_depth=5))
def test_ad_gradient_equals_exact_symbolic_gradient_within_policy(f):
    for c in check_function(f):
        assert c.verdict == "agree", (f.id, c.point, c.reason)
        assert all(abs(a - e) <= t for a, e, t in zip(c.ad, c.exact, c.tolerance))


@given(functions(max_depth=5))
def test_finite_differences_are_close_where_the_function_is_smooth(f):
    for c in check_function(f):
        assert c.verdict == "agree"  # the point is smooth: no kink in the step, inside the domain
        assert c.error_fd <= 1e-3, (f.id, c.point, c.error_fd)  # relative to the gradient's scale


@given(function_points(max_depth=6))
def test_to_sympy_value_equals_engine_forward_value(fp):
    f, point = fp
    g = f.build(point)
    exact = symbolic.to_sympy(g).evalf(40, subs={s: symbolic.exact(v.data) for v, s in symbolic.symbols_of(g).items()})
    assert float(exact) == pytest.approx(g.data, rel=1e-12, abs=1e-12)


@given(functions(max_depth=4))
def test_hessian_is_symmetric_and_equals_exact_symbolic_hessian(f):
    for row in check_hessian(f):
        assert row["verdict"] == "agree", (f.id, row["point"], row["reason"])
        h, tol = row["ad"], row["tolerance"]
        n = len(h)
        for i in range(n):
            for j in range(n):
                assert abs(h[i][j] - h[j][i]) <= tol[i][j] + tol[j][i]


@given(function_points(max_depth=5))
def test_jvp_equals_gradient_dotted_with_tangent(fp):
    f, point = fp
    g = f.build(point)
    wrt = variables(g)
    tangent = [0.5 - i for i in range(len(wrt))]
    names = [v.label for v in wrt]
    full = dict(zip(f.variables, point))

    def fn(*vs):
        return f.build({**full, **dict(zip(names, vs))})

    value, directional = jvp(fn, [v.data for v in wrt], tangent)
    gradient = grad(g, wrt)
    expected = sum(gi * ti for gi, ti in zip(gradient, tangent))
    scale = sum(abs(gi * ti) for gi, ti in zip(gradient, tangent)) + 1e-300
    assert value == g.data
    assert abs(directional - expected) <= 1e-12 * scale


@pytest.mark.parametrize("op", list(OPS.values()), ids=list(OPS))
def test_each_ops_second_derivative_equals_sympys(op):
    """toygrad's Hessian of every row (reverse over reverse on its own rules) against SymPy's exact one."""

    @given(op_arguments(op, nary=1))
    def check(xs):
        vs = [Value(x, label=f"a{i}") for i, x in enumerate(xs)]
        out = apply(op, *vs)
        ad = toygrad_hessian(out, vs)
        program = symbolic.hessian(out, vs, mode="tree")
        exact = [float(v) for v in program.evaluate({v.label: v.data for v in vs})]
        scale = max([abs(e) for e in exact] + [1.0])
        for got, want in zip([h for row in ad for h in row], exact):
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12 * scale)

    check()
