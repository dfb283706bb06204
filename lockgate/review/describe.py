"""Short readable text for what a rule enforces, shown as "before" and "after" in a diff."""

from __future__ import annotations

from functools import singledispatch

from lockgate.contract import rules as ir


def describe_rule(rule: ir.Rule) -> str:
    return f"{describe_measure(rule.measure)}, {describe_threshold(rule)}"


def describe_threshold(rule: ir.Rule) -> str:
    noun = "failing rows" if isinstance(rule.measure, ir.ROW_MEASURES) else _metric_noun(rule.measure)
    return f"{noun} {rule.threshold.describe()}"


def _metric_noun(m: ir.Measure) -> str:
    if isinstance(m, ir.RowCount):
        return "row count"
    if isinstance(m, ir.LatestValue):
        return "age"
    if isinstance(m, ir.Reconcile):
        return "keys differing"
    return "value"


@singledispatch
def describe_measure(m) -> str:
    return type(m).__name__


@describe_measure.register
def _(m: ir.FailingRows) -> str:
    return describe_predicate(m.predicate)


@describe_measure.register
def _(m: ir.DuplicateRows) -> str:
    return f"unique ({', '.join(m.columns)})"


@describe_measure.register
def _(m: ir.RowCount) -> str:
    return "row count"


@describe_measure.register
def _(m: ir.LatestValue) -> str:
    return f"age of max({m.column})"


@describe_measure.register
def _(m: ir.ColumnType) -> str:
    tz = {True: " with time zone", False: " without time zone"}.get(m.timezone, "")
    return f"logicalType {m.logical_type}{tz}"


@describe_measure.register
def _(m: ir.SqlValue) -> str:
    return f"SQL {' '.join(m.query.split())}"


@describe_measure.register
def _(m: ir.Orphans) -> str:
    return f"references {m.ref_table}({', '.join(m.ref_columns)})"


@describe_measure.register
def _(m: ir.ExtraColumns) -> str:
    return "no columns beyond the contract"


@describe_measure.register
def _(m: ir.Reconcile) -> str:
    return f"same keys and values as {m.source}.{m.source_table} (key {', '.join(m.key)})"


@singledispatch
def describe_predicate(p) -> str:
    return type(p).__name__


@describe_predicate.register
def _(p: ir.IsNull) -> str:
    return "not null"


@describe_predicate.register
def _(p: ir.IsMissing) -> str:
    return f"not null nor one of {list(p.values)}"


@describe_predicate.register
def _(p: ir.NotInSet) -> str:
    return f"one of {list(p.values)}"


@describe_predicate.register
def _(p: ir.NotMatching) -> str:
    return f"matches {p.pattern}"


@describe_predicate.register
def _(p: ir.OutOfRange) -> str:
    parts = []
    if p.minimum is not None:
        parts.append(f"{'>' if p.exclusive_minimum else '>='} {p.minimum}")
    if p.maximum is not None:
        parts.append(f"{'<' if p.exclusive_maximum else '<='} {p.maximum}")
    return "values " + " and ".join(parts)


@describe_predicate.register
def _(p: ir.LengthOutOfRange) -> str:
    parts = []
    if p.minimum is not None:
        parts.append(f">= {p.minimum}")
    if p.maximum is not None:
        parts.append(f"<= {p.maximum}")
    return "length " + " and ".join(parts)


@describe_predicate.register
def _(p: ir.NotMultipleOf) -> str:
    return f"multiple of {p.factor}"


@describe_predicate.register
def _(p: ir.LagAbove) -> str:
    return f"{p.end} - {p.start} <= {ir.format_duration(p.seconds)}"


@describe_predicate.register
def _(p: ir.AnyOf) -> str:
    return " and ".join(describe_predicate(sub) for sub in p.predicates)
