"""The one column-kind classifier (lockgate.engines.column_kinds) gives every view the answers the
separate classifiers it replaced gave (engines/sql/types.kind_of, state/sql_profile.column_kind
and _category_kind, reference_build's live kind, frame/aggregates.pandas_kind,
state/frame_profile.column_kind): the expected values below are theirs, recorded before."""

from __future__ import annotations

import datetime as dt
import decimal

import ibis.expr.datatypes as dtypes
import pandas as pd
import pyarrow as pa
import pytest

from lockgate.engines.column_kinds import (
    ibis_category,
    ibis_logical,
    ibis_profile,
    ibis_summary,
    pandas_logical,
    pandas_profile,
)

# ibis type -> (logical, profile, category, drift summary)
IBIS = {
    "int8": ("integer", "numeric", "integer", "numeric"),
    "uint32": ("integer", "numeric", "integer", "numeric"),
    "float32": ("number", "numeric", "number", "numeric"),
    "decimal(10,0)": ("integer", "numeric", "number", "numeric"),
    "decimal(10,2)": ("number", "numeric", "number", "numeric"),
    "string": ("string", "other", "string", "categorical"),
    "uuid": ("string", "other", "other", None),
    "boolean": ("boolean", "other", "boolean", "categorical"),
    "timestamp": ("timestamp", "temporal", "other", None),
    "timestamp('UTC')": ("timestamp", "temporal", "other", None),
    "date": ("date", "temporal", "other", None),
    "time": ("time", "other", "other", None),
    "json": ("object", "other", "other", None),
    "struct<a: int64>": ("object", "other", "other", None),
    "map<string,int64>": ("map", "other", "other", None),
    "array<int64>": ("array", "other", "other", None),
    "binary": ("unknown", "other", "other", None),
    "interval('s')": ("unknown", "other", "other", None),
    "inet": ("unknown", "other", "other", None),
}


@pytest.mark.parametrize("name", IBIS)
def test_ibis_views(name):
    dtype = dtypes.dtype(name)
    got = (ibis_logical(dtype), ibis_profile(dtype), ibis_category(dtype), ibis_summary(dtype))
    assert got == IBIS[name]


# series -> (logical for logicalType checks, profile)
PANDAS = {
    "bool": (pd.Series([True, False]), "boolean", "other"),
    "nullable bool": (pd.Series([True, None], dtype="boolean"), "boolean", "other"),
    "int": (pd.Series([1, 2]), "integer", "numeric"),
    "Int64": (pd.Series([1, None], dtype="Int64"), "integer", "numeric"),
    "float": (pd.Series([1.5, None]), "number", "numeric"),
    "datetime": (pd.Series(pd.to_datetime(["2026-01-01 10:00"])), "timestamp", "temporal"),
    "midnights": (pd.Series(pd.to_datetime(["2026-01-01"])), "date_or_timestamp", "temporal"),
    "aware": (pd.Series(pd.to_datetime(["2026-01-01 10:00"], utc=True)), "timestamp", "temporal"),
    "str": (pd.Series(["a", "b"]), "string", "other"),
    "object str": (pd.Series(["a"], dtype=object), "string", "other"),
    "object date": (pd.Series([dt.date(2026, 1, 1)], dtype=object), "date", "temporal"),
    "object datetime": (
        pd.Series([dt.datetime(2026, 1, 1, 3)], dtype=object),
        "timestamp",
        "temporal",
    ),
    "object Decimal": (pd.Series([decimal.Decimal("1.5")], dtype=object), "number", "other"),
    "object time": (pd.Series([dt.time(1, 2)], dtype=object), "time", "other"),
    "object dict": (pd.Series([{"a": 1}], dtype=object), "object", "other"),
    "object list": (pd.Series([[1]], dtype=object), "array", "other"),
    "empty object": (pd.Series([], dtype=object), "string", "other"),
    "null object": (pd.Series([None, None], dtype=object), "string", "other"),
    "category": (pd.Series(["a"], dtype="category"), "unknown", "other"),
    "complex": (pd.Series([1 + 2j]), "unknown", "numeric"),
    "timedelta": (pd.Series(pd.to_timedelta([1], unit="s")), "unknown", "other"),
    "pyarrow string": (pd.Series(["a"], dtype="string[pyarrow]"), "string", "other"),
    "pyarrow double": (pd.Series([1.0], dtype="double[pyarrow]"), "number", "numeric"),
    "pyarrow date": (
        pd.Series([dt.date(2026, 1, 1)], dtype=pd.ArrowDtype(pa.date32())),
        "date_or_timestamp",
        "temporal",
    ),
    "pyarrow decimal": (
        pd.Series([decimal.Decimal("1.5")], dtype=pd.ArrowDtype(pa.decimal128(5, 2))),
        "number",
        "numeric",
    ),
}


@pytest.mark.parametrize("name", PANDAS)
def test_pandas_views(name):
    series, logical, profile = PANDAS[name]
    assert (pandas_logical(series), pandas_profile(series)) == (logical, profile)
