"""toygrad.optim: the first updates by hand, PyTorch's numbers, zero_grad, bad arguments, a training run."""

import math
import random

import numpy as np
import pytest

from toygrad import Constant, Value
from toygrad.data import moons
from toygrad.losses import hinge, l2
from toygrad.nn import MLP
from toygrad.optim import SGD, Adam


def two_steps(opt, w, grads):
    """Run opt.step() with w.grad set to each of grads in turn; return w.data after each step."""
    seen = []
    for g in grads:
        w.grad = g
        opt.step()
        seen.append(w.data)
    return seen


# ---------------------------------------------------------------- SGD


def test_sgd_first_two_updates_by_hand():
    w = Value(2.0)
    opt = SGD([w], lr=0.1)
    assert two_steps(opt, w, [0.5, -1.0]) == pytest.approx([2.0 - 0.1 * 0.5, 2.0 - 0.1 * 0.5 + 0.1 * 1.0], rel=1e-15)
    assert opt.steps == 2 and opt.lr == 0.1


def test_sgd_momentum_first_two_updates_follow_pytorch():
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    buf1 = 0.5  # the first buffer is the gradient itself
    buf2 = 0.9 * buf1 + -1.0
    assert two_steps(opt, w, [0.5, -1.0]) == pytest.approx([2.0 - 0.1 * buf1, 2.0 - 0.1 * buf1 - 0.1 * buf2], rel=1e-15)


def test_sgd_schedule_gives_each_steps_lr_like_micrograds_demo():
    w = Value(2.0)
    opt = SGD([w], lr=0.5, schedule=lambda k: 1.0 - 0.9 * k / 100)  # the schedule replaces lr
    assert opt.lr == 1.0
    assert two_steps(opt, w, [0.5, -1.0]) == pytest.approx([2.0 - 1.0 * 0.5, 2.0 - 0.5 + 0.991 * 1.0], rel=1e-15)
    assert opt.lr == pytest.approx(1.0 - 0.9 * 2 / 100, rel=1e-15)


def test_sgd_weight_decay_adds_decay_times_parameter_to_gradient():
    w = Value(2.0)
    opt = SGD([w], lr=0.1, weight_decay=0.01)
    first = 2.0 - 0.1 * (0.5 + 0.01 * 2.0)
    assert two_steps(opt, w, [0.5, -1.0]) == pytest.approx([first, first - 0.1 * (-1.0 + 0.01 * first)], rel=1e-15)


def test_sgd_schedule_below_zero_is_an_error_naming_the_step():
    w = Value(1.0)
    opt = SGD([w], schedule=lambda k: 0.5 - k)
    opt.step()
    with pytest.raises(ValueError, match=r"schedule\(1\) to return an lr >= 0 and finite, got -0.5"):
        opt.step()
    assert opt.steps == 1 and w.data == 1.0  # grad was 0, and the failed step changed nothing


# ---------------------------------------------------------------- Adam


