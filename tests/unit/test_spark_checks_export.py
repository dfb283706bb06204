"""The reference project's Spark switch without Spark: which engine it names, and the Parquet
export, which writes only plain-named tables of the warehouse, only below its folder."""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.spark_checks import ENGINE_ENV, check_engine, export_tables
from lockgate.contract.model import Server
from lockgate.errors import UsageError


def test_the_switch_names_an_engine_or_refuses(monkeypatch):
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    assert check_engine() == "sql"
    monkeypatch.setenv(ENGINE_ENV, "Spark")
    assert check_engine() == "spark"
    monkeypatch.setenv(ENGINE_ENV, "sparkk")
    with pytest.raises(UsageError, match="expected one of sql, spark"):
        check_engine()


def test_export_writes_the_plain_named_tables_it_finds_below_its_folder(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE SCHEMA raw; CREATE TABLE raw.pros AS SELECT 1 AS id, 4.5 AS rating")
    folder = tmp_path / "exports" / "one"
    warehouse = Server("local", "duckdb", {"database": str(database), "schema": "raw"})
    export_tables(warehouse, ["pros", "missing", "../pros", "pros.parquet"], folder)
    assert sorted(p.name for p in (tmp_path / "exports").rglob("*")) == ["one", "pros.parquet"]
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT * FROM '{folder / 'pros.parquet'}'").fetchall()
    assert [(i, float(r)) for i, r in rows] == [(1, 4.5)]
