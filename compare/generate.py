"""Seeded random composite functions: DAGs over the op table, inside every op's domain.

A :class:`RandomFunction` is a recipe (nodes over variables and constants) and
the sample points it was made for. Every op is applied only where it is
defined, away from domain boundaries and kinks, at *every* sample point: a
candidate node that would leave the domain is rejected and redrawn, and the
rejections are counted. Nodes reuse earlier nodes (``share``), so the graphs
have shared subexpressions, the classic place for an accumulation bug.

The function's id (``seed:depth:index``) and knobs regenerate it exactly:

>>> f = generate(seed=0, depth=3, index=7)
>>> f.id
'0:3:7'
>>> generate(seed=0, depth=3, index=7).formula == f.formula
True
>>> g = f.build(f.points[0])
>>> g.data == f.build(f.points[0]).data
True
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from dataclasses import dataclass, field
from typing import Callable, Mapping, NamedTuple, Sequence

from toygrad import OPS, DomainError, Op, Value, apply, formula, grad
from toygrad.regions import Region, eighths

from .coverage import exercised

__all__ = ["RandomFunction", "Ref", "generate", "DEFAULT_OPS", "parse_id"]

#: every op of the table
DEFAULT_OPS: tuple[str, ...] = tuple(OPS)

_CONSTANTS = (0.5, 2.0, 3.0, -1.0, 1.5, 0.25, -2.0, 0.1, 0.0, 1.0)
_SPECIAL = (0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, -3.0)  # sample coordinates that hit special points
_AIM = 0.7  # how often a node aims at one of its op's regions
_TRIES = 60


class Ref(NamedTuple):
    """An argument that is an earlier node (variables come first)."""

    index: int


@dataclass(frozen=True)
class RandomFunction:
    """A random composite function: its recipe, its sample points and how it was made."""

    id: str
    variables: tuple[str, ...]
    nodes: tuple[tuple[str, tuple], ...]  # (op name, args): each arg a Ref or a float constant
    points: tuple[tuple[float, ...], ...]
    rejected: int = 0
    knobs: Mapping[str, object] = field(default_factory=dict, compare=False)

    def build(self, point: Sequence[float] | Mapping[str, float]) -> Value:
        """The toygrad graph at ``point`` (a sequence in variable order, or names to numbers or Values)."""
        if isinstance(point, Mapping):
            missing = [v for v in self.variables if v not in point]
            if missing:
                raise ValueError(f"no value given for {', '.join(missing)}")
            point = [point[v] for v in self.variables]
        if len(point) != len(self.variables):
            raise ValueError(f"{self.id} takes {len(self.variables)} values, got {len(point)}")
        values: list[Value] = [x if isinstance(x, Value) else Value(x, label=name) for name, x in zip(self.variables, point)]
        for name, args in self.nodes:
            values.append(apply(name, *(values[a.index] if isinstance(a, Ref) else a for a in args)))
        return values[-1]

    @property
    def formula(self) -> str:
        """The function as text (``symbolic.parse`` reads it back)."""
        return formula(self.build(self.points[0]))

    @property
    def ops(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.nodes)

    @property
    def depth(self) -> int:
        return int(self.id.split(":")[1])

    def __repr__(self) -> str:
        return f"RandomFunction({self.id}: {self.formula})"


def parse_id(text: str) -> tuple[int, int, int, str | None]:
    """``"seed:depth:index"`` (or ``"seed:depth:index:op"``, a function whose output is ``op``) as
    ``(seed, depth, index, op or None)``, or a ValueError that says what was expected."""
    parts = text.split(":")
    require = parts.pop() if len(parts) == 4 else None
    try:
        seed, depth, index = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"a function id is seed:depth:index or seed:depth:index:op, like 0:3:7; got {text!r}") from None
    if require is not None and require not in OPS:
        raise ValueError(f"the op of function id {text!r} is not in the table ({', '.join(OPS)})")
    return seed, depth, index, require


def _constant(rng: random.Random) -> float:
    """A constant of any magnitude and sign; small integers and simple values often."""
    r = rng.random()
    if r < 0.3:
        return rng.choice(_CONSTANTS)
    if r < 0.55:
        return float(rng.randint(-5, 5))
    return rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(-8.0, 8.0)


def _coordinate(rng: random.Random, ops: Sequence[str]) -> float:
    """A sample coordinate: moderate (three decimals), a special value, a value in a region of one
    of the ops (exact inputs there give the tightest tolerances), or any magnitude, either sign."""
    r = rng.random()
    if r < 0.35:
        return round(rng.uniform(-2.0, 2.0), 3)
    if r < 0.5:
        return rng.choice(_SPECIAL)
    if r < 0.8:
        regions = OPS[rng.choice(ops)].regions
        targets = [t for t in rng.choice(regions).draw(rng) if t is not None] if regions else []
        if targets:
            return rng.choice(targets)
    return rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(-9.0, 9.0)


def _comfortable(op: Op, columns: Sequence[Sequence[float]], values: Sequence[float]) -> bool:
    """``moderate`` functions only (for tests that hold results to fixed tolerances): values up to
    1e3, local slopes between 1e-6 and 100 (or exactly 0), 5% away from kinks and domain edges."""
    for xs, y in zip(zip(*columns), values):
        if abs(y) > 1e3:
            return False
        try:
            slopes = [abs(d) for d in op.partials(y, list(xs))]
        except (ArithmeticError, ValueError):
            return False
        if any(0.0 < d < 1e-6 or d > 1e2 for d in slopes) or (op.arity == 1 and not op.kinks and max(slopes) == 0.0):
            return False
        for kink in op.kinks:
            if abs(kink.value(xs) - kink.at) <= 0.05 * max(1.0, abs(kink.value(xs))):
                return False
        for i, x in enumerate(xs if op.arity is not None else ()):
            for moved in (x - 0.05 * max(1.0, abs(x)), x + 0.05 * max(1.0, abs(x))):
                if not op.domain.test(*xs[:i], moved, *xs[i + 1:]):
                    return False
    return True


def _finite(x: float) -> bool:
    return -math.inf < x < math.inf


def _evaluate(op: Op, columns: Sequence[Sequence[float]], constant: Sequence[bool]) -> list[float] | None:
    """The op at every sample point, or None where it is truly undefined at one: outside its
    domain, overflowing, or without a finite derivative for an argument that is not a constant
    (``sqrt`` at 0, ``x ** y`` of a Value ``y`` at ``x <= 0``)."""
    out = []
    for xs in zip(*columns):
        if not op.domain.test(*xs):
            return None
        if op.grad_domain is not None:
            for dom, const in zip(op.grad_domain, constant):
                if dom is not None and not const and not dom.test(*xs):
                    return None
        try:
            y = op.evaluate(list(xs))
            slopes = op.partials(y, list(xs), wrt=[not c for c in constant])
        except (ArithmeticError, ValueError):
            return None
        if not _finite(y) or not all(_finite(d) for d in slopes):
            return None
        out.append(y)
    return out


def generate(
    seed: int = 0,
    depth: int = 3,
    index: int = 0,
    variables: int = 3,
    ops: Sequence[str] = DEFAULT_OPS,
    share: float = 0.5,
    points: int = 3,
    width: int = 2,
    require: str | None = None,
    moderate: bool = False,
) -> RandomFunction:
    """A random composite function, ``depth`` ops deep, over ``variables`` variables.

    Each level adds up to ``width`` nodes; an argument reuses an earlier node
    with probability ``share``; ops come from ``ops`` (names of the table).
    ``require`` forces the op of the output node (and is the fourth part of
    the id). ``moderate`` keeps to the comfortable slice (moderate inputs and
    constants, no steep, flat or kinked nodes, no aiming at regions), for tests
    that hold results to fixed tolerances. The same arguments always give the
    same function.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    if variables < 1:
        raise ValueError(f"a function needs at least one variable, got {variables}")
    if points < 1:
        raise ValueError(f"points must be at least 1, got {points}")
    unknown = [name for name in ops if name not in OPS] + ([require] if require and require not in OPS else [])
    if unknown:
        raise ValueError(f"unknown op(s) {', '.join(unknown)}; the table has {', '.join(OPS)}")
    if not ops:
        raise ValueError("ops must name at least one op")
    key = f"{seed}:{depth}:{index}:{variables}:{','.join(ops)}:{share}:{points}:{width}:{require}"
    key += ":moderate" if moderate else ""
    rejected = 0
    for attempt in range(_TRIES):  # with ``require``, redraw the whole function until its output fits
        rng = random.Random(f"{key}:{attempt}" if attempt else key)
        aims = (None, None) if moderate else \
            (_tour(ops, depth, index) if require is None else None, _tour(ops, depth, 7 * index + 11))
        sample, nodes, fitted, misses = _draw(rng, depth, variables, ops, share, points, width, require, aims,
                                              moderate)
        rejected += misses
        nodes = _prune(nodes, variables)
        if fitted and _gradient_finite(nodes, sample, variables):
            break
    knobs = dict(variables=variables, ops=list(ops), share=share, points=points, width=width, require=require,
                 moderate=moderate)
    names = tuple(f"x{i}" for i in range(variables))
    return RandomFunction(f"{seed}:{depth}:{index}" + (f":{require}" if require else ""), names, tuple(nodes),
                          tuple(sample), rejected, knobs)


