"""The report's figures as SVG text: plain data in, one ``<svg>`` element out, nothing printed.

Each function takes the numbers the report writes as JSON and returns an SVG
element to inline in a page: text stays text (searchable, printable, no font
files), nothing is fetched, and every element id starts with the figure's name
so that many figures can share one HTML page. Each plotted series is a group
whose id names it (``swell-series-DAG``), so tests and readers can find it.
matplotlib (the ``plot`` extra) is imported on first use.

>>> svg = swell_curves([1, 2, 3], {"tree": [0, 2, 21], "DAG": [0, 5, 12]})
>>> svg.startswith("<svg"), 'id="swell-series-DAG"' in svg
(True, True)
"""

from __future__ import annotations

import html
import importlib.util
import io
import math
import re
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from .errors import UsageError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "NO_MATPLOTLIB", "available", "ratio_distribution", "cost_by_depth", "swell_curves", "heatmap",
    "training_svg", "training_png",
]

NO_MATPLOTLIB = "plots need matplotlib, which is not installed: pip install -e '.[plot]'"

_STYLE = {
    "svg.fonttype": "none",  # text as <text>, drawn with the reader's fonts: nothing to embed or fetch
    "svg.hashsalt": "compare",  # the same data gives the same file
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.frameon": False,
}
#: at most this many agreeing checks are drawn as dots per column (evenly through their sorted values;
#: the box still summarises them all); the SVG stays small and quick to draw
DOTS = 60
#: err/tol below this is drawn on the bottom line of the distributions: far inside the tolerance either way
RATIO_FLOOR = 1e-6
#: the colours of the verdicts, the same in every figure
VERDICT_COLOURS = {"agree": "#3b75af", "disagree": "#d62728", "undecided": "#9467bd", "non-smooth": "#ef8636",
                   "out-of-domain": "#7f7f7f"}
#: the colour of a method or representation, the same in every figure
METHOD_COLOURS = {"AD": "#3b75af", "AD tape": "#3b75af", "tree": "#d62728", "after cse": "#ef8636",
                  "DAG": "#2ca02c", "lambdify": "#9467bd", "exact": "#8c564b", "graph": "#7f7f7f"}


def available() -> bool:
    """Whether matplotlib can be imported (the ``plot`` extra is installed)."""
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # a module set to None in sys.modules
        return False


@contextmanager
def _figure(width: float, height: float, margins: tuple[float, float, float, float] | None = None,
            gap: float = 0.3) -> Iterator["Figure"]:
    """A matplotlib Figure (no pyplot, no global state) drawn under the report's style.

    ``margins`` (left, right, top, bottom, in inches) place the axes at once;
    without them matplotlib's constrained layout measures every label first,
    which costs about a tenth of a second a figure. ``gap`` is the space
    between side-by-side axes, as a fraction of their width.
    """
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(NO_MATPLOTLIB) from None
    with matplotlib.rc_context(_STYLE):
        if margins is None:
            yield Figure(figsize=(width, height), layout="constrained")
            return
        fig = Figure(figsize=(width, height))
        left, right, top, bottom = margins
        fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                            bottom=bottom / height, wspace=gap)
        yield fig


def _svg(fig: "Figure", name: str, title: str) -> str:
    """The figure as one ``<svg>`` element whose ids all start with ``name``."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg"):], flags=re.S)  # RDF noise
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{name}-{m.group(1)}"', text)
    text = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{name}-{m.group(1)})" if m.group(1) in ids else m.group(0), text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{name}-{m.group(1)}"' if m.group(1) in ids else m.group(0),
                  text)
    label = html.escape(title, quote=True)
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" data-figure="{name}" ', 1).replace(
        ">", f"><title>{label}</title>", 1)


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _power_of_ten(x: float, _pos: int | None = None) -> str:
    """A log axis's tick label as plain text (``10\u207b\u00b3``): matplotlib's mathtext labels cost a second a page."""
    if x <= 0:
        return ""
    k = math.log10(x)
    if abs(k - round(k)) > 1e-9:
        return f"{x:g}"
    return "1" if round(k) == 0 else "10" + str(round(k)).translate(_SUPERSCRIPT)


def _log_y(ax: "Axes") -> None:
    """A log y axis labelled at powers of ten, in plain text."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    def minor(x: float, _pos: int | None = None) -> str:  # 2 and 5 labelled too when the axis spans little
        low, high = ax.get_ylim()
        if x <= 0 or low <= 0 or high / low > 30:
            return ""
        return f"{x:g}" if round(x / 10 ** math.floor(math.log10(x))) in (2, 5) else ""

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


