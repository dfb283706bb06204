"""The embedded history store: one SQLite file, by default `.lockgate/history.sqlite`.

SQLite rather than a DuckDB file: DuckDB admits one writing process per file, and the warehouse
itself may be a DuckDB file that dbt and loaders hold open; a history in SQLite never contends
for that lock. WAL mode lets readers run while a run is being written; writers take the write
lock up front (BEGIN IMMEDIATE) and wait for each other (busy timeout) instead of failing, so two
processes recording at once both succeed, one after the other.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from lockgate.errors import LockgateError
from lockgate.state.store.sql_store import SqlHistoryStore

BUSY_TIMEOUT_S = 60
TYPES = {
    "id": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "int": "INTEGER",
    "real": "REAL",
    "text": "TEXT",
    "blob": "BLOB",
}


class SqliteHistoryStore(SqlHistoryStore):
    con: sqlite3.Connection

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.location = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # autocommit mode: transactions are opened explicitly below
            self.con = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self.con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
            self._use_wal()
            self.con.execute(
                "PRAGMA synchronous = NORMAL"
            )  # durable at each checkpoint; safe in WAL mode
            with self._write() as cur:
                self._create_schema(cur, TYPES)
        except (sqlite3.Error, OSError) as exc:
            raise LockgateError(f"cannot open the history store {self.path}: {exc}") from None

    def _use_wal(self) -> None:
        """Switch the file to WAL. While another connection holds a write lock on a file not yet
        in WAL mode (two first checks creating the same store), SQLite answers "database is
        locked" at once, without calling the busy handler: wait for it here as the busy timeout
        would."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.con.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def _name(self, table: str) -> str:
        return f'"{table}"'

    @contextmanager
    def _write(self):
        cur = self.con.cursor()
        cur.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock later
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    @contextmanager
    def _read(self):
        cur = self.con.cursor()
        cur.execute("BEGIN")  # one snapshot for the several SELECTs of a read
        try:
            yield cur
        finally:
            cur.execute("COMMIT")
            cur.close()
