"""Judging the stateful rules: the current table profile against history or a reference.

`lockgate.judge.verdicts` hands every stateful rule here. The verdicts keep the result shape of
every other rule. Two outcomes are passes that say why nothing was judged, in `observed`:
"not enough history: 3 of 7 runs" and "not computable: <reason>" (an empty or constant column
is reported by the rules made for that, not by drift). A rule that needs history when there is no
history store is a failure that says so: it was not checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.contract.rules import format_duration
from lockgate.profile.drift import (
    DEFAULT_THRESHOLDS,
    CategoricalSummary,
    categorical_drift,
    numeric_drift,
)
from lockgate.profile.model import ColumnStats, TableProfile, metric_value
from lockgate.results.model import Measurement, RuleResult
from lockgate.state.anomaly import HistoryPoint, judge_anomaly
from lockgate.state.change_rate import compare_buckets, judge_change, keep_rate_history
from lockgate.state.history import PastRun, TableHistory

DRIFT_LABELS = {
    "wasserstein": "Wasserstein/std",
    "jensen_shannon": "Jensen-Shannon distance",
    "psi": "PSI",
}


def judge_stateful(
    rule: ir.Rule, m: Measurement, history: TableHistory | None, now: dt.datetime | None = None
) -> RuleResult:
    """`now`: the check's logical time (weekly anomaly baselines compare the same weekday)."""
    profile: TableProfile = m.value
    expected = expected_text(rule)
    if isinstance(rule.measure, ir.HistoryMeasure) and (history is None or history.unavailable):
        reason = history.unavailable if history is not None else "no history store was given"
        message = f"not checked: {reason}; this rule compares with earlier runs"
        return RuleResult(rule, False, message, expected, None, profile.row_count, error=message)
    judge = JUDGES.handler(type(rule.measure))
    return judge(rule, profile, history or TableHistory(), now)


# Only stateful measures reach this module: the rest are judged from their measurement alone.
_NOT_STATEFUL = "not stateful: lockgate.judge.verdicts judges it from its measurement"
_OTHER_TRAITS = (ir.RowMeasure, ir.TableMeasure, ir.MetadataMeasure, ir.CrossServerMeasure)


def expected_text(rule: ir.Rule) -> str:
    return EXPECTED(rule.measure, rule)


EXPECTED: KindTable[Callable[[Any, ir.Rule], str]] = KindTable(
    "detectors: what a stateful rule expects, in words",
    ir.Measure,
    unsupported=dict.fromkeys(_OTHER_TRAITS, _NOT_STATEFUL),
)


@EXPECTED.register(ir.Advancement)
def _(m: ir.Advancement, rule: ir.Rule) -> str:
    allowance = (
        f"maxIdle {format_duration(m.max_idle)}"
        if m.max_idle is not None
        else "an allowance learned from the load cadence"
    )
    return f"max({rule.column}) not idle for longer than {allowance}"


@EXPECTED.register(ir.ChangeRate)
def _(m: ir.ChangeRate, rule: ir.Rule) -> str:
    per = f", per {m.by}" if m.by else ""
    history = f"share of updated rows not {m.max_drop:.0%} below its history{per}"
    return f"changes in >= {m.min_rate:.0%} of changed buckets, {history}"


@EXPECTED.register(ir.ConstantColumn)
def _(m: ir.ConstantColumn, rule: ir.Rule) -> str:
    bound = f", top value <= {m.max_top_share:.0%}" if m.max_top_share is not None else ""
    return f"several distinct values{bound}"


@EXPECTED.register(ir.Anomaly)
def _(m: ir.Anomaly, rule: ir.Rule) -> str:
    side = {"up": ", increases only", "down": ", decreases only"}.get(m.direction, "")
    side += ", same weekday" if m.seasonality == "weekly" else ""
    return (
        f"{m.metric} within the robust band of the last {m.window} runs (|z| <= "
        f"{m.threshold:g}{side})"
    )


@EXPECTED.register(ir.Drift)
def _(m: ir.Drift, rule: ir.Rule) -> str:
    default_warn, default_fail = DEFAULT_THRESHOLDS[m.method]
    fail = m.fail_at if m.fail_at is not None else default_fail
    warn = m.warn_at if m.warn_at is not None else default_warn
    levels = f"< {fail:g}" + (f" (warn at {warn:g})" if warn is not None else "")
    return f"{DRIFT_LABELS[m.method]} {levels} against {m.reference_file}"


def _result(rule: ir.Rule, passed: bool, observed: str, profile: TableProfile) -> RuleResult:
    return RuleResult(rule, passed, observed, expected_text(rule), None, profile.row_count)


