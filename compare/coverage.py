"""Coverage: which region of which op each check exercised, and the op x region table.

Every row of the op table divides its domain into regions (``toygrad.regions``).
:func:`exercised` lists, for a graph at its point, the (op, region) pairs its
op nodes lie in; every check carries that list (``Check.regions``), and
:func:`coverage` counts, over a sweep's check rows, how many checks exercised
each region of each op and their worst err/tol (|AD - exact| / tolerance: below 1
is agreement). :func:`gaps` names the regions no check reached.

>>> from toygrad import Value
>>> x = Value(0.0, label="x")
>>> exercised(x.relu() + 2.0)
[('add', 'x0 = 0'), ('add', 'x1 > 0'), ('relu', 'at kink')]
>>> table = coverage([{"regions": [["relu", "at kink"]], "ad": [0.0], "exact": [0.0], "tolerance": [1e-16],
...                    "verdict": "agree"}], ops=["relu"])
>>> [(r["region"], r["checks"]) for r in table][:3]
[('x < 0', 0), ('x > 0', 0), ('at kink', 1)]
>>> gaps(table)[:2]
['relu: x < 0', 'relu: x > 0']
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from toygrad import OPS, Value, topological

from .tolerance import err_over_tol as worst_ratio

__all__ = ["exercised", "coverage", "gaps", "err_over_tol"]

#: verdicts whose AD is not held to the tolerance (no exact value, other side of a kink, no bound)
_NOT_COMPARED = ("out-of-domain", "non-smooth", "undecided")


def exercised(graph: Value) -> list[tuple[str, str]]:
    """The (op, region) pairs the op nodes of ``graph`` lie in at its current point, sorted, each once."""
    seen = set()
    for node in topological(graph):
        if node.op is not None:
            xs = [a.data for a in node.args]
            seen.update((node.op.name, region) for region in node.op.regions_at(xs))
    return sorted(seen)


def err_over_tol(row: Mapping[str, Any]) -> float:
    """The worst |AD - exact| / tolerance over a check row's components (0 where they are equal)."""
    return worst_ratio(row.get("ad") or (), row.get("exact") or (), row.get("tolerance") or ())


def coverage(rows: Iterable[Mapping[str, Any]], ops: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One entry per region of every op in ``ops`` (default: the whole table), in table order:
    ``op``, ``region``, ``checks`` (how many rows exercised it) and ``worst_err_over_tol``
    (None when no row that exercised it was compared with an exact gradient)."""
    names = list(OPS) if ops is None else list(ops)
    counts: dict[tuple[str, str], int] = {}
    worst: dict[tuple[str, str], float] = {}
    for row in rows:
        compared = row.get("verdict") not in _NOT_COMPARED and bool(row.get("exact"))
        ratio = err_over_tol(row) if compared else None
        for op, region in row.get("regions") or ():
            key = (op, region)
            counts[key] = counts.get(key, 0) + 1
            if ratio is not None:
                worst[key] = max(worst.get(key, 0.0), ratio)
    return [
        {"op": name, "region": r.name, "checks": counts.get((name, r.name), 0),
         "worst_err_over_tol": worst.get((name, r.name))}
        for name in names for r in OPS[name].regions
    ]


def gaps(table: Iterable[Mapping[str, Any]]) -> list[str]:
    """``"op: region"`` for every entry of a :func:`coverage` table that no check reached."""
    return [f"{e['op']}: {e['region']}" for e in table if not e["checks"]]
