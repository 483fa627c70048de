"""The conformance run: every engine through the same random functions and the same special points.

Per function, the exact derivatives are derived once (:mod:`.truth`) and the
tolerance once (:mod:`.judge`, from toygrad's graph); every engine is then run
at every point and judged against them. A row is one check: one engine, one
function, one point, one order.

>>> from compare.engines import load
>>> rows = check_recipe(generate(seed=1, depth=2, index=0), [load("toygrad")], order=2)
>>> sorted({(r["order"], r["verdict"]) for r in rows})
[(1, 'agree'), (2, 'agree')]
>>> result = run(["toygrad", "micrograd"], n=2, depths=[1], special=SPECIAL[:2])
>>> len(result.sweep), len(result.special)  # 2 functions x 3 points x 2 engines x 2 orders; 2 points x 2 x 2
(24, 8)
"""

from __future__ import annotations

import concurrent.futures as cf
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from toygrad import DomainError, OPS

from .. import kinks
from ..generate import generate
from . import EngineMissing, load
from .adapter import Adapter, kind
from .judge import VERDICTS, WORSE, judge, tolerance
from .special import SPECIAL, SpecialPoint
from .truth import build, derive

__all__ = ["check_recipe", "run", "Run", "summary", "by_op", "differences", "load_engines"]


def load_engines(names: Sequence[str]) -> tuple[list[Adapter], dict[str, str]]:
    """The adapters of the installed engines, and for the others the line saying how to install them."""
    adapters, missing = [], {}
    for name in names:
        try:
            adapters.append(load(name))
        except EngineMissing as exc:
            missing[name] = str(exc)
    return adapters, missing


def _at_kink(recipe, point: Sequence[float]) -> bool:
    try:
        return any(s.value == s.kink.at for s in kinks.sites(build(recipe, point)))
    except DomainError:
        return False


def check_recipe(recipe, adapters: Sequence[Adapter], order: int = 2, points: Sequence[Sequence[float]] | None = None,
                 answers: bool = False) -> list[dict[str, Any]]:
    """One row per engine, point and order (1, and 2 with ``order=2``) for one recipe.

    ``answers=True`` keeps every entry the engine returned (``answer``), for the majority comparison.
    """
    points = list(recipe.points if points is None else points)
    truth = derive(recipe, order)
    names = tuple(recipe.variables)
    ops = sorted({name for name, _ in recipe.nodes})
    rows = []
    for index, point in enumerate(points):
        exact = truth.at(point, order)
        tol = tolerance(recipe, point, order)
        sides = truth.around(point, order) if _at_kink(recipe, point) else ()
        for adapter in adapters:
            out = adapter.run(recipe, point, order)
            for o in range(1, order + 1):
                if o == 2 and not adapter.second_order and not out.unsupported:
                    j = judge(out, exact, tol, names, o, sides)
                    j.verdict, j.reason = "unsupported", f"not supported by {adapter.name}: second derivatives"
                else:
                    j = judge(out, exact, tol, names, o, sides)
                rows.append({
                    "engine": adapter.name, "id": recipe.id, "point": list(point), "point_index": index,
                    "order": o, "verdict": j.verdict, "partial": j.partial, "exact": j.exact, "got": j.got,
                    "kind": kind(j.got) if j.got is not None else "", "ulps": j.ulps, "err_tol": j.err_tol,
                    "reason": j.reason, "ops": ops, "seconds": out.seconds,
                    **({"answer": _answer(out, o), "exact_answer": _exact_answer(exact, o),
                        "entries": _entry_names(names, o)} if answers else {}),
                })
    return rows


def _answer(out, order: int) -> list[Any]:
    """What the engine returned for this order, entry by entry (for the majority comparison)."""
    if out.unsupported:
        return []
    if order == 1:
        return [out.value, *out.gradient]
    return [h for row in out.hessian or [] for h in row]


def _exact_answer(exact, order: int) -> list[Any]:
    if order == 1:
        return [exact.value, *exact.gradient]
    return [h for row in exact.hessian or [] for h in row]


