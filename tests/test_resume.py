"""``report --resume`` trusts nothing it reads (issue 11.5).

The file is validated against the shipped schema (a broken one is exit 2 with
one line naming what is wrong), and the verdicts of its finished functions are
recomputed from their stored numbers, so an edited file cannot pass.
"""

import json

import pytest

from compare.cli.main import main

ARGS = ["report", "--n", "2", "--depth", "1..2", "--no-training"]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    path = tmp_path_factory.mktemp("resume") / "run.json"
    assert main([*ARGS, "--json", str(path)]) == 0
    return json.loads(path.read_text())


def _resume(tmp_path, capsys, doc):
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    status = main([*ARGS, "--resume", str(path)])
    err = capsys.readouterr().err
    return status, err


def _edit(doc, how):
    doc = json.loads(json.dumps(doc))
    how(doc)
    return doc


def _drop(key, obj_of):
    return lambda d: obj_of(d).pop(key)


CORRUPTIONS = {
    "a JSON list": (lambda d: [d], "list"),
    "null": (lambda d: None, "null"),
    "functions as a string": (lambda d: {**d, "functions": "0:1:0"}, "functions"),
    "a function without rows": (lambda d: _edit(d, _drop("rows", lambda x: x["functions"][1])), "rows"),
    "a row without exact": (lambda d: _edit(d, _drop("exact", lambda x: x["functions"][0]["rows"][2])), "exact"),
    "an AD value that is a string": (
        lambda d: _edit(d, lambda x: x["functions"][0]["rows"][0]["ad"].__setitem__(0, "1.0")), "ad"),
    "no schema version": (lambda d: _edit(d, lambda x: x.pop("schema_version")), "schema_version"),
}


@pytest.mark.parametrize("what", CORRUPTIONS)
def test_resume_refuses_a_file_that_breaks_the_schema_naming_what_is_wrong(tmp_path, capsys, stored, what):
    corrupt, word = CORRUPTIONS[what]
    status, err = _resume(tmp_path, capsys, corrupt(stored))
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert word in err and "edited.json" in err


def test_resume_recomputes_verdicts_so_every_ad_value_plus_one_is_caught(tmp_path, capsys, stored):
    def plus_one(doc):
        for f in doc["functions"]:
            for row in f["rows"]:
                row["ad"] = [a + 1 for a in row["ad"]]

    status, err = _resume(tmp_path, capsys, _edit(stored, plus_one))
    assert status == 2, err
    assert "verdict" in err and stored["functions"][0]["id"] in err and "disagree" in err


def test_resume_catches_one_edited_tolerance(tmp_path, capsys, stored):
    def widen(doc):
        row = doc["functions"][-1]["rows"][-1]
        row["ad"][0] += 1.0
        row["error_ad"] = 1.0

    status, err = _resume(tmp_path, capsys, _edit(stored, widen))
    assert status == 2 and stored["functions"][-1]["id"] in err


def test_resume_of_an_intact_file_is_accepted_and_gives_the_same_result(tmp_path, capsys, stored):
    status, err = _resume(tmp_path, capsys, stored)
    assert status == 0, err
    again = json.loads((tmp_path / "edited.json").read_text())
    assert [f["id"] for f in again["functions"]] == [f["id"] for f in stored["functions"]]
    assert again["summary"] == stored["summary"]


def test_resume_recomputes_hessian_verdicts_too(tmp_path, capsys):
    args = ["report", "--n", "1", "--depth", "1..2", "--order", "2", "--no-training"]
    path = tmp_path / "order2.json"
    assert main([*args, "--json", str(path)]) == 0
    doc = json.loads(path.read_text())
    row = next(r for f in doc["functions"] for r in f["second_order"] if r["verdict"] == "agree")
    row["ad"][0][0] += 1.0
    path.write_text(json.dumps(doc))
    assert main([*args, "--resume", str(path)]) == 2
    assert "Hessian verdict is agree but its numbers say disagree" in capsys.readouterr().err
