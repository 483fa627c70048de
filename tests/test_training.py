"""compare.training: verification refuses wrong gradients, training works, symbolic == AD, the train command."""

import json
import random
import sys
import time
from contextlib import contextmanager

import numpy as np
import pytest

import symbolic
from compare import training
from compare.cli import train as traincmd
from compare.cli.main import main
from compare.training import (
    VerificationFailed, example_loss, fit, predict, prepare, setup_for, train, verify,
)
from toygrad import Value, losses
from toygrad.nn import MLP
from toygrad.ops import OPS


@contextmanager
def planted(name: str, factor: float):
    """The op's derivative rule(s) scaled by ``factor`` (a planted bug), restored afterwards."""
    op = OPS[name]
    if op.arity is None:
        saved, field = op.vjp, "vjp"
        wrong = lambda g, out, xs, v=saved: [factor * d for d in v(g, out, xs)]  # noqa: E731
    else:
        saved, field = op.rules, "rules"
        wrong = tuple(lambda g, out, *xs, r=r: factor * r(g, out, *xs) for r in saved)
    object.__setattr__(op, field, wrong)
    try:
        yield
    finally:
        object.__setattr__(op, field, saved)


def moons_problem(**overrides):
    return prepare(setup_for("moons", **overrides))


# ---------------------------------------------------------------- verification


def test_verification_agrees_on_the_correct_engine_for_micrograds_demo_network():
    v = moons_problem().verify()
    assert v.verdict == "agree" and v.passed, v.reason
    assert v.parameters == 337 and v.examples == 2
    assert v.ad_worst <= 1 and v.fd_worst <= 1
    assert v.ad_error < 1e-14 and v.fd_error < 1e-6
    assert v.fd_skipped < v.parameters


@pytest.mark.parametrize("dataset", ["sine", "spiral"])
def test_verification_agrees_for_the_other_losses_and_activations(dataset):
    v = prepare(setup_for(dataset, hidden=(4, 4))).verify()
    assert v.verdict == "agree", v.reason


def test_verification_refuses_a_relu_rule_off_by_one_percent():
    problem = moons_problem(hidden=(8, 8))
    with planted("relu", 1.01):
        v = problem.verify()
    assert v.verdict == "disagree" and not v.passed
    assert not v.ad_agrees and v.fd_agrees  # finite differences never read a rule
    assert v.reason.startswith("AD d loss/d layer")


def test_verification_catches_a_dot_rule_off_by_one_part_in_a_million():
    with planted("dot", 1 + 1e-6):
        v = moons_problem(hidden=(4,)).verify()
    assert v.verdict == "disagree", "a rule off by 1e-6 must be caught"


def test_train_raises_verification_failed_instead_of_training():
    with planted("relu", 1.01), pytest.raises(VerificationFailed, match="training is refused"):
        train("moons", hidden=(4,), steps=3)


def test_finite_differences_skip_a_step_that_crosses_a_kink_and_still_agree():
    model = MLP(1, [1, 1])
    model.layers[0].neurons[0].w[0].data = 1e-7  # relu's argument 1e-7 at x = 1: inside the FD step
    v = verify(model, losses.mse, np.array([[1.0]]), [2.0], l2=0.0)
    assert v.fd_skipped >= 1 and v.verdict == "agree", v.reason


def test_symbolic_gradient_with_value_gives_the_loss_then_the_gradient():
    random.seed(3)
    model = MLP(2, [3, 3, 1])
    params = model.parameters()
    loss = losses.hinge([model([0.5, -1.0]), model([1.5, 0.25])], [1, -1]) + losses.l2(params, 1e-4)
    symbols = symbolic.symbols_of(loss)
    point = {symbols[p]: p.data for p in params}
    both = symbolic.gradient(loss, wrt=params, mode="dag", with_value=True).evaluate(point)
    assert both[1:] == symbolic.gradient(loss, wrt=params, mode="dag").evaluate(point)
    assert float(both[0]) == pytest.approx(loss.data, rel=1e-15)


# ---------------------------------------------------------------- losses of one example


