"""The dbt project builds on the simulator's clean data, on DuckDB and Postgres, and its feature
table is point-in-time: no leakage, and labels that match the hires."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.simulator import (
    DuckDBTarget,
    Failure,
    PostgresTarget,
    land_days,
    land_next_day,
)
from dagster_project.simulator.timeline import last_complete_day

try:
    from .simulator_fixtures import (
        drop_pg_schemas,
        read_raw,
        require_postgres,
        run_dbt,
        unique_schema,
    )
except ImportError:
    from simulator_fixtures import (
        drop_pg_schemas,
        read_raw,
        require_postgres,
        run_dbt,
        unique_schema,
    )

pytestmark = pytest.mark.slow

DAYS = 30
LABEL_WINDOW = pd.Timedelta(days=7)
FEATURE_COLUMNS = [
    "request_id",
    "customer_id",
    "requested_at",
    "request_date",
    "category",
    "region",
    "urgency",
    "channel",
    "budget_eur",
    "has_preferred_date",
    "requested_hour",
    "requested_dow",
    "customer_segment",
    "customer_acquisition_channel",
    "customer_tenure_days",
    "customer_prior_requests",
    "customer_prior_hires",
    "customer_days_since_prev_request",
    "supply_snapshot_date",
    "market_active_pros",
    "market_avg_rating",
    "market_max_rating",
    "market_avg_response_rate",
    "market_avg_hourly_rate_eur",
    "budget_hours_at_market_rate",
    "label_window_ends_at",
]
MODELS = [
    "stg_customers",
    "stg_professionals",
    "stg_professional_daily_stats",
    "stg_service_requests",
    "stg_quotes",
    "stg_hires",
    "dim_customers",
    "dim_professionals",
    "fct_service_requests",
    "fct_quotes",
    "fct_hires",
    "int_market_supply_daily",
    "features_conversion",
]


def _start() -> dt.date:
    """DAYS days up to the last complete one on the clock the session pins (tests/conftest.py)."""
    return last_complete_day() - dt.timedelta(days=DAYS - 1)


def _duck_env(path) -> dict[str, str]:
    return {
        "LOCKGATE_WAREHOUSE": str(path),
        "LOCKGATE_DBT_TARGET": "duckdb",
        "LOCKGATE_RAW_SCHEMA": "raw",
    }


def _model(path, name: str) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT * FROM analytics.{name}").df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """30 clean days up to the clock's last complete day, built by dbt into the same DuckDB file."""
    tmp = tmp_path_factory.mktemp("dbt_duckdb")
    path = tmp / "warehouse.duckdb"
    land_days(DuckDBTarget(path), DAYS, start=_start())
    result = run_dbt(["build"], tmp, _duck_env(path))
    assert result.returncode == 0, result.stdout[-4000:]
    return path, result


def test_dbt_build_passes_on_duckdb(built):
    path, result = built
    assert "Completed successfully" in result.stdout
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout
    con = duckdb.connect(str(path), read_only=True)
    try:
        for model in MODELS:
            assert con.execute(f"SELECT count(*) FROM analytics.{model}").fetchone()[0] > 0, model
    finally:
        con.close()


def test_source_freshness_passes_on_clean_data(built, tmp_path):
    path, _ = built
    result = run_dbt(["source", "freshness"], tmp_path, _duck_env(path))
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.count("PASS freshness") == 6


def test_label_matches_hires_within_seven_days(built):
    path, _ = built
    target = DuckDBTarget(path)
    features = _model(path, "features_conversion").set_index("request_id")
    requests = read_raw(target, "service_requests").set_index("request_id")
    hires = read_raw(target, "hires")
    assert len(features) == len(requests) and features.index.is_unique

    h = hires.merge(requests[["requested_at"]], left_on="request_id", right_index=True)
    in_window = h[
        (h["hired_at"] >= h["requested_at"]) & (h["hired_at"] < h["requested_at"] + LABEL_WINDOW)
    ]
    hired = requests.index.isin(in_window["request_id"])
    available = (requests["requested_at"] + LABEL_WINDOW <= hires["_loaded_at"].max()).to_numpy()

    assert (features.loc[requests.index, "label_available"].to_numpy() == available).all()
    assert 0.55 < available.mean() < 0.85  # about the first 23 of 30 days
    labelled = features.loc[requests.index[available]]
    assert (labelled["converted"].astype(bool).to_numpy() == hired[available]).all()
    assert 0.25 < labelled["converted"].astype(float).mean() < 0.5
    assert features.loc[requests.index[~available], "converted"].isna().all()
    assert labelled["converted"].sum() > 1_000