def _gradient_finite(nodes: list[tuple[str, tuple]], sample: list[tuple[float, ...]], n_vars: int) -> bool:
    """The whole function's gradient is finite at every sample point (each node's is, but a
    product along a path can still overflow)."""
    f = RandomFunction("", tuple(f"x{i}" for i in range(n_vars)), tuple(nodes), tuple(sample))
    for p in sample:
        xs = [Value(x) for x in p]
        try:
            grad(f.build(xs), xs)
        except DomainError:
            return False
    return True


def _tour(ops: Sequence[str], depth: int, index: int) -> tuple[str, str]:
    """The (op, region) the output node of function ``index`` aims at first: the functions of a
    depth go round every region of every op in turn (each depth starting elsewhere), so a sweep of
    a few hundred functions aims at each region from several depths."""
    pairs = [(name, r.name) for name in ops for r in OPS[name].regions]
    return pairs[(index + 37 * (depth - 1)) % len(pairs)]


def aiming_at(op: str, region: str, depth: int, k: int = 0, ops: Sequence[str] = DEFAULT_OPS) -> int:
    """The ``k``-th index whose function (without ``require``) aims its output node at ``region`` of ``op``
    first (see :func:`generate`).

    >>> i = aiming_at("relu", "at kink", depth=2)
    >>> _tour(DEFAULT_OPS, 2, i)
    ('relu', 'at kink')
    """
    pairs = [(name, r.name) for name in ops for r in OPS[name].regions]
    return (pairs.index((op, region)) - 37 * (depth - 1)) % len(pairs) + k * len(pairs)


