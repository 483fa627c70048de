"""examples/tour.ipynb runs top to bottom in a real kernel and shows what it says it shows."""

import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs the notebook extra: "
                                                  "pip install -e '.[notebook]'")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient: pip install -e '.[notebook]'")
pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel: pip install -e '.[notebook]'")
pytest.importorskip("matplotlib", reason="the notebook draws with the plot extra: pip install -e '.[plot]'")

ROOT = Path(__file__).resolve().parent.parent
TOUR = ROOT / "examples" / "tour.ipynb"


def _has_graphviz() -> bool:
    try:
        import graphviz

        graphviz.version()
        return True
    except Exception:  # noqa: BLE001 - the package or the dot program is missing
        return False


def test_the_tour_is_committed_without_outputs():
    nb = json.loads(TOUR.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    from jupyter_client import KernelManager

    nb = nbformat.read(TOUR, as_version=4)
    # the kernel talks over local sockets in a temporary directory (IPC), not TCP: no network at all
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path_factory.mktemp("kernel") / "k"))
    client = nbclient.NotebookClient(nb, km=kernel, timeout=120, resources={"metadata": {"path": ROOT}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if any cell fails
    return [c for c in nb.cells if c.cell_type == "code"]


def _text(cell) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_the_tour_reproduces_micrograds_numbers(executed):
    assert _text(executed[0]).split() == ["24.7041", "138.8338", "645.5773"]


def test_the_tour_shows_a_value_as_its_graph(executed):
    shown = executed[1].outputs[0]["data"]
    if _has_graphviz():
        svg = shown["image/svg+xml"]
        assert svg.count('class="node"') == 10 and ">tanh<" in svg  # 5 leaves, 2 mul, 2 add, tanh
    else:
        assert shown["text/plain"].startswith("Value(data=0.707")


def test_the_tour_trains_on_the_verified_engine_and_draws_the_boundary(executed):
    cell = executed[3]
    assert "verification: agree" in _text(cell)
    svg = cell.outputs[-1]["data"]["image/svg+xml"]
    assert 'id="moons-regions"' in svg and 'id="moons-series-train"' in svg


def test_the_tour_shows_the_symbolic_derivative_as_latex(executed):
    shown = executed[4].outputs[-1]["data"]
    assert "text/latex" in shown and "\\cos" in shown["text/latex"] and "e^{y}" in shown["text/latex"]


def test_the_tour_gets_the_same_gradient_three_ways(executed):
    table = executed[5].outputs[-1]["data"]["text/html"]
    rows = re.findall(r"<tr><td[^>]*>(d/d[xyz])</td>(.*?)</tr>", table)
    assert [name for name, _ in rows] == ["d/dx", "d/dy", "d/dz"]
    for _, cells in rows:
        ad, exact, fd, gap, tolerance, verdict = re.findall(r"<td[^>]*>(.*?)</td>", cells)
        assert verdict == "agree" and float(gap) <= float(tolerance)
        assert abs(float(fd) - float(exact)) < 1e-6 * max(1.0, abs(float(exact)))


def test_the_tour_plots_the_swell(executed):
    svg = executed[6].outputs[-1]["data"]["image/svg+xml"]
    for label in ("tree", "after-cse", "DAG", "AD-tape"):
        assert f'id="swell-series-{label}"' in svg
