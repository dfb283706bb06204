"""The Rule IR as ibis expressions. Nothing here knows a SQL dialect: ibis compiles per backend.

NaN is not a number a contract can mean: in a floating-point (or PostgreSQL numeric) column it
counts as NULL, as pandas counts it. `missing`/`present` are the one place that says so: `required`
and `nullValues` count NaN, value rules (bounds, sets, patterns, multiples) skip it like NULL.
Without them DuckDB and PostgreSQL order NaN above every number (so `maximum: 10` failed it) and
`IS NULL` is false for it (so `required: true` passed it). ±infinity are ordinary numbers, out of
any finite range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import reduce
from typing import Any

import ibis
from ibis.expr.types import BooleanValue, IntegerValue, Table, Value

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable

#: `failing(p, t)`: a boolean expression that is true for rows breaking the predicate (never true
#: for NULL)
failing: KindTable[Callable[..., BooleanValue]] = KindTable(
    "SQL: row predicate as ibis", ir.Predicate
)


def missing(col: Value) -> BooleanValue:
    """NULL, or NaN where the column's type can hold one (see the module docstring)."""
    kind = col.type()
    if kind.is_floating():
        return col.isnull() | col.isnan()
    if kind.is_decimal():  # PostgreSQL numeric has a NaN; DuckDB's decimal never matches
        return col.isnull() | col.cast("float64").isnan()
    return col.isnull()


def present(col: Value) -> BooleanValue:
    """Neither NULL nor NaN: a value that value rules judge."""
    return ~missing(col)


@failing.register(ir.IsNull)
def _(p: ir.IsNull, t: Table) -> BooleanValue:
    return missing(t[p.column])


@failing.register(ir.IsMissing)
def _(p: ir.IsMissing, t: Table) -> BooleanValue:
    col = t[p.column]
    return missing(col) | col.isin(list(p.values)) if p.values else missing(col)


@failing.register(ir.NotInSet)
def _(p: ir.NotInSet, t: Table) -> BooleanValue:
    col = t[p.column]
    return present(col) & ~col.isin(list(p.values))


@failing.register(ir.NotMatching)
def _(p: ir.NotMatching, t: Table) -> BooleanValue:
    col = t[p.column]
    text = col if col.type().is_string() else col.cast("string")
    return present(col) & ~text.re_search(p.pattern)


@failing.register(ir.OutOfRange)
def _(p: ir.OutOfRange, t: Table) -> BooleanValue:
    col = t[p.column]
    outside = []
    if p.minimum is not None:
        low = _literal(p.minimum, col)
        outside.append(col <= low if p.exclusive_minimum else col < low)
    if p.maximum is not None:
        high = _literal(p.maximum, col)
        outside.append(col >= high if p.exclusive_maximum else col > high)
    return present(col) & reduce(lambda a, b: a | b, outside)


@failing.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange, t: Table) -> BooleanValue:
    col = t[p.column]
    length = (col if col.type().is_string() else col.cast("string")).length()
    outside = []
    if p.minimum is not None:
        outside.append(length < p.minimum)
    if p.maximum is not None:
        outside.append(length > p.maximum)
    return present(col) & reduce(lambda a, b: a | b, outside)


@failing.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf, t: Table) -> BooleanValue:
    col = t[p.column]
    ratio = col.cast("float64") / p.factor
    # ibis rounds to BIGINT, which overflows beyond 2**63: round only where a double can still
    # have a fraction (below 2**53); infinity is no multiple of anything
    exact = ratio.abs() < 2.0**53
    bounded = ibis.ifelse(exact, ratio, 0.0)
    return present(col) & (ratio.isinf() | (exact & ((bounded - bounded.round()).abs() > 1e-9)))


@failing.register(ir.LagAbove)
def _(p: ir.LagAbove, t: Table) -> BooleanValue:
    start, end = t[p.start], t[p.end]
    lag = _epoch(end) - _epoch(start)
    return start.notnull() & end.notnull() & (lag > p.seconds)


@failing.register(ir.AnyOf)
def _(p: ir.AnyOf, t: Table) -> BooleanValue:
    return reduce(lambda a, b: a | b, (failing(sub, t) for sub in p.predicates))


def all_present(t: Table, columns: tuple[str, ...]) -> BooleanValue:
    return reduce(lambda a, b: a & b, (present(t[c]) for c in columns))


def duplicate_count(t: Table, columns: tuple[str, ...]) -> IntegerValue:
    """count(key) - count(distinct key), over rows whose key columns are all non-null."""
    if len(columns) == 1:
        col = t[columns[0]]
        if col.type().is_floating() or col.type().is_decimal():
            return t.count(where=present(col)) - col.nunique(where=present(col))
        return col.count() - col.nunique()
    complete = all_present(t, columns)
    key = ibis.struct({f"k{i}": t[c] for i, c in enumerate(columns)})
    return t.count(where=complete) - key.nunique(where=complete)


def _epoch(col: Value) -> Value:
    if col.type().is_date():
        col = col.cast("timestamp")
    return col.epoch_seconds()


def _literal(value: Any, col: Value) -> Value:
    """Bounds are compared in the column's own type (dates to dates, timestamps to timestamps)."""
    kind = col.type()
    if isinstance(value, dt.datetime) and kind.is_timestamp():
        if value.tzinfo is not None and kind.timezone is None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return ibis.literal(value, type=kind)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return (
            ibis.literal(value, type="date")
            if kind.is_date()
            else ibis.literal(dt.datetime.combine(value, dt.time()))
        )
    return ibis.literal(value)