def _region(aim: tuple[str, str]) -> Region:
    return next(r for r in OPS[aim[0]].regions if r.name == aim[1])


def _draw(rng: random.Random, depth: int, variables: int, ops: Sequence[str], share: float, points: int,
          width: int, require: str | None, aims: tuple = (None, None), moderate: bool = False
          ) -> tuple[list, list, bool, int]:
    """One try: sample points, then nodes level by level; whether the output is the required op.
    ``aims`` are the (op, region) tried first for the output node and for the first node of level 1."""
    sample = [tuple(round(rng.uniform(-2.0, 2.0), 3) if moderate else _coordinate(rng, ops) for _ in range(variables))
              for _ in range(points)]
    state = _Drawing(rng, [[p[i] for p in sample] for i in range(variables)], ops, share, points, moderate)
    rejected = 0
    fitted = True
    for level in range(1, depth + 1):
        count = 1 if level == depth else rng.randint(1, width)
        previous = [k for k, lv in enumerate(state.levels) if lv == level - 1]
        for k in range(count):
            aim = aims[0] if level == depth else aims[1] if level == 1 and k == 0 else None
            for _attempt in range(_TRIES):
                name = require if (require and level == depth) else rng.choice(ops)
                region = None
                if aim and _attempt < _TRIES // 2:
                    name, region = aim[0], _region(aim)
                if state.try_node(OPS[name], level, previous, region):
                    break
                rejected += 1
            else:  # nothing fitted: a node that always does
                ref = Ref(rng.choice(previous))
                state.add("add", (ref, 1.0), [x + 1.0 for x in state.columns[ref.index]], level)
                fitted = fitted and not (require and level == depth)
    sample = [tuple(state.columns[i][p] for i in range(variables)) for p in range(points)]
    return sample, state.nodes, fitted, rejected


