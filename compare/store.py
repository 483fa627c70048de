"""A sweep's results in SQLite: appended as they arrive, resumed, reported by SQL aggregates.

One file (WAL mode) holds the run's settings, one row per finished function
and one per check. Each function is written in its own transaction, with its
checks, as soon as it finishes, so a killed process loses only the functions
that were still running; its task id is the primary key, so a resumed run
never stores a function twice. The report's tables are SQL aggregates over
the file (counts, maxima, medians by window functions): memory stays flat
whatever the number of functions.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "run.sqlite")
>>> with Store(path, {"seed": 0}) as store:
...     store.append(0, {"id": "0:1:0", "depth": 1, "ops": ["exp"], "seconds": 0.1, "rows": []})
...     store.finished()
True
1
>>> Store(path, {"seed": 1})
Traceback (most recent call last):
...
compare.store.SettingsMismatch: ... was made with seed 0, not 1: ...
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from typing import Any, Iterator, Mapping, Sequence

__all__ = ["Store", "SettingsMismatch", "StoreError"]

#: bumped when the tables change shape
STORE_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS functions (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    seconds REAL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS function_ops (
    op TEXT NOT NULL,
    function_id TEXT NOT NULL REFERENCES functions(id),
    PRIMARY KEY (op, function_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checks (
    function_id TEXT NOT NULL REFERENCES functions(id),
    position INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    compared INTEGER NOT NULL,
    error_ad REAL,
    error_fd REAL,
    worst_ratio REAL,
    graph_ops REAL, tree_ops REAL, tree_ops_cse REAL, dag_ops REAL,
    ad_seconds REAL, tree_seconds REAL, dag_seconds REAL, lambdify_seconds REAL, exact_seconds REAL,
    row TEXT NOT NULL,
    PRIMARY KEY (function_id, position)
);
CREATE TABLE IF NOT EXISTS sections (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS functions_seq ON functions(seq);
CREATE INDEX IF NOT EXISTS checks_verdict ON checks(verdict);
"""

_SIZES = ("graph_ops", "tree_ops", "tree_ops_cse", "dag_ops")
_TIMES = (("ad_seconds", "ad"), ("tree_seconds", "tree"), ("dag_seconds", "dag"),
          ("lambdify_seconds", "lambdify_eval"), ("exact_seconds", "exact"))


class StoreError(ValueError):
    """A file that is not a results store, or one that cannot be opened."""


class SettingsMismatch(StoreError):
    """The store was made by a run with other settings."""


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _worst_ratio(row: Mapping[str, Any]) -> float:
    """The worst |AD - exact| / tolerance over a check's components (0 when they are equal)."""
    worst = 0.0
    for a, e, t in zip(row["ad"], row["exact"], row["tolerance"]):
        if a != e:
            worst = max(worst, abs(a - e) / t if t else math.inf)
    return worst


