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

    n-ary ops get ``nary`` arguments (``2 * nary`` for ``dot``).
    """
    n = op.arity if op.arity is not None else (2 * nary if op.name == "dot" else nary)
    return st.tuples(*[_in_intervals(op.domain.intervals(i)) for i in range(n)])
