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
"""

from __future__ import annotations

import importlib
from typing import Any

from . import generate, subjects, sweep
from .api import FAILING, Partial, PointResult, Result, assert_gradients_agree, check
from .check import VERDICTS, Policy

__all__ = [
    "check", "assert_gradients_agree", "Result", "PointResult", "Partial", "Policy", "VERDICTS", "FAILING",
    "generate", "sweep", "strategies", "subjects",
]


def __getattr__(name: str) -> Any:
    if name == "strategies":  # imports hypothesis: only when asked for
        return importlib.import_module(".strategies", __name__)
    raise AttributeError(f"module 'compare' has no attribute {name!r}")
