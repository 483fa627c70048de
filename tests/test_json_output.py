"""What the commands write: JSON a program can read (issue 14.4) and tables that fit a terminal (14.5).

Every command runs twice in this process (same seed); its ``--json`` is validated
against the schema shipped in the package, walked for formatted numbers and
keys that are not snake_case, and compared between the two runs after dropping
the fields whose names say they are timings. Its printed output is held to 100
columns.
"""

import contextlib
import importlib.resources
import importlib.util
import io
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from compare.three_way import VERDICTS
from compare.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 100

RUNS = {
    "report": ["report", "--quick"],
    "report_order_2": ["report", "--n", "1", "--depth", "1..2", "--order", "2", "--no-training"],
    "check": ["check", "sin(x*y) + exp(x)", "--at", "x=0.3,y=2.0", "--order", "2"],
    "check_id": ["check", "--id", "0:4:1"],
    "swell": ["swell", "--n", "5"],
    "train": ["train", "moons", "--hidden", "4", "--steps", "3", "--points", "20"],
    "train_symbolic": ["train", "sine", "--hidden", "4", "--steps", "3", "--points", "20", "--method", "symbolic"],
    "selftest": ["selftest", "--per-op", "1"],
    "bench": ["bench", "--repeats", "1", "--chain", "1000", "--micrograd-repeats", "1"],
    "engines": ["engines", "--engine", "toygrad,micrograd", "--n", "1", "--depth", "1..2", "--workers", "1"],
    "engines_one": ["engines", "relu(x) * y", "--at", "x=0,y=2", "--engine", "toygrad,micrograd"],
}
NOT_SEEDED = {"bench"}  # a measurement: bytes per node come from the allocator, not from a seed

FORMATTED_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*(ns|us|ms|s|%|x)?\s*$")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
TIMING = re.compile(r"(^|_)(seconds?|times?)(_|$)")  # the names that say a field is a timing


