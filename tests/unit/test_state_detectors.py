"""Stateful detectors on synthetic histories: each test writes real runs into a real history store
(SQLite) through `validate_frames`, then judges the next load, including the cases where common
tools fail (a constant history, a persistent failure, empty and all-null columns)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import lockgate
from lockgate.state.anomaly import HistoryPoint, judge_anomaly
from lockgate.state.store import open_store
from tests.support.files import write_contract

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: loads
version: 1.0.0
status: active
schema:
  - name: loads
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
      - name: value
        logicalType: number
        quality:
          - type: custom
            engine: lockgate
            implementation: {{check: anomaly, metric: nullRate{null_args}}}
          - type: custom
            engine: lockgate
            implementation: {{check: anomaly, metric: mean, direction: up}}
      - name: label
        logicalType: string
        quality:
          - type: custom
            engine: lockgate
            implementation: {{check: constant, maxTopShare: 0.95}}
      - name: ts
        logicalType: timestamp
        quality:
          - type: custom
            engine: lockgate
            implementation: {{check: advancement}}
    quality:
      - type: custom
        engine: lockgate
        implementation: {{check: anomaly, metric: rowCount}}
"""


@pytest.fixture
def contract(tmp_path):
    return lockgate.load_contract(write_contract(tmp_path, CONTRACT.format(null_args="")))


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "history.sqlite") as s:
        yield s


def load(
    day: int,
    rows: int = 1000,
    *,
    null_rate: float = 0.02,
    mean: float = 10.0,
    labels=("a", "b", "c"),
    seed: int | None = None,
) -> pd.DataFrame:
    """One day's table: `rows` rows, `null_rate` of `value` null, timestamps of that day."""
    rng = np.random.default_rng(day if seed is None else seed)
    value = rng.normal(mean, 1.0, rows)
    value[: int(round(null_rate * rows))] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "value": value,
            "label": [labels[i % len(labels)] for i in range(rows)],
            "ts": pd.Timestamp("2026-01-01")
            + pd.Timedelta(days=day)
            + pd.to_timedelta(np.arange(rows), unit="s"),
        }
    )


def check(contract, store, df):
    result = lockgate.validate_frames(contract, {"loads": df}, as_of=NOW, history=store)
    return {r.rule.id: r for r in result.results}


def history_of(contract, store, days: int, **kwargs):
    for day in range(days):
        check(contract, store, load(day, **kwargs))


def test_a_constant_history_is_not_zero_tolerance_but_a_jump_fires(contract, store):
    history_of(contract, store, 10)  # row count exactly 1000 every day: MAD 0
    small = check(contract, store, load(10, rows=1030))["loads.anomaly.rowCount"]
    assert small.passed, small.observed  # within the 5 % minimum tolerance
    jump = check(contract, store, load(11, rows=1500))["loads.anomaly.rowCount"]
    assert not jump.passed
    assert jump.observed.startswith("rowCount 1500 is above the accepted band")
    assert "no spread in history" in jump.observed


def test_a_persistent_failure_fires_on_its_second_and_third_day(tmp_path, store):
    # window 3: without excluding failed points, day 3's baseline would be [0.02, 0.4, 0.4]
    contract = lockgate.load_contract(
        write_contract(tmp_path, CONTRACT.format(null_args=", window: 3, minHistory: 3"))
    )
    history_of(contract, store, 5)
    verdicts = [
        check(contract, store, load(5 + i, null_rate=0.4))["loads.value.anomaly.nullRate"]
        for i in range(3)
    ]
    assert [v.passed for v in verdicts] == [False, False, False]
    assert all("0.400 is above the accepted band" in v.observed for v in verdicts)
    assert "2 failed runs excluded" in verdicts[2].observed

    # the store marked them failed; ignoring the marks is exactly what would hide day 3
    past = store.table_history("loads", None, "loads", "pandas")
    assert [run.is_failed("value", "nullRate") for run in past.runs] == [False] * 5 + [True] * 3
    unmarked = [HistoryPoint(0.02), HistoryPoint(0.4), HistoryPoint(0.4)]
    assert (
        judge_anomaly(0.4, unmarked, window=3, min_history=3, min_abs_tolerance=0.01).status
        == "pass"
    )

    recovered = check(contract, store, load(8))["loads.value.anomaly.nullRate"]
    assert recovered.passed, recovered.observed


