"""The reference project's reconciliation: the application's professionals in PostgreSQL, the
ETL's copy in the DuckDB warehouse, both landed by the simulator; a frozen column in the copy is
named by the reconcile rule on the first load after the freeze, with no history store."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import psycopg
import pytest

from dagster_project.app_copy import APP_SCHEMA_ENV, app_target, mirror, reconcile_professionals
from dagster_project.simulator import (
    DuckDBTarget,
    Failure,
    PostgresTarget,
    land_days,
    land_next_day,
)

try:
    from .simulator_fixtures import START, drop_pg_schemas, require_postgres, unique_schema
except ImportError:
    from simulator_fixtures import START, drop_pg_schemas, require_postgres, unique_schema

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)  # after every landed day; reconcile has no lag here
RULE = "professionals_match_the_application"
FROZEN = Failure.parse("frozen:professionals.rating")


@pytest.fixture
def copies(tmp_path, monkeypatch):
    """(warehouse target, application target): 3 clean days in both, the same rows."""
    require_postgres()
    schema = unique_schema("lockgate_app")
    warehouse = tmp_path / "marketplace.duckdb"
    monkeypatch.setenv("LOCKGATE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv(APP_SCHEMA_ENV, schema)
    monkeypatch.delenv("LOCKGATE_RAW_SCHEMA", raising=False)
    duck = DuckDBTarget(warehouse)
    land_days(duck, 3, start=START, scale=0.2)
    app = app_target()
    assert app is not None and app.raw_schema == schema
    assert mirror(duck, app) == 3
    try:
        yield duck, app
    finally:
        drop_pg_schemas(schema)


def by_id(results) -> dict:
    return {r.rule.id: r for r in results}


def ratings(duck: DuckDBTarget, app: PostgresTarget) -> pd.DataFrame:
    """Both sides' ratings by professional, read directly (independently of the rule)."""
    with duckdb.connect(str(duck.path), read_only=True) as con:
        warehouse = con.sql("SELECT professional_id, rating FROM raw.professionals").df()
    with psycopg.connect(**app.conninfo()) as con:
        rows = con.execute(
            f"SELECT professional_id, rating FROM {app.raw_schema}.professionals"
        ).fetchall()
    source = pd.DataFrame(rows, columns=["professional_id", "rating"])
    return source.merge(warehouse, on="professional_id", suffixes=("_source", "_warehouse"))


def test_clean_days_pass_and_a_frozen_rating_is_named_on_its_first_load(copies):
    duck, app = copies
    clean = by_id(reconcile_professionals(as_of=NOW))
    columns = ("hourly_rate_eur", "rating", "response_rate", "n_reviews", "is_active")
    assert set(clean) == {RULE, f"{RULE}.keys"} | {f"{RULE}.{c}" for c in columns}
    assert all(r.passed and r.observed == 0 for r in clean.values()), [
        r.to_dict() for r in clean.values()
    ]

    land_next_day(duck, [FROZEN])  # the ETL's copy stops updating rating; the application does not
    assert mirror(duck, app) == 1
    frozen = by_id(reconcile_professionals(as_of=NOW))
    both = ratings(duck, app)
    differing = both[both["rating_source"].astype(float) != both["rating_warehouse"].astype(float)]
    assert len(differing) > 0
    rating = frozen[f"{RULE}.rating"]
    assert not rating.passed and not frozen[RULE].passed
    assert rating.observed == len(differing)
    assert 1 <= len(rating.samples) <= 5
    wrong = differing.set_index("professional_id")
    for sample in rating.samples:
        key = sample["key"]["professional_id"]
        assert key in wrong.index, sample
        assert float(sample["source"]) == pytest.approx(float(wrong.loc[key, "rating_source"]))
        assert float(sample["warehouse"]) == pytest.approx(
            float(wrong.loc[key, "rating_warehouse"])
        )
    # only the frozen column is named: the keys and the other columns still match
    others = [f"{RULE}.keys"] + [f"{RULE}.{c}" for c in columns if c != "rating"]
    assert all(frozen[r].passed for r in others), [frozen[r].to_dict() for r in others]

    land_next_day(duck)  # the next clean load re-sends the stale ratings
    assert mirror(duck, app) == 1
    repaired = by_id(reconcile_professionals(as_of=NOW))
    assert all(r.passed for r in repaired.values()), [r.to_dict() for r in repaired.values()]


def test_without_the_setting_or_the_server_nothing_needs_postgres(monkeypatch):
    from dagster_project.app_copy import postgres_answers

    monkeypatch.delenv(APP_SCHEMA_ENV, raising=False)
    assert app_target() is None  # the ETL asset then lands the warehouse only
    assert postgres_answers(PostgresTarget(port=1)) is False  # the demo then skips reconcile
    monkeypatch.setenv(APP_SCHEMA_ENV, "app; DROP TABLE x")
    with pytest.raises(ValueError, match="invalid schema name"):
        app_target()
