"""symbolic: the same graph as a SymPy expression, differentiated by SymPy in tree and DAG mode.

The oracles are independent of the code under test where possible: the engine's
forward values (for the translation), toygrad's reverse mode (for gradients and
Hessians), polynomials written out by hand (Baydin et al. 2018, Table 1) and
exact rationals computed by hand.
"""

import itertools
import math
import sys

import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import toygrad
from compare.generate import generate
from compare.strategies import op_arguments
from symbolic import (
    EXACT_DIGITS,
    MODES,
    Program,
    SymbolicDomainError,
    SymbolicLimitError,
    at_kinks,
    exact,
    from_sympy,
    gradient,
    graph_depth,
    hessian,
    parse,
    symbols_of,
    to_sympy,
)
from toygrad import OPS, Value, apply
from toygrad.ops import EVERYWHERE_TEXT

EPS = sys.float_info.epsilon
TINY = 5e-324  # the smallest subnormal: the error floor of a result that underflows

ROWS = list(OPS.values())
KINK_ROWS = [op for op in ROWS if op.kinks]
ids = [op.name for op in ROWS]

X, Y, Z = sp.symbols("x y z", real=True)


def real(name):
    return sp.Symbol(name, real=True)


def assert_close_to_exact(floats, exacts, rel=1e-9):
    """Float results against exact ones: ``|f - e| <= rel * (1 + |e|)`` component by component.

    Over 4500 random (function, point) pairs the worst gap between toygrad and the
    exact gradient is below 3e-13 of this scale; a rule off by one part in a
    million is far outside it.
    """
    assert len(floats) == len(exacts)
    for i, (f, e) in enumerate(zip(floats, exacts)):
        e = float(e)
        assert abs(f - e) <= rel * (1.0 + abs(e)), (i, f, e)


EXACT_AGREEMENT = sp.Float(10) ** -30


def assert_exactly_equal(a, b):
    """Two exact (50-digit) evaluations agree far beyond a double's precision."""
    assert len(a) == len(b)
    for i, (u, v) in enumerate(zip(a, b)):
        assert abs(u - v) <= EXACT_AGREEMENT * (1 + abs(v)), (i, u, v)


# ===================================================================== to_sympy


def test_variables_become_real_symbols_named_by_their_label():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    e = to_sympy(x * y.sin())
    assert e == X * sp.sin(Y)
    assert all(s.is_real for s in e.free_symbols)
    assert e != sp.Symbol("x") * sp.sin(sp.Symbol("y"))  # not the plain (complex) symbols


def test_unlabelled_variables_are_numbered_in_topological_order_skipping_taken_labels():
    a, b, c = Value(1.0), Value(2.0, label="x1"), Value(3.0)
    assert {v: s.name for v, s in symbols_of(a * b + c).items()} == {a: "x0", b: "x1", c: "x2"}
    assert {v: s.name for v, s in symbols_of(c * b + a).items()} == {c: "x0", b: "x1", a: "x2"}
    assert to_sympy(a - c) == real("x0") - real("x1")
    assert to_sympy(c - a) == real("x0") - real("x1")  # c is met first here


def test_the_same_graph_always_gets_the_same_names():
    a, b = Value(1.0), Value(2.0)
    f = (a * b).exp() + b
    assert str(to_sympy(f)) == str(to_sympy(f)) == "x1 + exp(x0*x1)"


def test_float_constants_become_the_exact_rational_of_their_binary_value():
    x = Value(0.5, label="x")
    assert to_sympy(x * 0.1) == sp.Rational(3602879701896397, 36028797018963968) * X
    assert to_sympy(x + 0.5) == X + sp.Rational(1, 2)
    assert to_sympy(x * 3.0) == 3 * X
    assert exact(0.1) == sp.Rational(3602879701896397, 36028797018963968)
    assert exact(-2.0) == sp.Integer(-2) and isinstance(exact(-2.0), sp.Integer)
    assert exact(0.1) != sp.Rational(1, 10)


def test_symbols_argument_chooses_the_names():
    x = Value(1.0, label="x")
    assert to_sympy(x.exp(), symbols={x: real("u")}) == sp.exp(real("u"))


def test_a_reused_argument_is_one_symbol():
    x = Value(1.5, label="x")
    assert to_sympy(x * x) == X**2  # mul has two arguments, both x


