"""Higher-order derivatives and forward mode: the op table's rules run on Values and on tangents."""

import gc
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compare import finite
from compare.strategies import op_arguments
from toygrad import (
    OPS,
    Constant,
    DomainError,
    Value,
    apply,
    count_nodes,
    grad,
    gradient_forward,
    hessian,
    jvp,
    topological,
)

ROWS = list(OPS.values())
ids = [op.name for op in ROWS]


# ------------------------------------------------------------------ helpers


def _forward(op):
    return lambda *xs: op.evaluate(xs)


def rule_derivatives(op, xs):
    """The table's first derivatives of ``op`` at ``xs``, on floats (checked in test_ops)."""
    return op.partials(op.evaluate(xs), xs)


def jacobian_by_central_difference(fn, xs):
    """``J[j][i] = d fn(xs)[j] / d xs[i]`` by the toolkit's central differences."""
    return finite.jacobian(fn, xs)


def assert_matrix_close(actual, expected, rel, abs_):
    assert len(actual) == len(expected)
    for i, (row, want) in enumerate(zip(actual, expected)):
        assert row == pytest.approx(want, rel=rel, abs=abs_), (i, actual, expected)


def nth_derivative(make, x0, n):
    """d^n make(x) / dx^n at x0, by n nested calls to grad(create_graph=True)."""
    x = Value(x0)
    d = make(x)
    for _ in range(n):
        [d] = grad(d, [x], create_graph=True)
    return d.data


# -------------------------------------------- random composite functions over the table
# A tree is ("var", i), ("const", u) or (op name, operands). Every operand is squashed into
# the op's sampling interval (lo + (hi - lo) * sigmoid(operand); a constant u in (0, 1) maps
# to lo + (hi - lo) * u), so each node is inside its smooth domain by construction. Ops with
# kinks are left out: a central difference across a kink measures nothing.

SMOOTH = [op for op in ROWS if not op.kinks]
NVARS = 3


def _with_operands(children):
    def node(op):
        n = op.arity if op.arity is not None else 4  # sum of 4, dot of 2 weights and 2 inputs
        return st.tuples(st.just(op.name), st.lists(children, min_size=n, max_size=n).map(tuple))

    return st.sampled_from(SMOOTH).flatmap(node)


_leaves = st.one_of(
    st.integers(0, NVARS - 1).map(lambda i: ("var", i)),
    st.floats(0.05, 0.95).map(lambda u: ("const", u)),
)
composites = st.recursive(_leaves, _with_operands, max_leaves=6).filter(lambda t: t[0] != "const")
points = st.lists(st.floats(-2.0, 2.0), min_size=NVARS, max_size=NVARS)


def build(tree, xs):
    if tree[0] == "var":
        return xs[tree[1]]
    op = OPS[tree[0]]
    operands = []
    for i, child in enumerate(tree[1]):
        lo, hi = op.domain.intervals(i)[-1]
        if child[0] == "const":
            operands.append(lo + (hi - lo) * child[1])
        else:
            operands.append(lo + (hi - lo) * build(child, xs).sigmoid())
    return apply(op, *operands)


def reverse_gradient(tree, point):
    xs = [Value(p) for p in point]
    return grad(build(tree, xs), xs)


# ------------------------------------------------------------------ second derivatives per op


@pytest.mark.parametrize("op", ROWS, ids=ids)
def test_hessian_of_every_op_matches_central_difference_of_its_rules(op):
    @given(op_arguments(op))
    def check(xs):
        vs = [Value(x) for x in xs]
        h = hessian(apply(op, *vs), vs)
        fd = jacobian_by_central_difference(lambda p: rule_derivatives(op, p), list(xs))
        assert_matrix_close(h, fd, rel=1e-6, abs_=1e-6)

    check()


