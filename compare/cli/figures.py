"""The pages of ``report --html`` and ``train --html``: which figure goes with which part of the data.

Both pages read the dict their command writes with ``--json`` (one structure for
the JSON, the text tables and the page). Figures are drawn only where the data
has what they need, so a partial report, or one from a store without per-check
rows, still gives a page.

>>> sorted(REPORT_FIGURES)
['agreement_by_depth', 'agreement_by_op', 'cost_by_depth', 'coverage', 'swell']
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Mapping

from toygrad import OPS

from .. import plots, swell
from ..errors import UsageError
from ..tolerance import err_over_tol
from . import html
from .sections import SECTION_CAPTION, TITLES, TRAINING_CAPTION, VERIFY_COLUMNS, verification_records

__all__ = ["REPORT_FIGURES", "report_page", "train_page", "training_figures", "require_plots"]


def require_plots() -> None:
    """A usage error naming the ``plot`` extra when matplotlib is missing (checked before any work)."""
    if not plots.available():
        raise UsageError(f"--html: {plots.NO_MATPLOTLIB}")


def _ratio_groups(functions: list[dict[str, Any]], by: str) -> dict[str, list[tuple[float, str]]]:
    """err/tol and verdict of every compared check, grouped by depth or by op (in the op table's order)."""
    groups: dict[str, list[tuple[float, str]]] = {}
    if by == "op":
        groups = {name: [] for name in OPS if any(name in f["ops"] for f in functions)}
    for f in sorted(functions, key=lambda f: f["depth"]):
        keys = f["ops"] if by == "op" else [str(f["depth"])]
        for r in f["rows"]:
            if r["verdict"] == "out-of-domain" or not r["exact"]:
                continue
            ratio = err_over_tol(r["ad"], r["exact"], r["tolerance"])
            for k in keys:
                groups.setdefault(k, []).append((ratio, r["verdict"]))
    return groups


def _ratio_figure(by: str) -> Any:
    def draw(data: Mapping[str, Any]) -> list[str]:
        functions = data.get("functions") or []
        groups = _ratio_groups(functions, by)
        if not any(groups.values()):
            return []
        title = f"AD error over tolerance, by {by}"
        svg = plots.ratio_distribution(groups, name=f"ratio-{by}", xlabel=by + " (checks)", title=title)
        return [html.figure(svg, f"Every check of the AD gradient against the exact one, by {by}: err/tol on a log "
                                 "axis, boxes from quartile to quartile, dots for the checks (colour: verdict; "
                                 f"every one that does not agree, and up to {plots.DOTS} agreeing ones per column). "
                                 "Below the dashed line at 1 is agreement. The bottom line holds the checks "
                                 "whose err/tol is tiny, including those exact to the last bit (err/tol 0).")]
    return draw


#: the cost figure's series: legend label -> column of the report's cost_by_depth table
COST_TIMES = {"AD": "ad_seconds", "tree": "tree_seconds", "DAG": "dag_seconds", "lambdify": "lambdify_seconds",
              "exact": "exact_seconds"}
COST_SIZES = {"graph": "graph_ops", "tree": "tree_ops", "after cse": "tree_ops_cse", "DAG": "dag_ops"}


def _cost(data: Mapping[str, Any]) -> list[str]:
    medians = data["tables"].get("cost_by_depth") or []
    if not medians:
        return []
    depths = [m["depth"] for m in medians]
    svg = plots.cost_by_depth(depths, {k: [m.get(c) for m in medians] for k, c in COST_TIMES.items()},
                              {k: [m.get(c) for m in medians] for k, c in COST_SIZES.items()})
    return [html.figure(svg, "Medians by depth, log axes. Left: time of each method (AD: one backward pass per "
                             "point; tree and DAG: SymPy deriving the gradient, once per function; lambdify and "
                             "exact: evaluating it at a point). Right: size of the graph and of each symbolic "
                             "derivative.")]


def _swell(data: Mapping[str, Any]) -> list[str]:
    rows = data["tables"].get("swell") or []
    if not rows:
        return []
    return [html.figure(swell.svg(rows), "Size of d l(n)/dx against n, log axis: tree mode grows geometrically, common "
                             "subexpression elimination slows it, DAG mode and the AD tape grow linearly.")]


def _coverage(data: Mapping[str, Any]) -> list[str]:
    entries = data["tables"].get("coverage") or []
    if not entries:
        return []
    ops = list(dict.fromkeys(e["op"] for e in entries))
    cells = [[(e["region"], e["checks"], _number(e.get("worst_err_over_tol"))) for e in entries if e["op"] == op]
             for op in ops]
    svg = plots.heatmap(ops, cells, name="coverage", title="Checks per op and region")
    return [html.figure(svg, "How many checks exercised each region of each op's domain (colour: log scale), and "
                             "their worst err/tol after the dot. A red 'gap' is a region no check reached.")]


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


REPORT_FIGURES: html.Figures = {
    "agreement_by_depth": _ratio_figure("depth"),
    "agreement_by_op": _ratio_figure("op"),
    "cost_by_depth": _cost,
    "swell": _swell,
    "coverage": _coverage,
}


def training_figures(runs: list[Mapping[str, Any]]) -> list[str]:
    """One figure per training run (as ``run_json`` writes it): its loss curve beside its decision regions or
    fitted curve."""
    out = []
    for k, run in enumerate(runs):
        setup = run["setup"]
        title = f"{setup['dataset']}: trained by {run['method']}, {setup['activation']} MLP {list(setup['hidden'])}, " \
                f"{setup['loss']} loss, {setup['optim']}"
        svg = plots.training_svg(run, name=f"training-{k}", title=title)
        how = ("the symbolic gradient's loss over the AD one (thick, pale): the two trajectories coincide"
               if (run.get("symbolic") or {}).get("ad_losses") else "the loss at every step")
        out.append(html.figure(svg, f"{title}. Left: {how}, log axis. Right: the trained model on the data "
                                    "(circles: training points, crosses: test points)."))
    return out


def _summary(data: Mapping[str, Any]) -> str:
    summary = data["summary"]
    verdicts = summary["verdicts"]
    training_failed = (data.get("training") or {}).get("passed") is False
    bad = bool(verdicts.get("disagree")) or training_failed
    text = (f"{verdicts.get('disagree', 0)} of {summary['checks']} checks DISAGREE (listed under Disagreements)"
            if verdicts.get("disagree") else f"All {summary['checks']} checks agree within the tolerance policy")
    if training_failed:
        text += "; a training run's gradient verification disagreed"
    if not data.get("complete", True):
        text += f" (interrupted: {len(data.get('pending', []))} functions not checked)"
    counts = html.table_html([{"functions": summary["functions"], "checks": summary["checks"], **verdicts}],
                             bad=html.bad_cell)
    return f'<p class="verdict{" bad" if bad else ""}">{html.esc(text)}.</p>{counts}'


def report_page(data: Mapping[str, Any]) -> str:
    """The whole report as one HTML page: summary, every table with its figures, training, disagreements."""
    s = data["settings"]
    subtitle = (f"seed {s['seed']}, {s['n']} functions per depth at depths {s['depths'][0]}..{s['depths'][-1]}, "
                f"{s['points']} points each, {s['variables']} variables, order {s['order']}; "
                f"sweep {data.get('sweep_seconds', 0):.1f} s")
    body = html.tables_sections(data, TITLES, REPORT_FIGURES)
    links = [(key, TITLES.get(key, key)) for key in data.get("tables", {})]
    training = data.get("training")
    if training:
        body.append(training_section(training))
        links.append(("training", "Training"))
    disagreements = data.get("disagreements") or []
    body.append(html.section(
        "Disagreements", html.table_html(disagreements) if disagreements else "<p>None.</p>", anchor="disagreements",
        note="Every check where AD and the exact gradient differ by more than the tolerance, with the command that "
             "reruns it."))
    links.append(("disagreements", f"Disagreements ({len(disagreements)})"))
    return html.page("Automatic vs symbolic differentiation: comparison report",
                     [_summary(data), html.contents([(a, t.split(":")[0]) for a, t in links]), *body], subtitle)


def training_section(training: Mapping[str, Any]) -> str:
    """The report's training section: its two tables, then each run's figure."""
    return html.section(
        "Training",
        html.table_html(training["verification"], caption="Gradient verification before training", bad=html.bad_cell),
        f'<p class="note">{html.esc(TRAINING_CAPTION)}</p>', html.table_html(training["training"], caption="Training"),
        *training_figures([r["run"] for r in training.get("runs") or []]), anchor="training", note=SECTION_CAPTION)


def train_page(data: Mapping[str, Any]) -> str:
    """``train --html``: the verification, the training figure, the history and the final figures of one run."""
    setup = data["settings"]["setup"]
    verification = verification_records(SimpleNamespace(**data["verification"]))
    parts = [html.section("Verification", html.table_html(verification, VERIFY_COLUMNS, bad=html.bad_cell),
                          anchor="verification")]
    run = data.get("run")
    if run:
        parts.append(html.section("Training", *training_figures([run]), html.table_html(run["history"]),
                                  html.table_html([run["final"]], caption="Final"), anchor="training"))
    return html.page(f"Training {setup['dataset']}: method {data['settings']['method']}", parts,
                     ", ".join(f"{k} {x}" for k, x in setup.items() if x is not None))
