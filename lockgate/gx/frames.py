"""Make a pandas frame compare in GX the way lockgate compares it.

GX 1.24 parses ISO bounds into `datetime` objects and compares them value by value: a naive bound
against a tz-aware column, or a `date` bound against datetimes, raises and fails the expectation.
lockgate instead compares instants (a naive bound or column is taken as UTC, dates as midnight).
The suites therefore carry naive-UTC ISO bounds, and the columns they list in
`meta.lockgate_datetime_columns` are turned into naive-UTC datetimes here. Columns whose values are
not dates or datetimes are left alone, so GX fails on them just as lockgate does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd


def prepare(df: pd.DataFrame, suite: Mapping[str, Any]) -> pd.DataFrame:
    """A copy of `df` with the suite's date/timestamp columns as naive-UTC datetimes."""
    columns = (suite.get("meta") or {}).get("lockgate_datetime_columns") or []
    out = df.copy(deep=False)
    for column in columns:
        if column in out.columns:
            out[column] = naive_utc(out[column])
    return out


def naive_utc(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return (
            s.dt.tz_convert("UTC").dt.tz_localize(None)
            if getattr(s.dt, "tz", None) is not None
            else s
        )
    values = s.dropna()
    if values.empty or not all(isinstance(v, dt.date) for v in values):
        return s  # text or mixed values: leave them, GX then fails like lockgate does
    aware = [isinstance(v, dt.datetime) and v.tzinfo is not None for v in values]
    if any(aware) and not all(aware):
        return s  # lockgate cannot compare these either
    try:
        converted = pd.to_datetime(s, utc=any(aware))
    except (TypeError, ValueError, OverflowError):
        return s
    return converted.dt.tz_localize(None) if any(aware) else converted
