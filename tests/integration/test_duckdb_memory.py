"""lockgate opens DuckDB with a small memory limit (checks run side by side in orchestrators);
where DuckDB cannot stay within it, the query runs again with more memory rather than fail."""

from __future__ import annotations

import duckdb

import lockgate
from lockgate.connectors.duckdb import (
    DEFAULT_MEMORY_LIMIT,
    _bytes,
    check_config,
    execute,
)
from tests.support.files import write_contract

DISTINCTS = "SELECT COUNT(DISTINCT i) FROM range(3000000) t(i)"


def test_connections_get_the_default_limit(monkeypatch):
    monkeypatch.delenv("LOCKGATE_DUCKDB_MEMORY_LIMIT", raising=False)
    con = duckdb.connect(config=check_config())
    limit = _bytes(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    assert (
        abs(limit - int(DEFAULT_MEMORY_LIMIT.removesuffix("MB")) * 10**6) < 2**20
    )  # DuckDB: MB = 10^6 bytes


def test_out_of_memory_doubles_the_limit_then_lifts_it():
    con = duckdb.connect(config={"memory_limit": "1MB"})
    try:
        con.execute(DISTINCTS)
        raise AssertionError("1 MB should not be enough for 3M distinct values")
    except duckdb.OutOfMemoryException:
        pass
    assert execute(con, DISTINCTS).fetchone()[0] == 3_000_000
    lifted = _bytes(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    assert lifted > 8 * 2**20  # beyond the three doublings of 1 MB: DuckDB's own default


def test_a_starved_check_gives_the_same_verdicts(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TABLE t AS SELECT i AS id, i % 97 AS k, 'x' || (i % 1000) AS s FROM "
            "range(400000) r(i)"
        )
        con.execute("INSERT INTO t VALUES (5, 1, 'dup')")
    contract = lockgate.load_contract(
        write_contract(
            tmp_path,
            f"""
apiVersion: v3.1.0
kind: DataContract
id: memory-test
version: 1.0.0
status: active
servers: [{{server: w, type: duckdb, database: "{db}"}}]
schema:
  - name: t
    properties:
      - {{name: id, logicalType: integer, primaryKey: true}}
      - {{name: k, logicalType: integer, logicalTypeOptions: {{maximum: 96}}}}
      - name: s
        logicalType: string
        quality: [{{metric: duplicateValues, mustBeLessOrEqualTo: 1000}}]
""",
        )
    )
    normal = lockgate.validate(contract)
    monkeypatch.setenv("LOCKGATE_DUCKDB_MEMORY_LIMIT", "1MB")  # far too small: every scan runs out
    starved = lockgate.validate(contract)
    assert [r.error for r in starved.results if r.error] == []
    verdicts = [(r.rule.id, r.passed, r.failed_rows) for r in starved.results]
    assert verdicts == [(r.rule.id, r.passed, r.failed_rows) for r in normal.results]
    assert ("t.id.primaryKey", False, 1) in verdicts
