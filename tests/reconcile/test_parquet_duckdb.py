"""Reconcile Parquet files (the warehouse, written by pyarrow) with a DuckDB source file."""

from __future__ import annotations

import datetime as dt
import decimal

import pyarrow as pa
import pyarrow.parquet as pq

from tests.reconcile.helpers import (
    NOW,
    by_id,
    check,
    duck_server,
    load_duckdb,
    parquet_server,
    rows,
)

RULE, KEYS = "requests.reconcile", "requests.reconcile.keys"


def write_parquet(path, data: list[tuple]) -> None:
    columns = list(zip(*data))
    table = pa.table(
        {
            "id": pa.array(columns[0], pa.int64()),
            "status": pa.array(columns[1], pa.string()),
            "price": pa.array([decimal.Decimal(p) for p in columns[2]], pa.decimal128(12, 2)),
            "paid": pa.array(columns[3], pa.bool_()),
            "updated_at": pa.array(columns[4], pa.timestamp("us", tz="UTC")),
            "due": pa.array(columns[5], pa.date32()),
        }
    )
    pq.write_table(table, path)


def servers_for(tmp_path, source, warehouse) -> str:
    db = load_duckdb(tmp_path / "app.duckdb", source)
    write_parquet(tmp_path / "requests.parquet", warehouse)
    return duck_server(db, "app") + parquet_server(tmp_path / "{object}.parquet", "lake")


def test_identical_copies_pass(tmp_path):
    results = by_id(check(tmp_path, servers_for(tmp_path, rows(), rows()), server="lake"))
    assert len(results) == 7 and all(r.passed for r in results.values()), [
        r.to_dict() for r in results.values()
    ]


def test_frozen_column_dropped_row_and_null_key(tmp_path):
    source = rows()
    warehouse = [r[:3] + (False,) + r[4:] for r in source]  # `paid` frozen at False
    del warehouse[99]  # id 100 dropped
    warehouse.append((None,) + source[0][1:])  # a row with a NULL key
    results = by_id(check(tmp_path, servers_for(tmp_path, source, warehouse), server="lake"))
    paid = results["requests.reconcile.paid"]
    assert not paid.passed and paid.observed == sum(1 for r in source if r[3] and r[0] != 100)
    assert all(s["source"] is True and s["warehouse"] is False for s in paid.samples)
    keys = results[KEYS]
    assert keys.observed == 2
    problems = {s["problem"]: s for s in keys.samples}
    assert problems["missing from the warehouse"]["key"] == {"id": 100}
    assert problems["NULL key in the warehouse"]["key"] == {"id": None}
    assert not results[RULE].passed


def test_a_late_row_without_lag_is_judged_by_the_warehouse_last_load(tmp_path):
    source = rows()
    changed = list(source[-1])
    changed[1] = "hired" if changed[1] != "hired" else "open"
    changed[4] = NOW - dt.timedelta(hours=1)  # changed at the source after the copy was taken
    source[-1] = tuple(changed)
    warehouse = rows()  # the copy's latest updated_at is the last load
    results = by_id(
        check(
            tmp_path,
            servers_for(tmp_path, source, warehouse),
            "source: app\nsince: updated_at",
            server="lake",
        )
    )
    assert all(r.passed for r in results.values()), [
        r.to_dict() for r in results.values() if not r.passed
    ]
    assert "the warehouse's last load" in results[KEYS].expected
    assert results[KEYS].samples[0]["key"] == {"id": len(source)}


def test_over_the_drill_budget_counts_are_lower_bounds_and_never_pass(tmp_path):
    source = rows()
    warehouse = [r[:1] + ("open",) + r[2:] for r in source]  # status frozen on every row
    servers = servers_for(tmp_path, source, warehouse)
    exact = by_id(check(tmp_path, servers, "source: app\nbuckets: 32", server="lake"))
    frozen = exact["requests.reconcile.status"].observed
    assert frozen == sum(1 for r in source if r[1] != "open")
    bounded = by_id(
        check(tmp_path, servers, "source: app\nbuckets: 32\ndrillRows: 20", server="lake")
    )
    status = bounded["requests.reconcile.status"]
    assert not status.passed and status.observed.startswith("at least ")
    assert 32 <= status.failed_rows < frozen  # every bucket differs: one key per bucket at least
    assert len(status.samples) == 5  # the drilled bucket still gives samples
    assert bounded["requests.reconcile.keys"].passed  # keys agree in every bucket
    assert not bounded[RULE].passed


def test_the_frame_engine_says_reconcile_is_not_its_own(tmp_path):
    import lockgate
    from tests.reconcile.helpers import contract_text
    from tests.support.files import write_contract

    servers = servers_for(tmp_path, rows(), rows())
    contract = lockgate.load_contract(write_contract(tmp_path, contract_text(servers)))
    result = lockgate.validate(contract, "lake", engine="frame", as_of=NOW)
    rule = result.result(RULE)
    assert not rule.passed and "SQL engine" in rule.error
