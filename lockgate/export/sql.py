"""The SQL each table's check runs: the fused scan, the per-rule queries, the metadata rules."""

from __future__ import annotations

from lockgate.contract.model import Contract
from lockgate.engines.sql.connectors.base import Connector
from lockgate.engines.sql.plan import ROWS, plan_table
from lockgate.errors import LockgateError, UsageError

DIALECTS = {"duckdb": "duckdb", "local": "duckdb", "postgres": "postgres"}


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
    lines = [
        f"-- lockgate {contract.id} {contract.version}: the queries `lockgate check` runs",
        f"-- server: {server.name + ' (' + server.type + ')' if server else 'none'}; column types from {source}",
    ]
    try:
        for table in contract.tables:
            rules = contract.rules_for(table.name)
            if not rules:
                continue
            plan = plan_table(connector, table, rules)
            lines += ["", f"-- table {table.name} ({table.physical_name}): {len(rules)} rules"]
            for rule_id, error in plan.errors.items():
                lines.append(f"-- {rule_id}: cannot be measured: {error}")
            if plan.expr is None:
                continue
            by_metric: dict[str, list[str]] = {}
            for rule_id, metric in plan.metric_of.items():
                by_metric.setdefault(metric, []).append(rule_id)
            lines.append(f"-- one fused scan: {ROWS} counts rows; " + "; ".join(f"{m} -> {', '.join(ids)}" for m, ids in by_metric.items() if m != ROWS))
            lines.append(connector.to_sql(plan.scan_expr()).rstrip() + ";")
            for rule_id, sql in plan.queries.items():
                lines += [f"-- {rule_id}: own query", sql.rstrip().rstrip(";") + ";"]
            for rule in plan.metadata_rules:
                lines.append(f"-- {rule.id}: answered from the table's column types, no query")
    finally:
        connector.close()
    return "\n".join(lines) + "\n"


def _connector(contract: Contract, server, offline: bool) -> tuple[Connector, str]:
    from lockgate.engines.sql.connectors.offline import OfflineConnector

    dialect = DIALECTS.get(server.type, "duckdb") if server else "duckdb"
    namespace = None
    if server is not None:
        namespace = server.options.get("schema") or ("public" if dialect == "postgres" else "main")
    if offline or server is None or server.type not in DIALECTS:
        return OfflineConnector(contract, dialect, namespace), "the contract's logicalType (offline)"
    from lockgate.engines.sql.connectors import connect

    try:
        return connect(server), f"the live server {server.name}"
    except LockgateError as exc:
        return OfflineConnector(contract, dialect, namespace), f"the contract's logicalType (server unreachable: {exc})"
