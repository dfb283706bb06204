"""PostgreSQL: one plain SELECT by PostgreSQL's own parser (pglast), calling only allowed functions.

An allow-list, not a deny-list: a superuser (today's default role) can read server files
(`pg_read_file`), list directories, run programs through `COPY ... TO PROGRAM`, reach other
servers (`dblink`), change settings inside a SELECT (`set_config`, which can even switch off
`transaction_read_only`) or run SQL given as text (`query_to_xml`). New ones appear with every
release; the functions a data rule needs do not change.
"""

from __future__ import annotations

import re
from typing import Any

from lockgate.connectors.safety.tree import TooComplex, dicts, load

ALLOWED_FUNCTIONS = frozenset({
    # aggregates
    "count", "sum", "avg", "min", "max", "stddev", "stddev_pop", "stddev_samp", "variance",
    "var_pop", "var_samp", "bool_and", "bool_or", "every", "string_agg", "array_agg",
    "percentile_cont", "percentile_disc", "mode", "corr", "covar_pop", "covar_samp",
    "regr_slope", "regr_intercept", "regr_r2", "regr_count", "bit_and", "bit_or",
    # window functions
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value",
    # numbers
    "abs", "round", "ceil", "ceiling", "floor", "trunc", "sign", "mod", "div", "sqrt", "cbrt",
    "power", "pow", "exp", "ln", "log", "log10", "width_bucket", "greatest", "least", "random",
    "scale", "isfinite", "numeric", "float8", "int4", "int8",
    # text
    "length", "char_length", "character_length", "octet_length", "bit_length", "lower", "upper",
    "initcap", "trim", "btrim", "ltrim", "rtrim", "substring", "substr", "position", "strpos",
    "replace", "translate", "concat", "concat_ws", "left", "right", "lpad", "rpad", "repeat",
    "reverse", "split_part", "starts_with", "regexp_replace", "regexp_match", "regexp_matches",
    "regexp_like", "regexp_count", "regexp_substr", "regexp_instr", "similar_to_escape", "md5",
    "to_hex", "ascii", "chr", "format", "quote_literal", "quote_ident", "normalize", "overlay",
    "string_to_array", "array_to_string", "like_escape", "textlen",
    # dates and times
    "now", "date_trunc", "date_part", "extract", "age", "to_char", "to_date", "to_timestamp",
    "to_number", "make_date", "make_time", "make_timestamp", "make_timestamptz", "make_interval",
    "date_bin", "timezone", "justify_days", "justify_hours", "justify_interval",
    "clock_timestamp", "statement_timestamp", "transaction_timestamp", "overlaps",
    # arrays, json, sets
    "array_length", "cardinality", "array_position", "array_remove", "unnest", "generate_series",
    "jsonb_array_length", "json_array_length", "jsonb_typeof", "json_typeof",
    "jsonb_extract_path_text", "json_extract_path_text", "jsonb_path_exists", "to_jsonb",
    "to_json", "row_to_json", "jsonb_build_object", "json_build_object",
    # null handling and misc
    "coalesce", "nullif", "num_nulls", "num_nonnulls", "isnan",
})  # fmt: skip
# Expression kinds that reach outside the query: XML (external entities, `query_to_xml`-like
# SQL-as-text) has no place in a data rule.
_FORBIDDEN_NODES = {
    "XmlExpr": "XML expressions",
    "XmlSerialize": "XML expressions",
    "IntoClause": "SELECT INTO",
    "LockingClause": "FOR UPDATE/SHARE",
    "CallStmt": "CALL",
}
# catalogs whose tables (e.g. pg_authid's password hashes) a data rule has no business reading
_SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
_SYSTEM_TABLE = re.compile(r"^pg_", re.IGNORECASE)
_FORBIDDEN_TYPES = frozenset({"xml", "regproc", "regprocedure", "regnamespace", "regrole"})


def refusal(sql: str) -> str | None:
    from pglast.parser import ParseError, parse_sql_json

    try:
        tree = load(parse_sql_json(sql))
    except ParseError as exc:
        return f"PostgreSQL cannot parse it: {str(exc).splitlines()[0][:200]}"
    except TooComplex as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - pglast raises plain errors (stack depth, encoding)
        return f"PostgreSQL cannot parse it: {type(exc).__name__}"
    statements = tree.get("stmts") or []
    if len(statements) != 1:
        return f"it must be exactly one SELECT statement; PostgreSQL reads {len(statements)}"
    statement = statements[0].get("stmt") or {}
    kind = next(iter(statement), "nothing")
    if kind != "SelectStmt":
        return f"it must be a SELECT, not {_statement_name(kind)}"
    try:
        return _forbidden(statement)
    except TooComplex as exc:
        return str(exc)


def _forbidden(statement: dict[str, Any]) -> str | None:
    for node in dicts(statement):
        for key, value in node.items():
            if key in _FORBIDDEN_NODES:
                return f"{_FORBIDDEN_NODES[key]} is not allowed in a SQL rule"
            if key in ("intoClause", "lockingClause") and value:
                return (
                    f"{'SELECT INTO' if key == 'intoClause' else 'FOR UPDATE/SHARE'} is not allowed"
                )
            if key == "CommonTableExpr":
                inner = (value or {}).get("ctequery") or {}
                if next(iter(inner), None) != "SelectStmt":
                    return "a WITH clause may only hold SELECTs (no writable CTE)"
            elif key == "FuncCall":
                reason = _function_refusal((value or {}).get("funcname") or [])
                if reason:
                    return reason
            elif key == "RangeVar":
                reason = _relation_refusal(value or {})
                if reason:
                    return reason
            elif key in ("TypeName", "typeName") and isinstance(value, dict):
                names = [_string(n) for n in value.get("names") or []]
                if names and names[-1].lower() in _FORBIDDEN_TYPES:
                    return f"type {names[-1]} is not allowed in a SQL rule"
    return None


def _function_refusal(funcname: list[Any]) -> str | None:
    parts = [_string(p) for p in funcname]
    name = parts[-1].lower() if parts else ""
    schema = parts[-2].lower() if len(parts) > 1 else None
    if schema not in (None, "pg_catalog") or name not in ALLOWED_FUNCTIONS:
        shown = ".".join(parts) or "?"
        return f"function {shown}() is not on lockgate's allow-list for SQL rules"
    return None


def _relation_refusal(rangevar: dict[str, Any]) -> str | None:
    schema = (rangevar.get("schemaname") or "").lower()
    name = rangevar.get("relname") or ""
    if schema in _SYSTEM_SCHEMAS or _SYSTEM_TABLE.match(name):
        return f"system table {name} is not allowed in a SQL rule"
    if rangevar.get("catalogname"):
        return "a table in another database is not allowed"
    return None


def _string(node: Any) -> str:
    if isinstance(node, dict):
        inner = node.get("String") or {}
        return str(inner.get("sval", ""))
    return ""


def _statement_name(kind: str) -> str:
    return {
        "CopyStmt": "COPY statement", "TransactionStmt": "transaction statement",
        "VariableSetStmt": "SET statement", "InsertStmt": "INSERT", "UpdateStmt": "UPDATE",
        "DeleteStmt": "DELETE", "nothing": "no statement",
    }.get(kind, kind.removesuffix("Stmt").upper() + " statement")  # fmt: skip