def _entry_names(names: Sequence[str], order: int) -> list[str]:
    if order == 1:
        return ["f", *(f"d/d{n}" for n in names)]
    return [f"d2/d{a}d{b}" for a in names for b in names]


# ---------------------------------------------------------------- the run


@dataclass
class Run:
    """Rows of a run (random sweep and special points apart), formulas by function id, and what was left out."""

    sweep: list[dict[str, Any]] = field(default_factory=list)
    special: list[dict[str, Any]] = field(default_factory=list)
    formulas: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # function id -> why its truth could not be derived
    missing: dict[str, str] = field(default_factory=dict)  # engine -> how to install it
    versions: dict[str, str] = field(default_factory=dict)

    def add(self, part: "Run") -> None:
        self.sweep += part.sweep
        self.special += part.special
        self.formulas.update(part.formulas)
        self.skipped.update(part.skipped)
        self.missing.update(part.missing)
        self.versions.update(part.versions)


def _task(engines: tuple[str, ...], kind_: str, items: Sequence[Any], settings: Mapping[str, Any]) -> Run:
    """Check some random functions or special points (runs in a worker: it loads the engines once)."""
    adapters, missing = load_engines(engines)
    out = Run(missing=missing, versions={a.name: a.version for a in adapters})
    order = settings["order"]
    for item in items:
        if kind_ == "special":
            recipe = item.recipe
            out.formulas[recipe.id] = item.formula
            out.special += [dict(r, formula=item.formula, at=item.at, what=item.what, op=item.op)
                            for r in check_recipe(recipe, adapters, order, answers=True)]
            continue
        depth, index = item
        f = generate(settings["seed"], depth, index, variables=settings["variables"], points=settings["points"])
        out.formulas[f.id] = f.formula
        try:
            out.sweep += [dict(r, depth=depth) for r in check_recipe(f, adapters, order)]
        except Exception as exc:  # noqa: BLE001 - the truth could not be derived: say so, go on
            out.skipped[f.id] = f"{type(exc).__name__}: {exc}"
    return out


