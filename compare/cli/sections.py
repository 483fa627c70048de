"""What the text and the HTML page of ``report`` and ``train`` share: titles, captions, columns, records.

Kept apart so that the page (:mod:`compare.cli.figures`) reads them without
importing the commands that print them.

>>> TITLES["agreement_by_depth"]
'Agreement by depth'
"""

from __future__ import annotations

from typing import Any

from .swell import CAPTION as SWELL_CAPTION

__all__ = ["TITLES", "SECTION_CAPTION", "TRAINING_CAPTION", "VERIFY_COLUMNS", "verification_records"]

#: the title of each table of the report's data
TITLES = {
    "agreement_by_depth": "Agreement by depth",
    "agreement_by_op": "Agreement by op (functions that contain the op)",
    "cost_by_depth": "Cost by depth: medians per function (times per point for AD, exact and lambdify)",
    "swell": SWELL_CAPTION,
    "second_order_by_depth": "Second derivatives by depth: Hessian by AD over AD and by finite differences of the "
                             "gradient, against the exact Hessian; first derivatives by forward and by reverse "
                             "mode against the exact ones",
    "coverage": "Coverage: the checks that exercised each region of each op (toygrad.regions), and their worst "
                "err/tol; GAP where no check reached it",
    "crossover": "A full gradient by forward mode (one sweep per input) and by reverse mode (one sweep for all)",
}

SECTION_CAPTION = ("Verified training: each gradient is checked on a mini-batch first (AD and finite differences "
                   "against the exact DAG-mode gradient, as certified balls), then the network is trained")
TRAINING_CAPTION = (
    "Training (accuracy for classification, RMSE for regression; symbolic: SymPy's gradient of one example, "
    "derived and compiled once, on the whole batch; gap: largest relative difference between the AD and the "
    "symbolic loss trajectories)"
)

VERIFY_COLUMNS = [("against", "against exact"), "parameters", ("max_error", "max rel. error"),
                  ("tolerance", "tolerance (rel.)"), ("worst_error_over_tolerance", "worst err/tol"), "verdict"]


def verification_records(v: Any) -> list[dict[str, Any]]:
    """A verification's two comparisons (AD and finite differences against the exact gradient) as records;
    ``v`` is a :class:`compare.training.Verification` or anything with its fields."""
    return [
        {"against": "AD (backward)", "parameters": v.parameters, "max_error": v.ad_error,
         "tolerance": v.ad_tolerance, "worst_error_over_tolerance": v.ad_worst,
         "verdict": "agree" if v.ad_agrees else "DISAGREE"},
        {"against": "finite differences", "parameters": v.parameters - v.fd_skipped, "max_error": v.fd_error,
         "tolerance": v.fd_tolerance, "worst_error_over_tolerance": v.fd_worst,
         "verdict": "agree" if v.fd_agrees else "DISAGREE"},
    ]
