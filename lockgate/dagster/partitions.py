"""The partitions a Dagster run covers, as `lockgate check --partition` values.

A daily partition key (`2026-11-19`) is the value of the contract's single partition column; a
multi-dimensional key becomes one `dimension=value` pair per dimension, so name the dimensions
after the partition columns. A run over a range of partitions checks every key of the range.
"""

from __future__ import annotations

from typing import Any


def run_partitions(context: Any) -> list[str] | None:
    """The run's partition keys as `--partition` values; None for an unpartitioned run."""
    op_context = getattr(context, "op_execution_context", context)
    if op_context.has_partition_key:
        keys = [op_context.partition_key]
    elif getattr(op_context, "has_partition_key_range", False):
        keys = list(op_context.partition_keys)
    else:
        return None
    out: list[str] = []
    for key in keys:
        by_dimension = getattr(key, "keys_by_dimension", None)
        if by_dimension:
            out += [f"{dimension}={value}" for dimension, value in by_dimension.items()]
        else:
            out.append(str(key))
    return out
