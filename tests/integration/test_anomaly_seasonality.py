"""`anomaly` with `seasonality: weekly`: a table loaded less at weekends does not alarm every
Saturday, and a Monday that looks like a Sunday does. Real DuckDB, the real SQLite history store;
each load at its own logical day."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pytest

import lockgate
from lockgate.state.anomaly import HistoryPoint, judge_anomaly
from lockgate.state.store import open_store
from tests.support.files import write_contract
from tests.support.loads import load_day

MONDAY = dt.datetime(2026, 2, 2, 6, 0, tzinfo=dt.UTC)  # a Monday

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: bookings
version: 1.0.0
status: active
servers:
  - server: duck
    type: duckdb
    database: "{duck}"
schema:
  - name: bookings
    properties:
      - name: booking_id
        logicalType: integer
        primaryKey: true
    quality:
      - type: custom
        engine: lockgate
        id: weekly
        implementation: {{check: anomaly, metric: rowCount, seasonality: weekly}}
      - type: custom
        engine: lockgate
        id: plain
        severity: warning
        implementation: {{check: anomaly, metric: rowCount}}
"""


def _volume(day: dt.datetime, rng: np.random.Generator) -> int:
    """About 1000 rows on weekdays, 300 on Saturdays and Sundays, with day-to-day noise."""
    base = 300 if day.weekday() >= 5 else 1000
    return int(base * rng.normal(1.0, 0.03))


def _land(path, rows: int, first_id: int = 0) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "CREATE OR REPLACE TABLE bookings AS SELECT range AS booking_id FROM range(?, ?)",
            [first_id, first_id + rows],
        )
    finally:
        con.close()


@pytest.fixture
def five_weeks(tmp_path):
    """A contract, its store, and 35 clean daily loads ending on the Sunday before MONDAY + 35d."""
    duck = tmp_path / "w.duckdb"
    _land(duck, 1)
    contract = lockgate.load_contract(write_contract(tmp_path, CONTRACT.format(duck=duck)))
    rng = np.random.default_rng(7)
    store = open_store(tmp_path / "history.sqlite")
    verdicts = []
    for i in range(35):
        day = MONDAY + dt.timedelta(days=i)
        _land(duck, _volume(day, rng))
        verdicts.append((day, load_day(contract, "duck", store, day)))
    yield contract, store, duck, verdicts
    store.close()


def test_weekends_do_not_alarm_once_there_is_history(five_weeks):
    _, _, _, verdicts = five_weeks
    weekly = [(day, r.result("weekly")) for day, r in verdicts]
    alarms = [(f"{day:%a %d}", v.observed) for day, v in weekly if not v.passed]
    assert alarms == []
    # the plain rule, for contrast: weekends fall outside a band learned mostly from weekdays
    plain = [day for day, r in verdicts if not r.result("plain").passed]
    assert plain and all(day.weekday() >= 5 for day in plain)


def test_a_monday_that_looks_like_a_sunday_fails(five_weeks):
    contract, store, duck, _ = five_weeks
    monday = MONDAY + dt.timedelta(days=35)
    _land(duck, 310)  # a Sunday's volume on a Monday: half the feed did not arrive
    verdict = load_day(contract, "duck", store, monday).result("weekly")
    assert not verdict.passed
    assert (
        "below the accepted band" in verdict.observed
        and "compared with 5 earlier Mondays" in verdict.observed
    )
    _land(duck, 995)  # the Tuesday after: a normal day passes again
    assert load_day(contract, "duck", store, monday + dt.timedelta(days=1)).result("weekly").passed


def test_a_sunday_with_a_weekday_volume_fails_too(five_weeks):
    contract, store, duck, _ = five_weeks
    # a backfill landing on a Sunday: three times the usual (new ids: a table with exactly the
    # content of an earlier load is that load's data state, whose verdict a check repeats)
    _land(duck, 1000, first_id=10**6)
    sunday = MONDAY + dt.timedelta(days=41)
    assert not load_day(contract, "duck", store, sunday).result("weekly").passed


def _points(days: int, start: dt.datetime = MONDAY) -> list[HistoryPoint]:
    rng = np.random.default_rng(3)
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        out.append(HistoryPoint(float(_volume(day, rng)), at=day))
    return out


def test_one_earlier_same_weekday_sets_the_level_and_a_new_weekday_meets_the_range():
    history = _points(12)  # Monday to the second Friday: one Saturday, one Sunday
    saturday = MONDAY + dt.timedelta(days=12)
    dip = judge_anomaly(280.0, history, min_history=7, seasonality="weekly", at=saturday)
    assert dip.status == "pass" and dip.message.endswith("weekly: compared with 1 earlier Saturday")
    assert (
        judge_anomaly(100.0, history, min_history=7, seasonality="weekly", at=saturday).status
        == "fail"
    )
    # the same dip without seasonality fails: the band is learned from mostly weekdays
    assert judge_anomaly(280.0, history, min_history=7, at=saturday).status == "fail"
    # five weekdays only: the first Saturday ever is judged against the range of all days
    weekdays = _points(5)
    first = judge_anomaly(
        300.0, weekdays, min_history=5, seasonality="weekly", at=MONDAY + dt.timedelta(days=5)
    )
    assert first.status == "fail" and "no earlier Saturday in the window" in first.message
    low = min(p.value for p in weekdays)
    near = judge_anomaly(
        low * 0.96, weekdays, min_history=5, seasonality="weekly", at=MONDAY + dt.timedelta(days=5)
    )
    assert near.status == "pass"


def test_weekly_without_a_logical_time_falls_back_and_says_so():
    verdict = judge_anomaly(1000.0, _points(21), seasonality="weekly", at=None)
    assert verdict.status == "pass" and "no logical time" in verdict.message


def test_an_unknown_seasonality_is_a_lint_error_at_its_key(tmp_path):
    from lockgate.contract.loader import analyze

    text = CONTRACT.format(duck="x.duckdb").replace("seasonality: weekly", "seasonality: monthly")
    _, findings = analyze(write_contract(tmp_path, text))
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 1 and "seasonality must be one of none, weekly" in errors[0].message
    line = next(
        i for i, text_line in enumerate(text.lstrip().splitlines(), 1) if "monthly" in text_line
    )
    assert errors[0].location.line == line