@pytest.mark.parametrize("op", ROWS, ids=ids)
@given(data=st.data())
def test_each_op_translates_to_the_engines_forward_value(op, data):
    """The row's SymPy translation, evaluated exactly at the float inputs, is the engine's
    forward value within a few ulps (scaled by the op's condition: the n-ary rows round
    once per term)."""
    xs = data.draw(op_arguments(op))
    g = apply(op, *[Value(v) for v in xs])
    e = to_sympy(g)
    assert e.free_symbols == {real(f"x{i}") for i in range(len(xs))}
    subs = {real(f"x{i}"): exact(v) for i, v in enumerate(xs)}
    value = e.evalf(40, subs=subs)
    scale = abs(value) + sum(abs(v * sp.diff(e, s).evalf(40, subs=subs)) for s, v in subs.items())
    assert abs(sp.Float(g.data, 40) - value) <= 2 * EPS * scale + TINY, (xs, g.data, value)


def _sin_mul_chain(n_steps, x):
    v = x
    for _ in range(n_steps):
        v = (v * 0.9).sin()  # mul then sin: SymPy can flatten neither into the other
    return v


def test_a_graph_100000_deep_converts_without_recursion_error():
    x = Value(0.3, label="x")
    v = _sin_mul_chain(50_000, x)
    assert graph_depth(v) == 100_000
    e = to_sympy(v)
    sines = 0
    while e != X:  # walk down iteratively: every level is there, in order
        assert e.func is sp.sin, e.func
        sines += 1
        (inner,) = e.args
        assert inner.is_Mul
        e = next(a for a in inner.args if not a.is_Number)
    assert sines == 50_000


def test_graph_depth_counts_ops_on_the_longest_path():
    x, y = Value(1.0), Value(2.0)
    assert graph_depth(x) == 0
    assert graph_depth(x + 1) == 1
    assert graph_depth((x * y).sin() + x) == 3


def test_duplicate_labels_are_an_error():
    with pytest.raises(ValueError, match="'x'"):
        to_sympy(Value(1.0, label="x") + Value(2.0, label="x"))


def test_to_sympy_needs_a_value():
    with pytest.raises(TypeError, match="toygrad Value"):
        to_sympy(2.0)


# =================================================================== from_sympy


def test_from_sympy_builds_a_graph_over_the_op_table():
    g = from_sympy(sp.sin(X) * X**2 + sp.exp(Y), {"x": 2.0, "y": -1.0})
    assert g.data == pytest.approx(math.sin(2.0) * 4.0 + math.exp(-1.0), rel=1e-15)
    assert all(n.op.name in OPS for n in toygrad.topological(g) if n.op is not None)


def test_env_may_name_symbols_by_symbol_or_by_name():
    by_symbol = from_sympy(X * Y, {X: 2.0, Y: 3.0})
    by_name = from_sympy(X * Y, {"x": 2.0, "y": 3.0})
    assert by_symbol.data == by_name.data == 6.0
    assert to_sympy(by_symbol) == to_sympy(by_name) == X * Y


def test_numbers_in_env_become_labelled_variables_and_values_are_used_as_given():
    x = Value(2.0, label="x")
    g = from_sympy(X * Y + X, {"x": x, "y": 3.0})
    leaves = toygrad.variables(g)
    assert x in leaves  # the very Value, shared by both uses
    (y,) = [v for v in leaves if v is not x]
    assert (y.label, y.data) == ("y", 3.0)
    g.backward()
    assert (x.grad, y.grad) == (4.0, 2.0)


ROUND_TRIP = [
    X * Y + sp.sin(X),
    X - Y,
    X / Y,
    -X,
    X / 3,
    sp.Rational(1, 3) * X + sp.Rational(2, 7),
    sp.Rational(-5, 11) / (1 + X**2),
    X**3 - 2 * X + sp.Rational(1, 4),
    X**Y,
    X ** sp.Rational(1, 3),
    sp.sqrt(X + 4),
    sp.exp(-X) * sp.cos(Y),
    sp.log(X**2 + 1),
    sp.tan(X) + sp.tanh(Y),
    sp.Max(0, X),
    sp.Max(0, sp.sin(X) + Y),
    sp.Max(X, -X),
    sp.Max(X - Y, Y - X),
    1 / (1 + sp.exp(-X)),
    1 / (1 + sp.exp(-X * Y)),
]


@pytest.mark.parametrize("expr", ROUND_TRIP, ids=str)
def test_round_trip_through_a_graph_gives_the_expression_back(expr):
    g = from_sympy(expr, {"x": 0.7, "y": 1.3})
    assert to_sympy(g) == expr
    assert g.data == pytest.approx(float(expr.subs({X: 0.7, Y: 1.3})), rel=1e-14)


def test_a_rational_that_is_not_a_float_stays_exact():
    g = from_sympy(sp.Rational(1, 3) * X, {"x": 3.0})
    assert to_sympy(g) == X / 3
    assert to_sympy(g) != exact(1 / 3) * X


