"""DuckDB files, opened read-only so checks never take the writer lock away from dbt or loaders."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import duckdb
from ibis.backends.sql.datatypes import DuckDBType

from lockgate.contract.model import Server
from lockgate.engines.sql.connectors.base import Connector, expand_env
from lockgate.errors import ConnectionFailed

MEMORY_LIMIT_ENV = "LOCKGATE_DUCKDB_MEMORY_LIMIT"
# A check only aggregates; what needs memory is the hash table of an exact distinct count
# (uniqueness rules), which DuckDB spills to disk beyond its memory limit. With DuckDB's default
# limit (80 % of RAM) one 25-rule check of a 10M-row table peaked at 1.5 GB RSS; at 256 MB it
# stayed near 350 MB and was not slower (benchmarks/RESULTS.md). Checks often run side by side in
# an orchestrator, so the default is small; the environment variable raises it.
DEFAULT_MEMORY_LIMIT = "256MB"


def check_config() -> dict[str, str]:
    """DuckDB settings for lockgate's connections."""
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT,
        # Spill into the system's temp directory, never next to a (maybe read-only) warehouse file
        # or into the working directory; DuckDB creates it on the first spill and removes it on close.
        "temp_directory": os.path.join(tempfile.gettempdir(), f"lockgate-duckdb-{os.getpid()}-{uuid.uuid4().hex[:8]}"),
    }


class DuckDBConnector(Connector):
    dialect = "duckdb"

    def __init__(self, server: Server):
        database = expand_env(server.options.get("database"))
        self.namespace = expand_env(server.options.get("schema")) or "main"
        if not database:
            raise ConnectionFailed(f"server {server.name!r}: duckdb needs `database` (a file path)")
        if database != ":memory:" and not Path(database).exists():
            raise ConnectionFailed(f"server {server.name!r}: DuckDB file {database} does not exist")
        try:
            self.con = duckdb.connect(database, read_only=True, config=check_config())
        except duckdb.Error as exc:
            raise ConnectionFailed(f"server {server.name!r}: cannot open DuckDB file {database}: {exc}") from None

    def type_parser(self):
        return DuckDBType

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [self.namespace, table],
        ).fetchall()
        return [(r[0], r[1]) for r in rows] or None

    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description]
        return names, cursor.fetchall()

    def fetch_frame(self, table: str):
        """The whole table as a pandas DataFrame (for the frame engine)."""
        return self.con.execute(f"SELECT * FROM {self.quote_table(table)}").df()

    def close(self) -> None:
        self.con.close()