def test_features_are_taken_point_in_time(built):
    path, _ = built
    target = DuckDBTarget(path)
    f = _model(path, "features_conversion").set_index("request_id").sort_index()
    requests = read_raw(target, "service_requests")
    # customer history counts only earlier days
    day = requests["requested_at"].dt.normalize()
    per_day = (
        requests.assign(day=day).groupby(["customer_id", "day"]).size().rename("n").reset_index()
    )
    per_day["prior"] = per_day.groupby("customer_id")["n"].cumsum() - per_day["n"]
    expected = (
        requests.assign(day=day)
        .merge(per_day, on=["customer_id", "day"])
        .set_index("request_id")["prior"]
    )
    assert (f["customer_prior_requests"] == expected.reindex(f.index)).all()
    assert f["customer_prior_requests"].max() > 0

    # market supply comes from the previous day's snapshot, for the request's category and region
    assert (
        pd.to_datetime(f["supply_snapshot_date"]).dropna()
        == pd.to_datetime(f["request_date"]).dropna().loc[f["supply_snapshot_date"].notna()]
        - pd.Timedelta(days=1)
    ).all()
    first_day = pd.to_datetime(f["request_date"]) == pd.to_datetime(f["request_date"]).min()
    assert f.loc[first_day, "market_avg_rating"].isna().all()
    assert f.loc[~first_day, "market_avg_rating"].notna().mean() > 0.99

    stats = read_raw(target, "professional_daily_stats")
    pros = read_raw(target, "professionals")[["professional_id", "primary_category", "region"]]
    sample = f[~first_day].sample(200, random_state=1)
    snap = stats.merge(pros, on="professional_id")
    snap = snap[snap["is_active"]]
    for _request_id, row in sample.iterrows():
        prev = snap[
            (snap["stat_date"] == pd.Timestamp(row["request_date"]) - pd.Timedelta(days=1))
            & (snap["primary_category"] == row["category"])
            & (snap["region"] == row["region"])
        ]
        assert row["market_active_pros"] == len(prev)
        assert row["market_avg_rating"] == pytest.approx(prev["rating"].mean())
        assert row["market_avg_response_rate"] == pytest.approx(prev["response_rate"].mean())


def test_no_leakage_when_later_days_land(built, tmp_path, monkeypatch):
    path, _ = built
    later = tmp_path / "later.duckdb"
    shutil.copy(path, later)
    monkeypatch.setenv("LOCKGATE_TODAY", (last_complete_day() + dt.timedelta(days=7)).isoformat())
    land_days(DuckDBTarget(later), 6)  # six days later, the six loads since have run
    result = run_dbt(["build"], tmp_path, _duck_env(later))
    assert result.returncode == 0, result.stdout[-3000:]

    before = _model(path, "features_conversion").set_index("request_id").sort_index()
    after = _model(later, "features_conversion").set_index("request_id")
    assert len(after) > len(before)
    after = after.loc[before.index]
    pd.testing.assert_frame_equal(after[FEATURE_COLUMNS[1:]], before[FEATURE_COLUMNS[1:]])
    known = before["label_available"]
    pd.testing.assert_series_equal(after.loc[known, "converted"], before.loc[known, "converted"])
    assert after["label_available"].sum() > known.sum()  # windows closed in the meantime


def test_a_frozen_upstream_column_silently_goes_stale_in_the_features(built, tmp_path):
    """The story lockgate exists for: professionals.response_rate stops updating upstream, dbt
    build still passes, and the market features of new requests quietly go stale."""
    frozen = tmp_path / "frozen.duckdb"
    land_days(DuckDBTarget(frozen), DAYS - 5, start=_start())
    land_days(
        DuckDBTarget(frozen), 5, failures=[Failure("frozen", "professionals", "response_rate")]
    )
    result = run_dbt(["build"], tmp_path, _duck_env(frozen))
    assert result.returncode == 0, result.stdout[-3000:]  # nothing errors
    assert "ERROR=0" in result.stdout

    clean = _model(built[0], "features_conversion").set_index("request_id").sort_index()
    stale = _model(frozen, "features_conversion").set_index("request_id").loc[clean.index]
    # requests from the second frozen day on use snapshots taken after the freeze
    after = pd.to_datetime(clean["request_date"]) >= pd.Timestamp(
        _start() + dt.timedelta(days=DAYS - 4)
    )
    assert after.sum() > 500
    column = "market_avg_response_rate"
    pd.testing.assert_series_equal(stale.loc[~after, column], clean.loc[~after, column])
    differs = ~np.isclose(stale.loc[after, column], clean.loc[after, column], equal_nan=True)
    assert differs.mean() > 0.9

    # what the model sees of each market nearly stops moving (only pros going (in)active move it)
    def daily_moves(features: pd.DataFrame) -> float:
        per_day = (
            features.loc[after].groupby(["category", "region", "request_date"])[column].first()
        )
        return per_day.groupby(level=[0, 1]).diff().abs().mean()

    assert daily_moves(stale) < 0.5 * daily_moves(clean)
    pd.testing.assert_series_equal(
        stale["converted"], clean["converted"]
    )  # the truth did not freeze