@pytest.mark.parametrize(
    ("expr", "name"),
    [
        (sp.Max(0, X), "relu"),
        (sp.Max(X, -X), "abs"),
        (1 / (1 + sp.exp(-X)), "sigmoid"),
        (1 / (1 + sp.exp(-sp.sin(X))), "sigmoid"),
        (sp.sqrt(X), "sqrt"),
    ],
    ids=str,
)
def test_composite_translations_become_their_row(expr, name):
    assert from_sympy(expr, {"x": 0.7}).op.name == name


def test_from_sympy_reads_back_the_abs_that_sympy_makes_of_sqrt_of_a_square():
    x = Value(-1.5, label="x")
    e = to_sympy((x * x).sqrt())
    assert e == sp.Abs(X)  # SymPy's doing, not the table's Max(x, -x)
    g = from_sympy(e, {"x": -1.5})
    assert (g.op.name, g.data) == ("abs", 1.5)


@pytest.mark.parametrize("make", [lambda x: abs(abs(x)), lambda x: abs(x).relu()], ids=["abs-abs", "relu-abs"])
def test_from_sympy_explains_the_max_that_sympy_flattens_from_nested_kink_ops(make):
    # SymPy flattens nested Max (relu(abs(x)) is Max(0, -x, x)): a limitation, said clearly
    x = Value(-1.5, label="x")
    with pytest.raises(ValueError, match="Max of 3 arguments.*flattens"):
        from_sympy(to_sympy(make(x)), {"x": -1.5})


def _squash(e, lo, hi):
    """``e`` mapped into (lo, hi) by tanh: keeps every op of the table inside its domain."""
    lo, hi = sp.Rational(repr(lo)), sp.Rational(repr(hi))
    return (lo + hi) / 2 + (hi - lo) / 2 * sp.tanh(e)


def _interval(op, i):
    """Where argument ``i`` of ``op`` may go: anywhere in the sampled hull if the op is
    defined everywhere, else its last sampling interval (the positive side of ``y != 0``)."""
    intervals = op.domain.intervals(i)
    if op.domain.text == EVERYWHERE_TEXT:
        return intervals[0][0], intervals[-1][1]
    return intervals[-1]


_LINEAR = {"add", "sub", "mul", "neg", "sum"}  # never overflow at these magnitudes: no squash


def _apply_row(op, args):
    if op.name not in _LINEAR:
        args = [_squash(a, *_interval(op, i)) for i, a in enumerate(args)]
    return op.sympy(sp, *args).doit()  # as SymPy writes it: relu_dot builds its Max unevaluated, for speed


def _extend(children):
    fixed = [st.tuples(*[children] * op.arity).map(lambda a, op=op: _apply_row(op, a)) for op in ROWS if op.arity]
    pairs = st.sampled_from([2, 4]).flatmap(lambda n: st.tuples(*[children] * n))  # even: dot takes them too
    nary = [pairs.map(lambda a, op=op: _apply_row(op, a)) for op in ROWS if op.arity is None]
    return st.one_of(*fixed, *nary)


_leaves = st.one_of(
    st.sampled_from([X, Y]),
    st.integers(-3, 3).map(sp.Integer),
    st.tuples(st.integers(-5, 5), st.integers(1, 7)).map(lambda pq: sp.Rational(*pq)),
)
sympy_expressions = st.recursive(_leaves, _extend, max_leaves=6)


@given(sympy_expressions)
def test_round_trip_holds_on_random_expressions_over_the_table(expr):
    assume(expr.free_symbols)  # a bare number builds a graph with no variables
    g = from_sympy(expr, {"x": 0.3, "y": -0.7})
    assert to_sympy(g) == expr


@pytest.mark.parametrize("expr", [2 * ((X + Y) * sp.exp(Z)), -((X + Y) * sp.sin(Z)), (X + 1) * sp.cos(Z) / 3], ids=str)
def test_round_trip_keeps_a_coefficient_times_a_sum_times_a_factor(expr):
    assert to_sympy(from_sympy(expr, {"x": 0.3, "y": -0.7, "z": 2.0})) == expr


@pytest.mark.parametrize("expr", [sp.erf(X), sp.gamma(X), sp.Min(X, Y)], ids=str)
def test_an_op_the_table_does_not_know_is_an_error_naming_it(expr):
    with pytest.raises(ValueError, match=type(expr).__name__):
        from_sympy(expr, {"x": 0.5, "y": 1.0})


def test_a_variable_missing_from_env_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'y'"):
        from_sympy(X + Y, {"x": 1.0})


@pytest.mark.parametrize("number", [sp.I, 2 + sp.I, sp.oo, sp.zoo, sp.nan], ids=str)
def test_a_number_that_is_not_real_and_finite_is_an_error(number):
    with pytest.raises(ValueError, match="not a real number"):
        from_sympy(X + number, {"x": 1.0})


