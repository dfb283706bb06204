"""Fixtures and helpers shared by the simulator and dbt integration tests.

Import the fixtures you use into a test module (pytest only auto-loads conftest.py files).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest

from dagster_project.simulator import DuckDBTarget, PostgresTarget, land_days
from dagster_project.simulator.schema import TABLES
from dagster_project.simulator.writers.base import normalize

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_ROOT / "dbt"
START = dt.date(2026, 3, 2)  # a Monday; tests pin the timeline so they do not depend on today


def postgres_unreachable_reason() -> str | None:
    import psycopg

    target = PostgresTarget()
    try:
        with psycopg.connect(**(target.conninfo() | {"connect_timeout": 3})):
            return None
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"no PostgreSQL server answers at {target.host}:{target.port} ({first})"


def require_postgres() -> None:
    reason = postgres_unreachable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)


def unique_schema(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def drop_pg_schemas(*schemas: str) -> None:
    import psycopg

    with psycopg.connect(**PostgresTarget().conninfo(), autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def duckdb_target(tmp_path: Path) -> DuckDBTarget:
    return DuckDBTarget(tmp_path / "warehouse.duckdb", "raw")


@pytest.fixture
def pg_target():
    require_postgres()
    schema = unique_schema("lg_raw")
    yield PostgresTarget(raw_schema=schema)
    drop_pg_schemas(schema)


@pytest.fixture(scope="module")
def landed_template(tmp_path_factory) -> Path:
    """A DuckDB file with 4 clean days from START; copy it rather than landing again."""
    path = tmp_path_factory.mktemp("template") / "warehouse.duckdb"
    land_days(DuckDBTarget(path, "raw"), 4, start=START)
    return path


def copy_of(template: Path, directory: Path, name: str = "warehouse.duckdb") -> DuckDBTarget:
    path = directory / name
    shutil.copy(template, path)
    return DuckDBTarget(path, "raw")


def read_raw(target, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A raw table, typed like generated frames, sorted by its key (then all columns)."""
    with target.connect() as writer:
        present = writer.columns(table)
        wanted = [c for c in (columns or present) if c in present]
        df = writer.read_frame(f"SELECT {', '.join(wanted)} FROM {writer.qualified(table)}")
    spec = TABLES.get(table)
    if spec is not None:
        df = normalize(df, spec.columns, strict=True)
        order = [c for c in spec.key if c in df.columns] + [
            c for c in df.columns if c not in spec.key
        ]
        df = df.sort_values(order, ignore_index=True)
    return df


def loaded_at(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.combine(day, dt.time(23, 30)))


def dbt_executable() -> str:
    return str(Path(sys.executable).parent / "dbt")


def run_dbt(args: list[str], tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run dbt from the project dir (as dagster-dbt does), with its target and logs in tmp_path."""
    full_env = os.environ | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"} | env
    cmd = [
        dbt_executable(),
        *args,
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(tmp_path / "dbt_target"),
        "--log-path",
        str(tmp_path / "dbt_logs"),
    ]
    return subprocess.run(
        cmd, cwd=DBT_DIR, env=full_env, capture_output=True, text=True, timeout=600, check=False
    )
