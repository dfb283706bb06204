"""Single out a table's quarantined rows on the SQL engine's connection (one query)."""

from __future__ import annotations

import pandas as pd

from lockgate.contract.model import Table
from lockgate.contract.quarantine_policy import QuarantinePolicy
from lockgate.contract.rules import Rule
from lockgate.quarantine import sql as q


def single_out(
    engine, table: Table, rules: list[Rule], policy: QuarantinePolicy, *, need_rows: bool
):
    """(HeldRows or None, counts: {"__quarantined": n, rule id: n}, total rows)."""
    from lockgate.quarantine.held import HeldRows

    connector = engine.connector
    t = connector.table_expr(table.physical_name)
    if t is None:
        raise LookupError(f"table {table.physical_name} does not exist")
    columns = [c.physical_name for c in table.columns if c.physical_name in t.columns]
    if not rules:  # nothing to single out (a clean table asked for its rows)
        total = int(connector.fetch_value(connector.to_sql(t.count())))
        return HeldRows(pd.DataFrame(columns=columns), []), {"__quarantined": 0}, total
    annotated, names = q.annotated(connector.table_expr, table, t, rules, policy)
    if not need_rows:
        cols, rows = connector.fetch(connector.to_sql(q.counts(annotated, names)))
        values = dict(zip(cols, rows[0]))
        counts = {"__quarantined": int(values["__quarantined"] or 0)}
        counts.update({rule_id: int(values[n] or 0) for rule_id, n in names.items()})
        return None, counts, int(values["__rows"])
    held = annotated.filter(q.any_flag(annotated, names)).select(*columns, *names.values())
    cols, rows = connector.fetch(connector.to_sql(held))
    frame = pd.DataFrame(rows, columns=cols, dtype=object)  # keep integers with nulls exact
    total = int(connector.fetch_value(connector.to_sql(t.count())))
    flag_frame = frame[list(names.values())].astype(bool)
    counts = {"__quarantined": len(frame)}
    counts.update({rule_id: int(flag_frame[n].sum()) for rule_id, n in names.items()})
    reasons = [
        [rule_id for rule_id, n in names.items() if row[n]] for row in flag_frame.to_dict("records")
    ]
    return HeldRows(frame[columns], reasons), counts, total
