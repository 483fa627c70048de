"""The JSON Schema of what every command writes with ``--json`` (``compare.schema.json``, shipped here).

The file accepts any verdict name; :func:`load` fills in the verdicts of
:data:`compare.three_way.VERDICTS` (the one list), so a verdict or a verdict count
that the harness does not know fails validation. :func:`validate` answers with
one sentence naming what is wrong and where (``report --resume`` uses it).
Timing fields are named as such (:func:`is_timing`): nothing else differs
between two runs with the same seed.

>>> validate({"schema_version": SCHEMA_VERSION, "command": "swell", "settings": {"n": 1}, "rows": "none"})
Traceback (most recent call last):
...
ValueError: $.rows is a string ('none'), expected array
>>> is_timing("sweep_seconds"), is_timing("times"), is_timing("ad_max_error")
(True, True, False)
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import re
from collections import Counter
from typing import Any, Iterable, Mapping

__all__ = ["SCHEMA_VERSION", "load", "validate", "is_timing", "verdict_key", "verdict_counts"]

#: bumped whenever a field changes meaning or goes away (adding a field or a table does not bump it)
SCHEMA_VERSION = 1

_TIMING = re.compile(r"(^|_)(seconds?|times?)(_|$)")


def is_timing(key: str) -> bool:
    """True for a field whose name says it is a timing: ``*_seconds``, ``*_per_second``, ``times``, ``*_time_*``."""
    return bool(_TIMING.search(key))


def verdict_key(verdict: str) -> str:
    """A verdict as a snake_case key of a verdict count: ``non-smooth`` -> ``non_smooth``."""
    return verdict.replace("-", "_")


def verdict_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Checks by verdict: every verdict of ``compare.three_way.VERDICTS``, zeros included, snake_case keys."""
    from ..three_way import VERDICTS

    counts = Counter(r["verdict"] for r in rows)
    return {verdict_key(v): counts.get(v, 0) for v in VERDICTS}


@functools.lru_cache(maxsize=1)
def _loaded() -> dict[str, Any]:
    from ..three_way import VERDICTS  # here, not at the top: writing JSON must not import SymPy

    text = importlib.resources.files(__name__).joinpath("compare.schema.json").read_text()
    schema = json.loads(text)
    defs = schema["$defs"]
    defs["verdict"] = {"enum": list(VERDICTS)}
    defs["verdict_counts"] = {
        **defs["verdict_counts"],
        "required": [verdict_key(v) for v in VERDICTS],
        "properties": {verdict_key(v): {"$ref": "#/$defs/count"} for v in VERDICTS},
        "additionalProperties": False,
    }
    return schema


def load() -> dict[str, Any]:
    """The schema, with the harness's verdicts filled in (a fresh copy)."""
    return copy.deepcopy(_loaded())


def _kind(x: Any) -> str:
    names = {type(None): "null", bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    kind = names.get(type(x), "a number")
    if isinstance(x, (str, int, float)) and not isinstance(x, bool):
        text = repr(x)
        return f"{kind} ({text[:40]}{'...' if len(text) > 40 else ''})"
    return kind


def _sentence(error: Any) -> str:
    where = error.json_path
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{where} is {_kind(error.instance)}, expected {expected}"
    if error.validator == "required":
        missing = re.match(r"'([^']*)'", error.message)
        return f"{where} has no {missing.group(1) if missing else 'required field'!r}"
    return f"{where}: {error.message[:200]}"


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # only when a document is read back: writing JSON does not need it

    return jsonschema.Draft202012Validator(_loaded())


def validate(document: Any) -> None:
    """Raise ``ValueError`` naming the first thing in ``document`` that breaks the schema."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(document))
    if error is not None:
        raise ValueError(_sentence(error))