class Store:
    """The results of one sweep in an SQLite file at ``path``, made with ``settings``.

    A new file records ``settings``; an existing one must have been made with
    the same settings (else :class:`SettingsMismatch`, naming the first that
    differs). ``settings=None`` opens an existing store to read it, whatever it
    was made with.
    """

    def __init__(self, path: str | os.PathLike, settings: Mapping[str, Any] | None = None) -> None:
        self.path = os.fspath(path)
        if settings is None and not os.path.isfile(self.path):
            raise StoreError(f"no results store at {self.path}")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a committed function survives power loss too
            self._db.execute("PRAGMA foreign_keys=ON")
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a results store: {exc}") from None
        if tables and "settings" not in tables:
            self._db.close()
            raise StoreError(f"{self.path} is an SQLite file but not a results store (no settings table)")
        if settings is None:
            if not tables:
                self._db.close()
                raise StoreError(f"{self.path} is not a results store (it holds no tables)")
            self.settings = self._read_settings()
            return
        self.settings = dict(settings)
        if not tables:
            self._db.executescript(_SCHEMA)
        stored = self._read_settings()
        if not stored:
            with self._transaction():
                self._db.executemany("INSERT INTO settings VALUES (?, ?)",
                                     [("store_version", _dumps(STORE_VERSION)),
                                      *((k, _dumps(v)) for k, v in self.settings.items())])
        else:
            self._compare(stored)

    # ------------------------------------------------------------ opening

    def _read_settings(self) -> dict[str, Any]:
        rows = self._db.execute("SELECT key, value FROM settings WHERE key != 'store_version'").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def _compare(self, stored: Mapping[str, Any]) -> None:
        for key in sorted(set(stored) | set(self.settings)):
            theirs, ours = stored.get(key, "(unset)"), self.settings.get(key, "(unset)")
            if theirs != ours:
                self._db.close()
                raise SettingsMismatch(f"{self.path} was made with {key} {_show(theirs)}, not {_show(ours)}: "
                                       "use the same options to continue it, or another --store")

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writing

    def append(self, seq: int, function: Mapping[str, Any]) -> bool:
        """Store one finished function (``seq``: its place in the sweep) with its checks, in one transaction.

        Returns False, storing nothing, when a function with its id is already there.
        """
        record = {k: v for k, v in function.items() if k != "rows"}
        with self._transaction():
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO functions VALUES (?, ?, ?, ?, ?)",
                (function["id"], seq, function["depth"], function.get("seconds"), _dumps(record)))
            if cursor.rowcount == 0:
                return False
            self._db.executemany("INSERT INTO function_ops VALUES (?, ?)",
                                 [(op, function["id"]) for op in sorted(set(function.get("ops", ())))])
            self._db.executemany(
                f"INSERT INTO checks VALUES ({', '.join('?' * 18)})",
                [_check_row(function, i, row) for i, row in enumerate(function["rows"])])
        return True

    def put_section(self, name: str, data: Any) -> None:
        """Keep a table made once per run (swell, training, ...) under ``name``."""
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO sections VALUES (?, ?)", (name, _dumps(data)))

    # ------------------------------------------------------------ reading

    def finished(self) -> int:
        """How many functions are stored."""
        return self._db.execute("SELECT COUNT(*) FROM functions").fetchone()[0]

    def done_mask(self, total: int) -> bytearray:
        """One byte per task of the sweep (by its place): 1 where the function is stored. 1 MB per million."""
        mask = bytearray(total)
        for (seq,) in self._db.execute("SELECT seq FROM functions WHERE seq < ?", (total,)):
            mask[seq] = 1
        return mask

    def functions(self) -> Iterator[dict[str, Any]]:
        """The stored functions with their checks, in sweep order, one at a time."""
        current: dict[str, Any] | None = None
        query = ("SELECT f.id, f.record, c.row FROM functions f LEFT JOIN checks c ON c.function_id = f.id "
                 "ORDER BY f.seq, c.position")
        for fid, record, row in self._db.execute(query):
            if current is None or current["id"] != fid:
                if current is not None:
                    yield current
                current = {**json.loads(record), "rows": []}
            if row is not None:
                current["rows"].append(json.loads(row))
        if current is not None:
            yield current

    def section(self, name: str) -> Any:
        """A table kept with :meth:`put_section`, or None."""
        found = self._db.execute("SELECT data FROM sections WHERE name = ?", (name,)).fetchone()
        return None if found is None else json.loads(found[0])

    def pending(self) -> list[str]:
        """Always empty: a store's sweep may miss millions of functions, and is continued by running it again."""
        return []

    def checks_with(self, verdict: str) -> list[dict[str, Any]]:
        """The checks that have ``verdict``, in sweep order (for the disagreements table: few by design)."""
        query = ("SELECT c.row FROM checks c JOIN functions f ON f.id = c.function_id WHERE c.verdict = ? "
                 "ORDER BY f.seq, c.position")
        return [json.loads(r) for (r,) in self._db.execute(query, (verdict,))]

    def verdicts(self) -> dict[str, int]:
        """Checks by verdict, as :func:`compare.schema.verdict_counts` gives them (every verdict, zeros too)."""
        return _counts(dict(self._db.execute("SELECT verdict, COUNT(*) FROM checks GROUP BY verdict").fetchall()))

    def checks(self) -> int:
        """How many checks are stored."""
        return self._db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]

    def seconds(self) -> float:
        """The time the stored functions took, summed (over every worker)."""
        return self._db.execute("SELECT COALESCE(SUM(seconds), 0.0) FROM functions").fetchone()[0]

    def second_order_rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Each function's depth and second-order rows, in sweep order."""
        for depth, record in self._db.execute("SELECT depth, record FROM functions ORDER BY seq"):
            yield depth, json.loads(record).get("second_order", [])

    # ------------------------------------------------------------ aggregates

    def tables(self, ops: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """The report's agreement and cost tables, as ``compare report`` makes them from a list of functions
        (``ops``: the ops the run drew from, in any order; their rows follow the op table's order).
        """
        from toygrad import OPS

        return {"agreement_by_depth": self.agreement("depth"),
                "agreement_by_op": self.agreement("op", [name for name in OPS if name in ops]),
                "cost_by_depth": self.cost_by_depth()}

    def agreement(self, by: str, groups: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Counts, largest and median errors, worst error over tolerance and verdicts, grouped ``by``
        ``"depth"`` (one row per stored depth, medians included) or ``"op"`` (one row per op of ``groups``:
        the checks of the functions that contain the op).
        """
        if by == "depth":
            source = "SELECT depth AS g, * FROM checks"
            functions = "SELECT depth AS g, COUNT(*) FROM functions GROUP BY depth"
        elif by == "op":
            source = "SELECT o.op AS g, c.* FROM function_ops o JOIN checks c ON c.function_id = o.function_id"
            functions = "SELECT op AS g, COUNT(*) FROM function_ops GROUP BY op"
        else:
            raise ValueError(f"agreement by {by!r}: expected 'depth' or 'op'")
        n_functions = dict(self._db.execute(functions).fetchall())
        stats = {g: rest for g, *rest in self._db.execute(
            f"SELECT g, COUNT(*), MAX(CASE WHEN compared THEN error_ad END), "
            f"MAX(CASE WHEN compared THEN error_fd END), MAX(CASE WHEN compared THEN worst_ratio END) "
            f"FROM ({source}) GROUP BY g")}
        counts: dict[Any, dict[str, int]] = {}
        for g, verdict, n in self._db.execute(f"SELECT g, verdict, COUNT(*) FROM ({source}) GROUP BY g, verdict"):
            counts.setdefault(g, {})[verdict] = n
        medians = ({name: self._medians(source, column, "compared") for name, column in
                    (("ad", "error_ad"), ("fd", "error_fd"))} if by == "depth" else None)
        keys = sorted(n_functions) if groups is None else list(groups)
        out = []
        for g in keys:
            points, ad_max, fd_max, ratio = stats.get(g, (0, None, None, None))
            row: dict[str, Any] = {by: g, "functions": n_functions.get(g, 0), "points": points,
                                   "ad_max_error": ad_max}
            if medians is not None:
                row["ad_median_error"] = medians["ad"].get(g)
            row["fd_max_error"] = fd_max
            if medians is not None:
                row["fd_median_error"] = medians["fd"].get(g)
            row["ad_worst_error_over_tolerance"] = ratio
            row["verdicts"] = _counts(counts.get(g, {}))
            out.append(row)
        return out

    def cost_by_depth(self) -> list[dict[str, Any]]:
        """Per depth: median sizes (first point of each function), median times, functions per second."""
        first = "SELECT * FROM checks WHERE position = 0 AND graph_ops IS NOT NULL"
        timed = "SELECT * FROM checks WHERE ad_seconds IS NOT NULL"
        columns = [*((s, first, s) for s in _SIZES),
                   ("ad_seconds", timed, "ad_seconds"), ("tree_seconds", first, "tree_seconds"),
                   ("dag_seconds", first, "dag_seconds"), ("lambdify_seconds", timed, "lambdify_seconds"),
                   ("exact_seconds", timed, "exact_seconds")]
        medians = {name: self._medians(f"SELECT depth AS g, * FROM ({source})", column)
                   for name, source, column in columns}
        out = []
        for depth, n, total in self._db.execute(
                "SELECT depth, COUNT(*), SUM(seconds) FROM functions GROUP BY depth ORDER BY depth"):
            out.append({"depth": depth, **{name: medians[name].get(depth) for name, _, _ in columns},
                        "functions_per_second": n / total if total else None})
        return out

    def _medians(self, source: str, column: str, where: str = "1") -> dict[Any, float]:
        """The median of ``column`` per group ``g`` of ``source`` (the mean of the middle two for an even count)."""
        query = f"""
            WITH v AS (
                SELECT g, {column} AS x,
                       ROW_NUMBER() OVER (PARTITION BY g ORDER BY {column}) AS r,
                       COUNT(*) OVER (PARTITION BY g) AS n
                FROM ({source}) WHERE {where} AND {column} IS NOT NULL)
            SELECT g, AVG(x) FROM v WHERE r IN ((n + 1) / 2, (n + 2) / 2) GROUP BY g"""
        return dict(self._db.execute(query).fetchall())


def _check_row(function: Mapping[str, Any], position: int, row: Mapping[str, Any]) -> tuple:
    compared = row["verdict"] != "out-of-domain" and bool(row["exact"])
    sizes, times = row.get("sizes") or {}, row.get("times") or {}
    return (
        function["id"], position, function["depth"], row["verdict"], int(compared),
        row.get("error_ad"), row.get("error_fd"), _worst_ratio(row),
        *(sizes.get(s) if sizes else None for s in _SIZES),
        *(times.get(key) for _, key in _TIMES),
        _dumps(row),
    )


def _counts(found: Mapping[str, int]) -> dict[str, int]:
    """Counts by verdict in the report's form: every verdict the harness knows, zeros included."""
    from .check import VERDICTS
    from .schema import verdict_key

    return {verdict_key(v): found.get(v, 0) for v in VERDICTS}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception, Ctrl-C included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type | None, *exc: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
