"""Tables, JSON files and progress bars for the command line: the one place that formats.

A table is a list of records (dicts of numbers and text, as they go to JSON);
:func:`records` turns each cell into text by the name of its column
(``*_seconds`` as a time, ``*_error`` as an error, ``*_accuracy`` as a
percentage), and :func:`table` keeps the result within ``--width`` columns
(100 by default): long text wraps inside its cell, and a table that is still
too wide is split into several, each repeating the first column.

>>> print(records([{"op": "add", "checks": 3, "ad_seconds": 1.5e-5}], ["op", "checks", "ad_seconds"]))
op      checks    time AD
----  --------  ---------
add          3      15 us
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Iterable, Sequence

from tabulate import tabulate, tabulate_formats
from tqdm import tqdm

from ..errors import UsageError
from ..schema import SCHEMA_VERSION

__all__ = ["table", "records", "caption", "cell", "verdict_columns", "document", "write_json", "read_json",
           "progress", "counter", "add_output_options", "fmt_time", "fmt_error", "positive_int", "WIDTH"]

#: the widest a line of output gets by default (``--width``)
WIDTH = 100
#: formats read by other programs: never wrapped or split
_MACHINE_FORMATS = {"tsv", "html", "unsafehtml", "mediawiki", "moinmoin", "jira", "textile", "asciidoc", "youtrack"}

#: short headers for the columns of every table (a column not here is its key, with spaces)
HEADERS = {
    "functions": "fns", "points": "pts", "parameters": "params",
    "ad_max_error": "AD max err", "ad_median_error": "AD median", "fd_max_error": "FD max err",
    "fd_median_error": "FD median", "ad_worst_error_over_tolerance": "err/tol",
    "graph_ops": "graph ops", "tree_ops": "tree ops", "tree_ops_cse": "tree cse", "dag_ops": "DAG ops",
    "ad_seconds": "time AD", "tree_seconds": "time tree", "dag_seconds": "time DAG",
    "lambdify_seconds": "lambdify", "exact_seconds": "exact", "functions_per_second": "fns/s",
    "function_ops": "l(n) ops", "tree_derivative_ops": "tree ops", "tree_derivative_ops_cse": "tree cse",
    "ad_tape_nodes": "AD tape",
    "hessian_ad_max_error": "Hessian AD err", "hessian_fd_max_error": "Hessian FD err",
    "forward_max_error": "forward err", "reverse_max_error": "reverse err",
    "ad_hessian_seconds": "time AD Hessian",
    "forward_seconds": "forward", "reverse_seconds": "reverse", "forward_time_over_reverse": "forward/reverse",
    "ad_tolerance": "AD tolerance", "train_loss": "train loss", "train_accuracy": "train acc.",
    "test_accuracy": "test acc.", "train_rmse": "train RMSE", "test_rmse": "test RMSE",
    "ad_step_seconds": "AD/step", "symbolic_step_seconds": "symbolic/step",
    "symbolic_setup_seconds": "symbolic once", "ad_symbolic_gap": "AD/symbolic gap",
    "dataset": "data set", "planted_bug": "planted bug", "caught_by": "caught by",
}


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--format``, ``--width`` and ``--json``, shared by the commands that print tables."""
    parser.add_argument(
        "--format", default="simple", choices=tabulate_formats, metavar="FORMAT",
        help="table format: any tabulate format (simple, github, grid, latex, ...; default simple)",
    )
    parser.add_argument("--width", type=_width, default=WIDTH, metavar="COLUMNS",
                        help=f"widest line of output: wider tables are split (default {WIDTH}; 0: no limit)")
    parser.add_argument("--json", metavar="PATH",
                        help="also write everything in the tables to PATH as JSON (numbers as numbers; "
                             "its schema is compare/schema/compare.schema.json)")


def _width(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of columns, got {text!r}") from None
    if value != 0 and value < 40:
        raise argparse.ArgumentTypeError(f"expected at least 40 columns (or 0: no limit), got {value}")
    return value


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    """``--backend``, for the commands that derive exact derivatives."""
    parser.add_argument(
        "--backend", choices=("symengine", "sympy"), default=None,
        help="the CAS that derives the exact derivatives: symengine (fast; the default when installed) or sympy "
             "(the reference path, SymPy throughout); either way they are evaluated as certified balls",
    )


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1, or a usage error saying so."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


# ------------------------------------------------------------------ tables


def _fits(fmt: str, width: int) -> bool:
    """Whether tables of this format are kept within ``width`` (not for formats other programs read)."""
    return bool(width) and fmt not in _MACHINE_FORMATS and not fmt.startswith("latex")


_FIGURE = re.compile(r"^([-+]?(\d|\.\d|inf|nan)|-$)")


def _render(rows: Sequence[Sequence[str]], headers: Sequence[str], fmt: str) -> str:
    """Figures right-aligned; the first column, and columns of words, left-aligned."""
    align = ["left"] + ["right" if all(_FIGURE.match(r[j]) for r in rows) else "left" for j in range(1, len(headers))]
    return tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True, missingval="-", colalign=align)


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], fmt: str = "simple", width: int = WIDTH) -> str:
    """Rows of cells under headers, kept within ``width`` columns.

    Text longer than half the width wraps inside its cell; a table still too
    wide becomes several, each repeating the first column.
    """
    cells = [["-" if c is None else str(c) for c in row] for row in rows]
    headers = [str(h) for h in headers]
    if not _fits(fmt, width):
        return _render(cells, headers, fmt)
    longest = width // 2
    cells = [[textwrap.fill(c, longest) if len(c) > longest else c for c in row] for row in cells]
    text = _render(cells, headers, fmt)
    if _widest(text) <= width or len(headers) <= 2:
        return text
    groups = _split(cells, headers, fmt, width)
    limit = width
    while limit > 40:  # the same number of tables, as even as they go
        tighter = _split(cells, headers, fmt, limit - 4)
        if len(tighter) != len(groups):
            break
        groups, limit = tighter, limit - 4
    return "\n\n".join(
        _render([[r[k] for k in (0, *g)] for r in cells], [headers[k] for k in (0, *g)], fmt) for g in groups
    )


