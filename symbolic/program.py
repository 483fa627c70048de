"""Straight-line programs of SymPy bindings, and their DAG-mode derivatives.

A :class:`Program` is a list of bindings ``t_k = expr_k`` (each using the inputs
and earlier bindings) and a list of outputs. A toygrad graph becomes one with a
binding per op node, so shared subexpressions stay shared. Differentiating it
in *DAG mode* takes each binding's local derivatives from ``sympy.diff`` of that
binding's own small expression and applies the chain rule over the program, in
reverse: the result is again a program whose size is linear in the graph (Laue,
"On the equivalence of automatic and symbolic differentiation").

>>> from toygrad import Value
>>> x = Value(3.0, label="x")
>>> p = Program.from_graph((x * x).sin())
>>> g = p.gradient()
>>> g.expand()
[2*x*cos(x**2)]
>>> [round(float(v), 12) for v in g.evaluate({"x": 3})]
[-5.466781571308]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import sympy as sp

from toygrad import Constant, Value, topological, variables

from .backends import SYMPY, Backend
from .convert import constant_expr, exact, symbols_of

if TYPE_CHECKING:
    from .balls import Ball, BallPlan

__all__ = ["Program", "SymbolicDomainError", "SymbolicLimitError", "EXACT_DIGITS"]

#: significant digits of "exact" evaluation: inputs are the floats' exact binary
#: values and every intermediate is evaluated to this many digits (a double has 16)
EXACT_DIGITS = 50
_GUARD_DIGITS = 20


class SymbolicDomainError(ValueError):
    """A symbolic evaluation left the reals (``log`` of a negative, a division by 0)."""


class SymbolicLimitError(RuntimeError):
    """SymPy could not finish: it met Python's recursion limit (tree mode on a deep expression)."""


