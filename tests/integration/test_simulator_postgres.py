"""The simulator against the real Postgres server: same data as DuckDB, same failures, same
repairs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dagster_project.simulator import DuckDBTarget, Failure, land_days, land_next_day, status
from dagster_project.simulator.schema import LOADED_AT, TABLES

try:
    from .simulator_fixtures import START, loaded_at, pg_target, read_raw
except ImportError:
    from simulator_fixtures import START, loaded_at, pg_target, read_raw  # noqa: F401

pytestmark = pytest.mark.postgres

DAY = START + dt.timedelta(days=3)


def _assert_same_tables(got_target, expected_target, drop=(LOADED_AT,)):
    for table, spec in TABLES.items():
        got = read_raw(got_target, table, list(spec.columns)).drop(columns=list(drop))
        expected = read_raw(expected_target, table, list(spec.columns)).drop(columns=list(drop))
        pd.testing.assert_frame_equal(got, expected, obj=table)


def test_postgres_gets_the_same_data_as_duckdb(pg_target, tmp_path):
    duck = DuckDBTarget(tmp_path / "w.duckdb")
    land_days(duck, 3, start=START)
    land_days(pg_target, 2, start=START)
    land_next_day(pg_target)  # a second connection continues from the state in Postgres
    _assert_same_tables(pg_target, duck, drop=())
    assert status(pg_target).state.last_day == START + dt.timedelta(days=2)


@pytest.mark.parametrize(
    "spec",
    [
        "frozen:professionals.rating",
        "nulls:customers.marketing_opt_in",
        "constant:service_requests.preferred_date",
        "drop_column:professionals.rating",
        "rename_column:quotes.price_eur",
        "duplicate_keys:quotes",
        "partial_load:hires",
        "unit_change:service_requests.budget_eur",
        "stale:quotes",
        "broken_join_key:quotes.professional_id",
    ],
)
def test_failure_and_repair_on_postgres(spec, pg_target, tmp_path):
    failure = Failure.parse(spec)
    duck = DuckDBTarget(tmp_path / "w.duckdb")
    for target in (duck, pg_target):
        land_days(target, 3, start=START, scale=0.2)
        land_next_day(target, [failure])
    # the failure bends Postgres exactly as it bends DuckDB
    columns = {}
    for name, target in (("duck", duck), ("pg", pg_target)):
        with target.connect() as writer:
            columns[name] = writer.columns(failure.table)
    assert columns["pg"] == columns["duck"]
    for target_pair in ((pg_target, duck),):
        for table in TABLES:
            got, expected = read_raw(target_pair[0], table), read_raw(target_pair[1], table)
            pd.testing.assert_frame_equal(got, expected, obj=f"{table} with {spec}")
    bent = read_raw(pg_target, failure.table)
    assert len(bent) > 0
    # and the next clean load repairs both the same way
    for target in (duck, pg_target):
        land_next_day(target)
    _assert_same_tables(pg_target, duck, drop=())
    assert status(pg_target).state.dirty == set()
    assert read_raw(pg_target, failure.table)[LOADED_AT].max() == loaded_at(
        DAY + dt.timedelta(days=1)
    )
