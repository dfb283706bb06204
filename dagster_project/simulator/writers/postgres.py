"""Postgres: rows travel by COPY (CSV over psycopg 3), into the table or a temporary stage."""

from __future__ import annotations

import io
import itertools
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import pandas as pd
import psycopg

from ..schema import BOOL, DATE, DOUBLE, INT, STRING, TIMESTAMP
from .base import Writer, normalize

_counter = itertools.count()


class PostgresWriter(Writer):
    type_names: ClassVar[dict[str, str]] = {
        STRING: "VARCHAR",
        INT: "INTEGER",
        DOUBLE: "DOUBLE PRECISION",
        BOOL: "BOOLEAN",
        TIMESTAMP: "TIMESTAMP",
        DATE: "DATE",
    }
    # dbt's staging views depend on raw columns; an upstream that drops a column takes them along
    cascade = " CASCADE"

    def __init__(self, conn: psycopg.Connection, schema: str):
        super().__init__(schema)
        self.conn = conn

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        key = zlib.crc32(f"lockgate-simulator:{self.schema}".encode())
        if not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            raise RuntimeError(f"another simulator process is landing into schema {self.schema}")
        try:
            yield
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def execute_count(self, sql: str) -> int:
        return self.conn.execute(sql).rowcount

    def fetchall(self, sql: str) -> list[tuple]:
        return self.conn.execute(sql).fetchall()

    def read_frame(self, sql: str) -> pd.DataFrame:
        cur = self.conn.execute(sql)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def _copy(self, target: str, df: pd.DataFrame, types: dict[str, str]) -> None:
        buf = io.StringIO()
        normalize(df, types).to_csv(
            buf, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S.%f"
        )
        with self.conn.cursor().copy(
            f"COPY {target} ({', '.join(df.columns)}) FROM STDIN WITH (FORMAT csv)"
        ) as cp:
            cp.write(buf.getvalue())

    def _stage(self, df: pd.DataFrame, types: dict[str, str]) -> str:
        name = f"_lockgate_stage_{next(_counter)}"
        cols = ", ".join(f"{c} {self.type_names[types[c]]}" for c in df.columns)
        self.execute(f"CREATE TEMPORARY TABLE {name} ({cols})")
        self._copy(name, df, types)
        return name

    def _unstage(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {name}")

    def insert(self, table: str, df: pd.DataFrame, types: dict[str, str]) -> None:
        if df.empty:
            return
        self._copy(self.qualified(table), df, types)
