"""The SQL each table's check runs: the fused scan, the per-rule queries, the metadata rules."""

from __future__ import annotations

from lockgate.connectors.base import Connector
from lockgate.connectors.safety import ensure_safe
from lockgate.connectors.servers import FALLBACK, for_dialect, server_type
from lockgate.contract import rules as ir
from lockgate.contract.model import Contract
from lockgate.engines.sql.plan import ROWS, plan_table
from lockgate.engines.sql.scan_batches import batch_query, scan_batches
from lockgate.errors import LockgateError, UsageError
from lockgate.export.escape import one_line
from lockgate.reconcile.hook import split_reconcile


def render(contract: Contract, options) -> str:
    server = contract.server(options.server)
    if options.server and server is None:
        raise UsageError(f"contract {contract.id} has no server named {options.server!r}")
    connector, source = _connector(contract, server, options.offline)
    if getattr(options, "valid", False):  # the quarantine policy's valid and quarantined views
        from lockgate.quarantine.views import render_sql

        try:
            return render_sql(contract, connector, source)
        finally:
            connector.close()
    # every contract string in a `--` comment goes through one_line: a line break in a name
    # would start a statement of its own when the file is run
    where = f"{server.name} ({server.type})" if server else "none"
    lines = [
        f"-- lockgate {one_line(contract.id)} {one_line(contract.version)}: "
        "the queries `lockgate check` runs",
        f"-- server: {one_line(where)}; column types from {one_line(source)}",
    ]
    try:
        for table in contract.tables:
            rules = contract.rules_for(table.name)
            if not rules:
                continue
            rules, reconciled = split_reconcile(rules)  # their queries depend on the data
            plan = plan_table(connector, table, rules)
            own_sql = {r.id for r in rules if isinstance(r.measure, ir.SqlValue)}
            named = f"{one_line(table.name)} ({one_line(table.physical_name)})"
            lines += ["", f"-- table {named}: {len(rules)} rules"]
            lines += [
                f"-- {one_line(r.id)}: compared with server "
                f"{one_line(ir.measure_as(r, ir.Reconcile).source)} "
                "by lockgate.reconcile"
                for r in reconciled
            ]
            for rule_id, error in plan.errors.items():
                lines.append(f"-- {one_line(rule_id)}: cannot be measured: {one_line(error)}")
            if plan.expr is None:
                continue
            by_metric: dict[str, list[str]] = {}
            for rule_id, metric in plan.metric_of.items():
                by_metric.setdefault(metric, []).append(rule_id)
            metrics = "; ".join(
                f"{m} -> {', '.join(ids)}" for m, ids in by_metric.items() if m != ROWS
            )
            lines.append(f"-- one fused scan: {ROWS} counts rows; " + one_line(metrics))
            batches = scan_batches(plan.scan, connector.dialect)
            if len(batches) > 1:
                lines.append(f"-- a wide table: the scan runs as {len(batches)} column batches")
            for batch in batches:
                lines.append(connector.to_sql(batch_query(plan.expr, batch)).rstrip() + ";")
            for rule_id, sql in plan.queries.items():
                if rule_id in own_sql:  # the contract's own SQL: one SELECT, as at check time
                    ensure_safe(sql, for_dialect(connector.dialect).statement_parser)
                lines += [f"-- {one_line(rule_id)}: own query", sql.rstrip().rstrip(";") + ";"]
            for rule in plan.metadata_rules:
                lines.append(
                    f"-- {one_line(rule.id)}: answered from the table's column types, no query"
                )
    finally:
        connector.close()
    return "\n".join(lines) + "\n"


def _connector(contract: Contract, server, offline: bool) -> tuple[Connector, str]:
    from lockgate.connectors.offline import OfflineConnector

    known = server_type(server.type) if server else None
    dialect = (known or FALLBACK).dialect
    namespace = None
    if server is not None:
        namespace = server.options.get("schema") or for_dialect(dialect).default_schema
    if offline or server is None or known is None:
        return OfflineConnector(
            contract, dialect, namespace
        ), "the contract's logicalType (offline)"
    from lockgate.connectors import connect

    try:
        return connect(server), f"the live server {server.name}"
    except LockgateError as exc:
        return OfflineConnector(
            contract, dialect, namespace
        ), f"the contract's logicalType (server unreachable: {exc})"
