"""The judge: operators, units, freshness, and measurements that could not be taken."""

from __future__ import annotations

import datetime as dt

import pytest

from lockgate.contract import rules as ir
from lockgate.judge.verdicts import compare, judge
from lockgate.results.model import Measurement

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def rule(measure, op="mustBe", value=0, unit="rows", severity="error"):
    return ir.Rule("t.c.x", "t", "c", "x", measure, ir.Threshold(op, value, unit), severity)


ROWS = ir.FailingRows(ir.IsNull("c"))


@pytest.mark.parametrize(
    "op, target, metric, ok",
    [
        ("mustBe", 0, 0, True), ("mustBe", 0, 1, False),
        ("mustNotBe", 0, 0, False), ("mustNotBe", 0, 3, True),
        ("mustBeGreaterThan", 10, 10, False), ("mustBeGreaterThan", 10, 11, True),
        ("mustBeGreaterOrEqualTo", 10, 10, True), ("mustBeGreaterOrEqualTo", 10, 9, False),
        ("mustBeLessThan", 5, 5, False), ("mustBeLessThan", 5, 4.99, True),
        ("mustBeLessOrEqualTo", 5, 5, True), ("mustBeLessOrEqualTo", 5, 5.01, False),
        ("mustBeBetween", (1, 3), 1, True), ("mustBeBetween", (1, 3), 3, True),
        ("mustBeBetween", (1, 3), 3.5, False),
        ("mustNotBeBetween", (1, 3), 2, False), ("mustNotBeBetween", (1, 3), 0, True),
    ],
)  # fmt: skip
def test_operators(op, target, metric, ok):
    assert compare(metric, ir.Threshold(op, target)) is ok


def test_null_metrics_never_pass():
    assert compare(None, ir.Threshold("mustBeLessThan", 5)) is False
    assert compare(float("nan"), ir.Threshold("mustNotBe", 0)) is False


def test_percent_is_of_all_rows():
    r = judge(
        rule(ROWS, "mustBeLessOrEqualTo", 5, "percent"),
        Measurement(failed_rows=6, total_rows=100),
        NOW,
    )
    assert (r.passed, r.observed, r.failed_rows, r.expected) == (
        False,
        6.0,
        6,
        "c not null (failing rows <= 5%)",
    )
    assert judge(
        rule(ROWS, "mustBeLessOrEqualTo", 5, "percent"),
        Measurement(failed_rows=5, total_rows=100),
        NOW,
    ).passed
    empty = judge(
        rule(ROWS, "mustBeLessOrEqualTo", 5, "percent"),
        Measurement(failed_rows=0, total_rows=0),
        NOW,
    )
    assert empty.passed and empty.observed == 0.0


def test_rows_unit_compares_the_count():
    r = judge(rule(ROWS), Measurement(failed_rows=2, total_rows=10), NOW)
    assert (r.passed, r.observed, r.expected) == (False, 2, "c not null (failing rows = 0)")


def test_freshness_is_judged_against_now():
    fresh = rule(ir.LatestValue("ts"), "mustBeLessOrEqualTo", 86400, "seconds")
    ok = judge(fresh, Measurement(value=dt.datetime(2026, 1, 15, 0, 0)), NOW)
    assert (
        ok.passed
        and ok.observed == "12h old (latest 2026-01-15 00:00:00 UTC)"
        and ok.expected == "age <= 1d"
    )
    late = judge(
        fresh,
        Measurement(
            value=dt.datetime(2026, 1, 13, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=-1)))
        ),
        NOW,
    )
    assert not late.passed and late.observed == "2d old (latest 2026-01-13 12:00:00 UTC)"
    day = judge(fresh, Measurement(value=dt.date(2026, 1, 15)), NOW)
    assert day.passed
    empty = judge(fresh, Measurement(value=None, total_rows=0), NOW)
    assert not empty.passed and "empty" in empty.observed


def test_a_timestamp_slightly_ahead_of_the_clock_is_fresh_and_says_so():
    """Clock skew within the tolerance (5 minutes by default): fresh, and not called old."""
    fresh = rule(ir.LatestValue("ts"), "mustBeLessOrEqualTo", 86400, "seconds")
    ahead = judge(fresh, Measurement(value=dt.datetime(2026, 1, 15, 12, 4)), NOW)
    assert ahead.passed and ahead.observed == "4m in the future (latest 2026-01-15 12:04:00 UTC)"


def test_a_timestamp_far_ahead_of_the_clock_fails_and_names_the_tolerance():
    fresh = rule(ir.LatestValue("_loaded_at"), "mustBeLessOrEqualTo", 86400, "seconds")
    ahead = judge(fresh, Measurement(value=dt.datetime(2026, 1, 17, 6, 0)), NOW)
    assert not ahead.passed
    assert ahead.observed.startswith(
        "max(_loaded_at) is 1d 18h in the future (tolerance 5m; latest 2026-01-17 06:00:00 UTC)"
    )
    assert "time-zone" in ahead.observed
    loose = rule(
        ir.LatestValue("_loaded_at", future_tolerance=2 * 86400),
        "mustBeLessOrEqualTo",
        86400,
        "seconds",
    )
    assert judge(loose, Measurement(value=dt.datetime(2026, 1, 17, 6, 0)), NOW).passed


@pytest.mark.parametrize(
    "sentinel, words",
    [
        (dt.datetime(9999, 12, 31), "placeholder date such as 9999-12-31"),
        (dt.date(2999, 1, 1), "placeholder date such as 9999-12-31"),
        (dt.datetime(1970, 1, 1), "a placeholder date, not a load time"),
        (dt.date(1900, 1, 1), "a placeholder date, not a load time"),
    ],
)
def test_sentinel_dates_are_not_fresh(sentinel, words):
    """Even a century-long SLA does not accept a placeholder as the newest load."""
    lenient = rule(ir.LatestValue("ts"), "mustBeLessOrEqualTo", 200 * 365 * 86400, "seconds")
    verdict = judge(lenient, Measurement(value=sentinel), NOW)
    assert not verdict.passed and words in verdict.observed and verdict.error is None


def test_freshness_on_text_is_a_failed_rule_that_says_why():
    fresh = rule(ir.LatestValue("ts"), "mustBeLessOrEqualTo", 86400, "seconds")
    verdict = judge(fresh, Measurement(value="2026-01-15 10:00:00", total_rows=3), NOW)
    assert not verdict.passed
    assert verdict.observed.startswith("cannot check freshness on ts: max(ts) is a str value")
    assert verdict.error == verdict.observed


def test_unmeasurable_rules_fail_with_the_reason():
    r = judge(rule(ROWS), Measurement(error="column c missing from table t (it has: a)"), NOW)
    assert (
        not r.passed
        and r.observed == "column c missing from table t (it has: a)"
        and r.failed_rows is None
    )


def test_warnings_never_fail_the_verdict():
    from lockgate.results.model import ValidationResult

    result = ValidationResult("c", "1", "h", None, "sql", NOW)
    result.results.append(
        judge(rule(ROWS, severity="warning"), Measurement(failed_rows=3, total_rows=3), NOW)
    )
    assert result.passed and result.failures
    result.results.append(judge(rule(ROWS), Measurement(failed_rows=1, total_rows=3), NOW))
    assert not result.passed


def test_type_rules_show_the_live_type():
    r = judge(
        rule(ir.ColumnType("c", "integer"), unit="value"),
        Measurement(value=1, detail="VARCHAR"),
        NOW,
    )
    assert (r.passed, r.observed, r.expected) == (False, "VARCHAR", "logicalType integer")