def _numbers(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[list[float], list[float]]:
    """The (x, y) pairs where y is a positive number (a log axis shows nothing else)."""
    pairs = [(x, y) for x, y in zip(xs, ys) if isinstance(y, (int, float)) and not isinstance(y, bool) and y > 0]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _series(ax: "Axes", xs: Sequence[Any], ys: Sequence[Any], label: str, **style: Any) -> None:
    x, y = _numbers(xs, ys)
    if not x:
        return
    (line,) = ax.plot(x, y, marker="o", markersize=3.5, label=label, color=METHOD_COLOURS.get(label), **style)
    line.set_gid(f"series-{label.replace(' ', '-')}")


def _legend(ax: "Axes") -> None:
    """A legend, if anything was drawn (a series with no positive value draws nothing on a log axis)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend()


# ------------------------------------------------------------------ agreement


def ratio_distribution(groups: Mapping[str, Sequence[tuple[float, str]]], *, name: str, xlabel: str,
                       title: str) -> str:
    """err/tol of every check, one column per group (a depth, an op), on a log axis with the tolerance at 1.

    ``groups`` maps a label to ``(err/tol, verdict)`` pairs. Each check is a dot
    coloured by its verdict (agreeing ones thinned to :data:`DOTS` per column),
    over a box of the group's values; a check whose
    err/tol is below :data:`RATIO_FLOOR` (or the smallest value's decade),
    such as one whose AD gradient equals the exact one bit for bit (err/tol 0),
    sits on the bottom line.
    """
    labels = list(groups)
    positive = [r for g in groups.values() for r, _ in g if 0 < r < math.inf]
    floor = 10 ** (math.floor(math.log10(min(positive))) - 1) if positive else 1e-3
    floor = min(max(floor, RATIO_FLOOR), 1e-2)
    top = max([2.0, *(r * 2 for r in positive)])
    many = len(labels) > 8
    with _figure(max(5.5, 0.4 * len(labels) + 3.0), 3.4 if many else 3.2,
                 margins=(0.95, 1.75, 0.3, 1.2 if many else 0.75)) as fig:
        ax = fig.subplots()
        _log_y(ax)
        boxes = [[max(r, floor) for r, _ in groups[k] if 0 < r < math.inf] or [math.nan] for k in labels]
        ax.boxplot(boxes, positions=range(len(labels)), widths=0.55, showfliers=False, patch_artist=True,
                   boxprops={"facecolor": "#e8eef6", "edgecolor": "#6b7f99"}, medianprops={"color": "#22324a"},
                   whiskerprops={"color": "#6b7f99"}, capprops={"color": "#6b7f99"})
        present = dict.fromkeys(v for g in groups.values() for _, v in g)
        for verdict in sorted(present, key=lambda v: list(VERDICT_COLOURS).index(v) if v in VERDICT_COLOURS else 99):
            colour = VERDICT_COLOURS.get(verdict, "#7f7f7f")
            xs, ys = [], []
            for i, k in enumerate(labels):
                vals = [r for r, v in groups[k] if v == verdict]
                if verdict == "agree" and len(vals) > DOTS:  # every other verdict is drawn in full
                    vals = sorted(vals)[:: -(-len(vals) // DOTS)]
                for j, r in enumerate(vals):
                    xs.append(i + 0.32 * (((j * 0.618) % 1.0) - 0.5))
                    ys.append(min(max(r, floor), top))
            if xs:
                dots = ax.scatter(xs, ys, s=7, color=colour, alpha=0.55, linewidths=0, label=verdict, zorder=3)
                dots.set_gid(f"series-{verdict.replace(' ', '-')}")
        line = ax.axhline(1.0, color=VERDICT_COLOURS["disagree"], linestyle="--", linewidth=1.2,
                          label="tolerance (err/tol = 1)")
        line.set_gid("tolerance")
        ax.set_ylim(floor / 1.6, top)
        ticks = [t for t in ax.get_yticks() if floor < t <= top]
        ax.set_yticks([floor, *ticks], [f"0 to {_power_of_ten(floor)}", *(_power_of_ten(t) for t in ticks)])
        ticks = [f"{k} ({len(groups[k])})" if many else f"{k}\n({len(groups[k])})" for k in labels]
        ax.set_xticks(range(len(labels)), ticks, rotation=55 if many else 0, ha="right" if many else "center",
                      rotation_mode="anchor")
        ax.set(xlabel=xlabel, ylabel="AD error / tolerance (log)", title=title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.grid(axis="x", visible=False)
        return _svg(fig, name, title)


# ------------------------------------------------------------------ cost and swell


def cost_by_depth(depths: Sequence[int], times: Mapping[str, Sequence[float | None]],
                  sizes: Mapping[str, Sequence[float | None]]) -> str:
    """Median time per method and median size per representation against depth, both on log axes."""
    title = "Cost by depth"
    with _figure(7.6, 3.1, margins=(0.75, 0.15, 0.3, 0.5), gap=0.35) as fig:
        left, right = fig.subplots(1, 2)
        for label, ys in times.items():
            _series(left, depths, ys, label)
        _log_y(left)
        left.set(xlabel="depth", ylabel="median time (s, log)", title="time per function or point")
        for label, ys in sizes.items():
            _series(right, depths, ys, label)
        _log_y(right)
        right.set(xlabel="depth", ylabel="median size (ops, log)", title="size of the derivative")
        for ax in (left, right):
            ax.set_xticks(list(depths))
            _legend(ax)
        return _svg(fig, "cost", title)


def swell_curves(ns: Sequence[int], series: Mapping[str, Sequence[float | None]]) -> str:
    """Sizes of the derivative of the logistic map's ``l(n)`` against ``n``, on a log axis.

    A representation missing at some ``n`` (tree mode past SymPy's recursion
    limit, a size of 0) is left out there: a log axis has no 0.
    """
    title = "Expression swell: d l(n)/dx of the logistic map"
    with _figure(5.2, 3.3, margins=(0.75, 0.15, 0.3, 0.5)) as fig:
        ax = fig.subplots()
        for label, ys in series.items():
            _series(ax, ns, ys, label)
        _log_y(ax)
        ax.set(xlabel="n (steps of the logistic map)", ylabel="size (ops, log)", title=title)
        ax.set_xticks(list(ns))
        _legend(ax)
        return _svg(fig, "swell", title)


def heatmap(rows: Sequence[str], cells: Sequence[Sequence[tuple[str, int, float | None]]], *, name: str,
            title: str) -> str:
    """Coverage as a grid: one row per op, one cell per region of it, coloured by its count of checks (log).

    ``cells[i]`` holds row ``i``'s ``(region, checks, worst err/tol or None)``
    in order; each cell shows the region's name, its count and worst err/tol.
    A region no check reached is a gap: an empty cell saying "gap" in red; a
    worst err/tol of 1 or more is red too.
    """
    import numpy as np
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    width = max((len(r) for r in cells), default=1)
    grid = np.full((len(rows), width), math.nan)
    for i, row in enumerate(cells):
        for j, (_, count, _) in enumerate(row):
            if count:
                grid[i, j] = count
    finite = grid[np.isfinite(grid)]
    norm = LogNorm(vmin=1.0, vmax=max(2.0, float(finite.max()))) if finite.size else None
    with _figure(1.3 + 0.95 * width, 0.8 + 0.36 * len(rows), margins=(1.0, 0.1, 0.35, 0.1)) as fig:
        ax = fig.subplots()
        image = ax.imshow(grid, cmap="Blues", norm=norm, aspect="auto")
        image.set_gid("cells")
        for i, row in enumerate(cells):
            for j, (region, count, worst) in enumerate(row):
                bad = not count or (worst is not None and worst >= 1)
                if not count:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#fdecea", edgecolor="none"))
                dark = bool(count) and norm is not None and norm(count) > 0.55
                figure = "gap" if not count else f"{count}" + ("" if worst is None else f" \u00b7 {worst:.2g}")
                ax.text(j, i, f"{region}\n{figure}", ha="center", va="center", fontsize=5.5, linespacing=1.0,
                        color="#d62728" if bad else ("white" if dark else "#222222"))
        ax.set_xticks([])
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xticks(np.arange(-0.5, width), minor=True)
        ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.grid(which="major", visible=False)
        ax.tick_params(which="both", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(title)
        return _svg(fig, name, title)


# ------------------------------------------------------------------ training


def _draw_losses(ax: "Axes", run: Mapping[str, Any]) -> None:
    steps = range(len(run["losses"]))
    ad_losses = (run.get("symbolic") or {}).get("ad_losses")
    if ad_losses:
        (ad,) = ax.plot(steps, ad_losses, label="AD (backward)", linewidth=4, alpha=0.35,
                        color=METHOD_COLOURS["AD"])
        ad.set_gid("series-AD")
    symbolic = run["method"] == "symbolic"
    (line,) = ax.plot(steps, run["losses"], label="symbolic (SymPy, compiled)" if symbolic else "AD (backward)",
                      color=METHOD_COLOURS["DAG" if symbolic else "AD"])
    line.set_gid("series-symbolic" if symbolic else "series-AD")
    _log_y(ax)
    ax.set(xlabel="step", ylabel="training loss (log)", title=f"{run['setup']['loss']} loss")
    ax.legend()


def _draw_picture(ax: "Axes", picture: Mapping[str, Any] | None) -> None:
    if picture is None:
        ax.set_axis_off()
        return
    import numpy as np

    if picture["kind"] == "fit":
        (curve,) = ax.plot(picture["curve"]["x"], picture["curve"]["y"], color="k", label="model")
        curve.set_gid("series-model")
        for part, marker, size in (("train", "o", 12), ("test", "x", 30)):
            pts = np.asarray(picture[part], dtype=float).reshape(-1, 2)
            ax.scatter(pts[:, 0], pts[:, 1], s=size, marker=marker, label=part).set_gid(f"series-{part}")
        ax.set(xlabel="x", ylabel="y", title=f"fit: test RMSE {picture['test_rmse']:.3g}")
        ax.legend(frameon=True, framealpha=0.9, edgecolor="none")
        return
    (x0, x1), (y0, y1) = picture["x"], picture["y"]
    classes = np.asarray(picture["classes"], dtype=float)
    k = len(picture["labels"])
    gx, gy = np.meshgrid(np.linspace(x0, x1, classes.shape[1]), np.linspace(y0, y1, classes.shape[0]))
    regions = ax.contourf(gx, gy, classes, levels=np.arange(-0.5, k), cmap="coolwarm", alpha=0.3)
    regions.set_gid("regions")
    for part, marker in (("train", "o"), ("test", "x")):
        pts = np.asarray(picture[part], dtype=float).reshape(-1, 3)
        dots = ax.scatter(pts[:, 0], pts[:, 1], c=pts[:, 2], cmap="coolwarm", vmin=0, vmax=max(1, k - 1),
                          marker=marker, s=20, label=part)
        dots.set_gid(f"series-{part}")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x1", ylabel="x2", title="decision regions")
    ax.grid(False)
    ax.legend()


def _training(fig: "Figure", run: Mapping[str, Any], title: str) -> None:
    left, right = fig.subplots(1, 2)
    _draw_losses(left, run)
    _draw_picture(right, run.get("picture"))
    fig.suptitle(title, fontsize=9)


def training_svg(run: Mapping[str, Any], name: str, title: str) -> str:
    """One training run: the loss of every step (log axis) beside the decision regions or the fitted curve.

    ``run`` is a training run as the JSON has it (``compare.cli.train.run_json``): ``losses``, ``method``,
    ``setup`` (its ``loss``), and optionally ``symbolic.ad_losses`` and ``picture``
    (:func:`compare.training.picture`).
    """
    with _figure(8.0, 3.4, margins=(0.75, 0.15, 0.55, 0.5), gap=0.3) as fig:
        _training(fig, run, title)
        return _svg(fig, name, title)


def training_png(run: Mapping[str, Any], title: str, path: Any) -> None:
    """The figure of :func:`training_svg`, as PNG into ``path`` (a file name or a binary file object)."""
    with _figure(11, 4.5) as fig:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        _training(fig, run, title)
        fig.savefig(path, format="png", dpi=100)
