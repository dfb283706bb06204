"""The history of partitioned checks: each partition is a table of its own in the history store.

A check of partition `day=2026-11-19` of `events` is recorded under the table name
`events[day=2026-11-19]`. Its data state is a load of that partition (lockgate.state.store): the
same partition's unchanged data checked again is a retry that repeats the load's verdicts, and the
detectors compare the partition with its own earlier loads (a day re-loaded with late rows), never
with another day or with the whole table. The guards read a partition's validation by that name.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lockgate.engines.partitions import PartitionSelection
from lockgate.results.model import ValidationResult


def partition_table_name(table: str, label: str) -> str:
    """The history table name of the partitions `label` (`day=2026-11-19`) of `table`."""
    return f"{table}[{label}]"


class PartitionHistory:
    """A history store seen through a partition selection (the store's own API, renamed keys)."""

    def __init__(self, store: Any, selection: PartitionSelection):
        self.store = store
        self.selection = selection

    def _table(self, table: str) -> str:
        chosen = self.selection.of(table)
        return table if chosen is None else partition_table_name(table, chosen.label)

    def load_verdicts(
        self, contract_id: str, server: str | None, table: str, state: str, contract_hash: str
    ) -> Any:
        return self.store.load_verdicts(
            contract_id, server, self._table(table), state, contract_hash
        )

    def table_history(
        self,
        contract_id: str,
        server: str | None,
        table: str,
        family: str | None,
        *,
        as_of: Any = None,
        state: str | None = None,
    ) -> Any:
        return self.store.table_history(
            contract_id, server, self._table(table), family, as_of=as_of, state=state
        )

    def latest_validation(self, contract_id: str, server: str | None, table: str) -> Any:
        return self.store.latest_validation(contract_id, server, self._table(table))

    def record(
        self, result: ValidationResult, profiles: dict[str, Any], *, family: str | None = None
    ) -> Any:
        """Write the run with every partitioned table under its partition's own name (what the
        store returns: a run id, or None from a store that could not be opened)."""
        renamed = replace(
            result,
            results=[
                replace(r, rule=replace(r.rule, table=self._table(r.rule.table)))
                for r in result.results
            ],
            table_rows={self._table(t): rows for t, rows in result.table_rows.items()},
        )
        scoped = {self._table(t): p for t, p in profiles.items()}
        return self.store.record(renamed, scoped, family=family)

    def close(self) -> None:
        self.store.close()