SECOND_DERIVATIVES = {
    "exp": (lambda x: x.exp(), math.exp, (-3.0, 3.0)),
    "log": (lambda x: x.log(), lambda x: -1.0 / (x * x), (0.05, 10.0)),
    "sin": (lambda x: x.sin(), lambda x: -math.sin(x), (-4.0, 4.0)),
    "tanh": (lambda x: x.tanh(), lambda x: -2.0 * math.tanh(x) * (1.0 - math.tanh(x) ** 2), (-3.0, 3.0)),
    "sigmoid": (
        lambda x: x.sigmoid(),
        lambda x: (s := 1.0 / (1.0 + math.exp(-x))) * (1.0 - s) * (1.0 - 2.0 * s),
        (-5.0, 5.0),
    ),
    "pow 2.5": (lambda x: x**2.5, lambda x: 2.5 * 1.5 * x**0.5, (0.2, 3.0)),
    "pow -3": (lambda x: x**-3, lambda x: 12.0 * x**-5, (0.2, 3.0)),
    "pow 3 of a negative base": (lambda x: x**3, lambda x: 6.0 * x, (-3.0, -0.2)),
    "2 ** x": (lambda x: 2**x, lambda x: 2.0**x * math.log(2.0) ** 2, (-3.0, 3.0)),
}


@pytest.mark.parametrize("name", list(SECOND_DERIVATIVES))
def test_second_derivative_matches_closed_form(name):
    make, d2, (lo, hi) = SECOND_DERIVATIVES[name]

    @given(st.floats(lo, hi))
    def check(x0):
        x = Value(x0)
        assert hessian(make(x), [x]) == [[pytest.approx(d2(x0), rel=1e-11, abs=1e-13)]]

    check()


@given(st.floats(0.2, 3.0), st.floats(-2.5, 2.5))
def test_hessian_of_pow_with_a_value_exponent_matches_closed_form(x0, y0):
    x, y = Value(x0), Value(y0)
    lx = math.log(x0)
    mixed = x0 ** (y0 - 1.0) * (1.0 + y0 * lx)
    expected = [[y0 * (y0 - 1.0) * x0 ** (y0 - 2.0), mixed], [mixed, x0**y0 * lx * lx]]
    assert_matrix_close(hessian(x**y, [x, y]), expected, rel=1e-11, abs_=1e-13)


@pytest.mark.parametrize(
    "make, n, expected",
    [
        (lambda x: x**4, 3, lambda x: 24.0 * x),
        (lambda x: x**4, 4, lambda x: 24.0),
        (lambda x: x.exp(), 4, math.exp),
        (lambda x: x.sin(), 3, lambda x: -math.cos(x)),
        (lambda x: x * x * x, 3, lambda x: 6.0),
    ],
    ids=["x**4 third", "x**4 fourth", "exp fourth", "sin third", "x*x*x third"],
)
def test_nested_grad_gives_higher_derivatives(make, n, expected):
    for x0 in (-1.5, 0.5, 2.0):
        assert nth_derivative(make, x0, n) == pytest.approx(expected(x0), rel=1e-12)


def test_a_gradient_that_is_zero_at_the_point_is_still_differentiated():
    # d/dx x**3 = 3x**2 and d2 = 6x are 0 at x = 0; only the third derivative is not
    assert nth_derivative(lambda x: x**3, 0.0, 3) == 6.0
    assert nth_derivative(lambda x: x * x * x, 0.0, 3) == 6.0


# ------------------------------------------------------------------ Hessians of composites


@given(composites, points)
def test_hessian_of_a_composite_is_symmetric_and_matches_central_difference_of_the_gradient(tree, point):
    xs = [Value(p) for p in point]
    h = hessian(build(tree, xs), xs)
    fd = jacobian_by_central_difference(lambda p: reverse_gradient(tree, p), point)
    scale = max(1.0, *(abs(e) for row in h for e in row))
    for i in range(NVARS):
        for j in range(NVARS):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-9, abs=1e-12 * scale), (tree, i, j)
    assert_matrix_close(h, fd, rel=1e-5, abs_=1e-6 * scale)


def test_hessian_of_fused_dot_times_sum_by_hand():
    from toygrad import dot, sum as tsum

    w1, w2, x1, x2 = (Value(v) for v in (1.0, 2.0, 3.0, -1.0))
    f = dot([w1, w2], [x1, x2]) * tsum([w1, w2, x1, x2])  # D * S with D = 1, S = 5
    assert hessian(f, [w1, w2, x1, x2]) == [
        [6.0, 2.0, 9.0, 5.0],
        [2.0, -2.0, 0.0, 6.0],
        [9.0, 0.0, 2.0, 3.0],
        [5.0, 6.0, 3.0, 4.0],
    ]


