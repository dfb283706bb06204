"""DuckDB: frames are registered as views and read by INSERT ... SELECT (no row loop)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import duckdb
import pandas as pd

from ..schema import BOOL, DATE, DOUBLE, INT, STRING, TIMESTAMP
from .base import Writer, normalize

_counter = itertools.count()


class DuckDBWriter(Writer):
    type_names: ClassVar[dict[str, str]] = {
        STRING: "VARCHAR",
        INT: "INTEGER",
        DOUBLE: "DOUBLE",
        BOOL: "BOOLEAN",
        TIMESTAMP: "TIMESTAMP",
        DATE: "DATE",
    }

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str):
        super().__init__(schema)
        self.con = con

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def execute_count(self, sql: str) -> int:
        row = self.con.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def fetchall(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def read_frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def _stage(self, df: pd.DataFrame, types: dict[str, str]) -> str:
        name = f"_lockgate_stage_{next(_counter)}"
        self.con.register(name, normalize(df, types))
        return name

    def _unstage(self, name: str) -> None:
        self.con.unregister(name)

    def insert(self, table: str, df: pd.DataFrame, types: dict[str, str]) -> None:
        if df.empty:
            return
        stage = self._stage(df, types)
        try:
            cols = ", ".join(df.columns)
            self.execute(f"INSERT INTO {self.qualified(table)} ({cols}) SELECT {cols} FROM {stage}")
        finally:
            self._unstage(stage)
