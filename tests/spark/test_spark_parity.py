"""The parity contract (every rule kind, clean and corrupted data) on Spark: the same per-rule
verdicts and failed-row counts as DuckDB, on Parquet files, CSV files and catalog tables; a rule
Spark cannot check fails with "not supported on Spark: ..." (lockgate/engines/spark/unsupported.py).
"""

from __future__ import annotations

import uuid

import pytest

import lockgate
from lockgate.engines.spark.unsupported import unsupported_reason
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import (
    CONTRACT,
    CORRUPTED_FAILED_ROWS,
    CORRUPTED_FAILING,
    NOW,
    customers,
    orders,
)
from tests.support.spark import catalog_server, files_server, with_servers, write_files


def _verdicts(result) -> dict[str, tuple]:
    return {r.rule.id: (r.passed, r.failed_rows) for r in result.results}


def _unsupported(contract) -> set[str]:
    return {r.id for r in contract.rules if unsupported_reason(r) is not None}


@pytest.fixture(scope="module", params=[False, True], ids=["clean", "corrupted"])
def parity(request, spark, tmp_path_factory):
    """The parity data as a DuckDB file, Parquet and CSV files and catalog tables."""
    corrupted = request.param
    tmp = tmp_path_factory.mktemp("spark-parity")
    frames = {"orders": orders(corrupted), "customers": customers(corrupted)}
    duck = duckdb_with(tmp / "parity.duckdb", frames)
    parquet = write_files(tmp / "parquet", frames, "parquet")
    csv = write_files(tmp / "csv", frames, "csv")
    schema = f"lg_parity_{uuid.uuid4().hex[:8]}"
    spark.sql(f"CREATE DATABASE {schema}")
    for name in frames:
        spark.read.parquet(str(parquet / f"{name}.parquet")).write.saveAsTable(f"{schema}.{name}")
    servers = (
        files_server("parquet", parquet, "parquet")
        + files_server("csv", csv, "csv")
        + catalog_server("catalog", schema)
    )
    text = with_servers(CONTRACT.format(duck_path=duck, pg_schema="unused"), servers)
    contract = lockgate.load_contract(write_contract(tmp, text))
    yield corrupted, contract
    spark.sql(f"DROP DATABASE {schema} CASCADE")


_RESULTS: dict[tuple, object] = {}


def _on_spark(contract, server: str):
    """A Spark check of the module's data, done once per (data, server): each costs seconds."""
    key = (contract.content_hash, contract.rules[0].id, server, id(contract))
    if key not in _RESULTS:
        _RESULTS[key] = lockgate.validate(contract, server, engine="spark", as_of=NOW, record=False)
    return _RESULTS[key]


@pytest.mark.parametrize("server", ["parquet", "catalog"])
def test_spark_gives_duckdbs_verdicts(parity, server):
    corrupted, contract = parity
    duck = lockgate.validate(contract, "duck", as_of=NOW, record=False)
    on_spark = _on_spark(contract, server)

    assert on_spark.engine == "spark"
    refused = _unsupported(contract)
    assert refused == {"big_orders"}  # the contract's `type: sql` rule
    for rule_id in refused:
        assert not on_spark.result(rule_id).passed
        assert on_spark.result(rule_id).error.startswith("not supported on Spark: ")
    expected = {k: v for k, v in _verdicts(duck).items() if k not in refused}
    assert {k: v for k, v in _verdicts(on_spark).items() if k not in refused} == expected
    errors = {r.rule.id: r.error for r in on_spark.results if r.error and r.rule.id not in refused}
    assert errors == {}
    failing = {r.rule.id for r in on_spark.results if not r.passed} - refused
    if corrupted:
        assert failing == CORRUPTED_FAILING - refused
        counts = {k: on_spark.result(k).failed_rows for k in CORRUPTED_FAILED_ROWS}
        assert counts == CORRUPTED_FAILED_ROWS
    else:
        assert failing == set()


def test_spark_on_csv_gives_duckdbs_verdicts_on_the_same_files(parity):
    """CSV carries no types: each engine infers them, and the verdicts still agree."""
    _corrupted, contract = parity
    duck = lockgate.validate(contract, "csv", as_of=NOW, record=False)
    on_spark = lockgate.validate(contract, "csv", engine="spark", as_of=NOW, record=False)
    refused = _unsupported(contract)
    spark_verdicts = {k: v for k, v in _verdicts(on_spark).items() if k not in refused}
    assert spark_verdicts == {k: v for k, v in _verdicts(duck).items() if k not in refused}


def test_samples_name_the_offending_rows_on_spark(parity):
    corrupted, contract = parity
    if not corrupted:
        pytest.skip("samples are taken only for failed rules")
    result = _on_spark(contract, "parquet")
    status = result.result("orders.status.invalidValues")
    assert [s["order_id"] for s in status.samples] == [7, 8]
    assert result.result("orders.order_id.primaryKey").samples == (
        {"order_id": 1, "duplicate_count": 2},
    )
    orphan = result.result("orders.customer_id.relationship")
    assert [(s["order_id"], s["customer_id"]) for s in orphan.samples] == [(6, "zzz")]
    assert result.result("orders.order_id.required").samples == ()