def test_from_sympy_needs_a_sympy_expression():
    with pytest.raises(TypeError, match="SymPy expression"):
        from_sympy("x + 1", {"x": 1.0})


# ======================================================== gradients on random graphs


def _ad_and_both_modes(f, point):
    """The graph at ``point``, its gradient by ``backward()``, and the exact tree- and DAG-mode gradients."""
    g = f.build(point)
    env = dict(zip(f.variables, point))
    tree, dag = gradient(g, mode="tree").evaluate(env), gradient(g, mode="dag").evaluate(env)
    g.backward()
    return g, [v.grad for v in toygrad.variables(g)], tree, dag


@pytest.mark.parametrize("name", list(OPS), ids=list(OPS))
def test_tree_and_dag_gradients_agree_with_each_other_and_with_backward(name):
    f = generate(seed=11, depth=3, index=0, require=name)  # a random graph whose output is this op
    for point in f.points:
        g, ad, tree, dag = _ad_and_both_modes(f, point)
        assert g.op.name == name
        assert_exactly_equal(tree, dag)
        assert_close_to_exact(ad, dag)


@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 5), index=st.integers(0, 7))
def test_exact_gradients_and_forward_values_match_the_engine_on_random_graphs(seed, depth, index):
    f = generate(seed, depth, index)
    for point in f.points:
        g, ad, tree, dag = _ad_and_both_modes(f, point)
        assert_exactly_equal(tree, dag)
        assert_close_to_exact(ad, dag)
        env = dict(zip(f.variables, point))
        assert_close_to_exact([g.data], Program.from_graph(g).evaluate(env))
        subs = {real(name): exact(v) for name, v in env.items()}
        assert_close_to_exact([g.data], [to_sympy(g).evalf(30, subs=subs)])


@pytest.mark.parametrize("name", list(OPS), ids=list(OPS))
def test_hessians_in_both_modes_equal_toygrads(name):
    f = generate(seed=5, depth=3, index=1, require=name)
    point = f.points[0]
    g = f.build(point)
    xs = toygrad.variables(g)
    env = dict(zip(f.variables, point))
    expected = [h for row in toygrad.hessian(g, xs) for h in row]
    tree = hessian(g, mode="tree").evaluate(env)
    dag = hessian(g, mode="dag").evaluate(env)
    assert len(dag) == len(xs) ** 2
    assert_exactly_equal(tree, dag)
    assert_close_to_exact(expected, dag)


def test_hessian_rows_follow_the_order_of_wrt():
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    f = (x * y * y).sin() + x.exp() * y
    for mode in MODES:
        h = hessian(f, wrt=[y, x], mode=mode).evaluate({"x": 1.5, "y": -0.5})
        assert_close_to_exact([v for row in toygrad.hessian(f, [y, x]) for v in row], h)
        # not symmetric by accident: d2/dy2 and d2/dx2 differ here
        assert abs(h[0] - h[3]) > 0.1


@pytest.mark.parametrize("mode", MODES)
def test_gradient_with_respect_to_chosen_variables_in_their_order(mode):
    x, y, z = Value(0.5, label="x"), Value(2.0, label="y"), Value(-1.0, label="z")
    f = x * y.exp() + z.sin() * y
    p = gradient(f, wrt=[z, x], mode=mode)
    assert len(p.outputs) == 2
    assert [sp.simplify(o) for o in p.expand()] == [Y * sp.cos(Z), sp.exp(Y)]
    assert_close_to_exact([float(v) for v in p.evaluate({"x": 0.5, "y": 2.0, "z": -1.0})], toygrad.grad(f, [z, x]))


@pytest.mark.parametrize("mode", MODES)
def test_gradient_has_one_output_per_variable_in_graph_order_by_default(mode):
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    p = gradient(y * x + y, mode=mode)
    assert p.inputs == (Y, X)  # y is met first
    assert [sp.expand(o) for o in p.expand()] == [X + 1, Y]


@pytest.mark.parametrize("fn", [gradient, hessian])
def test_wrt_must_hold_variables_of_the_graph(fn):
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    f = x * x
    with pytest.raises(ValueError, match="not a variable of this graph"):
        fn(f, wrt=[y])
    with pytest.raises(ValueError, match="leaf"):
        fn(f, wrt=[f])
    with pytest.raises(ValueError, match="leaf"):
        fn(f, wrt=[2.0])


@pytest.mark.parametrize("fn", [gradient, hessian])
def test_a_graph_with_no_variables_is_an_error(fn):
    with pytest.raises(ValueError, match="no variables"):
        fn(apply("add", 1.0, 2.0))


@pytest.mark.parametrize("fn", [gradient, hessian])
def test_an_unknown_mode_is_an_error_naming_it(fn):
    with pytest.raises(ValueError, match="'forward'"):
        fn(Value(1.0) * 2, mode="forward")
    assert MODES == ("tree", "dag")