@pytest.mark.postgres
def test_dbt_build_on_postgres_matches_duckdb_and_fails_loudly_on_a_dropped_column(
    built, tmp_path, monkeypatch
):
    require_postgres()
    raw, analytics = unique_schema("lg_raw"), unique_schema("lg_analytics")
    env = {
        "LOCKGATE_DBT_TARGET": "postgres",
        "LOCKGATE_RAW_SCHEMA": raw,
        "LOCKGATE_PG_SCHEMA": analytics,
    }
    target = PostgresTarget(raw_schema=raw)
    try:
        land_days(target, DAYS, start=_start())
        result = run_dbt(["build"], tmp_path, env)
        assert result.returncode == 0, result.stdout[-4000:]
        assert "ERROR=0" in result.stdout

        import psycopg

        columns_sql = (
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = '{}' ORDER BY table_name, ordinal_position"
        )
        with psycopg.connect(**target.conninfo()) as conn:
            cur = conn.execute(f"SELECT * FROM {analytics}.features_conversion")
            pg = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
            pg_types = conn.execute(columns_sql.format(analytics)).fetchall()
        con = duckdb.connect(str(built[0]), read_only=True)
        duck_types = con.execute(columns_sql.format("analytics")).fetchall()
        con.close()
        # every model has the same columns, with the same type, on both warehouses
        same_type = {
            "VARCHAR": "character varying",
            "INTEGER": "integer",
            "DOUBLE": "double precision",
            "BOOLEAN": "boolean",
            "DATE": "date",
            "TIMESTAMP": "timestamp without time zone",
        }
        # the quarantine model's reasons are a concatenation of literals: text in PostgreSQL
        pg_types = [
            (t, c, "character varying" if (c, d) == ("lockgate_rules", "text") else d)
            for t, c, d in pg_types
        ]
        assert [(t, c, same_type[d]) for t, c, d in duck_types] == pg_types
        duck = _model(built[0], "features_conversion")
        pg = pg.set_index("request_id").sort_index()
        duck = duck.set_index("request_id").sort_index()
        assert list(pg.columns) == list(duck.columns)
        for column in duck.columns:
            a, b = pg[column], duck[column]
            if pd.api.types.is_float_dtype(b):
                assert np.allclose(pd.to_numeric(a).astype(float), b, equal_nan=True, rtol=1e-9), (
                    column
                )
            elif pd.api.types.is_datetime64_any_dtype(b):
                assert (
                    pd.to_datetime(a).astype("datetime64[us]").fillna(pd.Timestamp(0))
                    == b.astype("datetime64[us]").fillna(pd.Timestamp(0))
                ).all(), column
            else:
                assert (
                    a.astype(object).where(a.notna(), None).tolist()
                    == b.astype(object).where(b.notna(), None).tolist()
                ), column

        # the upstream drops a column dbt reads: the load still lands (CASCADE drops the staging
        # view), and the next dbt build fails loudly instead of silently
        day = last_complete_day()  # each later load lands on the morning after it ran
        monkeypatch.setenv("LOCKGATE_TODAY", (day + dt.timedelta(days=2)).isoformat())
        land_next_day(target, [Failure("drop_column", "professionals", "rating")])
        result = run_dbt(["build"], tmp_path, env)
        assert result.returncode != 0
        assert "rating" in result.stdout
        monkeypatch.setenv("LOCKGATE_TODAY", (day + dt.timedelta(days=3)).isoformat())
        land_next_day(target)  # the clean load repairs the table
        result = run_dbt(["build"], tmp_path, env)
        assert result.returncode == 0, result.stdout[-4000:]
    finally:
        drop_pg_schemas(raw, analytics)


def test_relative_warehouse_path_is_the_same_file_for_simulator_and_dbt(tmp_path, monkeypatch):
    """LOCKGATE_WAREHOUSE relative to the repo root: the simulator (any cwd) and dbt (run from
    dbt/, as dagster-dbt does) must open the same file."""
    from dagster_project.simulator.targets import REPO_ROOT, warehouse_path

    relative = f"warehouse/pytest_{unique_schema('relative')}.duckdb"
    path = REPO_ROOT / relative
    monkeypatch.setenv("LOCKGATE_WAREHOUSE", relative)
    monkeypatch.chdir(tmp_path)  # the simulator must not resolve it against the cwd
    try:
        assert warehouse_path() == path
        land_days(DuckDBTarget(), 1, start=_start())
        result = run_dbt(
            ["run", "--select", "stg_hires"],
            tmp_path,
            {"LOCKGATE_DBT_TARGET": "duckdb", "LOCKGATE_RAW_SCHEMA": "raw"},
        )
        assert result.returncode == 0, result.stdout[-3000:]
        assert not (REPO_ROOT / "dbt" / relative).exists()
        assert len(_model(path, "stg_hires")) > 0
    finally:
        path.unlink(missing_ok=True)
        path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
