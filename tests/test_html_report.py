"""``report --html`` and ``train --html``: one self-contained page, real tables, figures with the right content."""

import html
import re
import sys
import xml.etree.ElementTree as ET

import pytest

from compare.cli.main import main
from compare.cli.output import cell
from compare.selftest import mutants

pytest.importorskip("matplotlib", reason="the HTML report needs the plot extra: pip install -e '.[plot]'")

from compare import plots  # noqa: E402 - after the skip

SVG = "{http://www.w3.org/2000/svg}"


def svgs(page: str) -> dict[str, ET.Element]:
    """Every inline figure of a page, parsed, by its name."""
    out = {}
    for text in re.findall(r"<svg .*?</svg>", page, flags=re.S):
        root = ET.fromstring(text)
        out[root.get("data-figure")] = root
    return out


def group(root: ET.Element, ident: str) -> ET.Element:
    found = [e for e in root.iter() if e.get("id") == ident]
    assert found, f"no element with id {ident!r}"
    return found[0]


def markers(root: ET.Element, ident: str) -> int:
    """How many points a series draws: one <use> of its marker per point (or one <path> each, for scatter
    plots whose points differ in colour)."""
    elements = list(group(root, ident).iter())
    uses = sum(1 for e in elements if e.tag == SVG + "use")
    return uses or sum(1 for e in elements if e.tag == SVG + "path")


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()).strip() for e in root.iter(SVG + "text")]


def vertices(root: ET.Element, ident: str) -> list[tuple[float, float]]:
    """The (x, y) of a line's vertices, in SVG coordinates (y grows downwards)."""
    path = next(e for e in group(root, ident).iter(SVG + "path") if e.get("d", "").startswith("M"))
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
    return list(zip(numbers[::2], numbers[1::2]))


# ------------------------------------------------------------------ figures from data


def test_ratio_distribution_draws_each_check_by_verdict_over_the_tolerance_line():
    groups = {"1": [(0.01, "agree"), (0.0, "agree"), (0.2, "agree")], "2": [(0.03, "agree"), (5.0, "disagree")],
              "3": [(0.5, "some verdict to come")]}
    root = ET.fromstring(plots.ratio_distribution(groups, name="r", xlabel="depth", title="err/tol"))
    assert markers(root, "r-series-agree") == 4 and markers(root, "r-series-disagree") == 1
    assert markers(root, "r-series-some-verdict-to-come") == 1  # a verdict the colours do not know is drawn too
    (x0, y_line), (x1, _) = vertices(root, "r-tolerance")
    words = texts(root)
    assert "AD error / tolerance (log)" in words and "depth" in words
    assert {"10\u207b\u00b9", "1"} <= set(words)  # a log axis, in powers of ten
    assert any(w.startswith("0 to 10") for w in words)  # the bottom line holds err/tol 0
    disagree_y = [float(u.get("y")) for u in group(root, "r-series-disagree").iter(SVG + "use")]
    agree_y = [float(u.get("y")) for u in group(root, "r-series-agree").iter(SVG + "use")]
    assert max(disagree_y) < y_line < min(agree_y)  # 5.0 above the line at 1, the rest below


def test_swell_curves_have_one_point_per_n_and_tree_mode_ends_highest():
    ns = [1, 2, 3, 4, 5]
    series = {"tree": [0, 2, 21, 82, 264], "after cse": [0, 2, 12, 27, 45], "DAG": [0, 5, 12, 19, 26],
              "AD tape": [0, 3, 6, 9, 12]}
    root = ET.fromstring(plots.swell_curves(ns, series))
    for label in series:
        assert markers(root, f"swell-series-{label.replace(' ', '-')}") == 4  # n = 1 has size 0: no point on a log axis
    ends = {label: vertices(root, f"swell-series-{label.replace(' ', '-')}")[-1][1] for label in series}
    assert ends["tree"] < ends["after cse"] < ends["DAG"] < ends["AD tape"]  # higher on the page: smaller y
    assert {"n (steps of the logistic map)", "size (ops, log)"} <= set(texts(root))


def test_cost_by_depth_draws_every_method_and_representation_on_log_axes():
    depths = [1, 2, 3]
    root = ET.fromstring(plots.cost_by_depth(depths, {"AD": [1e-5, 2e-5, 3e-5], "tree": [1e-3, None, 1e-2]},
                                             {"DAG": [8, 16, 24]}))
    assert markers(root, "cost-series-AD") == 3 and markers(root, "cost-series-tree") == 2
    assert markers(root, "cost-series-DAG") == 3
    assert {"median time (s, log)", "median size (ops, log)", "10\u207b\u2075"} <= set(texts(root))


def test_heatmap_writes_each_region_with_its_count_and_marks_a_gap():
    cells = [[("x > 0, real y", 12, 0.2), ("x < 0, integer y", 0, None)], [("x tiny", 3, 1.5)]]
    root = ET.fromstring(plots.heatmap(["pow", "log"], cells, name="coverage", title="coverage"))
    words = texts(root)
    assert {"x > 0, real y", "12 \u00b7 0.2", "x < 0, integer y", "x tiny", "3 \u00b7 1.5", "pow", "log"} <= set(words)
    assert words.count("gap") == 1  # the unreached region, and only it
    reds = [e for e in root.iter(SVG + "text") if "#d62728" in (e.get("style") or "")]
    assert {"".join(e.itertext()) for e in reds} >= {"gap", "3 \u00b7 1.5"}  # the gap, and err/tol 1.5 over 1


