"""Graphviz DOT text and formulas."""

import pytest

from toygrad import Value, apply, formula
from toygrad.viz import to_dot


def test_to_dot_shows_ops_values_and_gradients():
    x = Value(2.0, label="x")
    y = (x * 3).tanh()
    y.backward()
    dot = to_dot(y)
    assert dot.startswith("digraph toygrad {") and dot.rstrip().endswith("}")
    assert 'label="mul"' in dot and 'label="tanh"' in dot
    assert "x | data 2 | grad" in dot
    assert dot.count("->") == 2 + 2 + 1  # two op->value edges, mul's two arguments, tanh's one


def test_to_dot_numbers_ordered_arguments():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    dot = to_dot(x - y)
    assert '[label="0"]' in dot and '[label="1"]' in dot


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
