"""The history store in the warehouse's PostgreSQL: same contents as the SQLite store, created
safely by concurrent first runs, and written by two processes at once without losses."""

from __future__ import annotations

import multiprocessing

import pytest

from lockgate.contract.model import Server
from lockgate.state.store.postgres import PostgresHistoryStore
from tests.support.postgres import PG
from tests.unit.test_history_store import make_run

RUNS_PER_WRITER = 20


def _writer(schema: str, start, name: str) -> None:
    start.wait(30)
    store = PostgresHistoryStore(dict(PG), schema=schema)  # both create the schema at once
    for i in range(RUNS_PER_WRITER):
        store.record(*make_run(i, contract=name), family="postgres")
    store.close()


@pytest.mark.postgres
def test_two_processes_create_and_write_the_store_at_once(pg_schema):
    con, schema = pg_schema
    store_schema = f"{schema}_hist"
    try:
        ctx = multiprocessing.get_context("spawn")
        start = ctx.Event()
        writers = [
            ctx.Process(target=_writer, args=(store_schema, start, f"writer{n}")) for n in range(2)
        ]
        for w in writers:
            w.start()
        start.set()
        for w in writers:
            w.join(120)
        assert [w.exitcode for w in writers] == [0, 0]
        rows = con.execute(
            f'SELECT contract_id, count(*) FROM "{store_schema}".runs GROUP BY contract_id ORDER BY 1'
        ).fetchall()
        assert rows == [("writer0", RUNS_PER_WRITER), ("writer1", RUNS_PER_WRITER)]
        incomplete = con.execute(
            f'SELECT r.run_id FROM "{store_schema}".runs r WHERE '
            f'(SELECT count(*) FROM "{store_schema}".table_profiles p WHERE p.run_id = r.run_id) != 2 OR '
            f'(SELECT count(*) FROM "{store_schema}".rule_results x WHERE x.run_id = r.run_id) != 2'
        ).fetchall()
        assert incomplete == []
    finally:
        con.execute(f'DROP SCHEMA IF EXISTS "{store_schema}" CASCADE')


@pytest.mark.postgres
def test_the_store_of_a_postgres_server_reads_back_what_it_wrote(pg_schema):
    _con, schema = pg_schema
    server = Server(
        "pg",
        "postgres",
        {"host": PG["host"], "port": PG["port"], "database": PG["dbname"], "schema": schema},
    )
    with PostgresHistoryStore.for_server(server, schema=schema) as store:
        assert store.location.endswith(f"/{PG['dbname']} (schema {schema})")
        for i in range(3):
            store.record(*make_run(i, passed=i != 2), family="duckdb")
        history = store.table_history("c", "duck", "t", "duckdb")
        assert [r.row_count for r in history.runs] == [100, 101, 102]
        assert [r.is_failed("v", "nullRate") for r in history.runs] == [False, False, True]
        assert history.runs[1].columns["v"].fingerprint == -(2**62) + 1
        assert list(history.buckets.keys) == [0, 2, 4, 6, 8, 10, 12, 14]
        assert (
            store.table_history("c", "duck", "t", "postgres").buckets is None
        )  # other hash family
        assert [r["run_id"] for r in store.recent_runs("t", limit=2)] == [3, 2]
