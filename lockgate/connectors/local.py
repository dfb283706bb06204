"""Local Parquet/CSV files, read through an in-memory DuckDB (one view per contract table)."""

from __future__ import annotations

import glob
import os
import re
from typing import TYPE_CHECKING, Any

from lockgate.connectors.base import Connector, check_data_path, expand_env
from lockgate.connectors.duckdb import execute, execute_bounded, safe_connect
from lockgate.contract.model import Server
from lockgate.errors import ConnectionFailed

if TYPE_CHECKING:
    import pandas as pd

READERS = {"parquet": "read_parquet", "csv": "read_csv_auto"}


class LocalFilesConnector(Connector):
    """`path` may name one file, a glob, or contain `{object}` (the table name) for several
    tables."""

    dialect = "duckdb"
    namespace = "main"

    def __init__(self, server: Server):
        self.path = expand_env(server.options.get("path"))
        fmt = server.options.get("format")
        if not isinstance(fmt, str) or fmt not in READERS:
            raise ConnectionFailed(
                f"server {server.name!r}: local format {fmt!r} is not supported; use parquet or csv"
            )
        self.format = fmt
        if not self.path:
            raise ConnectionFailed(f"server {server.name!r}: local servers need `path`")
        given, self.path = self.path, os.path.abspath(self.path)
        check_data_path(data_directory(self.path), server.name)
        # no file at all is a wrong path (a connection error), not a table with bad data
        if not glob.glob(self.path.replace("{object}", "*").replace("{model}", "*")):
            where = "" if os.path.isabs(given) else f" (relative to {os.getcwd()})"
            raise ConnectionFailed(f"server {server.name!r}: no file matches path {given}{where}")
        self.con = safe_connect(directories=(data_directory(self.path),))
        self._views: dict[str, bool] = {}

    def type_parser(self) -> Any:
        from ibis.backends.sql.datatypes import DuckDBType

        return DuckDBType

    def _ensure_view(self, table: str) -> bool:
        if table not in self._views:
            path = self.path.replace("{object}", table).replace("{model}", table)
            # a table name is one file name: `../x` (a reconcile `table`, a physicalName) would
            # name a file outside the server's folder, which DuckDB then refuses mid-check
            exists = not any(sep in table for sep in ("/", "\\")) and bool(glob.glob(path))
            if exists:
                reader = READERS[self.format]
                literal = path.replace("'", "''")
                self.con.execute(
                    f"CREATE VIEW {self.quote_table(table)} AS SELECT * FROM {reader}('{literal}')"
                )
            self._views[table] = exists
        return self._views[table]

    def columns(self, table: str) -> list[tuple[str, str]] | None:
        if not self._ensure_view(table):
            return None
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE "
            "table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        return [(r[0], r[1]) for r in rows] or None

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = execute(self.con, sql)
        return [d[0] for d in cursor.description], cursor.fetchall()

    def fetch_rule_value(self, sql: str) -> Any:
        row = execute_bounded(self.con, sql)
        return row[0] if row else None

    def fetch_frame(self, table: str) -> pd.DataFrame:
        self._ensure_view(table)
        return execute(self.con, f"SELECT * FROM {self.quote_table(table)}").df()

    def close(self) -> None:
        self.con.close()


_PATTERN = re.compile(r"[*?\[{]")


def data_directory(path: str) -> str:
    """The directory that holds every file `path` (a file, a glob, `{object}`) can name: the
    only place this server's connection may read."""
    match = _PATTERN.search(path)
    fixed = path[: match.start()] if match else path
    directory = fixed if fixed.endswith(os.sep) else os.path.dirname(fixed)
    return os.path.join(directory or os.getcwd(), "")