def test_not_enough_history_passes_and_says_so(contract, store):
    history_of(contract, store, 3)
    results = check(contract, store, load(3))
    assert results["loads.anomaly.rowCount"].passed
    assert results["loads.anomaly.rowCount"].observed == "not enough history: 3 of 7 runs"
    assert results["loads.value.anomaly.mean"].observed == "not enough history: 3 of 7 runs"


def test_direction_up_ignores_a_drop(contract, store):
    history_of(contract, store, 8)
    results = check(contract, store, load(8, mean=2.0))
    assert results["loads.value.anomaly.mean"].passed
    assert "is below the accepted band" in results["loads.value.anomaly.mean"].observed
    assert "but only increases are checked" in results["loads.value.anomaly.mean"].observed
    assert not check(contract, store, load(9, mean=20.0))["loads.value.anomaly.mean"].passed


def check_at(contract, store, df, as_of: dt.datetime):
    result = lockgate.validate_frames(contract, {"loads": df}, as_of=as_of, history=store)
    return {r.rule.id: r for r in result.results}


def test_advancement_fails_when_the_data_sits_idle_longer_than_its_cadence(contract, store):
    def at(day: int, minutes: int = 0, data_day: int | None = None):
        when = NOW + dt.timedelta(days=day, minutes=minutes)
        return check_at(contract, store, load(day if data_day is None else data_day), when)[
            "loads.ts.advancement"
        ]

    first = at(0)
    assert first.passed and first.observed.startswith("not enough history: 0 of 1 run")
    moved = at(1)
    assert (
        moved.passed
        and moved.observed == "latest 2026-01-02 00:16:39, previous load 2026-01-01 00:16:39"
    )
    retry = at(1, 10)  # the same load, ten minutes later: a retry, not a stale table
    assert retry.passed and retry.observed.startswith(
        "latest 2026-01-02 00:16:39 unchanged for 10m"
    )
    assert "within the idle allowance 21h 36m" in retry.observed
    assert at(2).passed
    assert at(2, 10).passed
    manual = at(2, 12 * 60)  # a manual look at noon
    assert (
        manual.passed
        and "within the idle allowance 21h 36m (learned: 90% of the median 1d between loads"
        in manual.observed
    )
    # the next nightly reload changed nothing: idle one whole day, on its first check and its retry
    for stale in (at(3, data_day=2), at(3, 10, data_day=2)):
        assert not stale.passed
        assert stale.observed.startswith(
            "did not advance: latest 2026-01-03 00:16:39 unchanged for 1d"
        )
        assert "since 2026-03-03 12:00:00" in stale.observed
    assert at(4).passed  # the load moved again


def test_advancement_with_max_idle(tmp_path, store):
    text = CONTRACT.format(null_args="").replace(
        "{check: advancement}", "{check: advancement, maxIdle: 26h}"
    )
    contract = lockgate.load_contract(write_contract(tmp_path, text))
    first = check_at(contract, store, load(0), NOW)["loads.ts.advancement"]
    assert first.passed
    next_night = check_at(contract, store, load(0), NOW + dt.timedelta(days=1))[
        "loads.ts.advancement"
    ]
    assert next_night.passed and "within the idle allowance 1d 2h (maxIdle)" in next_night.observed
    second_night = check_at(contract, store, load(0), NOW + dt.timedelta(days=2))[
        "loads.ts.advancement"
    ]
    assert not second_night.passed
    assert (
        second_night.observed
        == "did not advance: latest 2026-01-01 00:16:39 unchanged for 2d (since 2026-03-01 "
        "12:00:00), longer than the idle allowance 1d 2h (maxIdle)"
    )
    assert second_night.expected == "max(ts) not idle for longer than maxIdle 1d 2h"


def test_constant_fill_of_a_column_that_had_several_values(contract, store):
    history_of(contract, store, 3)
    filled = check(contract, store, load(3, labels=("unknown",)))["loads.label.constant"]
    assert not filled.passed
    assert filled.observed == "a single value now (1 distinct); up to 3 in the last 3 runs"
    again = check(contract, store, load(4, labels=("unknown",)))["loads.label.constant"]
    assert not again.passed  # the failed run is not the new normal
    dominated = check(contract, store, load(5, labels=("a",) * 99 + ("b",)))["loads.label.constant"]
    assert not dominated.passed and dominated.observed.startswith(
        "one value holds 99.0% of non-null rows (at most 95%)"
    )
    assert check(contract, store, load(6))["loads.label.constant"].passed


