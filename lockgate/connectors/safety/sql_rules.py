"""`quality[].type: sql` rules: placeholder substitution, for every engine (the read-only guard
is `ensure_select_only` in this package's __init__)."""

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
