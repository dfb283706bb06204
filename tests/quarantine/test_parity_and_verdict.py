"""DuckDB, PostgreSQL and the frame engine single out the same rows for the same reasons; within
budget the quarantining rules pass with the rows they set aside, over budget they fail."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import lockgate
from lockgate.report.json import render
from tests.quarantine.data import EXPECTED, contract_text, pros, quotes
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import pg_load_frame, pg_schema  # noqa: F401

NOW = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
TOTAL = 17


def held(outcome) -> dict:
    rows = outcome.quarantined
    return {
        (int(r.quote_id), int(r.created_at)): r.lockgate_rules.split(", ")
        for r in rows.itertuples()
    }


def duck_contract(tmp_path, max_rate=0.5):
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": quotes(), "pros": pros()})
    return lockgate.load_contract(
        write_contract(tmp_path, contract_text(database=str(db), max_rate=max_rate))
    )


def test_frame_engine_returns_valid_and_quarantined_rows(tmp_path):
    contract = duck_contract(tmp_path)
    result = lockgate.validate_frames(
        contract, {"quotes": quotes(), "pros": pros()}, as_of=NOW, quarantine=True
    )
    outcome = result.quarantine_of("quotes")
    assert held(outcome) == EXPECTED
    assert len(outcome.valid) == TOTAL - len(EXPECTED)
    assert set(outcome.valid["quote_id"]) == set(range(1, 16)) - {2, 3, 4, 5, 6}
    assert result.passed


@pytest.mark.parametrize("engine", ["sql", "frame"])
def test_within_budget_passes_with_quarantined_counts(tmp_path, engine):
    contract = duck_contract(tmp_path)
    result = lockgate.validate(contract, engine=engine, as_of=NOW, quarantine=True)
    assert result.passed, [r.to_dict() for r in result.failures]
    minimum = result.result("quotes.amount.minimum")
    assert (minimum.passed, minimum.failed_rows, minimum.observed) == (
        True,
        1,
        "1 rows quarantined",
    )
    assert result.result("quotes.status.invalidValues").failed_rows == 2
    assert result.result("quotes.quote_id.primaryKey").failed_rows == 2
    report = json.loads(render(result))
    assert report["passed"] is True
    assert report["quarantine"] == [
        {
            "schema": "quotes",
            "rows": 7,
            "rate": 7 / TOTAL,
            "maxRate": 0.5,
            "maxRows": None,
            "passed": True,
            "location": None,
        }
    ]


@pytest.mark.parametrize("engine", ["sql", "frame"])
def test_over_budget_fails_as_without_a_policy(tmp_path, engine):
    contract = duck_contract(tmp_path, max_rate=0.2)  # 7 of 17 rows is 41%
    result = lockgate.validate(contract, engine=engine, as_of=NOW)
    assert not result.passed
    minimum = result.result("quotes.amount.minimum")
    assert (minimum.passed, minimum.failed_rows) == (False, 1)
    (entry,) = result.to_dict()["quarantine"]
    assert (entry["rows"], entry["passed"], entry["maxRate"]) == (7, False, 0.2)


def test_no_policy_no_quarantine_key(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": quotes(), "pros": pros()})
    text = contract_text(database=str(db)).replace("check: quarantine", "check: extraColumns")
    text = text.replace("          maxRate: 0.5\n          orderBy: [created_at]\n", "")
    result = lockgate.validate(lockgate.load_contract(write_contract(tmp_path, text)), as_of=NOW)
    assert "quarantine" not in result.to_dict()
    assert not result.passed


def test_postgres_duckdb_and_frames_agree(tmp_path, pg_schema):  # noqa: F811
    con, schema = pg_schema
    pg_load_frame(
        con,
        schema,
        "quotes",
        quotes(),
        {"pro_id": "BIGINT", "quote_id": "BIGINT", "created_at": "BIGINT"},
    )
    pg_load_frame(con, schema, "pros", pros())
    from tests.support.postgres import PG

    pg = lockgate.load_contract(
        write_contract(
            tmp_path / "pg",
            contract_text(
                "postgres", host=PG["host"], port=PG["port"], database=PG["dbname"], schema=schema
            ),
        )
    )
    duck = duck_contract(tmp_path)
    outcomes = {
        "postgres": lockgate.validate(pg, as_of=NOW, quarantine=True).quarantine_of("quotes"),
        "duckdb": lockgate.validate(duck, as_of=NOW, quarantine=True).quarantine_of("quotes"),
        "frame": lockgate.validate_frames(
            duck, {"quotes": quotes(), "pros": pros()}, as_of=NOW, quarantine=True
        ).quarantine_of("quotes"),
    }
    for name, outcome in outcomes.items():
        assert outcome.error is None, (name, outcome.error)
        assert outcome.by_rule == outcomes["frame"].by_rule, name
        assert held(outcome) == EXPECTED, name


@pytest.mark.parametrize("engine", ["sql", "frame"])
def test_a_clean_table_quarantines_nothing(tmp_path, engine):
    clean = quotes()
    clean = clean[clean["quote_id"].isin([1, 8, 10, 11])].reset_index(drop=True)
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": clean, "pros": pros()})
    contract = lockgate.load_contract(write_contract(tmp_path, contract_text(database=str(db))))
    if engine == "frame":
        frames = {"quotes": clean, "pros": pros()}
        result = lockgate.validate_frames(contract, frames, as_of=NOW, quarantine=True)
    else:
        result = lockgate.validate(contract, as_of=NOW, quarantine=True)
    outcome = result.quarantine_of("quotes")
    assert (outcome.rows, outcome.passed, outcome.rate) == (0, True, 0.0)
    assert set(outcome.by_rule.values()) == {0}
    assert len(outcome.quarantined) == 0
    if engine == "frame":
        assert len(outcome.valid) == 4
    assert result.result("quotes.amount.minimum").observed == 0


def test_max_rows_is_a_budget_too(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": quotes(), "pros": pros()})
    text = contract_text(database=str(db)).replace(
        "maxRate: 0.5", "maxRate: 0.5\n          maxRows: 6"
    )
    result = lockgate.validate(lockgate.load_contract(write_contract(tmp_path, text)), as_of=NOW)
    (entry,) = result.to_dict()["quarantine"]
    assert (entry["rows"], entry["maxRows"], entry["passed"]) == (7, 6, False)
    assert not result.passed
