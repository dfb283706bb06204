"""DuckDB files, opened read-only so checks never take the writer lock away from dbt or loaders."""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from lockgate.connectors.base import (
    TIMEOUT_ENV,
    Connector,
    check_data_path,
    expand_env,
    statement_timeout,
    statement_timeout_seconds,
)
from lockgate.contract.model import Server
from lockgate.errors import ConnectionFailed, LockgateError

if TYPE_CHECKING:
    import pandas as pd

MEMORY_LIMIT_ENV = "LOCKGATE_DUCKDB_MEMORY_LIMIT"
# A check only aggregates; what needs memory is the hash table of an exact distinct count
# (uniqueness rules), which DuckDB mostly spills to disk beyond its memory limit. With DuckDB's
# default limit (80 % of RAM) a 25-rule check of a 10M-row table peaked at 1.5 GB RSS; at 288 MB
# the whole `lockgate check` process peaked at 480 MB and was not slower. At 256 MB a lone
# COUNT(DISTINCT) over 10M integers sometimes ran out of memory instead of spilling (see
# `execute`). Checks often run side by side in an orchestrator, so the default is small; the
# environment variable changes it (benchmarks/RESULTS.md and notes.md have the measurements).
DEFAULT_MEMORY_LIMIT = "288MB"
MEMORY_STEPS = 3  # times the limit doubles before it is lifted


def check_config() -> dict[str, str]:
    """DuckDB settings for lockgate's connections."""
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT,
        # Spill into the system's temp directory, never next to a (maybe read-only) warehouse file
        # or into the working directory; DuckDB creates it on the first spill and removes it on
        # close.
        "temp_directory": os.path.join(
            tempfile.gettempdir(), f"lockgate-duckdb-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        ),
    }


def safe_connect(
    database: str = ":memory:", *, read_only: bool = False, directories: tuple[str, ...] = ()
) -> duckdb.DuckDBPyConnection:
    """A connection for contract SQL: no file or network access (no `read_csv('/etc/passwd')`,
    no `COPY ... TO`, no ATTACH) except below `directories` (a local server's own data), no
    extension downloads, no scans of Python variables by name. DuckDB cannot switch external
    access back on in the connection. The settings go in by SET, in this order, because DuckDB
    refuses to change the temp directory or the allowed list once access is off."""
    config: dict[str, Any] = {
        **check_config(),
        "autoinstall_known_extensions": False,
        "python_enable_replacements": False,
    }
    con = duckdb.connect(database, read_only=read_only, config=config)
    try:
        con.execute("SET allowed_directories = ?", [list(directories)])
        con.execute("SET enable_external_access = false")
    except BaseException:
        con.close()
        raise
    return con


def execute(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    """Run `sql` within the memory limit. If DuckDB cannot (not every operator spills, and whether
    one runs out can depend on timing), run it again with twice the limit, then lift the limit.
    The limit keeps checks small; it must never make one fail."""
    for _ in range(MEMORY_STEPS):
        try:
            return con.execute(sql)
        except duckdb.OutOfMemoryException:
            (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchall()[0]
            con.execute(f"SET memory_limit = '{_bytes(limit) * 2 // 2**20}MiB'")
    con.execute("RESET memory_limit")
    return con.execute(sql)


def execute_bounded(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    """The first row of `sql`, interrupted after the statement timeout: DuckDB has no timeout
    setting, so a timer interrupts the connection (a contract's `range(1e15)` ends)."""
    seconds = statement_timeout_seconds()
    timer = threading.Timer(seconds, con.interrupt) if seconds > 0 else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        return execute(con, sql).fetchone()
    except duckdb.InterruptException:
        limit = f"{statement_timeout()} ({TIMEOUT_ENV})"
        raise LockgateError(f"the query ran longer than {limit} and was stopped") from None
    finally:
        if timer is not None:
            timer.cancel()


def _bytes(setting: str) -> int:
    """DuckDB's display of a memory setting ("288.0 MiB", "1.2 GiB") in bytes."""
    number, unit = setting.split()
    return int(
        float(number) * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}.get(unit, 1)
    )


class DuckDBConnector(Connector):
    dialect = "duckdb"

    def __init__(self, server: Server):
        database = expand_env(server.options.get("database"))
        # messages show the path as the contract writes it: `${SECRET}` must not print the secret
        shown = str(server.options.get("database"))[:200]
        self.namespace = expand_env(server.options.get("schema")) or "main"
        if not database:
            raise ConnectionFailed(f"server {server.name!r}: duckdb needs `database` (a file path)")
        check_data_path(database, server.name)
        if database != ":memory:" and not _is_file(database):
            raise ConnectionFailed(f"server {server.name!r}: DuckDB file {shown} does not exist")
        try:
            self.con = safe_connect(database, read_only=True)
        except duckdb.Error as exc:
            reason = str(exc).replace(database, shown)
            message = f"server {server.name!r}: cannot open DuckDB file {shown}: {reason}"
            raise ConnectionFailed(message) from None

    def type_parser(self) -> Any:
        from ibis.backends.sql.datatypes import DuckDBType

        return DuckDBType

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [self.namespace, table],
        ).fetchall()
        return [(r[0], r[1]) for r in rows] or None

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = execute(self.con, sql)
        names = [d[0] for d in cursor.description]
        return names, cursor.fetchall()

    def fetch_rule_value(self, sql: str) -> Any:
        row = execute_bounded(self.con, sql)
        return row[0] if row else None

    def fetch_frame(self, table: str) -> pd.DataFrame:
        """The whole table as a pandas DataFrame (for the frame engine)."""
        return execute(self.con, f"SELECT * FROM {self.quote_table(table)}").df()

    def close(self) -> None:
        self.con.close()


def _is_file(path: str) -> bool:
    try:
        return Path(path).exists()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL
        return False