def _run(argv, path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([*argv, "--json", str(path)])
    return status, out.getvalue(), json.loads(path.read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each command of RUNS, twice: (status, stdout, document) per run."""
    tmp = tmp_path_factory.mktemp("json")
    done = {}
    find_spec = importlib.util.find_spec
    with pytest.MonkeyPatch.context() as mp:  # torch takes seconds to import; its rows are the numpy floor's shape
        mp.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else find_spec(name, *a))
        for name, argv in RUNS.items():
            times = 1 if name in NOT_SEEDED else 2
            done[name] = [_run(argv, tmp / f"{name}.{k}.json") for k in range(times)]
    return done


@pytest.fixture(scope="module")
def schema():
    from compare.schema import load

    return load()


def _walk(x, key=None, parent=None):
    """Every (key, value, parent key) in a document, depth first."""
    yield key, x, parent
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _walk(v, k, key)
    elif isinstance(x, list):
        for v in x:
            yield from _walk(v, key, parent)


def _drop_timings(x):
    if isinstance(x, dict):
        return {k: _drop_timings(v) for k, v in x.items() if not TIMING.search(k)}
    if isinstance(x, list):
        return [_drop_timings(v) for v in x]
    return x


# ---------------------------------------------------------------- the schema


def test_the_schema_ships_as_package_data_and_pyproject_declares_it():
    text = importlib.resources.files("compare.schema").joinpath("compare.schema.json").read_text()
    raw = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(raw)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert "compare.schema" in setuptools["packages"] and "compare.cli" in setuptools["packages"]
    assert "compare.schema.json" in setuptools["package-data"]["compare.schema"]
    deps = config["project"]["dependencies"] + config["project"]["optional-dependencies"]["test"]
    assert any(d.startswith("jsonschema") for d in deps)


def test_the_loaded_schema_takes_its_verdicts_from_the_one_list(schema):
    keys = [v.replace("-", "_") for v in VERDICTS]
    assert schema["$defs"]["verdict"]["enum"] == list(VERDICTS)
    assert schema["$defs"]["verdict_counts"]["required"] == keys
    assert schema["$defs"]["verdict_counts"]["additionalProperties"] is False


@pytest.mark.parametrize("name", RUNS)
def test_every_commands_json_validates_against_the_shipped_schema(runs, schema, name):
    for status, _, doc in runs[name]:
        assert status in (0, 1), name
        jsonschema.validate(doc, schema)
        assert doc["command"] == RUNS[name][0]


def test_the_schema_rejects_a_formatted_number_and_a_missing_verdict_count(runs, schema):
    doc = json.loads(json.dumps(runs["report"][0][2]))
    doc["tables"]["cost_by_depth"][0]["ad_seconds"] = "15 us"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)
    doc = json.loads(json.dumps(runs["report"][0][2]))
    del doc["summary"]["verdicts"]["disagree"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


# ---------------------------------------------------------------- numbers, names, versions


@pytest.mark.parametrize("name", RUNS)
def test_json_holds_numbers_never_formatted_strings(runs, name):
    doc = runs[name][0][2]
    for key, value, _ in _walk(doc):
        if isinstance(value, str):
            assert value != "-", (name, key)
            assert not FORMATTED_NUMBER.match(value), (name, key, value)


@pytest.mark.parametrize("name", RUNS)
def test_json_keys_are_snake_case(runs, name):
    for key, value, parent in _walk(runs[name][0][2]):
        if isinstance(value, dict) and key != "point":  # a point's keys are the user's variable names
            bad = [k for k in value if not SNAKE_CASE.match(k)]
            assert not bad, (name, key, bad)


@pytest.mark.parametrize("name", RUNS)
def test_json_says_its_schema_version(runs, name):
    from compare.schema import SCHEMA_VERSION

    assert runs[name][0][2]["schema_version"] == SCHEMA_VERSION and isinstance(SCHEMA_VERSION, int)


def test_report_counts_every_verdict_zeros_included(runs):
    doc = runs["report"][0][2]
    keys = {v.replace("-", "_") for v in VERDICTS}
    counted = [value for key, value, _ in _walk(doc) if key == "verdicts"]
    assert len(counted) >= 1 + len(doc["tables"]["agreement_by_depth"]) + len(doc["tables"]["agreement_by_op"])
    for counts in counted:
        assert set(counts) == keys and all(isinstance(n, int) for n in counts.values())
    assert doc["summary"]["verdicts"]["disagree"] == 0
    assert doc["summary"]["checks"] == sum(doc["summary"]["verdicts"].values())


def test_report_tables_hold_seconds_errors_and_counts_as_numbers(runs):
    tables = runs["report"][0][2]["tables"]
    row = tables["cost_by_depth"][0]
    assert isinstance(row["ad_seconds"], float) and isinstance(row["graph_ops"], (int, float))
    row = tables["agreement_by_depth"][0]
    assert isinstance(row["functions"], int) and isinstance(row["ad_max_error"], float)
    assert isinstance(row["ad_worst_error_over_tolerance"], float)
    swell = tables["swell"][0]
    assert isinstance(swell["tree_seconds"], float) and isinstance(swell["tree_derivative_ops"], int)


@pytest.mark.parametrize("name", sorted(set(RUNS) - NOT_SEEDED))
def test_same_seed_gives_the_same_json_apart_from_timings(runs, name):
    (_, _, a), (_, _, b) = runs[name]
    assert _drop_timings(a) == _drop_timings(b)
    assert a != _drop_timings(a) or name == "selftest"  # timings are there, and named as such


def test_formatting_happens_only_in_the_cli():
    library = [p for p in (ROOT / "compare").glob("*.py")]
    for path in library:
        text = path.read_text()
        assert not re.search(r"\bfmt_(time|error)\b", text), path.name


# ---------------------------------------------------------------- a terminal's width


@pytest.mark.parametrize("name", RUNS)
def test_every_printed_line_fits_100_columns(runs, name):
    out = runs[name][0][1]
    assert out.strip()
    wide = [line for line in out.splitlines() if len(line) > WIDTH]
    assert not wide, "\n".join(wide)


def test_training_table_columns_mean_one_thing_each(runs):
    section = runs["report"][0][2]["training"]
    rows = {r["dataset"]: r for r in section["training"]}
    assert 0 <= rows["moons"]["train_accuracy"] <= 1 and rows["moons"]["train_rmse"] is None
    assert rows["sine"]["train_rmse"] >= 0 and rows["sine"]["train_accuracy"] is None
    out = runs["report"][0][1]
    assert "accuracy" in out and "RMSE" in out


def test_report_leaves_out_the_rows_of_ops_not_selected(tmp_path):
    out = io.StringIO()
    path = tmp_path / "r.json"
    with contextlib.redirect_stdout(out):
        assert main(["report", "--n", "2", "--depth", "1..2", "--ops", "sin,mul", "--no-training",
                     "--json", str(path)]) == 0
    doc = json.loads(path.read_text())
    assert [r["op"] for r in doc["tables"]["agreement_by_op"]] == ["mul", "sin"]
    lines = out.getvalue().splitlines()
    assert not [line for line in lines if re.match(r"^(log|dot|relu_dot|tanh)\s", line)]


def test_a_wide_table_is_split_and_every_part_repeats_the_first_column():
    from compare.cli.output import table

    headers = ["name"] + [f"column {k}" for k in range(20)]
    text = table([["row"] + [1.5] * 20], headers, "simple", 100)
    parts = text.split("\n\n")
    assert len(parts) >= 3
    assert all(p.startswith("name") for p in parts) and all(len(line) <= 100 for line in text.splitlines())
    assert all(f"column {k}" in text for k in range(20))


def test_width_zero_and_formats_for_other_programs_are_never_split():
    from compare.cli.output import table

    headers = ["name"] + [f"column {k}" for k in range(20)]
    for fmt, width in (("simple", 0), ("latex", 100), ("tsv", 100), ("html", 100)):
        text = table([["row"] + [1.5] * 20], headers, fmt, width)
        assert "\n\n" not in text, fmt


def test_a_long_caption_and_long_text_cells_wrap_at_the_width():
    from compare.cli.output import caption, table

    assert all(len(line) <= 60 for line in caption("word " * 50, 60).splitlines())
    text = table([["a", "a long reason " * 10]], ["id", "why"], "simple", 100)
    assert len(text.splitlines()) > 3 and all(len(line) <= 100 for line in text.splitlines())


def test_width_option_is_checked():
    assert main(["swell", "--n", "2", "--width", "10"]) == 2
