"""Engine semantics: reuse, accumulation, order of arguments, depth, memory."""

import gc
import math
import subprocess
import sys

import numpy as np
import pytest

import toygrad
from toygrad import Constant, Value, count_nodes, topological


def test_square_by_self_multiplication_has_two_arguments():
    x = Value(3.0)
    y = x * x
    assert y.args == (x, x)
    y.backward()
    assert x.grad == 6.0


def test_backward_accumulates_on_reused_node():
    a = Value(-2.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_shared_subexpression_gradient():
    x = Value(1.5)
    s = x.sin()
    y = s * s + s  # s used three times
    y.backward()
    assert x.grad == pytest.approx((2 * math.sin(1.5) + 1) * math.cos(1.5))


def test_backward_twice_accumulates_on_variables_like_pytorch():
    x, y = Value(2.0), Value(-1.0)
    z = (x * y + x.exp()).tanh() * 3
    z.backward()
    once = (x.grad, y.grad)
    z.backward()
    assert (x.grad, y.grad) == pytest.approx((2 * once[0], 2 * once[1]))
    assert z.grad == 1.0  # an op node holds the latest pass only


def test_zero_grad_resets_every_node():
    x = Value(2.0)
    y = x * x + 1
    y.backward()
    y.zero_grad()
    assert all(n.grad == 0.0 for n in topological(y))
    y.backward()
    assert x.grad == 4.0


def test_backward_on_a_leaf_adds_one():
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_arguments_keep_their_order():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    assert (x - y).args == (x, y)
    assert (x / y).args == (x, y)
    r = 1 - x
    assert isinstance(r.args[0], Constant) and r.args[0].data == 1.0 and r.args[1] is x
    r.backward()
    assert x.grad == -1.0


def test_numbers_become_constant_leaves_without_gradient():
    x = Value(2.0)
    y = x * 3 + 1.5
    consts = [a for n in topological(y) for a in n.args if isinstance(a, Constant)]
    assert [c.data for c in consts] == [3.0, 1.5]
    y.backward()
    assert x.grad == 3.0
    assert count_nodes(y) == {"ops": 2, "variables": 1, "constants": 2}


def test_label_names_a_variable():
    x = Value(1.0, label="speed")
    assert x.label == "speed"
    assert toygrad.variable_names(x * 2) == {x: "speed"}


@pytest.mark.parametrize(
    "make",
    [
        lambda x: np.float64(2.0) * x,
        lambda x: x * np.int64(3),
        lambda x: np.float32(1.5) + x,
        lambda x: x - np.int32(4),
        lambda x: np.float64(2.0) ** x,
        lambda x: x ** np.int64(2),
        lambda x: np.float64(1.0) / x,
    ],
)
def test_numpy_numbers_mix_with_values(make):
    x = Value(3.0)
    y = make(x)
    assert type(y) is Value and type(y.data) is float
    y.backward()
    assert isinstance(x.grad, float) and x.grad != 0.0


def test_value_accepts_numpy_scalars_as_data():
    assert Value(np.float64(1.5)).data == 1.5
    assert type(Value(np.int64(2)).data) is float


def test_every_operator_and_its_reflection():
    x = Value(2.0)
    cases = {
        x + 3: 5.0, 3 + x: 5.0, x - 3: -1.0, 3 - x: 1.0, x * 3: 6.0, 3 * x: 6.0,
        x / 4: 0.5, 4 / x: 2.0, x**3: 8.0, 3**x: 9.0, -x: -2.0, +x: 2.0, abs(-x): 2.0,
    }
    for value, expected in cases.items():
        assert value.data == expected


def test_backward_on_a_million_node_chain():
    x = Value(1.0)
    v = x
    for _ in range(1_000_000):
        v = v * 1.0
    v.backward()
    assert x.grad == 1.0
    assert len(topological(v)) == 1_000_001


def test_no_reference_cycles_between_nodes_and_rules():
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        x = Value(0.3)
        y = ((x * x).sin() + x.exp() * 2) ** 2 / (1 + x.sigmoid())
        y.backward()
        del x, y
        assert gc.collect() == 0  # everything was freed by reference counting
    finally:
        if was:
            gc.enable()


def test_value_has_slots_and_no_dict():
    assert not hasattr(Value(1.0), "__dict__")
    assert not hasattr(Value(1.0) * 2, "__dict__")


def test_micrograd_private_surface_for_draw_dot():
    x = Value(2.0)
    y = x * 3
    assert y._op == "mul" and x._op == ""
    assert x in y._prev


def test_import_toygrad_does_not_import_sympy():
    code = "import sys, toygrad, toygrad.nn, toygrad.viz; sys.exit('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_matches_micrograd_on_the_same_code():
    micrograd = pytest.importorskip("micrograd.engine")

    def run(V):
        a, b = V(-4.0), V(2.0)
        c = a + b
        d = a * b + b**3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        g = (c - d) ** 2 / 2.0
        g = g + 10.0 / g
        g.backward()
        return g.data, a.grad, b.grad

    assert run(Value) == pytest.approx(run(micrograd.Value), rel=1e-12)
