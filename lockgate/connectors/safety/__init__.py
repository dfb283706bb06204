"""Contract SQL (`quality[].type: sql`) is untrusted: it runs only as one read-only SELECT.

A contract arrives in a pull request and is checked with warehouse credentials, so its SQL is
classified with the database's own parser before anything runs (a third-party parser's idea
of "one statement" is not the database's: see PITFALLS "SQL safety"):

- DuckDB: `extract_statements` must give exactly one SELECT, and its parse tree may call no
  function that reaches files, settings or other SQL (`duckdb_rules`);
- PostgreSQL: `pglast` (PostgreSQL's parser) must give one plain SELECT whose functions are
  all on an allow-list (`postgres_rules`).

The same check runs at lint time (placeholders replaced by stand-in names) and again on the
final SQL just before it runs. The connectors add what the database enforces by itself:
DuckDB connections without external access, PostgreSQL's extended protocol (one statement) in
a read-only transaction with a statement timeout.

A refusal names the rule of this module that refused, never the data or the files it touched.
"""

from __future__ import annotations

from lockgate.connectors.safety.sql_rules import substitute
from lockgate.connectors.servers import for_dialect
from lockgate.errors import LockgateError

MAX_QUERY_CHARS = 20_000  # a rule's query is a few lines; a huge one is an attack on the parser
DIALECTS = ("duckdb", "postgres")
# names that stand in for the placeholders when a query is checked before any connection exists
_STAND_INS = {"table": '"lint_table"', "column": '"lint_column"', "schema": '"lint_schema"'}


class UnsafeSql(LockgateError):
    """A contract's SQL is not one read-only SELECT: a contract error, never a rule verdict."""


def refusal(sql: str, dialect: str) -> str | None:
    """Why `sql` may not run on `dialect`, or None when it is one read-only SELECT."""
    if len(sql) > MAX_QUERY_CHARS:
        return f"the query is longer than {MAX_QUERY_CHARS} characters"
    if "\x00" in sql:
        return "the query contains a NUL character"
    if dialect == "postgres":
        from lockgate.connectors.safety.postgres_rules import refusal as postgres_refusal

        return postgres_refusal(sql)
    from lockgate.connectors.safety.duckdb_rules import refusal as duckdb_refusal

    return duckdb_refusal(sql)  # DuckDB is also what runs SQL rules on DataFrames and local files


def ensure_safe(sql: str, dialect: str) -> None:
    """Raise UnsafeSql unless `sql` is one read-only SELECT for `dialect`."""
    reason = refusal(sql, dialect)
    if reason is not None:
        raise UnsafeSql(f"SQL rule refused: {reason}")


def ensure_select_only(sql: str, dialect: str) -> None:
    """Refuse anything but one read-only SELECT for a query compiled for `dialect` (an ibis
    dialect), classified by the parser of that dialect's server type; raises UnsafeSql."""
    ensure_safe(sql, for_dialect(dialect).statement_parser)


def lint_refusal(query: str, dialects: tuple[str, ...]) -> str | None:
    """`refusal` for a rule's query as written in the contract, before any server is known."""
    sql = substitute(query, _STAND_INS["table"], _STAND_INS["column"], _STAND_INS["schema"])
    for dialect in dialects:
        reason = refusal(sql, dialect)
        if reason is not None:
            return reason if len(dialects) == 1 else f"{reason} ({dialect})"
    return None
