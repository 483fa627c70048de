"""A pytest plugin: check the gradients of your own functions from your test suite.

Installed with the package (a ``pytest11`` entry point), it gives every test
the session fixture ``gradcheck``: calling it is
:func:`compare.assert_gradients_agree` (it fails the test with a message that
names the partial, the point, the AD, exact and finite-difference values and
the gap); ``gradcheck.check`` is :func:`compare.check` (it returns the result).
With hypothesis, draw the points with :func:`compare.strategies.points`::

    from hypothesis import given
    from compare.strategies import points

    def swish(x):
        return x * x.sigmoid()

    @given(point=points(swish))
    def test_swish_gradient(gradcheck, point):
        gradcheck(swish, at=point, order=2)

The fixture is session-scoped, so hypothesis accepts it in a ``@given`` test.
Without the entry point (a checkout that is not installed), load the plugin
with ``pytest -p compare.pytest_plugin``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .api import Result, assert_gradients_agree, check

__all__ = ["GradCheck", "gradcheck"]


class GradCheck:
    """``gradcheck(f, at, **options)`` asserts; ``gradcheck.check(f, at, **options)`` returns the result.

    >>> GradCheck()("x * exp(y)", at=(1.0, 0.0))
    """

    def __call__(self, f: Any, at: Any, **options: Any) -> None:
        __tracebackhide__ = True  # pytest shows the caller's line, not this one
        assert_gradients_agree(f, at, **options)

    def check(self, f: Any, at: Any, **options: Any) -> Result:
        return check(f, at, **options)


@pytest.fixture(scope="session")
def gradcheck() -> GradCheck:
    """Check gradients three ways (AD, exact, finite differences): ``gradcheck(f, at=point, order=1)``."""
    return GradCheck()
