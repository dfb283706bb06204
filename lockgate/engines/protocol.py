"""What every engine offers the run (lockgate.validation): measure a table's rules, fetch sample
rows of a failed rule, and keep the profile of each table it measured for the history store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from lockgate.contract.model import Table
from lockgate.contract.rules import Rule
from lockgate.profile.model import TableProfile
from lockgate.results.model import Measurement

SAMPLE_ROWS = 5  # failing rows fetched per failed rule


class Engine(Protocol):
    name: str

    @property
    def profiles(self) -> Mapping[str, TableProfile]:
        """Table name -> the profile its last `measure` computed (tables with stateful rules)."""
        ...

    def measure(self, table: Table, rules: list[Rule]) -> dict[str, Measurement]: ...

    def samples(
        self, table: Table, rules: list[Rule], limit: int = SAMPLE_ROWS
    ) -> dict[str, list[dict[str, Any]]]:
        """Rule id -> up to `limit` offending rows, for failed rules of one measured table (in
        one call, so an engine can keep what it compiled for them: the SQL engine's plan cache)."""
        ...
