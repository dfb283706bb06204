"""The one place where measurements meet thresholds.

Engines only measure. Whatever engine produced a Measurement, the same rule gets the same verdict
here, which is what makes the parity between DuckDB, PostgreSQL and pandas hold by construction.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from lockgate.contract.rules import (
    ROW_MEASURES,
    STATEFUL_MEASURES,
    ColumnType,
    ExtraColumns,
    LatestValue,
    RowCount,
    Rule,
    Threshold,
)
from lockgate.engines.results import Measurement, RuleResult


def judge(rule: Rule, m: Measurement, now: dt.datetime, history=None) -> RuleResult:
    """`history` (a lockgate.state.history.TableHistory, None without a store) is read only by the
    stateful rules, which lockgate.state.detectors judges."""
    expected = expected_text(rule)
    if m.error is not None:
        return RuleResult(rule, False, m.error, expected, None, m.total_rows, error=m.error)
    measure = rule.measure
    if isinstance(measure, STATEFUL_MEASURES):
        from lockgate.state.detectors import judge_stateful

        return judge_stateful(rule, m, history, now)
    if isinstance(measure, ROW_MEASURES):
        metric = (
            _percent(m.failed_rows, m.total_rows)
            if rule.threshold.unit == "percent"
            else m.failed_rows
        )
        observed: Any = metric
    elif isinstance(measure, LatestValue):
        from lockgate.engines.freshness import judge_freshness

        return judge_freshness(rule, m, now, expected)
    else:
        metric = m.value
        observed = m.detail if m.detail is not None else m.value
    passed = compare(metric, rule.threshold)
    return RuleResult(rule, passed, observed, expected, m.failed_rows, m.total_rows)


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
        return metric > target
    if op == "mustBeGreaterOrEqualTo":
        return metric >= target
    if op == "mustBeLessThan":
        return metric < target
    if op == "mustBeLessOrEqualTo":
        return metric <= target
    low, high = target
    inside = low <= metric <= high
    return inside if op == "mustBeBetween" else not inside


def expected_text(rule: Rule) -> str:
    measure = rule.measure
    if isinstance(measure, ColumnType):
        tz = {True: " with time zone", False: " without time zone"}.get(measure.timezone, "")
        return f"logicalType {measure.logical_type}{tz}"
    if isinstance(measure, LatestValue):
        return f"age {rule.threshold.describe()}"
    if isinstance(measure, ExtraColumns):
        return "no columns beyond the contract"
    if isinstance(measure, STATEFUL_MEASURES):
        from lockgate.state.detectors import expected_text as stateful_expected

        return stateful_expected(rule)
    if isinstance(measure, ROW_MEASURES):
        # name the condition itself (`kwh <= 50`), not only how many rows may break it
        from lockgate.review.describe import describe_expected

        return describe_expected(rule)
    if isinstance(measure, RowCount):
        return f"row count {rule.threshold.describe()}"
    return rule.threshold.describe()


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


def _percent(failed: int | None, total: int | None) -> float | None:
    if failed is None:
        return None
    if not total:
        return 0.0
    return round(100.0 * failed / total, 6)


def as_utc(value: Any) -> dt.datetime:
    """Naive timestamps are taken as UTC, the convention of the reference warehouse."""
    from lockgate.engines.freshness import as_timestamp

    stamp = as_timestamp(value)
    if stamp is None:
        raise TypeError(f"not a date or timestamp: {value!r}")
    return stamp