@pytest.mark.parametrize("loss, z, t, batch_targets", [
    ("hinge", [0.3], [-1.0], [-1]),
    ("mse", [0.3], [1.7], [1.7]),
    ("bce", [0.3], [1.0], [1.0]),
    ("bce", [-1000.0], [0.0], [0.0]),
    ("bce", [1000.0], [0.0], [0.0]),
    ("ce", [0.3, -1.2, 2.0], [0.0, 0.0, 1.0], [2]),
    ("ce", [1000.0, -1000.0, 0.0], [0.0, 1.0, 0.0], [1]),
])
def test_oneexample_loss_equals_toygrads_loss_and_gradient_even_at_extreme_logits(loss, z, t, batch_targets):
    zs = [Value(x) for x in z]
    ours = example_loss(loss, zs, [Value(x) for x in t])
    ours.backward()
    mine = [v.grad for v in zs]
    zs2 = [Value(x) for x in z]
    theirs = training.problem.LOSS_FUNCTIONS[loss]([zs2] if loss == "ce" else zs2, batch_targets)
    theirs.backward()
    assert ours.data == pytest.approx(theirs.data, rel=1e-14, abs=1e-300)
    assert mine == pytest.approx([v.grad for v in zs2], rel=1e-14, abs=1e-300)


def test_binary_cross_entropy_of_one_example_has_gradient_sigmoid_minus_y_at_its_kink():
    z = Value(0.0)
    example_loss("bce", [z], [Value(1.0)]).backward()
    assert z.grad == -0.5  # sigmoid(0) - 1, although relu'(0) = 0


# ---------------------------------------------------------------- training


def test_a_short_training_run_lowers_the_loss():
    run = train("circles", hidden=(8, 8), steps=20, points=40)
    assert run.losses[-1] < 0.5 * run.losses[0]
    assert run.final["train"] > run.history[0]["train"]
    assert [h["step"] for h in run.history][-1] == 20


def test_micrograds_demo_reaches_full_training_accuracy_in_100_steps():
    started = time.perf_counter()
    run = train("moons")
    print(f"micrograd's demo set-up: verification {run.times['verify']:.2f} s, 100 steps {run.times['train']:.2f} s, "
          f"total {time.perf_counter() - started:.2f} s")
    assert run.setup.hidden == (16, 16) and run.setup.l2 == 1e-4 and run.setup.steps == 100
    assert run.final["train"] == 1.0 and run.final["train_points"] == 100


@pytest.mark.parametrize("dataset, overrides", [
    ("moons", {"hidden": (8, 8), "steps": 25}),
    ("moons", {"hidden": (6,), "steps": 20, "loss": "bce", "optim": "momentum"}),
    ("moons", {"hidden": (6,), "steps": 20, "batch": 16}),
    ("spiral", {"hidden": (8,), "steps": 20}),
    ("sine", {"hidden": (8, 8), "steps": 30}),
])
def test_symbolic_and_ad_loss_trajectories_agree_to_1e9(dataset, overrides):
    run = fit(prepare(setup_for(dataset, **overrides)), "symbolic")
    ad = run.symbolic["ad_losses"]
    assert run.symbolic["max_gap"] == max(abs(a - b) / abs(a) for a, b in zip(ad, run.losses))
    assert run.symbolic["max_gap"] <= 1e-9
    assert len(run.symbolic["ad_losses"]) == len(run.losses) == overrides["steps"]
    assert run.losses[-1] < run.losses[0]


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b, c = (train("xor", hidden=(4,), steps=5, seed=s).losses for s in (7, 7, 8))
    assert a == b and a != c


def test_predict_matches_the_engines_forward_pass():
    problem = prepare(setup_for("spiral", hidden=(5, 4), activation="tanh"))
    X = problem.X_test[:5]
    engine = [[o.data for o in problem.model(row)] for row in X.tolist()]
    assert predict(problem.model, X) == pytest.approx(np.array(engine), rel=1e-12, abs=1e-14)


def test_training_section_verifies_and_trains_on_moons_and_sine():
    section = traincmd.training_section(quick=True)
    assert section["passed"]
    assert [r["dataset"] for r in section["training"]] == ["moons", "sine"]
    assert all(r["verdict"] == "agree" for r in section["verification"])
    json.dumps(section)
    text = traincmd.render_section(section, "github")
    assert "moons" in text and "AD/symbolic gap" in text


# ---------------------------------------------------------------- set-ups


def test_setup_for_gives_micrograds_demo_for_moons():
    s = setup_for("moons")
    assert (s.hidden, s.loss, s.optim, s.lr, s.steps, s.l2, s.points, s.noise) == (
        (16, 16), "hinge", "sgd", None, 100, 1e-4, 100, 0.1)


