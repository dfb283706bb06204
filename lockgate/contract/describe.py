"""Short readable text for what a rule enforces: "before" and "after" in a diff, and the
condition a report states next to each result (`kwh <= 50`), so the reader need not open the
contract to learn what a failed rule was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable


def describe_rule(rule: ir.Rule) -> str:
    return f"{describe_measure(rule.measure)}, {describe_threshold(rule)}"


def describe_threshold(rule: ir.Rule) -> str:
    noun = "failing rows" if isinstance(rule.measure, ir.RowMeasure) else _metric_noun(rule.measure)
    return f"{noun} {rule.threshold.describe()}"


def _metric_noun(m: ir.Measure) -> str:
    return _NOUNS.get(type(m), "value")


# what the judged number of a (non-row) measure is called; every other measure's is a "value"
_NOUNS: dict[type, str] = {
    ir.RowCount: "row count",
    ir.LatestValue: "age",
    ir.Reconcile: "keys differing",
}


#: `describe_measure(m)`: what the measure counts, e.g. `unique (meter_id)`
describe_measure: KindTable[Callable[..., str]] = KindTable(
    "review: describe a measure", ir.Measure
)


@describe_measure.register(ir.FailingRows)
def _(m: ir.FailingRows) -> str:
    text: str = describe_predicate(m.predicate)
    return text


@describe_measure.register(ir.DuplicateRows)
def _(m: ir.DuplicateRows) -> str:
    return f"unique ({', '.join(m.columns)})"


@describe_measure.register(ir.RowCount)
def _(m: ir.RowCount) -> str:
    return "row count"


@describe_measure.register(ir.LatestValue)
def _(m: ir.LatestValue) -> str:
    return f"age of max({m.column})"


@describe_measure.register(ir.ColumnType)
def _(m: ir.ColumnType) -> str:
    tz = {True: " with time zone", False: " without time zone", None: ""}[m.timezone]
    return f"logicalType {m.logical_type}{tz}"


@describe_measure.register(ir.SqlValue)
def _(m: ir.SqlValue) -> str:
    return f"SQL {' '.join(m.query.split())}"


@describe_measure.register(ir.Orphans)
def _(m: ir.Orphans) -> str:
    return f"references {m.ref_table}({', '.join(m.ref_columns)})"


@describe_measure.register(ir.ExtraColumns)
def _(m: ir.ExtraColumns) -> str:
    return "no columns beyond the contract"


def describe_condition(rule: ir.Rule) -> str:
    """What the data must satisfy, naming its columns: `kwh <= 50`, `(meter_id, read_at) unique`."""
    m = rule.measure
    if isinstance(m, ir.FailingRows):
        named: str = describe_predicate(m.predicate, named=True)
        return named
    if isinstance(m, ir.DuplicateRows):
        return (
            f"({', '.join(m.columns)}) unique" if len(m.columns) > 1 else f"{m.columns[0]} unique"
        )
    if isinstance(m, ir.Orphans):
        return f"({', '.join(m.columns)}) {describe_measure(m)}"
    text: str = describe_measure(m)
    return text


def describe_expected(rule: ir.Rule) -> str:
    """A row rule's `expected`: its condition and how many rows may break it,
    `kwh <= 50 (failing rows = 0)`. Other rules keep the judge's own wording."""
    return f"{describe_condition(rule)} (failing rows {_row_bound(rule.threshold)})"


def _row_bound(t: ir.Threshold) -> str:
    """`= 0`, `<= 5%`: the unit "rows" goes without saying after "failing rows"."""
    text = t.describe()
    return text.replace(" rows", "") if t.unit == "rows" else text


@describe_measure.register(ir.Advancement)
def _(m: ir.Advancement) -> str:
    return f"max({m.column}) advances between runs"


@describe_measure.register(ir.ChangeRate)
def _(m: ir.ChangeRate) -> str:
    return (
        f"{m.column} changes with its rows (key {', '.join(m.key)}, min {m.min_changed} "
        f"changed, {m.buckets} buckets)"
    )


@describe_measure.register(ir.ConstantColumn)
def _(m: ir.ConstantColumn) -> str:
    top = f", top value <= {m.max_top_share:.0%}" if m.max_top_share is not None else ""
    return f"{m.column} not constant{top} (window {m.window})"


@describe_measure.register(ir.Anomaly)
def _(m: ir.Anomaly) -> str:
    of = f"{m.metric}({m.column})" if m.column else m.metric
    return (
        f"{of} within |z| <= {m.threshold:g} of the last {m.window} runs (min {m.min_history}, "
        f"tolerance {m.min_rel_tolerance:g} relative / {m.min_abs_tolerance:g} absolute, "
        f"{m.direction})"
    )