def _not_enough(have: int, need: int) -> str:
    return f"not enough history: {have} of {need} {'run' if need == 1 else 'runs'}"


# -- advancement -----------------------------------------------------------------------------------


def _advancement(
    rule: ir.Rule, profile: TableProfile, history: TableHistory, now: dt.datetime | None = None
) -> RuleResult:
    """Idle time, not "different from the previous check": a retry minutes after a good load
    sees the same max and passes; a reload that changed nothing is idle since the previous load
    and fails once that exceeds the allowance, on its first check and on every retry after it."""
    m = ir.measure_as(rule, ir.Advancement)
    current = _latest(profile.columns.get(m.column))
    loads = [
        (run.as_of, v)
        for run in history.runs
        if (v := _latest(run.columns.get(m.column))) is not None
    ]
    previous = loads[-1][1] if loads else None
    if current is None:
        if previous is None:
            return _result(rule, True, _not_enough(0, 1), profile)
        return _result(
            rule,
            False,
            "no values now (the table is empty or the column all null); previous load: "
            f"{_show(previous)}",
            profile,
        )
    if previous is not None and isinstance(current, dt.datetime) != isinstance(
        previous, dt.datetime
    ):
        return _result(
            rule,
            True,
            "not computable: the column changed type since the previous load (latest "
            f"{_show(current)}, previous load {_show(previous)})",
            profile,
        )
    if previous is not None and current < previous:
        return _result(
            rule,
            False,
            f"went back: latest {_show(current)}, previous load {_show(previous)}",
            profile,
        )
    as_of = history.as_of or dt.datetime.now(dt.UTC)
    since = _unchanged_since(current, loads, history.state_since or as_of)
    idle = max((as_utc_aware(as_of) - as_utc_aware(since)).total_seconds(), 0.0)
    cadence = loads
    if history.state_since is not None and (previous is None or current != previous):
        cadence = loads + [(history.state_since, current)]  # the current data moved it
    allowance, source = _idle_allowance(m, cadence)
    if idle <= 0:
        if previous is None:
            return _result(rule, True, _not_enough(0, 1) + f" (latest {_show(current)})", profile)
        return _result(
            rule, True, f"latest {_show(current)}, previous load {_show(previous)}", profile
        )
    unchanged = (
        f"latest {_show(current)} unchanged for {format_duration(idle)} (since "
        f"{_show(as_utc_naive(since))})"
    )
    if allowance is None:
        return _result(rule, True, f"{unchanged}; {source}", profile)
    if idle > allowance:
        return _result(
            rule,
            False,
            f"did not advance: {unchanged}, longer than the idle allowance "
            f"{format_duration(allowance)} {source}",
            profile,
        )
    return _result(
        rule,
        True,
        f"{unchanged}, within the idle allowance {format_duration(allowance)} {source}",
        profile,
    )


#: a learned allowance is this share of the usual time between loads that moved the column: the
#: next scheduled load that changed nothing is idle for one whole interval, so it must fail, while a
#: retry or a manual look earlier in the interval passes
LEARNED_SHARE = 0.9
CADENCE_LOADS = 30


def _unchanged_since(
    current: Any, loads: list[tuple[dt.datetime, Any]], state_since: dt.datetime
) -> dt.datetime:
    """The logical time since which max(column) has been `current`: the first of the latest
    loads that already had it, or the first check of the current data."""
    since = state_since
    for when, value in reversed(loads):
        if value != current:
            break
        since = min(since, when, key=as_utc_aware)
    return since


