"""The prediction log: every request and every prediction, appended by one background writer.

Requests hand their entry to a bounded queue and return; one thread writes the queue to SQLite
in batches (one transaction per batch). A slow disk or a reader holding a lock therefore slows
the writer, not the requests: when the queue is full a request waits at most `put_timeout`
seconds and then the entry is dropped and counted (`dropped`, shown by /health), rather than
failing or stalling the request. A clean shutdown (`close`) writes everything still queued.

SQLite in WAL mode is the default store because `lockgate monitor` and the Dagster job must read
the log while `serve` is writing it: WAL readers never block the writer nor wait for it (a DuckDB
file admits one writing process and blocks other openers). The log's own contract is
`prediction_log.odcs.yaml` beside this module.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    logged_at TEXT NOT NULL,
    model TEXT NOT NULL,
    version TEXT,
    records INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    reason TEXT
);
CREATE TABLE IF NOT EXISTS predictions (
    request_id TEXT NOT NULL,
    record_index INTEGER NOT NULL,
    logged_at TEXT NOT NULL,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    features TEXT NOT NULL,
    prediction REAL NOT NULL,
    PRIMARY KEY (request_id, record_index)
);
CREATE INDEX IF NOT EXISTS predictions_by_time ON predictions (model, logged_at);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (model, logged_at);
"""

CONTRACT_FILE = Path(__file__).with_name("prediction_log.odcs.yaml")
_STOP = object()
BATCH = 500


def timestamp(at: dt.datetime) -> str:
    """One fixed-width UTC format, so that text order is time order in window queries."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LogEntry:
    request_id: str
    at: dt.datetime
    model: str
    version: str | None
    records: int
    rejected: bool = False
    reason: str | None = None
    features: tuple[dict[str, Any], ...] = ()
    predictions: tuple[float, ...] = ()


@dataclass
class LogStats:
    queued: int = 0
    written_requests: int = 0
    written_predictions: int = 0
    dropped: int = 0
    write_errors: int = 0
    last_error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "lock"}


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to the log; readers use `readonly=True` (WAL: they never block the writer)."""
    if readonly:
        con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=30)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.executescript(SCHEMA)
    return con


class PredictionLog:
    def __init__(self, path: str | Path, *, maxsize: int = 20_000, put_timeout: float = 0.05):
        self.path = Path(path)
        self.put_timeout = put_timeout
        self.stats = LogStats()
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._thread: threading.Thread | None = None
        connect(self.path).close()  # create the file and tables now: a bad path fails at start-up

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="lockgate-prediction-log", daemon=True
            )
            self._thread.start()

    def append(self, entry: LogEntry) -> bool:
        """Queue one entry; False when it was dropped because the writer is too far behind."""
        try:
            self._queue.put(entry, timeout=self.put_timeout)
        except queue.Full:
            with self.stats.lock:
                self.stats.dropped += 1
            return False
        return True

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued, then stop the writer."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    def snapshot(self) -> dict[str, Any]:
        self.stats.queued = self._queue.qsize()
        return self.stats.to_dict()

    def _run(self) -> None:
        con = connect(self.path)
        try:
            while True:
                batch, stop = self._next_batch()
                if batch:
                    self._write(con, batch)
                if stop:
                    return
        finally:
            con.close()

    def _next_batch(self) -> tuple[list[LogEntry], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        while len(batch) < BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, con: sqlite3.Connection, batch: list[LogEntry]) -> None:
        requests = [
            (
                e.request_id,
                timestamp(e.at),
                e.model,
                e.version,
                e.records,
                int(e.rejected),
                e.reason,
            )
            for e in batch
        ]
        predictions = list(_prediction_rows(batch))
        for attempt in range(5):
            try:
                with con:
                    con.executemany(
                        "INSERT OR IGNORE INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)", requests
                    )
                    con.executemany(
                        "INSERT OR IGNORE INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?)",
                        predictions,
                    )
                break
            except sqlite3.OperationalError as exc:  # e.g. "database is locked" past the timeout
                with self.stats.lock:
                    self.stats.write_errors += 1
                    self.stats.last_error = str(exc)
                if attempt == 4:
                    with self.stats.lock:
                        self.stats.dropped += len(batch)
                    return
        with self.stats.lock:
            self.stats.written_requests += len(requests)
            self.stats.written_predictions += len(predictions)


def _prediction_rows(batch: Iterable[LogEntry]):
    for e in batch:
        if e.rejected:
            continue
        at = timestamp(e.at)
        for index, (features, output) in enumerate(zip(e.features, e.predictions)):
            yield (
                e.request_id,
                index,
                at,
                e.model,
                e.version,
                json.dumps(features, separators=(",", ":")),
                float(output),
            )