@dataclass(frozen=True)
class Program:
    """Bindings ``(symbol, expression)`` in evaluation order, and outputs over them.

    The expressions belong to ``backend`` (SymPy by default, or SymEngine);
    :meth:`to_sympy` gives the same program in SymPy.
    """

    inputs: tuple[sp.Symbol, ...]
    bindings: tuple[tuple[sp.Symbol, sp.Expr], ...]
    outputs: tuple[sp.Expr, ...]
    backend: Backend = field(default=SYMPY, compare=False)

    # ---------------------------------------------------------------- build
    @classmethod
    def from_graph(
        cls,
        value: Value,
        symbols: Mapping[Value, Any] | None = None,
        backend: Backend = SYMPY,
        constants: Mapping[Constant, Any] | None = None,
    ) -> "Program":
        """One binding per op node of the toygrad graph; the output is the root.

        Each binding is the op's row translation applied to its arguments'
        symbols (or exact constants; ``constants`` as in ``to_sympy``), so
        every expression is small.
        """
        symbols = symbols_of(value, backend) if symbols is None else symbols
        names: dict[int, Any] = {}
        bindings = []
        module = backend.module
        for node in topological(value):
            if node.op is None:
                names[id(node)] = symbols[node]
                continue
            args = [constant_expr(a, constants, backend) if a.__class__ is Constant else names[id(a)]
                    for a in node.args]
            t = backend.dummy(f"t{len(bindings)}")
            bindings.append((t, node.op.sympy(module, *args)))
            names[id(node)] = t
        inputs = tuple(symbols[v] for v in variables(value))
        return cls(inputs, tuple(bindings), (names[id(value)],), backend)

    # ------------------------------------------------------------ DAG mode
    def gradient(self, output: int = 0, wrt: Sequence[sp.Symbol] | None = None) -> "Program":
        """DAG-mode gradient of ``outputs[output]`` with respect to ``wrt`` (default: the inputs).

        The new program keeps these bindings and appends one adjoint binding per
        binding that the output depends on.
        """
        new, adjoints = self._reverse(self.outputs[output], self.bindings, _LocalDerivatives(self.backend))
        wrt = self.inputs if wrt is None else tuple(wrt)
        zero = self.backend.integer(0)
        return replace(self, bindings=self.bindings + tuple(new), outputs=tuple(adjoints.get(s, zero) for s in wrt))

    def jacobian(self, wrt: Sequence[sp.Symbol] | None = None) -> "Program":
        """DAG-mode derivatives of every output: outputs become the rows, flattened.

        Applied to a gradient program this gives the Hessian, row by row; the
        reverse sweeps share the program's bindings.
        """
        wrt = self.inputs if wrt is None else tuple(wrt)
        bindings = list(self.bindings)
        local = _LocalDerivatives(self.backend)
        zero = self.backend.integer(0)
        rows: list[sp.Expr] = []
        for out in self.outputs:
            new, adjoints = self._reverse(out, bindings, local)
            bindings += new
            rows += [adjoints.get(s, zero) for s in wrt]
        return replace(self, bindings=tuple(bindings), outputs=tuple(rows))

    def _reverse(
        self, output: sp.Expr, bindings: Sequence[tuple[sp.Symbol, sp.Expr]], local: "_LocalDerivatives"
    ) -> tuple[list[tuple[sp.Symbol, sp.Expr]], dict[sp.Symbol, sp.Expr]]:
        """One reverse sweep from ``output``: the adjoint bindings and the inputs' adjoints.

        A binding's adjoint is the sum of its consumers' adjoints times their
        local derivatives. A sum is differentiated term by term (each term
        only by the symbols in it), so a neuron's 17-term sum costs 17 small
        ``diff`` calls rather than 17 of the whole sum.
        """
        order = {s: i for i, s in enumerate(self.inputs)}
        order.update({s: len(order) + i for i, (s, _) in enumerate(bindings)})
        b = self.backend
        seed = b.dummy("out")
        contributions: dict[sp.Symbol, list[sp.Expr]] = {}
        new: list[tuple[sp.Symbol, sp.Expr]] = []
        counter = len(bindings)
        for s, rhs in [*bindings, (seed, output)][::-1]:
            if s is seed:
                adjoint: sp.Expr = b.integer(1)
            else:
                terms = contributions.pop(s, None)
                if terms is None:
                    continue  # the output does not depend on this binding
                if len(terms) == 1 and (terms[0].is_Symbol or terms[0].is_Number):
                    adjoint = terms[0]  # no binding needed for a bare symbol or number
                else:
                    adjoint = b.dummy(f"a{counter + len(new)}")
                    new.append((adjoint, _sum(terms, new, counter, b)))
            for term in rhs.args if rhs.is_Add else (rhs,):
                used = sorted(term.free_symbols & order.keys(), key=order.__getitem__)
                for u, d in local(term, used):
                    contributions.setdefault(u, []).append(adjoint * d)
        return new, {s: _sum(terms, new, counter, b) for s, terms in contributions.items()}

    # ------------------------------------------------------------- look at it
    def expand(self) -> list[sp.Expr]:
        """The outputs as plain expressions of the inputs (bindings substituted).

        This undoes the sharing: on a deep program the result can be huge.
        """
        env: dict[sp.Symbol, sp.Expr] = {}
        try:
            for s, rhs in self.bindings:
                env[s] = rhs.xreplace(env)
            return [o.xreplace(env) for o in self.outputs]
        except RecursionError:
            raise SymbolicLimitError("expanding the program met Python's recursion limit") from None

    def to_sympy(self) -> "Program":
        """The same program with SymPy expressions (itself on the sympy backend)."""
        if self.backend is SYMPY:
            return self
        conv = self.backend.to_sympy
        return Program(tuple(map(conv, self.inputs)), tuple((conv(s), conv(rhs)) for s, rhs in self.bindings),
                       tuple(map(conv, self.outputs)))

    def _repr_latex_(self) -> str:
        """LaTeX for notebooks: the bindings (if any), then the outputs, as SymPy prints them."""
        p = self.to_sympy()
        lines = [f"{sp.latex(s)} &= {sp.latex(rhs)}" for s, rhs in p.bindings]
        lines += [f"\\mathrm{{out}}_{{{i}}} &= {sp.latex(o)}" for i, o in enumerate(p.outputs)]
        return "$\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$"

    @cached_property
    def ball_plan(self) -> "BallPlan":
        """The plan that evaluates this program in ball arithmetic (built once, on first use)."""
        from .balls import BallPlan

        return BallPlan(self)

    def balls(self, point: Mapping[Any, Any], **target: Any) -> "list[Ball]":
        """The outputs at ``point`` as certified balls: see :func:`symbolic.balls.evaluate_balls`.

        >>> from toygrad import Value
        >>> x = Value(0.5, label="x")
        >>> [b.certified for b in Program.from_graph(x.exp()).gradient().balls({"x": 0.5})]
        [True]
        """
        return self.ball_plan.balls(point, **target)

    def count_ops(self) -> int:
        """Operations in this representation: every binding's and output's ``count_ops``.

        Counted by the program's own backend, without converting it (a SymEngine
        program would take longer to convert to SymPy than to derive). The two
        count differently (SymEngine writes ``x - y`` as ``x + (-1)*y``), so
        compare sizes within one backend.
        """
        count = self.backend.core.count_ops
        return sum(count(rhs) for _, rhs in self.bindings) + sum(count(o) for o in self.outputs)

    def count_ops_cse(self) -> int:
        """Operations after common-subexpression elimination over the program (by its own backend)."""
        core = self.backend.core
        exprs = [rhs for _, rhs in self.bindings] + list(self.outputs)
        try:
            replacements, reduced = core.cse(exprs)
        except RecursionError:
            raise SymbolicLimitError("cse met Python's recursion limit") from None
        return sum(core.count_ops(r) for _, r in replacements) + sum(core.count_ops(e) for e in reduced)

    def __len__(self) -> int:
        return len(self.bindings)

    # -------------------------------------------------------------- evaluate
    def _point(self, point: Mapping[Any, Any], digits: int) -> dict[sp.Symbol, sp.Expr]:
        by_name = {s.name: s for s in self.inputs}
        env = {}
        for key, v in point.items():
            s = key if isinstance(key, sp.Symbol) else by_name.get(key)
            if s is None:
                continue
            # a SymPy rational stays exact; a float becomes its exact binary value, carried
            # with more digits than it has (no rounding)
            env[s] = v if isinstance(v, sp.Rational) else sp.Float(exact(v), digits + _GUARD_DIGITS)
        missing = [s.name for s in self.inputs if s not in env]
        if missing:
            raise ValueError(f"no value given for {', '.join(missing)}")
        return env

    def evaluate(self, point: Mapping[Any, Any], digits: int = EXACT_DIGITS) -> list[sp.Expr]:
        """The outputs at ``point`` (symbols or names to numbers), "exactly".

        A float input is its exact binary value (a double has 53 bits, about
        16 digits, so ``digits + 20`` digits hold it without rounding), and
        everything after it is computed by SymPy/mpmath to at least ``digits``
        significant digits, far beyond a double's 16: exact for judging float
        results. A SymPy ``Rational`` input stays exact, and so does every
        rational intermediate (a polynomial at rationals is exactly rational);
        prefer floats when the expression has float exponents: ``x**1.234``
        is a power with a 2**52 denominator, which SymPy cannot take exactly
        in reasonable time.
        Raises :class:`SymbolicDomainError` if a value is not a finite real.
        """
        return self.trace(point, digits)[1]

    def trace(self, point: Mapping[Any, Any], digits: int = EXACT_DIGITS) -> tuple[dict, list[sp.Expr]]:
        """Like :meth:`evaluate`, also returning every binding's value (symbol to number)."""
        if self.backend is not SYMPY:
            return self.to_sympy().trace(point, digits)
        env = self._point(point, digits)
        for s, rhs in self.bindings:
            env[s] = _number(rhs.xreplace(env), digits, rhs)
        return env, [_number(o.xreplace(env), digits, o) for o in self.outputs]

    def compile(self, modules: str = "math") -> Callable[..., list[float]]:
        """A fast float function of the inputs (in order) through ``lambdify``.

        Bindings become the function's intermediate lines, so sharing is kept;
        SymPy's ``cse`` runs inside each line's expression as well. ``modules``
        is ``"math"`` (floats) or ``"numpy"`` (arrays: a whole batch at once).
        Heaviside is handed over as a function with the toolkit's value at 0:
        left to SymPy's printer it becomes a Piecewise that SymPy sometimes
        cannot build. On the symengine backend, SymEngine's ``Lambdify`` compiles
        (``modules`` is then ignored: it takes floats and arrays alike).
        """
        if self.backend is not SYMPY:
            return _symengine_compile(self)
        # the inputs renamed _in0, _in1, ...: a variable named max or sin must not shadow the
        # printer's functions, and unlike lambdify's dummify, the names (and so the order in
        # which the printer writes a sum) do not depend on how many symbols the process made
        rename = {s: sp.Symbol(f"_in{k}", real=True) for k, s in enumerate(self.inputs)}
        bindings: list[tuple[sp.Symbol, sp.Expr]] = []
        for s, rhs in self.bindings:
            rhs = rhs.xreplace(rename)
            bindings.append((s, _sum(list(rhs.args), bindings, len(bindings)) if rhs.is_Add else rhs))
        outputs = []
        for o in self.outputs:
            o = o.xreplace(rename)
            outputs.append(_sum(list(o.args), bindings, len(bindings)) if o.is_Add else o)

        def bindings_as_cse(exprs):
            return bindings, exprs

        heaviside = _HEAVISIDE[modules]
        return sp.lambdify(
            list(rename.values()), outputs, modules=[{"Heaviside": heaviside}, modules], cse=bindings_as_cse
        )


