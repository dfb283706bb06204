"""What the check flow calls: set reconcile rules apart, and answer them with their results.

Kept free of engine imports (ibis, drivers) so that importing the check flow stays light; the
work is in `lockgate.reconcile.run`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lockgate.contract.model import Contract, Table
from lockgate.contract.rules import Reconcile, Rule, measure_as
from lockgate.results.model import RuleResult


def split_reconcile(rules: list[Rule]) -> tuple[list[Rule], list[Rule]]:
    """(rules the engine measures, reconcile rules)."""
    keep = [r for r in rules if not isinstance(r.measure, Reconcile)]
    return keep, [r for r in rules if isinstance(r.measure, Reconcile)]


def reconcile_rules(
    contract: Contract,
    table: Table,
    rules: list[Rule],
    engine,
    server: str | None,
    now: dt.datetime,
    progress: Callable[[str], None] | None = None,
) -> list[RuleResult]:
    from lockgate.reconcile.run import reconcile_one
    from lockgate.reconcile.verdict import error_results

    out: list[RuleResult] = []
    connector = getattr(engine, "connector", None)
    for rule in rules:
        m = measure_as(rule, Reconcile)
        if connector is None:
            out += error_results(
                rule, table, "reconcile runs on the SQL engine (lockgate check --engine sql)"
            )
            continue
        if m.source == server:
            out += error_results(
                rule,
                table,
                f"server {server!r} is the reconcile source itself; check the warehouse server",
            )
            continue
        if progress:
            progress(f"{table.name}: reconciling with {m.source}.{m.source_table}")
        out += reconcile_one(contract, table, rule, connector, now)
    return out
