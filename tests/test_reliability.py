"""Whatever numbers go in, the engine gives a finite answer or a DomainError: never NaN, inf or complex."""

import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toygrad import OPS, DomainError, Value, apply, losses

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324, 1e-300, 709.0, 710.0, -1000.0, 1000.0, math.pi / 2]),
    st.integers(-(10**400), 10**400),
)
ROWS = list(OPS.values())


def _finite(x):
    return isinstance(x, float) and math.isfinite(x)


@pytest.mark.parametrize("op", ROWS, ids=[op.name for op in ROWS])
def test_every_op_gives_a_finite_value_and_gradient_or_a_domain_error(op):
    n = op.arity if op.arity is not None else 2 * op.nary[1]

    @given(st.lists(NUMBERS, min_size=n, max_size=n))
    def check(xs):
        try:
            vs = [Value(x) for x in xs]
        except DomainError:  # NaN, an infinity, or an integer beyond a float: refused at the door
            assert any(not (isinstance(x, int) or math.isfinite(x)) or abs(x) > sys.float_info.max for x in xs)
            return
        try:
            out = apply(op, *vs)
        except DomainError as exc:
            assert op.name in str(exc)
            return
        assert _finite(out.data)
        try:
            out.backward()
        except DomainError:
            return
        assert all(_finite(v.grad) for v in vs)

    check()


@pytest.mark.parametrize("bad", [True, False, "1.0", None, [1.0], 1j, b"1"])
def test_values_that_are_not_real_numbers_are_type_errors(bad):
    with pytest.raises(TypeError):
        Value(bad)
    with pytest.raises(TypeError):
        Value(1.0) * bad


@pytest.mark.parametrize("x", [-1000.0, -40.0, 40.0, 1000.0])
def test_sigmoid_and_tanh_are_stable_far_out(x):
    for name in ("sigmoid", "tanh"):
        v = Value(x)
        out = apply(name, v)
        out.backward()
        assert _finite(out.data) and 0.0 <= abs(out.data) <= 1.0 and _finite(v.grad)


@pytest.mark.parametrize("z", [-1000.0, 1000.0])
def test_cross_entropies_are_stable_at_plus_minus_1000(z):
    logit = Value(z)
    bce = losses.binary_cross_entropy_with_logits([logit], [1.0])
    bce.backward()
    assert _finite(bce.data) and _finite(logit.grad)
    row = [Value(z), Value(-z), Value(0.0)]
    ce = losses.softmax_cross_entropy([row], [1])
    ce.backward()
    assert _finite(ce.data) and all(_finite(v.grad) for v in row)
    assert all(_finite(p.data) for p in losses.softmax(row))


def test_huge_and_tiny_numbers_overflow_into_a_domain_error_not_an_infinity():
    with pytest.raises(DomainError, match="overflows"):
        Value(1e308) + 1e308
    with pytest.raises(DomainError, match="overflows"):
        Value(1e200) ** 2
    tiny = Value(5e-324) * 0.5  # underflow to 0 is a finite, honest answer
    assert tiny.data == 0.0


def test_a_gradient_that_overflows_is_a_domain_error():
    x = Value(1e-300)
    y = (x * 1e-10).log() * 1e10  # d/dx = 1e10 / x = 1e310: beyond a float
    with pytest.raises(DomainError, match="overflowed"):
        y.backward()
