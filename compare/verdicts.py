"""The verdict of one check, from its stored numbers alone (no graph, no CAS).

:func:`compare.three_way.check_function` decides with :func:`verdict`, and
``report --resume`` recomputes the verdicts of a stored run with it, so an
edited file cannot pass. The verdicts are :data:`compare.three_way.VERDICTS`.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["verdict"]


def _off(measured: float, ball: dict[str, Any], tolerance: float) -> str:
    """``"certainly"`` if ``measured`` is off the truth by more than ``tolerance`` whatever the exact value in the
    ball, ``"maybe"`` if only the ball's midpoint says so, ``""`` if it is within."""
    gap = abs(measured - ball["mid"])
    if gap <= tolerance:
        return ""
    return "certainly" if ball["status"] == "certified" or gap - ball["rad"] > tolerance else "maybe"


def _g(x: float | None) -> str:
    return "unknown" if x is None else f"{x:.3g}"


def _useless(bound: float, size: float | None) -> bool:
    """A bound that cannot support ``agree``: not finite, or larger than the quantity it bounds."""
    return not math.isfinite(bound) or (size is not None and not bound <= size)


def verdict(r: Any) -> tuple[str, str]:
    """The verdict and its reason, from a :class:`compare.three_way.Check`'s own numbers (no graph, no CAS).

    :func:`check_function` decides with it, and ``report --resume`` recomputes
    the verdicts of a stored run with it, so an edited file cannot pass. The
    exact values are balls: ``agree`` needs every ball certified, and a gap
    that only the midpoint of an uncertified ball shows is ``undecided``.

    >>> from compare.three_way import Check
    >>> ball = {"mid": 1.0, "rad": 1e-17, "status": "certified", "prec": 128}
    >>> verdict(Check("f", "x", {"x": 1.0}, "agree", value=1.0, value_exact=1.0, value_tolerance=0.0,
    ...               ad=[2.0], exact=[1.0], tolerance=[1e-15], fd=[1.0], fd_tolerance=[1e-9],
    ...               ball=[ball], value_ball=ball))[0]
    'disagree'
    >>> verdict(Check("f", "x", {"x": 1.0}, "agree", value=1.0, value_exact=1.0, value_tolerance=0.0,
    ...               ad=[2.0], exact=[1.0], tolerance=[float("inf")], fd=[1.0], fd_tolerance=[1e-9],
    ...               ball=[ball], value_ball=ball))[0]
    'undecided'
    """
    if r.kink_flipped:
        return "non-smooth", r.kink_flipped
    for n, b in zip(r.point, r.ball):
        if b["status"] == "kink":
            return "non-smooth", f"the exact d/d{n} sits on a kink its ball cannot settle at {b['prec']} bits"
    for n, a, b, t in zip(r.point, r.ad, r.ball, r.tolerance):
        off = _off(a, b, t)
        if off == "certainly":
            return "disagree", (f"AD d/d{n} = {a!r} but exact = {b['mid']!r}: off by {abs(a - b['mid']):.3g}, "
                                f"tolerance {t:.3g}")
        if off:
            return "undecided", (f"AD d/d{n} = {a!r} is {abs(a - b['mid']):.3g} from the exact ball's midpoint, "
                                 f"tolerance {t:.3g}, but the ball is {b['rad']:.3g} wide at {b['prec']} bits")
    value_tol = r.value_tolerance
    off = _off(r.value, r.value_ball, value_tol)
    if off:
        gap = abs(r.value - r.value_exact)
        return ("disagree" if off == "certainly" else "undecided"), (
            f"forward value {r.value!r} but exact {r.value_exact!r}: off by {gap:.3g}"
            + ("" if off == "certainly" else f", and the exact ball is {r.value_ball['rad']:.3g} wide")
        )
    if r.contract:
        return "disagree", r.contract
    for n, a, e, t in zip(r.point, r.ad, r.exact, r.tolerance):  # AD equal to the truth needs no bound
        if a != e and _useless(t, r.gradient_scale):
            return "undecided", (
                f"the tolerance of d/d{n} ({t:.3g}) is not finite or exceeds the gradient's size "
                f"({_g(r.gradient_scale)}): rounding may have taken every digit here, so agreement proves nothing"
            )
    if r.value != r.value_exact and _useless(value_tol, r.value_scale):
        return "undecided", (
            f"the tolerance of the forward value ({value_tol:.3g}) is not finite or exceeds the value's size "
            f"({_g(r.value_scale)}): rounding may have taken every digit here, so agreement proves nothing"
        )
    if r.fd_excluded:
        return "non-smooth", r.fd_excluded
    loose = [(f"d/d{n}", b) for n, b in zip(r.point, r.ball) if b["status"] != "certified"]
    if r.value_ball["status"] != "certified":
        loose.append(("value", r.value_ball))
    if loose:
        what, b = loose[0]
        return "undecided", (f"the exact {what} is not certified: its ball is {b['rad']:.3g} wide at {b['prec']} "
                             "bits, more than a thousandth of the tolerance (or a node needed evalf)")
    steps = r.fd_step or [math.nan] * len(r.fd)
    for n, d, e, t, h in zip(r.point, r.fd, r.exact, r.fd_tolerance, steps):
        if not abs(d - e) <= t:
            return "fd-off", (
                f"AD agrees with the exact derivative; only the finite difference d/d{n} = {d!r} is off by "
                f"{abs(d - e):.3g} (step {h:.3g}, its error estimate {t:.3g})"
            )
    return "agree", ""
