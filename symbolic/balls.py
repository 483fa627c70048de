"""Certified values: a :class:`Program`'s outputs as python-flint ``arb`` balls at the exact input point.

Each input is the exact binary value of its float (or an exact rational). The
program is evaluated in ball arithmetic at a working precision that is doubled
until every output's ball is as narrow as the caller asks (an absolute
``radius``, or ``rel_bits`` relative bits), or until ``max_prec`` bits: then the
result says it is not certified and why, it never pretends.

Kinks (``Heaviside``, ``sign``, the conditions of a ``Piecewise``): a branch is
chosen only when the ball of the argument is strictly on one side of 0, or the
argument is exactly 0 in exact rational arithmetic (polynomials and ``Max`` of
the inputs, which covers a relu whose argument is exactly 0). Otherwise the
ball is refined, and at the limit the result is *undecided at a kink*.

A node that the ball evaluator does not know is evaluated by SymPy's ``evalf``
instead, and the result says so (``notes``) and is not certified.

>>> from toygrad import Value
>>> from symbolic import gradient
>>> x = Value(0.1, label="x")
>>> b = gradient(x.sin() * x.exp()).balls({"x": 0.1})[0]
>>> b.certified, b.rad <= 2 ** -52 * abs(b.mid)  # the rounding of the midpoint to a double
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping

import sympy as sp

from .backends import flint, missing
from .program import EXACT_DIGITS, Program, SymbolicDomainError
from .rational import RationalValues

__all__ = ["Ball", "BallPlan", "evaluate_balls", "DEFAULT_PREC", "MAX_PREC", "DEFAULT_REL_BITS"]

#: the first working precision, in bits (a double has 53)
DEFAULT_PREC = 128
#: the working precision past which a ball that is still too wide is reported as not certified
MAX_PREC = 4096
#: the default target: the radius at most 2**-60 of the midpoint (finer than a double's last bit)
DEFAULT_REL_BITS = 60


@dataclass(frozen=True)
class Ball:
    """A value known to lie in ``[mid - rad, mid + rad]`` (``mid`` the nearest double).

    ``certified`` is true when the ball is as narrow as asked and no step fell
    back to ``evalf``; otherwise ``reason`` says why. ``at_kink`` marks a ball
    left undecided because a kink's argument could not be told apart from 0.
    ``prec`` is the working precision (bits) of the final evaluation, ``notes``
    what else happened (an exact kink decision, an ``evalf`` fallback).
    """

    mid: float
    rad: float
    certified: bool
    prec: int
    reason: str = ""
    at_kink: bool = False
    notes: tuple[str, ...] = ()
    arb: Any = field(default=None, repr=False, compare=False)

    def __float__(self) -> float:
        return self.mid

    @property
    def status(self) -> str:
        """``"certified"``, ``"undecided"`` (too wide, or an evalf fallback) or ``"kink"``."""
        return "certified" if self.certified else "kink" if self.at_kink else "undecided"

    def contains(self, x: Any) -> bool:
        """Whether the exact number ``x`` (float, int, Fraction, SymPy number) lies in the ball."""
        if math.isnan(self.mid):
            return False
        return abs(_fraction(x) - Fraction(self.mid)) <= Fraction(self.rad)


def _fraction(x: Any) -> Fraction:
    if isinstance(x, sp.Basic):
        r = sp.Rational(x)
        return Fraction(int(r.p), int(r.q))
    return Fraction(x)


class _Imprecise(Exception):
    """The balls at this precision cannot decide (a kink, a domain edge, an overflow)."""

    def __init__(self, reason: str, kink: bool = False):
        super().__init__(reason)
        self.kink = kink


_NUMBER_FUNCTIONS = {
    "exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh", "Abs": "__abs__",
}
_RELATIONS = {  # name: (sign of rhs - lhs that makes it true)
    "StrictLessThan": (1,), "LessThan": (0, 1), "StrictGreaterThan": (-1,), "GreaterThan": (-1, 0),
    "Equality": (0,), "Unequality": (-1, 1),
}


class BallPlan:
    """A program's nodes in evaluation order (arguments first), built once and evaluated at any point.

    :meth:`Program.balls` keeps one per program, so a program evaluated at
    several points walks its expressions once.
    """

    def __init__(self, program: Program):
        self.program = program
        self.rhs = dict(program.bindings)
        index: dict[Any, int] = {}
        nodes: list[Any] = []
        kids: list[tuple[int, ...]] = []
        for root in program.outputs:
            stack = [root]
            while stack:
                e = stack[-1]
                if e in index:
                    stack.pop()
                    continue
                ks = self._children(e)
                pending = [k for k in ks if k not in index]
                if pending:
                    stack.extend(pending)
                    continue
                stack.pop()
                index[e] = len(nodes)
                nodes.append(e)
                kids.append(tuple(index[k] for k in ks))
        self.nodes, self.kids = nodes, kids
        self.outputs = [index[o] for o in program.outputs]
        self.by_name = {str(s): s for s in program.inputs}

    def _children(self, e: Any) -> list[Any]:
        if e.is_Symbol:
            return [self.rhs[e]] if e in self.rhs else []
        kind = type(e).__name__
        if kind == "Piecewise" and self.program.backend.core is sp:
            return [part for pair in e.args for part in pair.args]
        if kind in _KNOWN:
            return list(e.args)
        return sorted(e.free_symbols, key=str)  # an unknown node: evalf, given its symbols' values

    def balls(
        self,
        point: Mapping[Any, Any],
        *,
        radius: float = 0.0,
        rel_bits: int | None = DEFAULT_REL_BITS,
        prec: int = DEFAULT_PREC,
        max_prec: int = MAX_PREC,
    ) -> list["Ball"]:
        """The outputs at ``point``: see :func:`evaluate_balls`."""
        if flint is None:
            return _without_flint(self.program, point)
        ev = _Point(self, point)
        target = (float(radius), rel_bits)
        results: list[Ball | None] = [None] * len(self.outputs)
        p = prec
        while True:
            with flint.ctx.workprec(p):
                vals = ev.run()
                notes = tuple(sorted(ev.notes))
                for i, out in enumerate(self.outputs):
                    if results[i] is not None and results[i].certified:
                        continue
                    a = vals[out]
                    if isinstance(a, _Imprecise):
                        results[i] = Ball(math.nan, math.inf, False, p, f"{a} (at {p} bits)", a.kink, notes)
                    else:
                        results[i] = _as_ball(a, p, target, notes, ev.fallback)
            if ev.fallback or p >= max_prec or all(r.certified for r in results):
                return results  # type: ignore[return-value]
            p = min(2 * p, max_prec)


class _Point:
    """Ball and exact values of a plan's nodes at one point."""

    def __init__(self, plan: BallPlan, point: Mapping[Any, Any]):
        self.plan = plan
        self.backend = plan.program.backend
        self.inputs: dict[Any, Fraction] = {}
        for key, v in point.items():
            s = plan.by_name.get(str(key))
            if s is not None:
                self.inputs[s] = _fraction(v)
        absent = [name for name, s in plan.by_name.items() if s not in self.inputs]
        if absent:
            raise ValueError(f"no value given for {', '.join(absent)}")
        self.exact = RationalValues(self.inputs, plan.rhs)
        self.notes: set[str] = set()
        self.fallback = False

    def run(self) -> list[Any]:
        """Every node's ball (an arb, a bool for a condition, or the _Imprecise that stopped it)."""
        nodes, kids = self.plan.nodes, self.plan.kids
        vals: list[Any] = [None] * len(nodes)
        for i, e in enumerate(nodes):
            kv = [vals[k] for k in kids[i]]
            failed = next((v for v in kv if v.__class__ is _Imprecise), None)
            if failed is not None:
                vals[i] = failed
                continue
            try:
                vals[i] = self._node(e, [nodes[k] for k in kids[i]], kv)
            except _Imprecise as why:
                vals[i] = why
        return vals

    def _node(self, e: Any, kids: list[Any], vals: list[Any]) -> Any:
        arb = flint.arb
        if e.is_Symbol:
            return vals[0] if vals else arb(flint.fmpq(*_pq(self.inputs[e])))
        if e.is_Rational:
            return arb(flint.fmpq(int(e.p), int(e.q)))
        kind = type(e).__name__
        if kind not in _KNOWN:
            return self._fallback(e, kind, kids, vals)
        if kind == "Pi":
            return arb.pi()
        if kind == "Exp1":
            return arb.const_e()
        if kind in ("BooleanTrue", "BooleanFalse"):
            return kind == "BooleanTrue"
        if kind == "Add":
            return _finite(sum(vals[1:], vals[0]), e)
        if kind == "Mul":
            out = vals[0]
            for v in vals[1:]:
                out = out * v
            return _finite(out, e)
        if kind == "Pow":
            return self._pow(e, *kids, *vals)
        if kind in ("Max", "Min"):
            out = vals[0]
            for v in vals[1:]:
                out = out.max(v) if kind == "Max" else out.min(v)
            return out
        if kind == "Heaviside":
            s = self._sign(kids[0], vals[0], e)
            return arb(1) if s > 0 else arb(0) if s < 0 else (vals[1] if len(vals) > 1 else arb(0.5))
        if kind in ("sign", "Sign"):
            return arb(self._sign(kids[0], vals[0], e))
        if kind == "Piecewise":
            for value, condition in zip(vals[::2], vals[1::2]):
                if condition:
                    return value
            raise SymbolicDomainError(f"{e} has no branch that holds here")
        if kind in _RELATIONS:
            lhs, rhs = kids
            s = self._sign((rhs, lhs), vals[1] - vals[0], e)
            return s in _RELATIONS[kind]
        if kind in ("And", "Or"):
            return all(vals) if kind == "And" else any(vals)
        return self._function(e, kind, kids[0], vals[0])

    def _function(self, e: Any, kind: str, arg: Any, x: Any) -> Any:
        if kind == "log":
            if not x > 0:
                self._domain_edge(arg, x, e, "log needs a positive argument")
        elif kind == "tan" and x.cos().contains(0):
            raise _Imprecise(f"{e}: the ball of cos({arg}) contains 0 (a pole of tan)")
        return _finite(getattr(x, _NUMBER_FUNCTIONS[kind])(), e)

    def _pow(self, e: Any, base: Any, exponent: Any, b: Any, x: Any) -> Any:
        if type(base).__name__ == "Exp1":
            return _finite(x.exp(), e)
        if exponent.is_Rational:
            p, q = int(exponent.p), int(exponent.q)
            if q == 1:
                if p < 0 and b.contains(0):
                    self._domain_edge(base, b, e, "a negative power of 0", negative_ok=True)
                return _finite(_integer_power(b, p), e)
            if b > 0:
                return _finite(b ** flint.arb(flint.fmpq(p, q)), e)
            self._domain_edge(base, b, e, "a fractional power needs a base >= 0", zero_ok=p > 0)
            return flint.arb(0)
        if b > 0:
            return _finite((x * b.log()).exp(), e)
        self._domain_edge(base, b, e, "a power with a variable exponent needs a base > 0",
                          zero_ok=bool(x > 0))
        return flint.arb(0)

    def _domain_edge(self, arg: Any, ball: Any, e: Any, need: str, zero_ok: bool = False,
                     negative_ok: bool = False) -> None:
        """``ball`` is not certainly inside the domain: return (the value is 0), a domain error, or refine."""
        exact = Fraction(0) if ball.is_exact() and ball == 0 else self.exact(arg)
        if exact is None:
            if ball < 0 and not negative_ok:
                raise SymbolicDomainError(f"{e} is not a finite real number here: {need} ({arg} = {ball})")
            raise _Imprecise(f"{e}: the ball of {arg} touches the edge of the domain ({need})")
        if exact == 0 and zero_ok:
            return
        if exact == 0 or (exact < 0 and not negative_ok):
            raise SymbolicDomainError(f"{e} is not a finite real number here: {need} ({arg} = {exact})")
        raise _Imprecise(f"{e}: the ball of {arg} touches the edge of the domain ({need})")

    def _sign(self, arg: Any, ball: Any, e: Any) -> int:
        """The sign of a kink's argument (``arg`` or a difference ``(a, b)``): by the ball, else exactly."""
        if ball > 0:
            return 1
        if ball < 0:
            return -1
        if ball.is_exact() and ball == 0:
            return 0
        if isinstance(arg, tuple):
            a, b = map(self.exact, arg)
            exact = None if a is None or b is None else a - b
        else:
            exact = self.exact(arg)
        if exact is None:
            raise _Imprecise(f"{e}: its argument's ball {ball} straddles the kink at 0", kink=True)
        self.notes.add("a kink decided by exact rational arithmetic")
        return (exact > 0) - (exact < 0)

    def _fallback(self, e: Any, kind: str, symbols: list[Any], vals: list[Any]) -> Any:
        """SymPy's evalf for a node the balls do not know: noted, never certified."""
        self.notes.add(f"evalf fallback for {kind}")
        self.fallback = True
        to_sympy = self.backend.to_sympy
        digits = int(flint.ctx.prec * 0.30103) + 10
        env = {to_sympy(s): sp.Rational(*_pq(self.inputs[s])) if s in self.inputs
               else sp.Float(v.mid().str(digits, radius=False), digits) for s, v in zip(symbols, vals)}
        v = to_sympy(e).xreplace(env).evalf(digits)
        if not (v.is_number and v.is_real and v.is_finite):
            raise SymbolicDomainError(f"{e} is not a finite real number here: it evaluates to {v}")
        return flint.arb(str(v)) + flint.arb(0, abs(float(v)) * 10.0 ** (12 - digits) + 10.0 ** -digits)


