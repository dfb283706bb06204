"""The upstream simulator's clean behaviour: determinism, continuation, believable data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dagster_project.simulator import (
    DuckDBTarget,
    Failure,
    SimulatorError,
    catch_up,
    land_day,
    land_days,
    land_next_day,
    reset,
    status,
)
from dagster_project.simulator.schema import KEY_PATTERNS, TABLES

try:
    from .simulator_fixtures import START, duckdb_target, loaded_at, read_raw
except ImportError:
    from simulator_fixtures import START, duckdb_target, loaded_at, read_raw  # noqa: F401


def _all_tables(target) -> dict[str, pd.DataFrame]:
    return {t: read_raw(target, t) for t in TABLES}


def test_same_seed_and_start_give_identical_tables(tmp_path):
    a, b, c = (DuckDBTarget(tmp_path / f"{n}.duckdb") for n in "abc")
    land_days(a, 4, seed=7, start=START)
    land_days(b, 4, seed=7, start=START)
    land_days(c, 4, seed=8, start=START)
    tables_a, tables_b = _all_tables(a), _all_tables(b)
    for table in TABLES:
        assert len(tables_a[table]) > 0, table
        pd.testing.assert_frame_equal(tables_a[table], tables_b[table], obj=table)
    other = read_raw(c, "service_requests")
    assert not tables_a["service_requests"]["budget_eur"].equals(other["budget_eur"])


def test_continuing_in_later_calls_equals_one_run(tmp_path):
    one, parts = DuckDBTarget(tmp_path / "one.duckdb"), DuckDBTarget(tmp_path / "parts.duckdb")
    land_days(one, 7, start=START)

    land_days(parts, 2, start=START)
    land_next_day(parts)
    land_day(parts, START + dt.timedelta(days=3))
    land_days(parts, 3)  # continues after the last landed day
    assert status(parts).state.last_day == START + dt.timedelta(days=6)
    for table, expected in _all_tables(one).items():
        pd.testing.assert_frame_equal(read_raw(parts, table), expected, obj=table)


def test_days_must_land_in_order_and_keep_their_seed(duckdb_target):
    land_days(duckdb_target, 2, seed=3, start=START)
    with pytest.raises(SimulatorError, match="next day to land is 2026-03-04"):
        land_day(duckdb_target, START + dt.timedelta(days=5))
    with pytest.raises(SimulatorError, match="seed 3, not 4"):
        land_days(duckdb_target, 1, seed=4)
    with pytest.raises(SimulatorError, match="starts on 2026-03-02"):
        land_days(duckdb_target, 1, start=START + dt.timedelta(days=1))


def test_default_timeline_ends_with_the_last_load_the_clock_has_seen(duckdb_target, monkeypatch):
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-06-30")  # 00:00 UTC: the load of 06-29 has run
    yesterday = dt.date(2026, 6, 29)
    reports = land_days(duckdb_target, 3)
    assert [r.day for r in reports] == [yesterday - dt.timedelta(days=2 - i) for i in range(3)]
    requests = read_raw(duckdb_target, "service_requests")
    assert requests["_loaded_at"].max() == loaded_at(yesterday)
    assert requests["requested_at"].min().date() == yesterday - dt.timedelta(days=2)
    assert catch_up(duckdb_target) == []  # already up to date

    reset(duckdb_target)
    assert status(duckdb_target).state is None
    land_days(duckdb_target, 2, start=yesterday - dt.timedelta(days=5))
    caught = catch_up(duckdb_target)
    assert [r.day for r in caught] == [yesterday - dt.timedelta(days=i) for i in (3, 2, 1, 0)]


def test_no_load_is_later_than_the_clock(duckdb_target, monkeypatch):
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-06-30")
    land_days(duckdb_target, 2)
    with pytest.raises(
        SimulatorError,
        match=r"day 2026-06-30 cannot land yet: its load runs at 2026-06-30 23:30 UTC",
    ):
        land_next_day(duckdb_target)
    with pytest.raises(SimulatorError, match="cannot land yet"):
        land_days(duckdb_target, 3)  # would continue past the clock
    assert status(duckdb_target).state.last_day == dt.date(2026, 6, 29)  # nothing was written

    monkeypatch.setenv("LOCKGATE_TODAY", "2026-07-01")  # the next morning: the load has run
    assert land_next_day(duckdb_target).day == dt.date(2026, 6, 30)
    clock_now = pd.Timestamp("2026-07-01 00:00:00")
    for table in TABLES:
        landed = read_raw(duckdb_target, table)
        assert landed["_loaded_at"].max() <= clock_now, table


def test_two_landings_on_the_same_clock_and_seed_are_identical(tmp_path, monkeypatch):
    """The whole warehouse, bookkeeping included, is a function of the clock and the seed."""
    monkeypatch.setenv("LOCKGATE_TODAY", "2026-06-30")
    first, second = (DuckDBTarget(tmp_path / f"{n}.duckdb") for n in ("first", "second"))
    for target in (first, second):
        monkeypatch.setenv("LOCKGATE_TODAY", "2026-06-30")
        land_days(target, 5, seed=5)
        monkeypatch.setenv("LOCKGATE_TODAY", "2026-07-01")  # a failure draws from its own stream
        land_next_day(target, [Failure("duplicate_keys", "quotes")])
    names = [*TABLES, "_simulator_state", "_simulator_loads"]
    one, two = _every_table(first), _every_table(second)
    assert sorted(one) == sorted(two) and set(names) <= set(one), sorted(one)
    for table in one:
        assert len(one[table]) > 0, table
        pd.testing.assert_frame_equal(one[table], two[table], obj=table)
    assert one["_simulator_state"]["last_day"].iloc[0] == pd.Timestamp("2026-06-30")


def _every_table(target) -> dict[str, pd.DataFrame]:
    """Every table of the raw schema in full, rows in one total order."""
    import duckdb

    with duckdb.connect(str(target.path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1",
                [target.raw_schema],
            ).fetchall()
        ]
        return {
            n: con.execute(f'SELECT * FROM "{target.raw_schema}"."{n}" ORDER BY ALL').df()
            for n in names
        }


def test_sizes_keys_and_relations_are_believable(duckdb_target):
    land_days(duckdb_target, 8, start=START)
    t = _all_tables(duckdb_target)
    assert 8_000 <= len(t["customers"]) <= 10_000
    assert 1_400 <= len(t["professionals"]) <= 1_600
    per_day = t["service_requests"].groupby(t["service_requests"]["requested_at"].dt.date).size()
    assert per_day.between(250, 420).all(), per_day
    quotes_per_request = len(t["quotes"]) / len(t["service_requests"])
    assert 2.0 <= quotes_per_request <= 3.0
    for table, spec in TABLES.items():
        df = t[table]
        assert not df.duplicated(list(spec.key)).any(), table
        for column in spec.columns:
            if column in KEY_PATTERNS:
                prefix, width = KEY_PATTERNS[column]
                assert df[column].str.fullmatch(rf"{prefix}\d{{{width},}}").all(), (table, column)
        for column, ref in spec.foreign_keys.items():
            ref_key = TABLES[ref].key[0]
            assert df[column].isin(t[ref][ref_key]).all(), (table, column)
    assert t["professionals"]["rating"].between(1, 5).all()
    assert t["professionals"]["response_rate"].between(0, 1).all()
    assert (t["quotes"]["price_eur"] > 0).all() and (
        t["service_requests"]["budget_eur"] >= 20
    ).all()
    assert set(t["service_requests"]["category"]) == {
        "cleaning",
        "plumbing",
        "electrical",
        "moving",
        "painting",
        "gardening",
        "handyman",
        "tutoring",
    }
    # quotes come after their request, from professionals of the request's category and region
    q = (
        t["quotes"]
        .merge(t["service_requests"], on="request_id")
        .merge(t["professionals"], on="professional_id")
    )
    assert (q["quoted_at"] >= q["requested_at"]).all()
    assert (q["primary_category"] == q["category"]).all() and (q["region_x"] == q["region_y"]).all()
    # a natural null rate: flexible requests have no preferred date
    flexible = t["service_requests"]["urgency"] == "flexible"
    assert t["service_requests"].loc[flexible, "preferred_date"].isna().all()
    assert t["service_requests"].loc[~flexible, "preferred_date"].notna().all()


def test_dimension_rows_are_updated_day_by_day(duckdb_target):
    land_days(duckdb_target, 3, start=START)
    before = read_raw(duckdb_target, "professionals").set_index("professional_id")
    customers_before = read_raw(duckdb_target, "customers").set_index("customer_id")
    day = START + dt.timedelta(days=3)
    report = land_next_day(duckdb_target)
    after = read_raw(duckdb_target, "professionals").set_index("professional_id")
    assert report.tables["professionals"].updated > 1_000  # active pros' random walks

    common = before.index
    changed = after.loc[common, "rating"] != before["rating"]
    active = before["is_active"]
    assert changed[active].mean() > 0.7  # most active pros' rating moved ...
    assert active.sum() > 1_000 and (~active).sum() > 100
    assert not changed[~active].any()  # ... idle ones' did not
    steps = (after.loc[common, "rating"] - before["rating"]).abs()
    assert steps.max() < 0.5  # small random-walk steps
    touched = after.loc[common][after.loc[common, "_loaded_at"] == loaded_at(day)]
    assert (touched["updated_at"].dt.date == day).all()
    assert len(touched) == report.tables["professionals"].updated

    requests = read_raw(duckdb_target, "service_requests")
    requesters = requests.loc[requests["requested_at"].dt.date == day, "customer_id"].value_counts()
    customers_after = read_raw(duckdb_target, "customers").set_index("customer_id")
    old = requesters[requesters.index.isin(customers_before.index)]
    grew = (
        customers_after.loc[old.index, "total_requests"]
        - customers_before.loc[old.index, "total_requests"]
    )
    assert (grew >= old).all()
    assert (customers_after.loc[old.index, "updated_at"].dt.date == day).all()

    stats = read_raw(duckdb_target, "professional_daily_stats")
    assert sorted(stats["stat_date"].dt.date.unique()) == [
        START + dt.timedelta(days=i) for i in range(4)
    ]
    today_stats = stats[stats["stat_date"].dt.date == day].set_index("professional_id")
    pd.testing.assert_series_equal(today_stats["rating"], after["rating"], check_names=False)


def test_hires_arrive_within_seven_days_often_in_later_loads(duckdb_target):
    land_days(duckdb_target, 14, start=START)
    hires = read_raw(duckdb_target, "hires")
    requests = read_raw(duckdb_target, "service_requests")
    quotes = read_raw(duckdb_target, "quotes")
    h = hires.merge(requests, on="request_id", suffixes=("", "_request"))
    delay = h["hired_at"] - h["requested_at"]
    assert (delay > pd.Timedelta(0)).all()
    assert (delay < pd.Timedelta(days=7)).all()
    assert delay.max() > pd.Timedelta(days=4)
    load_lag = (h["_loaded_at"].dt.normalize() - h["requested_at"].dt.normalize()).dt.days
    assert (load_lag >= 1).mean() > 0.3  # many hires land in a later day's load
    assert load_lag.max() >= 5
    assert (h["_loaded_at"].dt.date == h["hired_at"].dt.date).all()  # each lands with its own day
    # the hire took one of the request's quotes, from its professional, after it was made
    hq = hires.merge(quotes, on="quote_id", suffixes=("", "_quote"))
    assert len(hq) == len(hires)
    assert (hq["request_id"] == hq["request_id_quote"]).all()
    assert (hq["professional_id"] == hq["professional_id_quote"]).all()
    assert (hq["hired_at"] >= hq["quoted_at"]).all()
    assert not hires["request_id"].duplicated().any()  # at most one hire per request

    # conversion has signal: no quote -> no hire; more quotes -> more hires
    early = requests[requests["requested_at"] < pd.Timestamp(START + dt.timedelta(days=7))]
    n_quotes = (
        quotes.groupby("request_id").size().reindex(early["request_id"], fill_value=0).to_numpy()
    )
    hired = early["request_id"].isin(hires["request_id"]).to_numpy()
    assert hired[n_quotes == 0].sum() == 0
    rate = {k: hired[n_quotes == k].mean() for k in (1, 4)}
    assert rate[4] > rate[1] + 0.1, rate
    assert 0.25 < hired.mean() < 0.5


def test_scale_changes_the_size(tmp_path):
    small = DuckDBTarget(tmp_path / "small.duckdb")
    land_days(small, 2, start=START, scale=0.1)
    customers = read_raw(small, "customers")
    requests = read_raw(small, "service_requests")
    assert 700 <= len(customers) <= 1_000
    assert 40 <= len(requests) <= 90
    assert status(small).state.scale == pytest.approx(0.1)
    assert np.isfinite(read_raw(small, "quotes")["price_eur"]).all()
