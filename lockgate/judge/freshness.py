"""Freshness: the age of max(column) at the time of the check, and the values that are no age.

An age is only evidence of a live table when the newest value is a real load time. Two kinds of
value hide a stale table behind a "fresh" verdict, so both fail:

* a newest value in the future beyond a small tolerance: a time-zone bug (local time stored as
  UTC) or a loader's clock running ahead makes every row look young for hours;
* a placeholder ("sentinel") date: `9999-12-31` or `2999-...` for "open-ended" rows puts max() in
  the far future forever; `1900-01-01` or `1970-01-01` (epoch zero) as the newest value means the
  column holds defaults, not load times.

The tolerance (`valueExt` of the freshness SLA, default 5 minutes) absorbs clock skew between the
loader, the warehouse and the checker. A value that is not a date or timestamp (a VARCHAR column)
cannot be aged: the rule fails and says so, and the other rules still run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lockgate.contract.rules import LatestValue, Rule, format_duration
from lockgate.judge.thresholds import compare
from lockgate.results.model import Measurement, RuleResult

# Newest values that are defaults, not load times (dates of midnight UTC).
PAST_SENTINELS = (dt.date(1, 1, 1), dt.date(1900, 1, 1), dt.date(1970, 1, 1))
FAR_FUTURE_YEARS = 50  # further ahead than this is a placeholder, not a skewed clock


def judge_freshness(rule: Rule, m: Measurement, now: dt.datetime, expected: str) -> RuleResult:
    measure = rule.measure
    assert isinstance(measure, LatestValue)  # the judge sends only freshness rules here
    column = measure.column

    def result(passed: bool, observed: str, error: str | None = None) -> RuleResult:
        return RuleResult(rule, passed, observed, expected, None, m.total_rows, error=error)

    if m.value is None:
        return result(False, "no values: the table is empty or the column is all null")
    latest = as_timestamp(m.value)
    if latest is None:
        kind = type(m.value).__name__
        why = (
            f"cannot check freshness on {column}: max({column}) is a {kind} value "
            f"({m.value!r:.40}), not a timestamp or date; declare the column as a timestamp "
            "or point the SLA at one"
        )
        return result(False, why, error=why)
    age = (now - latest).total_seconds()
    when = latest.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if latest.date() in PAST_SENTINELS and latest.time() == dt.time():
        return result(False, f"max({column}) is {when} UTC, a placeholder date, not a load time")
    if -age > measure.future_tolerance:
        observed = (
            f"max({column}) is {format_duration(-age)} in the future "
            f"(tolerance {format_duration(measure.future_tolerance)}; latest {when} UTC)"
        )
        if latest.year - now.year >= FAR_FUTURE_YEARS:
            observed += ": a placeholder date such as 9999-12-31 hides the real newest load"
        else:
            observed += ": a time-zone bug or a clock running ahead"
        return result(False, observed)
    text = f"{format_duration(age)} old" if age >= 0 else f"{format_duration(-age)} in the future"
    return result(compare(age, rule.threshold), f"{text} (latest {when} UTC)")


def as_timestamp(value: Any) -> dt.datetime | None:
    """A date or timestamp as an aware UTC datetime (naive ones are taken as UTC, the convention
    of the reference warehouse); None for anything else (text, numbers)."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
