"""Break exactly one rule: from the valid dataset, data that fails the rule and, as far as the
generator can arrange, no other rule. One small breaker per measure kind, registered by type.

A breaker returns `Broken` (the new dataset and a sentence saying what changed), or `NotBroken`
with the reason: either the measure kind cannot be exercised (a `type: sql` query is opaque,
stateful rules need history) or no data was found that fails the rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from lockgate.contract import rules as ir
from lockgate.contract.describe import describe_predicate
from lockgate.contract.dispatch import KindTable
from lockgate.contract.model import Contract
from lockgate.results.model import Measurement
from lockgate.selftest.dataset import Dataset, TableData, build_dataset, column_specs
from lockgate.selftest.sizing import passes, row_count_passes, row_counts_to_try, rows_to_fail
from lockgate.selftest.values import CannotGenerate, take
from lockgate.selftest.violations import breaking_values

EXTRA_COLUMN = "__selftest_extra__"


@dataclass(frozen=True)
class Broken:
    dataset: Dataset
    how: str


@dataclass(frozen=True)
class NotBroken:
    reason: str
    exercisable: bool  # False: the measure kind is out of reach; True: no failing data was found


@dataclass(frozen=True)
class Context:
    contract: Contract
    valid: Dataset
    now: dt.datetime


Breaker = Callable[[ir.Rule, Context], "Broken | NotBroken"]
#: how to build data that fails a rule, per measure kind (handlers take the rule, not the measure)
BREAKERS: KindTable[Breaker] = KindTable(
    "selftest: data that breaks a measure",
    ir.Measure,
    unsupported={
        ir.SqlValue: (
            "a `type: sql` rule: its query is opaque, so selftest cannot tell which data fails it"
        ),
        ir.Reconcile: (
            "reconcile compares the table with another server; selftest builds one dataset"
        ),
        ir.StatefulMeasure: "judged against earlier runs or a reference profile, not one dataset",
    },
)


def breaker(measure_type: type) -> Callable[[Breaker], Breaker]:
    return BREAKERS.register(measure_type)


def not_exercised_reason(rule: ir.Rule, contract: Contract) -> str | None:
    """Why selftest cannot exercise the rule at all (before any data is generated), or None."""
    m = rule.measure
    handler, reason = BREAKERS.entry(type(m))
    if reason is not None:
        return (
            f"stateful check {rule.check}: {reason}"
            if isinstance(m, ir.StatefulMeasure)
            else reason
        )
    if (
        isinstance(m, ir.Orphans)
        and contract.table(m.ref_table) is None
        and m.ref_table not in {t.physical_name for t in contract.tables}
    ):
        return f"a relationship to {m.ref_table}, a table outside this contract"
    if (
        isinstance(m, ir.FailingRows)
        and isinstance(m.predicate, ir.AnyOf)
        and len(m.referenced_columns) > 1
    ):
        return "a predicate over several columns that selftest has no generator for"
    if handler is None:
        return f"selftest has no data generator for {rule.check} rules"
    return None


def break_rule(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    return BREAKERS.handler(type(rule.measure))(rule, ctx)


# --- row predicates -------------------------------------------------------------------------------


@breaker(ir.FailingRows)
def _failing_rows(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    data = ctx.valid.copy()
    table = data.tables[rule.table]
    k = rows_to_fail(rule, table.rows, ctx.now)
    if k is None:
        return NotBroken(
            f"even {table.rows - 1} failing rows of {table.rows} pass {rule.threshold.describe()}",
            True,
        )
    rows = list(range(table.rows - k, table.rows))
    p = ir.measure_as(rule, ir.FailingRows).predicate
    if isinstance(p, ir.LagAbove):
        return _late(rule, p, data, table, rows)
    column = p.referenced_columns[0]
    spec = column_specs(table.table, ctx.contract.rules_for(rule.table))[column]
    values, _ = breaking_values(spec, rule.id, p, table.columns[column], k)
    if not values:
        return NotBroken(f"no {spec.kind} value breaks {describe_predicate(p)}", True)
    _set(table, column, rows, values, ctx.contract.rules_for(rule.table))
    shown = ", ".join(repr(v) for v in dict.fromkeys(values))
    return Broken(data, f"{column} = {shown} in {k} of {table.rows} rows")


def _late(
    rule: ir.Rule, p: ir.LagAbove, data: Dataset, table: TableData, rows: list[int]
) -> Broken | NotBroken:
    lag = dt.timedelta(seconds=p.seconds) + dt.timedelta(hours=1)
    if table.kinds.get(p.end) == "date":
        lag = dt.timedelta(days=math.ceil(lag.total_seconds() / 86400))
    starts = table.columns[p.start]
    for i in rows:
        if starts[i] is None:
            return NotBroken(f"{p.start} is null in the generated rows", True)
        end = starts[i] + lag
        table.columns[p.end][i] = (
            end.date() if table.kinds.get(p.end) == "date" and isinstance(end, dt.datetime) else end
        )
    return Broken(data, f"{p.end} set {lag} after {p.start} in {len(rows)} of {table.rows} rows")


def _set(
    table: TableData, column: str, rows: list[int], values: list, rules: list[ir.Rule]
) -> None:
    """Write new values and move the other end of every latency pair by as much, so that only the
    rule being broken notices."""
    old = [table.columns[column][i] for i in rows]
    for i, value in zip(rows, values):
        table.columns[column][i] = value
    deltas = [_delta(a, b) for a, b in zip(old, values)]
    _follow(table, column, rows, deltas, rules)


def _delta(before, after):
    try:
        delta = after - before
    except TypeError:
        return None
    return delta if isinstance(delta, dt.timedelta) else None


def _follow(
    table: TableData, column: str, rows: list[int], deltas: list, rules: list[ir.Rule]
) -> None:
    for rule in rules:
        m = rule.measure
        if not (isinstance(m, ir.FailingRows) and isinstance(m.predicate, ir.LagAbove)):
            continue
        partner = (
            m.predicate.end
            if m.predicate.start == column
            else m.predicate.start
            if m.predicate.end == column
            else None
        )
        if partner is None or partner not in table.columns:
            continue
        for i, delta in zip(rows, deltas):
            value = table.columns[partner][i]
            if delta is not None and value is not None:
                table.columns[partner][i] = value + delta


# --- whole-table measures -------------------------------------------------------------------------


@breaker(ir.DuplicateRows)
def _duplicates(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    data = ctx.valid.copy()
    table = data.tables[rule.table]
    k = rows_to_fail(rule, table.rows, ctx.now)
    if k is None:
        return NotBroken(
            f"even {table.rows - 1} repeated keys in {table.rows} rows pass "
            f"{rule.threshold.describe()}",
            True,
        )
    rows = list(range(table.rows - k, table.rows))
    rules = ctx.contract.rules_for(rule.table)
    key = ir.measure_as(rule, ir.DuplicateRows).columns
    for column in key:
        _set(table, column, rows, [table.columns[column][0]] * k, rules)
    return Broken(
        data,
        f"the key ({', '.join(key)}) of row 1 repeated in {k} of {table.rows} rows",
    )


@breaker(ir.Orphans)
def _orphans(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    data = ctx.valid.copy()
    table = data.tables[rule.table]
    m = ir.measure_as(rule, ir.Orphans)
    parent = next(t for t in data.tables.values() if t.table.physical_name == m.ref_table)
    k = rows_to_fail(rule, table.rows, ctx.now)
    if k is None:
        return NotBroken(
            f"even {table.rows - 1} orphans in {table.rows} rows pass {rule.threshold.describe()}",
            True,
        )
    column, ref = m.columns[0], m.ref_columns[0]
    # a value the column's own rules accept, but that no parent row has
    spec = column_specs(table.table, ctx.contract.rules_for(rule.table))[column]
    known = set(parent.columns[ref])
    try:
        fresh = [v for v in take(spec, len(known) + k) if v not in known][:k]
    except CannotGenerate as exc:
        return NotBroken(f"no value for {column} outside {m.ref_table}.{ref}: {exc}", True)
    if not fresh:
        return NotBroken(f"every value {column} may take exists in {m.ref_table}.{ref}", True)
    rows = list(range(table.rows - k, table.rows))
    _set(table, column, rows, (fresh * k)[:k], ctx.contract.rules_for(rule.table))
    return Broken(
        data, f"{column} = {fresh[0]!r} (absent from {m.ref_table}) in {k} of {table.rows} rows"
    )


@breaker(ir.RowCount)
def _row_count(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    table = ctx.valid.tables[rule.table]
    others = [
        r
        for r in ctx.contract.rules_for(rule.table)
        if isinstance(r.measure, ir.RowCount) and r.id != rule.id
    ]
    failing = [
        n
        for n in row_counts_to_try([rule, *others], table.rows)
        if not row_count_passes(rule, n, ctx.now)
    ]
    if not failing:
        return NotBroken(f"no row count up to 10,000 fails {rule.threshold.describe()}", True)
    alone = [n for n in failing if all(row_count_passes(r, n, ctx.now) for r in others)]
    n = (alone or failing)[0]
    data = ctx.valid.copy()
    if n <= table.rows:
        resized = data.tables[rule.table]
        for name in resized.columns:
            resized.columns[name] = resized.columns[name][:n]
    else:
        grown = _grown(ctx, rule.table, n)
        if grown is None:
            return NotBroken(f"cannot generate {n} valid rows", True)
        data.tables[rule.table] = grown
    return Broken(data, f"{n} rows instead of {table.rows}")


def _grown(ctx: Context, table_name: str, n: int) -> TableData | None:
    """The table regenerated with n rows; streams are prefix-stable, so the first rows (and the
    keys other tables reference) stay as they were."""
    table = ctx.contract.table(table_name)
    assert table is not None  # the rule's own table
    rules = [
        r
        for r in ctx.contract.rules
        if r.table != table_name or not isinstance(r.measure, ir.RowCount)
    ]
    floor = ir.Rule(
        f"{table_name}.__rows__",
        table_name,
        None,
        "rowCount",
        ir.RowCount(),
        ir.Threshold("mustBe", n, "rows"),
    )
    bigger = dataclasses.replace(ctx.contract, rules=(*rules, floor))
    dataset, _ = build_dataset(bigger, ctx.now)
    grown = dataset.tables[table.name]
    return grown if grown.rows == n else None


@breaker(ir.LatestValue)
def _stale(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    data = ctx.valid.copy()
    table = data.tables[rule.table]
    column = ir.measure_as(rule, ir.LatestValue).column
    values = [v for v in table.columns[column] if v is not None]
    if not values:
        return NotBroken(f"{column} has no values", True)
    date_column = table.kinds.get(column) == "date"
    age = _failing_age(rule, ctx.now, days=date_column)
    if age is None:
        return NotBroken(f"no age fails {rule.threshold.describe()}", True)
    newest = max(values)
    newest_dt = dt.datetime.combine(newest, dt.time()) if date_column else newest
    target = (
        ctx.now.replace(tzinfo=None) - age
        if getattr(newest_dt, "tzinfo", None) is None
        else ctx.now - age
    )
    shift = target - newest_dt
    if date_column:
        shift = dt.timedelta(days=math.floor(shift.total_seconds() / 86400))
    rows = list(range(table.rows))
    _set(
        table,
        column,
        rows,
        [None if v is None else v + shift for v in table.columns[column]],
        ctx.contract.rules_for(rule.table),
    )
    return Broken(data, f"every {column} moved {-shift} into the past (newest {age} old)")


def _failing_age(rule: ir.Rule, now: dt.datetime, *, days: bool) -> dt.timedelta | None:
    limit = (
        rule.threshold.value
        if not isinstance(rule.threshold.value, tuple)
        else max(rule.threshold.value)
    )
    if not isinstance(limit, (int, float)):
        return None
    for seconds in (limit + 3600, limit + 86400, 2 * limit + 86400, 10 * limit + 86400):
        age = (
            dt.timedelta(days=math.ceil(seconds / 86400)) if days else dt.timedelta(seconds=seconds)
        )
        if not passes(rule, Measurement(value=now - age), now):
            return age
    return None


# --- metadata measures ----------------------------------------------------------------------------

# a kind whose values the frame engine and DuckDB both read as "not this logical type"
_WRONG_KIND = {"integer": "number", "number": "string", "string": "integer", "boolean": "integer",
               "date": "timestamp", "timestamp": "date", "time": "string"}  # fmt: skip


@breaker(ir.ColumnType)
def _wrong_type(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    data = ctx.valid.copy()
    table = data.tables[rule.table]
    m = ir.measure_as(rule, ir.ColumnType)
    values = table.columns[m.column]
    if m.timezone is not None and m.logical_type == "timestamp":
        table.timezones[m.column] = not m.timezone
        if m.timezone:
            table.columns[m.column] = [
                None if v is None else v.replace(tzinfo=None) for v in values
            ]
        return Broken(data, f"{m.column} stored {'without' if m.timezone else 'with'} a time zone")
    kind = _WRONG_KIND.get(m.logical_type)
    if kind is None:
        return NotBroken(f"no wrong type to store a {m.logical_type} column as", True)
    table.columns[m.column] = [
        None if v is None else _convert(v, i, kind) for i, v in enumerate(values)
    ]
    table.kinds[m.column] = kind
    return Broken(data, f"{m.column} stored as {kind} instead of {m.logical_type}")


def _convert(value, i: int, kind: str):
    if kind == "number":
        return float(value)
    if kind == "integer":
        return int(value) if isinstance(value, bool) else i
    if kind == "timestamp":
        return dt.datetime.combine(value, dt.time(1, 30))  # a date with a time of day
    if kind == "date":
        return value.date() if isinstance(value, dt.datetime) else value
    return str(value)


@breaker(ir.ExtraColumns)
def _extra_column(rule: ir.Rule, ctx: Context) -> Broken | NotBroken:
    data = ctx.valid.copy()
    table = data.tables[rule.table]
    table.columns[EXTRA_COLUMN] = list(range(table.rows))
    table.kinds[EXTRA_COLUMN] = "integer"
    return Broken(data, f"an undeclared column {EXTRA_COLUMN}")
