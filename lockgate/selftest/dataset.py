"""Generate data that satisfies a contract: every table, every column, keys that join.

Each column gets the values of its own stream (`values.py`), filtered by every single-column rule
on it. Rules that tie columns together are honoured afterwards: foreign keys take their values
from the first rows of the referenced table (so dropping rows at the end of a parent keeps its
children valid), and the end of a latency pair follows its start by a minute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from lockgate.contract import rules as ir
from lockgate.contract.model import Column, Contract, Table
from lockgate.selftest.sizing import table_rows
from lockgate.selftest.values import KINDS, CannotGenerate, ColumnSpec, take, to_series

REFERENCED_ROWS = 3  # children point at this many of their parent's first rows
LATENCY_GAP = dt.timedelta(minutes=1)
PHYSICAL_KINDS = (
    ("bool", "boolean"), ("timestamp", "timestamp"), ("datetime", "timestamp"), ("date", "date"),
    ("time", "time"), ("int", "integer"), ("serial", "integer"), ("numeric", "number"),
    ("decimal", "number"), ("double", "number"), ("float", "number"), ("real", "number"),
)  # fmt: skip


@dataclass
class TableData:
    table: Table
    columns: dict[str, list]  # physical name -> values
    kinds: dict[str, str]
    timezones: dict[str, bool | None] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def copy(self) -> TableData:
        return TableData(
            self.table,
            {k: list(v) for k, v in self.columns.items()},
            dict(self.kinds),
            dict(self.timezones),
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                name: to_series(values, self.kinds[name], self.timezones.get(name))
                for name, values in self.columns.items()
            }
        )


@dataclass
class Dataset:
    tables: dict[str, TableData]  # by logical table name

    def copy(self) -> Dataset:
        return Dataset({k: v.copy() for k, v in self.tables.items()})

    def frames(self) -> dict[str, pd.DataFrame]:
        """Keyed by physical table name, as the warehouse would hold them."""
        return {t.table.physical_name: t.frame() for t in self.tables.values()}


def column_kind(column: Column) -> str | None:
    """The kind of values to generate; None for types the generator does not produce."""
    if column.logical_type:
        return column.logical_type if column.logical_type in KINDS else None
    physical = (column.physical_type or "").lower()
    return next((kind for word, kind in PHYSICAL_KINDS if word in physical), "string")


def column_specs(table: Table, rules: list[ir.Rule]) -> dict[str, ColumnSpec]:
    specs = {}
    for column in table.columns:
        kind = column_kind(column) or "string"
        tz = (
            column.options.get("timezone")
            if isinstance(column.options.get("timezone"), bool)
            else None
        )
        specs[column.physical_name] = ColumnSpec(column.physical_name, kind, tz)
    for rule in rules:
        m = rule.measure
        if isinstance(m, ir.FailingRows) and len(m.referenced_columns) == 1:
            spec = specs.get(m.referenced_columns[0])
            if spec is not None:
                spec.predicates.append((rule.id, m.predicate))
        elif isinstance(m, ir.DuplicateRows) and len(m.columns) == 1 and m.columns[0] in specs:
            specs[m.columns[0]].unique = True
        elif isinstance(m, ir.ColumnType) and m.timezone is not None and m.column in specs:
            specs[m.column].timezone = m.timezone
    return specs


def build_dataset(contract: Contract, now: dt.datetime) -> tuple[Dataset, dict[str, str]]:
    """Data meeting every rule of `contract`, and the rules it could not serve (rule id -> why)."""
    problems: dict[str, str] = {}
    tables: dict[str, TableData] = {}
    by_physical = {t.physical_name: t for t in contract.tables}
    for table in _parents_first(contract):
        rules = contract.rules_for(table.name)
        n = table_rows(rules, now)
        specs = column_specs(table, rules)
        keys = _foreign_keys(rules, by_physical)
        data = TableData(
            table,
            {},
            {name: spec.kind for name, spec in specs.items()},
            {n: s.timezone for n, s in specs.items()},
        )
        for column in table.columns:
            name = column.physical_name
            if column_kind(column) is None:
                _unserved(
                    problems,
                    rules,
                    name,
                    f"cannot generate values of logicalType {column.logical_type}",
                )
                data.columns[name] = [None] * n
            elif name in keys:
                data.columns[name] = _referenced(keys[name], tables, n)
            else:
                try:
                    data.columns[name] = take(specs[name], n)
                except CannotGenerate as exc:
                    _unserved(problems, rules, name, f"cannot generate valid values: {exc}")
                    data.columns[name] = [None] * n
        _align_latencies(data, rules)
        tables[table.name] = data
    return Dataset({t.name: tables[t.name] for t in contract.tables}), problems


def _unserved(problems: dict[str, str], rules: list[ir.Rule], column: str, reason: str) -> None:

    for rule in rules:
        if column in rule.measure.referenced_columns:
            problems.setdefault(rule.id, f"column {column}: {reason}")


def _foreign_keys(rules: list[ir.Rule], tables: dict[str, Table]) -> dict[str, tuple[str, str]]:
    """Child column -> (parent table name, parent column), for relationships inside the contract."""
    keys = {}
    for rule in rules:
        m = rule.measure
        if isinstance(m, ir.Orphans) and m.ref_table in tables:
            for column, ref in zip(m.columns, m.ref_columns):
                keys[column] = (tables[m.ref_table].name, ref)
    return keys


def _referenced(key: tuple[str, str], tables: dict[str, TableData], n: int) -> list:
    parent_name, column = key
    parent = tables.get(parent_name)
    if parent is None or column not in parent.columns:
        return [
            None
        ] * n  # a cycle of relationships: this rule is reported as failing on valid data
    first = parent.columns[column][:REFERENCED_ROWS]
    return [first[i % len(first)] for i in range(n)] if first else [None] * n


def _align_latencies(data: TableData, rules: list[ir.Rule]) -> None:
    for rule in rules:
        m = rule.measure
        if isinstance(m, ir.FailingRows) and isinstance(m.predicate, ir.LagAbove):
            p = m.predicate
            starts = data.columns.get(p.start)
            if starts is not None and p.end in data.columns:
                gap = min(LATENCY_GAP, dt.timedelta(seconds=p.seconds / 2))
                if data.kinds.get(p.end) == "date":
                    gap = dt.timedelta(0)
                data.columns[p.end] = [
                    None if s is None else _plus(s, gap, data.kinds[p.end]) for s in starts
                ]


def _plus(value, delta: dt.timedelta, kind: str):
    if kind == "date" and isinstance(value, dt.datetime):
        return (value + delta).date()
    return value + delta


def _parents_first(contract: Contract) -> list[Table]:
    """Tables ordered so that a referenced table comes before the tables referencing it."""
    by_physical = {t.physical_name: t for t in contract.tables}
    parents: dict[str, set[str]] = {t.name: set() for t in contract.tables}
    for rule in contract.rules:
        if isinstance(rule.measure, ir.Orphans) and rule.measure.ref_table in by_physical:
            parent = by_physical[rule.measure.ref_table].name
            if parent != rule.table:
                parents[rule.table].add(parent)
    ordered: list[Table] = []
    pending = list(contract.tables)
    while pending:
        ready = [t for t in pending if parents[t.name] <= {o.name for o in ordered}] or pending[:1]
        for table in ready:
            ordered.append(table)
            pending.remove(table)
    return ordered