def _symengine_compile(program: Program) -> Callable[..., list[Any]]:
    import numpy

    se = program.backend.core
    # SymEngine's own interpreter: its default (LLVM, where built in) compiles about 25x slower, which a
    # derivative evaluated at a few points never wins back
    f = se.Lambdify(list(program.inputs), program.expand(), cse=True, real=True, backend="lambda")

    def run(*xs: Any) -> list[Any]:
        if all(numpy.ndim(x) == 0 for x in xs):
            return [float(v) for v in f(*xs)]
        columns = f(numpy.stack(numpy.broadcast_arrays(*xs), axis=-1))  # one row per point
        return list(numpy.moveaxis(numpy.asarray(columns), -1, 0))

    return run


def _heaviside_float(x: float, at_zero: float = 0.5) -> float:
    return 1.0 if x > 0 else 0.0 if x < 0 else float(at_zero)


def _heaviside_array(x: Any, at_zero: float = 0.5) -> Any:
    import numpy

    return numpy.heaviside(x, at_zero)


_HEAVISIDE = {"math": _heaviside_float, "numpy": _heaviside_array}


#: the most terms one binding sums: a longer sum is split into partial sums, since
#: lambdify prints a + b + ... and Python's compiler nests a long chain of + deeply
MAX_TERMS = 100