_KNOWN = {
    "Pi", "Exp1", "BooleanTrue", "BooleanFalse", "Add", "Mul", "Pow", "Max", "Min", "Heaviside", "sign", "Sign",
    "Piecewise", "And", "Or", *_RELATIONS, *_NUMBER_FUNCTIONS,
}


def _integer_power(b: Any, n: int) -> Any:
    """``b ** n`` by repeated squaring: arb's own power is nan for a ball that contains 0."""
    out, base, k = flint.arb(1), b, abs(n)
    while k:
        if k & 1:
            out = out * base
        base = base * base
        k >>= 1
    return 1 / out if n < 0 else out


def _pq(x: Fraction) -> tuple[int, int]:
    return x.numerator, x.denominator


def _finite(x: Any, e: Any) -> Any:
    if not x.is_finite():
        raise _Imprecise(f"{e}: the ball is not finite at this precision")
    return x


def _float_up(x: Any) -> float:
    """The least double >= the exact nonnegative arb ``x`` (subnormal, not 0, for a tiny positive ``x``)."""
    f = float(x)
    return math.nextafter(f, math.inf) if flint.arb(f) < x else f


def _narrow(a: Any, target: tuple[float, int | None]) -> bool:
    """Whether ``a`` meets the target, compared exactly (no underflow): radius, relative bits, or a double 0."""
    radius, rel_bits = target
    width = a.rad()
    if width <= flint.arb(radius) or (rel_bits is not None and width <= abs(a.mid()) * flint.arb(2) ** -rel_bits):
        return True
    # an exact 0 computed through cancellation: no relative target can be met, so 0.0 as a double is the most
    return rel_bits is not None and a.contains(0) and float(a.lower()) == float(a.upper()) == 0.0


