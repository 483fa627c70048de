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

import random
from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Sequence

from toygrad import OPS, Op, Value, apply, formula

__all__ = ["RandomFunction", "Ref", "generate", "DEFAULT_OPS", "parse_id"]

#: every op of the table
DEFAULT_OPS: tuple[str, ...] = tuple(OPS)

_CONSTANTS = (0.5, 2.0, 3.0, -1.0, 1.5, 0.25, -2.0, 0.1)
_MARGIN = 0.05  # relative distance kept from domain boundaries and kinks
_MAX_MAGNITUDE = 1e3  # no node grows beyond this at a sample point
_MAX_SLOPE = 1e2  # nor is any local derivative steeper (tan next to a pole): well-conditioned checks
_MIN_SLOPE = 1e-6  # nor flatter, unless exactly 0 (a constant argument, an inactive relu)
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


def parse_id(text: str) -> tuple[int, int, int]:
    """``"seed:depth:index"`` as three integers, or a ValueError that says what was expected."""
    parts = text.split(":")
    try:
        seed, depth, index = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"a function id is seed:depth:index, like 0:3:7; got {text!r}") from None
    return seed, depth, index


def _inside(op: Op, xs: Sequence[float]) -> bool:
    """``op`` is defined and smooth at ``xs`` and at every argument moved by the margin."""
    if op.arity is None:
        return all(abs(k.value(xs) - k.at) > _MARGIN * max(1.0, abs(k.value(xs))) for k in op.kinks)
    if not op.domain.test(*xs):
        return False
    for i, x in enumerate(xs):
        delta = _MARGIN * max(1.0, abs(x))
        for moved in (x - delta, x + delta):
            if not op.domain.test(*xs[:i], moved, *xs[i + 1 :]):
                return False
    for kink in op.kinks:
        v = kink.value(xs)
        if abs(v - kink.at) <= _MARGIN * max(1.0, abs(v)):
            return False
    if op.grad_domain is not None:
        for dom in op.grad_domain:
            if dom is not None and not dom.test(*xs):
                return False
    return True


def _slopes(op: Op, xs: Sequence[float], out: float) -> float:
    """How badly conditioned ``op`` is at ``xs``: its steepest local derivative (its rules,
    at g = 1), or infinity where one is nearly flat without being 0 (tanh saturated to
    1 - 1e-19 rounds its slope to 0, and every digit of the gradient through it is lost)."""
    try:
        slopes = [abs(d) for d in op.partials(out, list(xs))]
    except (ArithmeticError, ValueError):
        return float("inf")
    if any(0.0 < d < _MIN_SLOPE for d in slopes) or (op.kinks == () and max(slopes) == 0.0 and op.arity == 1):
        return float("inf")
    return max(slopes)


def _evaluate(op: Op, columns: Sequence[Sequence[float]]) -> list[float] | None:
    """The op at every sample point, or None if any point is outside its domain."""
    out = []
    for xs in zip(*columns):
        if not _inside(op, xs):
            return None
        try:
            y = op.evaluate(list(xs))
        except (ArithmeticError, ValueError):
            return None
        if not abs(y) <= _MAX_MAGNITUDE or not _slopes(op, xs, y) <= _MAX_SLOPE:
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
) -> RandomFunction:
    """A random composite function, ``depth`` ops deep, over ``variables`` variables.

    Each level adds up to ``width`` nodes; an argument reuses an earlier node
    with probability ``share``; ops come from ``ops`` (names of the table).
    ``require`` forces the op of the output node. The same arguments always
    give the same function.
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
    rejected = 0
    for attempt in range(_TRIES):  # with ``require``, redraw the whole function until its output fits
        rng = random.Random(f"{key}:{attempt}" if attempt else key)
        sample, nodes, fitted, misses = _draw(rng, depth, variables, ops, share, points, width, require)
        rejected += misses
        if fitted:
            break
    knobs = dict(variables=variables, ops=list(ops), share=share, points=points, width=width, require=require)
    names = tuple(f"x{i}" for i in range(variables))
    return RandomFunction(f"{seed}:{depth}:{index}", names, tuple(_prune(nodes, variables)), tuple(sample), rejected,
                          knobs)


def _draw(rng: random.Random, depth: int, variables: int, ops: Sequence[str], share: float, points: int,
          width: int, require: str | None) -> tuple[list, list, bool, int]:
    """One try: sample points, then nodes level by level; whether the output is the required op."""
    sample = [tuple(round(rng.uniform(-2.0, 2.0), 3) for _ in range(variables)) for _ in range(points)]
    columns: list[list[float]] = [[p[i] for p in sample] for i in range(variables)]
    levels = [0] * variables
    nodes: list[tuple[str, tuple]] = []
    rejected = 0
    fitted = True
    for level in range(1, depth + 1):
        count = 1 if level == depth else rng.randint(1, width)
        previous = [k for k, lv in enumerate(levels) if lv == level - 1]
        for _ in range(count):
            for _attempt in range(_TRIES):
                name = require if (require and level == depth) else rng.choice(ops)
                op = OPS[name]
                below = [k for k in range(variables, len(levels)) if levels[k] < level]
                args = _draw_args(rng, op, previous, below, variables, share)
                values = _evaluate(op, [columns[a.index] if isinstance(a, Ref) else [a] * points for a in args])
                if values is not None:
                    break
                rejected += 1
            else:  # nothing fitted: a node that always does
                name, args = "add", (Ref(rng.choice(previous)), rng.choice(_CONSTANTS))
                values = [x + args[1] for x in columns[args[0].index]]
                fitted = fitted and not (require and level == depth)
            nodes.append((name, args))
            columns.append(values)
            levels.append(level)
    return sample, nodes, fitted, rejected


def _draw_args(rng: random.Random, op: Op, previous: list[int], below: list[int], n_vars: int, share: float) -> tuple:
    """The first argument comes from the previous level (so the depth is exact); the
    others reuse an earlier op node (probability ``share``: a shared subexpression),
    or are a variable or a constant."""
    if op.arity is not None:
        arity = op.arity
    else:  # an n-ary row: a count its row accepts, 2 to 6 or so
        least, multiple = op.nary
        arity = multiple * max(rng.randint(2, 4) // multiple or 1, -(-least // multiple))
    args: list = [Ref(rng.choice(previous))]
    for _ in range(arity - 1):
        r = rng.random()
        if r < share and below:
            args.append(Ref(rng.choice(below)))  # an op node of a lower level: the depth stays exact
        elif r < share + 0.5 * (1 - share):
            args.append(Ref(rng.randrange(n_vars)))
        else:
            args.append(rng.choice(_CONSTANTS))
    rng.shuffle(args)
    return tuple(args)


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
