"""Execute table plans on a connector and turn the rows into Measurements."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from lockgate.connectors.base import Connector
from lockgate.connectors.safety import ensure_select_only
from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable
from lockgate.contract.model import Table
from lockgate.engines.protocol import SAMPLE_ROWS
from lockgate.engines.sql import plan_cache
from lockgate.engines.sql.plan import ROWS, TablePlan, orphans, plan_table
from lockgate.engines.sql.scan_batches import batch_query, narrowed, one_metric, scan_batches
from lockgate.profile.model import TableProfile
from lockgate.results.model import Measurement

if TYPE_CHECKING:
    from ibis.expr.types import Table as IbisTable


class SqlEngine:
    name = "sql"

    def __init__(
        self, connector: Connector, partitions: Any = None, contract_hash: str | None = None
    ):
        self.connector = connector
        self.partitions = partitions  # lockgate.engines.partitions.PartitionSelection or None
        # with the contract's hash, plans are cached (lockgate.engines.sql.plan_cache)
        self.contract_hash = contract_hash
        # table -> its plan-cache entry (loaded, or stored by this check), which also keeps the
        # SQL of sample queries; tables whose entry gained one since it was written
        self._cached: dict[str, plan_cache.CachedPlan] = {}
        self._unsaved: set[str] = set()
        self._native: dict[str, dict[str, str]] = {}
        self._plans: dict[str, TablePlan] = {}
        self.profiles: dict[str, TableProfile] = {}  # table name -> profile, for the history store

    def plan(self, table: Table, rules: list[ir.Rule]) -> TablePlan:
        selection = self.partitions.of(table.name) if self.partitions is not None else None
        plan = plan_table(self.connector, table, rules, selection)
        self._plans[table.name] = plan
        return plan

    def measure(self, table: Table, rules: list[ir.Rule]) -> dict[str, Measurement]:
        cached, key = self._cached_plan(table, rules)
        if cached is not None:
            measured = self._measure_cached(table, rules, cached)
            if measured is not None:
                return measured
        plan = self.plan(table, rules)
        out = {rule_id: Measurement(error=msg) for rule_id, msg in plan.errors.items()}
        if plan.expr is None:
            return out
        values, batches = self._run_scan(plan, out)
        if key is not None and batches is not None and plan_cache.cacheable(plan, rules):
            entry = plan_cache.from_plan(key, plan, batches)
            plan_cache.store(entry)
            self._cached[table.name] = entry
        total = values.get(ROWS)
        self._assemble(rules, out, values, plan.metric_of, plan.queries, total)
        for rule in plan.metadata_rules:
            out[rule.id] = _from_metadata(rule, plan, total)
        if plan.collisions:
            from lockgate.engines.sql.partitions import add_collisions

            add_collisions(self.connector, plan, out)
        if plan.profile is not None:
            out.update(self._measure_profile(table, plan, values, total))
        return out

    def _assemble(
        self,
        rules: list[ir.Rule],
        out: dict[str, Measurement],
        values: dict[str, Any],
        metric_of: dict[str, str],
        queries: dict[str, str],
        total: int | None,
    ) -> None:
        for rule in rules:
            if rule.id in out:
                out[rule.id].total_rows = total
                continue
            if rule.id in metric_of:
                metric = metric_of[rule.id]
                if metric in values:
                    out[rule.id] = _from_scan(rule, values[metric], total)
            elif rule.id in queries:
                out[rule.id] = self._run_query(rule, queries[rule.id], total)

    def _cached_plan(self, table: Table, rules: list[ir.Rule]) -> tuple[Any, str | None]:
        """(the cached plan or None, the key to store a fresh one under or None)."""
        if not self.connector.plans_cacheable or self.contract_hash is None:
            return None, None
        if plan_cache.directory() is None:
            return None, None
        if self.partitions is not None and self.partitions.of(table.name) is not None:
            return None, None  # a partition's plan filters by its values: not in the cache key
        native = self.connector.columns(table.physical_name)
        if native is None:
            return None, None
        key = plan_cache.plan_key(self.contract_hash, table, rules, self.connector, native)
        self._native[table.name] = dict(native)
        return plan_cache.load(key), key

    def _sampling_plan(self, table: Table) -> TablePlan:
        """What `samples` needs after a check from a cached plan: the table as an ibis expression
        (the rules are not planned again: 3,000 of them took seconds)."""
        cached = self._cached[table.name]
        expr = self.connector.table_expr(table.physical_name)
        plan = TablePlan(table, expr, dict(self._native[table.name]), errors=dict(cached.errors))
        self._plans[table.name] = plan
        return plan

    def _measure_cached(
        self, table: Table, rules: list[ir.Rule], cached: plan_cache.CachedPlan
    ) -> dict[str, Measurement] | None:
        """The measurements from a cached plan's SQL; None when a query fails (the fresh plan
        then finds which metric the database rejects, or the file is not one lockgate wrote for
        these rules)."""
        typed = (r.id for r in rules if isinstance(r.measure, ir.ColumnType))
        if any(i in cached.metadata_rules and i not in cached.column_types_ok for i in typed):
            return None
        out = {rule_id: Measurement(error=msg) for rule_id, msg in cached.errors.items()}
        values: dict[str, Any] = {}
        try:
            for sql, _names in cached.batches:
                names, rows = self.connector.fetch(sql)
                values.update(zip(names, rows[0]))
        except Exception:
            return None
        total = values.get(ROWS)
        self._assemble(rules, out, values, cached.metric_of, cached.queries, total)
        native = self._native[table.name]
        for rule in rules:
            if rule.id not in cached.metadata_rules:
                continue
            m = rule.measure
            if isinstance(m, ir.ColumnType):
                ok = cached.column_types_ok[rule.id]
                out[rule.id] = Measurement(
                    value=0 if ok else 1, detail=native[m.column], total_rows=total
                )
            else:
                out[rule.id] = _extra_columns(cast(ir.ExtraColumns, m), native, total)
        self._cached[table.name] = cached
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

    def _run_scan(
        self, plan: TablePlan, out: dict[str, Measurement]
    ) -> tuple[dict[str, Any], list[tuple[str, list[str]]] | None]:
        """The fused scan (in column batches on a wide table: `scan_batches`). If a query fails,
        its metrics run one by one so that only the rules whose expression the database rejects
        get the error. Returns the values and, when every batch ran, each batch's SQL and
        metric names (what the plan cache keeps)."""
        values: dict[str, Any] = {}
        failed: dict[str, str] = {}
        ran: list[tuple[str, list[str]]] | None = []
        for batch in scan_batches(plan.scan, self.connector.dialect):
            try:
                sql = self.connector.to_sql(batch_query(plan.expr, batch))
                names, rows = self.connector.fetch(sql)
                values.update(zip(names, rows[0]))
                if ran is not None:
                    ran.append((sql, list(batch.metrics)))
                continue
            except Exception:
                ran = None
            for name, expr in batch.metrics.items():
                try:
                    query = batch_query(plan.expr, one_metric(name, expr))
                    values[name] = self.connector.fetch_value(self.connector.to_sql(query))
                except Exception as exc:
                    failed[name] = _first_line(exc)
        for rule_id, metric in plan.metric_of.items():
            if metric in failed:
                out[rule_id] = Measurement(error=f"query failed: {failed[metric]}")
        return values, ran

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

    def samples(
        self, table: Table, rules: list[ir.Rule], limit: int = SAMPLE_ROWS
    ) -> dict[str, list[dict[str, Any]]]:
        """Up to `limit` offending rows of each failed rule (key columns + the rule's columns).
        The SQL of each sample query is kept in the table's plan-cache entry, which is written
        once here when it gained any, so a warm check's samples need no ibis either."""
        out = {rule.id: self._samples_of(table, rule, limit) for rule in rules}
        if table.name in self._unsaved:
            self._unsaved.discard(table.name)
            plan_cache.store(self._cached[table.name])
        return out

    def _samples_of(self, table: Table, rule: ir.Rule, limit: int) -> list[dict[str, Any]]:
        if SAMPLES.entry(type(rule.measure))[0] is None:
            return []  # a number for the whole table (asked before any ibis is loaded)
        entry = self._cached.get(table.name)
        slot = plan_cache.sample_slot(rule.id, limit)
        sql = entry.samples.get(slot) if entry is not None else None
        if sql is None:
            plan = self._plans.get(table.name)
            if plan is None and entry is not None:  # measured from a cached plan
                plan = self._sampling_plan(table)
            if plan is None or plan.expr is None or rule.id in plan.errors:
                return []
            m = self.connector.adapt(rule).measure  # e.g. a pattern in the server's regex dialect
            if isinstance(m, ir.DuplicateRows) and plan.selection is not None:
                return self._partition_duplicates(plan, rule, m, limit)  # never cached
            sql = self._sample_sql(table, plan, m, limit) or ""  # "": no rows to show
            if entry is not None:
                entry.samples[slot] = sql
                self._unsaved.add(table.name)
        if not sql:
            return []
        try:
            names, rows = self.connector.fetch(sql)
        except Exception:
            return []  # samples are a courtesy; the verdict does not depend on them
        return [dict(zip(names, row)) for row in rows]

    def _sample_sql(self, table: Table, plan: TablePlan, m: ir.Measure, limit: int) -> str | None:
        """The SQL of the offending rows of `m` (None: it has none to show)."""
        sample, _ = SAMPLES.entry(type(m))
        if sample is None:
            return None
        keys = [k for k in table.key_columns if k in plan.native_types]
        t, star = plan.expr, None
        if isinstance(m, (ir.FailingRows, ir.DuplicateRows)):
            # compiled against the columns it reads (ibis's cost follows the table's width); ibis
            # writes `SELECT *` for a selection of all of them, which must name them instead
            t = narrowed(plan.expr, [*keys, *m.referenced_columns])
            star = tuple(t.columns) if isinstance(m, ir.FailingRows) else None
        query = sample(m, t, keys, self.connector)
        if query is None:
            return None
        return self.connector.to_sql(query.limit(limit), star=star)

    def _partition_duplicates(
        self, plan: TablePlan, rule: ir.Rule, m: ir.DuplicateRows, limit: int
    ) -> list[dict[str, Any]]:
        """Repeated keys inside the partitions, merged with the keys that collide with other
        partitions (those came with the count)."""
        from lockgate.engines.sql.partitions import merge_samples, within_duplicates

        try:
            names, rows = self.connector.fetch(
                self.connector.to_sql(within_duplicates(plan.expr, m.columns))
            )
        except Exception:
            return []
        within = [dict(zip(names, row)) for row in rows]
        return merge_samples(within, plan.collision_samples.get(rule.id, []), m.columns, limit)


_NO_ROWS = "one number for the whole table: there are no offending rows to show"
# `sample(m, t, keys, connector)`: the query of the offending rows (None: none to show)
SAMPLES: KindTable[Callable[[Any, IbisTable, list[str], Any], Any]] = KindTable(
    "SQL: offending rows of a failed rule",
    ir.Measure,
    unsupported=dict.fromkeys(
        (ir.TableMeasure, ir.MetadataMeasure, ir.StatefulMeasure, ir.CrossServerMeasure), _NO_ROWS
    ),
)


@SAMPLES.register(ir.FailingRows)
def _(m: ir.FailingRows, t: IbisTable, keys: list[str], connector: Any) -> Any:
    from lockgate.engines.sql.expressions import failing

    cols = list(dict.fromkeys(keys + list(m.referenced_columns)))
    query = t.filter(failing(m.predicate, t)).select(*cols)
    return query.order_by(keys) if keys else query


@SAMPLES.register(ir.DuplicateRows)
def _(m: ir.DuplicateRows, t: IbisTable, keys: list[str], connector: Any) -> Any:
    from lockgate.engines.sql.expressions import all_present

    cols = list(m.columns)
    present = t.filter(all_present(t, m.columns))
    grouped = present.group_by(cols).aggregate(duplicate_count=present.count())
    return grouped.filter(grouped.duplicate_count > 1).order_by(cols)


@SAMPLES.register(ir.Orphans)
def _(m: ir.Orphans, t: IbisTable, keys: list[str], connector: Any) -> Any:
    ref = connector.table_expr(m.ref_table)
    if ref is None:
        return None
    cols = list(dict.fromkeys(keys + list(m.columns)))
    query = orphans(t, ref, m).select(*cols)
    return query.order_by(keys) if keys else query


def _from_scan(rule: ir.Rule, value: Any, total: int | None) -> Measurement:
    m = rule.measure
    if isinstance(m, (ir.FailingRows, ir.DuplicateRows)):
        return Measurement(failed_rows=int(value or 0), total_rows=total)
    if isinstance(m, ir.RowCount):
        return Measurement(value=int(value), total_rows=total)
    return Measurement(value=value, total_rows=total)  # LatestValue: a timestamp


def _from_metadata(rule: ir.Rule, plan: TablePlan, total: int | None) -> Measurement:
    from lockgate.engines.sql.types import type_matches

    m = rule.measure
    if isinstance(m, ir.ColumnType):
        assert plan.expr is not None  # metadata rules are planned for existing tables only
        dtype = plan.expr.schema()[m.column]
        ok = type_matches(m, dtype)
        return Measurement(
            value=0 if ok else 1, detail=plan.native_types[m.column], total_rows=total
        )
    assert isinstance(m, ir.ExtraColumns)  # the only other metadata measure
    return _extra_columns(m, plan.native_types, total)


def _extra_columns(m: ir.ExtraColumns, native: dict[str, str], total: int | None) -> Measurement:
    declared = set(m.declared)
    extra = [c for c in native if c not in declared]
    detail = f"extra columns: {', '.join(extra)}" if extra else "no extra columns"
    return Measurement(value=len(extra), detail=detail, total_rows=total)


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, decimal.Decimal) else value


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
