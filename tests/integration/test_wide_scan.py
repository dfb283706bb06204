"""Wide tables: the fused scan split into column batches gives the same verdicts as one query,
DuckDB counts failing rows with COUNT_IF, and samples of a narrowed query name only their
columns (lockgate.engines.sql.scan_batches, lockgate.connectors.dialect_sql)."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

import lockgate
from lockgate.connectors import connect
from lockgate.connectors.dialect_sql import compile_sql
from lockgate.engines.sql.plan import plan_table
from lockgate.engines.sql.scan_batches import BATCH_COLUMNS_ENV, scan_batches
from tests.support.files import duckdb_with, write_contract

COLUMNS = 12
ROWS = 40


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    data = {}
    for j in range(COLUMNS):
        values = rng.uniform(0, 100, ROWS)
        if j % 3 == 0:
            values[j] = -1.0  # below the minimum
        if j % 4 == 0:
            values[j + 1] = np.nan  # NaN counts as missing, as NULL does
        if j % 5 == 0:
            values[j + 2] = values[j + 3]  # a duplicate for `unique`
        data[f"c{j}"] = values
    keys = np.arange(ROWS)
    keys[5] = 4  # one repeated key
    data["k"] = keys
    return pd.DataFrame(data)


def _contract(tmp_path):
    db = duckdb_with(tmp_path / "wide.duckdb", {"wide": _frame()})
    props = ["      - name: k\n        logicalType: integer\n        unique: true\n"]
    for j in range(COLUMNS):
        props.append(
            f"      - name: c{j}\n        logicalType: number\n        required: true\n"
            + ("        unique: true\n" if j % 5 == 0 else "")
            + "        logicalTypeOptions:\n          minimum: 0\n          maximum: 100\n"
        )
    text = (
        "apiVersion: v3.1.0\nkind: DataContract\nid: wide\nversion: 1.0.0\nstatus: active\n"
        f"servers:\n  - server: duck\n    type: duckdb\n    database: {db}\n    schema: main\n"
        "schema:\n  - name: wide\n    properties:\n" + "".join(props)
    )
    return lockgate.load_contract(write_contract(tmp_path, text))


def _verdicts(result):
    return [(r.rule.id, r.passed, r.observed, r.failed_rows, r.samples) for r in result.results]


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    return _contract(tmp_path_factory.mktemp("wide"))


def test_split_scan_gives_the_verdicts_of_one_query(contract, monkeypatch):
    monkeypatch.setenv(BATCH_COLUMNS_ENV, "100000")
    fused = lockgate.validate(contract)
    monkeypatch.setenv(BATCH_COLUMNS_ENV, "2")
    with connect(contract.servers[0]) as connector:
        table = contract.tables[0]
        plan = plan_table(connector, table, contract.rules_for(table.name))
        batches = scan_batches(plan.scan, connector.dialect)
    assert len(batches) >= COLUMNS // 2  # the split really happened
    assert all(len(b.columns) <= 2 for b in batches)
    split = lockgate.validate(contract)
    assert _verdicts(split) == _verdicts(fused)
    assert not split.result("wide.c0.required").passed  # the data does break rules
    assert split.result("wide.c0.minimum").failed_rows == 1


def test_distinct_counts_are_spread_over_batches(contract, monkeypatch):
    monkeypatch.delenv(BATCH_COLUMNS_ENV, raising=False)
    with connect(contract.servers[0]) as connector:
        table = contract.tables[0]
        plan = plan_table(connector, table, contract.rules_for(table.name))
        monkeypatch.setattr(
            "lockgate.engines.sql.scan_batches.POLICIES",
            {"duckdb": lockgate.engines.sql.scan_batches.SplitPolicy(None, 1000, 1)},
        )
        batches = scan_batches(plan.scan, connector.dialect)
        sqls = [connector.to_sql(plan.expr.aggregate(**b.metrics)) for b in batches]
    assert max(sql.count("COUNT(DISTINCT") for sql in sqls) == 1
    assert sum(sql.count("COUNT(DISTINCT") for sql in sqls) == 4  # k, c0, c5, c10


def test_duckdb_counts_failing_rows_with_count_if_postgres_with_filter():
    t = ibis.table({"a": "float64", "b": "int64"}, name="t")
    query = t.aggregate(n=t.count(where=t.a > 1), d=t.b.nunique(where=t.a > 1))
    duck = compile_sql(query, "duckdb")
    assert "COUNT_IF(" in duck and "COUNT(*) FILTER" not in duck
    assert "COUNT(DISTINCT" in duck  # only the plain row count is rewritten
    assert "COUNT(*) FILTER" in compile_sql(query, "postgres")


def test_samples_of_a_wide_table_name_only_the_rule_columns(contract):
    result = lockgate.validate(contract)
    samples = result.result("wide.c3.minimum").samples
    assert samples and all(set(row) == {"c3"} for row in samples)
    dup = result.result("wide.k.unique").samples
    assert dup and set(dup[0]) == {"k", "duplicate_count"}


def test_export_shows_every_batch(contract, monkeypatch, tmp_path):
    from lockgate.export import ExportOptions, export

    monkeypatch.setenv(BATCH_COLUMNS_ENV, "4")
    text = export(contract, "sql", ExportOptions())
    assert "the scan runs as" in text
    assert text.count('FROM "main"."wide"') >= 4
