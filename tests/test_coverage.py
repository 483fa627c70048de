"""Coverage of the op table's regions: the generator reaches them, bugs planted in one are caught,
kinks are checked under the convention, and the report counts coverage op x region."""

import pytest

from compare.three_way import check_function
from compare.cli.check import FormulaSubject
from compare.coverage import coverage, exercised, gaps
from compare.generate import generate
from compare.selftest import Mutant, _dropping_engine, _early_visit, _flipped_convention, _in_region, _patched_op, \
    _region, _scaled_by, caught_by
from symbolic import parse
from toygrad import OPS, Value


def _reached(op, depth, n):
    seen = set()
    for i in range(n):
        f = generate(seed=7, depth=depth, index=i, require=op)
        for p in f.points:
            seen.update(r for o, r in exercised(f.build(p)) if o == op)
    return seen


@pytest.mark.parametrize("op", list(OPS))
def test_generator_reaches_every_region_of_every_op(op):
    regions = {r.name for r in OPS[op].regions}
    assert regions - _reached(op, 3, 60) == set()


def test_every_row_has_regions_and_a_default_from_its_domain():
    assert all(op.regions for op in OPS.values())
    names = {r.name for r in OPS["div"].regions}
    assert "x1 = 0" not in names and "x0 = 0" in names  # the domain says y != 0


def _first_check_in(op, region, depth=2, n=80):
    for i in range(n):
        f = generate(seed=3, depth=depth, index=i, require=op)
        for c in check_function(f):
            if [op, region] in c.regions and c.verdict == "agree":
                return f, c
    raise AssertionError(f"no agreeing check reached {op}: {region}")


@pytest.mark.parametrize("op,region", [("pow", "x < 0, integer y"), ("log", "x large"), ("exp", "x < -20 (output tiny)"),
                                       ("dot", "9-32 terms")])
def test_bug_planted_in_one_region_is_caught(op, region):
    pairs = []
    for i in range(20):
        f = generate(seed=3, depth=2, index=i, require=op)
        pairs += [(f, c.to_dict()) for c in check_function(f) if c.verdict == "agree"]
    mutant = Mutant("m", "", lambda: _patched_op(OPS[op], **_in_region(OPS[op], _region(OPS[op], region),
                                                                        _scaled_by(1 + 1e-9))), op, region)
    assert caught_by(pairs) is None
    with mutant.plant():
        assert caught_by(pairs, mutant) is not None


def test_kink_is_checked_under_the_convention_and_a_flipped_convention_disagrees():
    subject = FormulaSubject(parse("relu(x) + abs(y)"))
    [c] = check_function(subject, [(0.0, 0.0)])
    assert c.verdict == "agree" and "kink" in c.fd_excluded and c.ad == c.exact == [0.0, 0.0]
    for name in ("relu", "abs"):
        with _patched_op(OPS[name], **_flipped_convention(OPS[name])):
            [c] = check_function(subject, [(0.0, 0.0)])
        assert c.verdict == "disagree", name
    with _patched_op(OPS["relu_dot"], **_flipped_convention(OPS["relu_dot"])):
        [c] = check_function(FormulaSubject(parse("relu_dot(x, y, 1.0, 0.0)")), [(0.0, 2.0)])
    assert c.verdict == "disagree"


def _shared(x):
    s = x * x
    return (s + s.sin()) * s


@pytest.mark.parametrize("plant", [_dropping_engine, _early_visit])
def test_sweep_mutants_change_the_gradient(plant):
    x = Value(1e-4, label="x") if plant is not _early_visit else Value(0.7, label="x")
    out = _shared(x)
    out.backward()
    right = x.grad
    with plant():
        out = _shared(x)
        x.grad = 0.0
        out.backward()
    assert x.grad != right


def test_coverage_table_counts_checks_and_lists_gaps():
    f, c = _first_check_in("relu", "at kink", depth=1)
    table = coverage([c.to_dict()], ["relu"])
    by = {e["region"]: e for e in table}
    assert by["at kink"]["checks"] == 1 and by["at kink"]["worst_err_over_tol"] is not None
    assert "relu: at kink" not in gaps(table) and gaps(table)
