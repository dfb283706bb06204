"""The Rule IR's row predicates on pandas: a boolean mask that is True for failing rows.

This is the pandas twin of `lockgate.engines.sql.expressions`; NULL handling is the same (a null
never fails a predicate unless the predicate is about nulls), which the parity test checks. NaN
counts as NULL, as in the SQL twin (`missing`): pandas' `isna` already says so for numpy floats,
but not for pyarrow-backed doubles or Decimal('NaN'), so `missing` checks them itself.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from lockgate.contract import rules as ir
from lockgate.contract.dispatch import KindTable


def missing(s: pd.Series) -> pd.Series:
    """NULL (None, NaT, NA) or NaN, whatever the column's storage."""
    out = s.isna()
    if pd.api.types.is_float_dtype(s.dtype):
        nan = np.isnan(s.to_numpy(dtype="float64", na_value=np.nan))
        return out | pd.Series(nan, index=s.index)
    if s.dtype == object:  # Decimal('NaN') from a PostgreSQL numeric, float NaN among objects
        return out | s.map(_is_nan).astype(bool)
    return out


def _is_nan(value: Any) -> bool:
    if isinstance(value, decimal.Decimal):
        return value.is_nan()
    return isinstance(value, float) and math.isnan(value)


def present(s: pd.Series) -> pd.Series:
    return ~missing(s)


#: `failing_mask(p, df)`: True for the rows of `df` breaking the predicate
failing_mask: KindTable[Callable[..., pd.Series]] = KindTable(
    "frame: row predicate as a pandas mask", ir.Predicate
)


@failing_mask.register(ir.IsNull)
def _(p: ir.IsNull, df: pd.DataFrame) -> pd.Series:
    return missing(df[p.column])


@failing_mask.register(ir.IsMissing)
def _(p: ir.IsMissing, df: pd.DataFrame) -> pd.Series:
    s = df[p.column]
    return missing(s) | s.isin(list(p.values)) if p.values else missing(s)


@failing_mask.register(ir.NotInSet)
def _(p: ir.NotInSet, df: pd.DataFrame) -> pd.Series:
    s = df[p.column]
    return present(s) & ~s.isin(list(p.values))


@failing_mask.register(ir.NotMatching)
def _(p: ir.NotMatching, df: pd.DataFrame) -> pd.Series:
    s = df[p.column]
    judged = present(s)
    matches = s[judged].astype(str).str.contains(p.pattern, regex=True)
    return judged & ~matches.reindex(s.index, fill_value=True).astype(bool)


@failing_mask.register(ir.OutOfRange)
def _(p: ir.OutOfRange, df: pd.DataFrame) -> pd.Series:
    s = df[p.column]
    values = _comparable(s[present(s)])
    outside = pd.Series(False, index=values.index)
    if p.minimum is not None:
        low = _bound(p.minimum, values)
        outside |= (values <= low) if p.exclusive_minimum else (values < low)
    if p.maximum is not None:
        high = _bound(p.maximum, values)
        outside |= (values >= high) if p.exclusive_maximum else (values > high)
    return outside.reindex(s.index, fill_value=False).astype(bool)


@failing_mask.register(ir.LengthOutOfRange)
def _(p: ir.LengthOutOfRange, df: pd.DataFrame) -> pd.Series:
    s = df[p.column]
    length = s[s.notna()].astype(str).str.len()
    outside = pd.Series(False, index=length.index)
    if p.minimum is not None:
        outside |= length < p.minimum
    if p.maximum is not None:
        outside |= length > p.maximum
    return outside.reindex(s.index, fill_value=False).astype(bool)


@failing_mask.register(ir.NotMultipleOf)
def _(p: ir.NotMultipleOf, df: pd.DataFrame) -> pd.Series:
    s = df[p.column]
    ratio = s[present(s)].astype("float64") / p.factor
    # infinity is no multiple of anything: inf - round(inf) is NaN, which is not <= 1e-9
    off = ~((ratio - np.round(ratio)).abs() <= 1e-9)
    return off.reindex(s.index, fill_value=False).astype(bool)


@failing_mask.register(ir.LagAbove)
def _(p: ir.LagAbove, df: pd.DataFrame) -> pd.Series:
    start, end = _timestamps(df[p.start]), _timestamps(df[p.end])
    lag = (end - start).dt.total_seconds()
    return (start.notna() & end.notna() & (lag > p.seconds)).fillna(False).astype(bool)


@failing_mask.register(ir.AnyOf)
def _(p: ir.AnyOf, df: pd.DataFrame) -> pd.Series:
    return reduce(lambda a, b: a | b, (failing_mask(sub, df) for sub in p.predicates))


def duplicate_mask(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """True for rows whose key repeats an earlier row (keys with a null part are ignored)."""
    key = df[list(columns)]
    complete = all_present(df, columns)
    dup = key[complete].duplicated(keep="first")
    return dup.reindex(df.index, fill_value=False).astype(bool)


def all_present(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    return reduce(lambda a, b: a & b, (present(df[c]) for c in columns))


def _timestamps(s: pd.Series) -> pd.Series:
    return s if pd.api.types.is_datetime64_any_dtype(s) else pd.to_datetime(s)


def _comparable(values: pd.Series) -> pd.Series:
    """Python dates (what PostgreSQL drivers return for DATE columns) as timestamps, so that they
    compare with date and timestamp bounds as SQL compares them; other values as they are."""
    first = values.iloc[0] if len(values) else None
    if values.dtype == object and isinstance(first, dt.date) and not isinstance(first, dt.datetime):
        return pd.to_datetime(values)
    return values


def _bound(value: Any, values: pd.Series) -> Any:
    """Compare dates and timestamps in the column's own representation (see the SQL twin)."""
    if isinstance(value, (dt.date, dt.datetime)) and pd.api.types.is_datetime64_any_dtype(values):
        ts = pd.Timestamp(value)
        tz = getattr(values.dt, "tz", None)
        if ts.tzinfo is not None and tz is None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        elif ts.tzinfo is None and tz is not None:
            ts = ts.tz_localize("UTC")
        return ts
    return value
