"""What one load writes to one raw table, before and after failures have bent it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .generate import TableRows, to_frame
from .schema import TableSpec


@dataclass
class TableBatch:
    spec: TableSpec
    inserts: pd.DataFrame  # rows appended
    updates: pd.DataFrame  # dimension rows changed in place (UPDATE ... FROM, by key)
    update_columns: list[str]  # the columns those UPDATEs set
    deletes: pd.DataFrame | None = None  # keys removed first (repairs only)
    # ("drop", column) | ("rename", column, new_name) | ("add", column, logical type)
    schema_ops: list[tuple] = field(default_factory=list)
    skip: bool = False  # nothing at all reaches the table in this load
    types: dict[str, str] = field(default_factory=dict)  # column -> logical type, after renames

    def __post_init__(self) -> None:
        if not self.types:
            self.types = dict(self.spec.columns)

    @classmethod
    def from_truth(cls, spec: TableSpec, rows: TableRows) -> TableBatch:
        updates = (
            to_frame(rows.updates, spec.name)
            if rows.updates is not None
            else pd.DataFrame(columns=list(spec.columns))
        )
        return cls(
            spec=spec,
            inserts=to_frame(rows.inserts, spec.name),
            updates=updates,
            update_columns=[c for c in spec.columns if c not in spec.key],
        )

    def frames(self) -> list[pd.DataFrame]:
        """The frames that carry the load's row values: new rows and changed dimension rows."""
        return [self.inserts, self.updates]

    def map_frames(self, fn) -> None:
        self.inserts = fn(self.inserts)
        self.updates = fn(self.updates)
