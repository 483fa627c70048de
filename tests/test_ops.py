"""Every row of the op table, tested the same way: a new row needs no new test code."""

import math

import pytest
from hypothesis import given

from compare.strategies import op_arguments
from tests.helpers import central_difference
from toygrad import OPS, Constant, Value, apply
from toygrad.ops import UNARY

ROWS = list(OPS.values())
ids = [op.name for op in ROWS]


def _forward(op):
    return lambda *xs: op.forward(*xs) if op.arity is not None else op.forward(list(xs))


@pytest.mark.parametrize("op", ROWS, ids=ids)
def test_rule_matches_central_difference(op):
    @given(op_arguments(op))
    def check(xs):
        vs = [Value(x) for x in xs]
        apply(op, *vs).backward()
        for i, v in enumerate(vs):
            fd = central_difference(_forward(op), xs, i)
            assert v.grad == pytest.approx(fd, rel=1e-6, abs=1e-6), (op.name, xs, i)

    check()


@pytest.mark.parametrize("op", ROWS, ids=ids)
def test_forward_matches_table_and_stays_in_domain(op):
    @given(op_arguments(op))
    def check(xs):
        assert op.domain.test(*xs) if op.arity is not None else True
        out = apply(op, *[Value(x) for x in xs])
        assert out.data == _forward(op)(*xs)
        assert out.op is op

    check()


@pytest.mark.parametrize("op", ROWS, ids=ids)
def test_rules_build_graphs_with_the_same_values(op):
    """The same rule runs on Values (for higher order) and gives the float path's numbers."""

    @given(op_arguments(op))
    def check(xs):
        g = 0.75
        out = _forward(op)(*xs)
        vx = [Value(x) for x in xs]
        vout = apply(op, *vx)
        if op.arity is None:
            floats = op.vjp(g, out, list(xs))
            graphs = op.vjp(Value(g), vout, vx)
        else:
            floats = [rule(g, out, *xs) for rule in op.rules]
            graphs = [rule(Value(g), vout, *vx) for rule in op.rules]
        for f, v in zip(floats, graphs):
            assert isinstance(v, Value)
            assert v.data == pytest.approx(f, rel=1e-12, abs=1e-300)

    check()


def test_every_unary_op_with_a_method_is_a_value_method():
    x = Value(0.5)
    for op in UNARY:
        if op.method:
            assert getattr(x, op.method)().op is op


@pytest.mark.parametrize("name", ["relu", "abs"])
def test_kink_convention_is_zero_slope(name):
    op = OPS[name]
    assert [k.slope for k in op.kinks] == [0.0]
    x = Value(0.0)
    apply(op, x).backward()
    assert x.grad == 0.0


def test_relu_and_abs_slopes_away_from_the_kink():
    for x, relu, absolute in [(-2.0, 0.0, -1.0), (3.0, 1.0, 1.0)]:
        v = Value(x)
        v.relu().backward()
        assert v.grad == relu
        w = Value(x)
        abs(w).backward()
        assert w.grad == absolute


def test_pow_with_constant_exponent_never_asks_for_log_of_the_base():
    x = Value(-3.0)
    (x**2).backward()
    assert x.grad == -6.0
    y = Value(-2.0)
    (y**-1).backward()
    assert y.grad == pytest.approx(-0.25)


def test_pow_with_value_exponent_differentiates_both():
    x, y = Value(2.0), Value(3.0)
    (x**y).backward()
    assert x.grad == pytest.approx(12.0)
    assert y.grad == pytest.approx(8.0 * math.log(2.0))


def test_rpow_makes_a_constant_base():
    x = Value(3.0)
    z = 2**x
    assert isinstance(z.args[0], Constant) and z.args[1] is x
    z.backward()
    assert x.grad == pytest.approx(8.0 * math.log(2.0))


def test_fused_rows_equal_their_unfused_graphs():
    ws = [Value(w) for w in (0.5, -1.5, 2.0)]
    xs = [Value(x) for x in (1.0, 2.0, -0.5)]
    from toygrad import dot, sum as tsum

    fused = dot(ws, xs) + tsum(ws)
    fused.backward()
    fused_grads = [v.grad for v in ws + xs]
    for v in ws + xs:
        v.grad = 0.0
    plain = sum((w * x for w, x in zip(ws, xs)), Value(0.0)) + sum(ws, Value(0.0))
    plain.backward()
    assert fused.data == pytest.approx(plain.data)
    assert fused_grads == pytest.approx([v.grad for v in ws + xs])
