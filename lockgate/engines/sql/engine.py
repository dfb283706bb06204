"""Execute table plans on a connector and turn the rows into Measurements."""

from __future__ import annotations

import decimal
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.model import Table
from lockgate.engines.results import Measurement
from lockgate.engines.sql.connectors.base import Connector
from lockgate.engines.sql.expressions import all_present, failing
from lockgate.engines.sql.plan import ROWS, TablePlan, orphans, plan_table
from lockgate.engines.sql.types import type_matches
from lockgate.engines.sql_rules import ensure_select_only


class SqlEngine:
    name = "sql"

    def __init__(self, connector: Connector):
        self.connector = connector
        self._plans: dict[str, TablePlan] = {}
        self.profiles: dict[
            str, object
        ] = {}  # table name -> its TableProfile (for the history store)

    def plan(self, table: Table, rules: list[ir.Rule]) -> TablePlan:
        plan = plan_table(self.connector, table, rules)
        self._plans[table.name] = plan
        return plan

    def measure(self, table: Table, rules: list[ir.Rule]) -> dict[str, Measurement]:
        plan = self.plan(table, rules)
        out = {rule_id: Measurement(error=msg) for rule_id, msg in plan.errors.items()}
        if plan.expr is None:
            return out
        values = self._run_scan(plan, out)
        total = values.get(ROWS)
        for rule in rules:
            if rule.id in out:
                out[rule.id].total_rows = total
                continue
            if rule.id in plan.metric_of:
                metric = plan.metric_of[rule.id]
                if metric in values:
                    out[rule.id] = _from_scan(rule, values[metric], total)
            elif rule.id in plan.queries:
                out[rule.id] = self._run_query(rule, plan.queries[rule.id], total)
        for rule in plan.metadata_rules:
            out[rule.id] = _from_metadata(rule, plan, total)
        if plan.profile is not None:
            out.update(self._measure_profile(table, plan, values, total))
        return out

    def _measure_profile(
        self, table: Table, plan: TablePlan, values: dict[str, Any], total: int | None
    ) -> dict[str, Measurement]:
        """Every stateful rule is answered with the table's profile: the scan's profile metrics,
        plus the one grouped query (top-value shares, change-rate buckets) when a rule needs it."""
        profile_plan = plan.profile
        rows, grouped_error = None, None
        if profile_plan.grouped is not None:
            try:
                _names, rows = self.connector.fetch(self.connector.to_sql(profile_plan.grouped))
            except Exception as exc:
                grouped_error = f"query failed: {_first_line(exc)}"
        try:
            profile = profile_plan.read(values, rows)
        except (
            Exception
        ) as exc:  # a partial scan (some metric failed) can leave the profile inconsistent
            return {
                rule.id: Measurement(
                    error=f"cannot profile the table: {_first_line(exc)}", total_rows=total
                )
                for rule in plan.stateful
            }
        self.profiles[table.name] = profile
        out = {}
        for rule in plan.stateful:
            if any(name not in values for name in profile_plan.metric_names(rule)):
                out[rule.id] = Measurement(
                    error="query failed: a profile metric of this column could not be computed",
                    total_rows=total,
                )
            elif grouped_error and profile_plan.uses_grouped(rule):
                out[rule.id] = Measurement(error=grouped_error, total_rows=total)
            else:
                out[rule.id] = Measurement(value=profile, total_rows=total)
        return out

    def _run_scan(self, plan: TablePlan, out: dict[str, Measurement]) -> dict[str, Any]:
        """One query for all metrics. If it fails, run metrics one by one so that only the rules
        whose expression the database rejects get the error."""
        scan = plan.scan_expr()
        try:
            names, rows = self.connector.fetch(self.connector.to_sql(scan))
            return dict(zip(names, rows[0]))
        except Exception:
            values: dict[str, Any] = {}
            failed: dict[str, str] = {}
            for name, expr in plan.scan.items():
                try:
                    values[name] = self.connector.fetch_value(
                        self.connector.to_sql(plan.expr.aggregate(**{name: expr}))
                    )
                except Exception as exc:
                    failed[name] = _first_line(exc)
            for rule_id, metric in plan.metric_of.items():
                if metric in failed:
                    out[rule_id] = Measurement(error=f"query failed: {failed[metric]}")
            return values

    def _run_query(self, rule: ir.Rule, sql: str, total: int | None) -> Measurement:
        if isinstance(rule.measure, ir.SqlValue):
            # a refused query is a contract error (it propagates), never a rule's verdict
            ensure_select_only(sql, self.connector.dialect)
        try:
            if isinstance(rule.measure, ir.SqlValue):
                value = self.connector.fetch_rule_value(sql)
            else:
                value = self.connector.fetch_value(sql)
        except Exception as exc:
            return Measurement(error=f"query failed: {_first_line(exc)}", total_rows=total)
        if isinstance(rule.measure, ir.Orphans):
            return Measurement(failed_rows=int(value or 0), total_rows=total)
        return Measurement(value=_number(value), total_rows=total)

    def samples(self, table: Table, rule: ir.Rule, limit: int = 5) -> list[dict[str, Any]]:
        """Up to `limit` offending rows (key columns + the rule's columns), only asked for failures."""
        plan = self._plans.get(table.name)
        if plan is None or plan.expr is None or rule.id in plan.errors:
            return []
        t, m = plan.expr, rule.measure
        keys = [k for k in table.key_columns if k in plan.native_types]
        if isinstance(m, ir.FailingRows):
            cols = list(dict.fromkeys(keys + list(ir.predicate_columns(m.predicate))))
            query = t.filter(failing(m.predicate, t)).select(*cols)
            query = query.order_by(keys) if keys else query
        elif isinstance(m, ir.DuplicateRows):
            cols = list(m.columns)
            present = t.filter(all_present(t, m.columns))
            grouped = present.group_by(cols).aggregate(duplicate_count=present.count())
            query = grouped.filter(grouped.duplicate_count > 1).order_by(cols)
        elif isinstance(m, ir.Orphans):
            ref = self.connector.table_expr(m.ref_table)
            if ref is None:
                return []
            missing = orphans(t, ref, m)
            cols = list(dict.fromkeys(keys + list(m.columns)))
            query = missing.select(*cols)
            query = query.order_by(keys) if keys else query
        else:
            return []
        try:
            names, rows = self.connector.fetch(self.connector.to_sql(query.limit(limit)))
        except Exception:
            return []  # samples are a courtesy; the verdict does not depend on them
        return [dict(zip(names, row)) for row in rows]


def _from_scan(rule: ir.Rule, value: Any, total: int | None) -> Measurement:
    m = rule.measure
    if isinstance(m, (ir.FailingRows, ir.DuplicateRows)):
        return Measurement(failed_rows=int(value or 0), total_rows=total)
    if isinstance(m, ir.RowCount):
        return Measurement(value=int(value), total_rows=total)
    return Measurement(value=value, total_rows=total)  # LatestValue: a timestamp


def _from_metadata(rule: ir.Rule, plan: TablePlan, total: int | None) -> Measurement:
    m = rule.measure
    if isinstance(m, ir.ColumnType):
        dtype = plan.expr.schema()[m.column]
        ok = type_matches(m, dtype)
        return Measurement(
            value=0 if ok else 1, detail=plan.native_types[m.column], total_rows=total
        )
    declared = set(m.declared)
    extra = [c for c in plan.native_types if c not in declared]
    detail = f"extra columns: {', '.join(extra)}" if extra else "no extra columns"
    return Measurement(value=len(extra), detail=detail, total_rows=total)


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, decimal.Decimal) else value


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
