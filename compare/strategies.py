"""Hypothesis strategies for testing differentiation code, reusable in other suites.

They are built on the same generator as the report (:mod:`compare.generate`),
so a failing example names a function id that ``python -m compare check --id``
reruns, and hypothesis shrinks toward small seeds, depths and indices.

* :func:`op_arguments`: argument tuples inside one op's domain;
* :func:`functions`: random composite functions (DAGs over the op table);
* :func:`function_points`: a function and one of its sample points, where every
  op is inside its domain and away from kinks;
* :func:`graphs`: a toygrad graph built at such a point, ready for ``backward()``;
* :func:`points`: points where *your* function (anything :func:`compare.check`
  takes) is defined, to check it there (see :mod:`compare.pytest_plugin`).

Use them in your own suite, for instance to test another engine against
toygrad or against SymPy:

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(graphs(max_depth=3))
... def test_backward_runs(graph):
...     graph.backward()
>>> test_backward_runs()

>>> from toygrad import OPS
>>> @given(op_arguments(OPS["log"]))
... def test_log_is_defined(xs):
...     assert OPS["log"].domain.test(*xs)
>>> test_log_is_defined()
"""

from __future__ import annotations

from typing import Any, Sequence

from hypothesis import strategies as st

from toygrad import DomainError, Value
from toygrad.ops import Op

from .generate import DEFAULT_OPS, RandomFunction, generate
from .subjects import subject_for

__all__ = ["op_arguments", "functions", "function_points", "graphs", "points"]


def _in_intervals(intervals) -> st.SearchStrategy[float]:
    return st.one_of(*[st.floats(lo, hi, allow_nan=False, allow_infinity=False) for lo, hi in intervals])


def op_arguments(op: Op, nary: int = 3) -> st.SearchStrategy[tuple[float, ...]]:
    """Argument tuples for ``op`` drawn from its sampling domain (smooth, 1e-3 or more away from kinks).

    An n-ary op gets ``nary`` groups of arguments, a group being the multiple
    its row's ``nary = (least, multiple)`` asks for (``sum``: 3 arguments,
    ``dot``: 6, three weights and three inputs), and never fewer than ``least``.
    """
    if op.arity is not None:
        n = op.arity
    else:
        least, multiple = op.nary
        n = multiple * max(nary, -(-least // multiple))
    points = st.tuples(*[_in_intervals(op.domain.intervals(i)) for i in range(n)])
    if op.kinks:  # a fused op's kink (relu_dot's dot product) is not an interval of one argument
        points = points.filter(lambda xs: all(abs(k.value(xs) - k.at) > 1e-3 for k in op.kinks))
    return points


def functions(
    max_depth: int = 5,
    min_depth: int = 1,
    variables: int | st.SearchStrategy[int] = 3,
    ops: Sequence[str] = DEFAULT_OPS,
    seeds: st.SearchStrategy[int] = st.integers(0, 2**16),
) -> st.SearchStrategy[RandomFunction]:
    """Random composite functions from :func:`compare.generate.generate`.

    ``variables`` may be a number or a strategy; ``ops`` restricts the op mix.
    """
    counts = variables if isinstance(variables, st.SearchStrategy) else st.just(variables)
    return st.builds(
        lambda seed, depth, index, n: generate(seed=seed, depth=depth, index=index, variables=n, ops=ops),
        seeds, st.integers(min_depth, max_depth), st.integers(0, 1000), counts,
    )


@st.composite
def function_points(draw, **kwargs) -> tuple[RandomFunction, tuple[float, ...]]:
    """A random function and one of its sample points (keywords as for :func:`functions`)."""
    f = draw(functions(**kwargs))
    return f, draw(st.sampled_from(f.points))


def graphs(**kwargs) -> st.SearchStrategy[Value]:
    """A random function's toygrad graph, built at one of its sample points."""
    return function_points(**kwargs).map(lambda fp: fp[0].build(fp[1]))


def points(
    f: Any, min_value: float = -3.0, max_value: float = 3.0, arity: int | None = None
) -> st.SearchStrategy[dict[str, float]]:
    """Points ``{name: number}`` for the variables of ``f`` where ``f`` is defined (its graph builds).

    ``f`` is anything :func:`compare.check` takes; ``arity`` counts the
    variables of a function that takes ``*args``. Each coordinate is drawn
    from ``[min_value, max_value]``.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, deadline=None)
    ... @given(points(lambda x, y: (x / y).log()))
    ... def test_defined(p):
    ...     assert p["x"] / p["y"] > 0
    >>> test_defined()
    """
    subject = subject_for(f, arity)
    coordinate = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return st.fixed_dictionaries({n: coordinate for n in subject.variables}).filter(
        lambda p: _defined(subject, p)
    )


def _defined(subject: Any, point: dict[str, float]) -> bool:
    try:
        subject.build(point)
    except DomainError:
        return False
    return True