def _idle_allowance(
    m: ir.Advancement, loads: list[tuple[dt.datetime, Any]]
) -> tuple[float | None, str]:
    """(seconds, where it comes from), or (None, why there is none yet). `loads`: (logical time,
    max) of the earlier loads and, when it moved the column, of the current data's first check."""
    if m.max_idle is not None:
        return m.max_idle, "(maxIdle)"
    moves = [when for i, (when, value) in enumerate(loads) if i == 0 or value != loads[i - 1][1]][
        -CADENCE_LOADS - 1 :
    ]
    gaps = sorted((as_utc_aware(b) - as_utc_aware(a)).total_seconds() for a, b in pairwise(moves))
    gaps = [g for g in gaps if g > 0]
    if not gaps:
        return (
            None,
            f"not enough history to learn the cadence: {len(moves)} of 2 loads that moved "
            "it (or set maxIdle)",
        )
    median = (
        gaps[len(gaps) // 2]
        if len(gaps) % 2
        else (gaps[len(gaps) // 2 - 1] + gaps[len(gaps) // 2]) / 2
    )
    loads_text = f"{len(gaps)} interval{'s' if len(gaps) != 1 else ''}"
    return (
        LEARNED_SHARE * median,
        f"(learned: {LEARNED_SHARE:.0%} of the median {format_duration(median)} between "
        f"loads, {loads_text})",
    )


def as_utc_aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _latest(stats: ColumnStats | None) -> Any:
    if stats is None:
        return None
    if stats.max_time is not None:
        return as_utc_naive(stats.max_time)
    return stats.maximum


def as_utc_naive(value: dt.datetime) -> dt.datetime:
    """Timestamps are compared and stored as naive UTC (naive ones are taken as UTC already)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _show(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return f"{value:g}" if isinstance(value, float) else str(value)


# -- change rate -----------------------------------------------------------------------------------


def _change_rate(
    rule: ir.Rule, profile: TableProfile, history: TableHistory, now: dt.datetime | None = None
) -> RuleResult:
    m = ir.measure_as(rule, ir.ChangeRate)
    if history.buckets is None:
        return _result(
            rule, True, _not_enough(0, 1) + f" (no earlier {profile.family} fingerprints)", profile
        )
    current = profile.buckets
    # profile_request asks for fingerprints for changeRate rules, and an engine that could not
    # compute them reports the rule as an error instead of handing it here
    assert current is not None
    keep_rate_history(rule.id, history.buckets, current)
    outcome = compare_buckets(history.buckets, current, m.column, m.buckets)
    if outcome is None:
        return _result(
            rule, True, _not_enough(0, 1) + f" (no earlier fingerprint of {m.column})", profile
        )
    if not outcome.occupied:
        return _result(rule, True, "not computable: the table is empty", profile)
    if not outcome.stable:
        return _result(
            rule,
            True,
            f"not computable: every one of {outcome.occupied} buckets gained or lost keys "
            f"since the previous run; raise buckets (now {outcome.buckets})",
            profile,
        )
    if outcome.touched == 0:
        return _result(
            rule,
            True,
            f"no rows changed since the previous run ({outcome.stable} buckets unchanged)",
            profile,
        )
    if outcome.touched < m.min_changed:
        return _result(
            rule,
            True,
            f"not computable: rows changed in only {outcome.touched} buckets, "
            f"{m.min_changed} needed to judge",
            profile,
        )
    passed, text = judge_change(rule.id, m, outcome, history.buckets, current)
    return _result(rule, passed, text, profile)


# -- constant --------------------------------------------------------------------------------------


def _constant(
    rule: ir.Rule, profile: TableProfile, history: TableHistory, now: dt.datetime | None = None
) -> RuleResult:
    m = ir.measure_as(rule, ir.ConstantColumn)
    stats = profile.columns.get(m.column)
    if not profile.row_count or stats is None or stats.distinct is None:
        return _result(rule, True, "not computable: the table is empty", profile)
    earlier = [
        distinct
        for run in _usable(history.runs, m.column, "distinctCount", m.window)
        if (distinct := run.columns[m.column].distinct) is not None
    ]
    if len(earlier) < m.min_history:
        return _result(rule, True, _not_enough(len(earlier), m.min_history), profile)
    most = max(earlier)
    past = f"up to {most} in the last {len(earlier)} {'run' if len(earlier) == 1 else 'runs'}"
    if most <= 1:
        return _result(
            rule,
            True,
            f"{stats.distinct} distinct value(s); constant in history too ({past})",
            profile,
        )
    if stats.distinct <= 1:
        what = "all null" if stats.non_null == 0 else "a single value"
        return _result(rule, False, f"{what} now ({stats.distinct} distinct); {past}", profile)
    top = stats.top_share
    if m.max_top_share is not None and top is not None and top > m.max_top_share:
        return _result(
            rule,
            False,
            f"one value holds {top:.1%} of non-null rows (at most {m.max_top_share:.0%}); "
            f"{stats.distinct} distinct, {past}",
            profile,
        )
    share = f", top value {top:.1%}" if top is not None else ""
    return _result(rule, True, f"{stats.distinct} distinct values{share}", profile)


def _usable(runs: list[PastRun], column: str | None, metric: str, window: int) -> list[PastRun]:
    """The last `window` runs that profiled `column` and whose point was not judged failed."""
    usable = [
        run
        for run in runs
        if (column is None or column in run.columns) and not run.is_failed(column, metric)
    ]
    return usable[-window:]


# -- anomaly ---------------------------------------------------------------------------------------


def _anomaly(
    rule: ir.Rule, profile: TableProfile, history: TableHistory, now: dt.datetime | None = None
) -> RuleResult:
    m = ir.measure_as(rule, ir.Anomaly)
    value, points = _series(m, profile, history.runs)
    if m.metric == "rowsAdded" and value is None:
        return _result(rule, True, _not_enough(0, m.min_history), profile)
    verdict = judge_anomaly(
        value,
        points,
        window=m.window,
        min_history=m.min_history,
        threshold=m.threshold,
        min_abs_tolerance=m.min_abs_tolerance,
        min_rel_tolerance=m.min_rel_tolerance,
        direction=m.direction,
        metric_name=m.metric,
        seasonality=m.seasonality,
        at=now,
    )
    if verdict.status == "insufficient_history":
        return _result(rule, True, _not_enough(verdict.history_size, m.min_history), profile)
    if verdict.status == "not_computable":
        stats = profile.columns.get(m.column) if m.column else None
        if not profile.row_count:
            reason = "the table is empty"
        elif stats is not None and stats.non_null and m.metric in ("mean", "min", "max"):
            reason = f"no {m.metric}: {m.column} holds no numbers (is it a text column?)"
        else:
            reason = f"no {m.metric} (the column has no values)"
        return _result(rule, True, f"not computable: {reason}", profile)
    return _result(rule, verdict.status == "pass", verdict.message, profile)


def _series(
    m: ir.Anomaly, profile: TableProfile, runs: list[PastRun]
) -> tuple[float | None, list[HistoryPoint]]:
    """The tested value and the history points, oldest first (failed points flagged)."""
    if m.metric == "rowsAdded":
        counted = [(run, rows) for run in runs if (rows := run.row_count) is not None]
        points = [
            HistoryPoint(float(b_rows - a_rows), b.is_failed(None, m.metric), b.as_of)
            for (_, a_rows), (b, b_rows) in zip(counted, counted[1:])
        ]
        last = counted[-1][1] if counted else None
        value = (
            None if last is None or profile.row_count is None else float(profile.row_count - last)
        )
        return value, points
    points = [
        HistoryPoint(
            metric_value(m.metric, run.row_count, run.columns.get(m.column) if m.column else None),
            run.is_failed(m.column, m.metric),
            run.as_of,
        )
        for run in runs
    ]
    value = metric_value(
        m.metric, profile.row_count, profile.columns.get(m.column) if m.column else None
    )
    return value, points


# -- drift -----------------------------------------------------------------------------------------


def _drift(
    rule: ir.Rule, profile: TableProfile, history: TableHistory, now: dt.datetime | None = None
) -> RuleResult:
    m = ir.measure_as(rule, ir.Drift)
    current = profile.summaries.get(rule.id)
    stats = profile.columns.get(m.column)
    if current is None:
        return _result(
            rule, True, "not computable: the reference has no values to compare with", profile
        )
    if stats is not None and stats.non_null and stats.distinct is not None and stats.distinct <= 1:
        return _result(
            rule,
            True,
            "not computable: the column holds a single value now (the constant rule judges that)",
            profile,
        )
    compare = categorical_drift if isinstance(m.reference, CategoricalSummary) else numeric_drift
    verdict = compare(
        m.reference,
        current,
        method=m.method,
        warn_at=m.warn_at,
        fail_at=m.fail_at,
        column_name=m.column,
    )
    if verdict.status == "not_computable":
        return _result(
            rule,
            True,
            "not computable: " + verdict.message.split("not computable: ", 1)[-1],
            profile,
        )
    if verdict.status == "warn":
        # a warn level is a failed check of warning severity, whatever the rule's own severity
        return RuleResult(
            replace(rule, severity="warning"),
            False,
            verdict.message,
            expected_text(rule),
            None,
            profile.row_count,
        )
    return _result(rule, verdict.status == "pass", verdict.message, profile)


#: the judge of each stateful measure: (rule, profile, history, the check's logical time)
JUDGES: KindTable[Callable[..., RuleResult]] = KindTable(
    "detectors: judge a stateful measure",
    ir.Measure,
    unsupported=dict.fromkeys(_OTHER_TRAITS, _NOT_STATEFUL),
)
JUDGES.register(ir.Advancement)(_advancement)
JUDGES.register(ir.ChangeRate)(_change_rate)
JUDGES.register(ir.ConstantColumn)(_constant)
JUDGES.register(ir.Anomaly)(_anomaly)
JUDGES.register(ir.Drift)(_drift)
