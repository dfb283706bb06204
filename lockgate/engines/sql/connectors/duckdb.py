"""DuckDB files, opened read-only so checks never take the writer lock away from dbt or loaders."""

from __future__ import annotations

from pathlib import Path

import duckdb
from ibis.backends.sql.datatypes import DuckDBType

from lockgate.contract.model import Server
from lockgate.engines.sql.connectors.base import Connector, expand_env
from lockgate.errors import ConnectionFailed


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
            self.con = duckdb.connect(database, read_only=True)
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
