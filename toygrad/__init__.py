"""toygrad: a scalar autograd engine on one op table.

>>> from toygrad import Value
>>> x = Value(3.0, label="x")
>>> y = (x * x).sin() + x.exp()
>>> y.backward()
>>> round(x.grad, 6)  # 2x cos(x^2) + e^x
14.618755

The engine (:mod:`toygrad.engine`) applies rows of the op table
(:mod:`toygrad.ops`); :mod:`toygrad.nn` builds micrograd-compatible networks on
it. ``toygrad`` never imports SymPy.
"""

from . import nn, ops, viz
from .engine import Constant, Value, apply, dot, sum
from .graph import count_nodes, topological, variable_names, variables
from .ops import OPS, DomainError, Op
from .printing import formula

__all__ = [
    "Value",
    "Constant",
    "DomainError",
    "Op",
    "OPS",
    "apply",
    "sum",
    "dot",
    "formula",
    "topological",
    "variables",
    "variable_names",
    "count_nodes",
    "nn",
    "ops",
    "viz",
]

__version__ = "0.1.0"
