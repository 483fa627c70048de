"""Between toygrad graphs and SymPy expressions, through the op table's translations.

>>> from toygrad import Value
>>> x = Value(0.5, label="x")
>>> to_sympy((x * 0.1).sin() + 1)
sin(3602879701896397*x/36028797018963968) + 1

Float constants become the exact rational of their binary value, so exact
evaluation is exact. Both directions walk iteratively.
"""

from __future__ import annotations

from typing import Any, Mapping

import sympy as sp
from sympy.core.parameters import evaluate as sympy_evaluate

from toygrad import OPS, Constant, Value, apply, topological, variable_names

from .backends import SYMPY, Backend

__all__ = ["to_sympy", "to_expr", "symbols_of", "from_sympy", "exact", "graph_depth", "EVALUATE_DEPTH"]

#: Deeper graphs are built with SymPy's automatic evaluation off: its
#: simplifications ask questions (``is_zero``) that recurse through the whole
#: expression, so a chain a few hundred ops deep meets Python's recursion limit.
EVALUATE_DEPTH = 100


def exact(x: float) -> sp.Rational:
    """The exact rational value of a float: ``exact(0.1) == 3602879701896397/36028797018963968``."""
    p, q = float(x).as_integer_ratio()
    return sp.Integer(p) if q == 1 else sp.Rational(p, q)


def graph_depth(value: Value) -> int:
    """The number of op nodes on the longest path from ``value`` down to a leaf."""
    depth: dict[int, int] = {}
    for node in topological(value):
        depth[id(node)] = 1 + max((depth.get(id(a), 0) for a in node.args), default=-1) if node.args else 0
    return depth[id(value)]


def symbols_of(value: Value, backend: Backend = SYMPY) -> dict[Value, Any]:
    """A real symbol for each variable of the graph, named as in :func:`toygrad.formula`."""
    return {v: backend.symbol(name) for v, name in variable_names(value).items()}


def constant_expr(c: Constant, constants: Mapping[Constant, Any] | None, backend: Backend = SYMPY) -> Any:
    """A constant leaf as an exact number: its name's constant (``pi``, ``e``) if ``constants`` names it."""
    if constants and c in constants:
        name = constants[c]
        return backend.constant(name) if isinstance(name, str) else name
    return backend.number(c.data)


def to_sympy(
    value: Value,
    symbols: Mapping[Value, sp.Symbol] | None = None,
    evaluate: bool | None = None,
    constants: Mapping[Constant, Any] | None = None,
) -> sp.Expr:
    """The SymPy expression of a toygrad graph.

    Variables become real symbols named by their ``label``, else ``x0, x1, ...``
    in a stable order (``symbols_of``); pass ``symbols`` to choose them.
    Float constants become exact rationals; ``constants`` maps constant leaves
    to ``"pi"`` or ``"e"`` (see :meth:`symbolic.Formula.build_named`) to make
    them SymPy's exact ``pi`` and ``E``. Each op goes through its row's
    ``sympy`` translation. ``evaluate=None`` lets SymPy simplify as it builds
    unless the graph is deeper than ``EVALUATE_DEPTH`` ops.
    """
    return to_expr(value, SYMPY, symbols, evaluate, constants)


def to_expr(
    value: Value,
    backend: Backend = SYMPY,
    symbols: Mapping[Value, Any] | None = None,
    evaluate: bool | None = None,
    constants: Mapping[Constant, Any] | None = None,
) -> Any:
    """:func:`to_sympy` on any backend (``evaluate`` matters to SymPy only)."""
    if not isinstance(value, Value):
        raise TypeError(f"to_sympy needs a toygrad Value, got {type(value).__name__} {value!r}")
    symbols = symbols_of(value, backend) if symbols is None else symbols
    if evaluate is None:
        evaluate = graph_depth(value) <= EVALUATE_DEPTH
    exprs: dict[int, Any] = {}
    module = backend.module

    def arg_expr(a: Any) -> Any:
        return constant_expr(a, constants, backend) if a.__class__ is Constant else exprs[id(a)]

    with sympy_evaluate(evaluate or backend is not SYMPY):
        for node in topological(value):
            if node.op is None:
                try:
                    exprs[id(node)] = symbols[node]
                except KeyError:
                    raise ValueError(f"no symbol given for the variable {node!r}") from None
                continue
            exprs[id(node)] = node.op.sympy(module, *map(arg_expr, node.args))
    return exprs[id(value)]


# ------------------------------------------------------------------ from_sympy

_W = sp.Wild("w")


def _function_heads() -> dict[type, str]:
    """SymPy function classes that are exactly one row of the table (sin, exp, ...).

    ``Abs`` is read as the ``abs`` row too: the row writes itself ``Max(u, -u)``,
    but SymPy turns some expressions into ``Abs`` on its own (``sqrt(x**2)``).
    """
    u = sp.Symbol("u", real=True)
    heads: dict[type, str] = {sp.Abs: "abs"}
    for op in OPS.values():
        if op.arity == 1:
            e = op.sympy(sp, u)
            if isinstance(e, sp.Function) and e.args == (u,):
                heads[type(e)] = op.name
    return heads


