"""The quarantine on a pandas DataFrame: the frame engine's row masks, one per quarantining rule
(`lockgate.engines.frame.predicates`, `aggregates.orphan_mask`), the twin of `quarantine.sql`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lockgate.contract import rules as ir
from lockgate.contract.model import Table
from lockgate.contract.quarantine_policy import QuarantinePolicy, duplicate_order
from lockgate.engines.frame.aggregates import orphan_mask
from lockgate.engines.frame.predicates import duplicate_mask, failing_mask


def flags(
    df: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    table: Table,
    rules: list[ir.Rule],
    policy: QuarantinePolicy,
) -> pd.DataFrame:
    """One boolean column per rule id, aligned with `df` (True: the row is quarantined by it)."""
    original_index = df.index
    df = df.reset_index(drop=True)  # the masks align by label; a repeated label would not do
    declared = tuple(c.physical_name for c in table.columns if c.physical_name in df.columns)
    out = {}
    for rule in rules:
        m = rule.measure
        if isinstance(m, ir.FailingRows):
            mask = failing_mask(m.predicate, df)
        elif isinstance(m, ir.DuplicateRows):
            mask = _duplicates(df, m.columns, duplicate_order(policy, rule, declared))
        elif isinstance(m, ir.Orphans):
            ref = frames.get(m.ref_table)
            if ref is None:
                raise LookupError(
                    f"referenced table {m.ref_table} was not given to the frame engine"
                )
            mask = orphan_mask(df, ref, m)
        else:  # the policy names single-row rules only (quarantine_policy.can_quarantine)
            raise TypeError(f"{rule.id} cannot quarantine rows")
        out[rule.id] = mask.fillna(False).astype(bool).to_numpy()
    return pd.DataFrame(out, index=original_index)


def _duplicates(df: pd.DataFrame, key: tuple[str, ...], order: tuple[str, ...]) -> pd.Series:
    """Of rows sharing a key, all but the first in `order` (ascending, nulls last; stable)."""
    ordered = df.sort_values(list(order), na_position="last", kind="mergesort") if order else df
    return duplicate_mask(ordered, key).reindex(df.index)