def test_hessian_row_of_an_unused_variable_is_zero():
    x, y, unused = Value(1.0), Value(2.0), Value(3.0)
    assert hessian(x * y, [x, unused, y]) == [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]


# ------------------------------------------------------------------ forward mode


@given(composites, points, st.lists(st.floats(-2.0, 2.0), min_size=NVARS, max_size=NVARS))
def test_jvp_equals_reverse_gradient_dotted_with_the_tangent(tree, point, tangent):
    value, derivative = jvp(lambda *v: build(tree, v), point, tangent)
    xs = [Value(p) for p in point]
    out = build(tree, xs)
    g = grad(out, xs)
    assert value == out.data
    expected = sum(a * b for a, b in zip(g, tangent))
    assert derivative == pytest.approx(expected, rel=1e-9, abs=1e-12 * max(1.0, *map(abs, g)))


@given(composites, points)
def test_gradient_forward_equals_reverse_gradient(tree, point):
    forward = gradient_forward(lambda *v: build(tree, v), point)
    assert forward == pytest.approx(reverse_gradient(tree, point), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("op", ROWS, ids=ids)
def test_jvp_of_every_op_equals_its_rules_dotted_with_the_tangent(op):
    @given(op_arguments(op), st.data())
    def check(xs, data):
        tangent = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=len(xs), max_size=len(xs)))
        value, derivative = jvp(lambda *v: apply(op, *v), xs, tangent)
        expected = sum(d * t for d, t in zip(rule_derivatives(op, xs), tangent))
        assert value == _forward(op)(*xs)
        assert derivative == pytest.approx(expected, rel=1e-12, abs=1e-12)

    check()


def test_jvp_of_a_constant_function_and_of_the_identity():
    assert jvp(lambda x: 3, [1.0], [1.0]) == (3.0, 0.0)
    assert jvp(lambda x, y: y, [1.0, 2.0], [5.0, 7.0]) == (2.0, 7.0)
    assert gradient_forward(lambda x, y: Value(4.0), [1.0, 2.0]) == [0.0, 0.0]


def test_jvp_skips_a_zero_tangent_where_the_derivative_would_not_exist():
    # like backward(), which never asks a rule for a zero gradient
    assert jvp(lambda x, y: x.sqrt() + y, [0.0, 1.0], [0.0, 1.0]) == (1.0, 1.0)


# ------------------------------------------------------------------ grad() and .grad


def _graph():
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    return x, y, (x * y).sin() + x.exp() / (1 + y * y)


def test_grad_without_create_graph_returns_floats_and_builds_no_graph():
    x, y, out = _graph()
    before = (count_nodes(out), len(topological(out)))
    gs = grad(out, [x, y])
    assert all(type(g) is float for g in gs)
    assert (count_nodes(out), len(topological(out))) == before


def test_grad_with_create_graph_returns_values_and_leaves_the_graph_unchanged():
    x, y, out = _graph()
    before = count_nodes(out)
    gs = grad(out, [x, y], create_graph=True)
    assert all(type(g) is Value for g in gs)
    assert [g.data for g in gs] == pytest.approx(grad(out, [x, y]), rel=1e-15)
    assert count_nodes(out) == before


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_leaves_every_dot_grad_untouched(create_graph):
    x, y, out = _graph()
    nodes = topological(out)
    for k, n in enumerate(nodes):
        n.grad = float(k) + 0.25
    grad(out, [x, y], create_graph=create_graph)
    assert [n.grad for n in nodes] == [float(k) + 0.25 for k in range(len(nodes))]


def test_grad_matches_backward():
    x, y, out = _graph()
    gs = grad(out, [x, y])
    out.backward()
    assert gs == [x.grad, y.grad]


