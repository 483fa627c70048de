"""How an op's domain divides for testing: regions, special points and kink bands, as data.

A :class:`Region` is a named part of an op's domain that a correct derivative
rule must be right in: a sign, a range of magnitudes, integer exponents, the
exact point of a kink or a special value (``x**0``, ``sqrt(0)``), the band next
to a kink, or, for an n-ary op, a range of argument counts. It says two things:

``contains(xs)``
    whether a call with these float arguments lies in the region (the report
    counts coverage with it; ``selftest`` plants bugs that fire only there);
``draw(rng)``
    per argument, a value inside the region, or None where any value will do
    (the random-function generator aims at the region with it).

Every row of the op table has regions: its own, or a default made from its
domain by :func:`default_regions` (the sign and magnitude of each argument).
Nothing here imports ``random``: ``rng`` is anything with ``random()``,
``uniform()``, ``randint()`` and ``choice()``.

>>> r = Region("x < 0", lambda xs: xs[0] < 0.0, lambda rng: (-2.0,))
>>> r.contains([-1.0]), r.contains([3.0])
(True, False)
>>> between(-8, -4, sign=-1)(_Fixed())  # -10**uniform(-8, -4)
-1e-06
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

__all__ = ["Region", "between", "one_of", "default_regions", "unary_regions", "width_regions", "kink_regions",
           "saturating", "TINY", "LARGE", "BAND"]

#: |x| below this is tiny; above LARGE is large (the op's own limit permitting)
TINY = 1e-6
LARGE = 1e6
#: the band next to a kink: 0 < |x - kink| <= BAND
BAND = 1e-3


@dataclass(frozen=True)
class Region:
    """A named part of an op's domain. See the module docstring.

    ``width`` (n-ary rows only) is the range of argument counts the region
    draws, both ends included; ``contains`` is then about the count too.
    ``value_arg`` names the argument that must be a Value for a bug there to
    show (``x**y`` at y = 0 has slope 0 in x: only a Value exponent tells).
    """

    name: str
    contains: Callable[[Sequence[float]], bool]
    draw: Callable[[Any], tuple[float | None, ...]]
    width: tuple[int, int] | None = None
    #: the argument the generator makes a Value (steered into the region), None: any one
    value_arg: int | None = None

    def __repr__(self) -> str:
        return f"<region {self.name}>"


class _Fixed:
    """An rng that always draws the middle (for the docstring example)."""

    def uniform(self, a: float, b: float) -> float:
        return (a + b) / 2


def between(lo_exp: float, hi_exp: float, sign: int = 1) -> Callable[[Any], float]:
    """A draw: ``sign * 10**uniform(lo_exp, hi_exp)``, magnitudes log-uniform."""
    return lambda rng: sign * 10.0 ** rng.uniform(lo_exp, hi_exp)


def one_of(*values: float) -> Callable[[Any], float]:
    """A draw: one of ``values``."""
    return lambda rng: rng.choice(values)


def _signed(rng: Any, lo_exp: float, hi_exp: float) -> float:
    return rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(lo_exp, hi_exp)


def unary_regions(limit_exp: float = 300.0, *, negative: bool = True, zero: bool = True,
                  extra: Sequence[Region] = ()) -> tuple[Region, ...]:
    """Sign and magnitude regions of a one-argument op defined out to ``10**limit_exp``:
    tiny, moderate and large magnitudes (each of both signs when ``negative``), x = 0
    when ``zero``, and ``extra`` regions (special points, saturation) after them."""
    lt, lg = math.log10(TINY), math.log10(LARGE)
    top = min(limit_exp, 300.0)
    rows = []
    for sign, word in ((1, "x > 0"), (-1, "x < 0"))[: 2 if negative else 1]:
        s = float(sign)
        rows += [
            Region(f"{word} tiny", lambda xs, s=s: 0.0 < s * xs[0] < TINY, lambda rng, s=s: (s * 10.0 ** rng.uniform(-300, lt),)),
            Region(f"{word} moderate", lambda xs, s=s: TINY <= s * xs[0] <= LARGE,
                   lambda rng, s=s: (s * 10.0 ** rng.uniform(lt, lg),)),
        ]
        if top > lg:
            rows.append(Region(f"{word} large", lambda xs, s=s: s * xs[0] > LARGE,
                               lambda rng, s=s: (s * 10.0 ** rng.uniform(lg, top),)))
    if zero:
        rows.append(Region("x = 0", lambda xs: xs[0] == 0.0, lambda rng: (0.0,)))
    return tuple(rows) + tuple(extra)


def kink_regions(at: float = 0.0, of: Callable[[Sequence[float]], float] | None = None,
                 arity: int = 1) -> tuple[Region, ...]:
    """A kink exactly, and the bands just below and just above it.

    ``of`` is the quantity whose kink it is (default: the first argument). The
    draws give the first argument's target; for a fused op (``of`` given) the
    generator solves for the arguments itself, so the draw names only the target.
    """
    q = of or (lambda xs: xs[0])
    rest = (None,) * (arity - 1)
    return (
        Region("at kink", lambda xs: q(xs) == at, lambda rng: (at,) + rest),
        Region("band below kink", lambda xs: at - BAND <= q(xs) < at,
               lambda rng: (at - 10.0 ** rng.uniform(-12, math.log10(BAND)),) + rest),
        Region("band above kink", lambda xs: at < q(xs) <= at + BAND,
               lambda rng: (at + 10.0 ** rng.uniform(-12, math.log10(BAND)),) + rest),
    )


def width_regions(counts: Sequence[tuple[int, int]], per: int = 1) -> tuple[Region, ...]:
    """n-ary rows: one region per range of counts (``per`` arguments make one term: 2 for a dot product).

    ``contains`` reads the number of terms, so a bug planted in the region
    ``9-32 terms`` fires only past 8 terms.
    """
    return tuple(
        Region(f"{lo}-{hi} terms", lambda xs, lo=lo, hi=hi: lo <= len(xs) // per <= hi, lambda rng: (), width=(lo, hi))
        for lo, hi in counts
    )


def default_regions(arity: int | None, domain_test: Callable[..., bool]) -> tuple[Region, ...]:
    """Regions for a row that names none: per argument, its sign and magnitude, and 0 where
    the domain allows it (``domain_test`` with that argument at 0 and the others at 1).
    n-ary rows get widths of 2-3, 4-8 and 9-32 terms."""
    if arity is None:
        return width_regions(((2, 3), (4, 8), (9, 32)))
    rows = []
    for i in range(arity):
        name = f"x{i}" if arity > 1 else "x"

        def one(value: Callable[[Any], float], i: int = i) -> Callable[[Any], tuple]:
            return lambda rng: tuple(value(rng) if j == i else None for j in range(arity))

        rows += [
            Region(f"{name} < 0", lambda xs, i=i: xs[i] < 0.0, one(lambda rng: -10.0 ** rng.uniform(-3, 3))),
            Region(f"{name} > 0", lambda xs, i=i: xs[i] > 0.0, one(lambda rng: 10.0 ** rng.uniform(-3, 3))),
            Region(f"|{name}| tiny", lambda xs, i=i: 0.0 < abs(xs[i]) < TINY, one(lambda rng: _signed(rng, -300, -6))),
            Region(f"|{name}| large", lambda xs, i=i: abs(xs[i]) > LARGE, one(lambda rng: _signed(rng, 6, 300))),
        ]
        at_zero = [1.0] * arity
        at_zero[i] = 0.0
        if domain_test(*at_zero):
            rows.append(Region(f"{name} = 0", lambda xs, i=i: xs[i] == 0.0, one(lambda rng: 0.0)))
    return tuple(rows)


# ------------------------------------------------------ the op table's regions
# Named by the rows of toygrad.ops; rows that name none get default_regions.


def _sym(lo_exp: float, hi_exp: float) -> Callable[[Any], float]:
    return lambda rng: rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(lo_exp, hi_exp)


def _is_int(y: float) -> bool:
    return float(y).is_integer()


def _abs_between(lo: float, hi: float) -> Callable[[Sequence[float]], bool]:
    return lambda xs: lo < abs(xs[0]) <= hi


def eighths(rng: Any, lo: float = -4.0, hi: float = 4.0) -> float:
    """A real exponent that is not an integer, in eighths: a short exact rational, since SymPy
    factors the base when raising a rational with a large denominator to a rational power
    (a power with a 52-bit denominator does not finish)."""
    k = rng.randint(int(lo * 8), int(hi * 8))
    return (k + (k % 8 == 0)) / 8.0


POW_REGIONS = (
    Region("x > 0, real y", lambda xs: xs[0] > 0.0 and not _is_int(xs[1]),
           lambda rng: (10.0 ** rng.uniform(-3, 3), eighths(rng))),
    Region("x < 0, integer y", lambda xs: xs[0] < 0.0 and _is_int(xs[1]),
           lambda rng: (-(10.0 ** rng.uniform(-3, 2)), float(rng.randint(-4, 5)))),
    Region("x = 0, y = 1", lambda xs: xs[0] == 0.0 and xs[1] == 1.0, lambda rng: (0.0, 1.0)),
    Region("x = 0, y > 1", lambda xs: xs[0] == 0.0 and xs[1] > 1.0, lambda rng: (0.0, one_of(2.0, 3.0, 1.5, 2.5)(rng))),
    Region("y = 0", lambda xs: xs[1] == 0.0, lambda rng: (one_of(0.5, 1.5, 2.0, 3.0, 10.0)(rng), 0.0), value_arg=1),
    *(Region(f"y = {k:g}", lambda xs, k=k: xs[1] == k, lambda rng, k=k: (_sym(-3, 3)(rng), k)) for k in (1.0, 2.0, 3.0)),
    Region("integer y < 0", lambda xs: xs[1] < 0.0 and _is_int(xs[1]),
           lambda rng: (_sym(-3, 3)(rng), float(rng.randint(-5, -1)))),
    Region("|x| large", lambda xs: abs(xs[0]) > 1e6, lambda rng: (10.0 ** rng.uniform(6, 100), eighths(rng, -2.0, 2.0))),
    Region("|x| tiny", lambda xs: 0.0 < abs(xs[0]) < 1e-6, lambda rng: (10.0 ** rng.uniform(-100, -6), eighths(rng, -2.0, 2.0))),
)
POW_REGIONS = tuple(r if r.value_arg is not None else replace(r, value_arg=0) for r in POW_REGIONS)  # a Value base
EXP_REGIONS = (
    Region("x = 0", lambda xs: xs[0] == 0.0, lambda rng: (0.0,)),
    Region("|x| tiny", _abs_between(0.0, 1e-6), lambda rng: (_sym(-300, -6)(rng),)),
    Region("moderate", _abs_between(1e-6, 20.0), lambda rng: (rng.uniform(-20.0, 20.0),)),
    Region("x < -20 (output tiny)", lambda xs: xs[0] < -20.0, lambda rng: (-rng.uniform(20.0, 700.0),)),
    Region("x > 20 (output large)", lambda xs: xs[0] > 20.0, lambda rng: (rng.uniform(20.0, 709.0),)),
)
LOG_REGIONS = (
    Region("x tiny", lambda xs: 0.0 < xs[0] < 1e-6, lambda rng: (between(-300, -6)(rng),)),
    Region("1e-6 <= x < 1", lambda xs: 1e-6 <= xs[0] < 1.0, lambda rng: (between(-6, 0)(rng),)),
    Region("x = 1", lambda xs: xs[0] == 1.0, lambda rng: (1.0,)),
    Region("1 < x <= 1e6", lambda xs: 1.0 < xs[0] <= 1e6, lambda rng: (between(0, 6)(rng),)),
    Region("x large", lambda xs: xs[0] > 1e6, lambda rng: (between(6, 300)(rng),)),
)


def _near_pole(rng: Any) -> tuple[float]:
    return (math.pi / 2 + rng.randint(-3, 3) * math.pi + rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(-9, -3),)


TAN_REGIONS = unary_regions(15, extra=(
    Region("near a pole", lambda xs: abs(math.cos(xs[0])) < 1e-3, _near_pole),))


def saturating(knee: float, flat: float, top: float) -> tuple[Region, ...]:
    """tanh and sigmoid: 0, tiny, moderate (|x| <= knee), flattening (knee..flat), saturated (> flat)."""
    return (
        Region("x = 0", lambda xs: xs[0] == 0.0, lambda rng: (0.0,)),
        Region("|x| tiny", _abs_between(0.0, 1e-6), lambda rng: (_sym(-300, -6)(rng),)),
        Region("moderate", _abs_between(1e-6, knee), lambda rng: (rng.uniform(-knee, knee),)),
        Region(f"{knee:g} < |x| <= {flat:g}", _abs_between(knee, flat),
               lambda rng: (rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(math.log10(knee), math.log10(flat)),)),
        Region(f"|x| > {flat:g} (saturated)", _abs_between(flat, math.inf),
               lambda rng: (rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(math.log10(flat), top),)),
    )


KINKED = (
    Region("x < 0", lambda xs: xs[0] < 0.0, lambda rng: (-(10.0 ** rng.uniform(-6, 6)),)),
    Region("x > 0", lambda xs: xs[0] > 0.0, lambda rng: (10.0 ** rng.uniform(-6, 6),)),
    *kink_regions(),
)
TERMS = ((1, 3), (4, 8), (9, 32))
