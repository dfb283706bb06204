"""`lockgate check --engine spark` as a user runs it: a fresh process finds the tables an earlier
process saved in the documented metastore (LOCKGATE_SPARK_WAREHOUSE), prints only the report on
stdout, and writes nothing into the working directory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import lockgate  # noqa: F401
from tests.support.cli import REPO
from tests.support.cli import lockgate as run_lockgate
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import CONTRACT, customers, orders
from tests.support.spark import catalog_server, require_spark, with_servers, write_files

AS_OF = "2026-01-15T12:00:00Z"  # tests/support/orders.NOW


def test_spark_engine_on_a_duckdb_server_exits_2_with_one_line(tmp_path):
    duck = duckdb_with(tmp_path / "d.duckdb", {"orders": orders(), "customers": customers()})
    path = write_contract(tmp_path, CONTRACT.format(duck_path=duck, pg_schema="unused"))
    done = run_lockgate("check", path, "--engine", "spark", "--no-history", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert (
        len(lines) == 1
        and "--engine spark checks servers of type local and databricks;" in lines[0]
    )
    assert "'duckdb'" in lines[0]


_SAVE_TABLES = """
import sys
from lockgate.engines.spark.session import spark_session
spark = spark_session({"spark.sql.shuffle.partitions": "2"})
folder, schema = sys.argv[1], sys.argv[2]
spark.sql(f"CREATE DATABASE {schema}")
for name in ("orders", "customers"):
    spark.read.parquet(f"{folder}/{name}.parquet").write.saveAsTable(f"{schema}.{name}")
spark.stop()
"""


def test_a_fresh_process_checks_catalog_tables_and_leaves_the_cwd_clean(tmp_path):
    require_spark()
    frames = {"orders": orders(True), "customers": customers(True)}
    parquet = write_files(tmp_path / "parquet", frames, "parquet")
    warehouse = tmp_path / "metastore"
    env = {"LOCKGATE_SPARK_WAREHOUSE": str(warehouse), "LOCKGATE_SPARK_MASTER": "local[2]"}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    saver = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SAVE_TABLES), str(parquet), "lg_cli"],
        cwd=cwd, env={**_environ(), **env}, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert saver.returncode == 0, saver.stderr[-2000:]
    text = with_servers(
        CONTRACT.format(duck_path="unused", pg_schema="unused"), catalog_server("lake", "lg_cli")
    )
    path = write_contract(tmp_path, text)

    done = run_lockgate(
        "check", path, "--server", "lake", "--engine", "spark", "--format", "json",
        "--no-history", "--as-of", AS_OF, cwd=cwd, env=env, timeout=600,
    )  # fmt: skip

    assert done.returncode == 1, done.stderr[-2000:]
    report = json.loads(done.stdout)  # stdout carries the report and nothing else
    failed = {r["rule"] for r in report["results"] if not r["passed"]}
    assert {"orders.order_id.primaryKey", "orders.customer_id.relationship", "big_orders"} <= failed
    assert list(cwd.iterdir()) == []  # no spark-warehouse/, metastore_db/, derby.log
    assert (warehouse / "metastore_db").is_dir() and (warehouse / "derby.log").is_file()


def _environ() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": str(REPO)}