def _as_ball(a: Any, prec: int, target: tuple[float, int | None], notes: tuple[str, ...], fallback: bool) -> Ball:
    mid = float(a.mid())
    if math.isinf(mid):
        return Ball(mid, math.inf, False, prec, "the value is beyond the float range", False, notes, a)
    rad = _float_up((a - flint.arb(mid)).abs_upper())  # ``a.rad()`` plus the rounding of the midpoint
    narrow = _narrow(a, target)
    reason = ("" if narrow else f"the ball is still {float(a.rad()):.3g} wide at {prec} bits") if not fallback else (
        "a node was evaluated by evalf: " + ", ".join(notes))
    return Ball(mid, rad, narrow and not fallback, prec, reason, False, notes, a)


def evaluate_balls(
    program: Program,
    point: Mapping[Any, Any],
    *,
    radius: float = 0.0,
    rel_bits: int | None = DEFAULT_REL_BITS,
    prec: int = DEFAULT_PREC,
    max_prec: int = MAX_PREC,
) -> list[Ball]:
    """Each output of ``program`` at ``point`` as a :class:`Ball`.

    ``point`` maps input names (or symbols) to floats (their exact binary
    value), ints, Fractions or SymPy rationals. The working precision starts at
    ``prec`` bits and doubles until every ball's radius is at most ``radius``,
    or at most ``2**-rel_bits`` of its midpoint (``rel_bits=None``: absolute
    only), up to ``max_prec`` bits. A ball around 0 whose ends both round to
    0.0 meets any relative target (an exact 0 reached through cancellation
    never has a narrow relative ball; that takes about 1100 bits: pass a
    ``radius`` to stop sooner). Raises :class:`SymbolicDomainError` when a
    value is certainly not a finite real (``log`` of a negative, a division by
    exactly 0). Without python-flint, the values come from ``evalf`` and are
    not certified (the reason says so).

    >>> from toygrad import Value
    >>> x = Value(2.0, label="x")
    >>> b = Program.from_graph(x.sqrt()).balls({"x": 2.0}, rel_bits=200)[0]
    >>> b.certified, b.prec, b.mid == 2 ** 0.5, b.arb.rad() < 2 ** -200
    (True, 256, True, True)
    """
    return program.ball_plan.balls(point, radius=radius, rel_bits=rel_bits, prec=prec, max_prec=max_prec)


def _without_flint(program: Program, point: Mapping[Any, Any]) -> list[Ball]:
    reason = missing()["python-flint"]
    out = []
    for v in program.to_sympy().evaluate(point, EXACT_DIGITS):
        mid = float(v)
        out.append(Ball(mid, abs(mid) * 10.0 ** (10 - EXACT_DIGITS), False, 0, reason, False, ("evalf",)))
    return out
