"""One self-contained HTML page from a command's data: real tables, inline SVG figures, nothing fetched.

A page is built from the same dict the command writes with ``--json``: every
table in it becomes an HTML table under its title, and a table gets figures
when the command passes a function that draws them (``figures``), so a new
table (coverage, engines, a store's summary) shows up with no edit here. The
figures come from :mod:`compare.plots` (matplotlib, the ``plot`` extra).

>>> text = page("Demo", [section("Checks", table_html([{"op": "add", "checks": 3, "ad_seconds": 1.5e-5}]))])
>>> text.startswith("<!DOCTYPE html>"), '<td class="num">15 us</td>' in text, "http" in text
(True, True, False)
"""

from __future__ import annotations

import html
import os
from typing import Any, Callable, Mapping, Sequence

from ..errors import UsageError
from .output import HEADERS, cell, write_text

__all__ = ["page", "section", "table_html", "figure", "tables_sections", "tables_page", "contents", "write_page", "esc",
           "bad_cell", "Figures"]

#: a table's key and the whole data -> the HTML of its figures
Figures = Mapping[str, Callable[[Mapping[str, Any]], list[str]]]

CSS = """
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6573; --rule: #d5dae1; --band: #f3f5f8;
        --bad: #b3261e; --good: #1e6b3a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif;
       color: var(--ink); max-width: 1180px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.2rem 0 0.3rem; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 0.4rem; padding-top: 0.6rem; border-top: 1px solid var(--rule); }
p, li { max-width: 78ch; }
.settings, .note, figcaption { color: var(--muted); font-size: 0.9rem; }
.verdict { font-weight: 600; padding: 0.5rem 0.8rem; border-left: 4px solid var(--good); background: var(--band); }
.verdict.bad { border-color: var(--bad); color: var(--bad); }
nav ul { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; padding: 0; list-style: none; font-size: 0.9rem; }
.wide { overflow-x: auto; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.82rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { padding: 0.22rem 0.6rem; border-bottom: 1px solid var(--rule); vertical-align: top; white-space: nowrap; }
td.long { white-space: normal; min-width: 24ch; max-width: 60ch; }
th { text-align: left; background: var(--band); border-bottom: 2px solid var(--rule); }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.bad { color: var(--bad); font-weight: 600; }
code { font: 0.85em ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; white-space: pre-wrap;
       word-break: break-all; }
figure { margin: 1rem 0 1.6rem; }
figure svg { display: block; max-width: 100%; height: auto; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  figure, table, .verdict { break-inside: avoid; }
  .wide { overflow: visible; }
  th, td { white-space: normal; }
  nav { display: none; }
}
"""


def esc(value: Any) -> str:
    """Text for HTML: ``<``, ``&`` and quotes escaped."""
    return html.escape(str(value), quote=True)


def page(title: str, body: Sequence[str], subtitle: str = "") -> str:
    """A whole HTML document: inline CSS, the given body parts, no script and no link to anything."""
    sub = f'<p class="settings">{esc(subtitle)}</p>' if subtitle else ""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head>",
        f"<body><h1>{esc(title)}</h1>{sub}",
        *body,
        "</body></html>",
        "",
    ])


def section(title: str, *parts: str, anchor: str | None = None, note: str = "") -> str:
    """A titled part of the page (``<section>`` with an ``<h2>``), optionally with a note under the title."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    text = f'<p class="note">{esc(note)}</p>' if note else ""
    return f"<section{ident}><h2>{esc(title)}</h2>{text}" + "".join(parts) + "</section>"


def _flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record with its dict values spread into columns of their own (``{"verdicts": {"agree": 3}}``)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            out.update(value)
        else:
            out[key] = value
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def table_html(rows: Sequence[Mapping[str, Any]], columns: Sequence[str | tuple[str, str]] | None = None,
               caption: str = "", bad: Callable[[str, Any], bool] | None = None) -> str:
    """A real ``<table>`` of records, each cell written as the text tables write it (:func:`output.cell`).

    ``columns`` are keys or ``(key, header)`` pairs, as for :func:`output.records`; by default every key
    that holds a value somewhere, a dict value spread into columns of its own. ``bad(key, value)`` marks
    cells to show in red (a disagreement count above 0). Columns of numbers are right-aligned.
    """
    flat = [_flatten(r) for r in rows]
    if columns is None:
        keys = list(dict.fromkeys(k for r in flat for k in r))
        columns = [k for k in keys if any(r.get(k) is not None for r in flat)]
    pairs = [c if isinstance(c, tuple) else (c, HEADERS.get(c, c.replace("_", " "))) for c in columns]
    numeric = [any(_is_number(r.get(k)) for r in flat) and all(r.get(k) is None or _is_number(r.get(k)) for r in flat)
               for k, _ in pairs]
    head = "".join(f'<th scope="col"{" class=num" if n else ""}>{esc(h)}</th>' for (_, h), n in zip(pairs, numeric))
    body = []
    for r in flat:
        tds = []
        for (key, _), n in zip(pairs, numeric):
            value = r.get(key)
            text = cell(key, value)
            classes = " ".join(c for c in ("num" if n else "", "long" if len(text) > 40 else "",
                                           "bad" if bad and bad(key, value) else "") if c)
            text = esc(text)
            tds.append(f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<div class="wide"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def figure(svg: str, caption: str) -> str:
    """An inline SVG figure with its caption."""
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def _table_of(value: Any) -> str | None:
    """A table in the data (a non-empty list of records) as HTML; None for anything else."""
    if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
        return table_html(value, bad=bad_cell)
    return None


def bad_cell(key: str, value: Any) -> bool:
    """Whether a cell reports a disagreement: a count of ``disagree`` above 0, or the verdict itself."""
    return (key == "disagree" and bool(value)) or (key == "verdict" and str(value).lower() == "disagree")


def tables_sections(data: Mapping[str, Any], titles: Mapping[str, str], figures: Figures) -> list[str]:
    """One section per table of ``data["tables"]``, in order: its title, the table, its figures."""
    out = []
    for key, value in data.get("tables", {}).items():
        table = _table_of(value)
        drawn = figures[key](data) if key in figures else []
        if table is None and not drawn:
            continue
        out.append(section(titles.get(key, key.replace("_", " ").capitalize()), *drawn, table or "", anchor=key))
    return out


def contents(parts: Sequence[tuple[str, str]]) -> str:
    """A line of links to the page's sections: ``(anchor, title)`` pairs."""
    return "<nav><ul>" + "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in parts) + "</ul></nav>"


def tables_page(title: str, data: Mapping[str, Any], titles: Mapping[str, str], figures: Figures | None = None,
                subtitle: str = "") -> str:
    """A page of a command's ``data["tables"]``: links to them, then each with its figures (``engines --html``).

    >>> text = tables_page("Engines", {"tables": {"by_engine": [{"engine": "torch", "agree": 9}]}}, {})
    >>> '<section id="by_engine"><h2>By engine</h2>' in text
    True
    """
    keys = list(data.get("tables", {}))
    links = contents([(k, titles.get(k, k.replace("_", " ").capitalize()).split(":")[0]) for k in keys])
    return page(title, [links, *tables_sections(data, titles, figures or {})], subtitle)


def write_page(path: str | os.PathLike, text: str) -> None:
    """Write a page where the user asked (``--html PATH``), atomically.

    The one place a command's HTML reaches the file system: checks on the
    path itself belong here. A path that cannot be written is a usage error.
    """
    try:
        write_text(path, text)
    except OSError as exc:
        raise UsageError(f"--html: cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
