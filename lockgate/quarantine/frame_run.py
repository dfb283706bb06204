"""Single out a table's quarantined rows on the frame engine's DataFrames (one pass in pandas)."""

from __future__ import annotations

from lockgate.contract.model import Table
from lockgate.contract.quarantine_policy import QuarantinePolicy
from lockgate.contract.rules import Rule
from lockgate.quarantine.frame import flags


def single_out(
    engine, table: Table, rules: list[Rule], policy: QuarantinePolicy, *, need_rows: bool
):
    """(HeldRows or None, counts: {"__quarantined": n, rule id: n}, total rows)."""
    from lockgate.quarantine.held import HeldRows

    df = engine.frames[table.name]
    row_flags = flags(df, engine.frames, table, rules, policy)
    bad = row_flags.any(axis=1)
    counts = {"__quarantined": int(bad.sum())}
    counts.update({rule_id: int(row_flags[rule_id].sum()) for rule_id in row_flags.columns})
    if not need_rows:
        return None, counts, len(df)
    ids = list(row_flags.columns)
    reasons = [[i for i, hit in zip(ids, row) if hit] for row in row_flags.loc[bad].to_numpy()]
    return HeldRows(df.loc[bad], reasons, valid=df.loc[~bad]), counts, len(df)
