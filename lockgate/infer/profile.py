"""Profile a table for `lockgate infer` with ONE aggregate query, plus one small DISTINCT query per
low-cardinality text column.

Per column the scan counts non-null and distinct values, takes min/max (numbers, dates, times),
text lengths, how many values look like an email or a uuid, and the distinct "shapes" of the
text (A for an upper-case letter, a for a lower-case one, 9 for a digit: "AB-12" -> "AA-99"), so a
code format can be recognised without reading the values. The query is an ibis expression; the
connector of the server compiles and runs it, as for `lockgate check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lockgate.connectors.base import Connector
from lockgate.contract.compile.properties import STRING_FORMATS
from lockgate.engines.column_kinds import ibis_logical
from lockgate.errors import UsageError

MAX_CATEGORIES = 12  # text columns with at most this many distinct values get allowed values
FORMATS = ("email", "uuid")
ORDERED_KINDS = ("integer", "number", "date", "timestamp", "time")
COUNTABLE_KINDS = (*ORDERED_KINDS, "string", "boolean")


@dataclass
class ColumnProfile:
    name: str
    native_type: str
    # integer | number | string | boolean | date | timestamp | time | object | array | unknown
    kind: str
    non_null: int = 0
    distinct: int | None = None
    minimum: Any = None
    maximum: Any = None
    min_length: int | None = None
    max_length: int | None = None
    formats: dict[str, int] = field(default_factory=dict)  # format -> values matching it
    shapes: int | None = None  # distinct shapes ("AA-99")
    shape: str | None = None  # the shape, when there is one
    run_shapes: int | None = None  # distinct shapes with runs collapsed ("A-9")
    run_shape: str | None = None
    values: list[Any] | None = None  # the distinct values of a low-cardinality text column


@dataclass
class TableProfile:
    table: str
    rows: int
    columns: list[ColumnProfile]


def profile_table(connector: Connector, table: str) -> TableProfile:
    t = connector.table_expr(table)
    if t is None:
        where = f"{connector.namespace}.{table}" if connector.namespace else table
        raise UsageError(f"table {where} does not exist")
    schema = t.schema()
    native = dict(connector.columns(table) or [])
    columns = [
        ColumnProfile(name, native.get(name, str(dtype)), ibis_logical(dtype))
        for name, dtype in schema.items()
    ]
    metrics: dict[str, Any] = {"rows": t.count()}
    slots: dict[str, tuple[ColumnProfile, str]] = {}  # metric alias -> (column, attribute)

    def add(col: ColumnProfile, attribute: str, expr) -> None:
        alias = f"m{len(slots)}"
        metrics[alias] = expr
        slots[alias] = (col, attribute)

    for col in columns:
        c = t[col.name]
        add(col, "non_null", c.count())
        if col.kind not in COUNTABLE_KINDS:
            continue
        add(col, "distinct", c.nunique())
        if col.kind in ORDERED_KINDS:
            add(col, "minimum", c.min())
            add(col, "maximum", c.max())
        if col.kind == "string":
            text = c if schema[col.name].is_string() else c.cast("string")
            add(col, "min_length", text.length().min())
            add(col, "max_length", text.length().max())
            for fmt in FORMATS:
                add(col, f"format:{fmt}", t.count(where=text.re_search(STRING_FORMATS[fmt])))
            shape = text.re_replace("[A-Z]", "A").re_replace("[a-z]", "a").re_replace("[0-9]", "9")
            runs = shape.re_replace("A+", "A").re_replace("a+", "a").re_replace("9+", "9")
            add(col, "shapes", shape.nunique())
            add(col, "shape", shape.min())
            add(col, "run_shapes", runs.nunique())
            add(col, "run_shape", runs.min())

    names, rows = connector.fetch(connector.to_sql(t.aggregate(**metrics)))
    values = dict(zip(names, rows[0]))
    for alias, (col, attribute) in slots.items():
        value = values[alias]
        if attribute.startswith("format:"):
            col.formats[attribute.split(":", 1)[1]] = int(value or 0)
        else:
            setattr(col, attribute, value)
    profile = TableProfile(table, int(values["rows"]), columns)
    for col in columns:
        if col.kind == "string" and col.distinct and col.distinct <= MAX_CATEGORIES:
            col.values = _distinct_values(connector, t, col.name)
    return profile


def _distinct_values(connector: Connector, t, name: str) -> list[Any]:
    query = (
        t.select(name).filter(t[name].notnull()).distinct().order_by(name).limit(MAX_CATEGORIES + 1)
    )
    _, rows = connector.fetch(connector.to_sql(query))
    return [row[0] for row in rows]
