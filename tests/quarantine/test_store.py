"""The quarantine store: every quarantined row with its key, rules, load and contract version, in
a DuckDB file, a Parquet folder or a PostgreSQL schema; the same load written twice is kept once;
`lockgate quarantine list|show` print what is held."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import lockgate
from lockgate.quarantine.run import QuarantineRequest
from lockgate.quarantine.store import open_quarantine_store
from tests.quarantine.data import EXPECTED, contract_text, pros, quotes
from tests.support.cli import lockgate as run_cli
from tests.support.files import duckdb_with, write_contract
from tests.support.postgres import PG, pg_schema  # noqa: F401

AS_OF = dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)


@pytest.fixture
def setup(tmp_path):
    db = duckdb_with(tmp_path / "w.duckdb", {"quotes": quotes(), "pros": pros()})
    path = write_contract(tmp_path, contract_text(database=str(db)))
    return path, lockgate.load_contract(path)


def stored(frame) -> dict:
    return {
        (json.loads(r.row_json)["quote_id"], json.loads(r.row_json)["created_at"]): json.loads(
            r.rules
        )
        for r in frame.itertuples()
    }


def _check_twice(contract, location) -> None:
    for _ in range(2):  # a retry of the same load
        result = lockgate.validate(
            contract, quarantine=QuarantineRequest(store=location, as_of=AS_OF)
        )
        assert result.passed
        assert result.quarantine_of("quotes").location == open_location(location)


def open_location(location) -> str:
    store = open_quarantine_store(location)
    try:
        return store.location
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["duckdb", "parquet"])
def test_rows_are_stored_once_per_load(tmp_path, setup, kind):
    _path, contract = setup
    location = tmp_path / ("q.duckdb" if kind == "duckdb" else "qfolder")
    _check_twice(contract, location)
    store = open_quarantine_store(location)
    try:
        frame = store.read("quotes")
    finally:
        store.close()
    assert stored(frame) == EXPECTED
    assert len(frame) == len(EXPECTED)
    assert set(frame["version"]) == {"1.2.0"} and set(frame["contract"]) == {"quotes-q"}
    assert frame["load_id"].nunique() == 1
    assert {json.loads(k)["quote_id"] for k in frame["row_key"]} == {k[0] for k in EXPECTED}
    assert all(t.astimezone(dt.UTC) == AS_OF for t in frame["as_of"])


def test_a_new_load_adds_its_rows(tmp_path, setup):
    _path, contract = setup
    location = tmp_path / "q.duckdb"
    lockgate.validate(contract, quarantine=QuarantineRequest(store=location, load="load-1"))
    lockgate.validate(contract, quarantine=QuarantineRequest(store=location, load="load-2"))
    store = open_quarantine_store(location)
    try:
        frame = store.read()
    finally:
        store.close()
    assert sorted(frame.groupby("load_id").size().items()) == [("load-1", 7), ("load-2", 7)]


def test_postgres_store_in_its_own_schema(setup, pg_schema):  # noqa: F811
    _con, schema = pg_schema
    _path, contract = setup
    # trust auth ignores the password; the point is that no report or listing repeats it
    url = (
        f"postgresql://{PG['user']}:s3cret@{PG['host']}:{PG['port']}/{PG['dbname']}?schema={schema}"
    )
    _check_twice(contract, url)
    store = open_quarantine_store(url)
    try:
        frame = store.read("quotes")
        assert stored(frame) == EXPECTED
        assert len(frame) == len(EXPECTED)
        assert (
            store.location
            == f"postgresql://{PG['host']}:{PG['port']}/{PG['dbname']}?schema={schema}"
        )
    finally:
        store.close()


def test_cli_check_list_and_show(tmp_path, setup):
    path, _contract = setup
    location = tmp_path / "q.duckdb"
    proc = run_cli("check", str(path), "--no-history", "--quarantine", str(location), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)["quarantine"]
    assert (entry["rows"], entry["passed"], entry["location"]) == (7, True, str(location))
    listed = run_cli("quarantine", "list", env={"LOCKGATE_QUARANTINE": str(location)})
    assert listed.returncode == 0, listed.stderr
    assert "quotes (contract quotes-q 1.2.0)" in listed.stdout and ": 7 rows" in listed.stdout
    assert "  quotes.status.invalidValues: 2" in listed.stdout
    shown = run_cli("quarantine", "show", "quotes", "--quarantine", str(location))
    assert shown.returncode == 0, shown.stderr
    block = shown.stdout.split("quotes.pro_id.relationship (1 rows):\n")[1].splitlines()[0]
    assert '"quote_id": 5' in block and '"pro_id": 99' in block
    missing = run_cli("quarantine", "list")
    assert missing.returncode != 0 and "LOCKGATE_QUARANTINE" in missing.stderr
