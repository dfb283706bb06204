"""Partitioned checks in the frame engine: the selected rows of a DataFrame, and a key rule's keys
looked up in the other partitions (lockgate.engines.partitions selects them)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from lockgate.contract.model import Table
from lockgate.contract.rules import DuplicateRows
from lockgate.engines.frame.predicates import all_present
from lockgate.engines.partitions import TableSelection


def frame_collisions(full: pd.DataFrame, selected: pd.Series, columns: tuple[str, ...]) -> int:
    """The frame engine's collision count: distinct selected keys found among the other rows."""
    present = all_present(full, columns).to_numpy()
    inside = selected.to_numpy()
    keys = full.loc[present & inside, list(columns)].astype(object)
    rest = full.loc[present & ~inside, list(columns)].astype(object)
    if keys.empty or rest.empty:
        return 0
    mine = pd.MultiIndex.from_frame(keys).unique()
    return int(mine.isin(pd.MultiIndex.from_frame(rest)).sum())


def frame_problem(df: pd.DataFrame, table: Table, selection: TableSelection) -> str | None:
    """Why the selection cannot be made on `df` (a missing partition column), else None."""
    absent = [col for col, _ in selection.values if col not in df.columns]
    if absent:
        return f"partition column {', '.join(absent)} missing from table {table.physical_name}"
    return None


def frame_selection(df: pd.DataFrame, selection: TableSelection) -> pd.DataFrame:
    """The selected rows (empty when a partition column is missing: `frame_problem` says so)."""
    if any(col not in df.columns for col, _ in selection.values):
        return df.iloc[0:0]
    return df[selection.mask(df)]


def add_frame_collisions(
    full: pd.DataFrame, selection: TableSelection, rules: list[Any], out: dict[str, Any]
) -> None:
    """The frame engine's `add_collisions`: key rules count keys found in other partitions too."""
    if any(col not in full.columns for col, _ in selection.values):
        return
    selected = selection.mask(full)
    for rule in rules:
        measured = out.get(rule.id)
        if (
            not isinstance(rule.measure, DuplicateRows)
            or measured is None
            or measured.error is not None
        ):
            continue
        found = frame_collisions(full, selected, rule.measure.columns)
        out[rule.id] = replace(measured, failed_rows=(measured.failed_rows or 0) + found)


def frame_collision_samples(
    full: pd.DataFrame, selection: TableSelection, columns: tuple[str, ...], limit: int
) -> list[dict[str, Any]]:
    """The SQL engine's duplicate samples on a DataFrame: selected keys repeated anywhere."""
    cols = list(columns)
    present = full.loc[all_present(full, columns).to_numpy(), cols]
    selected = full.loc[
        selection.mask(full).to_numpy() & all_present(full, columns).to_numpy(), cols
    ]
    mine = pd.MultiIndex.from_frame(selected.astype(object)).unique()
    ours = present[pd.MultiIndex.from_frame(present.astype(object)).isin(mine)]
    sizes = ours.groupby(cols).size()
    sizes = sizes[sizes > 1].sort_index().head(limit)
    rows = []
    for key, count in sizes.items():
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(columns, values, strict=True)), "duplicate_count": int(count)})
    return rows
