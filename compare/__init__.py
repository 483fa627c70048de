"""compare: automatic, symbolic and finite-difference gradients side by side, as a library.

Check your own function in one call: its gradient by toygrad's AD, exactly
(SymPy's derivative at the exact point) and by central finite differences,
against a tolerance that follows the conditioning of the computation.

>>> import compare
>>> compare.check(lambda x, y: (x * y).sin() + x.exp(), at=(0.3, 2.0)).ok
True
>>> compare.assert_gradients_agree("sin(x**2) * exp(y) / (1 + z)", at={"x": 1.0, "y": 0.5, "z": 2.0}, order=2)

Also public: :mod:`compare.generate` (seeded random composite functions),
:mod:`compare.sweep` (many checks on any ``concurrent.futures`` executor),
:mod:`compare.strategies` (hypothesis strategies; needs hypothesis), the pytest
plugin :mod:`compare.pytest_plugin` (fixture ``gradcheck``) and
:mod:`compare.subjects` (what can be checked). The command line
(``python -m compare``) lives in :mod:`compare.cli`, apart from the library.
Everything is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use (PEP 562), so that ``import compare.cli.bench`` stays light
    from . import generate, strategies, subjects, sweep
    from .api import FAILING, Partial, PointResult, Result, assert_gradients_agree, check
    from .three_way import VERDICTS, Policy

__all__ = [
    "check", "assert_gradients_agree", "Result", "PointResult", "Partial", "Policy", "VERDICTS", "FAILING",
    "generate", "sweep", "strategies", "subjects",
]

_WHERE = {
    **dict.fromkeys(["check", "assert_gradients_agree", "Result", "PointResult", "Partial", "FAILING"], ".api"),
    **dict.fromkeys(["Policy", "VERDICTS"], ".three_way"),
}
_MODULES = ("generate", "sweep", "strategies", "subjects")


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    elif name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'compare' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