@pytest.mark.parametrize("mode", MODES)
def test_with_value_puts_the_value_before_the_partials(mode):
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    f = (x * y).sin() + x
    p = gradient(f, mode=mode, with_value=True)
    plain = gradient(f, mode=mode)
    assert len(p.outputs) == 1 + len(plain.outputs)
    env = {"x": 0.5, "y": 2.0}
    assert_exactly_equal(p.evaluate(env), [*Program.from_graph(f).evaluate(env), *plain.evaluate(env)])
    assert_close_to_exact(p.compile()(0.5, 2.0), p.evaluate(env), rel=1e-15)


def test_symbolic_gradient_needs_a_value():
    with pytest.raises(TypeError, match="toygrad Value"):
        gradient(X**2)


# ============================================ Baydin et al. (2018), Table 1: the logistic map


def logistic(n, x0=0.3):
    """``l_1 = x``, ``l_{k+1} = 4 l_k (1 - l_k)``: the input Value and l_n."""
    x = Value(x0, label="x")
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return x, l


TABLE_1 = {
    1: sp.Integer(1),
    2: 4 - 8 * X,
    3: 16 * (1 - 10 * X + 24 * X**2 - 16 * X**3),
    4: 64 * (1 - 42 * X + 504 * X**2 - 2640 * X**3 + 7040 * X**4 - 9984 * X**5 + 7168 * X**6 - 2048 * X**7),
}


@pytest.mark.parametrize("n", sorted(TABLE_1))
def test_tree_mode_derivative_of_the_logistic_map_expands_to_table_1(n):
    _, l = logistic(n)
    (d,) = gradient(l, mode="tree").outputs
    assert sp.expand(d) == sp.expand(TABLE_1[n])


@pytest.mark.parametrize("n", sorted(TABLE_1))
def test_dag_mode_derivative_of_the_logistic_map_expands_to_table_1(n):
    _, l = logistic(n)
    (d,) = gradient(l, mode="dag").expand()
    assert sp.expand(d) == sp.expand(TABLE_1[n])


def test_the_logistic_map_itself_is_the_expected_polynomial():
    _, l = logistic(3)
    assert sp.expand(to_sympy(l)) == sp.expand(4 * (4 * X * (1 - X)) * (1 - 4 * X * (1 - X)))


# ===================================================================== growth


def test_dag_mode_size_grows_linearly_in_n_up_to_12():
    sizes = [gradient(logistic(n)[1], mode="dag").count_ops() for n in range(2, 13)]
    steps = {b - a for a, b in itertools.pairwise(sizes)}
    assert len(steps) == 1 and 0 < steps.pop() < 20, sizes


def test_tree_mode_size_grows_geometrically():
    sizes = {n: gradient(logistic(n)[1], mode="tree").count_ops() for n in range(4, 10)}
    ratios = [sizes[n] / sizes[n - 1] for n in range(5, 10)]
    assert all(r > 1.8 for r in ratios), sizes
    dag = gradient(logistic(9)[1], mode="dag").count_ops()
    assert sizes[9] > 100 * dag


def test_cse_never_grows_a_swelling_tree_and_shrinks_it_a_lot():
    for n in range(3, 9):
        p = gradient(logistic(n)[1], mode="tree")
        assert p.count_ops_cse() <= p.count_ops(), n
    p = gradient(logistic(8)[1], mode="tree")
    assert p.count_ops_cse() * 10 < p.count_ops()


def test_dag_mode_differentiates_a_chain_10000_deep():
    x = Value(0.4, label="x")
    v = x
    for _ in range(3334):
        v = v + 0.001 * v.sin()  # v used twice per step: tree mode would copy it 2**3334 times
    assert graph_depth(v) >= 10_000
    p = gradient(v, mode="dag")
    assert len(p) < 10 * 10_000  # bindings: linear in the graph
    (d,) = p.compile()(0.4)
    v.backward()
    expected = x.grad
    assert 0.5 < expected < 2  # d v_n / d x ~ sin(v_n) / sin(x): neither vanishing nor overflowing
    assert d == pytest.approx(expected, rel=1e-12)


def test_tree_mode_on_a_deep_graph_raises_a_clear_limit_error():
    x = Value(0.4, label="x")
    v = _sin_mul_chain(2500, x)
    with pytest.raises(SymbolicLimitError, match="recursion limit.*DAG mode"):
        gradient(v, mode="tree")
    assert issubclass(SymbolicLimitError, RuntimeError)
    (d,) = gradient(v, mode="dag").compile()(0.4)  # the same graph is fine in DAG mode
    assert d == pytest.approx(toygrad.grad(v, [x])[0], rel=1e-12, abs=1e-300)


