"""symbolic: the same graph as a SymPy expression, differentiated by SymPy.

>>> from toygrad import Value
>>> from symbolic import to_sympy, gradient
>>> x = Value(2.0, label="x")
>>> f = x.exp() * x.sin()
>>> to_sympy(f)
exp(x)*sin(x)
>>> gradient(f, mode="tree").outputs[0]
exp(x)*sin(x) + exp(x)*cos(x)

``symbolic`` never reads a derivative rule of ``toygrad``: it shares only how
each op is written in SymPy (the op table's ``sympy`` column), and that
translation is checked by comparing forward values.

Two backends differentiate (``backend="sympy"``, the reference, or
``"symengine"``, fast: :mod:`symbolic.backends`), and python-flint's ball
arithmetic gives certified values at the exact point (:mod:`symbolic.balls`).
"""

from .backends import DEFAULT_BACKEND, Backend, BackendUnavailable, backend, missing
from .balls import Ball, evaluate_balls
from .conventions import at_kinks
from .convert import EVALUATE_DEPTH, exact, from_sympy, graph_depth, symbols_of, to_expr, to_sympy
from .gradients import MODES, gradient, hessian
from .parser import NAMED_CONSTANTS, Formula, ParseError, parse
from .program import EXACT_DIGITS, Program, SymbolicDomainError, SymbolicLimitError

__all__ = [
    "to_sympy",
    "from_sympy",
    "parse",
    "ParseError",
    "Formula",
    "symbols_of",
    "exact",
    "graph_depth",
    "gradient",
    "hessian",
    "Program",
    "MODES",
    "at_kinks",
    "EXACT_DIGITS",
    "EVALUATE_DEPTH",
    "SymbolicDomainError",
    "SymbolicLimitError",
    "to_expr",
    "backend",
    "Backend",
    "BackendUnavailable",
    "DEFAULT_BACKEND",
    "missing",
    "Ball",
    "evaluate_balls",
    "NAMED_CONSTANTS",
]
