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

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import sympy as sp

from toygrad import Constant, Value, topological, variables

from .conventions import at_kinks
from .convert import exact, symbols_of

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
    """Bindings ``(symbol, expression)`` in evaluation order, and outputs over them."""

    inputs: tuple[sp.Symbol, ...]
    bindings: tuple[tuple[sp.Symbol, sp.Expr], ...]
    outputs: tuple[sp.Expr, ...]

    # ---------------------------------------------------------------- build
    @classmethod
    def from_graph(cls, value: Value, symbols: Mapping[Value, sp.Symbol] | None = None) -> "Program":
        """One binding per op node of the toygrad graph; the output is the root.

        Each binding is the op's row translation applied to its arguments'
        symbols (or exact constants), so every expression is small.
        """
        symbols = symbols_of(value) if symbols is None else symbols
        names: dict[int, sp.Expr] = {}
        bindings = []
        for node in topological(value):
            if node.op is None:
                names[id(node)] = symbols[node]
                continue
            args = [exact(a.data) if a.__class__ is Constant else names[id(a)] for a in node.args]
            t = sp.Dummy(f"t{len(bindings)}", real=True)
            bindings.append((t, node.op.sympy(sp, *args)))
            names[id(node)] = t
        inputs = tuple(symbols[v] for v in variables(value))
        return cls(inputs, tuple(bindings), (names[id(value)],))

    # ------------------------------------------------------------ DAG mode
    def gradient(self, output: int = 0, wrt: Sequence[sp.Symbol] | None = None) -> "Program":
        """DAG-mode gradient of ``outputs[output]`` with respect to ``wrt`` (default: the inputs).

        The new program keeps these bindings and appends one adjoint binding per
        binding that the output depends on.
        """
        new, adjoints = self._reverse(self.outputs[output], len(self.bindings))
        wrt = self.inputs if wrt is None else tuple(wrt)
        return Program(self.inputs, self.bindings + tuple(new), tuple(adjoints.get(s, sp.Integer(0)) for s in wrt))

    def jacobian(self, wrt: Sequence[sp.Symbol] | None = None) -> "Program":
        """DAG-mode derivatives of every output: outputs become the rows, flattened.

        Applied to a gradient program this gives the Hessian, row by row; the
        reverse sweeps share the program's bindings.
        """
        wrt = self.inputs if wrt is None else tuple(wrt)
        bindings = list(self.bindings)
        rows: list[sp.Expr] = []
        for out in self.outputs:
            new, adjoints = self._reverse(out, len(bindings), bindings)
            bindings += new
            rows += [adjoints.get(s, sp.Integer(0)) for s in wrt]
        return Program(self.inputs, tuple(bindings), tuple(rows))

    def _reverse(
        self, output: sp.Expr, counter: int, bindings: Sequence[tuple[sp.Symbol, sp.Expr]] | None = None
    ) -> tuple[list[tuple[sp.Symbol, sp.Expr]], dict[sp.Symbol, sp.Expr]]:
        """One reverse sweep from ``output``: the adjoint bindings and the inputs' adjoints."""
        bindings = self.bindings if bindings is None else bindings
        order = {s: i for i, s in enumerate(self.inputs)}
        order.update({s: len(order) + i for i, (s, _) in enumerate(bindings)})
        seed = sp.Dummy("out", real=True)
        contributions: dict[sp.Symbol, list[sp.Expr]] = {}
        new: list[tuple[sp.Symbol, sp.Expr]] = []
        for s, rhs in [*bindings, (seed, output)][::-1]:
            if s is seed:
                adjoint: sp.Expr = sp.Integer(1)
            elif s in contributions:
                adjoint = sp.Dummy(f"a{counter + len(new)}", real=True)
                new.append((adjoint, sp.Add(*contributions.pop(s))))
            else:
                continue  # the output does not depend on this binding
            for u in sorted(rhs.free_symbols & order.keys(), key=order.__getitem__):
                local = at_kinks(sp.diff(rhs, u))
                if local != 0:
                    contributions.setdefault(u, []).append(adjoint * local)
        return new, {s: sp.Add(*terms) for s, terms in contributions.items()}

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

    def count_ops(self) -> int:
        """Operations in this representation: every binding's and output's ``count_ops``."""
        return sum(sp.count_ops(rhs) for _, rhs in self.bindings) + sum(sp.count_ops(o) for o in self.outputs)

    def count_ops_cse(self) -> int:
        """Operations after SymPy's common-subexpression elimination over the program."""
        exprs = [rhs for _, rhs in self.bindings] + list(self.outputs)
        try:
            replacements, reduced = sp.cse(exprs)
        except RecursionError:
            raise SymbolicLimitError("cse met Python's recursion limit") from None
        return sum(sp.count_ops(r) for _, r in replacements) + sum(sp.count_ops(e) for e in reduced)

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
            # a float's exact binary value, carried with more digits than it has: no rounding
            env[s] = sp.Float(v if isinstance(v, sp.Rational) else exact(v), digits + _GUARD_DIGITS)
        missing = [s.name for s in self.inputs if s not in env]
        if missing:
            raise ValueError(f"no value given for {', '.join(missing)}")
        return env

    def evaluate(self, point: Mapping[Any, Any], digits: int = EXACT_DIGITS) -> list[sp.Expr]:
        """The outputs at ``point`` (symbols or names to numbers), "exactly".

        Each input is the exact binary value of its float (a double has 53
        bits, about 16 digits, so ``digits + 20`` digits hold it without
        rounding), and everything after it is computed by SymPy/mpmath to at
        least ``digits`` significant digits, far beyond a double's 16: exact
        for the purpose of judging float results. (Exact rational arithmetic
        would be truly exact, but a float exponent such as ``x**1.234`` is a
        rational with a 2**52 denominator, whose exact power never finishes.)
        Raises :class:`SymbolicDomainError` if a value is not a finite real.
        """
        return self.trace(point, digits)[1]

    def trace(self, point: Mapping[Any, Any], digits: int = EXACT_DIGITS) -> tuple[dict, list[sp.Expr]]:
        """Like :meth:`evaluate`, also returning every binding's value (symbol to number)."""
        env = self._point(point, digits)
        for s, rhs in self.bindings:
            env[s] = _number(rhs.xreplace(env), digits, rhs)
        return env, [_number(o.xreplace(env), digits, o) for o in self.outputs]

    def compile(self, modules: str = "math") -> Callable[..., list[float]]:
        """A fast float function of the inputs (in order) through ``lambdify``.

        Bindings become the function's intermediate lines, so sharing is kept;
        SymPy's ``cse`` runs inside each line's expression as well.
        """
        program = self

        def bindings_as_cse(exprs):
            return list(program.bindings), exprs

        return sp.lambdify(self.inputs, list(self.outputs), modules=modules, cse=bindings_as_cse)


def _number(value: sp.Expr, digits: int, source: sp.Expr) -> sp.Expr:
    if not value.is_Rational:
        value = value.evalf(digits)
    if value.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_number or value.is_real is False:
        raise SymbolicDomainError(f"{source} is not a finite real number here: it evaluates to {value}")
    return value
