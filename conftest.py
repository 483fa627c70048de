"""Hypothesis profiles (``ci``, the default, keeps the suite fast; ``dev`` digs deeper), and shared fixtures.

Pick one with ``HYPOTHESIS_PROFILE=dev python -m pytest``.
"""

import importlib.util
import json
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=500, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", deadline=None, max_examples=10_000, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Modules whose doctests draw with an optional part: left out when it is missing (their tests skip with a reason).
collect_ignore = []
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore.append("compare/plots.py")


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """``report --quick --html --json`` run once: (exit status, the page, the JSON data, the page's path)."""
    pytest.importorskip("matplotlib", reason="the HTML report needs the plot extra: pip install -e '.[plot]'")
    from compare.cli.main import main

    out = tmp_path_factory.mktemp("report")
    code = main(["report", "--quick", "--html", str(out / "report.html"), "--json", str(out / "report.json")])
    return code, (out / "report.html").read_text(), json.loads((out / "report.json").read_text()), out / "report.html"
