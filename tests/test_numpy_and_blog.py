"""numpy arrays of Values, and the seed blog's own code (``.val``, ``nn.Linear``, ``Module.forward``)."""

import importlib.util
import operator
import random

import numpy as np
import pytest

from toygrad import Value
from toygrad.nn import MLP, Layer, Linear, Module, Neuron

OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("op", OPERATORS, ids=lambda f: f.__name__)
def test_an_array_and_a_value_combine_elementwise_in_both_orders(op):
    a = np.array([[1.0, 2.0], [3.0, 0.5]])
    v = Value(1.5)
    for out, expect in ((op(a, v), op(a, 1.5)), (op(v, a), op(1.5, a))):
        assert isinstance(out, np.ndarray) and out.dtype == object and out.shape == a.shape
        assert all(isinstance(e, Value) for e in out.flat)
        assert [e.data for e in out.flat] == pytest.approx(expect.ravel().tolist())


@pytest.mark.parametrize("op", OPERATORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("scalar", [np.float64(2.0), np.float32(2.0), np.int64(2)], ids=lambda s: type(s).__name__)
def test_a_numpy_scalar_and_a_value_give_a_value(op, scalar):
    v = Value(1.5)
    for out, expect in ((op(scalar, v), op(2.0, 1.5)), (op(v, scalar), op(1.5, 2.0))):
        assert type(out) is Value and out.data == pytest.approx(expect)


def test_a_squared_error_between_a_numpy_row_and_a_list_of_values_backpropagates():
    y = np.array([1.0, -2.0])
    out = [Value(0.5), Value(0.0)]
    loss = ((y - out) ** 2).sum()  # the blog's (y[i] - out) ** 2
    assert type(loss) is Value
    loss.backward()
    assert [o.grad for o in out] == [2 * (0.5 - 1.0), 2 * (0.0 + 2.0)]


def test_val_is_another_name_for_data():
    v = Value(2.0)
    assert v.val == 2.0
    v.val = 3.0
    assert v.data == 3.0


def test_linear_is_w_x_plus_b_on_a_list_without_activation():
    random.seed(3)
    layer = Linear(3, 2)
    layer.bias[1].data = 0.25
    x = [1.0, -2.0, 0.5]
    out = layer(x)
    assert isinstance(out, list) and len(out) == 2
    for y, w, b in zip(out, layer.weight, layer.bias):
        assert y.data == pytest.approx(sum(wi.data * xi for wi, xi in zip(w, x)) + b.data)
    assert len(layer.parameters()) == 8 and min(y.data for y in Linear(1, 50)([-1.0])) < 0  # no relu
    with pytest.raises(ValueError, match="takes 3 inputs, got 2"):
        layer([1.0, 2.0])


@pytest.mark.skipif(importlib.util.find_spec("micrograd") is None, reason="micrograd is not installed")
def test_linear_and_mlp_draw_the_same_weights_as_micrograd_for_the_same_seed():
    from micrograd import nn as mg

    random.seed(7)
    theirs = [p.data for p in mg.Layer(3, 2, nonlin=False).parameters()]
    random.seed(7)
    assert [p.data for p in Linear(3, 2).parameters()] == theirs
    random.seed(7)
    theirs = mg.MLP(2, [4, 1])
    random.seed(7)
    ours = MLP(2, [4, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert ours([0.5, -1.0]).data == pytest.approx(theirs([0.5, -1.0]).data, rel=1e-15)


def test_calling_a_module_runs_its_forward():
    random.seed(0)
    neuron, layer, mlp = Neuron(2), Layer(2, 3), MLP(2, [3, 1])
    x = [0.5, -1.0]
    assert neuron(x).data == neuron.forward(x).data
    assert [v.data for v in layer(x)] == [v.data for v in layer.forward(x)]
    assert mlp(x).data == mlp.forward(x).data
    with pytest.raises(NotImplementedError, match="defines no forward"):
        Module()(x)


class Model(Module):
    """The blog's outline: Linear layers with relu between them."""

    def __init__(self):
        self.layers = [Linear(1, 8), Linear(8, 8), Linear(8, 1)]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = [v.relu() for v in layer(x)]
        return self.layers[-1](x)

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def test_the_blogs_model_trained_by_hand_written_sgd_lowers_the_loss():
    random.seed(0)
    model = Model()
    X = np.linspace(-1.5, 1.5, 16).reshape(-1, 1)
    Y = np.sin(X) ** 2 + 1
    losses = []
    for lr in np.linspace(0.05, 0.01, 40):
        loss = sum(((Y[i] - model(X[i])) ** 2).sum() for i in range(len(X))) / len(X)
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.val -= lr * p.grad
        losses.append(loss.val)
    assert losses[-1] < 0.2 * losses[0]