def _split(cells: list[list[str]], headers: list[str], fmt: str, width: int) -> list[list[int]]:
    """Columns after the first, in groups that fit ``width`` beside the first column (greedy)."""
    groups: list[list[int]] = [[]]
    for j in range(1, len(headers)):
        trial = [0, *groups[-1], j]
        if groups[-1] and _widest(_render([[r[k] for k in trial] for r in cells], [headers[k] for k in trial],
                                          fmt)) > width:
            groups.append([j])
        else:
            groups[-1].append(j)
    return groups


def caption(text: str, width: int = WIDTH) -> str:
    """A table's caption, wrapped to ``width`` columns (0: one line)."""
    return textwrap.fill(text, width) if width else text


def fmt_time(seconds: float | None) -> str:
    """Seconds as a short human figure: 850 ns, 12.3 us, 3.4 ms, 1.2 s."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_error(x: float | None) -> str:
    if x is None:
        return "-"
    return "0" if x == 0 else f"{x:.1e}"


def cell(key: str, value: Any) -> str:
    """One value as text, by the name of its column."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if key.endswith("_seconds") or "_seconds_" in key:
        return fmt_time(value)
    if key == "loss" or key.endswith("_loss"):
        return f"{value:.6g}"
    if key.endswith("_accuracy"):
        return f"{value:.1%}"
    if key.endswith("_over_tolerance"):
        return f"{value:.2g}"
    if "error" in key or key.endswith(("_tolerance", "_gap")):
        return fmt_error(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value) if isinstance(value, int) else f"{value:.3g}"


def _get(record: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def records(rows: Sequence[dict[str, Any]], columns: Sequence[str | tuple[str, str]], fmt: str = "simple",
            width: int = WIDTH) -> str:
    """A table of records: ``columns`` are keys (``verdicts.agree`` reaches inside) or (key, header) pairs."""
    pairs = [c if isinstance(c, tuple) else (c, HEADERS.get(c.rsplit(".", 1)[-1], c.replace("_", " ")))
             for c in columns]
    cells = [[cell(k.rsplit(".", 1)[-1], _get(r, k)) for k, _ in pairs] for r in rows]
    return table(cells, [h for _, h in pairs], fmt, width)


def verdict_columns(key: str = "verdicts") -> list[tuple[str, str]]:
    """A column for each verdict of :data:`compare.check.VERDICTS`, zeros included."""
    from ..three_way import VERDICTS
    from ..schema import verdict_key

    return [(f"{key}.{verdict_key(v)}", v) for v in VERDICTS]


# ------------------------------------------------------------------ JSON


def document(command: str, settings: dict[str, Any], **sections: Any) -> dict[str, Any]:
    """What a command writes with ``--json``: the schema's version, the command, its settings, its sections."""
    return {"schema_version": SCHEMA_VERSION, "command": command, "settings": settings, **sections}


def _plain(value: Any) -> Any:
    """JSON has no inf or NaN: write them as strings rather than invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename.

    A reader never sees half a file, even if the run is interrupted mid-write.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "w") as fh:
            json.dump(_plain(data), fh, indent=1, sort_keys=True, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _revive(value: Any) -> Any:
    """The inverse of :func:`_plain`: ``"inf"``, ``"-inf"`` and ``"nan"`` back to floats."""
    if isinstance(value, str) and value in ("inf", "-inf", "nan"):
        return float(value)
    if isinstance(value, dict):
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def read_json(path: str | os.PathLike) -> Any:
    """A JSON file written by :func:`write_json`, non-finite floats restored; a usage error if unreadable."""
    try:
        return _revive(json.loads(Path(path).read_text()))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def progress(items: Iterable[Any], total: int | None = None, desc: str = "") -> Iterable[Any]:
    """A progress bar on stderr, shown if the work takes longer than a second.

    Only on a terminal, unless ``COMPARE_PROGRESS=1`` (always) or ``0`` (never).
    """
    choice = os.environ.get("COMPARE_PROGRESS", "")
    disable = {"1": False, "0": True}.get(choice)  # None: tqdm's own rule, on a terminal only
    return tqdm(items, total=total, desc=desc, file=sys.stderr, delay=1.0, leave=False, dynamic_ncols=True,
                disable=disable)


def counter(total: int, desc: str = "") -> Any:
    """A progress bar that the caller advances with ``update(n)`` (for ``compare.sweep.run_sweep``)."""
    return progress(range(total), total=total, desc=desc)
