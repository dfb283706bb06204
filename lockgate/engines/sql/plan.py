"""Plan the queries for one table: one fused aggregate scan, plus the few rules that need their own
query (`type: sql`, relationships), plus the rules answered from the table's metadata alone.

`lockgate export --to sql` prints a plan; `SqlEngine.measure` executes the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibis.expr.types import Table as IbisTable

from lockgate.contract import rules as ir
from lockgate.contract.model import Table
from lockgate.engines.sql.connectors.base import Connector
from lockgate.engines.sql.expressions import all_present, duplicate_count, failing
from lockgate.engines.sql_rules import substitute

ROWS = "__rows"


@dataclass
class TablePlan:
    table: Table
    expr: IbisTable | None  # None when the table does not exist
    native_types: dict[str, str] = field(default_factory=dict)
    scan: dict[str, object] = field(default_factory=dict)  # metric name -> ibis scalar expression
    metric_of: dict[str, str] = field(default_factory=dict)  # rule id -> metric name in the scan
    queries: dict[str, str] = field(
        default_factory=dict
    )  # rule id -> its own SQL (sql rules, orphans)
    metadata_rules: list[ir.Rule] = field(default_factory=list)  # answered from column types
    errors: dict[str, str] = field(default_factory=dict)  # rule id -> why it cannot be measured
    stateful: list[ir.Rule] = field(default_factory=list)  # answered by the table profile
    profile: object = None  # lockgate.state.sql_profile.ProfilePlan: its metrics are in `scan`

    def scan_expr(self):
        return self.expr.aggregate(**self.scan) if self.expr is not None and self.scan else None


def plan_table(connector: Connector, table: Table, rules: list[ir.Rule]) -> TablePlan:
    native = connector.columns(table.physical_name)
    if native is None:
        plan = TablePlan(table, None)
        where = (
            f"{connector.namespace}.{table.physical_name}"
            if connector.namespace
            else table.physical_name
        )
        for rule in rules:
            plan.errors[rule.id] = f"table {where} does not exist"
        return plan
    plan = TablePlan(table, connector.table_expr(table.physical_name), dict(native))
    plan.scan[ROWS] = plan.expr.count()
    seen: dict[
        object, str
    ] = {}  # identical expressions (e.g. required + nullValues) share a metric
    for rule in rules:
        missing = [c for c in referenced_columns(rule.measure) if c not in plan.native_types]
        if missing:
            plan.errors[rule.id] = _missing_message(missing, table, plan.native_types)
            continue
        try:
            _plan_rule(connector, plan, rule, seen)
        except Exception as exc:  # a rule that cannot be expressed against these column types
            plan.errors[rule.id] = f"cannot check {rule.check} on this column: {_short(exc)}"
    if plan.stateful:
        _plan_profile(connector, plan)
    return plan


def _plan_profile(connector: Connector, plan: TablePlan) -> None:
    """The stateful rules' table profile: its aggregates join the fused scan (no extra pass)."""
    from lockgate.state.profile import profile_request
    from lockgate.state.sql_profile import plan_profile

    try:
        request = profile_request(plan.table, plan.stateful, plan.native_types)
        plan.profile = plan_profile(connector.dialect, plan.expr, request)
    except Exception as exc:
        for rule in plan.stateful:
            plan.errors[rule.id] = f"cannot profile the table for {rule.check}: {_short(exc)}"
        plan.stateful = []
        return
    plan.scan.update(plan.profile.scan)


def _plan_rule(connector: Connector, plan: TablePlan, rule: ir.Rule, seen: dict) -> None:
    t, m = plan.expr, rule.measure
    if isinstance(m, (ir.ColumnType, ir.ExtraColumns)):
        plan.metadata_rules.append(rule)
        return
    if isinstance(m, ir.STATEFUL_MEASURES):
        plan.stateful.append(rule)
        return
    if isinstance(m, ir.SqlValue):
        column = connector.quote_column(m.column) if m.column else None
        schema = connector.quote_column(connector.namespace) if connector.namespace else None
        plan.queries[rule.id] = substitute(
            m.query, connector.quote_table(plan.table.physical_name), column, schema
        )
        return
    if isinstance(m, ir.Orphans):
        ref = connector.table_expr(m.ref_table)
        if ref is None:
            raise LookupError(f"referenced table {m.ref_table} does not exist")
        absent = [c for c in m.ref_columns if c not in ref.columns]
        if absent:
            raise LookupError(f"referenced table {m.ref_table} has no column {', '.join(absent)}")
        plan.queries[rule.id] = connector.to_sql(orphans(t, ref, m).count())
        return
    if isinstance(m, ir.FailingRows):
        expr = t.count(where=failing(m.predicate, t))
    elif isinstance(m, ir.DuplicateRows):
        expr = duplicate_count(t, m.columns)
    elif isinstance(m, ir.RowCount):
        plan.metric_of[rule.id] = ROWS
        return
    elif isinstance(m, ir.LatestValue):
        expr = t[m.column].max()
    else:
        raise TypeError(f"no SQL plan for {type(m).__name__}")
    key = expr.op()
    if key not in seen:
        seen[key] = f"m{len(seen)}"
        plan.scan[seen[key]] = expr
    plan.metric_of[rule.id] = seen[key]


def orphans(t: IbisTable, ref: IbisTable, m: ir.Orphans) -> IbisTable:
    present = t.filter(all_present(t, m.columns))
    return present.anti_join(
        ref, [present[c] == ref[rc] for c, rc in zip(m.columns, m.ref_columns)]
    )


def referenced_columns(m: ir.Measure) -> tuple[str, ...]:
    if isinstance(m, ir.FailingRows):
        return ir.predicate_columns(m.predicate)
    if isinstance(m, (ir.DuplicateRows, ir.Orphans)):
        return m.columns
    if isinstance(m, (ir.LatestValue, ir.ColumnType, ir.Advancement, ir.ConstantColumn, ir.Drift)):
        return (m.column,)
    if isinstance(m, ir.ChangeRate):
        return (*m.key, m.column, *((m.by,) if m.by else ()))
    if isinstance(m, (ir.SqlValue, ir.Anomaly)) and m.column:
        return (m.column,)
    return ()


def _missing_message(missing: list[str], table: Table, native: dict[str, str]) -> str:
    names = ", ".join(missing)
    noun = "column" if len(missing) == 1 else "columns"
    return f"{noun} {names} missing from table {table.physical_name} (it has: {', '.join(native)})"


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def literal_sql(connector: Connector, plan: TablePlan) -> str:
    """The fused scan as SQL text (what `export --to sql` shows)."""
    scan = plan.scan_expr()
    return connector.to_sql(scan) if scan is not None else ""
