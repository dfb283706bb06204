"""Reconcile one rule: open the source, fingerprint both sides, compare, give the results.

A source that cannot be reached raises ConnectionFailed (a contract error, exit 2): a
reconciliation that did not happen must never read as a pass.
"""

from __future__ import annotations

import datetime as dt

from lockgate.contract.model import Contract, Table
from lockgate.contract.rules import Reconcile, Rule, measure_as
from lockgate.reconcile import canonical
from lockgate.reconcile.compare import reconcile_sides
from lockgate.reconcile.side import Side
from lockgate.reconcile.verdict import error_results, results
from lockgate.results.model import RuleResult


def reconcile_one(
    contract: Contract, table: Table, rule: Rule, connector, now: dt.datetime
) -> list[RuleResult]:
    from lockgate.connectors import connect

    m = measure_as(rule, Reconcile)
    server = contract.server(m.source)
    if server is None:  # lint reports it; a contract built by hand may still get here
        return error_results(rule, table, f"no server named {m.source!r}")
    with connect(server) as source_connector:  # ConnectionFailed propagates: exit 2
        return reconcile_tables(
            table,
            rule,
            Side.open("source", source_connector, m.source_table),
            Side.open("warehouse", connector, table.physical_name),
            now,
        )


def reconcile_tables(
    table: Table, rule: Rule, source: Side | None, warehouse: Side | None, now: dt.datetime
) -> list[RuleResult]:
    m = measure_as(rule, Reconcile)
    if source is None or warehouse is None:
        where = (
            f"the source table {m.source_table} on {m.source}"
            if source is None
            else f"table {table.physical_name}"
        )
        return error_results(rule, table, f"{where} does not exist")
    refused = [r for r in (canonical.unsupported(s.dialect) for s in (source, warehouse)) if r]
    if refused:
        return error_results(rule, table, refused[0])
    absent = [(k, s.role) for k in m.key for s in (source, warehouse) if k not in s.types]
    if absent:
        return error_results(
            rule, table, "key " + ", ".join(f"{k} missing from the {role}" for k, role in absent)
        )
    if m.since and m.since not in source.types:
        return error_results(rule, table, f"since column {m.since} missing from the source")
    shared = [c for c in warehouse.types if c in source.types and c not in m.key]
    columns = list(m.columns) or shared
    unmatched: dict[str, str] = {}
    compared = []
    for column in columns:
        missing = [s.role for s in (source, warehouse) if column not in s.types]
        if missing:
            unmatched[column] = f"column {column} missing from the {' and '.join(missing)}"
            continue
        sf, wf = source.family(column), warehouse.family(column)
        if not canonical.comparable(sf, wf):
            unmatched[column] = (
                f"type mismatch: source {source.types[column]} ({sf}), warehouse "
                f"{warehouse.types[column]} ({wf}); values not compared"
            )
            continue
        compared.append(column)

    def cutoff_for(watermark: dt.datetime | None) -> dt.datetime | None:
        if not m.since:
            return None
        if m.lag_seconds:
            return now - dt.timedelta(seconds=m.lag_seconds)
        return watermark

    try:
        found, cutoff = reconcile_sides(
            source, warehouse, m.key, tuple(compared), m.since, m.buckets, cutoff_for, m.drill_rows
        )
        return results(rule, table, source, warehouse, found, cutoff, unmatched)
    except Exception as exc:  # noqa: BLE001 (a query a side rejects: unmeasured, not a crash)
        text = str(exc).strip().splitlines()
        return error_results(
            rule, table, f"reconcile query failed: {text[0] if text else type(exc).__name__}"
        )
