"""A check's result shows in a notebook as HTML tables: one per point, a row per partial, disagreements in red."""

import re
from html.parser import HTMLParser

from compare import check
from compare.selftest import mutants


class _Tables(HTMLParser):
    """The cells of every table, row by row, and the text of every red element."""

    def __init__(self):
        super().__init__()
        self.tables, self.red, self._stack, self._in_cell = [], [], [], False

    def handle_starttag(self, tag, attrs):
        style = dict(attrs).get("style") or ""
        self._stack.append("#b3261e" in style)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
            self._in_cell = True

    def handle_endtag(self, tag):
        self._stack.pop()
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._stack and self._stack[-1]:
            self.red.append(data)
        if self._in_cell:
            self.tables[-1][-1][-1] += data


def parse(text):
    p = _Tables()
    p.feed(text)
    return p


def test_a_result_shows_each_partial_of_each_point_with_ad_exact_and_finite_difference():
    r = check("sin(x) * y", at=[{"x": 0.5, "y": 2.0}, {"x": -1.0, "y": 3.0}])
    shown = parse(r._repr_html_())
    assert len(shown.tables) == 2 and shown.red == []
    for table, point in zip(shown.tables, r.points):
        assert table[0] == ["gradient", "AD", "exact", "finite difference", "|AD - exact|", "tolerance", "verdict"]
        assert [row[0] for row in table[1:]] == ["d/dx", "d/dy"]
        for row, p in zip(table[1:], point.partials):
            assert row[1:4] == [repr(p.ad), repr(p.exact), repr(p.fd)] and row[-1] == "agree"
    assert re.search(r">ok<", r._repr_html_())


def test_a_failing_result_says_so_in_red():
    sin_wrong = next(m for m in mutants() if m.name == "sin -rule")
    with sin_wrong.plant():
        r = check("sin(x) * y", at={"x": 0.5, "y": 2.0})
    shown = parse(r._repr_html_())
    assert not r.ok and "FAILED" in shown.red and "disagree" in shown.red
    rows = {row[0]: row[-1] for row in shown.tables[0][1:]}
    assert rows == {"d/dx": "disagree", "d/dy": "agree"}  # only the partial through sin is wrong


def test_a_second_order_result_adds_the_hessian():
    r = check("x**3 * y", at={"x": 2.0, "y": 0.5}, order=2)
    shown = parse(r._repr_html_())
    assert len(shown.tables) == 2
    second = ["d\u00b2/dx dx", "d\u00b2/dx dy", "d\u00b2/dy dx", "d\u00b2/dy dy"]
    assert [row[0] for row in shown.tables[1][1:]] == second
