"""The embedded history store (SQLite, WAL): what a run writes, that a run is all-or-nothing,
that two processes writing at once lose nothing, and which store a check picks."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3

import numpy as np
import pytest

from lockgate.contract.rules import Anomaly, ChangeRate, Rule, Threshold
from lockgate.profile.model import BucketFingerprints, ColumnStats, TableProfile
from lockgate.results.model import RuleResult, ValidationResult
from lockgate.state.store import DEFAULT_PATH, ENV, open_store
from lockgate.state.store.sql_store import KEEP_BUCKET_RUNS, SqlHistoryStore
from lockgate.state.store.sqlite import SqliteHistoryStore

START = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)
NULLS = Rule(
    "t.v.anomaly.nullRate",
    "t",
    "v",
    "anomaly",
    Anomaly("nullRate", "v"),
    Threshold("mustBe", 0, "value"),
)
FROZEN = Rule(
    "t.v.changeRate",
    "t",
    "v",
    "changeRate",
    ChangeRate("v", ("k",), ("v",)),
    Threshold("mustBe", 0, "value"),
)


def make_run(
    i: int, *, contract: str = "c", passed: bool = True
) -> tuple[ValidationResult, dict[str, TableProfile]]:
    """Run number i: table t with i rows, a profiled column v, and bucket fingerprints."""
    result = ValidationResult(
        contract,
        "1.0.0",
        "hash",
        "duck",
        "sql",
        START + dt.timedelta(days=i),
        START + dt.timedelta(days=i, seconds=2),
    )
    result.results = [
        RuleResult(NULLS, passed, f"nullRate run {i}", "in band", None, 100 + i),
        RuleResult(FROZEN, True, "fine", "changes", None, 100 + i),
    ]
    result.table_rows = {"t": 100 + i, "u": 7}
    buckets = BucketFingerprints.empty(8, ["v"])
    buckets.counts[:] = i
    buckets.keys[:] = np.arange(8) * i
    stats = ColumnStats(
        non_null=90 + i,
        distinct=12,
        minimum=0.0,
        maximum=9.5,
        mean=4.2,
        max_time=dt.datetime(2026, 3, 1 + i % 20),
        top_share=0.25,
        fingerprint=-(2**62) + i,
    )
    profile = TableProfile("duckdb", 100 + i, {"v": stats}, buckets)
    return result, {"t": profile}


@pytest.fixture
def store(tmp_path):
    with SqliteHistoryStore(tmp_path / "h.sqlite") as s:
        yield s


def test_a_run_is_read_back_as_history_oldest_first(store):
    for i in range(3):
        store.record(*make_run(i, passed=i != 1), family="duckdb")
    history = store.table_history("c", "duck", "t", "duckdb")
    assert [r.row_count for r in history.runs] == [100, 101, 102]
    v = history.runs[2].columns["v"]
    assert (v.non_null, v.distinct, v.mean, v.top_share, v.fingerprint) == (
        92,
        12,
        4.2,
        0.25,
        -(2**62) + 2,
    )
    assert v.max_time == dt.datetime(2026, 3, 3)
    # the failed anomaly point of run 1 is marked, so baselines skip it
    assert [r.is_failed("v", "nullRate") for r in history.runs] == [False, True, False]
    assert history.buckets is not None and list(history.buckets.keys) == [0, 2, 4, 6, 8, 10, 12, 14]
    # other contracts, servers and fingerprint families are other histories
    assert store.table_history("other", "duck", "t", "duckdb").runs == []
    assert store.table_history("c", "pg", "t", "duckdb").runs == []
    assert store.table_history("c", "duck", "t", "pandas").buckets is None


def test_only_the_latest_bucket_fingerprints_are_kept(store):
    for i in range(KEEP_BUCKET_RUNS + 4):
        store.record(*make_run(i), family="duckdb")
    rows = store.con.execute("SELECT run_id FROM bucket_fingerprints ORDER BY run_id").fetchall()
    assert [r[0] for r in rows] == [5, 6, 7]


def test_recent_runs_lists_failed_rules(store):
    store.record(*make_run(0), family="duckdb")
    store.record(*make_run(1, passed=False), family="duckdb")
    runs = store.recent_runs("t", limit=5)
    assert [r["run_id"] for r in runs] == [2, 1]
    assert runs[0]["failed"] == [
        {
            "rule": "t.v.anomaly.nullRate",
            "column": "v",
            "check": "anomaly",
            "severity": "error",
            "observed": "nullRate run 1",
        }
    ]
    assert runs[0]["row_count"] == 101 and runs[1]["failed"] == []
    assert store.recent_runs("t", contract_id="nope") == []


def test_a_run_that_fails_half_way_leaves_nothing_behind(store, monkeypatch):
    store.record(*make_run(0), family="duckdb")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SqlHistoryStore, "_write_profile", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.record(*make_run(1), family="duckdb")
    counts = {
        t: store.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (
            "runs",
            "table_profiles",
            "column_profiles",
            "rule_results",
            "bucket_fingerprints",
        )
    }
    assert counts == {
        "runs": 1,
        "table_profiles": 2,
        "column_profiles": 1,
        "rule_results": 2,
        "bucket_fingerprints": 1,
    }
    monkeypatch.undo()
    assert (
        store.record(*make_run(2), family="duckdb") == 2
    )  # still usable; the rolled-back run left no trace


RUNS_PER_WRITER = 25


def _writer(path: str, start, name: str) -> None:
    store = open_store(path)
    start.wait(30)
    for i in range(RUNS_PER_WRITER):
        store.record(*make_run(i, contract=name), family="duckdb")
    store.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    writers = [ctx.Process(target=_writer, args=(path, start, f"writer{n}")) for n in range(2)]
    for w in writers:
        w.start()
    start.set()
    for w in writers:
        w.join(120)
    assert [w.exitcode for w in writers] == [0, 0]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    per_contract = dict(
        con.execute("SELECT contract_id, count(*) FROM runs GROUP BY contract_id").fetchall()
    )
    assert per_contract == {"writer0": RUNS_PER_WRITER, "writer1": RUNS_PER_WRITER}
    # every run is complete: its table profiles, column profile and rule results are all there
    incomplete = con.execute(
        "SELECT r.run_id FROM runs r WHERE (SELECT count(*) FROM table_profiles p WHERE "
        "p.run_id = r.run_id) != 2 "
        "OR (SELECT count(*) FROM column_profiles c WHERE c.run_id = r.run_id) != 1 "
        "OR (SELECT count(*) FROM rule_results x WHERE x.run_id = r.run_id) != 2"
    ).fetchall()
    assert incomplete == []
    with open_store(path) as store:
        assert [
            r.row_count for r in store.table_history("writer1", "duck", "t", "duckdb").runs
        ] == list(range(100, 100 + RUNS_PER_WRITER))


def test_opening_waits_for_a_writer_on_a_file_not_yet_in_wal_mode(tmp_path):
    """Two first checks creating one store: while one holds a write lock on the new file, the
    other's switch to WAL gets "database is locked" at once (SQLite skips the busy handler
    there); opening must wait for the lock like every other write, not fail the check."""
    import threading

    path = tmp_path / "new.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE other (a INTEGER)")  # a file in rollback-journal mode
    holder.execute("BEGIN IMMEDIATE")  # the other process's write lock
    opened: list[object] = []

    def open_it() -> None:
        try:
            SqliteHistoryStore(path).close()
            opened.append("ok")
        except Exception as exc:  # noqa: BLE001 (the failure is what the test reports)
            opened.append(exc)

    worker = threading.Thread(target=open_it)
    worker.start()
    worker.join(1.0)  # without the wait, opening has failed well within this second
    holder.execute("COMMIT")
    worker.join(60)
    holder.close()
    assert opened == ["ok"]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_which_store_a_check_uses(tmp_cwd, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    with open_store() as store:
        assert (
            store.location == str(DEFAULT_PATH)
            and (tmp_cwd / ".lockgate" / "history.sqlite").exists()
        )
    monkeypatch.setenv(ENV, str(tmp_cwd / "from-env.sqlite"))
    with open_store() as store:
        assert store.location == str(tmp_cwd / "from-env.sqlite")
    with open_store(
        tmp_cwd / "given.sqlite"
    ) as store:  # an explicit location beats the environment
        assert store.location == str(tmp_cwd / "given.sqlite")


def test_an_unwritable_location_is_a_clear_error(tmp_path):
    from lockgate.errors import LockgateError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LockgateError, match="cannot open the history store"):
        open_store(blocker / "h.sqlite")


def test_a_postgres_server_keeps_its_history_in_its_own_database(tmp_cwd, monkeypatch):
    from lockgate.contract.model import Server
    from lockgate.state.store.postgres import SCHEMA, PostgresHistoryStore

    opened = []
    monkeypatch.setattr(
        PostgresHistoryStore,
        "for_server",
        classmethod(
            lambda cls, server, schema=SCHEMA: opened.append((server.name, schema)) or "pg-store"
        ),
    )
    monkeypatch.setattr(
        PostgresHistoryStore,
        "__init__",
        lambda self, conninfo, schema=SCHEMA: opened.append((conninfo, schema)),
    )
    monkeypatch.delenv(ENV, raising=False)
    warehouse = Server("wh", "postgres", {"host": "db", "database": "dw"})
    assert open_store(server=warehouse) == "pg-store"
    assert opened == [("wh", "lockgate_history")]
    with open_store(server=Server("duck", "duckdb", {"database": "x.duckdb"})) as store:
        assert isinstance(store, SqliteHistoryStore)  # other servers: the embedded file
    open_store("postgresql://u@h/db")
    assert opened[-1] == ("postgresql://u@h/db", "lockgate_history")
    monkeypatch.setenv(ENV, str(tmp_cwd / "env.sqlite"))
    with open_store(server=warehouse) as store:  # the environment beats the server default
        assert store.location == str(tmp_cwd / "env.sqlite")
