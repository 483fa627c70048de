"""Every row of the op table, tested the same way: a new row needs no new test code."""

import math
import re

import pytest
from hypothesis import given

import toygrad
from compare.strategies import op_arguments
from tests.helpers import central_difference
from toygrad import OPS, Constant, DomainError, Op, Value, apply, grad, hessian, jvp
from toygrad.ops import UNARY, everywhere

ROWS = list(OPS.values())
ids = [op.name for op in ROWS]


def _forward(op):
    return lambda *xs: op.evaluate(xs)


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


# ------------------------------------------------------ pow at a zero base


def test_pow_with_exponent_zero_has_derivative_zero_at_a_zero_base():
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0  # x**0 is 1 everywhere; torch gives 0 too
    x = Value(0.0)
    assert grad(x**0, [x]) == [0.0]
    assert grad(x**0, [x], create_graph=True)[0].data == 0.0
    assert jvp(lambda v: v**0, [0.0], [1.0]) == (1.0, 0.0)


def test_pow_at_a_zero_base_for_exponents_one_two_and_one_half():
    x = Value(0.0)
    (x**1).backward()
    assert x.grad == 1.0
    assert hessian(x**1, [x]) == [[0.0]]  # d/dx of 1 * x**0
    assert hessian(x**2, [x]) == [[2.0]]
    with pytest.raises(DomainError, match=r"derivative of pow\(0\.0, 0\.5\) does not exist"):
        (Value(0.0) ** 0.5).backward()


def test_pow_base_rule_keeps_a_value_exponent_in_the_graph_at_zero():
    x, y = Value(2.0), Value(0.0)
    (x**y).backward()
    assert (x.grad, y.grad) == (0.0, pytest.approx(math.log(2.0)))
    # d2/dxdy x**y = x**(y - 1) (1 + y log x): 1/x at y = 0, so d/dx must not be a constant 0 there
    assert hessian(x**y, [x, y])[0][1] == pytest.approx(0.5)


@given(op_arguments(OPS["pow"]))
def test_pow_base_rule_is_the_power_rule_wherever_the_exponent_is_not_zero(xs):
    x, y = xs
    if y != 0.0:
        assert OPS["pow"].rules[0](0.75, x**y, x, y) == 0.75 * y * x ** (y - 1.0)


# ------------------------------------------------------------ argument counts


def _inside(op, count):
    return [Value(sum(op.domain.intervals(i)[0]) / 2) for i in range(count)]


@pytest.mark.parametrize("op", ROWS, ids=ids)
def test_apply_takes_exactly_the_argument_counts_the_row_accepts(op):
    for count in range(7):
        args = _inside(op, count)
        if op.accepts(count):
            assert apply(op, *args).op is op
        else:
            with pytest.raises(TypeError, match=rf"^{op.name} takes {re.escape(op.argument_counts())}, got {count}$"):
                apply(op, *args)


def test_dot_with_an_odd_number_of_arguments_is_a_type_error():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    with pytest.raises(TypeError, match="dot takes an even number of arguments, at least 2, got 3"):
        apply("dot", a, b, c)
    with pytest.raises(TypeError, match="sum takes at least one argument, got 0"):
        apply("sum")
    with pytest.raises(TypeError, match="sin takes 1 argument, got 2"):
        apply("sin", a, b)


def test_argument_counts_of_the_fused_rows_in_words():
    assert [OPS["sum"].accepts(n) for n in range(4)] == [False, True, True, True]
    assert [OPS["dot"].accepts(n) for n in range(5)] == [False, False, True, False, True]
    assert OPS["sum"].argument_counts() == "at least one argument"
    assert OPS["dot"].argument_counts() == "an even number of arguments, at least 2"
    assert (OPS["add"].argument_counts(), OPS["neg"].argument_counts()) == ("2 arguments", "1 argument")


def _nary_row(nary):
    return Op("triples", None, sum, lambda sp, *xs: sp.Add(*xs), everywhere(1),
              vjp=lambda g, out, xs: [g] * len(xs), nary=nary)


def test_nary_rows_check_their_counts_when_the_table_is_built():
    assert [_nary_row((3, 3)).accepts(n) for n in range(7)] == [False, False, False, True, False, False, True]
    assert _nary_row((3, 3)).argument_counts() == "a number of arguments that is a multiple of 3, at least 3"
    assert _nary_row(None).nary == (1, 1)
    with pytest.raises(TypeError, match="positive counts"):
        _nary_row((0, 1))
    with pytest.raises(TypeError, match="takes no nary"):
        Op("twice", 1, lambda x: 2 * x, lambda sp, x: 2 * x, everywhere(1), rules=(lambda g, out, x: 2 * g,),
           nary=(1, 1))


@pytest.mark.parametrize("op", [*ROWS, _nary_row((3, 3)), _nary_row((5, 2))], ids=[*ids, "nary-3-3", "nary-5-2"])
def test_op_arguments_draws_counts_the_row_accepts(op):
    @given(op_arguments(op, nary=2))
    def check(xs):
        assert op.accepts(len(xs))

    check()


def test_toygrad_sum_and_dot_refuse_empty_input_with_the_row_counts():
    with pytest.raises(TypeError, match="toygrad.sum takes at least one argument, got 0"):
        toygrad.sum([])
    with pytest.raises(TypeError, match="toygrad.dot takes an even number of arguments, at least 2"):
        toygrad.dot([], [])


def test_toygrad_dot_takes_generators_and_names_a_length_mismatch():
    ws = [Value(0.5), Value(-1.5)]
    assert toygrad.dot((w for w in ws), (x for x in [2.0, 4.0])).data == -5.0
    assert toygrad.sum(w for w in ws).data == -1.0
    with pytest.raises(ValueError, match="same length, got 2 and 3"):
        toygrad.dot(iter(ws), (x for x in [1.0, 2.0, 3.0]))


@pytest.mark.parametrize("call", [lambda: toygrad.dot(3, [1.0]), lambda: toygrad.dot([1.0], Value(1.0)),
                                  lambda: toygrad.sum(2.0)])
def test_toygrad_sum_and_dot_of_a_non_iterable_say_so(call):
    with pytest.raises(TypeError, match="needs an iterable of numbers or Values, got (int|Value|float)"):
        call()
