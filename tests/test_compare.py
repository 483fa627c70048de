"""compare: the generator, the three-way check, the tolerance policy, sweeps."""

import math

import pytest

from compare.three_way import VERDICTS, check_function
from compare.subjects import FormulaSubject
from compare.generate import RandomFunction, Ref, generate, parse_id
from compare.selftest import _patched_op
from compare.sweep import InlineExecutor, executor_for, make_tasks, run_sweep
from compare.tolerance import error_bounds
from symbolic import parse
from toygrad import OPS, Value, topological


# ------------------------------------------------------------------ generator


def test_generator_is_deterministic_by_id():
    a = generate(seed=3, depth=4, index=2)
    b = generate(seed=3, depth=4, index=2)
    assert a == b and a.formula == b.formula
    assert generate(seed=3, depth=4, index=3).nodes != a.nodes
    assert parse_id(a.id) == (3, 4, 2)


@pytest.mark.parametrize("depth", [1, 3, 6])
def test_generated_depth_is_exact(depth):
    from symbolic import graph_depth

    for index in range(5):
        f = generate(seed=0, depth=depth, index=index)
        assert graph_depth(f.build(f.points[0])) == depth


def test_every_op_stays_inside_its_domain_at_every_sample_point():
    for index in range(40):
        f = generate(seed=1, depth=5, index=index)
        for p in f.points:
            for node in topological(f.build(p)):
                if node.op is not None and node.op.arity is not None:
                    assert node.op.domain.test(*[a.data for a in node.args]), (f.id, node.op.name)


def test_generator_makes_shared_subexpressions():
    shared = 0
    for index in range(30):
        f = generate(seed=0, depth=5, index=index)
        refs = [a.index for _, args in f.nodes for a in args if isinstance(a, Ref) and a.index >= len(f.variables)]
        shared += len(refs) != len(set(refs)) or len(refs) > len(f.nodes) - 1
    assert shared > 0


def test_generator_reports_rejections_and_respects_op_mix():
    f = generate(seed=0, depth=4, index=0, ops=["log", "sqrt", "add"])
    assert f.ops <= {"log", "sqrt", "add"}
    assert f.rejected >= 0
    assert sum(generate(seed=0, depth=4, index=i, ops=["log", "sqrt"]).rejected for i in range(10)) > 0


def test_require_forces_the_output_op():
    for name in OPS:
        f = generate(seed=0, depth=2, index=0, require=name)
        assert f.nodes[-1][0] == name


@pytest.mark.parametrize("kwargs", [{"depth": 0}, {"variables": 0}, {"ops": ["nope"]}, {"points": 0}])
def test_generator_rejects_bad_knobs(kwargs):
    with pytest.raises(ValueError):
        generate(**kwargs)


def test_parse_id_says_what_it_expects():
    with pytest.raises(ValueError, match="seed:depth:index"):
        parse_id("0-3-7")


# ------------------------------------------------------------------ the check


def test_correct_engine_agrees_on_a_sweep():
    rows = run_sweep(make_tasks(seed=5, depths=range(1, 6), n=6)).rows
    assert rows and {r["verdict"] for r in rows} <= {"agree", "non-smooth"}
    assert sum(r["verdict"] == "agree" for r in rows) >= 0.9 * len(rows)


def test_check_reports_every_method_time_and_size():
    [c, *_] = check_function(generate(seed=2, depth=3, index=1), sizes=True)
    assert c.verdict in VERDICTS
    assert len(c.ad) == len(c.exact) == len(c.symbolic_float) == len(c.fd) == len(c.tolerance) == 3
    assert set(c.times) >= {"ad", "tree", "dag", "lambdify_compile", "lambdify_eval", "exact", "fd", "tolerance",
                            "sizes"}
    assert set(c.sizes) == {"graph_ops", "tree_ops", "tree_ops_cse", "dag_ops"}
    assert all(isinstance(v, int) and v > 0 for v in c.sizes.values())


def test_sizes_and_dag_mode_are_computed_only_when_asked():
    [c, *_] = check_function(generate(seed=2, depth=3, index=1))
    assert c.sizes == {} and "dag" not in c.times and "sizes" not in c.times


