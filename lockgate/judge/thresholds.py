"""ODCS operators applied to a metric: the comparison every verdict and every engine-free check
(freshness, the serving row validator, selftest) shares."""

from __future__ import annotations

import math
from typing import Any

from lockgate.contract.rules import Threshold


def compare(metric: Any, threshold: Threshold) -> bool:
    """Apply an ODCS operator. A missing metric (NULL from SQL) never passes."""
    if metric is None or (isinstance(metric, float) and math.isnan(metric)):
        return False
    op, target = threshold.operator, threshold.value
    if op == "mustBe":
        return _equal(metric, target)
    if op == "mustNotBe":
        return not _equal(metric, target)
    try:
        metric = float(metric)
    except (TypeError, ValueError):
        return False
    if op == "mustBeGreaterThan":
        return bool(metric > target)
    if op == "mustBeGreaterOrEqualTo":
        return bool(metric >= target)
    if op == "mustBeLessThan":
        return bool(metric < target)
    if op == "mustBeLessOrEqualTo":
        return bool(metric <= target)
    low, high = target
    inside = low <= metric <= high
    return inside if op == "mustBeBetween" else not inside


def _equal(metric: Any, target: Any) -> bool:
    if (
        isinstance(metric, (int, float))
        and isinstance(target, (int, float))
        and not isinstance(metric, bool)
    ):
        return math.isclose(float(metric), float(target), rel_tol=1e-9, abs_tol=1e-12)
    try:
        return float(metric) == float(target)
    except (TypeError, ValueError):
        return str(metric) == str(target)
