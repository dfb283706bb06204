"""The history of partitioned checks, kept apart from whole-table checks of the same table.

A check of some partitions of `events` (partition column `day`) is recorded under the table name
`events[day]`: that series holds one load per partition checked, so the detectors compare a
day's row count, nulls or newest timestamp with earlier days, never with the whole table. The
partition's values are part of its data state (`day=2026-11-19|<state>`), so checking the same
partition's unchanged data again is a retry of that load, and two partitions never are.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lockgate.engines.partitions import PartitionSelection
from lockgate.engines.results import ValidationResult


def partition_table_name(table: str, series: str) -> str:
    """The history table name of a table's partitioned checks by the partition columns `series`."""
    return f"{table}[{series}]"


class PartitionHistory:
    """A history store seen through a partition selection (the store's own API, renamed keys)."""

    def __init__(self, store: Any, selection: PartitionSelection):
        self.store = store
        self.selection = selection

    def _table(self, table: str) -> str:
        chosen = self.selection.of(table)
        return table if chosen is None else partition_table_name(table, chosen.series)

    def _state(self, table: str, state: str | None) -> str | None:
        chosen = self.selection.of(table)
        if chosen is None or state is None:
            return state
        return f"{chosen.label}|{state}"

    def load_verdicts(self, contract_id: str, server: str | None, table: str, state: str, contract_hash: str) -> Any:
        return self.store.load_verdicts(contract_id, server, self._table(table), self._state(table, state), contract_hash)

    def table_history(self, contract_id: str, server: str | None, table: str, family: str | None, *, as_of: Any = None, state: str | None = None) -> Any:
        return self.store.table_history(contract_id, server, self._table(table), family, as_of=as_of, state=self._state(table, state))

    def latest_validation(self, contract_id: str, server: str | None, table: str) -> Any:
        return self.store.latest_validation(contract_id, server, self._table(table))

    def record(self, result: ValidationResult, profiles: dict[str, Any], *, family: str | None = None) -> int:
        """Write the run with every partitioned table under its partition series name."""
        renamed = replace(
            result,
            results=[replace(r, rule=replace(r.rule, table=self._table(r.rule.table))) for r in result.results],
            table_rows={self._table(t): rows for t, rows in result.table_rows.items()},
        )
        scoped = {self._table(t): replace(p, state=self._state(t, p.state)) for t, p in profiles.items()}
        return int(self.store.record(renamed, scoped, family=family))

    def close(self) -> None:
        self.store.close()
