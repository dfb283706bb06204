"""Plan the queries for one table: one fused aggregate scan, plus the few rules that need their own
query (`type: sql`, relationships), plus the rules answered from the table's metadata alone.

`lockgate export --to sql` prints a plan; `SqlEngine.measure` executes the same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lockgate.connectors.base import Connector
from lockgate.connectors.safety.sql_rules import substitute
from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.contract.model import Table
from lockgate.profile.model import profile_request

if TYPE_CHECKING:
    from ibis.expr.types import Table as IbisTable

ROWS = "__rows"


@dataclass
class TablePlan:
    table: Table
    expr: IbisTable | None  # None when the table does not exist
    native_types: dict[str, str] = field(default_factory=dict)
    scan: dict[str, object] = field(default_factory=dict)  # metric name -> ibis scalar expression
    metric_of: dict[str, str] = field(default_factory=dict)  # rule id -> metric name in the scan
    # rule id -> its own SQL (sql rules, orphans)
    queries: dict[str, str] = field(default_factory=dict)
    metadata_rules: list[ir.Rule] = field(default_factory=list)  # answered from column types
    errors: dict[str, str] = field(default_factory=dict)  # rule id -> why it cannot be measured
    stateful: list[ir.Rule] = field(default_factory=list)  # answered by the table profile
    profile: Any = None  # lockgate.engines.sql.profile.ProfilePlan: its metrics are in `scan`
    # partitioned checks (lockgate.engines.partitions): `expr` holds only the selected rows,
    # `full` the whole table, `collisions` the key rules' lookups into the other partitions
    selection: Any = None
    full: IbisTable | None = None
    # rule id -> (query, key columns)
    collisions: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    # rule id -> colliding keys
    collision_samples: dict[str, list[Any]] = field(default_factory=dict)

    def rows(self) -> IbisTable:
        """`expr`, for the steps that run only when the table exists (planning its rules)."""
        assert self.expr is not None, f"{self.table.name}: rules are planned for existing tables"
        return self.expr

    def scan_expr(self) -> Any:
        return self.expr.aggregate(**self.scan) if self.expr is not None and self.scan else None


def plan_table(
    connector: Connector, table: Table, rules: list[ir.Rule], selection: Any = None
) -> TablePlan:
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
    if selection is not None:
        from lockgate.engines.sql.partitions import restrict_plan

        problem = restrict_plan(plan, selection)
        if problem is not None:
            plan.errors.update((rule.id, problem) for rule in rules)
            plan.expr = None
            return plan
    expr = plan.expr
    assert expr is not None  # its columns were just read
    plan.scan[ROWS] = expr.count()
    # identical expressions (e.g. required + nullValues) share a metric
    seen: dict[Any, str] = {}
    for rule in rules:
        refused = connector.unsupported(rule)
        if refused is not None:
            plan.errors[rule.id] = refused
            continue
        missing = [c for c in rule.measure.referenced_columns if c not in plan.native_types]
        if missing:
            plan.errors[rule.id] = _missing_message(missing, table, plan.native_types)
            continue
        try:
            _plan_rule(connector, plan, connector.adapt(rule), seen)
        except Exception as exc:  # a rule that cannot be expressed against these column types
            plan.errors[rule.id] = f"cannot check {rule.check} on this column: {_short(exc)}"
    if plan.stateful:
        _plan_profile(connector, plan)
    return plan


def _plan_profile(connector: Connector, plan: TablePlan) -> None:
    """The stateful rules' table profile: its aggregates join the fused scan (no extra pass)."""
    # lazy: the profile's expressions import ibis, which a cached check never loads
    from lockgate.engines.sql.profile import plan_profile

    try:
        request = profile_request(plan.table, plan.stateful, plan.native_types)
        plan.profile = plan_profile(connector.dialect, plan.rows(), request)
    except Exception as exc:
        for rule in plan.stateful:
            plan.errors[rule.id] = f"cannot profile the table for {rule.check}: {_short(exc)}"
        plan.stateful = []
        return
    plan.scan.update(plan.profile.scan)


