"""The one place where measurements meet thresholds.

Engines only measure. Whatever engine produced a Measurement, the same rule gets the same verdict
here, which is what makes the parity between DuckDB, PostgreSQL and pandas hold by construction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lockgate.contract.describe import describe_expected
from lockgate.contract.rules import (
    ColumnType,
    ExtraColumns,
    LatestValue,
    RowCount,
    RowMeasure,
    Rule,
    StatefulMeasure,
)
from lockgate.judge.freshness import as_timestamp, judge_freshness
from lockgate.judge.thresholds import compare
from lockgate.results.model import Measurement, RuleResult


def judge(rule: Rule, m: Measurement, now: dt.datetime, history: Any = None) -> RuleResult:
    """`history` (a lockgate.state.history.TableHistory, None without a store) is read only by the
    stateful rules, which lockgate.state.detectors judges."""
    expected = expected_text(rule)
    if m.error is not None:
        return RuleResult(rule, False, m.error, expected, None, m.total_rows, error=m.error)
    measure = rule.measure
    if isinstance(measure, StatefulMeasure):
        from lockgate.state.detectors import judge_stateful  # lazy: numpy, for stateful rules

        return judge_stateful(rule, m, history, now)
    if isinstance(measure, RowMeasure):
        metric = (
            _percent(m.failed_rows, m.total_rows)
            if rule.threshold.unit == "percent"
            else m.failed_rows
        )
        observed: Any = metric
    elif isinstance(measure, LatestValue):
        return judge_freshness(rule, m, now, expected)
    else:
        metric = m.value
        observed = m.detail if m.detail is not None else m.value
    passed = compare(metric, rule.threshold)
    return RuleResult(rule, passed, observed, expected, m.failed_rows, m.total_rows)


def expected_text(rule: Rule) -> str:
    measure = rule.measure
    if isinstance(measure, ColumnType):
        tz = {True: " with time zone", False: " without time zone", None: ""}[measure.timezone]
        return f"logicalType {measure.logical_type}{tz}"
    if isinstance(measure, LatestValue):
        return f"age {rule.threshold.describe()}"
    if isinstance(measure, ExtraColumns):
        return "no columns beyond the contract"
    if isinstance(measure, StatefulMeasure):
        from lockgate.state.detectors import expected_text as stateful_expected  # lazy: numpy

        return stateful_expected(rule)
    if isinstance(measure, RowMeasure):
        # name the condition itself (`kwh <= 50`), not only how many rows may break it
        return describe_expected(rule)
    if isinstance(measure, RowCount):
        return f"row count {rule.threshold.describe()}"
    return rule.threshold.describe()


def _percent(failed: int | None, total: int | None) -> float | None:
    if failed is None:
        return None
    if not total:
        return 0.0
    return round(100.0 * failed / total, 6)


def as_utc(value: Any) -> dt.datetime:
    """Naive timestamps are taken as UTC, the convention of the reference warehouse."""

    stamp = as_timestamp(value)
    if stamp is None:
        raise TypeError(f"not a date or timestamp: {value!r}")
    return stamp
