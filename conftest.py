"""Hypothesis profiles: ``ci`` (the default) keeps the suite fast; ``dev`` digs deeper.

Pick one with ``HYPOTHESIS_PROFILE=dev python -m pytest``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=500, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", deadline=None, max_examples=10_000, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