def test_compile_handles_a_variable_used_3000_times():
    """The adjoint of ``w`` sums 3000 terms, and so does the forward ``sum`` binding the
    program keeps; printed as one ``a + b + ...`` line each would nest 3000 deep in
    Python's compiler (a RecursionError)."""
    w = Value(0.5, label="w")
    f = toygrad.sum([(w * (k / 3000)).sin() for k in range(3000)])
    p = gradient(f, mode="dag", with_value=True)
    value, d = p.compile()(0.5)
    assert value == pytest.approx(f.data, rel=1e-12)
    assert d == pytest.approx(toygrad.grad(f, [w])[0], rel=1e-12)


# ===================================================================== kinks


def at_kink(op, u):
    """``op`` applied so that the quantity its kink is about equals ``u``: a unary row takes
    ``u``; a fused row whose kink is of all its arguments (relu_dot's dot product) takes
    ``u`` and ones."""
    (kink,) = op.kinks
    n = op.arity if op.arity is not None else op.nary[0]
    args = [u] + [1.0] * (n - 1)
    assert kink.value([kink.at] + args[1:]) == kink.at
    return apply(op, *args)


@pytest.mark.parametrize("op", KINK_ROWS, ids=[op.name for op in KINK_ROWS])
@pytest.mark.parametrize("mode", MODES)
def test_derivative_at_a_kink_is_the_tables_convention(op, mode):
    (kink,) = op.kinks
    x = Value(kink.at, label="x")
    f = at_kink(op, x)
    p = gradient(f, mode=mode)
    assert kink.slope == 0.0
    assert p.evaluate({"x": kink.at}) == [0]
    assert p.compile()(kink.at) == [kink.slope]
    assert toygrad.grad(f, [x]) == [kink.slope]
    # one side of the kink: the slope is not 0 there, so the 0 above is the convention
    assert p.compile()(kink.at + 1.0) == [1.0]


@pytest.mark.parametrize("op", KINK_ROWS, ids=[op.name for op in KINK_ROWS])
@pytest.mark.parametrize("mode", MODES)
def test_derivative_at_a_kink_reached_through_other_ops_is_zero(op, mode):
    x, y = Value(2.0, label="x"), Value(0.5, label="y")
    f = at_kink(op, x * y - 1.0).exp()  # the kink's quantity is exactly 0 at (2, 0.5)
    p = gradient(f, mode=mode)
    assert p.evaluate({"x": 2.0, "y": 0.5}) == [0, 0]
    assert p.compile()(2.0, 0.5) == [0.0, 0.0]
    assert toygrad.grad(f, [x, y]) == [0.0, 0.0]


@pytest.mark.parametrize("op", KINK_ROWS, ids=[op.name for op in KINK_ROWS])
@pytest.mark.parametrize("mode", MODES)
def test_second_derivative_at_a_kink_is_zero(op, mode):
    (kink,) = op.kinks
    x = Value(kink.at, label="x")
    f = at_kink(op, x) * x  # x relu(x), x abs(x): second derivative 2 just off the kink
    h = hessian(f, mode=mode)
    assert h.evaluate({"x": kink.at}) == [0]
    assert h.compile()(kink.at) == [0.0]
    assert toygrad.hessian(f, [x]) == [[0.0]]
    assert h.compile()(kink.at + 1.0) == [2.0]


@pytest.mark.parametrize("mode", MODES)
def test_numpy_compile_evaluates_a_batch_with_the_kink_convention(mode):
    np = pytest.importorskip("numpy")
    x, y = Value(0.0, label="x"), Value(2.0, label="y")
    f = (x * y).relu() + x.sin() * y
    p = gradient(f, mode=mode)
    xs, ys = np.array([-1.0, 0.0, 1.0]), np.full(3, 2.0)
    batch = p.compile(modules="numpy")(xs, ys)
    one_by_one = [p.compile()(a, b) for a, b in zip(xs, ys)]
    for i, column in enumerate(batch):
        assert list(column) == pytest.approx([row[i] for row in one_by_one], rel=1e-15)
    assert [column[1] for column in batch] == [2.0, 0.0]  # relu'(0) = 0 at x = 0


def _heavisides(program):
    exprs = [rhs for _, rhs in program.bindings] + list(program.outputs)
    return set().union(*(e.atoms(sp.Heaviside) for e in exprs))


@pytest.mark.parametrize("mode", MODES)
def test_no_heaviside_keeps_sympys_default_of_one_half(mode):
    x, y = Value(0.0, label="x"), Value(1.0, label="y")
    f = (x * y).relu() + abs(x - y) * x.relu()
    hs = _heavisides(gradient(f, mode=mode))
    assert hs  # the derivative does go through Heaviside
    assert all(h.args[1] == 0 for h in hs), hs


