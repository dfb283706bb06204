"""Rules from `quality[]` entries: ODCS library metrics, `type: sql`, and lockgate custom checks."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Any

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.compile.values import is_number, pattern_problem
from lockgate.contract.model import Table
from lockgate.contract.rules import (
    OPERATORS,
    SEVERITIES,
    AnyOf,
    DuplicateRows,
    FailingRows,
    IsMissing,
    IsNull,
    Measure,
    NotInSet,
    NotMatching,
    Predicate,
    RowCount,
    Rule,
    Severity,
    SqlValue,
    Threshold,
    Unit,
)
from lockgate.contract.source import DocPath

DEFAULT_MISSING_VALUES = (None, "")


def quality_rules(
    ctx: CompileContext, table: Table, column: str | None, entries: Any, path: DocPath
) -> Iterator[Rule]:
    if not isinstance(entries, list):
        return  # the ODCS schema check reports the wrong type
    for i, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield from _entry_rules(ctx, table, column, entry, path + (i,))


def _entry_rules(
    ctx: CompileContext, table: Table, column: str | None, entry: dict[str, Any], path: DocPath
) -> Iterator[Rule]:
    kind = entry.get("type") or "library"
    if kind == "text":
        return  # prose for humans; nothing to enforce
    severity = _severity(ctx, entry, path)
    if kind == "library":
        metric = entry.get("metric") or entry.get("rule")
        if "rule" in entry and "metric" not in entry:
            ctx.warn(
                path + ("rule",),
                "'rule' is deprecated in ODCS v3.1; use 'metric'",
                "deprecated",
                key=True,
            )
        if not isinstance(metric, str) or metric not in LIBRARY_METRICS:
            return  # an unknown metric is reported by the ODCS schema check, with a suggestion
        threshold = _threshold(ctx, entry, path, allow_percent=metric != "rowCount")
        if threshold is None:
            return
        measure = LIBRARY_METRICS[metric](ctx, table, column, entry.get("arguments") or {}, path)
        if measure is None:
            return
        check = metric
    elif kind == "sql":
        query = entry.get("query")
        if not isinstance(query, str) or not query.strip():
            return  # reported by the schema check
        from lockgate.contract.compile.sql_rules import check_query

        if not check_query(ctx, query, path):
            return
        threshold = _threshold(ctx, entry, path, allow_percent=False, unit="value")
        if threshold is None:
            return
        measure = SqlValue(query, table.physical(column) if column else None)
        check = "sql"
    elif kind == "custom":
        from lockgate.contract.compile.custom import custom_rule

        rule = custom_rule(ctx, table, column, entry, path, severity)
        if rule is not None:
            yield rule
        return
    else:
        return  # unknown types are reported by the schema check
    yield Rule(
        id=entry.get("id") or _derived_id(table, column, check),
        table=table.name,
        column=column,
        check=check,
        measure=measure,
        threshold=threshold,
        severity=severity,
        description=entry.get("description") or entry.get("name"),
        location=ctx.loc(path),
    )


def _derived_id(table: Table, column: str | None, check: str) -> str:
    return f"{table.name}.{column}.{check}" if column else f"{table.name}.{check}"


def _severity(ctx: CompileContext, entry: dict[str, Any], path: DocPath) -> Severity:
    value = entry.get("severity", "error")
    for severity in SEVERITIES:
        if value == severity:
            return severity
    close = difflib.get_close_matches(str(value).lower(), SEVERITIES, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    ctx.error(
        path + ("severity",),
        f"unknown severity {value!r}; {hint}expected one of {', '.join(SEVERITIES)}",
        "invalid-value",
    )
    return "error"


def _threshold(
    ctx: CompileContext,
    entry: dict[str, Any],
    path: DocPath,
    *,
    allow_percent: bool,
    unit: Unit | None = None,
) -> Threshold | None:
    present = [op for op in OPERATORS if op in entry]
    if len(present) != 1:
        return None  # the ODCS schema check reports missing or several operators
    op = present[0]
    value = entry[op]
    if op in ("mustBeBetween", "mustNotBeBetween"):
        if not (isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value)):
            return None  # reported by the schema check
        if value[0] > value[1]:
            ctx.error(
                path + (op,),
                f"{op} [{value[0]}, {value[1]}]: the smaller number comes first",
                "contradiction",
            )
            return None
        value = (value[0], value[1])
    elif op != "mustBe" and op != "mustNotBe" and not is_number(value):
        return None  # reported by the schema check
    if unit is None:
        given = entry.get("unit", "rows")
        if given not in ("rows", "percent") or (given == "percent" and not allow_percent):
            allowed = "rows or percent" if allow_percent else "rows"
            ctx.error(
                path + ("unit",),
                f"unit {given!r} is not supported here; expected {allowed}",
                "invalid-value",
            )
            return None
        unit = "percent" if given == "percent" else "rows"
        if unit == "percent" and is_number(value) and not 0 <= value <= 100:
            ctx.error(
                path + (op,), f"{op} {value} is not a percentage between 0 and 100", "invalid-value"
            )
            return None
    elif "unit" in entry and entry["unit"] not in ("rows",):
        ctx.error(
            path + ("unit",),
            f"unit {entry['unit']!r} does not apply to a {entry.get('type', 'library')} rule",
            "invalid-value",
        )
        return None
    return Threshold(op, value, unit)


def _arguments(
    ctx: CompileContext, args: Any, allowed: tuple[str, ...], path: DocPath
) -> dict[str, Any] | None:
    if not isinstance(args, dict):
        ctx.error(
            path + ("arguments",),
            f"arguments must be a mapping with {', '.join(allowed)}",
            "invalid-value",
        )
        return None
    if ctx.unknown_key(args, allowed, path + ("arguments",), "argument '{key}'"):
        return None
    return args


def _require_column(ctx: CompileContext, column: str | None, metric: str, path: DocPath) -> bool:
    if column is None:
        ctx.error(
            path + ("metric",),
            f"{metric} applies to a property; move it under schema[].properties[].quality",
            "misplaced-rule",
        )
        return False
    return True


def _null_values(
    ctx: CompileContext, table: Table, column: str | None, args: dict[str, Any], path: DocPath
) -> Measure | None:
    if (
        _require_column(ctx, column, "nullValues", path)
        and _arguments(ctx, args, (), path) is not None
    ):
        assert column is not None  # _require_column checked it
        return FailingRows(IsNull(table.physical(column)))
    return None


def _missing_values(
    ctx: CompileContext, table: Table, column: str | None, args: dict[str, Any], path: DocPath
) -> Measure | None:
    if not _require_column(ctx, column, "missingValues", path):
        return None
    assert column is not None  # _require_column checked it
    arguments = _arguments(ctx, args, ("missingValues",), path)
    if arguments is None:
        return None
    args = arguments
    values = args.get("missingValues", list(DEFAULT_MISSING_VALUES))
    if not isinstance(values, list):
        ctx.error(
            path + ("arguments", "missingValues"),
            "missingValues must be a list, e.g. [null, '', 'N/A']",
            "invalid-value",
        )
        return None
    return FailingRows(IsMissing(table.physical(column), tuple(v for v in values if v is not None)))


def _invalid_values(
    ctx: CompileContext, table: Table, column: str | None, args: dict[str, Any], path: DocPath
) -> Measure | None:
    if not _require_column(ctx, column, "invalidValues", path):
        return None
    assert column is not None  # _require_column checked it
    arguments = _arguments(ctx, args, ("validValues", "pattern"), path)
    if arguments is None:
        return None
    args = arguments
    phys = table.physical(column)
    parts: list[Predicate] = []
    if "validValues" in args:
        values = args["validValues"]
        if not isinstance(values, list) or not values:
            ctx.error(
                path + ("arguments", "validValues"),
                "validValues must be a non-empty list",
                "invalid-value",
            )
            return None
        # Nulls are judged by nullValues/required, never as invalid values.
        parts.append(NotInSet(phys, tuple(v for v in values if v is not None)))
    if "pattern" in args:
        problem = pattern_problem(args["pattern"])
        if problem:
            ctx.error(path + ("arguments", "pattern"), problem, "invalid-pattern")
            return None
        parts.append(NotMatching(phys, args["pattern"]))
    if not parts:
        ctx.error(
            path + ("metric",),
            "invalidValues needs arguments.validValues or arguments.pattern",
            "invalid-value",
        )
        return None
    return FailingRows(parts[0] if len(parts) == 1 else AnyOf(tuple(parts)))


def _duplicate_values(
    ctx: CompileContext, table: Table, column: str | None, args: dict[str, Any], path: DocPath
) -> Measure | None:
    if column is not None:
        if _arguments(ctx, args, (), path) is None:
            return None
        return DuplicateRows((table.physical(column),))
    arguments = _arguments(ctx, args, ("properties",), path)
    if arguments is None:
        return None
    args = arguments
    names = args.get("properties")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        ctx.error(
            path + ("arguments",),
            "a schema-level duplicateValues needs arguments.properties: [col, ...]",
            "invalid-value",
        )
        return None
    unknown = [n for n in names if table.column(n) is None]
    if unknown:
        known = ", ".join(c.name for c in table.columns)
        ctx.error(
            path + ("arguments", "properties"),
            f"duplicateValues names unknown column(s) {', '.join(unknown)} of "
            f"'{table.name}'; columns are: {known}",
            "unknown-column",
        )
        return None
    return DuplicateRows(tuple(table.physical(n) for n in names))


def _row_count(
    ctx: CompileContext, table: Table, column: str | None, args: dict[str, Any], path: DocPath
) -> Measure | None:
    if _arguments(ctx, args, (), path) is None:
        return None
    return RowCount()


LIBRARY_METRICS: dict[
    str,
    Callable[[CompileContext, Table, str | None, dict[str, Any], DocPath], Measure | None],
] = {
    "nullValues": _null_values,
    "missingValues": _missing_values,
    "invalidValues": _invalid_values,
    "duplicateValues": _duplicate_values,
    "rowCount": _row_count,
}
