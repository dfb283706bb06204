"""The `reconcile` custom check: its arguments, checked at lint time with their position.

quality:
  - type: custom
    engine: lockgate
    implementation:
      check: reconcile
      source: app              # another server of this contract
      table: service_requests  # the source table, when its name differs
      key: [request_id]        # default: the table's primaryKey
      columns: [status, price] # default: every non-key column both sides share
      since: updated_at        # optional: the source's "last changed" column
      lag: 2h                  # optional: changes this recent may be missing from the copy
      drillRows: 100000        # optional: rows per side the drill-down may fetch
"""

from __future__ import annotations

import re
from typing import Any

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.compile.custom import impl_arguments, register_custom_check
from lockgate.contract.compile.values import duration_seconds
from lockgate.contract.model import Table
from lockgate.contract.rules import Reconcile, Rule, Severity, Threshold
from lockgate.contract.source import DocPath

ARGUMENTS = (
    "source", "table", "key", "columns", "since", "lag", "buckets", "tolerance", "drillRows",
)  # fmt: skip
MAX_BUCKETS = 65536
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")


def server_names(data: Any) -> list[str]:
    """Server names as the contract compiler derives them (`server`, else `id`, else serverN)."""
    servers = data.get("servers") if isinstance(data, dict) else None
    if not isinstance(servers, list):
        return []
    return [
        str(raw.get("server") or raw.get("id") or f"server{i}")
        for i, raw in enumerate(servers)
        if isinstance(raw, dict)
    ]


def parse_lag(value: Any) -> float:
    """`lag: 2h` (or a number of seconds) as seconds; ValueError when it is neither."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"lag must not be negative, got {value!r}")
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"lag must be a duration such as 30m, 2h or 1d, got {value!r}")
    return duration_seconds(float(match.group(1)), match.group(2))


@register_custom_check("reconcile")
def reconcile_rule(
    ctx: CompileContext,
    table: Table,
    column: str | None,
    impl: dict,
    path: DocPath,
    severity: Severity,
) -> Rule | None:
    args = impl_arguments(ctx, impl, ARGUMENTS, path)
    if args is None:
        return None
    here = path + ("implementation",)
    if column is not None:
        ctx.error(
            path, "reconcile is a table rule; put it under schema[].quality", "misplaced-rule"
        )
        return None
    source = args.get("source")
    names = server_names(ctx.doc.data)
    if not isinstance(source, str) or source not in names:
        known = ", ".join(names) or "none"
        ctx.error(
            here + ("source",),
            f"reconcile source must name a server of this contract (servers: {known}), "
            f"got {source!r}",
            "unknown-server",
        )
        return None
    source_table = args.get("table", table.physical_name)
    if not isinstance(source_table, str) or not source_table.strip():
        ctx.error(
            here + ("table",),
            f"reconcile table must be a table name, got {source_table!r}",
            "invalid-value",
        )
        return None
    key = _columns(ctx, table, args.get("key"), here + ("key",), "key")
    if key is None:
        return None
    if not key:
        key = table.key_columns
        if not key:
            ctx.error(
                here,
                "reconcile needs a key: give `key` or mark the table's primaryKey",
                "invalid-value",
            )
            return None
    columns = _columns(ctx, table, args.get("columns"), here + ("columns",), "columns")
    if columns is None:
        return None
    overlap = [c for c in columns if c in key]
    if overlap:
        ctx.error(
            here + ("columns",),
            f"reconcile columns must not repeat the key ({', '.join(overlap)})",
            "invalid-value",
        )
        return None
    since = None
    if "since" in args:
        found = _columns(ctx, table, args["since"], here + ("since",), "since", single=True)
        if not found:
            return None
        since = found[0]
    lag = 0.0
    if "lag" in args:
        if since is None:
            ctx.error(
                here + ("lag",),
                "reconcile lag needs `since` (the column that says when a source row changed)",
                "invalid-value",
            )
            return None
        try:
            lag = parse_lag(args["lag"])
        except ValueError as exc:
            ctx.error(here + ("lag",), str(exc), "invalid-value")
            return None
    buckets = _integer(ctx, args, "buckets", here, 256, low=1, high=MAX_BUCKETS)
    tolerance = _integer(ctx, args, "tolerance", here, 0, low=0, high=None)
    drill_rows = _integer(ctx, args, "drillRows", here, 100_000, low=1, high=None)
    if buckets is None or tolerance is None or drill_rows is None:
        return None
    entry = impl["_entry"]
    return Rule(
        id=entry.get("id") or f"{table.name}.reconcile",
        table=table.name,
        column=None,
        check="reconcile",
        measure=Reconcile(
            source, source_table, key, columns, since, lag, buckets, tolerance, drill_rows
        ),
        threshold=Threshold("mustBeLessOrEqualTo", tolerance, "rows"),
        severity=severity,
        description=entry.get("description") or f"same keys and values as {source}.{source_table}",
        location=ctx.loc(path),
    )


def _columns(
    ctx: CompileContext, table: Table, value: Any, path: DocPath, what: str, *, single: bool = False
) -> tuple[str, ...] | None:
    """Contract column names (logical) as physical names; None after an error, () when absent."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if single and not isinstance(value, str):
        ctx.error(path, f"reconcile {what} must be one column name, got {value!r}", "invalid-value")
        return None
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        ctx.error(
            path,
            f"reconcile {what} must be a column name or a list of them, got {value!r}",
            "invalid-value",
        )
        return None
    known = {c.name for c in table.columns}
    for i, name in enumerate(items):
        if name not in known:
            where = path if isinstance(value, str) else path + (i,)
            ctx.error(
                where,
                f"reconcile {what}: table {table.name!r} has no column {name!r} "
                f"(columns: {', '.join(sorted(known))})",
                "unknown-column",
            )
            return None
    if len(set(items)) != len(items):
        ctx.error(path, f"reconcile {what} repeats a column", "invalid-value")
        return None
    return tuple(table.physical(name) for name in items)


def _integer(
    ctx: CompileContext,
    args: dict,
    name: str,
    path: DocPath,
    default: int,
    *,
    low: int,
    high: int | None,
) -> int | None:
    if name not in args:
        return default
    value = args[name]
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        upper = f" and <= {high}" if high is not None else ""
        ctx.error(
            path + (name,),
            f"reconcile {name} must be an integer >= {low}{upper}, got {value!r}",
            "invalid-value",
        )
        return None
    return value
