"""The same contract, every rule kind, on DuckDB (SQL engine), PostgreSQL (SQL engine) and pandas
(frame engine): identical per-rule verdicts and failed-row counts, on clean and corrupted data."""

from __future__ import annotations

import pytest

import lockgate
from tests.support.files import duckdb_with, write_contract
from tests.support.orders import (
    CONTRACT,
    CORRUPTED_FAILED_ROWS,
    CORRUPTED_FAILING,
    NOW,
    customers,
    orders,
)
from tests.support.postgres import pg_load_frame


def _load(tmp_path, corrupted: bool, pg_schema_name: str):
    frames = {"orders": orders(corrupted), "customers": customers(corrupted)}
    duck = duckdb_with(tmp_path / "parity.duckdb", frames)
    path = write_contract(tmp_path, CONTRACT.format(duck_path=duck, pg_schema=pg_schema_name))
    return lockgate.load_contract(path), frames


def _verdicts(result):
    return {r.rule.id: (r.passed, r.failed_rows) for r in result.results}


@pytest.mark.postgres
@pytest.mark.parametrize("corrupted", [False, True], ids=["clean", "corrupted"])
def test_every_engine_gives_the_same_verdicts(tmp_path, pg_schema, corrupted):
    con, schema = pg_schema
    contract, frames = _load(tmp_path, corrupted, schema)
    for name, df in frames.items():
        pg_load_frame(con, schema, name, df)

    duck = lockgate.validate(contract, "duck", now=NOW)
    pg = lockgate.validate(contract, "pg", now=NOW)
    frame = lockgate.validate_frames(contract, frames, now=NOW)

    assert len(duck.results) == len(contract.rules) == 47
    assert _verdicts(duck) == _verdicts(pg)
    assert _verdicts(duck) == _verdicts(frame)
    for result in (duck, pg, frame):
        errors = {r.rule.id: r.error for r in result.results if r.error}
        assert errors == {}, f"{result.engine}/{result.server}: rules that could not be measured: {errors}"

    failing = {r.rule.id for r in duck.results if not r.passed}
    if not corrupted:
        assert failing == set()
        assert duck.passed and pg.passed and frame.passed
    else:
        assert failing == CORRUPTED_FAILING
        counts = {rule_id: duck.result(rule_id).failed_rows for rule_id in CORRUPTED_FAILED_ROWS}
        assert counts == CORRUPTED_FAILED_ROWS
        assert not duck.passed and not pg.passed and not frame.passed


def test_frame_engine_alone_matches_the_truth(tmp_path):
    """The same check without PostgreSQL, so the frame engine is covered on every machine."""
    contract, frames = _load(tmp_path, True, "unused")
    frame = lockgate.validate_frames(contract, frames, now=NOW)
    duck = lockgate.validate(contract, "duck", now=NOW)
    assert {r.rule.id for r in frame.results if not r.passed} == CORRUPTED_FAILING
    assert {k: frame.result(k).failed_rows for k in CORRUPTED_FAILED_ROWS} == CORRUPTED_FAILED_ROWS
    assert _verdicts(frame) == _verdicts(duck)


def test_samples_name_the_offending_rows(tmp_path):
    contract, frames = _load(tmp_path, True, "unused")
    for result in (lockgate.validate(contract, "duck", now=NOW), lockgate.validate_frames(contract, frames, now=NOW)):
        status = result.result("orders.status.invalidValues")
        assert [s["order_id"] for s in status.samples] == [7, 8]
        assert {s["status"] for s in status.samples} == {"lost"}
        pk = result.result("orders.order_id.primaryKey")
        assert pk.samples == (({"order_id": 1, "duplicate_count": 2}),)
        orphan = result.result("orders.customer_id.relationship")
        assert [(s["order_id"], s["customer_id"]) for s in orphan.samples] == [(6, "zzz")]
        assert result.result("orders.amount.minimum").samples[0]["amount"] == -5.0
        # passing rules carry no samples
        assert result.result("orders.order_id.required").samples == ()
