"""Bad input raises DomainError or TypeError naming the op and the value."""

import math

import pytest

from toygrad import OPS, DomainError, Value, count_nodes


@pytest.mark.parametrize(
    "make, op, value",
    [
        (lambda: Value(0.0).log(), "log", "0.0"),
        (lambda: Value(-1.0).log(), "log", "-1.0"),
        (lambda: Value(-1.0).sqrt(), "sqrt", "-1.0"),
        (lambda: 1 / Value(0.0), "div", "0.0"),
        (lambda: Value(1.0) / 0, "div", "0.0"),
        (lambda: Value(0.0) ** -1, "pow", "-1.0"),
        (lambda: Value(-8.0) ** (1 / 3), "pow", "-8.0"),
        (lambda: Value(-2.0) ** Value(0.5), "pow", "-2.0"),
        (lambda: Value(-2.0) ** Value(2.0), "pow", "-2.0"),
        (lambda: Value(1000.0).exp(), "exp", "1000.0"),
        (lambda: Value(1e200) * 1e200, "mul", "1e+200"),
        (lambda: Value(10.0) ** 400, "pow", "400"),
    ],
)
def test_domain_error_names_op_and_value(make, op, value):
    with pytest.raises(DomainError) as info:
        make()
    assert isinstance(info.value, ValueError)
    assert op in str(info.value) and value in str(info.value)
    assert info.value.op == op


def test_graph_before_a_failing_op_is_unchanged():
    x = Value(0.0, label="x")
    y = x * 2 + 0.0
    before = count_nodes(y)
    with pytest.raises(DomainError):
        y.log()
    assert count_nodes(y) == before and y.data == 0.0
    y.backward()
    assert x.grad == 2.0


def test_derivative_that_does_not_exist_raises():
    x = Value(0.0)
    with pytest.raises(DomainError, match=r"sqrt\(0\.0\)"):
        x.sqrt().backward()


@pytest.mark.parametrize("bad", ["abc", None, [1.0], 1 + 2j, True])
def test_value_of_a_non_number_is_a_type_error(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_value_of_a_non_finite_number_is_a_domain_error(bad):
    with pytest.raises(DomainError, match="finite"):
        Value(bad)


def test_operand_of_the_wrong_type_names_it():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "x"


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


FUNCTION_NAMES = [op.name for op in OPS.values() if op.syntax.template.startswith(op.name + "(")]


@pytest.mark.parametrize(
    "label, why",
    [("2x", "not an ASCII identifier"), ("x y", "not an ASCII identifier"), ("", "not an ASCII identifier"),
     ("x-1", "not an ASCII identifier"), ("π", "not an ASCII identifier"), ("x\n", "not an ASCII identifier"),
     ("lambda", "a Python keyword"), ("None", "a Python keyword"), ("if", "a Python keyword")]
    + [(name, "a function of the op table") for name in FUNCTION_NAMES],
)
def test_label_that_a_formula_cannot_read_back_is_a_value_error(label, why):
    with pytest.raises(ValueError) as info:
        Value(1.0, label=label)
    message = str(info.value)
    assert f"label {label!r} is {why}" in message
    assert "ASCII identifier ([A-Za-z_][A-Za-z0-9_]*)" in message and "sin" in message  # what is allowed


def test_function_names_include_the_fused_rows_and_activations():
    assert {"sin", "relu", "sum", "dot"} <= set(FUNCTION_NAMES)


@pytest.mark.parametrize("label", ["x", "x_1", "_tmp", "speed", "X2", "add", "neg", "pow", "x0"])
def test_identifiers_that_are_not_functions_are_labels(label):
    assert Value(1.0, label=label).label == label
    assert Value(1.0).label is None


def test_no_silent_complex_or_nan():
    for make in (lambda: Value(-8.0) ** 0.5, lambda: Value(-1.0) ** Value(1.5)):
        with pytest.raises(DomainError):
            make()


def test_a_rule_that_goes_complex_is_a_domain_error_not_a_complex_gradient():
    from compare.selftest import _patched_op
    from toygrad import OPS

    op = OPS["sin"]
    with _patched_op(op, rules=(lambda g, out, x: g * (-1.0) ** 0.5,)):
        x = Value(0.3)
        with pytest.raises(DomainError, match="not a real number"):
            x.sin().backward()
