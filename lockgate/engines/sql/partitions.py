"""Partitioned checks in the SQL engine: point a table plan at the selected partitions, and look
a key rule's keys up in the other partitions (lockgate.engines.partitions selects them)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ibis
from ibis.expr.types import Table as IbisTable

from lockgate.engines.partitions import TableSelection
from lockgate.engines.sql.expressions import all_present

SAMPLE_KEYS = 5  # colliding keys kept as samples (lockgate.validation.SAMPLE_ROWS)


def collision_query(
    full: IbisTable, selection: TableSelection, columns: tuple[str, ...]
) -> IbisTable:
    """The selection's keys that also occur in another partition: the first few (by key) with
    their rows inside and outside the selection, and on every row `collided`, how many there are.

    The rows of the rest of the table are semi-joined onto the selection's keys (a hash table the
    size of the partition), so no distinct set of the whole table is ever built; the count and
    the samples come from that one pass over the rest of the table.
    """
    cols = list(columns)
    mine = selection.restrict(full)
    inside = (
        mine.filter(all_present(mine, columns)).group_by(cols).aggregate(inside=lambda t: t.count())
    )
    rest = selection.rest(full)
    rest = rest.filter(all_present(rest, columns)).select(*cols)
    outside = (
        rest.semi_join(inside.select(*cols), cols)
        .group_by(cols)
        .aggregate(outside=lambda t: t.count())
    )
    both = outside.inner_join(inside, cols)
    both = both.mutate(collided=both.outside.count().over(ibis.window()))
    return both.order_by(cols).limit(SAMPLE_KEYS)


def within_duplicates(part: IbisTable, columns: tuple[str, ...]) -> IbisTable:
    """Keys repeated inside the selection, with their number of rows (the first few by key)."""
    cols = list(columns)
    present = part.filter(all_present(part, columns))
    grouped = present.group_by(cols).aggregate(duplicate_count=lambda t: t.count())
    return grouped.filter(grouped.duplicate_count > 1).order_by(cols).limit(SAMPLE_KEYS)


def merge_samples(
    within: list[dict[str, Any]],
    collided: list[dict[str, Any]],
    columns: tuple[str, ...],
    limit: int,
) -> list[dict[str, Any]]:
    """Repeated keys of the selection, by key; a colliding key counts its rows table-wide."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in within:
        rows[tuple(row[c] for c in columns)] = row
    for row in collided:
        rows[tuple(row[c] for c in columns)] = row  # its total already includes the inside rows
    return [rows[key] for key in sorted(rows)][:limit]


def restrict_plan(plan: Any, selection: TableSelection) -> str | None:
    """Point a SQL table plan at the selected rows; why not, when a partition column is missing
    (every rule of the table then fails with that reason)."""
    absent = [col for col, _ in selection.values if col not in plan.native_types]
    if absent:
        return f"partition column {', '.join(absent)} missing from table {plan.table.physical_name}"
    plan.selection = selection
    plan.full = plan.expr
    plan.expr = selection.restrict(plan.expr)
    return None


def add_collisions(connector: Any, plan: Any, out: dict[str, Any]) -> None:
    """Add each key rule's collisions with other partitions to its within-partition count, and
    keep the colliding keys for the rule's samples (`plan.collision_samples`)."""
    for rule_id, (expr, columns) in plan.collisions.items():
        measured = out.get(rule_id)
        if measured is None or measured.error is not None:
            continue
        try:
            names, rows = connector.fetch(connector.to_sql(expr))
        except Exception as exc:  # the lookup failing must not pass the rule
            first = str(exc).strip().splitlines()
            reason = first[0] if first else type(exc).__name__
            out[rule_id] = replace(measured, error=f"query failed: {reason}", failed_rows=None)
            continue
        records = [dict(zip(names, row, strict=True)) for row in rows]
        found = int(records[0]["collided"]) if records else 0
        plan.collision_samples[rule_id] = [
            {**{c: r[c] for c in columns}, "duplicate_count": int(r["inside"]) + int(r["outside"])}
            for r in records
        ]
        out[rule_id] = replace(measured, failed_rows=(measured.failed_rows or 0) + found)
