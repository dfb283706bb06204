"""Reconcile a DuckDB warehouse table with its PostgreSQL source, on the real servers."""

from __future__ import annotations

import pytest

from lockgate.errors import ConnectionFailed
from tests.reconcile.helpers import (
    COLUMNS_PG,
    UNREACHABLE_APP,
    by_id,
    check,
    duck_server,
    load_duckdb,
    load_postgres,
    pg_server,
    rows,
)

RULE = "requests.reconcile"
KEY_RESULT = "requests.reconcile.keys"


@pytest.fixture
def sides(pg_schema, tmp_path):
    """(load the source, load the warehouse, servers text) for one test."""
    con, schema = pg_schema

    def load(source_rows, warehouse_rows, **pg):
        load_postgres(con, schema, source_rows, **pg)
        db = load_duckdb(tmp_path / "warehouse.duckdb", warehouse_rows)
        return "".join([duck_server(db), pg_server(schema)])

    return load


def test_identical_tables_pass_with_one_result_per_column(sides, tmp_path):
    servers = sides(rows(), rows())
    result = check(tmp_path, servers)
    results = by_id(result)
    columns = ("status", "price", "paid", "updated_at", "due")
    assert set(results) == {RULE, KEY_RESULT} | {f"requests.reconcile.{c}" for c in columns}
    assert all(r.passed and r.observed == 0 for r in results.values()), [
        r.to_dict() for r in result.results
    ]
    assert result.passed


def test_a_frozen_column_is_named_with_its_keys_and_both_values(sides, tmp_path):
    source = rows()
    warehouse = [r[:1] + ("open",) + r[2:] for r in source]  # the copy stopped updating status
    servers = sides(source, warehouse)
    results = by_id(check(tmp_path, servers))
    status = results["requests.reconcile.status"]
    assert not status.passed
    frozen = sum(1 for r in source if r[1] != "open")
    assert status.observed == frozen and status.failed_rows == frozen
    assert len(status.samples) == 5
    for sample in status.samples:
        assert sample["warehouse"] == "open" and sample["source"] in ("quoted", "hired")
        assert source[sample["key"]["id"] - 1][1] == sample["source"]
    assert results[KEY_RESULT].passed
    assert all(
        results[f"requests.reconcile.{c}"].passed for c in ("price", "paid", "updated_at", "due")
    )
    # the rule's own result (the one Dagster checks and the guard know) fails with the column
    assert not results[RULE].passed and results[RULE].observed == frozen
    assert results[RULE].samples[0]["column"] == "status"


def test_a_dropped_row_is_a_missing_key(sides, tmp_path):
    source = rows()
    servers = sides(source, source[:41] + source[42:])
    results = by_id(check(tmp_path, servers))
    keys = results[KEY_RESULT]
    assert not keys.passed and keys.observed == 1
    assert keys.samples[0] == {
        "key": {"id": 42},
        "source": 1,
        "warehouse": 0,
        "problem": "missing from the warehouse",
    }
    assert all(r.passed for rid, r in results.items() if rid not in (KEY_RESULT, RULE))
    assert not results[RULE].passed and results[RULE].observed == 1


def test_a_row_changed_within_the_lag_is_late_not_missing(sides, tmp_path):
    import datetime as dt

    from tests.reconcile.helpers import NOW

    source = rows()
    late = list(source[9])
    late[4] = NOW - dt.timedelta(minutes=30)  # changed half an hour ago at the source
    source[9] = tuple(late)
    warehouse = source[:9] + source[10:]
    servers = sides(source, warehouse)
    within = by_id(check(tmp_path, servers, "source: app\nsince: updated_at\nlag: 2h"))
    assert within[KEY_RESULT].passed and within[KEY_RESULT].observed == 0
    assert all(r.passed for r in within.values())
    assert within[KEY_RESULT].samples[0]["key"] == {"id": 10}
    assert "late" in within[KEY_RESULT].samples[0]["problem"]
    assert "lag 7200s" in within[KEY_RESULT].expected
    # the same row, older than the allowance, is missing
    beyond = by_id(check(tmp_path, servers, "source: app\nsince: updated_at\nlag: 10m"))
    assert not beyond[KEY_RESULT].passed and beyond[KEY_RESULT].observed == 1


def test_a_changed_type_is_a_clear_failure_and_int_vs_bigint_is_fine(sides, tmp_path):
    source = [(r[0], r[1], r[2], r[3], r[4].replace(tzinfo=None), r[5]) for r in rows()]
    warehouse = rows()
    columns = (
        "id BIGINT, status TEXT, price NUMERIC(10,2), paid BOOLEAN, updated_at TIMESTAMP, due DATE"
    )
    servers = sides(source, warehouse, columns=columns)
    results = by_id(check(tmp_path, servers))
    changed = results["requests.reconcile.updated_at"]
    assert not changed.passed and changed.error is None
    assert "type mismatch" in changed.observed and "timestamp without time zone" in changed.observed
    assert results[KEY_RESULT].passed  # BIGINT at the source, INTEGER in the warehouse: same keys
    assert results["requests.reconcile.price"].passed
    assert not results[RULE].passed  # a column that could not be compared is no pass


def test_numeric_scale_compares_values_not_digits(sides, tmp_path):
    source = rows()
    warehouse = [r[:2] + (f"{float(r[2]):.1f}",) + r[3:] for r in source]  # rounded to 1 place
    columns = COLUMNS_PG.replace("NUMERIC(10,2)", "NUMERIC(10,4)")
    servers = sides(source, warehouse, columns=columns)
    price = by_id(check(tmp_path, servers))["requests.reconcile.price"]
    rounded = sum(1 for r in source if float(f"{float(r[2]):.1f}") != float(r[2]))
    assert rounded > 0 and price.observed == rounded
    sample = price.samples[0]
    assert float(sample["source"]) != float(sample["warehouse"])


def test_null_and_duplicate_keys_are_reported_on_their_side(sides, tmp_path):
    source = rows()
    warehouse = list(source) + [source[3]] + [(None,) + source[5][1:]]
    servers = sides(source, warehouse)
    keys = by_id(check(tmp_path, servers))[KEY_RESULT]
    assert not keys.passed and keys.observed == 2
    problems = {s["problem"]: s for s in keys.samples}
    assert problems["duplicate key in the warehouse"]["key"] == {"id": 4}
    assert problems["duplicate key in the warehouse"]["warehouse"] == 2
    assert problems["NULL key in the warehouse"]["key"] == {"id": None}


def test_an_unreachable_source_is_a_contract_error_not_a_pass(tmp_path):
    db = load_duckdb(tmp_path / "warehouse.duckdb", rows())
    servers = duck_server(db) + UNREACHABLE_APP
    with pytest.raises(ConnectionFailed, match="app"):
        check(tmp_path, servers)
