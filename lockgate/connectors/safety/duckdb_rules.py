"""DuckDB: one SELECT by DuckDB's own parser, and no function that reaches outside the data.

Connections that run contract SQL also have external access disabled (see
`lockgate.connectors.duckdb.safe_connect`), so a file function that slipped past this
list still cannot open a file; this list makes the refusal a lint error at the contract's line.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import duckdb

from lockgate.connectors.safety.tree import TooComplex, dicts, load

# Table functions a rule may select from; every other one (read_csv, read_text, read_blob, glob,
# read_parquet, query, json_execute_serialized_sql, duckdb_secrets, checkpoint, ...) is refused.
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "json_each", "json_tree"})
# Scalar functions that read settings or run SQL given as a string.
SCALAR_DENY = frozenset({
    "current_setting", "getvariable", "getenv", "json_execute_serialized_sql", "query",
    "query_table", "read_text", "read_blob", "glob", "enable_logging", "write_log",
})  # fmt: skip
# System catalogues: nothing a data rule needs, and some (settings, secrets) say too much.
_SYSTEM_TABLE = re.compile(r"^(duckdb_|pragma_|sqlite_)", re.IGNORECASE)
_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog"})
# A quoted table name that is really a path or URL: DuckDB would scan the file it names.
_PATHLIKE = re.compile(r"[/\\:]|\.[A-Za-z0-9]{1,8}$|^~")

# Query nodes that only read; DuckDB runs `WITH d AS (DELETE ... RETURNING 1) SELECT ...` as a
# SELECT statement that deletes.
_READING_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})

_lock = threading.Lock()
_parser: duckdb.DuckDBPyConnection | None = None


def _connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory connection, without external access, used only to parse."""
    global _parser
    if _parser is None:
        from lockgate.connectors.duckdb import safe_connect

        _parser = safe_connect()
    return _parser


def refusal(sql: str) -> str | None:
    with _lock:
        con = _connection()
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            return f"DuckDB cannot parse it: {_first_line(exc)}"
        if len(statements) != 1:
            return f"it must be exactly one SELECT statement; DuckDB reads {len(statements)}"
        kind = statements[0].type
        if kind != duckdb.StatementType.SELECT:
            return f"it must be a SELECT, not {kind.name}"
        try:
            (serialized,) = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0]
        except duckdb.Error as exc:
            return f"DuckDB cannot parse it: {_first_line(exc)}"
    try:
        tree = load(serialized)
        if not isinstance(tree, dict) or tree.get("error"):
            return "DuckDB cannot read it as one SELECT"
        return _forbidden(tree)
    except TooComplex as exc:
        return str(exc)


def _forbidden(tree: dict[str, Any]) -> str | None:
    for node in dicts(tree):
        kind = node.get("type")
        if isinstance(kind, str) and kind.endswith("_NODE") and kind not in _READING_NODES:
            return f"only reading queries are allowed; found {kind.removesuffix('_QUERY_NODE')}"
        if kind == "TABLE_FUNCTION":
            name = _function_name(node.get("function"))
            if name not in TABLE_FUNCTIONS:
                return f"table function {name}() is not allowed in a SQL rule"
        elif node.get("class") == "FUNCTION":
            name = _function_name(node)
            if name in SCALAR_DENY:
                return f"function {name}() is not allowed in a SQL rule"
        elif kind == "BASE_TABLE":
            table = str(node.get("table_name", ""))
            schema = str(node.get("schema_name", "")).lower()
            if _PATHLIKE.search(table):
                return "a table name that looks like a file path or URL is not allowed"
            if _SYSTEM_TABLE.match(table) or schema in _SYSTEM_SCHEMAS:
                return f"system table {table} is not allowed in a SQL rule"
    return None


def _function_name(node: Any) -> str:
    return str(node.get("function_name", "")).lower() if isinstance(node, dict) else ""


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0][:200] if lines else type(exc).__name__