class _Drawing:
    """The nodes drawn so far, their values at every sample point, and their levels (variables: 0)."""

    def __init__(self, rng: random.Random, columns: list[list[float]], ops: Sequence[str], share: float, points: int,
                 moderate: bool = False):
        self.rng, self.columns, self.ops, self.share, self.points = rng, columns, ops, share, points
        self.moderate = moderate
        self.n_vars = len(columns)
        self.levels = [0] * self.n_vars
        self.nodes: list[tuple[str, tuple]] = []
        self.used: set[int] = set()  # variables some node reads: their coordinates are fixed

    def add(self, name: str, args: tuple, values: list[float], level: int) -> Ref:
        self.used.update(a.index for a in args if isinstance(a, Ref) and a.index < self.n_vars)
        self.nodes.append((name, args))
        self.columns.append(values)
        self.levels.append(level)
        return Ref(len(self.columns) - 1)

    def _column(self, a: Ref | float) -> list[float]:
        return self.columns[a.index] if isinstance(a, Ref) else [a] * self.points

    def _fits(self, op: Op, args: tuple) -> list[float] | None:
        values = _evaluate(op, [self._column(a) for a in args], [not isinstance(a, Ref) for a in args])
        if values is not None and self.moderate and not _comfortable(op, [self._column(a) for a in args], values):
            return None
        return values

    def try_node(self, op: Op, level: int, previous: list[int], region: Region | None = None) -> bool:
        """Draw one node of ``op`` at ``level``, aiming at ``region``, or at one of its regions most of
        the time; False if it does not fit. A steering node made for it at the level below goes with it."""
        if region is None and not self.moderate:
            region = self.rng.choice(op.regions) if op.regions and self.rng.random() < _AIM else None
        mark = len(self.nodes)
        args = self._nary_args(op, region, level, previous) if op.arity is None else \
            self._args(op, region, level, previous)
        values = None if args is None else self._fits(op, args)
        if values is None:
            del self.nodes[mark:], self.columns[self.n_vars + mark:], self.levels[self.n_vars + mark:]
            return False
        self.add(op.name, args, values, level)
        return True

    def _args(self, op: Op, region: Region | None, level: int, previous: list[int]) -> tuple | None:
        """The previous level's node at a random position (steered into the region if it names a
        value there), constants where the region names values, the rest drawn freely."""
        targets = tuple(region.draw(self.rng)) if region is not None else (None,) * op.arity
        first = region.value_arg if region is not None and region.value_arg is not None else \
            self.rng.randrange(op.arity)
        ref: Ref | None = Ref(self.rng.choice(previous))
        if targets[first] is not None:
            there = (lambda v: region.contains([v])) if op.arity == 1 else None
            ref = self._steer(ref, targets[first], level, there)
        if ref is None:
            return None
        return tuple(ref if i == first else self._other(level, op.name == "pow" and i == 1) if t is None
                     else self._holding(t, level) for i, t in enumerate(targets))

    def _holding(self, target: float, level: int) -> Ref | float:
        """An argument worth ``target``: half the time a variable or earlier node that holds exactly
        that value at some point (so its derivative is taken there too), else the constant."""
        if self.rng.random() < 0.5:
            holders = [k for k, column in enumerate(self.columns) if self.levels[k] < level and target in column]
            if holders:
                return Ref(self.rng.choice(holders))
        return target

    def _other(self, level: int, exponent: bool = False) -> Ref | float:
        """An argument besides the previous level's: an earlier op node (probability ``share``:
        a shared subexpression, and the depth stays exact), a variable, or a constant (an
        exponent: an integer or a number of eighths, see ``toygrad.regions.eighths``)."""
        rng = self.rng
        below = [k for k in range(self.n_vars, len(self.levels)) if self.levels[k] < level]
        r = rng.random()
        if r < self.share and below:
            return Ref(rng.choice(below))
        if r < self.share + 0.5 * (1 - self.share):
            return Ref(rng.randrange(self.n_vars))
        if self.moderate:
            return rng.choice(_CONSTANTS)
        if exponent:
            return float(rng.randint(-4, 4)) if rng.random() < 0.5 else eighths(rng)
        return _constant(rng)

    def _nary_args(self, op: Op, region: Region | None, level: int, previous: list[int]) -> tuple | None:
        """A count of terms from the region's widths (1 to 3 when not aiming), and for a
        fused op's kink, arguments whose dot product is the region's target at one point."""
        rng = self.rng
        least, multiple = op.nary
        lo, hi = region.width if region is not None and region.width else (1, 3)  # wide only when aiming
        count = max(rng.randint(lo, hi) * multiple, least)
        targets = tuple(region.draw(rng)) if region is not None else ()
        ref = Ref(rng.choice(previous))
        if targets and targets[0] is not None and multiple == 2:
            return self._dot_at(ref, targets[0], count // 2)
        args = [ref] + [self._other(level) for _ in range(count - 1)]
        rng.shuffle(args)
        return tuple(args)

    def _dot_at(self, ref: Ref, target: float, terms: int) -> tuple:
        """Dot-product arguments worth ``target`` at one sample point (to a rounding, and exactly
        0 for 0): the previous level's node weighted by 0, a variable weighted by 1, and the
        constant that brings the sum to the target, chosen so that the sum is exact (no rounding:
        the node's float value is its exact value); further terms weighted by 0."""
        rng = self.rng
        candidates = [(var, p) for var in range(self.n_vars) for p in range(self.points)]
        rng.shuffle(candidates)
        for var, p in candidates:
            x = self.columns[var][p]
            c = target - x
            if x != 0.0 and Fraction(x) + Fraction(c) != Fraction(x + c) and abs(c) < 2.0 ** 52 * math.ulp(x):
                c = round(c / math.ulp(x)) * math.ulp(x)  # on x's grid, the sum is exact
            if Fraction(x) + Fraction(c) == Fraction(x + c):
                break
        extra = max(terms, 3) - 3
        ws = [ref, Ref(var), 1.0] + [self._other(1) for _ in range(extra)]
        return tuple(ws + [0.0, 1.0, c] + [0.0] * extra)

    def _steer(self, ref: Ref, target: float, level: int, there: Callable[[float], bool] | None = None) -> Ref | None:
        """A node of the previous level whose value at some sample point is (about) ``target``:
        ``ref`` if it is there already (in the region, by ``there``, else within a factor of 2); at level 1, a variable no node reads yet, whose coordinate
        at one point becomes the target (exact inputs: the tightest tolerances); else, from
        level 2 on, a new node at the level below,
        ``add`` or ``mul`` of a node two levels down with a constant, or, for an exact target
        (a kink, a special point), ``dot`` of that node weighted by 0 and a variable shifted by a
        constant. None if there is no way (the candidate is then rejected)."""
        rng = self.rng
        if any(there(v) if there is not None else _near(v, target) for v in self.columns[ref.index]):
            return ref
        if level < 2:
            if ref.index in self.used:
                return None
            self.columns[ref.index][rng.randrange(self.points)] = target  # an unread variable: aim its coordinate
            return ref
        base = Ref(rng.choice([k for k, lv in enumerate(self.levels) if lv == level - 2]))
        v = self.columns[base.index][rng.randrange(self.points)]
        exact_sum = abs(target) < 1e3 and (target == 0.0 or target.is_integer() or rng.random() < 0.5)
        if exact_sum and "dot" in self.ops:
            name, args = "dot", self._dot_at(base, target, 3)
        elif "mul" in self.ops and v != 0.0 and target != 0.0 and abs(_log2_ratio(target, v)) < 1000:
            # times a power of 2: exact, so an exact base stays exact
            sign = 1.0 if (target > 0.0) == (v > 0.0) else -1.0
            name, args = "mul", (base, sign * 2.0 ** _log2_ratio(target, v))
        elif "add" in self.ops:
            name, args = "add", (base, target - v)
        else:
            return None
        values = self._fits(OPS[name], args)
        return None if values is None else self.add(name, args, values, level - 1)


def _log2_ratio(target: float, v: float) -> int:
    return round(math.log2(abs(target)) - math.log2(abs(v)))


def _near(v: float, target: float) -> bool:
    """``v`` stands in for ``target``: equal, or of the same sign within a factor of 2."""
    return v == target or (v != 0.0 and target != 0.0 and (v > 0.0) == (target > 0.0) and 0.5 < v / target < 2.0)


def _prune(nodes: list[tuple[str, tuple]], n_vars: int) -> list[tuple[str, tuple]]:
    """Only the nodes the output depends on, with their references renumbered."""
    live = {n_vars + len(nodes) - 1}
    for k in range(n_vars + len(nodes) - 1, n_vars - 1, -1):
        if k in live:
            live.update(a.index for a in nodes[k - n_vars][1] if isinstance(a, Ref))
    renumber = {k: k for k in range(n_vars)}
    kept = []
    for k, (name, args) in enumerate(nodes, start=n_vars):
        if k in live:
            renumber[k] = n_vars + len(kept)
            kept.append((name, tuple(Ref(renumber[a.index]) if isinstance(a, Ref) else a for a in args)))
    return kept
