"""What the simulator needs from a warehouse connection, and the SQL both dialects share.

Rows move in bulk only: a frame is staged once (a registered frame in DuckDB, a COPY into a
temporary table in Postgres) and applied with one INSERT/UPDATE/DELETE per table and load.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from pandas.api import types as ptypes

from ..schema import BOOL, DATE, DOUBLE, INT, STRING, TIMESTAMP

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str, what: str = "identifier") -> str:
    if not _IDENTIFIER.match(name or ""):
        raise ValueError(f"invalid {what} {name!r}: use letters, digits and underscores")
    return name


_CANONICAL = {
    STRING: "str",
    INT: "Int64",
    DOUBLE: "float64",
    BOOL: "boolean",
    TIMESTAMP: "datetime64[us]",
    DATE: "datetime64[us]",
}


def normalize(df: pd.DataFrame, types: dict[str, str], strict: bool = False) -> pd.DataFrame:
    """Cast the columns named in `types` to one pandas dtype per logical type, so frames read
    back from either warehouse compare equal to generated ones (`strict`), or just to a dtype
    of the right family, which is all a bulk load needs and much cheaper."""
    out = {}
    changed = False
    for col in df.columns:
        s = original = df[col]
        kind = types.get(col)
        dtype = s.dtype
        if kind is None:
            pass
        elif strict and dtype != _CANONICAL[kind] and kind not in (TIMESTAMP, DATE):
            if kind in (INT, DOUBLE):
                s = pd.to_numeric(s)
            s = s.astype(_CANONICAL[kind])
        # a numpy dtype compares equal to the `object` type (`is` would not): keep `!=`
        elif kind == STRING and not (
            ptypes.is_string_dtype(dtype) and dtype != object  # noqa: E721
        ):
            s = s.astype("str")
        elif kind == INT and not ptypes.is_integer_dtype(dtype):
            s = pd.to_numeric(s).astype("Int64")
        elif kind == DOUBLE and not ptypes.is_float_dtype(dtype):
            s = pd.to_numeric(s).astype("float64")
        elif kind == BOOL and not ptypes.is_bool_dtype(dtype):
            s = s.astype("boolean")
        if kind in (TIMESTAMP, DATE) and dtype != "datetime64[us]":
            s = pd.to_datetime(s).astype("datetime64[us]")
            if kind == DATE:
                s = s.dt.normalize()
        out[col] = s
        changed = changed or s is not original
    return pd.DataFrame(out, index=df.index) if changed else df


def _literal(value, kind: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "NULL"
    if kind == STRING:
        return "'" + str(value).replace("'", "''") + "'"
    if kind == BOOL:
        return "TRUE" if value else "FALSE"
    if kind == INT:
        return str(int(value))
    if kind == DOUBLE:
        return repr(float(value))
    if kind == DATE:
        return f"DATE '{pd.Timestamp(value):%Y-%m-%d}'"
    return f"TIMESTAMP '{pd.Timestamp(value):%Y-%m-%d %H:%M:%S.%f}'"


class Writer(ABC):
    """An open connection to one warehouse schema (the raw schema)."""

    type_names: dict[str, str]

    def __init__(self, schema: str):
        self.schema = check_identifier(schema, "schema name")
        self._columns: dict[str, list[str]] = {}  # information_schema is slow-ish; DDL clears it

    def qualified(self, table: str) -> str:
        return f"{self.schema}.{check_identifier(table, 'table name')}"

    # -- primitives each dialect implements ------------------------------------------------
    @abstractmethod
    def execute(self, sql: str) -> None: ...

    @abstractmethod
    def execute_count(self, sql: str) -> int:
        """Run a DML statement and return the number of rows it touched."""

    @abstractmethod
    def fetchall(self, sql: str) -> list[tuple]: ...

    @abstractmethod
    def read_frame(self, sql: str) -> pd.DataFrame: ...

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]: ...

    @abstractmethod
    def _stage(self, df: pd.DataFrame, types: dict[str, str]) -> str:
        """Make `df` queryable under the returned name until `_unstage`."""

    @abstractmethod
    def _unstage(self, name: str) -> None: ...

    @abstractmethod
    def insert(self, table: str, df: pd.DataFrame, types: dict[str, str]) -> None: ...

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Keep other simulator processes out of this raw schema while landing (DuckDB's file
        lock already does)."""
        yield

    cascade = ""  # Postgres needs CASCADE to drop columns that dbt's views depend on

    # -- shared SQL --------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")

    def tables(self) -> list[str]:
        rows = self.fetchall(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = '{self.schema}' ORDER BY table_name"
        )
        return [r[0] for r in rows]

    def columns(self, table: str) -> list[str]:
        if table in self._columns:
            return list(self._columns[table])
        rows = self.fetchall(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = '{self.schema}' AND table_name = '{check_identifier(table)}' "
            "ORDER BY ordinal_position"
        )
        self._columns[table] = [r[0] for r in rows]
        return list(self._columns[table])

    def _ddl(self, sql: str) -> None:
        self._columns.clear()
        self.execute(sql)

    def create_table(self, table: str, types: dict[str, str]) -> None:
        cols = ", ".join(f"{check_identifier(c)} {self.type_names[t]}" for c, t in types.items())
        self._ddl(f"CREATE TABLE IF NOT EXISTS {self.qualified(table)} ({cols})")

    def drop_table(self, table: str) -> None:
        self._ddl(f"DROP TABLE IF EXISTS {self.qualified(table)}{self.cascade}")

    def add_column(self, table: str, column: str, logical: str) -> None:
        self._ddl(
            f"ALTER TABLE {self.qualified(table)} ADD COLUMN {check_identifier(column)} "
            f"{self.type_names[logical]}"
        )

    def drop_column(self, table: str, column: str) -> None:
        self._ddl(
            f"ALTER TABLE {self.qualified(table)} DROP COLUMN "
            f"{check_identifier(column)}{self.cascade}"
        )

    def rename_column(self, table: str, column: str, new_name: str) -> None:
        self._ddl(
            f"ALTER TABLE {self.qualified(table)} RENAME COLUMN {check_identifier(column)} "
            f"TO {check_identifier(new_name)}"
        )

    def insert_rows(self, table: str, rows: list[dict], types: dict[str, str]) -> None:
        """A few rows as literals: cheaper than staging a frame for the state and the load log."""
        if not rows:
            return
        columns = list(types)
        values = ", ".join(
            "(" + ", ".join(_literal(row.get(c), types[c]) for c in columns) + ")" for row in rows
        )
        self.execute(f"INSERT INTO {self.qualified(table)} ({', '.join(columns)}) VALUES {values}")

    def update(
        self,
        table: str,
        df: pd.DataFrame,
        key: list[str],
        set_columns: list[str],
        types: dict[str, str],
    ) -> int:
        if df.empty or not set_columns:
            return 0
        stage = self._stage(df[key + set_columns], types)
        try:
            assignments = ", ".join(f"{c} = s.{c}" for c in set_columns)
            match = " AND ".join(f"t.{k} = s.{k}" for k in key)
            return self.execute_count(
                f"UPDATE {self.qualified(table)} AS t SET {assignments} FROM {stage} AS s "
                f"WHERE {match}"
            )
        finally:
            self._unstage(stage)

    def delete(self, table: str, keys: pd.DataFrame, types: dict[str, str]) -> int:
        if keys.empty:
            return 0
        stage = self._stage(keys, types)
        try:
            match = " AND ".join(f"t.{k} = s.{k}" for k in keys.columns)
            return self.execute_count(
                f"DELETE FROM {self.qualified(table)} AS t USING {stage} AS s WHERE {match}"
            )
        finally:
            self._unstage(stage)
