"""The typed view of an ODCS contract that lockgate needs (the raw document stays available)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from lockgate.contract.rules import Rule
from lockgate.contract.source import DocPath, SourceDoc


@dataclass(frozen=True)
class Column:
    name: str
    physical_name: str
    logical_type: str | None
    physical_type: str | None
    required: bool
    unique: bool
    primary_key: bool
    primary_key_position: int
    options: dict[str, Any]
    path: DocPath
    # ODCS `partitioned` / `partitionKeyPosition`: `lockgate check --partition` selects by it
    partitioned: bool = False
    partition_key_position: int = -1


@dataclass(frozen=True)
class Table:
    name: str
    physical_name: str
    columns: tuple[Column, ...]
    path: DocPath

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def physical(self, name: str) -> str:
        """Physical column name for a logical one (unknown names are returned unchanged)."""
        col = self.column(name)
        return col.physical_name if col else name

    @property
    def key_columns(self) -> tuple[str, ...]:
        """Physical names of the primary key, ordered by primaryKeyPosition."""
        keys = [c for c in self.columns if c.primary_key]
        keys.sort(key=lambda c: c.primary_key_position if c.primary_key_position > 0 else 10**6)
        return tuple(c.physical_name for c in keys)

    @property
    def partition_columns(self) -> tuple[Column, ...]:
        """The columns marked `partitioned: true`, ordered by partitionKeyPosition."""
        parts = [c for c in self.columns if c.partitioned]
        parts.sort(
            key=lambda c: c.partition_key_position if c.partition_key_position > 0 else 10**6
        )
        return tuple(parts)


@dataclass(frozen=True)
class Server:
    name: str
    type: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Contract:
    id: str
    version: str
    name: str | None
    api_version: str
    tables: tuple[Table, ...]
    servers: tuple[Server, ...]
    rules: tuple[Rule, ...]
    source: SourceDoc = field(repr=False, compare=False)
    # one lockgate.contract.quarantine_policy.QuarantinePolicy per table that has one
    quarantine: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def file(self) -> str:
        return self.source.file

    @property
    def content_hash(self) -> str:
        """sha256 of the contract text: what a validation receipt pins."""
        return hashlib.sha256(self.source.text.encode("utf-8")).hexdigest()

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def server(self, name: str | None) -> Server | None:
        if name is None:
            return self.servers[0] if self.servers else None
        return next((s for s in self.servers if s.name == name), None)

    def quarantine_policy(self, table: str) -> Any:
        """The table's QuarantinePolicy, or None (typed Any: the policy type lives above the
        contract layer, in lockgate.quarantine)."""
        return next((p for p in self.quarantine if p.table == table), None)

    def rules_for(self, table: str) -> list[Rule]:
        return [r for r in self.rules if r.table == table]

    @property
    def raw(self) -> dict[str, Any]:
        data: dict[str, Any] = self.source.data
        return data
