"""The one classifier of a live column's kind, for ibis (SQL) types and pandas columns.

Each backend's classifier returns a *storage kind*, fine enough that every question lockgate asks
about a column is a lookup on it:

- `logical`: the contract's logicalType vocabulary, for `logicalType` checks
  (lockgate.engines.sql.types.ACCEPTS);
- `profile`: numeric / temporal / other, which statistics a table profile computes
  (lockgate.engines.sql.profile, lockgate.engines.frame.profile);
- `category`: how a categorical drift reference's values are compared in SQL;
- `summary`: which drift reference summary a column gets (numeric, categorical or none).

The views keep deliberate differences: a pandas column of Decimal objects (a PostgreSQL numeric
fetched by a driver) is a `number` for type checks but not profiled as numeric, as before.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, Literal

Logical = Literal[
    "integer", "number", "string", "boolean", "date", "timestamp", "date_or_timestamp", "time",
    "object", "map", "array", "unknown",
]  # fmt: skip
Profile = Literal["numeric", "temporal", "other"]


# --- ibis data types --------------------------------------------------------------------------

Summary = Literal["numeric", "categorical"] | None

#: storage kind -> (logical kind, profile kind, category kind, summary kind)
_IBIS: dict[str, tuple[Logical, Profile, str, Summary]] = {
    "integer": ("integer", "numeric", "integer", "numeric"),
    "decimal0": (
        "integer",
        "numeric",
        "number",
        "numeric",
    ),  # decimal(p, 0): whole numbers, decimal storage
    "decimal": ("number", "numeric", "number", "numeric"),
    "float": ("number", "numeric", "number", "numeric"),
    "string": ("string", "other", "string", "categorical"),
    "uuid": ("string", "other", "other", None),  # compared as text would need a cast on PostgreSQL
    "boolean": ("boolean", "other", "boolean", "categorical"),
    "timestamp": ("timestamp", "temporal", "other", None),
    "date": ("date", "temporal", "other", None),
    "time": ("time", "other", "other", None),
    "object": ("object", "other", "other", None),
    "map": ("map", "other", "other", None),
    "array": ("array", "other", "other", None),
    "unknown": ("unknown", "other", "other", None),
}


def ibis_storage(dtype: Any) -> str:
    """The storage kind of an ibis DataType (a key of `_IBIS`)."""
    checks = (
        ("integer", dtype.is_integer),
        ("decimal", dtype.is_decimal),
        ("float", dtype.is_floating),
        ("string", dtype.is_string),
        ("uuid", dtype.is_uuid),
        ("boolean", dtype.is_boolean),
        ("timestamp", dtype.is_timestamp),
        ("date", dtype.is_date),
        ("time", dtype.is_time),
        ("object", lambda: dtype.is_struct() or dtype.is_json()),
        ("map", dtype.is_map),
        ("array", dtype.is_array),
    )
    for kind, test in checks:
        if test():
            return "decimal0" if kind == "decimal" and dtype.scale == 0 else kind
    return "unknown"


def ibis_logical(dtype: Any) -> Logical:
    return _IBIS[ibis_storage(dtype)][0]


def ibis_profile(dtype: Any) -> Profile:
    return _IBIS[ibis_storage(dtype)][1]


def ibis_category(dtype: Any) -> str:
    return _IBIS[ibis_storage(dtype)][2]


def ibis_summary(dtype: Any) -> Summary:
    return _IBIS[ibis_storage(dtype)][3]


# --- pandas columns ----------------------------------------------------------------------------

#: storage kind -> (logical kind, profile kind)
_PANDAS: dict[str, tuple[Logical, Profile]] = {
    "boolean": ("boolean", "other"),
    "integer": ("integer", "numeric"),
    "float": ("number", "numeric"),
    "complex": ("unknown", "numeric"),
    "numeric_decimal": ("number", "numeric"),
    "datetime": ("timestamp", "temporal"),
    # pandas has no date dtype: a datetime column holding only midnights may be either
    "datetime_midnight": ("date_or_timestamp", "temporal"),
    "py_decimal": ("number", "other"),
    "py_datetime": ("timestamp", "temporal"),
    "py_date": ("date", "temporal"),
    "py_time": ("time", "other"),
    "py_dict": ("object", "other"),
    "py_list": ("array", "other"),
    "text": ("string", "other"),
    "unknown": ("unknown", "other"),
}


def pandas_storage(s: Any) -> str:
    """The storage kind of a pandas Series (a key of `_PANDAS`); object columns by their first
    non-null value."""
    import pandas as pd

    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    sample = s.dropna()
    first = sample.iloc[0] if not sample.empty else None
    if pd.api.types.is_numeric_dtype(dtype):  # complex, or pyarrow decimals
        return "numeric_decimal" if isinstance(first, decimal.Decimal) else "complex"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = s.dropna()
        if values.empty or (values == values.dt.normalize()).all():
            return "datetime_midnight"
        return "datetime"
    for cls, kind in _FIRST_VALUE:
        if isinstance(first, cls):
            return kind
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "text"
    return "unknown"


# checked in this order: a datetime is also a date
_FIRST_VALUE: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (decimal.Decimal, "py_decimal"),
    (dt.datetime, "py_datetime"),
    (dt.date, "py_date"),
    (dt.time, "py_time"),
    (dict, "py_dict"),
    ((list, tuple), "py_list"),
)


def pandas_logical(s: Any) -> Logical:
    return _PANDAS[pandas_storage(s)][0]


def pandas_profile(s: Any) -> Profile:
    return _PANDAS[pandas_storage(s)][1]