def test_a_column_that_was_always_constant_is_not_flagged(contract, store):
    history_of(contract, store, 3, labels=("eu",))
    result = check(contract, store, load(3, labels=("eu",)))["loads.label.constant"]
    assert result.passed and "constant in history too" in result.observed


def test_empty_table_and_all_null_column(contract, store):
    history_of(contract, store, 8)
    empty = check(contract, store, load(8, rows=0))
    assert empty["loads.value.anomaly.nullRate"].passed
    assert empty["loads.value.anomaly.nullRate"].observed == "not computable: the table is empty"
    assert empty["loads.label.constant"].observed == "not computable: the table is empty"
    assert not empty["loads.ts.advancement"].passed  # nothing new arrived
    assert empty["loads.ts.advancement"].observed.startswith("no values now")
    assert not empty["loads.anomaly.rowCount"].passed  # the rules that catch empty data are these

    nulls = load(9)
    nulls["value"] = np.nan
    nulls["label"] = None
    results = check(contract, store, nulls)
    assert results["loads.value.anomaly.mean"].passed
    assert (
        results["loads.value.anomaly.mean"].observed
        == "not computable: no mean (the column has no values)"
    )
    assert not results["loads.value.anomaly.nullRate"].passed  # 100 % nulls is the anomaly here
    assert not results["loads.label.constant"].passed
    assert results["loads.label.constant"].observed.startswith("all null now (0 distinct)")


def test_without_a_history_store_the_rules_say_they_were_not_checked(contract):
    result = lockgate.validate_frames(contract, {"loads": load(0)}, as_of=NOW)
    stateful = [r for r in result.results if r.rule.check in ("anomaly", "constant", "advancement")]
    assert len(stateful) == 5
    for r in stateful:
        assert not r.passed and r.error
        assert (
            r.observed
            == "not checked: no history store was given (validate(..., history=...)); this "
            "rule compares with earlier runs"
        )
    assert not result.passed


def test_drift_needs_no_history_and_is_not_computable_on_empty_or_all_null_data(tmp_path):
    from lockgate.state.reference_build import reference_from_frames

    text = CONTRACT.format(null_args="").replace(
        "            implementation: {check: anomaly, metric: mean, direction: up}",
        "            implementation: {check: anomaly, metric: mean, direction: up}\n"
        "          - {type: custom, engine: lockgate, implementation: {check: drift, "
        "reference: ref.json}}",
    )
    plain = lockgate.load_contract(write_contract(tmp_path, CONTRACT.format(null_args="")))
    (tmp_path / "ref.json").write_text(
        reference_from_frames(plain, {"loads": load(0)}).to_json(), encoding="utf-8"
    )
    contract = lockgate.load_contract(write_contract(tmp_path, text))

    def drift(df):
        return lockgate.validate_frames(contract, {"loads": df}, as_of=NOW).result(
            "loads.value.drift"
        )

    same = drift(load(1))
    assert same.passed and same.observed.startswith("value did not drift: Wasserstein/std = ")
    assert not drift(load(2, mean=11.0)).passed  # one standard deviation away
    assert drift(load(3, rows=0)).observed == "not computable: the current is empty (0 rows)"
    nulls = load(4)
    nulls["value"] = np.nan
    assert (
        drift(nulls).observed
        == "not computable: the current has no non-null values (all 1000 rows are null)"
    )
    constant = load(5)
    constant["value"] = 10.0
    result = drift(constant)
    assert (
        result.passed
        and result.observed
        == "not computable: the column holds a single value now (the constant rule judges that)"
    )


def test_as_of_is_the_logical_time_and_now_is_its_deprecated_alias(contract, store):
    naive = lockgate.validate_frames(
        contract, {"loads": load(0)}, as_of=dt.datetime(2026, 3, 1, 12), history=store
    )
    assert naive.as_of == NOW  # a naive time is UTC
    with pytest.warns(DeprecationWarning, match="pass `as_of=`"):
        old = lockgate.validate_frames(
            contract, {"loads": load(0)}, now=NOW + dt.timedelta(hours=1), history=store
        )
    assert old.as_of == NOW + dt.timedelta(hours=1)
    assert old.retry_of == {"loads": 1}  # the same frame again: a retry of the first check
    shown = store.recent_runs("loads")
    assert [(r["as_of"], r["retry_of"]) for r in shown] == [
        ("2026-03-01 13:00:00", 1),
        ("2026-03-01 12:00:00", None),
    ]
