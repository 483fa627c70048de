"""The computer-algebra systems ``symbolic`` differentiates with: SymPy (the reference) and SymEngine (fast).

A :class:`Backend` is the small interface the rest of ``symbolic`` uses: the
module an op row's ``sympy(module, *args)`` translation is handed, symbols,
exact numbers, the constants ``pi`` and ``e``, a sum, and ``diff`` with the
toolkit's convention at kinks. SymPy is what users see (``gradient()``, the
README, LaTeX); SymEngine, SymPy's C++ core, differentiates the same
expressions about a thousand times faster.

Kinks. SymPy differentiates the rows' ``Max`` to ``Heaviside`` (made 0 at 0 by
:func:`symbolic.at_kinks`). SymEngine cannot differentiate ``Max`` at all, so
its rows get a ``Max`` written as a ``Piecewise``: each argument where it is
strictly the largest, and at a tie a value whose derivative is the table's kink
slope 0: a constant argument when there is one (``relu = Max(0, u)``), else the
mean of the arguments (``abs = Max(u, -u)``: ``(u - u)/2 = 0``). SymEngine
differentiates a ``Piecewise`` branch by branch, so ``relu'(0) = abs'(0) = 0``
and every second derivative at a kink is 0, as in the engine (tests check each
kink row on both backends).

>>> b = backend("symengine") if "symengine" not in missing() else backend("sympy")
>>> x = b.symbol("x")
>>> b.diff(b.module.sin(x) * x, x)
x*cos(x) + sin(x)
"""

from __future__ import annotations

import importlib
import types
from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp

from .conventions import at_kinks

__all__ = ["Backend", "backend", "missing", "BACKENDS", "DEFAULT_BACKEND", "BackendUnavailable"]


def _optional(name: str, purpose: str) -> tuple[Any, str | None]:
    """The module, or None and the reason it cannot be used."""
    try:
        return importlib.import_module(name), None
    except ImportError as error:
        return None, f"{name} cannot be imported ({error}); {purpose} (pip install {_PIP[name]})"


_PIP = {"symengine": "symengine", "flint": "python-flint"}
symengine, _SYMENGINE_PROBLEM = _optional("symengine", "derivatives fall back to the sympy backend")
flint, _FLINT_PROBLEM = _optional("flint", "exact values fall back to sympy's evalf, not certified")


def missing() -> dict[str, str]:
    """The optional fast parts that cannot be imported, each with what the toolkit does instead.

    >>> set(missing()) <= {"symengine", "python-flint"}
    True
    """
    problems = {"symengine": _SYMENGINE_PROBLEM, "python-flint": _FLINT_PROBLEM}
    return {name: why for name, why in problems.items() if why}


class BackendUnavailable(ImportError):
    """A backend was asked for by name (``strict=True``) and cannot be imported."""


@dataclass(frozen=True, eq=False)
class Backend:
    """One computer-algebra system behind ``symbolic``; see the module docstring."""

    name: str
    core: Any  # the sympy or symengine module
    module: Any  # what the op table's ``sympy(module, *args)`` is handed
    _diff: Callable[[Any, Any], Any]

    def __repr__(self) -> str:
        return f"<backend {self.name}>"

    def symbol(self, name: str) -> Any:
        """A real symbol (SymEngine's symbols carry no assumptions)."""
        return sp.Symbol(name, real=True) if self.core is sp else self.core.Symbol(name)

    def dummy(self, name: str) -> Any:
        """A fresh symbol that no other symbol equals."""
        return sp.Dummy(name, real=True) if self.core is sp else self.core.Dummy(name)

    def integer(self, n: int) -> Any:
        return self.core.Integer(n)

    def number(self, x: float) -> Any:
        """The exact rational value of a float (or an int)."""
        p, q = float(x).as_integer_ratio() if not isinstance(x, int) else (x, 1)
        return self.core.Integer(p) if q == 1 else self.core.Rational(p, q)

    def constant(self, name: str) -> Any:
        """The exact constant ``pi`` or ``e``."""
        return {"pi": self.core.pi, "e": self.core.E}[name]

    def add(self, terms: list[Any]) -> Any:
        return self.core.Add(*terms)

    def diff(self, expr: Any, s: Any) -> Any:
        """d expr / d s, with the kink convention (slope 0 and second derivative 0 at a kink)."""
        return self._diff(expr, s)

    def to_sympy(self, expr: Any) -> sp.Expr:
        """The same expression in SymPy (the identity on the sympy backend)."""
        return expr if self.core is sp else sp.sympify(expr)


def _sympy_diff(expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    return at_kinks(sp.diff(expr, s))


def _symengine_rows(se: Any) -> Any:
    """symengine's names as the op rows use them, with ``Max`` as a Piecewise (see the module docstring)."""

    def piecewise_max(*args: Any) -> Any:
        args = [se.sympify(a) for a in args]
        if all(a.is_Number for a in args):
            return se.Max(*args)
        constants = [a for a in args if a.is_Number]
        tie = constants[0] if constants else se.Add(*args) / len(args)
        pieces = [(a, se.And(*[a > b for j, b in enumerate(args) if j != i])) for i, a in enumerate(args)]
        return se.Piecewise(*pieces, (tie, True))

    names = {name: getattr(se, name) for name in dir(se) if not name.startswith("_")}
    names["Max"] = piecewise_max
    return types.SimpleNamespace(**names)


SYMPY = Backend("sympy", sp, sp, _sympy_diff)
BACKENDS: dict[str, Backend] = {"sympy": SYMPY}
if symengine is not None:
    BACKENDS["symengine"] = Backend("symengine", symengine, _symengine_rows(symengine), symengine.diff)

#: the fast backend when it can be imported, else the reference
DEFAULT_BACKEND = "symengine" if "symengine" in BACKENDS else "sympy"


def backend(name: "str | Backend | None" = None, *, strict: bool = False) -> Backend:
    """The backend called ``name`` (``"sympy"``, ``"symengine"``; None: :data:`DEFAULT_BACKEND`).

    An unavailable ``"symengine"`` gives the sympy backend (``missing()`` says
    why), or raises :class:`BackendUnavailable` with ``strict=True``.

    >>> backend("sympy")
    <backend sympy>
    """
    if isinstance(name, Backend):
        return name
    name = DEFAULT_BACKEND if name is None else name
    if name == "symengine" and name not in BACKENDS:
        if strict:
            raise BackendUnavailable(_SYMENGINE_PROBLEM)
        return SYMPY
    if name not in ("sympy", "symengine"):
        raise ValueError(f"unknown symbolic backend {name!r}; choose 'sympy' or 'symengine'")
    return BACKENDS[name]
