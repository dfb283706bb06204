"""`quality[].type: sql` rules: placeholder substitution and the read-only guard, for every engine."""

from __future__ import annotations

import re

_OBJECT = re.compile(r"\$?\{(object|table|model)\}")
_PROPERTY = re.compile(r"\$?\{(property|column)\}")
_SCHEMA = re.compile(r"\$?\{schema\}")


def substitute(
    query: str, table_sql: str, column_sql: str | None, schema_sql: str | None = None
) -> str:
    """Replace `{object}`/`${table}`, `{property}`/`${column}` and `{schema}` (the server's schema,
    for rules that compare with another table of it) with already-quoted identifiers."""
    sql = _OBJECT.sub(lambda _: table_sql, query)
    if column_sql is not None:
        sql = _PROPERTY.sub(lambda _: column_sql, sql)
    if schema_sql is not None:
        sql = _SCHEMA.sub(lambda _: schema_sql, sql)
    return sql


def ensure_select_only(sql: str, dialect: str) -> None:
    """Refuse anything but one read-only SELECT, classified by the database's own parser (see
    `lockgate.engines.sql.safety`); raises UnsafeSql, a contract error."""
    from lockgate.engines.sql.safety import ensure_safe

    ensure_safe(sql, "postgres" if dialect == "postgres" else "duckdb")
