"""Rules from `slaProperties`: freshness and latency. Other SLA properties are checked for
being either documentation (lifecycle dates) or an explicit "cannot enforce" error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.compile.values import duration_seconds
from lockgate.contract.model import Column, Table
from lockgate.contract.rules import FailingRows, LagAbove, LatestValue, Rule, Severity, Threshold
from lockgate.contract.source import DocPath

# Lifecycle dates of the data product: statements to people, not properties of the data.
DOCUMENTARY = {"generalAvailability", "endOfSupport", "endOfLife"}
ENFORCED = ("freshness", "latency")
DEFAULT_FUTURE_TOLERANCE = 300.0  # seconds: clock skew between loader, warehouse and checker


def sla_rules(ctx: CompileContext, tables: tuple[Table, ...], entries: Any) -> Iterator[Rule]:
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        path: DocPath = ("slaProperties", i)
        if not isinstance(entry, dict):
            continue
        prop = entry.get("property")
        if prop in DOCUMENTARY:
            continue
        if prop not in ENFORCED:
            ctx.error(
                path + ("property",),
                f"lockgate cannot enforce SLA property {prop!r}; it enforces "
                f"{', '.join(ENFORCED)} ({', '.join(sorted(DOCUMENTARY))} are "
                "documentation)",
                "unsupported-field",
            )
            continue
        try:
            seconds = duration_seconds(entry.get("value"), entry.get("unit"))
        except ValueError as exc:
            ctx.error(
                path + ("unit" if "unit" in entry else "value",), f"{prop}: {exc}", "invalid-value"
            )
            continue
        if seconds <= 0:
            ctx.error(path + ("value",), f"{prop} must be a positive duration", "invalid-value")
            continue
        elements = _elements(ctx, tables, entry.get("element"), path + ("element",), prop)
        if elements is None:
            continue
        table = elements[0][0]
        if any(t.name != table.name for t, _ in elements):
            ctx.error(
                path + ("element",),
                f"{prop}: all elements must be columns of one table",
                "invalid-value",
            )
            continue
        severity: Severity = "error"
        if prop == "freshness":
            if len(elements) != 1:
                ctx.error(
                    path + ("element",),
                    "freshness takes one element: the table.column timestamp that shows "
                    "the newest data",
                    "invalid-value",
                )
                continue
            col = elements[0][1]
            tolerance = _future_tolerance(ctx, entry, path)
            if tolerance is None:
                continue
            measure: LatestValue | FailingRows = LatestValue(col.physical_name, tolerance)
            threshold = Threshold("mustBeLessOrEqualTo", seconds, "seconds")
        else:
            if len(elements) != 2:
                ctx.error(
                    path + ("element",),
                    "latency takes two elements, 'table.event_time, table.processed_time': "
                    "the lag between them is bounded per row",
                    "invalid-value",
                )
                continue
            start, end = elements[0][1], elements[1][1]
            measure = FailingRows(LagAbove(start.physical_name, end.physical_name, seconds))
            threshold = Threshold("mustBe", 0, "rows")
        column = elements[0][1].name if prop == "freshness" else elements[1][1].name
        yield Rule(
            id=entry.get("id") or f"{table.name}.{column}.{prop}",
            table=table.name,
            column=column,
            check=prop,
            measure=measure,
            threshold=threshold,
            severity=severity,
            description=entry.get("description"),
            location=ctx.loc(path),
        )


def _future_tolerance(ctx: CompileContext, entry: dict[str, Any], path: DocPath) -> float | None:
    """Freshness's `valueExt`: how far ahead of the check max(column) may be (clock skew), as a
    duration such as "5m" or "2h", or a number in the SLA's `unit`; 5 minutes when absent."""
    if "valueExt" not in entry:
        return DEFAULT_FUTURE_TOLERANCE
    raw = entry["valueExt"]
    try:
        if isinstance(raw, str):
            match = _DURATION.fullmatch(raw.strip())
            if match is None:
                raise ValueError(f"expected a duration such as '5m' or '2h', got {raw!r}")
            seconds = duration_seconds(float(match.group(1)), match.group(2))
        else:
            seconds = duration_seconds(raw, entry.get("unit"))
    except ValueError as exc:
        ctx.error(path + ("valueExt",), f"{_TOLERANCE}: {exc}", "invalid-value")
        return None
    if seconds < 0:
        ctx.error(path + ("valueExt",), f"{_TOLERANCE} must not be negative", "invalid-value")
        return None
    return seconds


_TOLERANCE = "freshness valueExt (tolerance for timestamps in the future)"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)")


def _elements(
    ctx: CompileContext, tables: tuple[Table, ...], element: Any, path: DocPath, prop: str
) -> list[tuple[Table, Column]] | None:
    if not isinstance(element, str) or not element.strip():
        ctx.error(path[:-1], f"{prop} needs an element: 'table.column'", "invalid-value")
        return None
    found = []
    for ref in (part.strip() for part in element.split(",")):
        table_name, _, column_name = ref.rpartition(".")
        table = next((t for t in tables if table_name in (t.name, t.physical_name)), None)
        if table is None:
            names = ", ".join(t.name for t in tables) or "none"
            ctx.error(
                path,
                f"{prop} element {ref!r} names no table of this contract (tables: {names})",
                "unknown-column",
            )
            return None
        column = next((c for c in table.columns if column_name in (c.name, c.physical_name)), None)
        if column is None:
            names = ", ".join(c.name for c in table.columns)
            ctx.error(
                path,
                f"{prop} element {ref!r}: '{table.name}' has no column {column_name!r} "
                f"(columns: {names})",
                "unknown-column",
            )
            return None
        if column.logical_type not in (None, "timestamp", "date"):
            ctx.error(
                path,
                f"{prop} element {ref!r} is a {column.logical_type} column; expected a "
                "timestamp or date",
                "invalid-value",
            )
            return None
        found.append((table, column))
    return found
