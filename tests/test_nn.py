"""toygrad.nn: micrograd's signatures, initialisation order and behaviour."""

import random

import pytest

from tests.helpers import central_difference
from toygrad import Value
from toygrad.nn import MLP, Layer, Module, Neuron


def test_same_seed_draws_weights_in_micrograd_order():
    random.seed(7)
    model = MLP(3, [4, 2])
    random.seed(7)
    expected = []
    for nin, nout in [(3, 4), (4, 2)]:
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]  # weights, then bias 0
    assert [p.data for p in model.parameters()] == expected


def test_same_network_and_outputs_as_micrograd():
    mg = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = mg.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    x = [0.3, -1.2]
    out_ours, out_theirs = ours(x), theirs([mg.Value(v) for v in x])
    assert out_ours.data == pytest.approx(out_theirs.data, rel=1e-12)
    out_ours.backward()
    out_theirs.backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx([p.grad for p in theirs.parameters()], rel=1e-12)


def test_mlp_shapes_and_last_layer_linear():
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert [n.nonlin for n in model.layers[-1].neurons] == [False]
    assert all(n.nonlin for layer in model.layers[:-1] for n in layer.neurons)
    assert isinstance(model([1.0, 2.0]), Value)
    assert len(MLP(2, [3, 4])([1.0, 2.0])) == 4


def test_readable_reprs():
    random.seed(0)
    assert repr(Neuron(3)) == "ReLUNeuron(3)"
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2) x 2]"
    assert repr(MLP(2, [3, 1])) == "MLP of [Layer of [ReLUNeuron(2) x 3], Layer of [LinearNeuron(3)]]"


def test_mlp_backward_matches_central_difference():
    random.seed(3)
    model = MLP(2, [4, 4, 1], activation="tanh")
    params = model.parameters()
    x = [0.7, -0.4]
    model.zero_grad()
    model(x).backward()

    def loss_at(*values):
        for p, v in zip(params, values):
            p.data = v
        return model(x).data

    values = [p.data for p in params]
    for i in (0, 5, 13, len(params) - 1):
        grad = params[i].grad
        assert grad == pytest.approx(central_difference(loss_at, values, i), rel=1e-6, abs=1e-8)
        loss_at(*values)


def test_zero_grad_clears_parameters():
    random.seed(0)
    model = MLP(2, [3, 1])
    model([1.0, 1.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize("make, call", [(lambda: MLP(3, [2, 1]), [1.0, 2.0]), (lambda: Neuron(2), [1.0, 2.0, 3.0])])
def test_inputs_of_the_wrong_length_name_both_lengths(make, call):
    random.seed(0)
    model = make()
    with pytest.raises(ValueError) as info:
        model(call)
    message = str(info.value)
    assert str(len(call)) in message and ("3" in message or "2" in message)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3"])
def test_bad_sizes_are_rejected(bad):
    with pytest.raises(ValueError, match="positive whole number"):
        Neuron(bad)


def test_unknown_activation_lists_the_choices():
    with pytest.raises(ValueError, match="tanh"):
        Neuron(2, activation="swish")


@pytest.mark.parametrize("cls", [Module, Neuron, Layer, MLP])
def test_public_methods_of_the_network_classes_have_docstrings(cls):
    for name in ("parameters", "zero_grad"):
        assert getattr(cls, name).__doc__, f"{cls.__name__}.{name}"


def test_a_layer_of_one_neuron_feeds_the_next_layer_as_a_list():
    random.seed(0)
    model = MLP(2, [1, 3, 1])
    assert isinstance(model.layers[0]([1.0, 2.0]), Value)
    assert isinstance(model([1.0, 2.0]), Value)
