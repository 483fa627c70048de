"""Mutation self-test: plant bugs, and show that the harness catches every one (``python -m compare selftest``).

Mutants, planted in memory (never by editing files), one at a time:

* for every op of the table: its derivative rules scaled by ``1 + 1e-6``; their
  sign flipped; for binary ops, its arguments swapped (the rule for ``x`` is
  the rule for ``y``, reading ``(y, x)``: the op takes its arguments in the
  other order);
* ``pow`` with the exponent off by one in its rule (``y x**y`` for ``y x**(y-1)``);
* the engine assigning a gradient instead of accumulating it (``=`` for ``+=``,
  planted through the reverse sweep's seam, :func:`toygrad.sweep.planted`);
* the reverse sweep dropping every contribution smaller than 1e-7 (the seam);
* ``grad()``/``hessian()`` alone assigning instead of accumulating (the seam,
  around the sweep that ``grad`` calls);
* ``backward()`` leaving op-node gradients from an earlier call in place (not
  reset), planted by wrapping ``Value.backward``.

* for every op and every region of its row (``toygrad.regions``): its rules wrong by
  ``x(1 + 1e-3)`` and by ``x(1 + 1e-9)`` only inside that region (for an n-ary row's widths:
  only past k arguments), judged only by the checks that exercised that region;
* for every op with a kink, the convention flipped (the slope from above at the kink);
* the reverse sweep visiting a shared node before all its users are done (the seam's order).

Besides each check's gradient, every mutant faces the engine's contract
(:mod:`compare.contract`: a second ``backward()``, ``grad()`` against
``backward()``, the output scaled by a power of two).

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

from toygrad import OPS, Op, autodiff, engine, topological, variables
from toygrad.ops import BINARY
from toygrad.regions import Region
from toygrad.sweep import planted

from .contract import contract_violation
from .generate import aiming_at, generate
from .three_way import check_function

__all__ = ["Mutant", "mutants", "baseline", "caught_by", "run_mutants", "SCALE"]

SCALE = 1 + 1e-6
#: region mutants: the rules wrong by these factors, only inside one region
REGION_SCALES = (1 + 1e-3, 1 + 1e-9)
#: the verdicts whose AD gradient agrees with the exact one (``fd-off``: only the finite difference is off)
JUDGED = ("agree", "fd-off")


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    plant: Callable[[], contextlib.AbstractContextManager]
    op: str | None = None
    region: str | None = None  # planted only there: judged by the checks that exercised it


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


TINY = 1e-7


def _size(term: Any) -> float:
    return abs(getattr(term, "data", term))


def _dropping_engine() -> contextlib.AbstractContextManager:
    """The reverse sweep skipping every contribution smaller than ``TINY`` in size."""
    return planted(accumulate=lambda total, term: total if _size(term) < TINY else total + term)


@contextlib.contextmanager
def _assigning_grad() -> Iterator[None]:
    """grad() and hessian() (not backward()) assigning each contribution instead of adding it."""
    original = autodiff.reverse

    def reverse(order, graph=False):
        with planted(accumulate=lambda total, term: term):
            return original(order, graph)

    autodiff.reverse = reverse
    try:
        yield
    finally:
        autodiff.reverse = original


@contextlib.contextmanager
def _keeping_op_grads() -> Iterator[None]:
    """backward() that does not reset op-node gradients: each call adds to what the last one left."""
    original = engine.Value.backward

    def backward(self, create_graph=False):
        kept = [(n, n.grad) for n in topological(self) if n.op is not None]
        original(self, create_graph)
        for node, g in kept:
            node.grad = node.grad + g

    engine.Value.backward = backward
    try:
        yield
    finally:
        engine.Value.backward = original


def _early_order(nodes: list) -> list:
    """The nodes (arguments first) with every shared op node moved right after its first user:
    the reverse sweep then visits it before all its users are done."""
    users: dict[int, list[int]] = {}
    for k, n in enumerate(nodes):
        for a in n.args:
            users.setdefault(id(a), []).append(k)
    order = list(nodes)
    for node in [n for n in nodes if n.op is not None and len(set(users.get(id(n), []))) > 1]:
        first_user = nodes[min(users[id(node)])]
        order.remove(node)
        order.insert(order.index(first_user) + 1, node)
    return order


def _early_visit() -> contextlib.AbstractContextManager:
    return planted(order=_early_order)


def _in_region(op: Op, region: Region, wrap: Callable[[Callable], Callable]) -> dict[str, Any]:
    """``op``'s rules replaced by ``wrap(rule)`` where the arguments lie in ``region``, unchanged elsewhere."""
    def only_there(rule: Callable) -> Callable:
        wrong = wrap(rule)
        if op.arity is None:
            return lambda g, out, xs: wrong(g, out, xs) if region.contains(xs) else rule(g, out, xs)
        return lambda g, out, *xs: wrong(g, out, *xs) if region.contains(xs) else rule(g, out, *xs)

    return _map_rules(op, only_there)


def _scaled_by(scale: float) -> Callable[[Callable], Callable]:
    def wrap(rule: Callable) -> Callable:
        def mutant(*a):
            out = rule(*a)
            return [d * scale for d in out] if isinstance(out, (list, tuple)) else out * scale

        return mutant

    return wrap


def _flipped_convention(op: Op) -> dict[str, Any]:
    """At the kink, the derivative from above (slope 1 for relu, abs and relu_dot) instead of 0."""
    tiny = 5e-324
    if op.arity is None:
        return _in_region(op, _region(op, "at kink"), lambda vjp: lambda g, out, xs: vjp(g, tiny, xs))
    return _in_region(op, _region(op, "at kink"), lambda rule: lambda g, out, x: rule(g, out, x + tiny))


