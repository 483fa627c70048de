"""Mutation self-test: plant bugs, and show that the harness catches every one (``python -m compare selftest``).

Mutants, planted in memory (never by editing files), one at a time:

* for every op of the table: its derivative rules scaled by ``1 + 1e-6``; their
  sign flipped; for binary ops, its arguments swapped (the rule for ``x`` is
  the rule for ``y``, reading ``(y, x)``: the op takes its arguments in the
  other order);
* ``pow`` with the exponent off by one in its rule (``y x**y`` for ``y x**(y-1)``);
* the engine assigning a gradient instead of accumulating it (``=`` for ``+=``,
  planted through the reverse sweep's seam, :func:`toygrad.sweep.planted`).

The ground truth (exact symbolic gradients) and the tolerances are computed
once, with the table intact; then each mutant reruns only automatic
differentiation. A mutant is caught when any check disagrees. A mutant that
computes exactly what the original does (swapping the arguments of ``add``)
(swapping the arguments of ``add`` or ``mul``, which commute) cannot be caught
by any test and is reported as equivalent.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from toygrad import OPS, Op
from toygrad.ops import BINARY
from toygrad.sweep import planted

from .three_way import check_function
from .generate import generate

__all__ = ["Mutant", "mutants", "baseline", "caught_by", "run_mutants", "SCALE"]

SCALE = 1 + 1e-6


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    plant: Callable[[], contextlib.AbstractContextManager]
    op: str | None = None


@contextlib.contextmanager
def _patched_op(op: Op, **fields: Any) -> Iterator[None]:
    """Replace fields of a (frozen) op row in place, and put them back."""
    saved = {k: getattr(op, k) for k in fields}
    try:
        for k, v in fields.items():
            object.__setattr__(op, k, v)
        yield
    finally:
        for k, v in saved.items():
            object.__setattr__(op, k, v)


def _map_rules(op: Op, wrap: Callable[[Callable], Callable]) -> dict[str, Any]:
    if op.arity is None:
        return {"vjp": wrap(op.vjp)}
    return {"rules": tuple(wrap(r) for r in op.rules)}


def _scaled(rule: Callable) -> Callable:
    def mutant(*a):
        out = rule(*a)
        return [d * SCALE for d in out] if isinstance(out, (list, tuple)) else out * SCALE

    return mutant


def _negated(rule: Callable) -> Callable:
    def mutant(*a):
        out = rule(*a)
        return [-d for d in out] if isinstance(out, (list, tuple)) else -out

    return mutant


def _swapped(op: Op) -> dict[str, Any]:
    """The rules of an op that takes its arguments in the other order: x's rule is y's, read with (y, x)."""
    rx, ry = op.rules
    return {"rules": (lambda g, out, x, y: ry(g, out, y, x), lambda g, out, x, y: rx(g, out, y, x))}


def _assigning_engine() -> contextlib.AbstractContextManager:
    """The reverse sweep assigning each contribution (``=`` for ``+=``)."""
    return planted(accumulate=lambda total, term: term)


def mutants() -> list[Mutant]:
    out = []
    for op in OPS.values():
        out.append(Mutant(f"{op.name} x(1+1e-6)", f"every rule of {op.name} scaled by 1 + 1e-6",
                          lambda op=op: _patched_op(op, **_map_rules(op, _scaled)), op.name))
        out.append(Mutant(f"{op.name} -rule", f"every rule of {op.name} with its sign flipped",
                          lambda op=op: _patched_op(op, **_map_rules(op, _negated)), op.name))
    for op in BINARY:
        out.append(Mutant(f"{op.name} swapped", f"{op.name}'s rules with its arguments swapped",
                          lambda op=op: _patched_op(op, **_swapped(op)), op.name))
    pow_ = OPS["pow"]
    out.append(Mutant("pow exponent-1", "pow's rule for x computes y x**y instead of y x**(y-1)",
                      lambda: _patched_op(pow_, rules=(lambda g, out, x, y: g * y * x**y, pow_.rules[1])), "pow"))
    out.append(Mutant("engine assigns", "backward() assigns each contribution instead of adding it",
                      _assigning_engine))
    return out


def _equivalent(m: Mutant, rng: random.Random) -> bool:
    """The mutant computes the same local derivatives as the original on random inputs."""
    if m.op is None:
        return False
    op = OPS[m.op]
    samples = []
    for _ in range(20):
        n = op.arity if op.arity is not None else 4
        xs = [rng.uniform(*rng.choice(op.domain.intervals(i))) for i in range(n)]
        samples.append((xs, op.evaluate(xs)))

    def derivatives():
        try:
            return [op.partials(out, xs) for xs, out in samples]
        except (ArithmeticError, ValueError) as exc:
            return repr(exc)

    before = derivatives()
    with m.plant():
        after = derivatives()
    return before == after


def _same(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


def baseline(seed: int, per_op: int, progress: Callable[..., Iterable] = _same,
             backend: str | None = None) -> list[tuple[Any, Any]]:
    """(function, check) pairs with the table intact: the ground truth for every mutant.

    ``progress`` wraps the loop over functions (the CLI passes a progress bar);
    ``backend`` derives the ground truth (see :func:`compare.three_way.check_function`).
    """
    pairs = []
    functions = []
    for k, name in enumerate(OPS):
        for i in range(per_op):
            functions.append(generate(seed, depth=2 + i % 2, index=k * per_op + i, require=name))
    for f in progress(functions, desc="ground truth"):
        for c in check_function(f, backend=backend):
            if c.verdict == "agree":
                pairs.append((f, c))
    return pairs


def caught_by(pairs: list[tuple[Any, Any]]) -> str | None:
    """The id of the first check whose AD gradient leaves the tolerance, if any."""
    for f, c in pairs:
        try:
            g = f.build(c.point)
            g.backward()
        except (ArithmeticError, ValueError, TypeError):  # a mutant that crashes is caught too
            return f.id
        grads = {v.label: v.grad for v in _variables(g)}
        for name, e, tol in zip(c.point, c.exact, c.tolerance):
            if not abs(grads.get(name, 0.0) - e) <= tol:
                return f.id
    return None


def _variables(g):
    from toygrad import variables

    return variables(g)


def run_mutants(pairs: list[tuple[Any, Any]], seed: int = 0,
                progress: Callable[..., Iterable] = _same) -> list[dict[str, str]]:
    """Plant each mutant in turn; one row per mutant: ``caught`` (``caught_by`` which function), ``survived`` or
    ``equivalent`` (it computes exactly what the original does)."""
    rng = random.Random(seed)
    rows = []
    for m in progress(mutants(), desc="mutants"):
        if _equivalent(m, rng):
            rows.append({"mutant": m.name, "planted_bug": m.description, "result": "equivalent", "caught_by": None})
            continue
        with m.plant():
            hit = caught_by(pairs)
        rows.append({"mutant": m.name, "planted_bug": m.description, "result": "caught" if hit else "survived",
                     "caught_by": hit})
    return rows
