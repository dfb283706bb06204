"""A reconcile rule on Spark fails with the reason, instead of sending DuckDB's functions to
Spark (canonical text is written per dialect: lockgate/reconcile/canonical.py)."""

from __future__ import annotations

import lockgate
from tests.reconcile.helpers import NOW, contract_text, duck_server, load_duckdb, parquet_server
from tests.reconcile.helpers import rows as request_rows
from tests.reconcile.test_parquet_duckdb import write_parquet
from tests.support.files import write_contract


def test_reconcile_on_spark_fails_naming_the_dialects(spark, tmp_path):
    db = load_duckdb(tmp_path / "app.duckdb", request_rows())
    write_parquet(tmp_path / "requests.parquet", request_rows())
    servers = duck_server(db, "app") + parquet_server(tmp_path / "{object}.parquet", "lake")
    contract = lockgate.load_contract(write_contract(tmp_path, contract_text(servers)))
    result = lockgate.validate(contract, "lake", engine="spark", as_of=NOW, record=False)
    reconcile = result.result("requests.reconcile")
    assert not reconcile.passed
    assert reconcile.error == "reconcile runs on duckdb and postgres servers, not on pyspark"
    others = [r for r in result.results if r.rule.id != "requests.reconcile"]
    assert others and all(r.passed for r in others)  # the rest of the contract ran on Spark