def test_grad_of_an_unreached_variable_is_zero_and_a_constant_gradient_is_a_value():
    x, z = Value(2.0), Value(5.0)
    assert grad(x * 3, [z, x]) == [0.0, 3.0]
    dz, dx = grad(x * 3, [z, x], create_graph=True)
    assert type(dz) is Value and type(dx) is Value and (dz.data, dx.data) == (0.0, 3.0)
    assert grad(dx, [x]) == [0.0]


def test_grad_with_respect_to_an_intermediate_node():
    x = Value(0.7)
    u = x * x
    assert grad(u.sin(), [u, x]) == pytest.approx([math.cos(0.49), math.cos(0.49) * 1.4])


def test_grad_with_create_graph_makes_no_reference_cycles():
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        x, y, out = _graph()
        gs = grad(out, [x, y], create_graph=True)
        h = [grad(g, [x, y]) for g in gs]
        del x, y, out, gs, h
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


# ------------------------------------------------------------------ backward(create_graph=True)


def test_backward_with_create_graph_makes_value_grads_that_backward_again():
    x = Value(1.5)
    (x**4).backward(create_graph=True)
    assert type(x.grad) is Value and x.grad.data == pytest.approx(4 * 1.5**3)
    first, x.grad = x.grad, 0.0
    first.backward(create_graph=True)
    second, x.grad = x.grad, 0.0
    assert second.data == pytest.approx(12 * 1.5**2)
    second.backward()
    assert x.grad == pytest.approx(24 * 1.5)  # third derivative of x**4 is 24x


def test_backward_of_a_value_grad_accumulates_onto_it_like_pytorch():
    x = Value(2.0)
    (x**4).backward(create_graph=True)
    x.grad.backward()  # x.grad = 4x**3 + 12x**2, as torch gives 32 + 48
    assert x.grad.data == 80.0


def test_backward_with_create_graph_gives_mixed_partials():
    x, y = Value(2.0), Value(3.0)
    (x * x * y + y.sin()).backward(create_graph=True)
    dx, dy = x.grad, y.grad
    assert (dx.data, dy.data) == pytest.approx((12.0, 4.0 + math.cos(3.0)))
    x.grad = y.grad = 0.0
    dx.backward()
    assert (x.grad, y.grad) == pytest.approx((6.0, 4.0))  # 2y, 2x
    x.grad = y.grad = 0.0
    dy.backward()
    assert (x.grad, y.grad) == pytest.approx((4.0, -math.sin(3.0)))  # 2x, -sin y


def test_backward_with_create_graph_turns_every_grad_into_a_value_and_accumulates_on_variables():
    x = Value(2.0)
    x.grad = 1.0
    out = x * 3 + 1
    out.backward(create_graph=True)
    assert all(type(n.grad) is Value for n in topological(out))
    assert x.grad.data == 4.0  # 1 + 3
    assert out.grad.data == 1.0


def test_zero_grad_after_backward_with_create_graph_frees_the_graph_without_the_cycle_collector():
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        x = Value(0.3)
        y = (x * x).sin() * x.exp()
        y.backward(create_graph=True)
        y.zero_grad()
        del x, y
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


# ------------------------------------------------------------------ kinks


@pytest.mark.parametrize("make", [lambda x: x.relu(), lambda x: abs(x)], ids=["relu", "abs"])
def test_second_derivative_at_a_kink_is_zero(make):
    x = Value(0.0)
    assert hessian(make(x), [x]) == [[0.0]]
    make(x).backward(create_graph=True)
    first, x.grad = x.grad, 0.0
    first.backward()
    assert first.data == 0.0 and x.grad == 0.0
    assert jvp(make, [0.0], [1.0]) == (0.0, 0.0)


@pytest.mark.parametrize("x0", [-1.0, 1.0])
def test_second_derivative_of_relu_and_abs_away_from_the_kink_is_zero(x0):
    x = Value(x0)
    assert hessian(x.relu() + abs(x), [x]) == [[0.0]]


# ------------------------------------------------------------------ depth


def _sin_chain(x, n=10_000):
    v = x
    for _ in range(n):
        v = v.sin()
    return v


