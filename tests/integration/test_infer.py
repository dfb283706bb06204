"""`lockgate infer` on real DuckDB, PostgreSQL, Parquet and CSV: the contract lints clean, passes
`check` on the data it came from, and fails once that data is corrupted."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
import yaml

import lockgate
from lockgate import clock
from tests.support.cli import lockgate as run
from tests.support.files import duckdb_with
from tests.support.postgres import pg_load_frame

# lockgate's clock, pinned for the tests (tests/conftest.py): the data is the same on every day
TODAY = clock.now_naive().replace(microsecond=0)


def readings(rows: int = 120) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reading_id": range(1, rows + 1),
            "meter": [f"M-{i % 40:05d}" for i in range(rows)],
            "kwh": [round(0.5 + (i * 7.3) % 40, 2) for i in range(rows)],
            "tariff": [["peak", "offpeak"][i % 2] for i in range(rows)],
            "region": [["DE", "FR", "NL"][i % 3] if i % 10 else None for i in range(rows)],
            "contact": [f"owner{i}@example.com" for i in range(rows)],
            "device_uuid": [f"{i:08x}-1111-4222-8333-{i:012x}" for i in range(rows)],
            "read_at": [TODAY - dt.timedelta(hours=i) for i in range(rows)],
        }
    )


EXPECTED = {
    "reading_id": {
        "logicalType": "integer",
        "primaryKey": True,
        "logicalTypeOptions": {"minimum": 0, "maximum": 140},
    },
    "meter": {
        "logicalType": "string",
        "required": True,
        "logicalTypeOptions": {"pattern": "^[A-Z]-[0-9]{5}$"},
    },
    "kwh": {
        "logicalType": "number",
        "required": True,
        "logicalTypeOptions": {"minimum": 0, "maximum": 44},
    },
    "tariff": {
        "logicalType": "string",
        "required": True,
        "quality": [
            {
                "metric": "invalidValues",
                "arguments": {"validValues": ["offpeak", "peak"]},
                "mustBe": 0,
            }
        ],
    },
    "region": {
        "logicalType": "string",
        "quality": [
            {
                "metric": "invalidValues",
                "arguments": {"validValues": ["DE", "FR", "NL"]},
                "mustBe": 0,
            }
        ],
    },
    "contact": {
        "logicalType": "string",
        "required": True,
        "logicalTypeOptions": {"format": "email"},
    },
    "device_uuid": {
        "logicalType": "string",
        "required": True,
        "unique": True,
        "logicalTypeOptions": {"format": "uuid"},
    },
    "read_at": {"logicalType": "timestamp", "required": True},
}


def infer(tmp_path, *source_args: str) -> dict:
    out = tmp_path / "inferred.odcs.yaml"
    proc = run("infer", "readings", *source_args, "--output", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"wrote {out}: ")
    lint = run("lint", out, cwd=tmp_path)
    assert (lint.returncode, lint.stdout) == (0, ""), lint.stdout + lint.stderr
    return yaml.safe_load(out.read_text())


def properties(doc: dict) -> dict:
    (table,) = doc["schema"]
    return {
        p["name"]: {k: v for k, v in p.items() if k not in ("name", "physicalType")}
        for p in table["properties"]
    }


def check(tmp_path):
    """The Python API, without a history store; server paths are relative to the working directory."""
    return lockgate.validate(lockgate.load_contract(tmp_path / "inferred.odcs.yaml"))


def test_duckdb(tmp_path, tmp_cwd):
    db = duckdb_with(tmp_path / "w.duckdb", {"readings": readings()}, schema="meters")
    doc = infer(tmp_path, "--duckdb", "w.duckdb", "--schema", "meters")
    assert doc["servers"] == [
        {"server": "duckdb", "type": "duckdb", "database": "w.duckdb", "schema": "meters"}
    ]
    assert properties(doc) == EXPECTED
    assert doc["schema"][0]["quality"][0]["mustBeGreaterOrEqualTo"] == 60
    assert doc["slaProperties"][0] | {"description": None} == {
        "property": "freshness",
        "value": 24,
        "unit": "h",
        "element": "readings.read_at",
        "description": None,
    }
    # the CLI check on the data it came from passes; a corrupted row fails it
    assert run("check", "inferred.odcs.yaml", cwd=tmp_path).returncode == 0
    con = duckdb.connect(str(db))
    con.execute("UPDATE meters.readings SET tariff = 'weekend', kwh = 900 WHERE reading_id = 7")
    con.close()
    failed = {r.rule.id for r in check(tmp_path).failures}
    assert failed == {"readings.tariff.invalidValues", "readings.kwh.maximum"}


@pytest.mark.postgres
def test_postgres(tmp_path, pg_schema):
    con, schema = pg_schema
    pg_load_frame(
        con,
        schema,
        "readings",
        readings(),
        {"kwh": "numeric(6,2)", "meter": "varchar(7)", "device_uuid": "uuid"},
    )
    doc = infer(
        tmp_path,
        "--postgres-host",
        "127.0.0.1",
        "--postgres-port",
        "5432",
        "--postgres-database",
        "test",
        "--postgres-schema",
        schema,
    )
    assert doc["servers"] == [
        {
            "server": "postgres",
            "type": "postgres",
            "host": "127.0.0.1",
            "port": 5432,
            "database": "test",
            "schema": schema,
        }
    ]
    props = properties(doc)
    assert props == EXPECTED
    physical = {p["name"]: p["physicalType"] for p in doc["schema"][0]["properties"]}
    assert (physical["kwh"], physical["meter"], physical["device_uuid"]) == (
        "numeric(6,2)",
        "character varying(7)",
        "uuid",
    )
    assert check(tmp_path).passed
    con.execute(f"UPDATE \"{schema}\".readings SET meter = 'X-1' WHERE reading_id = 3")
    assert {r.rule.id for r in check(tmp_path).failures} == {"readings.meter.pattern"}


@pytest.mark.postgres
def test_postgres_by_url(tmp_path, pg_schema):
    con, schema = pg_schema
    pg_load_frame(con, schema, "readings", readings(30))
    doc = infer(tmp_path, "--server-url", f"postgresql://127.0.0.1:5432/test?schema={schema}")
    assert doc["servers"][0] == {
        "server": "postgres",
        "type": "postgres",
        "host": "127.0.0.1",
        "port": 5432,
        "database": "test",
        "schema": schema,
    }
    assert check(tmp_path).passed


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_local_files(tmp_path, tmp_cwd, fmt):
    data = readings()
    path = tmp_path / f"readings.{fmt}"
    data.to_parquet(path, index=False) if fmt == "parquet" else data.to_csv(path, index=False)
    doc = infer(tmp_path, "--file", path.name)
    assert doc["servers"] == [
        {"server": "local", "type": "local", "path": path.name, "format": fmt}
    ]
    assert properties(doc) == EXPECTED
    assert check(tmp_path).passed
    if fmt == "parquet":  # every inferred rule can fail, and fails only on data that breaks it
        assert run("selftest", "inferred.odcs.yaml", cwd=tmp_path).returncode == 0


def test_infer_refuses_to_overwrite_and_reports_missing_tables(tmp_path):
    duckdb_with(tmp_path / "w.duckdb", {"readings": readings(10)})
    (tmp_path / "inferred.odcs.yaml").write_text("reviewed by hand\n")
    proc = run(
        "infer", "readings", "--duckdb", "w.duckdb", "-o", "inferred.odcs.yaml", cwd=tmp_path
    )
    assert (proc.returncode, proc.stderr.strip()) == (
        2,
        "lockgate: error: inferred.odcs.yaml exists; pass --force to overwrite it",
    )
    assert (tmp_path / "inferred.odcs.yaml").read_text() == "reviewed by hand\n"
    proc = run("infer", "nope", "--duckdb", "w.duckdb", cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (
        2,
        "lockgate: error: table main.nope does not exist",
    )
    stdout = run(
        "infer", "readings", "--duckdb", "w.duckdb", "--id", "meter-readings", cwd=tmp_path
    ).stdout
    assert stdout.startswith(
        "# Inferred by `lockgate infer` from DuckDB w.duckdb (schema main) on "
    )
    assert yaml.safe_load(stdout)["id"] == "meter-readings"
