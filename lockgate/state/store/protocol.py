"""What a run needs of a history store: the table's earlier loads, the verdicts of a load's first
check (what a retry repeats), and recording this run. SqlHistoryStore (SQLite, PostgreSQL) and
UnavailableStore implement it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol

from lockgate.profile.model import TableProfile
from lockgate.results.model import ValidationResult
from lockgate.state.history import Load, TableHistory


class HistoryStore(Protocol):
    def table_history(
        self,
        contract_id: str,
        server: str | None,
        table: str,
        family: str | None,
        *,
        as_of: dt.datetime | None = None,
        state: str | None = None,
    ) -> TableHistory: ...

    def load_verdicts(
        self, contract_id: str, server: str | None, table: str, state: str, contract_hash: str
    ) -> Load | None: ...

    def record(
        self,
        result: ValidationResult,
        profiles: Mapping[str, TableProfile],
        *,
        family: str | None = None,
    ) -> int | None: ...

    def close(self) -> None: ...
