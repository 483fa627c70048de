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
import os
import sqlite3
import zlib
from typing import Any, Iterator, Mapping, Sequence

from .tolerance import err_over_tol

__all__ = ["Store", "SettingsMismatch", "StoreError"]

#: bumped when the tables change shape
STORE_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS functions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    seconds REAL,
    record BLOB NOT NULL  -- the function with its checks: JSON, zlib-compressed (a fifth of the size)
);
CREATE TABLE IF NOT EXISTS function_ops (
    op TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES functions(seq),
    PRIMARY KEY (op, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checks (
    seq INTEGER NOT NULL REFERENCES functions(seq),
    position INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    compared INTEGER NOT NULL,
    error_ad REAL,
    error_fd REAL,
    worst_ratio REAL,
    certified INTEGER NOT NULL,
    graph_ops REAL, tree_ops REAL, tree_ops_cse REAL, dag_ops REAL,
    ad_seconds REAL, tree_seconds REAL, dag_seconds REAL, lambdify_seconds REAL, exact_seconds REAL,
    PRIMARY KEY (seq, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS second_order (
    seq INTEGER NOT NULL REFERENCES functions(seq),
    position INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    PRIMARY KEY (seq, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sections (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS checks_verdict ON checks(verdict);
CREATE INDEX IF NOT EXISTS second_order_verdict ON second_order(verdict);
"""

_SIZES = ("graph_ops", "tree_ops", "tree_ops_cse", "dag_ops")
_FIRST = ("position = 0 AND graph_ops IS NOT NULL", "graph_ops")
_TIMED = ("ad_seconds IS NOT NULL", "ad_seconds")
_COMPARED = ("compared", "compared")
#: each median of the report: its column, the checks it is taken over and the columns that condition reads
#: (a partial index on depth, the column and those serves each, so the median walks an index, no table)
_MEDIANS = {
    "ad_median_error": ("error_ad", *_COMPARED), "fd_median_error": ("error_fd", *_COMPARED),
    **{size: (size, *_FIRST) for size in ("graph_ops", "tree_ops", "tree_ops_cse", "dag_ops")},
    "ad_seconds": ("ad_seconds", *_TIMED), "tree_seconds": ("tree_seconds", *_FIRST),
    "dag_seconds": ("dag_seconds", *_FIRST), "lambdify_seconds": ("lambdify_seconds", *_TIMED),
    "exact_seconds": ("exact_seconds", *_TIMED),
}
_TIMES = (("ad_seconds", "ad"), ("tree_seconds", "tree"), ("dag_seconds", "dag"),
          ("lambdify_seconds", "lambdify_eval"), ("exact_seconds", "exact"))


class StoreError(ValueError):
    """A file that is not a results store, or one that cannot be opened."""


class SettingsMismatch(StoreError):
    """The store was made by a run with other settings."""


def _pack(function: Mapping[str, Any]) -> bytes:
    return zlib.compress(json.dumps(function, separators=(",", ":")).encode(), 6)


def _unpack(record: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(record))


def _worst_ratio(row: Mapping[str, Any]) -> float:
    """The worst |AD - exact| / tolerance over a check's components (0 when they are equal)."""
    return err_over_tol(row["ad"], row["exact"], row["tolerance"])


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
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a killed process, no fsync each
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
            self._db.executescript(_SCHEMA + "".join(
                f"CREATE INDEX IF NOT EXISTS median_{name} ON checks(depth, {column}, {reads}) "
                f"WHERE {where} AND {column} IS NOT NULL;\n" for name, (column, where, reads) in _MEDIANS.items()))
        stored = self._read_settings()
        if not stored:
            with self._transaction():
                self._db.executemany("INSERT INTO settings VALUES (?, ?)",
                                     [("store_version", json.dumps(STORE_VERSION)),
                                      *((k, json.dumps(v)) for k, v in self.settings.items())])
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

        Returns False, storing nothing, when a function with its id or place is already there.
        """
        with self._transaction():
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO functions VALUES (?, ?, ?, ?, ?)",
                (seq, function["id"], function["depth"], function.get("seconds"), _pack(function)))
            if cursor.rowcount == 0:
                return False
            self._db.executemany("INSERT INTO function_ops VALUES (?, ?)",
                                 [(op, seq) for op in sorted(set(function.get("ops", ())))])
            self._db.executemany(f"INSERT INTO checks VALUES ({', '.join('?' * 18)})",
                                 [_check_row(seq, function["depth"], i, row) for i, row in enumerate(function["rows"])])
            self._db.executemany("INSERT INTO second_order VALUES (?, ?, ?)",
                                 [(seq, i, row["verdict"]) for i, row in enumerate(function.get("second_order", ()))])
        return True

    def put_section(self, name: str, data: Any) -> None:
        """Keep a table made once per run (swell, training, ...) under ``name``."""
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO sections VALUES (?, ?)", (name, json.dumps(data)))

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
        for (record,) in self._db.execute("SELECT record FROM functions ORDER BY seq"):
            yield _unpack(record)

    def section(self, name: str) -> Any:
        """A table kept with :meth:`put_section`, or None."""
        found = self._db.execute("SELECT data FROM sections WHERE name = ?", (name,)).fetchone()
        return None if found is None else json.loads(found[0])

    def pending(self) -> list[str]:
        """Always empty: a store's sweep may miss millions of functions, and is continued by running it again."""
        return []

    def disagreements(self, order: int | None = None) -> list[dict[str, Any]]:
        """The checks that disagree, then the second-order ones, in sweep order (few, by design);
        ``order`` 1 or 2: only the first- or second-order ones."""
        out = []
        for table, key in (("checks", "rows"), ("second_order", "second_order"))[(order or 1) - 1:order or 2]:
            found = self._db.execute(f"SELECT seq, position FROM {table} WHERE verdict = 'disagree' ORDER BY seq, position")
            for seq, position in found.fetchall():
                record = self._db.execute("SELECT record FROM functions WHERE seq = ?", (seq,)).fetchone()[0]
                out.append(_unpack(record)[key][position])
        return out

    def verdicts(self) -> dict[str, int]:
        """Checks by verdict, as :func:`compare.schema.verdict_counts` gives them (every verdict, zeros too)."""
        return _counts(dict(self._db.execute("SELECT verdict, COUNT(*) FROM checks GROUP BY verdict").fetchall()))

    def certified(self) -> dict[str, int]:
        """Certified checks (the exact value a ball narrow enough for the verdict) by verdict, in the same form."""
        return _counts(dict(self._db.execute(
            "SELECT verdict, COUNT(*) FROM checks WHERE certified GROUP BY verdict").fetchall()))

    def second_order_verdicts(self) -> dict[str, int]:
        """Second-order checks by verdict, in the same form."""
        return _counts(dict(self._db.execute(
            "SELECT verdict, COUNT(*) FROM second_order GROUP BY verdict").fetchall()))

    def checks(self) -> int:
        """How many checks are stored."""
        return self._db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]

    def seconds(self) -> float:
        """The time the stored functions took, summed (over every worker)."""
        return self._db.execute("SELECT COALESCE(SUM(seconds), 0.0) FROM functions").fetchone()[0]

    def second_order_rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Each function's depth and second-order rows, in sweep order (for ``--order 2``'s Hessian table)."""
        query = "SELECT depth, record FROM functions WHERE seq IN (SELECT DISTINCT seq FROM second_order) ORDER BY seq"
        for depth, record in self._db.execute(query):
            yield depth, _unpack(record)["second_order"]

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
            source = "SELECT depth AS g, {} FROM checks"
            functions = "SELECT depth AS g, COUNT(*) FROM functions GROUP BY depth"
        elif by == "op":
            source = "SELECT o.op AS g, {} FROM function_ops o JOIN checks c ON c.seq = o.seq"
            functions = "SELECT op AS g, COUNT(*) FROM function_ops GROUP BY op"
        else:
            raise ValueError(f"agreement by {by!r}: expected 'depth' or 'op'")
        n_functions = dict(self._db.execute(functions).fetchall())
        stats: dict[Any, list] = {}
        counts: dict[Any, dict[str, int]] = {}
        certified: dict[Any, int] = {}
        columns = "verdict, compared, error_ad, error_fd, worst_ratio, certified"
        for g, verdict, n, sure, *maxima in self._db.execute(  # one pass: per group and verdict, combined here
                f"SELECT g, verdict, COUNT(*), SUM(certified), MAX(CASE WHEN compared THEN error_ad END), "
                f"MAX(CASE WHEN compared THEN error_fd END), MAX(CASE WHEN compared THEN worst_ratio END) "
                f"FROM ({source.format(columns)}) GROUP BY g, verdict"):
            counts.setdefault(g, {})[verdict] = n
            certified[g] = certified.get(g, 0) + sure
            points, *best = stats.get(g, (0, None, None, None))
            stats[g] = [points + n, *(b if m is None else m if b is None else max(b, m) for b, m in zip(best, maxima))]
        medians = ({name: self._medians(name, sorted(n_functions)) for name in ("ad_median_error", "fd_median_error")}
                   if by == "depth" else None)
        keys = sorted(n_functions) if groups is None else list(groups)
        out = []
        for g in keys:
            points, ad_max, fd_max, ratio = stats.get(g, (0, None, None, None))
            row: dict[str, Any] = {by: g, "functions": n_functions.get(g, 0), "points": points,
                                   "ad_max_error": ad_max}
            if medians is not None:
                row["ad_median_error"] = medians["ad_median_error"].get(g)
            row["fd_max_error"] = fd_max
            if medians is not None:
                row["fd_median_error"] = medians["fd_median_error"].get(g)
            row["ad_worst_error_over_tolerance"] = ratio
            row["verdicts"] = _counts(counts.get(g, {}))
            row["certified"] = certified.get(g, 0)
            out.append(row)
        return out

    def cost_by_depth(self) -> list[dict[str, Any]]:
        """Per depth: median sizes (first point of each function), median times, functions per second."""
        found = self._db.execute(
            "SELECT depth, COUNT(*), SUM(seconds) FROM functions GROUP BY depth ORDER BY depth").fetchall()
        depths = [depth for depth, _, _ in found]
        names = [name for name in _MEDIANS if not name.endswith("_error")]
        medians = {name: self._medians(name, depths) for name in names}
        return [{"depth": depth, **{name: medians[name].get(depth) for name in names},
                 "functions_per_second": n / total if total else None} for depth, n, total in found]

    def _medians(self, name: str, depths: Sequence[int]) -> dict[int, float]:
        """The median named ``name`` (see ``_MEDIANS``) at each depth: the middle value (the mean of the middle
        two for an even count), found by walking the column's partial index, not by sorting."""
        column, where, _ = _MEDIANS[name]
        where = f"{where} AND {column} IS NOT NULL AND depth = ?"
        out = {}
        for depth in depths:
            n = self._db.execute(f"SELECT COUNT(*) FROM checks INDEXED BY median_{name} WHERE {where}",
                                 (depth,)).fetchone()[0]
            if n:
                middle = self._db.execute(
                    f"SELECT AVG(x) FROM (SELECT {column} AS x FROM checks INDEXED BY median_{name} WHERE {where} "
                    f"ORDER BY {column} LIMIT ? OFFSET ?)", (depth, 2 - n % 2, (n - 1) // 2)).fetchone()[0]
                out[depth] = middle
        return out


def _check_row(seq: int, depth: int, position: int, row: Mapping[str, Any]) -> tuple:
    compared = row["verdict"] != "out-of-domain" and bool(row["exact"])
    sizes, times = row.get("sizes") or {}, row.get("times") or {}
    return (
        seq, position, depth, row["verdict"], int(compared),
        row.get("error_ad"), row.get("error_fd"), _worst_ratio(row), int(bool(row.get("certified"))),
        *(sizes.get(s) if sizes else None for s in _SIZES),
        *(times.get(key) for _, key in _TIMES),
    )


def _counts(found: Mapping[str, int]) -> dict[str, int]:
    """Counts by verdict in the report's form: every verdict the harness knows, zeros included."""
    from .three_way import VERDICTS
    from .schema import verdict_key

    return {verdict_key(v): found.get(v, 0) for v in VERDICTS}


def _show(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception, Ctrl-C included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type | None, *exc: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