@describe_measure.register(ir.Drift)
def _(m: ir.Drift) -> str:
    levels = ", ".join(
        f"{k} {v:g}" for k, v in (("warn at", m.warn_at), ("fail at", m.fail_at)) if v is not None
    )
    return f"{m.method} drift of {m.column} against {m.reference_file}" + (
        f" ({levels})" if levels else ""
    )


@describe_measure.register(ir.Reconcile)
def _(m: ir.Reconcile) -> str:
    return f"same keys and values as {m.source}.{m.source_table} (key {', '.join(m.key)})"


#: `describe_predicate(p, named=False)`: what a row must satisfy, the one wording of a row
#: predicate. `named` puts the column in (`0 <= kwh <= 50`, `kwh in ['a', 'b']`): a report's
#: condition and `expected` text, the bounds line of a notebook or pytest failure. Without it the
#: text is the column-less form a diff shows next to the column and the serving 422 answer gives
#: as `expected` (`values <= 50`, `one of ['a', 'b']`). Dates and times are written ISO.
describe_predicate: KindTable[Callable[..., str]] = KindTable(
    "review: describe a row predicate", ir.Predicate
)


def describe_bounds(rule: ir.Rule) -> str:
    """The condition every row must meet (`0 <= amount_eur <= 1000`), or "" for rules that are
    not about rows: the bounds shown next to a failure in a notebook or a pytest report, where the
    judged count alone ("= 0 rows") does not say what the rows broke."""
    m = rule.measure
    if not isinstance(m, ir.FailingRows):
        return ""
    text: str = describe_predicate(m.predicate, named=True)
    return text


def _subject(column: str, named: bool) -> str:
    return f"{column} " if named else ""


def _value(value: object) -> str:
    """A bound as the reader writes it: dates and times ISO (`2024-01-01T00:00:00`)."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


def _between(
    subject: str,
    low: str | None,
    high: str | None,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> str:
    """`0 <= kwh <= 50` with both bounds, `kwh >= 0` or `kwh < 50` with one."""
    below = "<" if open_high else "<="
    if low is not None and high is not None:
        return f"{low} {'<' if open_low else '<='} {subject} {below} {high}"
    if low is not None:
        return f"{subject} {'>' if open_low else '>='} {low}"
    return f"{subject} {below} {high}" if high is not None else ""


@describe_predicate.register(ir.IsNull)
def _(p: ir.IsNull, named: bool = False) -> str:
    return f"{_subject(p.column, named)}not null"


@describe_predicate.register(ir.IsMissing)
def _(p: ir.IsMissing, named: bool = False) -> str:
    return f"{_subject(p.column, named)}not null and not {_among(p.values, named)}"


@describe_predicate.register(ir.NotInSet)
def _(p: ir.NotInSet, named: bool = False) -> str:
    return f"{_subject(p.column, named)}{_among(p.values, named)}"


def _among(values: tuple[Any, ...], named: bool) -> str:
    return f"{'in' if named else 'one of'} {list(values)}"


@describe_predicate.register(ir.NotMatching)
def _(p: ir.NotMatching, named: bool = False) -> str:
    return f"{_subject(p.column, named)}matches /{p.pattern}/"


@describe_predicate.register(ir.OutOfRange)
def _(p: ir.OutOfRange, named: bool = False) -> str:
    return _between(
        p.column if named else "values",
        None if p.minimum is None else _value(p.minimum),
        None if p.maximum is None else _value(p.maximum),
        open_low=p.exclusive_minimum,
        open_high=p.exclusive_maximum,
    )


@describe_predicate.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange, named: bool = False) -> str:
    return _between(
        f"length({p.column})" if named else "length",
        None if p.minimum is None else str(p.minimum),
        None if p.maximum is None else str(p.maximum),
    )


@describe_predicate.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf, named: bool = False) -> str:
    return f"{_subject(p.column, named)}a multiple of {p.factor}"


@describe_predicate.register(ir.LagAbove)
def _(p: ir.LagAbove, named: bool = False) -> str:
    return f"{p.end} - {p.start} <= {ir.format_duration(p.seconds, exact=True)}"


@describe_predicate.register(ir.AnyOf)
def _(p: ir.AnyOf, named: bool = False) -> str:
    return " and ".join(describe_predicate(sub, named) for sub in p.predicates)
