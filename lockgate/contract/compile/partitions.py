"""Lint a table's partition columns (ODCS `partitioned` and `partitionKeyPosition`).

`lockgate check --partition VALUE` parses VALUE by the partition column's logicalType and selects
rows by it, so a partition column must have a type lockgate can parse a value for, and several
partition columns must say their order: a contract that leaves it open is an error here, not a
guess at check time.
"""

from __future__ import annotations

from lockgate.contract.compile.context import CompileContext
from lockgate.contract.model import Column, Table

#: logical types a `--partition` value can be parsed as (lockgate.engines.partitions)
PARTITION_TYPES = ("string", "integer", "date", "timestamp")
NO_POSITION = -1


def partition_findings(ctx: CompileContext, table: Table) -> None:
    """Report every bad combination of partition fields on `table` (errors at file:line:col)."""
    marked = [c for c in table.columns if c.partitioned]
    for col in table.columns:
        at = col.path + ("partitionKeyPosition",)
        if not col.partitioned and col.partition_key_position != NO_POSITION:
            ctx.error(
                at,
                f"partitionKeyPosition on '{col.name}', which is not partitioned: true",
                "partition-key",
                key=True,
            )
        elif col.partitioned and col.partition_key_position not in (
            NO_POSITION,
            *range(1, len(marked) + 1),
        ):
            ctx.error(
                at,
                f"partitionKeyPosition of '{col.name}' must be between 1 and {len(marked)} "
                f"(the number of partition columns of '{table.name}')",
                "partition-key",
            )
    for col in marked:
        if col.logical_type not in PARTITION_TYPES:
            what = f"logicalType {col.logical_type!r}" if col.logical_type else "no logicalType"
            path = col.path + (("logicalType",) if col.logical_type else ("partitioned",))
            ctx.error(
                path,
                f"partition column '{col.name}' has {what}; a --partition value is parsed as "
                f"one of {', '.join(PARTITION_TYPES)}",
                "partition-type",
            )
    if len(marked) > 1:
        _check_order(ctx, table, marked)


def _check_order(ctx: CompileContext, table: Table, marked: list[Column]) -> None:
    """Several partition columns need distinct positions, or `column=value` pairs are ambiguous."""
    seen: dict[int, str] = {}
    for col in marked:
        position = col.partition_key_position
        if position == NO_POSITION:
            ctx.error(
                col.path + ("partitioned",),
                f"'{table.name}' has {len(marked)} partition columns: "
                f"give '{col.name}' a partitionKeyPosition",
                "partition-key",
                key=True,
            )
        elif position in seen:
            ctx.error(
                col.path + ("partitionKeyPosition",),
                f"partitionKeyPosition {position} of '{col.name}' "
                f"is also the position of '{seen[position]}'",
                "partition-key",
            )
        else:
            seen[position] = col.name
