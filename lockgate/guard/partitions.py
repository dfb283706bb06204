"""Which validations a guard reads for a table: the whole table's, or one per partition.

A step that trains on some partitions is vouched for by the validation of each of those
partitions (recorded under `table[column=value]`, lockgate.state.partition_history), not by the
latest validation of whatever partition was checked last.
"""

from __future__ import annotations

from typing import Any

from lockgate.contract.model import Contract, Table


def guarded_validations(
    contract: Contract, table: Table, partitions: list[Any] | None
) -> list[tuple[str, Any]]:
    """(history table name, TableSelection or None) for each validation the guard must read:
    one per value of a single partition column, one for a set of column=value pairs."""
    if not partitions or not table.partition_columns:
        return [(table.name, None)]
    from lockgate.engines.partitions import TableSelection, select_partitions
    from lockgate.state.partition_history import partition_table_name

    chosen = select_partitions(contract, partitions)
    selection = chosen.of(table.name) if chosen is not None else None
    if selection is None:
        return [(table.name, None)]  # the values name none of this table's partition columns
    if len(selection.values) > 1:  # one partition given as column=value pairs
        return [(partition_table_name(table.name, selection.label), selection)]
    ((column, values),) = selection.values
    singles = [TableSelection(table.name, ((column, (value,)),)) for value in values]
    return [(partition_table_name(table.name, s.label), s) for s in singles]
