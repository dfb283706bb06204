"""The connector interface and the helpers every connector shares."""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from typing import Any

import ibis
import ibis.expr.datatypes as dt
from sqlglot import exp

from lockgate.errors import LockgateError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(value: Any) -> Any:
    """`${VAR}` and `${VAR:-default}` in server fields, so secrets and paths stay out of contracts."""
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise LockgateError(f"environment variable {name} is not set (used in a server definition)")

    return _ENV.sub(replace, value)


class Connector(ABC):
    """A read-only connection to one server. Subclasses set `dialect` (an ibis/sqlglot dialect)."""

    dialect: str
    namespace: str | None  # the schema that holds the contract's tables

    @abstractmethod
    def columns(self, table: str) -> list[tuple[str, str]] | None:
        """(name, native type) of a table's columns in order, or None when the table does not exist."""

    @abstractmethod
    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Run one query; return column names and rows."""

    @abstractmethod
    def type_parser(self):
        """The ibis type parser of this dialect (`from_string`)."""

    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- shared ----------------------------------------------------------------------------------

    def table_expr(self, table: str) -> ibis.Table | None:
        """An unbound ibis table with the live column types, or None when the table is missing."""
        cols = self.columns(table)
        if cols is None:
            return None
        parse = self.type_parser().from_string
        schema = {}
        for name, native in cols:
            try:
                schema[name] = parse(native)
            except Exception:  # an exotic type ibis cannot name: still checkable for nulls/duplicates
                schema[name] = dt.unknown
        return ibis.table(ibis.schema(schema), name=table, database=self.namespace)

    def to_sql(self, expr) -> str:
        return str(ibis.to_sql(expr, dialect=self.dialect))

    def quote_table(self, table: str) -> str:
        return exp.table_(table, db=self.namespace, quoted=True).sql(dialect=self.dialect)

    def quote_column(self, column: str) -> str:
        return exp.to_identifier(column, quoted=True).sql(dialect=self.dialect)

    def fetch_value(self, sql: str) -> Any:
        names, rows = self.fetch(sql)
        if not rows:
            return None
        return rows[0][0]