def _plan_rule(connector: Connector, plan: TablePlan, rule: ir.Rule, seen: dict[Any, str]) -> None:
    expr = PLANS(rule.measure, connector, plan, rule)
    if expr is None:
        return
    key = expr.op()
    if key not in seen:
        seen[key] = f"m{len(seen)}"
        plan.scan[seen[key]] = expr
    plan.metric_of[rule.id] = seen[key]


# A handler files the rule into the plan, or returns the scalar expression to fuse into the scan.
_Plan = Callable[[Any, Connector, TablePlan, ir.Rule], Any]
PLANS: KindTable[_Plan] = KindTable(
    "SQL: plan a measure",
    ir.Measure,
    unsupported={ir.Reconcile: "compares two servers: run.py hands it to lockgate.reconcile"},
)


@PLANS.register(ir.MetadataMeasure)
def _(m: ir.Measure, connector: Connector, plan: TablePlan, rule: ir.Rule) -> None:
    plan.metadata_rules.append(rule)


@PLANS.register(ir.StatefulMeasure)
def _(m: ir.Measure, connector: Connector, plan: TablePlan, rule: ir.Rule) -> None:
    plan.stateful.append(rule)


@PLANS.register(ir.SqlValue)
def _(m: ir.SqlValue, connector: Connector, plan: TablePlan, rule: ir.Rule) -> None:
    column = connector.quote_column(m.column) if m.column else None
    schema = connector.quote_column(connector.namespace) if connector.namespace else None
    table = connector.quote_table(plan.table.physical_name)
    plan.queries[rule.id] = substitute(m.query, table, column, schema)


@PLANS.register(ir.Orphans)
def _(m: ir.Orphans, connector: Connector, plan: TablePlan, rule: ir.Rule) -> None:
    ref = connector.table_expr(m.ref_table)
    if ref is None:
        raise LookupError(f"referenced table {m.ref_table} does not exist")
    absent = [c for c in m.ref_columns if c not in ref.columns]
    if absent:
        raise LookupError(f"referenced table {m.ref_table} has no column {', '.join(absent)}")
    plan.queries[rule.id] = connector.to_sql(orphans(plan.rows(), ref, m).count())


@PLANS.register(ir.FailingRows)
def _(m: ir.FailingRows, connector: Connector, plan: TablePlan, rule: ir.Rule) -> Any:
    from lockgate.engines.sql.expressions import failing

    rows = plan.rows()
    return rows.count(where=failing(m.predicate, rows))


@PLANS.register(ir.DuplicateRows)
def _(m: ir.DuplicateRows, connector: Connector, plan: TablePlan, rule: ir.Rule) -> Any:
    from lockgate.engines.sql.expressions import duplicate_count

    if plan.selection is not None:  # keys are also unique against the other partitions
        from lockgate.engines.sql.partitions import collision_query

        plan.collisions[rule.id] = (
            collision_query(plan.full, plan.selection, m.columns),
            m.columns,
        )
    return duplicate_count(plan.rows(), m.columns)


@PLANS.register(ir.RowCount)
def _(m: ir.RowCount, connector: Connector, plan: TablePlan, rule: ir.Rule) -> None:
    plan.metric_of[rule.id] = ROWS


@PLANS.register(ir.LatestValue)
def _(m: ir.LatestValue, connector: Connector, plan: TablePlan, rule: ir.Rule) -> Any:
    return plan.rows()[m.column].max()


def orphans(t: IbisTable, ref: IbisTable, m: ir.Orphans) -> IbisTable:
    from lockgate.engines.sql.expressions import all_present

    present = t.filter(all_present(t, m.columns))
    return present.anti_join(
        ref, [present[c] == ref[rc] for c, rc in zip(m.columns, m.ref_columns)]
    )


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
