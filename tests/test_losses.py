"""toygrad.losses: values by hand, gradients by central difference, stability at huge logits, errors."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import central_difference
from toygrad import Value, count_nodes
from toygrad.losses import binary_cross_entropy_with_logits, hinge, l2, mse, softmax, softmax_cross_entropy


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def gradient_matches_central_difference(loss_of_values, xs, rel=1e-6):
    """Check backward() of loss_of_values([Value(x) ...]) against a central difference at xs."""
    vs = [Value(x) for x in xs]
    loss_of_values(vs).backward()

    def f(*ys):
        return loss_of_values(list(ys)).data

    for i in range(len(xs)):
        assert vs[i].grad == pytest.approx(central_difference(f, xs, i), rel=rel, abs=1e-8), f"argument {i}"


# ---------------------------------------------------------------- values by hand


def test_mse_value_and_gradient_by_hand():
    a, b = Value(1.5), Value(-0.5)
    loss = mse([a, b, 2.0], [1, 0.5, 2])  # a plain number among the outputs
    assert loss.data == pytest.approx((0.5**2 + (-1.0) ** 2 + 0.0) / 3, rel=1e-15)
    loss.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * 0.5 / 3, 2 * -1.0 / 3), rel=1e-15)


def test_hinge_value_and_gradient_by_hand():
    s = [Value(0.5), Value(-2.0), Value(0.25)]
    loss = hinge(s, [1, -1, -1])
    assert loss.data == pytest.approx((max(0, 1 - 0.5) + max(0, 1 - 2.0) + max(0, 1 + 0.25)) / 3, rel=1e-15)
    loss.backward()
    assert [v.grad for v in s] == pytest.approx([-1 / 3, 0.0, 1 / 3], rel=1e-15)


def test_hinge_equals_micrograds_demo_loss_on_numpy_labels():
    scores = [Value(x) for x in (0.3, -1.7, 2.2, -0.1)]
    labels = np.array([1, 1, -1, -1])  # numpy labels, as moons returns them
    expected = sum(max(0.0, 1 + -int(y) * s.data) for y, s in zip(labels, scores)) * (1.0 / 4)
    assert hinge(scores, labels).data == pytest.approx(expected, rel=1e-15)


def test_binary_cross_entropy_value_by_hand():
    logits, targets = [2.0, -1.0, 0.0, 3.5], [1, 0, 0.3, 1.0]
    expected = [-(y * math.log(sigmoid(z)) + (1 - y) * math.log(1 - sigmoid(z))) for z, y in zip(logits, targets)]
    loss = binary_cross_entropy_with_logits([Value(z) for z in logits], targets)
    assert loss.data == pytest.approx(sum(expected) / 4, rel=1e-14)


@given(st.floats(-40, 40), st.floats(0, 1))
def test_binary_cross_entropy_gradient_is_sigmoid_minus_target(z, y):
    v = Value(z)
    binary_cross_entropy_with_logits([v], [y]).backward()
    assert v.grad == pytest.approx(sigmoid(z) - y, rel=1e-12, abs=1e-15)


def test_binary_cross_entropy_gradient_at_zero_logit_is_one_half_minus_target():
    # relu(z) - z*y + log(1 + exp(-|z|)) would give -y here: relu and abs have slope 0 at 0
    for y in (0.0, 1.0, 0.25):
        z = Value(0.0)
        loss = binary_cross_entropy_with_logits([z], [y])
        loss.backward()
        assert loss.data == pytest.approx(math.log(2), rel=1e-15)
        assert z.grad == 0.5 - y


def test_softmax_cross_entropy_value_by_hand():
    rows, classes = [[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]], [2, 0]
    expected = [
        -math.log(math.exp(3.0) / (math.exp(1.0) + math.exp(2.0) + math.exp(3.0))),
        -math.log(math.exp(0.5) / (math.exp(0.5) + math.exp(-1.0) + math.exp(0.0))),
    ]
    loss = softmax_cross_entropy([[Value(z) for z in row] for row in rows], classes)
    assert loss.data == pytest.approx(sum(expected) / 2, rel=1e-14)


@given(st.lists(st.floats(-30, 30), min_size=2, max_size=5), st.data())
def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot(logits, data):
    c = data.draw(st.integers(0, len(logits) - 1))
    row = [Value(z) for z in logits]
    softmax_cross_entropy([row], [c]).backward()
    total = sum(math.exp(z - max(logits)) for z in logits)
    expected = [math.exp(z - max(logits)) / total - (j == c) for j, z in enumerate(logits)]
    assert [v.grad for v in row] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_softmax_probabilities_by_hand_and_sum_to_one():
    p = softmax([Value(1.0), 2.0, Value(-0.5)])
    total = math.exp(1.0) + math.exp(2.0) + math.exp(-0.5)
    assert [q.data for q in p] == pytest.approx([math.exp(1.0) / total, math.exp(2.0) / total, math.exp(-0.5) / total])
    assert math.fsum(q.data for q in p) == pytest.approx(1.0, rel=1e-15)


def test_l2_value_gradient_and_two_nodes():
    w = [Value(1.5), Value(-2.0), Value(0.5)]
    reg = l2(w, 1e-2)
    assert reg.data == pytest.approx(1e-2 * (1.5**2 + 2.0**2 + 0.5**2), rel=1e-15)
    assert count_nodes(reg)["ops"] == 2  # one dot, one scaling
    reg.backward()
    assert [p.grad for p in w] == pytest.approx([2e-2 * 1.5, 2e-2 * -2.0, 2e-2 * 0.5], rel=1e-15)


def test_l2_accepts_a_generator_of_parameters():
    w = [Value(3.0), Value(4.0)]
    assert l2((p for p in w), 1.0).data == 25.0


# ---------------------------------------------------------------- gradients vs central difference


@pytest.mark.parametrize(
    "loss, xs",
    [
        (lambda v: mse(v, [0.5, -1.0, 2.0]), [1.3, -0.2, 2.5]),
        (lambda v: hinge(v, [1, -1, 1]), [0.4, -0.3, -1.2]),  # every margin away from its kink
        (lambda v: binary_cross_entropy_with_logits(v, [1, 0, 0.4]), [0.7, 2.5, -3.1]),
        (lambda v: softmax_cross_entropy([v[:3], v[3:]], [1, 2]), [0.2, -1.1, 0.9, 3.0, 2.9, -0.4]),
        (lambda v: softmax(v)[1] * 3.0, [0.2, -1.1, 0.9]),
        (lambda v: l2(v, 0.3), [0.2, -1.1, 0.9]),
    ],
    ids=["mse", "hinge", "bce", "softmax_cross_entropy", "softmax", "l2"],
)
def test_loss_gradient_matches_central_difference(loss, xs):
    gradient_matches_central_difference(loss, xs)


# ---------------------------------------------------------------- huge logits


def test_binary_cross_entropy_at_logits_of_1000_is_finite_and_exact():
    z = [Value(1000.0), Value(-1000.0), Value(1000.0), Value(-1000.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = binary_cross_entropy_with_logits(z, np.array([1, 0, 0, 1]))
        loss.backward()
    assert loss.data == (0.0 + 0.0 + 1000.0 + 1000.0) / 4
    assert [v.grad for v in z] == [0.0, 0.0, 0.25, -0.25]  # (sigmoid(z) - y) / n


def test_softmax_cross_entropy_at_logits_of_1000_is_finite_and_exact():
    rows = [[Value(1000.0), Value(-1000.0), Value(0.0)], [Value(-1000.0), Value(1000.0), Value(1000.0)]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = softmax_cross_entropy(rows, [1, 0])
        loss.backward()
    assert loss.data == pytest.approx((2000.0 + 2000.0 + math.log(2)) / 2, rel=1e-15)
    assert [v.grad for v in rows[0]] == [0.5, -0.5, 0.0]  # (softmax - onehot) / n
    assert [v.grad for v in rows[1]] == [-0.5, 0.25, 0.25]


def test_softmax_at_logits_of_1000_is_finite():
    assert [q.data for q in softmax([Value(1000.0), Value(999.0), Value(-1000.0)])] == pytest.approx(
        [1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1)), 0.0], rel=1e-15
    )


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("loss", [mse, hinge, binary_cross_entropy_with_logits])
def test_mismatched_lengths_name_both(loss):
    with pytest.raises(ValueError, match=r"got 3 \w+ and 2 \w+"):
        loss([Value(0.1)] * 3, [1, 1])


@pytest.mark.parametrize("loss", [mse, hinge, binary_cross_entropy_with_logits, softmax_cross_entropy])
def test_empty_inputs_are_an_error(loss):
    with pytest.raises(ValueError, match="needs at least one"):
        loss([], [])


@pytest.mark.parametrize("loss", [mse, hinge, binary_cross_entropy_with_logits])
def test_a_single_value_instead_of_a_sequence_is_a_type_error(loss):
    with pytest.raises(TypeError, match="one per example, got Value"):
        loss(Value(1.0), [1])


@pytest.mark.parametrize("label", [0, 2, 0.5, -1.5])
def test_hinge_rejects_labels_other_than_plus_minus_one(label):
    with pytest.raises(ValueError, match=rf"labels -1 or \+1, got {float(label)!r} at index 1"):
        hinge([Value(0.1), Value(0.2)], [1, label])


@pytest.mark.parametrize("target", [-0.1, 1.5])
def test_binary_cross_entropy_rejects_targets_outside_unit_interval(target):
    with pytest.raises(ValueError, match=rf"targets in \[0, 1\], got {target!r} at index 0"):
        binary_cross_entropy_with_logits([Value(0.1)], [target])


def test_targets_must_be_finite_numbers():
    with pytest.raises(ValueError, match="finite targets, got nan at index 0"):
        mse([Value(0.1)], [math.nan])
    with pytest.raises(TypeError, match="numbers as targets, got str 'a' at index 0"):
        mse([Value(0.1)], ["a"])
    with pytest.raises(TypeError, match="numbers as labels, got bool True"):
        hinge([Value(0.1)], [True])


def test_softmax_cross_entropy_rejects_bad_classes_and_ragged_rows():
    rows = [[Value(0.1), Value(0.2)], [Value(0.3), Value(0.4)]]
    with pytest.raises(ValueError, match="class 2 at index 1, outside 0..1"):
        softmax_cross_entropy(rows, [0, 2])
    with pytest.raises(ValueError, match="class -1 at index 0"):
        softmax_cross_entropy(rows, [-1, 0])
    with pytest.raises(TypeError, match="integer class indices, got float 1.0 at index 0"):
        softmax_cross_entropy(rows, [1.0, 0])
    with pytest.raises(ValueError, match="row 0 has 2 logits, row 1 has 3"):
        softmax_cross_entropy([rows[0], rows[1] + [Value(0.5)]], [0, 0])
    with pytest.raises(ValueError, match="got no logits: it needs at least one"):
        softmax_cross_entropy([[]], [0])
    assert softmax_cross_entropy(rows, np.array([1, 0])).data > 0  # numpy class indices are fine


def test_l2_rejects_bad_alpha_and_no_parameters():
    with pytest.raises(ValueError, match="alpha >= 0, got -0.1"):
        l2([Value(1.0)], -0.1)
    with pytest.raises(TypeError, match="number as alpha, got str"):
        l2([Value(1.0)], "0.1")
    with pytest.raises(ValueError, match="got no parameters: it needs at least one"):
        l2([], 0.1)