def _patterns() -> list[tuple[type, sp.Expr, str]]:
    """Rows whose translation is a composite (relu, abs, sigmoid), as patterns to match."""
    u = sp.Symbol("u", real=True)
    out = []
    for op in OPS.values():
        if op.arity == 1:
            e = op.sympy(sp, u)
            plain = isinstance(e, sp.Function) and e.args == (u,)
            power_of_u = e.is_Pow and e.base == u  # sqrt: read as a power
            if not plain and not power_of_u and e != -u:
                out.append((type(e), e.xreplace({u: _W}), op.name))
    return out


_HEADS = _function_heads()
_PATTERNS = _patterns()


def from_sympy(expr: sp.Expr, env: Mapping[Any, Any]) -> Value:
    """A toygrad graph computing ``expr``.

    ``env`` maps each free symbol (or its name) to a ``Value`` or a number (a
    number becomes a variable labelled with the symbol's name). Sums and
    products fold left to right (a numeric coefficient last); ``Max(0, u)``,
    ``Max(u, -u)`` and
    ``1/(1 + exp(-u))`` become ``relu``, ``abs`` and ``sigmoid``; a rational
    ``p/q`` becomes ``p / q`` so that ``to_sympy(from_sympy(e, env)) == e``.

    >>> x = sp.Symbol("x", real=True)
    >>> g = from_sympy(sp.sin(x) * x**2, {"x": 2.0})
    >>> round(g.data, 6)
    3.63719
    """
    expr = sp.sympify(expr) if isinstance(expr, (int, float)) else expr
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"from_sympy needs a SymPy expression, got {type(expr).__name__} {expr!r}")
    leaves = _leaves(expr, env)
    built: dict[sp.Basic, Any] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in built:
            continue
        if e.is_Symbol:
            built[e] = leaves[e]
        elif e.is_Number or (e.is_number and not e.free_symbols and not e.args):
            built[e] = _number(e)
        elif not ready:
            match = _match_row(e)
            parts = match[1] if match else e.args
            stack.append((e, True))
            stack.extend((a, False) for a in parts if a not in built)
        else:
            built[e] = _build(e, built)
    return built[expr] if isinstance(built[expr], Value) else apply("add", built[expr], 0.0)


def _leaves(expr: sp.Basic, env: Mapping[Any, Any]) -> dict[sp.Symbol, Value]:
    leaves = {}
    for s in sorted(expr.free_symbols, key=str):
        val = env[s] if s in env else env.get(s.name, _MISSING)
        if val is _MISSING:
            known = ", ".join(sorted(str(k) for k in env)) or "nothing"
            raise ValueError(f"from_sympy: no value for the variable {s.name!r} in env (it has: {known})")
        leaves[s] = val if isinstance(val, Value) else Value(val, label=s.name)
    return leaves


_MISSING = object()


def _number(e: sp.Basic) -> Any:
    if e.is_Rational and not e.is_Integer and e.q != 1:
        p, q = float(e.p), float(e.q)
        if p == e.p and q == e.q and exact(p / q) != e:
            return apply("div", p, q)  # keeps 1/3 exact through a round trip
    if not e.is_real:
        raise ValueError(f"from_sympy: {e} is not a real number")
    return float(e)


def _match_row(e: sp.Basic) -> tuple[str, tuple] | None:
    """A composite row (relu, abs, sigmoid) that ``e`` is, with its argument."""
    for head, pattern, name in _PATTERNS:
        if isinstance(e, head):
            m = e.match(pattern)
            if m is not None and _W in m and pattern.xreplace({_W: m[_W]}) == e:
                return name, (m[_W],)
    return None


def _build(e: sp.Basic, built: Mapping[sp.Basic, Any]) -> Any:
    match = _match_row(e)
    if match:
        name, (arg,) = match
        return apply(name, built[arg])
    parts = list(e.args)
    if e.is_Mul and parts[0].is_Number:
        parts = parts[1:] + parts[:1]  # the coefficient last: SymPy would spread 2*(x + y) over the sum
    args = [built[a] for a in parts]
    if e.is_Add or e.is_Mul:
        acc = args[0]
        for a in args[1:]:
            acc = apply("add" if e.is_Add else "mul", acc, a)
        return acc
    if e.is_Pow:
        base, exponent = e.args
        if exponent == sp.S.Half:
            return apply("sqrt", args[0])
        return apply("pow", *args)
    name = _HEADS.get(type(e))
    if isinstance(e, sp.Max):
        raise ValueError(
            f"from_sympy: {e} is a Max of {len(e.args)} arguments; the op table writes relu as Max(0, u) and abs "
            "as Max(u, -u), and SymPy flattens nested ones (relu(abs(x)) becomes Max(0, -x, x)), which cannot be "
            "read back"
        )
    if name is None:
        known = ", ".join(OPS)
        raise ValueError(f"from_sympy: SymPy's {type(e).__name__} is not in the op table ({known})")
    return apply(name, *args)