def _sum(terms: list[Any], new: list[tuple[Any, Any]], counter: int, backend: Backend = SYMPY) -> Any:
    """``Add(*terms)``, with partial sums bound first when there are many terms."""
    while len(terms) > MAX_TERMS:
        partial = []
        for i in range(0, len(terms), MAX_TERMS):
            s = backend.dummy(f"a{counter + len(new)}")
            new.append((s, backend.add(terms[i:i + MAX_TERMS])))
            partial.append(s)
        terms = partial
    return backend.add(terms)


class _LocalDerivatives:
    """``sympy.diff`` of small terms, once per shape.

    A graph repeats a few shapes (``w*x``, ``Max(0, t)``, ``p**2``) many times:
    each term is renamed to canonical symbols, SymPy differentiates each shape
    once, and the result is renamed back. The kink conventions are applied.
    """

    def __init__(self, backend: Backend = SYMPY) -> None:
        self.backend = backend
        self.canonical: list[sp.Symbol] = []
        self.derivatives: dict[sp.Expr, list[sp.Expr]] = {}

    def __call__(self, term: sp.Expr, symbols: Sequence[sp.Symbol]) -> list[tuple[sp.Symbol, sp.Expr]]:
        while len(self.canonical) < len(symbols):
            self.canonical.append(self.backend.dummy(f"c{len(self.canonical)}"))
        canon = self.canonical[: len(symbols)]
        key = term.xreplace(dict(zip(symbols, canon)))
        ds = self.derivatives.get(key)
        if ds is None:
            ds = self.derivatives[key] = [self.backend.diff(key, c) for c in canon]
        back = dict(zip(canon, symbols))
        return [(u, d.xreplace(back)) for u, d in zip(symbols, ds) if d != 0]


def _number(value: sp.Expr, digits: int, source: sp.Expr) -> sp.Expr:
    if not value.is_Rational:
        value = value.evalf(digits)
    if value.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_number or value.is_real is False:
        raise SymbolicDomainError(f"{source} is not a finite real number here: it evaluates to {value}")
    return value
