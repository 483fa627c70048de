"""Code written for micrograd walks any toygrad graph; any real number in ``.data`` works in every walk."""

from fractions import Fraction

import numpy as np
import pytest

import toygrad
from toygrad import OPS, DomainError, Value, apply
from toygrad.nn import MLP, Neuron


def micrograd_trace(root):
    """micrograd's ``trace`` (trace_graph.ipynb), as written there: it reads ``_prev``."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def micrograd_labels(root):
    """What micrograd's ``draw_dot`` reads of every node: data, grad and ``_op``."""
    nodes, edges = micrograd_trace(root)
    records = ["{ data %.4f | grad %.4f }" % (n.data, n.grad) for n in nodes]
    ops = [n._op for n in nodes if n._op]
    return nodes, edges, records, ops


def _mlp_loss():
    import random

    random.seed(1)
    model = MLP(2, [4, 1])
    scores = [model([0.5, -1.0]), model([1.0, 2.0])]
    return sum((1 + -y * s).relu() for y, s in zip((1.0, -1.0), scores)) + 1e-4 * sum(p * p for p in model.parameters())


@pytest.mark.parametrize("make", [
    lambda: Neuron(3)([1.0, -2.0, 0.5]),
    lambda: ((Value(1.5) * 2 + 1).sin() / 3) ** 2,
    _mlp_loss,
], ids=["neuron", "formula_with_constants", "mlp_loss"])
def test_a_micrograd_graph_walker_reads_every_node_of_the_graph(make):
    root = make()
    root.backward()
    nodes, edges, records, ops = micrograd_labels(root)
    constants = [n for n in nodes if n.__class__ is toygrad.Constant]
    assert constants, "the walk reaches the constant leaves"
    assert all(c._prev == set() and c._op == "" and c.grad == 0.0 for c in constants)
    assert len(records) == len(nodes) and set(ops) <= set(OPS)
    assert all((child, parent) in edges for parent in nodes for child in parent._prev)


# ------------------------------------------------------------ every op, every walk, every kind of number

NUMBER_TYPES = [float, int, np.float64, np.float32, np.int64, Fraction]


def _leaves(op):
    n = op.arity if op.arity is not None else 4  # dot and relu_dot: w1, w2, x1, x2
    return [2.0, 3.0, 2.0, 3.0][:n]


def _as(kind, vs):
    for v in vs:
        v.data = kind(int(v.data))  # 2 and 3: exact in every type


def _backward(op, kind):
    vs = [Value(p, label=f"v{i}") for i, p in enumerate(_leaves(op))]
    _as(kind, vs)
    apply(op, *vs).backward()
    return [v.grad for v in vs]


def _grad(op, kind):
    vs = [Value(p, label=f"v{i}") for i, p in enumerate(_leaves(op))]
    _as(kind, vs)
    return toygrad.grad(apply(op, *vs), vs)


def _hessian(op, kind):
    vs = [Value(p, label=f"v{i}") for i, p in enumerate(_leaves(op))]
    _as(kind, vs)
    return toygrad.hessian(apply(op, *vs), vs)


def _retyped(op, kind):
    def f(*vs):
        _as(kind, vs)
        return apply(op, *vs)

    return f


def _jvp(op, kind):
    ps = _leaves(op)
    return toygrad.jvp(_retyped(op, kind), ps, [1.0] * len(ps))


def _gradient_forward(op, kind):
    return toygrad.gradient_forward(_retyped(op, kind), _leaves(op))


WALKS = [_backward, _grad, _hessian, _jvp, _gradient_forward]


@pytest.mark.parametrize("kind", NUMBER_TYPES, ids=lambda k: k.__name__)
@pytest.mark.parametrize("op", list(OPS.values()), ids=lambda op: op.name)
def test_every_walk_gives_the_float_result_whatever_real_number_data_holds(op, kind):
    for walk in WALKS:
        got = walk(op, kind)
        assert got == walk(op, float), walk.__name__
        flat = got if isinstance(got, tuple) else [g for row in got for g in (row if isinstance(row, list) else [row])]
        assert all(type(g) is float for g in flat), (walk.__name__, flat)


@pytest.mark.parametrize("op", list(OPS.values()), ids=lambda op: op.name)
def test_every_walk_names_the_node_whose_data_is_not_a_number(op):
    vs = [Value(p, label=f"v{i}") for i, p in enumerate(_leaves(op))]
    y = apply(op, *vs)
    vs[0].data = "abc"
    walks = [y.backward, lambda: toygrad.grad(y, vs), lambda: toygrad.hessian(y, vs)]
    for walk in walks:
        with pytest.raises(TypeError, match=r"variable 'v0' needs a real number, got str 'abc'"):
            walk()

    def broken(*ws):
        ws[0].data = "abc"
        return apply(op, *ws)

    for walk in (lambda: toygrad.jvp(broken, _leaves(op), [1.0] * len(vs)),
                 lambda: toygrad.gradient_forward(broken, _leaves(op))):
        with pytest.raises(TypeError, match=r"needs a real number, got str 'abc'"):
            walk()


def test_training_code_that_leaves_numpy_scalars_in_data_keeps_training():
    x = Value(0.5)
    for lr in np.linspace(0.1, 0.01, 3):  # p.data -= lr * p.grad, lr a numpy float
        x.grad = 0.0
        y = x.relu() + x.sin()
        y.backward()
        x.data -= lr * x.grad
    assert isinstance(x.data, np.float64) and isinstance(x.grad, float)


def test_a_huge_integer_is_abbreviated_in_the_error():
    with pytest.raises(DomainError) as err:
        Value(10**400)
    message = str(err.value)
    assert "(401 digits)" in message and len(message) < 150
