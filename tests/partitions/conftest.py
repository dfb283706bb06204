"""One DuckDB warehouse with the partitioned events table, shared by the module's tests."""

from __future__ import annotations

import duckdb
import pytest

import lockgate
from tests.partitions.data import CONTRACT, customers, events
from tests.support.files import duckdb_with, write_contract


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """(DuckDB path, frames): `day` is a DATE column in DuckDB, as a warehouse would hold it."""
    folder = tmp_path_factory.mktemp("partitions")
    frames = {"events": events(), "customers": customers()}
    path = duckdb_with(folder / "events.duckdb", frames)
    con = duckdb.connect(str(path))
    try:
        con.execute("ALTER TABLE events ALTER day TYPE DATE")
    finally:
        con.close()
    return path, frames


def contract_for(tmp_path, duck_path, pg_schema: str = "unused", text: str = CONTRACT):
    path = write_contract(tmp_path, text.format(duck_path=duck_path, pg_schema=pg_schema))
    return lockgate.load_contract(path)