def test_figures_keep_their_ids_apart_on_one_page():
    a = plots.swell_curves([1, 2], {"DAG": [1, 2]})
    b = plots.cost_by_depth([1, 2], {"AD": [1e-5, 2e-5]}, {"DAG": [1, 2]})
    ids = re.findall(r'\bid="([^"]+)"', a + b)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', a + b):
        assert ref in ids  # every reference points into its own figure


# ------------------------------------------------------------------ the report's page


def test_report_html_is_one_file_that_fetches_nothing(quick_report):
    code, page, _, _ = quick_report
    assert code == 0
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<script|<link|<img|<iframe|@import|\bsrc=", page)
    urls = set(re.findall(r"https?://[^\s\"')]+", page))
    assert urls == {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # XML namespaces: names, not fetched


def test_report_html_tables_are_the_json_tables(quick_report):
    _, page, data, _ = quick_report
    for key in ("agreement_by_depth", "agreement_by_op", "cost_by_depth", "swell"):
        section = re.search(rf'<section id="{key}">(.*?)</section>', page, flags=re.S).group(1)
        body = section.split("<tbody>")[1]
        rows = re.findall(r"<tr>(.*?)</tr>", body)
        assert len(rows) == len(data["tables"][key])
        for row, record in zip(rows, data["tables"][key]):
            cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            values = {k: v for k, v in record.items() if not isinstance(v, dict)}
            values.update(record.get("verdicts", {}))
            shown = [cell(k, v) for k, v in values.items() if v is not None]
            assert all(text in cells for text in shown), (key, shown, cells)  # as the text table writes them
    checks = data["summary"]["checks"]
    assert f"All {checks} checks agree" in page and "<p>None.</p>" in page  # no disagreement


def test_report_html_has_every_figure_with_its_series(quick_report):
    _, page, data, _ = quick_report
    figures = svgs(page)
    assert set(figures) == {"ratio-depth", "ratio-op", "cost", "swell", "training-0", "training-1"}
    checks = sum(len(f["rows"]) for f in data["functions"])
    assert markers(figures["ratio-depth"], "ratio-depth-series-agree") == checks
    words = texts(figures["ratio-depth"])
    assert {"1", "2", "3", "4"} <= set(words) and words.count("(15)") == 4  # each depth and its count of checks
    for label in ("tree", "after-cse", "DAG", "AD-tape"):
        group(figures["swell"], f"swell-series-{label}")
    for label in ("AD", "tree", "DAG", "lambdify", "exact"):
        assert markers(figures["cost"], f"cost-series-{label}") == 4  # depths 1..4
    moons, sine = figures["training-0"], figures["training-1"]
    group(moons, "training-0-regions")
    drawn = data["training"]["runs"][0]["run"]["picture"]
    assert markers(moons, "training-0-series-train") == len(drawn["train"])
    assert markers(moons, "training-0-series-test") == len(drawn["test"])
    assert len(vertices(sine, "training-1-series-symbolic")) == len(data["training"]["runs"][1]["run"]["losses"])
    group(sine, "training-1-series-AD")  # the AD trajectory under the symbolic one
    assert "decision regions" in texts(moons) and any(t.startswith("fit: test RMSE") for t in texts(sine))


def test_report_html_lists_each_disagreement_with_its_rerun_command(tmp_path):
    sin_wrong = next(m for m in mutants() if m.name == "sin -rule")
    path = tmp_path / "r.html"
    with sin_wrong.plant():
        code = main(["report", "--n", "2", "--depth", "1..2", "--ops", "sin,add", "--no-training", "--html", str(path)])
    assert code == 1
    page = path.read_text()
    section = re.search(r'<section id="disagreements">(.*?)</section>', page, flags=re.S).group(1)
    commands = re.findall(r"<td>(python -m compare check --id [0-9:]+)</td>", section)
    assert commands and "DISAGREE" in page
    assert markers(svgs(page)["ratio-depth"], "ratio-depth-series-disagree") == len(commands)


def test_report_html_without_matplotlib_is_exit_2_naming_the_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["report", "--quick", "--html", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "pip install -e '.[plot]'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_train_html_shows_the_verification_the_history_and_the_plot(tmp_path):
    path = tmp_path / "t.html"
    assert main(["train", "moons", "--hidden", "4", "--steps", "4", "--html", str(path)]) == 0
    page = path.read_text()
    assert '<section id="verification">' in page and '<section id="training">' in page
    figure = svgs(page)["training-0"]
    assert len(vertices(figure, "training-0-series-AD")) == 4
    assert markers(figure, "training-0-series-train") == 100


def test_report_html_to_a_path_that_cannot_be_written_is_exit_2(tmp_path, capsys):
    (tmp_path / "taken").write_text("a file, not a directory")
    assert main(["report", "--n", "1", "--depth", "1", "--no-training", "--html",
                 str(tmp_path / "taken" / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "--html" in err and "cannot write" in err and len(err.strip().splitlines()) == 1
