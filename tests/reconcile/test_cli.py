"""`lockgate check` with a reconcile rule: exit 1 and the JSON results on a frozen column, exit 2
when the source cannot be reached."""

from __future__ import annotations

import json

from tests.reconcile.helpers import (
    UNREACHABLE_APP,
    contract_text,
    duck_server,
    load_duckdb,
    load_postgres,
    pg_server,
    rows,
)
from tests.support.cli import lockgate
from tests.support.files import write_contract


def test_a_frozen_column_exits_1_with_samples_in_json(pg_schema, tmp_path):
    con, schema = pg_schema
    source = rows()
    load_postgres(con, schema, source)
    db = load_duckdb(
        tmp_path / "w.duckdb", [r[:2] + ("1.00",) + r[3:] for r in source]
    )  # price frozen
    path = write_contract(tmp_path, contract_text(duck_server(db) + pg_server(schema)))
    done = lockgate("check", str(path), "--server", "warehouse", "--format", "json", "--no-history")
    assert done.returncode == 1, done.stderr
    results = {r["rule"]: r for r in json.loads(done.stdout)["results"]}
    price = results["requests.reconcile.price"]
    assert price["passed"] is False and price["column"] == "price"
    assert price["observed"] == sum(1 for r in source if r[2] != "1.00")
    assert price["expected"] == "<= 0 keys"
    sample = price["samples"][0]
    assert (
        sample["source"] == float(source[sample["key"]["id"] - 1][2]) and sample["warehouse"] == 1
    )
    assert results["requests.reconcile"]["passed"] is False
    assert results["requests.reconcile.keys"]["passed"] is True


def test_an_unreachable_source_exits_2(tmp_path):
    db = load_duckdb(tmp_path / "w.duckdb", rows())
    servers = duck_server(db) + UNREACHABLE_APP
    path = write_contract(tmp_path, contract_text(servers))
    done = lockgate("check", str(path), "--server", "warehouse", "--no-history")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "server 'app'" in done.stderr and "cannot connect to PostgreSQL" in done.stderr