def test_at_kinks_sets_heaviside_at_zero_to_zero_and_drops_dirac_deltas():
    assert sp.Heaviside(X).subs(X, 0) == sp.Rational(1, 2)  # SymPy's default, the trap
    assert at_kinks(sp.Max(0, X).diff(X)).subs(X, 0) == 0
    assert at_kinks(sp.Heaviside(X, sp.Rational(1, 2))) == sp.Heaviside(X, 0)
    assert at_kinks(sp.Max(0, X).diff(X, 2) * Y + 1) == 1
    assert at_kinks(X * sp.sin(Y)) == X * sp.sin(Y)


# ================================================================== evaluation


POLY_POINT = {"x": sp.Rational(1, 3), "y": sp.Rational(2, 7)}
# x*x*y - 3*x/y + 0.5 at (1/3, 2/7): 2/63 - 7/2 + 1/2, and its gradient (2xy - 3/y, x**2 + 3x/y**2)
POLY_VALUE = sp.Rational(-187, 63)
POLY_GRADIENT = [sp.Rational(4, 21) - sp.Rational(21, 2), sp.Rational(1, 9) + sp.Rational(49, 4)]


def _polynomial():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    return x * x * y - 3 * x / y + 0.5


def test_evaluate_matches_hand_computed_rationals_to_exact_digits():
    f = _polynomial()
    (value,) = Program.from_graph(f).evaluate(POLY_POINT)
    assert abs(value - POLY_VALUE) <= sp.Float(10) ** -EXACT_DIGITS
    for mode in MODES:
        got = gradient(f, mode=mode).evaluate(POLY_POINT)
        assert all(abs(g - e) <= sp.Float(10) ** -EXACT_DIGITS * abs(e) for g, e in zip(got, POLY_GRADIENT))


def test_evaluate_is_exact_for_rational_inputs():
    assert Program.from_graph(_polynomial()).evaluate(POLY_POINT) == [POLY_VALUE]


def test_evaluate_is_exact_at_float_inputs_for_a_polynomial():
    x, y = Value(0.1, label="x"), Value(0.3, label="y")
    f = x * x + 3 * x * y - 0.5
    a, b = exact(0.1), exact(0.3)
    (value,) = Program.from_graph(f).evaluate({"x": 0.1, "y": 0.3})
    assert sp.Rational(value) == a * a + 3 * a * b - sp.Rational(1, 2)  # the binary inputs, no rounding
    assert sp.Rational(value) != sp.Rational(1, 100) + sp.Rational(9, 100) - sp.Rational(1, 2)


def test_evaluate_takes_symbols_or_names_and_more_digits_on_request():
    x = Value(0.1, label="x")
    p = Program.from_graph(x.log())
    assert p.evaluate({X: 0.1}) == p.evaluate({"x": 0.1})
    (fine,) = p.evaluate({"x": 0.1}, digits=80)
    assert abs(fine - sp.log(exact(0.1)).evalf(100)) < sp.Float(10) ** -78


def test_evaluate_finishes_with_a_float_exponent():
    x, y = Value(0.7, label="x"), Value(1.234, label="y")
    (value,) = Program.from_graph(x**y).evaluate({"x": 0.7, "y": 1.234})
    assert abs(value - sp.Float(0.7, 70) ** sp.Float(1.234, 70)) < sp.Float(10) ** -45  # Float(float) is exact


def test_evaluate_names_a_missing_input():
    x, y = Value(0.7, label="x"), Value(1.2, label="y")
    with pytest.raises(ValueError, match="no value given for y"):
        Program.from_graph(x * y).evaluate({"x": 0.7})


@pytest.mark.parametrize("mode", MODES)
def test_evaluation_where_a_value_leaves_the_reals_is_a_domain_error(mode):
    z = Value(2.0, label="z")
    f = z.log() * z  # fine at z = 2, where it was built
    assert Program.from_graph(f).evaluate({"z": 2.0})[0] > 0
    with pytest.raises(SymbolicDomainError, match="log"):
        Program.from_graph(f).evaluate({"z": -1.0})
    with pytest.raises(SymbolicDomainError, match="not a finite real"):
        gradient(f, mode=mode).evaluate({"z": -1.0})
    with pytest.raises(SymbolicDomainError):
        gradient(z.sqrt(), mode=mode).evaluate({"z": 0.0})  # sqrt is defined at 0, its derivative is not
    with pytest.raises(SymbolicDomainError):
        gradient(1 / z, mode=mode).evaluate({"z": 0.0})
    assert issubclass(SymbolicDomainError, ValueError)


