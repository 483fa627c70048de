"""Saturated sigmoid and tanh keep full relative accuracy in their derivative (50-digit reference)."""

import math

import pytest

mpmath = pytest.importorskip("mpmath")

from toygrad import Value  # noqa: E402

mp = mpmath.mp
ULPS = 4
POINTS = [s * x for x in (10.0, 17.0, 24.0, 36.5, 50.0, 100.0, 250.0, 355.0, 372.0, 500.0, 700.0) for s in (1, -1)]


def _exact_slope(op: str, x: float) -> float:
    with mp.workdps(50):
        t = mp.mpf(x)
        if op == "sigmoid":  # e^-x / (1 + e^-x)^2: no 1 - s, which would cancel even at 50 digits
            e = mp.exp(-t)
            return float(e / (1 + e) ** 2)
        return float(1 / mp.cosh(t) ** 2)


def _ad_slope(op: str, x: float) -> float:
    v = Value(x)
    getattr(v, op)().backward()
    return v.grad


@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
@pytest.mark.parametrize("x", POINTS)
def test_saturated_derivative_is_within_a_few_ulps_of_the_exact_one(op, x):
    exact = _exact_slope(op, x)
    assert abs(_ad_slope(op, x) - exact) <= ULPS * math.ulp(exact)


def test_sqrt_of_a_saturated_sigmoid_has_an_exact_gradient():
    u = 24.0
    v = Value(u)
    v.sigmoid().sqrt().backward()
    with mp.workdps(50):
        e = mp.exp(-mp.mpf(u))
        exact = float(e / (1 + e) ** 2 / (2 * mp.sqrt(1 / (1 + e))))
    assert abs(v.grad - exact) <= ULPS * math.ulp(exact)  # 3.5e-6 relative error with 1 - out