def test_setup_for_gives_a_new_optimizer_its_own_learning_rate():
    assert setup_for("moons", optim="adam").lr == training.OPTIMIZER_LR["adam"]
    assert setup_for("moons", optim="adam", lr=0.3).lr == 0.3


@pytest.mark.parametrize("dataset, loss, why", [
    ("sine", "hinge", "regression"), ("sine", "ce", "regression"), ("spiral", "hinge", "several classes"),
    ("spiral", "bce", "several classes"),
])
def test_setup_for_refuses_a_loss_that_does_not_fit_the_data_set(dataset, loss, why):
    with pytest.raises(ValueError, match=f"loss {loss} does not fit {dataset}, .*{why}"):
        setup_for(dataset, loss=loss)


# ---------------------------------------------------------------- the command line


def test_cli_trains_and_writes_json(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["train", "moons", "--hidden", "8", "--steps", "12", "--every", "4", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "AD (backward)" in text and "finite differences" in text and "train accuracy" in text
    data = json.loads(out.read_text())
    assert data["command"] == "train" and data["verification"]["passed"]
    assert [h["step"] for h in data["run"]["history"]] == [0, 4, 8, 12]
    assert len(data["run"]["losses"]) == 12 and data["run"]["final"]["test_points"] == 25


def test_cli_symbolic_method_reports_costs_and_the_gap(capsys):
    assert main(["train", "sine", "--hidden", "6", "--steps", "10", "--method", "symbolic"]) == 0
    text = capsys.readouterr().out
    assert "symbolic (SymPy, numpy)" in text and "largest relative gap" in text and "test RMSE" in text


def test_cli_refuses_to_train_a_wrong_gradient_with_exit_1(tmp_path, capsys):
    out = tmp_path / "refused.json"
    with planted("relu", 1.01):
        assert main(["train", "moons", "--hidden", "8", "--steps", "5", "--json", str(out)]) == 1
    text = capsys.readouterr().out
    assert "DISAGREE" in text and "refusing to train: AD d loss/d layer" in text
    assert "train accuracy" not in text
    assert json.loads(out.read_text())["verification"]["passed"] is False


@pytest.mark.parametrize("argv, choices", [
    (["train", "mnist"], ["moons", "circles", "xor", "spiral", "sine"]),
    (["train", "moons", "--loss", "l1"], ["hinge", "mse", "bce", "ce"]),
    (["train", "moons", "--optim", "lbfgs"], ["sgd", "momentum", "adam"]),
])
def test_cli_unknown_data_set_loss_or_optimizer_is_exit_2_listing_the_choices(argv, choices, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"invalid choice: '{argv[-1]}'" in err and err.count("\n") == 1
    assert err[err.index("choose from"):].replace("'", "").startswith("choose from " + ", ".join(choices))


@pytest.mark.parametrize("argv, message", [
    (["train", "moons", "--hidden", "16,x"], "expected comma-separated positive integers, like 16,16; got '16,x'"),
    (["train", "moons", "--hidden", "16,0"], "expected comma-separated positive integers, like 16,16"),
    (["train", "sine", "--loss", "ce"], "loss ce does not fit sine, a regression data set"),
    (["train", "moons", "--batch", "101"], "batch must be between 1 and the 100 training points"),
    (["train", "moons", "--lr", "-1"], "expected a positive number, got '-1'"),
    (["train", "moons", "--steps", "0"], "expected a whole number of at least 1, got '0'"),
    (["train", "moons", "--activation", "log"], "invalid choice: 'log'"),
    (["train", "moons", "--hidden", "4", "--loss", "mse", "--lr", "1e6", "--steps", "30"],
     "training diverged at step 4: dot left its domain or overflowed; a smaller --lr may help"),
])
def test_cli_bad_input_is_exit_2_with_one_line_saying_why(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    for dataset in ("moons", "sine"):
        path = tmp_path / f"{dataset}.png"
        assert main(["train", dataset, "--hidden", "4", "--steps", "3", "--plot", str(path)]) == 0
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote" in capsys.readouterr().out


def test_cli_plot_without_matplotlib_is_exit_2_saying_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["train", "moons", "--plot", str(tmp_path / "x.png")]) == 2
    assert "pip install -e '.[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
