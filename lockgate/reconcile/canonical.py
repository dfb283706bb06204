"""Canonical text of a value, and the hash of it, written in each dialect's SQL.

Both sides of a reconciliation must turn equal values into equal text and equal text into equal
hashes, whatever their engine. A value's canonical text depends on its type family:

    integer, decimal, float   plain decimal digits, no exponent, no trailing fractional zeros:
                              5, 5.0 and 5.000 are all "5"; floats go through DECIMAL(38,9)
    boolean                   "true" / "false"
    date                      "YYYY-MM-DD"
    timestamp (no zone)       "YYYY-MM-DDTHH:MM:SS.ffffff"
    timestamp with time zone  converted to UTC: "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    string                    the text itself
    anything else             the engine's own cast to text (compared only with the same family)

A cell is "=" + its text, or "!" for NULL, so NULL never equals any text. The hash is the first
15 hex digits of md5(text) read as a non-negative 60-bit integer: both DuckDB and PostgreSQL have
md5 and read hex, and sums of 60-bit values cannot overflow their 128-bit/numeric sums.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_FAMILIES = ("integer", "decimal", "float")
KEY_SEPARATOR = "chr(31)"  # between key columns: a control character no key should contain
CELL_SEPARATOR = "chr(30)"  # between the key text and a cell


def family(native: str) -> str:
    """The type family of a native column type as DuckDB or PostgreSQL names it."""
    t = native.strip().lower()
    if "with time zone" in t or t in ("timestamptz", "timestamp_tz"):
        return "timestamptz"
    if t.startswith("timestamp") or t == "datetime":
        return "timestamp"
    if t == "date":
        return "date"
    if t in ("boolean", "bool"):
        return "boolean"
    if re.match(
        r"^(u?(tiny|small|big|huge)?int(eger)?|int[248]|u?hugeint|u?bigint|serial|bigserial)$", t
    ):
        return "integer"
    if t.startswith(("decimal", "numeric")):
        return "decimal"
    if t in ("double", "double precision", "real", "float", "float4", "float8"):
        return "float"
    if t.startswith(
        ("varchar", "character varying", "text", "char", "character", "string", "bpchar")
    ):
        return "string"
    return "other"


def comparable(source_family: str, warehouse_family: str) -> bool:
    """Whether values of the two families can be compared through their canonical text."""
    if source_family == warehouse_family:
        return True
    return source_family in NUMBER_FAMILIES and warehouse_family in NUMBER_FAMILIES


def _strip_zeros(text: str) -> str:
    # "1.500" -> "1.5", "2.000" -> "2"; the decimal point stops rtrim before integer digits
    return f"CASE WHEN strpos({text}, '.') > 0 THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END"


@dataclass(frozen=True)
class CanonicalSql:
    """How one dialect writes canonical text and its hash: templates over `{c}` (a quoted
    column) or `{t}` (a text expression)."""

    text_type: str
    decimal_type: str
    date: str
    timestamp: str
    timestamptz: str
    hash60: str


# The dialects a reconciliation can run on; a side of any other dialect is refused by name
# (`sql_for`), never compared through another dialect's functions.
DIALECTS: dict[str, CanonicalSql] = {
    "duckdb": CanonicalSql(
        text_type="VARCHAR",
        decimal_type="DECIMAL(38,9)",
        date="strftime(CAST({c} AS DATE), '%Y-%m-%d')",
        timestamp="strftime(CAST({c} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f')",
        timestamptz="(strftime(timezone('UTC', CAST({c} AS TIMESTAMPTZ)), "
        "'%Y-%m-%dT%H:%M:%S.%f') || 'Z')",
        hash60="CAST(('0x' || substr(md5({t}), 1, 15)) AS BIGINT)",
    ),
    "postgres": CanonicalSql(
        text_type="text",
        decimal_type="numeric(38,9)",
        date="to_char({c}, 'YYYY-MM-DD')",
        timestamp="to_char({c}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
        timestamptz="(to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || 'Z')",
        hash60="CAST(CAST(('x' || substr(md5({t}), 1, 15)) AS bit(60)) AS bigint)",
    ),
}


def unsupported(dialect: str) -> str | None:
    """Why a side of this dialect cannot be reconciled, or None when it can."""
    if dialect in DIALECTS:
        return None
    return f"reconcile runs on {' and '.join(DIALECTS)} servers, not on {dialect}"


def sql_for(dialect: str) -> CanonicalSql:
    reason = unsupported(dialect)
    if reason is not None:
        raise ValueError(reason)
    return DIALECTS[dialect]


def value_text(dialect: str, column: str, fam: str) -> str:
    """SQL for the canonical text of `column` (already quoted); NULL stays NULL."""
    sql = sql_for(dialect)
    if fam == "integer":
        return f"CAST({column} AS {sql.text_type})"
    if fam == "decimal":
        return _strip_zeros(f"CAST({column} AS {sql.text_type})")
    if fam == "float":
        return _strip_zeros(f"CAST(CAST({column} AS {sql.decimal_type}) AS {sql.text_type})")
    if fam == "boolean":
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
    if fam in ("date", "timestamp", "timestamptz"):
        template: str = getattr(sql, fam)
        return template.format(c=column)
    return f"CAST({column} AS {sql.text_type})"


def cell_text(dialect: str, column: str, fam: str) -> str:
    """'=' + canonical text, or '!' for NULL."""
    return f"coalesce('=' || {value_text(dialect, column, fam)}, '!')"


def key_text(dialect: str, columns: list[tuple[str, str]]) -> str:
    """Canonical text of a (possibly composite) key: NULL when any key column is NULL."""
    parts = [value_text(dialect, col, fam) for col, fam in columns]
    return f" || {KEY_SEPARATOR} || ".join(f"({p})" for p in parts)


def hash60(dialect: str, text: str) -> str:
    """SQL for the 60-bit hash of `text`: md5's first 15 hex digits as a BIGINT."""
    return sql_for(dialect).hash60.format(t=text)


def hash60_python(text: str) -> int:
    """The same hash in Python (tests and the drill-down's key matching)."""
    import hashlib

    return int(hashlib.md5(text.encode("utf-8")).hexdigest()[:15], 16)