def _checks_of(text, point):
    return check_function(FormulaSubject(parse(text)), [point])


def test_rule_off_by_one_part_in_a_million_is_caught():
    op = OPS["sin"]
    scaled = tuple(lambda *a, r=r: r(*a) * (1 + 1e-6) for r in op.rules)
    [before] = _checks_of("sin(x) * y", [0.7, 1.3])
    with _patched_op(op, rules=scaled):
        [after] = _checks_of("sin(x) * y", [0.7, 1.3])
    assert before.verdict == "agree"
    assert after.verdict == "disagree" and "d/dx" in after.reason


def test_kink_at_zero_is_non_smooth_and_ad_matches_convention():
    [c] = _checks_of("relu(x) + abs(x) * y", [0.0, 2.0])
    assert c.verdict == "non-smooth"
    assert c.ad == c.exact  # the conventions relu'(0) = abs'(0) = 0 agree exactly


def test_finite_difference_step_across_a_kink_is_non_smooth():
    [c] = _checks_of("relu(x - 1) * y", [1.0 + 1e-9, 2.0])
    assert c.verdict == "non-smooth" and "kink" in c.reason


def test_out_of_domain_point():
    [c] = _checks_of("log(x) + y", [-1.0, 2.0])
    assert c.verdict == "out-of-domain" and "log" in c.reason


def test_ill_conditioned_cancellation_widens_the_tolerance_and_still_agrees():
    # (1e8 + x) - 1e8 keeps only about 8 digits of x: the bound must grow with the loss
    [c] = _checks_of("log((100000000.0 + x) - 100000000.0 + y) * sin(x)", [1.1, 0.5])
    assert c.verdict == "agree"
    assert c.error_ad > 1e-12  # the AD gradient really is that far off...
    assert max(c.tolerance) > c.error_ad  # ...and the policy knew it could be


def test_finite_difference_leaving_the_domain_is_explained():
    [c] = _checks_of("log(x) * y", [1e-7, 2.0])
    assert c.verdict == "non-smooth" and "leaves the domain" in c.reason


def test_tolerance_scales_with_conditioning():
    x = Value(1.0, label="x")
    benign = (x * 2).sin()
    b = error_bounds(benign, [x]).gradient_tolerance()[0]
    y = Value(1.0, label="y")
    bad = ((y + 1e8) - 1e8).log()  # cancellation: forward error ~ u * 1e8
    w = error_bounds(bad, [y]).gradient_tolerance()[0]
    assert b < 1e-9 * abs(2 * math.cos(2.0))  # far below a rule off by one part in a million
    assert w > 1e6 * b


# ------------------------------------------------------------------ sweeps


def test_sweep_gives_the_same_rows_with_a_process_pool():
    tasks = make_tasks(seed=7, depths=[2, 3], n=3)
    inline = run_sweep(tasks).rows
    with executor_for(2) as pool:
        pooled = run_sweep(tasks, executor=pool).rows
    strip = lambda rows: [{k: v for k, v in r.items() if k != "times"} for r in rows]  # noqa: E731
    assert strip(inline) == strip(pooled)


def test_sweep_resumes_without_redoing_finished_tasks():
    tasks = make_tasks(seed=1, depths=[2], n=4)
    first = run_sweep(tasks[:2])
    done = {f["id"]: f for f in first.functions}
    seen = []
    rest = run_sweep(tasks, done=done, on_function=lambda f: seen.append(f["id"]))
    assert seen == [t.id for t in tasks[2:]]
    assert rest.complete and [f["id"] for f in rest.functions] == [t.id for t in tasks]


def test_inline_executor_is_an_executor():
    with InlineExecutor() as ex:
        assert ex.submit(math.sqrt, 4.0).result() == 2.0
        assert list(ex.map(abs, [-1, 2])) == [1, 2]


def test_random_function_builds_from_names_or_sequence():
    f = generate(seed=0, depth=2, index=1)
    p = f.points[0]
    assert f.build(p).data == f.build(dict(zip(f.variables, p))).data
    with pytest.raises(ValueError, match="x1"):
        f.build({"x0": 1.0})
    assert isinstance(f, RandomFunction)
