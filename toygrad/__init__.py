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

from . import autodiff, losses, nn, ops, optim, viz
from .autodiff import grad, gradient_forward, hessian, jvp
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
    "grad",
    "hessian",
    "jvp",
    "gradient_forward",
    "formula",
    "topological",
    "variables",
    "variable_names",
    "count_nodes",
    "autodiff",
    "losses",
    "optim",
    "nn",
    "ops",
    "viz",
]

__version__ = "0.1.0"
