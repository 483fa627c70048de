"""Graphviz DOT text, graphs drawn by Graphviz, notebook pictures, and formulas."""

import subprocess
import sys

import pytest

from toygrad import Value, apply, formula
from toygrad.viz import NOTEBOOK_MAX_NODES, GraphvizMissing, render, to_dot


def _node_lines(dot):
    return [line for line in dot.splitlines() if line.strip().startswith("v") and "[label=" in line and "->" not in line]


def test_to_dot_draws_each_node_once_with_its_op_value_and_gradient():
    x = Value(2.0, label="x")
    y = (x * x).tanh()
    y.backward()
    dot = to_dot(y)
    assert dot.startswith("digraph toygrad {") and dot.rstrip().endswith("}")
    nodes = _node_lines(dot)
    assert len(nodes) == 3  # x, mul, tanh: one box each, no separate op nodes
    assert any("{x | data 2 | grad " in n for n in nodes)
    assert any("{mul | data 4 | grad " in n for n in nodes) and any("{tanh | data 0.9993 | grad 1}" in n for n in nodes)
    assert dot.count("->") == 2 + 1  # x feeds mul twice, mul feeds tanh


def test_to_dot_shows_gradients_only_after_backward():
    x = Value(2.0, label="x")
    y = x.exp()
    assert "| grad" not in to_dot(y)
    y.backward()
    assert "grad 7.389" in to_dot(y)
    assert "| grad" not in to_dot(y, grad=False)


def test_to_dot_writes_constants_into_their_op():
    x = Value(2.0, label="x")
    dot = to_dot(3 - x**2)
    nodes = _node_lines(dot)
    assert len(nodes) == 3  # x, pow, sub: the constants 2 and 3 get no box
    assert any("{pow(•, 2) | data 4}" in n for n in nodes) and any("{sub(3, •) | data -1}" in n for n in nodes)


def test_to_dot_numbers_ordered_arguments():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    dot = to_dot(x - y)
    assert '[label="0"]' in dot and '[label="1"]' in dot


def _has_dot():
    try:
        import graphviz

        graphviz.version()
        return True
    except Exception:  # noqa: BLE001 - package or binary missing
        return False


needs_graphviz = pytest.mark.skipif(not _has_dot(), reason="Graphviz (the graphviz package and the dot program) "
                                                           "is not installed: apt install graphviz; pip install graphviz")


@needs_graphviz
def test_render_writes_svg_with_every_node_and_png(tmp_path):
    x = Value(2.0, label="x")
    y = (x * 3).tanh()
    y.backward()
    svg = render(y, tmp_path / "g.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('class="node"') == 3 and svg.count('class="edge"') == 2
    assert ">mul(•, 3)<" in svg and ">tanh<" in svg and ">x<" in svg
    png = render(y, tmp_path / "g.PNG").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_render_refuses_a_format_it_does_not_draw(tmp_path):
    with pytest.raises(ValueError, match="svg or png; got 'pdf'"):
        render(Value(1.0), tmp_path / "g.pdf")


def test_render_without_the_dot_program_says_how_to_install_it(tmp_path, monkeypatch):
    graphviz = pytest.importorskip("graphviz")

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(("dot",))

    monkeypatch.setattr(graphviz.Source, "pipe", missing)
    with pytest.raises(GraphvizMissing, match="apt install graphviz.*brew install graphviz"):
        render(Value(1.0), tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_render_without_the_python_package_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    with pytest.raises(GraphvizMissing, match="pip install graphviz"):
        render(Value(1.0), tmp_path / "g.svg")


@needs_graphviz
def test_a_value_shows_its_graph_as_svg_in_a_notebook():
    x = Value(2.0, label="x")
    svg = (x * x + 1)._repr_svg_()
    assert svg is not None and "<svg" in svg and svg.count('class="node"') == 3


def test_a_value_falls_back_to_its_text_repr_without_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    y = Value(2.0, label="x") * 2
    assert y._repr_svg_() is None and repr(y) == "Value(data=4.0, grad=0.0)"


def test_a_huge_graph_shows_as_text_in_a_notebook():
    v = Value(0.5)
    for _ in range(NOTEBOOK_MAX_NODES):
        v = v * 1.0001
    assert v._repr_svg_() is None


def test_importing_toygrad_does_not_import_graphviz():
    code = "import sys, toygrad, toygrad.viz; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "build, text",
    [
        (lambda x, y: x - (y - x), "x - (y - x)"),
        (lambda x, y: (x - y) - x, "x - y - x"),
        (lambda x, y: -(x + y), "-(x + y)"),
        (lambda x, y: (-x) ** 2, "(-x)**2.0"),
        (lambda x, y: -(x**2), "-x**2.0"),
        (lambda x, y: (x**y) ** 2, "(x**y)**2.0"),
        (lambda x, y: x ** (y**2), "x**y**2.0"),
        (lambda x, y: x / (y * x), "x / (y * x)"),
        (lambda x, y: x * -2.0, "x * -2.0"),
        (lambda x, y: (x + 1).sin() * y.relu(), "sin(x + 1.0) * relu(y)"),
    ],
)
def test_formula_parenthesises_only_where_needed(build, text):
    x, y = Value(1.5, label="x"), Value(2.0, label="y")
    assert formula(build(x, y)) == text


def test_formula_numbers_unlabelled_variables():
    a, b = Value(1.0), Value(2.0)
    assert formula(a * b + a) == "x0 * x1 + x0"


def test_duplicate_labels_are_an_error():
    with pytest.raises(ValueError, match="labelled 'x'"):
        formula(Value(1.0, label="x") + Value(2.0, label="x"))


def test_formula_refuses_exponential_output():
    v = Value(0.5, label="x")
    for _ in range(40):
        v = v * v
    with pytest.raises(ValueError, match="longer than"):
        formula(v, max_length=10_000)


@pytest.mark.parametrize(
    "build, text",
    [
        (lambda x: apply("neg", 2.0) * x, "-(2.0) * x"),  # not -2.0, the constant
        (lambda x: apply("neg", 0.0) * x, "-(0.0) * x"),
        (lambda x: apply("neg", 1e-05) + x, "-(1e-05) + x"),
        (lambda x: apply("neg", -2.0) * x, "--2.0 * x"),
        (lambda x: apply("neg", -0.0) * x, "--0.0 * x"),
        (lambda x: apply("pow", apply("neg", 2.0), 2.0) * x, "(-(2.0))**2.0 * x"),
        (lambda x: apply("neg", apply("pow", 2.0, x)), "-2.0**x"),
    ],
)
def test_formula_of_neg_of_a_constant_differs_from_a_negative_constant(build, text):
    assert formula(build(Value(1.5, label="x"))) == text


@pytest.mark.parametrize(
    "build, text",
    [
        (lambda x: apply("pow", -0.0, 2.0) * x, "(-0.0)**2.0 * x"),
        (lambda x: apply("pow", -2.0, 2.0) * x, "(-2.0)**2.0 * x"),
        (lambda x: apply("pow", 0.0, 2.0) * x, "0.0**2.0 * x"),
        (lambda x: x ** apply("neg", -0.0), "x**--0.0"),
        (lambda x: x * -0.0, "x * -0.0"),
    ],
)
def test_formula_treats_negative_zero_as_a_negative_constant(build, text):
    assert formula(build(Value(1.5, label="x"))) == text
