"""`quality[].type: sql` rules: placeholder substitution and the read-only guard, for every engine."""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from lockgate.errors import LockgateError

_OBJECT = re.compile(r"\$?\{(object|table|model)\}")
_PROPERTY = re.compile(r"\$?\{(property|column)\}")
_SCHEMA = re.compile(r"\$?\{schema\}")
_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Alter, exp.Copy, exp.Command)


def substitute(query: str, table_sql: str, column_sql: str | None, schema_sql: str | None = None) -> str:
    """Replace `{object}`/`${table}`, `{property}`/`${column}` and `{schema}` (the server's schema,
    for rules that compare with another table of it) with already-quoted identifiers."""
    sql = _OBJECT.sub(lambda _: table_sql, query)
    if column_sql is not None:
        sql = _PROPERTY.sub(lambda _: column_sql, sql)
    if schema_sql is not None:
        sql = _SCHEMA.sub(lambda _: schema_sql, sql)
    return sql


def ensure_select_only(sql: str, dialect: str) -> None:
    """Refuse anything but a single SELECT: SQL rules run read-only, even where the driver would
    allow writes (COPY TO, ATTACH, a second statement after a semicolon)."""
    try:
        statements = [s for s in sqlglot.parse(sql, dialect=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise LockgateError(f"cannot parse SQL rule: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise LockgateError(f"a SQL rule must be one SELECT statement, got {len(statements)} statements")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise LockgateError(f"a SQL rule must be a SELECT query, got {statement.key.upper()}")
    for node in statement.walk():
        if isinstance(node, _WRITES):
            raise LockgateError(f"a SQL rule must only read; found {node.key.upper()}")