@pytest.mark.parametrize("mode", MODES)
def test_compiled_gradient_equals_exact_evaluation(mode):
    for seed in range(6):
        f = generate(seed, depth=4, index=2)
        g = f.build(f.points[0])
        p = gradient(g, mode=mode)
        env = dict(zip(f.variables, f.points[0]))
        floats = p.compile()(*[env[s.name] for s in p.inputs])
        assert_close_to_exact(floats, p.evaluate(env), rel=1e-12)


def test_compiled_hessian_and_forward_equal_exact_evaluation():
    f = generate(3, depth=4, index=0)
    g = f.build(f.points[1])
    env = dict(zip(f.variables, f.points[1]))
    for p in (Program.from_graph(g), hessian(g, mode="dag"), hessian(g, mode="tree")):
        floats = p.compile()(*[env[s.name] for s in p.inputs])
        assert_close_to_exact(floats, p.evaluate(env), rel=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_compile_works_when_a_label_is_the_name_of_a_printed_function(mode):
    m, x = Value(0.5, label="max"), Value(0.3, label="Heaviside")  # relu prints as max(0, t)
    f = (m * x).relu() * 2 + m.relu() * x
    assert Program.from_graph(f).compile()(0.5, 0.3) == [pytest.approx(f.data, rel=1e-15)]
    assert gradient(f, mode=mode).compile()(0.5, 0.3) == pytest.approx(toygrad.grad(f, [m, x]), rel=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda x, y: (x * y).sin() + x,
        lambda x, y: x.exp() * y.tanh() - x / y,
        lambda x, y: (x * x + y).log() * (x - y).sigmoid(),
        lambda x, y: (x.sqrt() + y.cos()) ** 3,
        lambda x, y: x**y + y.tan(),
    ],
)
def test_expanded_dag_gradient_equals_the_tree_partials(make):
    x, y = Value(1.5, label="x"), Value(0.5, label="y")
    f = make(x, y)
    tree = gradient(f, mode="tree").outputs
    dag = gradient(f, mode="dag").expand()
    assert [sp.simplify(d - t) for d, t in zip(dag, tree)] == [0, 0]


def test_expanded_dag_gradient_evaluates_like_the_tree_on_random_graphs():
    for seed in range(8):
        f = generate(seed, depth=4, index=3)
        g = f.build(f.points[0])
        tree = gradient(g, mode="tree")
        expanded = Program(tree.inputs, (), tuple(gradient(g, mode="dag").expand()))
        for point in f.points:
            env = dict(zip(f.variables, point))
            assert_exactly_equal(expanded.evaluate(env), tree.evaluate(env))


def test_dag_gradient_shares_subexpressions_that_tree_mode_copies():
    x = Value(0.3, label="x")
    v = x
    for _ in range(6):
        v = v * v.sin()  # every level used twice
    dag, tree = gradient(v, mode="dag"), gradient(v, mode="tree")
    assert dag.count_ops() < tree.count_ops() / 5
    assert_exactly_equal(dag.evaluate({"x": 0.3}), tree.evaluate({"x": 0.3}))


def test_expand_of_a_deep_program_is_a_limit_error():
    x = Value(0.4, label="x")
    p = gradient(_sin_mul_chain(2500, x), mode="dag")
    with pytest.raises(SymbolicLimitError):
        p.expand()


# ============================================================= parse integration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sin(x**2) * exp(y) / (1 + z) - sqrt(x)", sp.sin(X**2) * sp.exp(Y) / (1 + Z) - sp.sqrt(X)),
        ("relu(x) + abs(y) * sigmoid(z)", sp.Max(0, X) + sp.Max(Y, -Y) / (1 + sp.exp(-Z))),
        ("x * 0.1 - tanh(y) ** 3", exact(0.1) * X - sp.tanh(Y) ** 3),
        ("log(x) / cos(y) + tan(z)", sp.log(X) / sp.cos(Y) + sp.tan(Z)),
        ("-x**2", -(X**2)),
        ("2 ** -x", 2 ** (-X)),
        ("sum(x, y, z) * dot(x, y, z, 2)", (X + Y + Z) * (X * Z + 2 * Y)),
    ],
)
def test_a_parsed_formula_converts_to_the_expected_expression(text, expected):
    g = parse(text).build({"x": 1.5, "y": 2.0, "z": 0.5})
    assert to_sympy(g) == expected


def test_a_parsed_formula_has_the_gradient_sympy_gives_its_expression():
    text = "sin(x**2) * exp(y) / (1 + z) - sqrt(x)"
    g = parse(text).build({"x": 1.5, "y": 2.0, "z": 0.5})
    expected = sp.sin(X**2) * sp.exp(Y) / (1 + Z) - sp.sqrt(X)
    dag = gradient(g, mode="dag").expand()
    assert [sp.simplify(d - sp.diff(expected, s)) for d, s in zip(dag, (X, Y, Z))] == [0, 0, 0]
