"""Hypothesis strategies for testing differentiation code, reusable in other suites.

>>> from hypothesis import given
>>> from toygrad import OPS
>>> @given(op_arguments(OPS["log"]))
... def test_log_is_defined(xs):
...     assert OPS["log"].domain.test(*xs)
>>> test_log_is_defined()
"""

from __future__ import annotations

from hypothesis import strategies as st

from toygrad.ops import Op

__all__ = ["op_arguments"]


def _in_intervals(intervals) -> st.SearchStrategy[float]:
    return st.one_of(*[st.floats(lo, hi, allow_nan=False, allow_infinity=False) for lo, hi in intervals])


def op_arguments(op: Op, nary: int = 3) -> st.SearchStrategy[tuple[float, ...]]:
    """Argument tuples for ``op`` drawn from its sampling domain (smooth, away from kinks).

    An n-ary op gets ``nary`` groups of arguments, a group being the multiple
    its row's ``nary = (least, multiple)`` asks for (``sum``: 3 arguments,
    ``dot``: 6, three weights and three inputs), and never fewer than ``least``.
    """
    if op.arity is not None:
        n = op.arity
    else:
        least, multiple = op.nary
        n = multiple * max(nary, -(-least // multiple))
    return st.tuples(*[_in_intervals(op.domain.intervals(i)) for i in range(n)])