def test_adam_first_two_updates_with_bias_correction():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w = Value(1.0)
    opt = Adam([w], lr=lr, betas=(b1, b2), eps=eps)
    m1, v1 = (1 - b1) * 0.5, (1 - b2) * 0.5**2
    w1 = 1.0 - lr / (1 - b1) * m1 / (math.sqrt(v1) / math.sqrt(1 - b2) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * -2.0, b2 * v1 + (1 - b2) * (-2.0) ** 2
    w2 = w1 - lr / (1 - b1**2) * m2 / (math.sqrt(v2) / math.sqrt(1 - b2**2) + eps)
    assert two_steps(opt, w, [0.5, -2.0]) == pytest.approx([w1, w2], rel=1e-15)
    assert w1 == pytest.approx(0.9, rel=1e-7)  # bias correction: the first step is lr * sign(g)


def test_adam_weight_decay_is_l2_added_to_the_gradient():
    w = Value(2.0)
    Adam([w], lr=0.1, weight_decay=0.5).step()  # grad 0: the decay alone drives the step
    assert w.data == pytest.approx(2.0 - 0.1, rel=1e-7)


def test_adam_step_with_zero_gradient_leaves_parameter_alone():
    w = Value(2.0)
    Adam([w]).step()
    assert w.data == 2.0


# ---------------------------------------------------------------- shared behaviour


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_zero_grad_resets_every_parameter(cls):
    ws = [Value(1.0), Value(2.0)]
    for w in ws:
        w.grad = 3.0
    cls(ws).zero_grad()
    assert [w.grad for w in ws] == [0.0, 0.0]


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_params_are_kept_as_a_list_and_steps_counted(cls):
    ws = [Value(1.0), Value(2.0)]
    opt = cls(w for w in ws)
    assert opt.params == ws and isinstance(opt.params, list)
    opt.step()
    opt.step()
    assert opt.steps == 2


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_numpy_scalars_are_accepted_as_hyperparameters(cls):
    assert cls([Value(1.0)], lr=np.float64(0.1)).lr == 0.1


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("cls", [SGD, Adam])
@pytest.mark.parametrize("lr", [0.0, -0.1, math.inf, math.nan])
def test_lr_must_be_positive_and_finite(cls, lr):
    with pytest.raises(ValueError, match=rf"{cls.__name__} needs lr > 0 and finite, got {lr!r}"):
        cls([Value(1.0)], lr=lr)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_params_must_be_distinct_variable_values(cls):
    x = Value(1.0)
    with pytest.raises(ValueError, match="empty list of params"):
        cls([])
    with pytest.raises(TypeError, match="Values as params, got float 1.0 at index 1"):
        cls([x, 1.0])
    with pytest.raises(TypeError, match="Values as params, got Constant"):
        cls([Constant(1.0)])
    with pytest.raises(TypeError, match="iterable of Values as params, got Value"):
        cls(x)
    with pytest.raises(ValueError, match="param 1 is the output of mul"):
        cls([x, x * 2])
    with pytest.raises(ValueError, match="same Value twice in params, at index 0 and 2"):
        cls([x, Value(2.0), x])
    with pytest.raises(TypeError, match="number as lr, got str '0.1'"):
        cls([x], lr="0.1")


@pytest.mark.parametrize("kwargs, message", [
    (dict(momentum=1.0), "momentum in \\[0, 1\\), got 1.0"),
    (dict(momentum=-0.1), "momentum in \\[0, 1\\), got -0.1"),
    (dict(weight_decay=-1e-4), "weight_decay >= 0 and finite, got -0.0001"),
])
def test_sgd_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([Value(1.0)], **kwargs)


def test_sgd_schedule_must_be_callable():
    with pytest.raises(TypeError, match="function of the step number as schedule, got float"):
        SGD([Value(1.0)], schedule=0.1)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(betas=(1.0, 0.999)), ValueError, "beta1 in \\[0, 1\\), got 1.0"),
    (dict(betas=(0.9, -0.1)), ValueError, "beta2 in \\[0, 1\\), got -0.1"),
    (dict(betas=0.9), TypeError, "betas as a pair \\(beta1, beta2\\), got float 0.9"),
    (dict(betas=(0.9, 0.99, 0.9)), TypeError, "betas as a pair"),
    (dict(eps=0.0), ValueError, "eps > 0 and finite .*got 0.0"),
    (dict(weight_decay=math.nan), ValueError, "weight_decay >= 0 and finite, got nan"),
])
def test_adam_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        Adam([Value(1.0)], **kwargs)


# ---------------------------------------------------------------- training: micrograd's demo


@pytest.fixture(scope="module")
def micrograd_demo_run():
    """micrograd's demo set-up, 100 steps: losses before each step, training accuracy after the last."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    X, y = moons(100, noise=0.1, seed=0)
    X, y = X.tolist(), y.tolist()
    opt = SGD(model.parameters(), schedule=lambda k: 1.0 - 0.9 * k / 100)
    losses = []
    for _ in range(100):
        loss = hinge([model(x) for x in X], y) + l2(model.parameters(), 1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    accuracy = sum((yi > 0) == (model(x).data > 0) for x, yi in zip(X, y)) / len(y)
    return losses, accuracy


def test_micrograd_demo_lowers_the_loss_in_20_steps(micrograd_demo_run):
    losses, _ = micrograd_demo_run
    assert losses[19] < losses[0] / 2


def test_micrograd_demo_fits_the_training_set_in_100_steps(micrograd_demo_run):
    losses, accuracy = micrograd_demo_run
    assert accuracy >= 0.97  # 1.0 when written; the margin absorbs rounding changes in the engine
    assert losses[-1] < 0.05


# ---------------------------------------------------------------- PyTorch
# Last in the file: importing torch adds ~10^5 objects that every cycle collection
# then walks, which doubles the time of the training run above.


def test_optimizers_match_torch_over_five_steps():
    torch = pytest.importorskip("torch")
    start = [0.3, -1.2, 2.0]
    grads = [[0.5, -0.1, 2.0], [-1.0, 0.3, 0.2], [0.1, 0.1, -3.0], [0.0, 2.0, 1.0], [-0.4, -0.4, 0.4]]
    for ours_cls, theirs_cls, kwargs in [
        (SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
        (Adam, torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ]:
        ws = [Value(x) for x in start]
        t = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        ours, theirs = ours_cls(ws, **kwargs), theirs_cls([t], **kwargs)
        for g in grads:
            for w, gi in zip(ws, g):
                w.grad = gi
            t.grad = torch.tensor(g, dtype=torch.float64)
            ours.step()
            theirs.step()
        assert [w.data for w in ws] == pytest.approx(t.detach().tolist(), rel=1e-12), ours_cls.__name__
