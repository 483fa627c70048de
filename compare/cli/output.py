"""Tables, JSON files and progress bars for the command line.

>>> print(table([["add", 3]], ["op", "checks"], "simple"))
op      checks
----  --------
add          3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

from tabulate import tabulate, tabulate_formats
from tqdm import tqdm

__all__ = ["table", "write_json", "write_text", "progress", "add_output_options", "fmt_time", "fmt_error", "positive_int"]


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``--json``, shared by the commands that print tables."""
    parser.add_argument(
        "--format", default="simple", choices=tabulate_formats, metavar="FORMAT",
        help="table format: any tabulate format (simple, github, grid, latex, ...; default simple)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write everything in the tables to PATH as JSON")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1, or a usage error saying so."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], fmt: str = "simple") -> str:
    align = ("left",) + ("right",) * (len(headers) - 1)
    return tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True, missingval="-", colalign=align)


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
    """Write ``data`` to ``path`` as JSON, atomically (see :func:`write_text`)."""
    write_text(path, json.dumps(_plain(data), indent=1, sort_keys=True, allow_nan=False) + "\n")


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, then a rename.

    A reader never sees half a file, even if the run is interrupted mid-write.
    Every file a command writes (JSON, HTML) goes through here.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def progress(items: Iterable[Any], total: int | None = None, desc: str = "") -> Iterable[Any]:
    """A progress bar on stderr, shown if the work takes longer than a second.

    Only on a terminal, unless ``COMPARE_PROGRESS=1`` (always) or ``0`` (never).
    """
    choice = os.environ.get("COMPARE_PROGRESS", "")
    disable = {"1": False, "0": True}.get(choice)  # None: tqdm's own rule, on a terminal only
    return tqdm(items, total=total, desc=desc, file=sys.stderr, delay=1.0, leave=False, dynamic_ncols=True,
                disable=disable)


def fmt_time(seconds: float | None) -> str:
    """Seconds as a short human figure: 12 us, 3.4 ms, 1.2 s."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_error(x: float | None) -> str:
    if x is None:
        return "-"
    return "0" if x == 0 else f"{x:.1e}"
