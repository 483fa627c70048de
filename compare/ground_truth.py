"""The ground truth of every check: a CAS derivative, derived once per function, evaluated as certified balls.

:func:`derive` differentiates a toygrad graph with a ``symbolic`` backend
(SymEngine by default, SymPy for the reference path): tree mode (the whole
expression at once) unless its derivative is larger than :data:`TREE_LIMIT`
operations, DAG mode otherwise, or as asked. :meth:`Truth.at` evaluates the
derivatives, the function's value and the exact side of every kink at a point
in ball arithmetic (python-flint's ``arb``, at the floats' exact binary
values), raising the precision until each ball is narrower than
:data:`CERTIFY` times the tolerance it will be compared with.

A ball is *certified* for a tolerance when its own radius is at most
``CERTIFY * tolerance`` and no step fell back to ``evalf``: the exact value is
then known far better than any verdict needs, and ``agree`` may rest on it.
Otherwise it is ``undecided``, or ``kink`` when a kink's argument could not be
told apart from 0 (the verdict is then non-smooth).

>>> from toygrad import Value
>>> x = Value(0.0, label="x")
>>> truth = derive((x * 3).exp() + x.relu())
>>> exact = truth.at({"x": 0.0}, tolerance=[1e-15], value_tolerance=1e-16)
>>> exact.derivatives[0].mid, status(exact.derivatives[0], 1e-15), exact.value.mid, exact.sides
(3.0, 'certified', 1.0, (0,))
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from symbolic import Ball, Program, SymbolicLimitError, backend as get_backend, symbols_of
from symbolic import gradient as symbolic_gradient
from symbolic import hessian as symbolic_hessian
from symbolic.backends import Backend, flint
from toygrad import Constant, Value, topological, variables

from . import kinks

__all__ = ["Truth", "Exact", "derive", "status", "record", "CERTIFY", "TREE_LIMIT"]

#: a ball certifies a comparison when its radius is at most this fraction of the tolerance
CERTIFY = 1e-3
#: tree mode is the ground truth unless its derivative is larger than this many ops (counted by the backend)
TREE_LIMIT = 20_000


@dataclass(frozen=True)
class Exact:
    """The ground truth at one point: a ball per derivative, the value's ball, each kink's exact side.

    ``sides[k]`` is -1, 0 or 1 (below, at, above its kink), or None where
    the ball straddled the kink at every precision and exact rational
    arithmetic could not decide either.
    """

    derivatives: tuple[Ball, ...]
    value: Ball | None
    sides: tuple[int | None, ...]


@dataclass
class Truth:
    """What a backend derives once per function, evaluated at any point by :meth:`at`.

    ``program`` holds the derivatives (``mode`` ``"tree"`` or ``"dag"``), in
    the order of ``wrt`` (row by row for a Hessian); ``evaluator`` the same
    outputs, then the value and the kink signs, as one ball plan; ``compiled``
    the derivatives as a float function of ``program.inputs`` (when asked).
    ``times`` (seconds) and ``sizes`` (operations, counted by the backend).
    """

    backend: Backend
    mode: str
    program: Program
    evaluator: Program
    with_value: bool
    kink_count: int
    compiled: Callable[..., list[float]] | None = None
    sizes: dict[str, int | None] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)

    def at(self, point: Mapping[str, Any], tolerance: Sequence[float], value_tolerance: float | None = None) -> Exact:
        """The balls at ``point`` (names to floats), each narrow enough to judge against its tolerance.

        ``tolerance`` holds one tolerance per derivative. Raises
        ``symbolic.SymbolicDomainError`` when the exact value is not a finite real.
        """
        n = len(self.program.outputs)
        if len(tolerance) != n:
            raise ValueError(f"{n} derivatives but {len(tolerance)} tolerances")
        wanted = [t for t in [*tolerance, *([value_tolerance] if self.with_value else [])] if t and t > 0]
        target = {"radius": CERTIFY * min(wanted), "rel_bits": None} if wanted else {}
        balls = self.evaluator.balls(point, **target)
        value = balls[n] if self.with_value else None
        signs = balls[n + self.with_value:]
        sides = tuple(int(b.mid) if b.rad == 0 and not b.at_kink and math.isfinite(b.mid) else None for b in signs)
        return Exact(tuple(balls[:n]), value, sides)


def status(ball: Ball, tolerance: float) -> str:
    """``"certified"``, ``"undecided"`` or ``"kink"``: whether ``ball`` settles a comparison at ``tolerance``.

    Certified: evaluated without an ``evalf`` fallback, and the ball's own
    radius (its midpoint's rounding to a double aside) at most
    ``CERTIFY * tolerance``.
    """
    if ball.at_kink:
        return "kink"
    if ball.arb is None or not ball.certified or not math.isfinite(ball.mid):
        return "undecided"
    if tolerance == math.inf or ball.arb.rad() <= flint.arb(CERTIFY * tolerance):
        return "certified"
    return "undecided"


def record(ball: Ball | None, tolerance: float) -> dict[str, Any] | None:
    """A ball as plain data: midpoint (the nearest double), radius around it, status for ``tolerance``, bits."""
    if ball is None:
        return None
    return {"mid": ball.mid, "rad": ball.rad, "status": status(ball, tolerance), "prec": ball.prec}


def derive(
    graph: Value,
    wrt: Sequence[Value] | None = None,
    *,
    order: int = 1,
    backend: "str | Backend | None" = None,
    constants: Mapping[Constant, Any] | None = None,
    mode: str = "auto",
    with_value: bool = True,
    kink_sides: bool = True,
    compile: bool = False,
    sizes: bool = False,
) -> Truth:
    """Differentiate ``graph`` once (gradient for ``order=1``, Hessian for ``order=2``) for :meth:`Truth.at`.

    ``wrt`` defaults to every variable of the graph, in graph order.
    ``backend``: ``"symengine"`` (the default when it can be imported) or
    ``"sympy"`` (the reference). ``constants`` maps the constant leaves that
    stand for ``pi`` and ``e`` to their names (``symbolic.Formula.build_named``),
    so they are exact. ``mode``: ``"auto"`` (tree unless larger than
    :data:`TREE_LIMIT`), ``"tree"`` or ``"dag"``. ``with_value`` and
    ``kink_sides`` add the value and the kinks' exact sides to each
    evaluation; ``compile`` a float function (the float symbolic column);
    ``sizes`` the sizes of each representation (order 1: graph, tree, tree
    after cse, DAG), which the cost tables show.
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    if mode not in ("auto", "tree", "dag"):
        raise ValueError(f"unknown mode {mode!r}; choose auto, tree or dag")
    b = get_backend(backend)
    wrt = list(variables(graph)) if wrt is None else list(wrt)
    times: dict[str, float] = {}
    symbols = symbols_of(graph, b)
    syms = [symbols[v] for v in wrt]

    t = time.perf_counter()
    forward = Program.from_graph(graph, symbols, b, constants)
    times["forward"] = time.perf_counter() - t
    tree: Program | None = None
    tree_ops: int | None = None
    if mode != "dag":
        t = time.perf_counter()
        try:
            derivative = symbolic_gradient if order == 1 else symbolic_hessian
            tree = derivative(graph, wrt, mode="tree", backend=b, constants=constants)
            tree_ops = tree.count_ops()
        except SymbolicLimitError:
            tree = None
        if mode == "auto" and tree_ops is not None and tree_ops > TREE_LIMIT:
            tree = None  # too large to evaluate or compile as one expression
        times["tree"] = time.perf_counter() - t
    dag: Program | None = None
    if tree is None or sizes:
        t = time.perf_counter()
        dag = forward.gradient(wrt=syms)
        if order == 2:
            dag = dag.jacobian(wrt=syms)
        times["dag"] = time.perf_counter() - t
    program = tree if tree is not None else dag

    measured: dict[str, int | None] = {}
    if sizes:
        t = time.perf_counter()
        measured = {"graph_ops": sum(1 for n in topological(graph) if n.op is not None), "tree_ops": tree_ops,
                    "tree_ops_cse": tree.count_ops_cse() if tree is not None else None, "dag_ops": dag.count_ops()}
        times["sizes"] = time.perf_counter() - t

    signs = kinks.kink_signs(graph, forward, constants) if kink_sides else []
    bindings = dag.bindings if program is dag else forward.bindings
    outputs = program.outputs + (forward.outputs if with_value else ()) + tuple(signs)
    evaluator = Program(forward.inputs, bindings, outputs, b)
    truth = Truth(b, "tree" if program is tree else "dag", program, evaluator, with_value, len(signs),
                  sizes=measured, times=times)
    if compile:
        t = time.perf_counter()
        truth.compiled = program.compile()
        times["lambdify_compile"] = time.perf_counter() - t
    return truth
