"""The Rule IR's row predicates on pandas: a boolean mask that is True for failing rows.

This is the pandas twin of `lockgate.engines.sql.expressions`; NULL handling is the same (a null
never fails a predicate unless the predicate is about nulls), which the parity test checks.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce, singledispatch

import numpy as np
import pandas as pd

from lockgate.contract import rules as ir


@singledispatch
def failing_mask(p, df: pd.DataFrame) -> pd.Series:
    raise TypeError(f"no pandas translation for {type(p).__name__}")


@failing_mask.register
def _(p: ir.IsNull, df):
    return df[p.column].isna()


@failing_mask.register
def _(p: ir.IsMissing, df):
    s = df[p.column]
    return s.isna() | s.isin(list(p.values)) if p.values else s.isna()


@failing_mask.register
def _(p: ir.NotInSet, df):
    s = df[p.column]
    return s.notna() & ~s.isin(list(p.values))


@failing_mask.register
def _(p: ir.NotMatching, df):
    s = df[p.column]
    present = s.notna()
    matches = s[present].astype(str).str.contains(p.pattern, regex=True)
    return present & ~matches.reindex(s.index, fill_value=True).astype(bool)


@failing_mask.register
def _(p: ir.OutOfRange, df):
    s = df[p.column]
    present = s.notna()
    values = _comparable(s[present])
    outside = pd.Series(False, index=values.index)
    if p.minimum is not None:
        low = _bound(p.minimum, values)
        outside |= (values <= low) if p.exclusive_minimum else (values < low)
    if p.maximum is not None:
        high = _bound(p.maximum, values)
        outside |= (values >= high) if p.exclusive_maximum else (values > high)
    return outside.reindex(s.index, fill_value=False).astype(bool)


@failing_mask.register
def _(p: ir.LengthOutOfRange, df):
    s = df[p.column]
    present = s.notna()
    length = s[present].astype(str).str.len()
    outside = pd.Series(False, index=length.index)
    if p.minimum is not None:
        outside |= length < p.minimum
    if p.maximum is not None:
        outside |= length > p.maximum
    return outside.reindex(s.index, fill_value=False).astype(bool)


@failing_mask.register
def _(p: ir.NotMultipleOf, df):
    s = df[p.column]
    present = s.notna()
    ratio = s[present].astype("float64") / p.factor
    off = (ratio - np.round(ratio)).abs() > 1e-9
    return off.reindex(s.index, fill_value=False).astype(bool)


@failing_mask.register
def _(p: ir.LagAbove, df):
    start, end = _timestamps(df[p.start]), _timestamps(df[p.end])
    lag = (end - start).dt.total_seconds()
    return (start.notna() & end.notna() & (lag > p.seconds)).fillna(False).astype(bool)


@failing_mask.register
def _(p: ir.AnyOf, df):
    return reduce(lambda a, b: a | b, (failing_mask(sub, df) for sub in p.predicates))


def duplicate_mask(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """True for rows whose key repeats an earlier row (keys with a null part are ignored)."""
    key = df[list(columns)]
    present = key.notna().all(axis=1)
    dup = key[present].duplicated(keep="first")
    return dup.reindex(df.index, fill_value=False).astype(bool)


def _timestamps(s: pd.Series) -> pd.Series:
    return s if pd.api.types.is_datetime64_any_dtype(s) else pd.to_datetime(s)


def _comparable(values: pd.Series) -> pd.Series:
    """Python dates (what PostgreSQL drivers return for DATE columns) as timestamps, so that they
    compare with date and timestamp bounds as SQL compares them; other values as they are."""
    first = values.iloc[0] if len(values) else None
    if values.dtype == object and isinstance(first, dt.date) and not isinstance(first, dt.datetime):
        return pd.to_datetime(values)
    return values


def _bound(value, values: pd.Series):
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
