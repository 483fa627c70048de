"""A check's result as HTML, for notebooks (``compare.Result._repr_html_``): one table per point.

Plain ``html.escape`` and inline styles, nothing else: Jupyter, VS Code and
GitHub's notebook viewer all show it the same.

>>> from compare import check
>>> text = check("sin(x) * y", at={"x": 0.5, "y": 2.0})._repr_html_()
>>> text.count("<table"), "d/dx" in text, "agree" in text
(1, True, True)
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["result_html"]

_CELL = "padding:2px 8px;border-bottom:1px solid #d5dae1;"
_NUM = _CELL + "text-align:right;font-variant-numeric:tabular-nums;font-family:monospace;"
_BAD = "color:#b3261e;font-weight:600;"


def _td(value: Any, style: str = _CELL) -> str:
    return f'<td style="{style}">{escape(str(value))}</td>'


def _partials(title: str, partials: Any) -> str:
    head = "".join(f'<th style="{_CELL}text-align:{a};">{escape(h)}</th>' for h, a in (
        (title, "left"), ("AD", "right"), ("exact", "right"), ("finite difference", "right"),
        ("|AD - exact|", "right"), ("tolerance", "right"), ("verdict", "left")))
    rows = []
    for p in partials:
        name = f"d/d{p.name}" if "," not in p.name else "d\u00b2/d{} d{}".format(*p.name.split(","))
        bad = p.verdict != "agree"
        rows.append("<tr>" + _td(name) + "".join(_td(repr(x), _NUM) for x in (p.ad, p.exact, p.fd))
                    + _td(f"{p.gap:.3g}", _NUM) + _td(f"{p.tolerance:.3g}", _NUM)
                    + _td(p.verdict, _CELL + (_BAD if bad else "")) + "</tr>")
    return f'<table style="border-collapse:collapse;margin:4px 0 10px;"><thead><tr>{head}</tr></thead>' \
           f'<tbody>{"".join(rows)}</tbody></table>'


def _point(p: Any) -> str:
    where = ", ".join(f"{k} = {v!r}" for k, v in p.point.items())
    verdict = escape(p.verdict) + (f" ({escape(p.reason)})" if p.reason else "")
    style = _BAD if p.verdict in ("disagree", "out-of-domain") else ""
    parts = [f'<div>at {escape(where)}: <span style="{style}">{verdict}</span>; value {p.value!r}, '
             f"ground truth: {escape(p.ground_truth)}</div>"]
    if p.partials:
        parts.append(_partials("gradient", p.partials))
    if p.hessian:
        parts.append(_partials(f"Hessian: {p.hessian_verdict}", p.hessian))
    return "".join(parts)


def result_html(result: Any) -> str:
    """The result of :func:`compare.check` (a ``compare.Result``) as an HTML fragment: the formula and the
    overall verdict, then each point with its partials (AD, exact, finite difference, gap, tolerance, verdict)."""
    status = "ok" if result.ok else "FAILED"
    colour = "#1e6b3a" if result.ok else "#b3261e"
    head = (f'<div style="font-weight:600;">compare.check: <span style="color:{colour};">{status}</span> '
            f"<code>{escape(result.formula)}</code> at {len(result.points)} point"
            f"{'s' * (len(result.points) != 1)}</div>")
    return f'<div class="compare-result">{head}{"".join(_point(p) for p in result.points)}</div>'