def _region(op: Op, name: str) -> Region:
    return next(r for r in op.regions if r.name == name)


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
    for op in OPS.values():
        for region in op.regions:
            for scale in REGION_SCALES:
                what = (f"past {region.width[0] - 1} terms, up to {region.width[1]}" if region.width
                        else f"where {region.name}")
                out.append(Mutant(f"{op.name} [{region.name}] x(1+{scale - 1:.0e})",
                                  f"{op.name}'s rules scaled by 1 + {scale - 1:.0e} only {what}",
                                  lambda op=op, r=region, k=scale: _patched_op(op, **_in_region(op, r, _scaled_by(k))),
                                  op.name, region.name))
        if any(r.name == "at kink" for r in op.regions):
            out.append(Mutant(f"{op.name} kink convention flipped", f"{op.name}' at its kink is the slope from "
                              "above instead of 0", lambda op=op: _patched_op(op, **_flipped_convention(op)),
                              op.name, "at kink"))
    out.append(Mutant("engine assigns", "backward() assigns each contribution instead of adding it",
                      _assigning_engine))
    out.append(Mutant("engine keeps op grads", "a second backward() adds to the op nodes' gradients of the first",
                      _keeping_op_grads))
    out.append(Mutant("engine drops tiny", f"the reverse sweep skips every contribution smaller than {TINY:g}",
                      _dropping_engine))
    out.append(Mutant("grad assigns", "grad() and hessian() assign each contribution instead of adding it",
                      _assigning_grad))
    out.append(Mutant("engine visits early", "backward() visits a shared node before all its users are done",
                      _early_visit))
    return out


def _equivalent(m: Mutant, rng: random.Random) -> bool:
    """The mutant computes the same local derivatives as the original on random inputs (inside its
    region, for a region mutant)."""
    if m.op is None:
        return False
    op = OPS[m.op]
    region = _region(op, m.region) if m.region else None
    samples = []
    for _ in range(40):
        if op.arity is None:
            terms = rng.randint(*region.width) if region is not None and region.width else 2
            xs = [rng.uniform(0.5, 3.0) for _ in range(2 * terms)]
            target = tuple(region.draw(rng)) if region is not None else ()
            if target and target[0] is not None:  # a fused op's kink: a dot product of the target
                xs[terms:] = [target[0] / xs[0]] + [0.0] * (terms - 1)
        else:
            targets = tuple(region.draw(rng)) if region is not None else (None,) * op.arity
            xs = [t if t is not None else rng.uniform(*rng.choice(op.domain.intervals(i))) for i, t in enumerate(targets)]
        try:
            out = op.evaluate(xs)
        except (ArithmeticError, ValueError):
            continue
        samples.append((xs, out))

    def derivatives():
        result = []
        for xs, out in samples:
            for rule in ([op.vjp] if op.arity is None else op.rules):
                try:
                    result.append(list(rule(1.0, out, xs)) if op.arity is None else rule(1.0, out, *xs))
                except (ArithmeticError, ValueError) as exc:
                    result.append(repr(exc))
        return result

    before = derivatives()
    with m.plant():
        after = derivatives()
    return before == after


def _same(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


def baseline(seed: int, per_op: int, progress: Callable[..., Iterable] = _same,
             backend: str | None = None, per_region: int = 4) -> list[tuple[Any, Any]]:
    """(function, check) pairs with the table intact: the ground truth for every mutant:
    ``per_op`` functions around each op, and ``per_region`` aimed at each region of each op.

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
            if c.verdict in JUDGED:
                pairs.append((f, c))
    aimed = [generate(seed, depth=2 + k % 2, index=aiming_at(name, region.name, 2 + k % 2, k // 2))
             for name in OPS for region in OPS[name].regions for k in range(per_region)]
    for f in progress(aimed, desc="aimed at regions"):  # every region, through a variable (not a constant)
        pairs += [(f, c) for c in check_function(f, backend=backend) if c.verdict in JUDGED]
    return pairs


def _field(check: Any, name: str) -> Any:
    """A field of a check, given as a :class:`Check` or as its row (``Check.to_dict()``)."""
    return check[name] if isinstance(check, dict) else getattr(check, name)


def caught_by(pairs: list[tuple[Any, Any]], m: Mutant | None = None) -> str | None:
    """The id of the first check whose AD gradient leaves the tolerance (or breaks the engine's
    contract) with the mutant planted, looking only at checks that exercised the mutant's op
    (and region)."""
    for f, c in pairs:
        if m is not None and m.region is not None and [m.op, m.region] not in [list(p) for p in _field(c, "regions")]:
            continue
        if m is not None and m.op is not None and m.op not in _field(c, "ops"):
            continue
        point, exact, tolerance = _field(c, "point"), _field(c, "exact"), _field(c, "tolerance")
        try:
            g = f.build(point)
            g.backward()
        except (ArithmeticError, ValueError, TypeError):  # a mutant that crashes is caught too
            return f.id
        grads = {v.label: v.grad for v in variables(g)}
        for name, e, tol in zip(point, exact, tolerance):
            if not abs(grads.get(name, 0.0) - e) <= tol:
                return f.id
        try:
            if contract_violation(g, list(point), tolerance):
                return f.id
        except (ArithmeticError, ValueError, TypeError):
            return f.id
    return None


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
            hit = caught_by(pairs, m)
        rows.append({"mutant": m.name, "planted_bug": m.description, "result": "caught" if hit else "survived",
                     "caught_by": hit})
    return rows