def run(engines: Sequence[str], seed: int = 0, depths: Sequence[int] = (1, 2, 3, 4), n: int = 250,
        variables: int = 3, points: int = 3, order: int = 2, special: Sequence[SpecialPoint] = SPECIAL,
        executor: cf.Executor | None = None, chunk: int = 20,
        on_progress: Callable[[int], None] | None = None) -> Run:
    """``n`` random functions per depth and the special points, through every engine.

    Work goes out in chunks of ``chunk`` functions (``executor``: any ``concurrent.futures`` executor;
    None runs here). Rows come back in a fixed order whatever the executor.
    """
    settings = {"seed": seed, "variables": variables, "points": points, "order": order}
    functions = [(d, i) for d in depths for i in range(n)]
    jobs = [("sweep", functions[k:k + chunk]) for k in range(0, len(functions), chunk)]
    jobs += [("special", list(special[k:k + chunk // 2 or 1])) for k in range(0, len(special), chunk // 2 or 1)]
    total = Run()
    engines = tuple(engines)
    if executor is None:
        parts: Iterable[tuple[Run, int]] = ((_task(engines, k, items, settings), len(items)) for k, items in jobs)
    else:
        futures = {executor.submit(_task, engines, k, items, settings): len(items) for k, items in jobs}
        parts = ((f.result(), futures[f]) for f in cf.as_completed(futures))
    for part, count in parts:
        total.add(part)
        if on_progress is not None:
            on_progress(count)
    rank = {(d, i): k for k, (d, i) in enumerate(functions)}
    total.sweep.sort(key=lambda r: (rank[(r["depth"], int(r["id"].split(":")[2]))], r["point_index"]))
    place = {p.recipe.id: k for k, p in enumerate(special)}
    total.special.sort(key=lambda r: place[r["id"]])
    return total


# ---------------------------------------------------------------- tables (data, not text)


def summary(rows: Sequence[dict[str, Any]], engines: Sequence[str]) -> list[dict[str, Any]]:
    """Per engine and order: checks, each verdict's count, the worst error in ulps and in err/tol."""
    out = []
    for engine in engines:
        for order in (1, 2):
            mine = [r for r in rows if r["engine"] == engine and r["order"] == order]
            if not mine:
                continue
            counts = Counter(r["verdict"] for r in mine)
            out.append({
                "engine": engine, "order": order, "functions": len({r["id"] for r in mine}), "checks": len(mine),
                **{v: counts.get(v, 0) for v in VERDICTS},
                "worst_ulps": _worst(r["ulps"] for r in mine if r["verdict"] != "unsupported"),
                "worst_err_tol": _worst(r["err_tol"] for r in mine if r["verdict"] != "unsupported"),
                "seconds": sum(r["seconds"] for r in mine) if order == 1 else None,  # one run gives both orders
            })
    return out


def _worst(values: Iterable[float | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


def by_op(rows: Sequence[dict[str, Any]], engines: Sequence[str], order: int) -> list[dict[str, Any]]:
    """Per op (checks of functions that contain it) and engine: agreeing, checked, wrong, worst ulps.

    ``checked`` leaves out the ``unsupported`` checks (an engine without the op, or without second order).
    """
    cells: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["order"] == order:
            for op in r["ops"]:
                cells[(op, r["engine"])].append(r)
    out = []
    for op in OPS:
        row: dict[str, Any] = {"op": op}
        for engine in engines:
            every = cells.get((op, engine), [])
            mine = [r for r in every if r["verdict"] != "unsupported"]
            row[engine] = {
                "checked": len(mine),
                "unsupported": len(every) - len(mine),
                "agree": sum(r["verdict"] == "agree" for r in mine),
                "disagree": sum(r["verdict"] == "disagree" for r in mine),
                "other": sum(r["verdict"] not in ("agree", "disagree") for r in mine),
                "worst_ulps": _worst(r["ulps"] for r in mine),
            }
        out.append(row)
    return out


def _value(label: str) -> Any:
    """A majority label back as a value: a float, ``"error"``, or None where there is no majority."""
    if not label:
        return None
    try:
        return float(label)
    except ValueError:
        return label


def _label(entry: Any) -> str:
    """An answer entry as the majority compares it: its kind, and a number to 12 digits (0 and -0 alike)."""
    k = kind(entry)
    return f"{entry + 0.0:.12g}" if k == "number" else ("-inf" if k == "inf" and entry < 0 else k)


def differences(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The special-point checks where an engine differs from the exact value or from the majority.

    The majority (more than half; "" if none) is taken per point, order and entry over the engines that
    support the op; a check is listed
    if its verdict is neither ``agree`` nor ``undefined`` (no exact value to differ from), or any of its
    entries differs from the majority's answer.
    """
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["verdict"] != "unsupported":
            groups[(r["id"], r["order"])].append(r)
    out = []
    for group in groups.values():
        width = max(len(r["answer"]) for r in group)
        majority = []
        for k in range(width):
            labels = Counter(_label(r["answer"][k]) for r in group if k < len(r["answer"]))
            label, count = labels.most_common(1)[0]
            majority.append(label if count > sum(labels.values()) / 2 else "")  # "": no majority
        for r in group:
            odd = [k for k, a in enumerate(r["answer"]) if majority[k] and _label(a) != majority[k]]
            if r["verdict"] not in ("agree", "undefined") or odd:
                row = dict(r, majority=_value(majority[r["entries"].index(r["partial"])]) if r["partial"] else None,
                           odd_entries=[r["entries"][k] for k in odd])
                if r["verdict"] in ("agree", "undefined") and odd:  # show the entry that differs
                    k = odd[0]
                    row.update(partial=r["entries"][k], exact=r["exact_answer"][k], got=r["answer"][k],
                               majority=_value(majority[k]))
                out.append(row)
    out.sort(key=lambda r: (r["op"], r["formula"], r["point"], r["order"], WORSE[r["verdict"]], r["engine"]))
    return out