def test_second_derivative_of_a_10000_deep_chain():
    x0 = 0.7
    x = Value(x0)
    [[d2]] = hessian(_sin_chain(x), [x])
    fd = jacobian_by_central_difference(lambda p: grad(_sin_chain(y := Value(p[0])), [y]), [x0])
    assert d2 == pytest.approx(fd[0][0], rel=1e-5)
    x.grad = 0.0
    out = _sin_chain(x)
    out.backward(create_graph=True)
    first, x.grad = x.grad, 0.0
    first.backward()
    assert x.grad == pytest.approx(d2, rel=1e-12)


def test_forward_mode_on_a_10000_deep_chain():
    value, derivative = jvp(_sin_chain, [0.7], [1.0])
    x = Value(0.7)
    out = _sin_chain(x)
    assert value == out.data
    assert derivative == pytest.approx(grad(out, [x])[0], rel=1e-12)


# ------------------------------------------------------------------ errors


def test_wrt_with_a_non_value_is_a_type_error_naming_it():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"wrt\[1\] must be a Value, got float 2\.0"):
        grad(x * x, [x, 2.0])
    with pytest.raises(TypeError, match=r"wrt\[0\] must be a Value, got Constant"):
        grad(x * x, [Constant(2.0)])
    with pytest.raises(TypeError, match=r"wrt must be a list of Values, got Value"):
        grad(x * x, x)
    with pytest.raises(TypeError, match=r"wrt\[0\]"):
        hessian(x * x, ["x"])


def test_output_that_is_not_a_value_is_a_type_error():
    with pytest.raises(TypeError, match=r"output must be a Value, got float 1\.0"):
        grad(1.0, [Value(1.0)])


def test_mismatched_primals_and_tangents_is_a_value_error_naming_the_lengths():
    with pytest.raises(ValueError, match=r"2 primals and 1 tangents"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])


def test_non_numbers_in_primals_or_tangents_are_type_errors_naming_them():
    with pytest.raises(TypeError, match=r"tangents\[1\] needs a real number, got str 'a'"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0, "a"])
    with pytest.raises(TypeError, match=r"primals must be a list of numbers, got float"):
        gradient_forward(lambda x: x, 1.0)
    with pytest.raises(TypeError, match=r"f must be a function"):
        jvp(3, [1.0], [1.0])
    with pytest.raises(TypeError, match=r"the result of f needs a real number, got list"):
        jvp(lambda x: [x], [1.0], [1.0])


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_where_the_derivative_does_not_exist_is_a_domain_error(create_graph):
    x = Value(0.0)
    with pytest.raises(DomainError, match=r"derivative of sqrt\(0\.0\) does not exist"):
        grad(x.sqrt(), [x], create_graph=create_graph)


def test_second_derivative_that_does_not_exist_is_a_domain_error():
    x = Value(0.0)
    out = x**1.5
    assert grad(out, [x]) == [0.0]  # 1.5 x**0.5 exists at 0, 0.75 x**-0.5 does not
    with pytest.raises(DomainError, match=r"derivative of pow\(0\.0, 0\.5\) does not exist") as info:
        hessian(out, [x])
    assert info.value.op == "pow"


def test_forward_mode_and_create_graph_backward_raise_domain_errors_like_backward():
    with pytest.raises(DomainError, match=r"sqrt\(0\.0\)"):
        jvp(lambda x: x.sqrt(), [0.0], [1.0])
    with pytest.raises(DomainError, match=r"sqrt\(0\.0\)"):
        gradient_forward(lambda x: x.sqrt(), [0.0])
    with pytest.raises(DomainError, match=r"sqrt\(0\.0\)"):
        Value(0.0).sqrt().backward(create_graph=True)


def test_a_gradient_that_overflows_is_a_domain_error():
    x = Value(5e-324)
    out = x.sqrt() * 1e200  # finite, but its derivative 1e200 / (2 sqrt(x)) is not
    for create_graph in (False, True):
        with pytest.raises(DomainError, match="overflow"):
            grad(out, [x], create_graph=create_graph)
    with pytest.raises(DomainError, match="overflow"):
        jvp(lambda v: v.sqrt() * 1e200, [5e-324], [1.0])
    with pytest.raises(DomainError, match="overflow"):
        out.backward(create_graph=True)
